// The lexer simulator that Parse uses caches DFA edges on every character (ANTLR's caches only those
// below 128) and keeps a per-thread table in front of them (engine/src/syntax/parse.cc,
// CachingLexerSimulator). It must read exactly the tokens ANTLR's own simulator reads: type, start, stop,
// line, column and channel of every token, on every .gate file in the repository and on generated text
// full of CJK characters (those in keywords and others), full-width punctuation, quotes left open, escapes,
// characters beyond the BMP and control characters. Each text is lexed both ways, in both orders, so that
// either simulator meets a DFA the other one grew.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "syntax/parse.h"
#include "test_files.h"

namespace fs = std::filesystem;
using lexgate::syntax::DumpTokens;

namespace {

const std::string kRoot = LEXGATE_TEST_ROOT;

void ExpectSameTokens(const std::string& name, const std::string& text) {
  const std::string cached = DumpTokens(text, true);
  const std::string stock = DumpTokens(text, false);
  ASSERT_FALSE(stock.empty()) << name;
  if (cached == stock) return;
  size_t at = 0;
  while (at < cached.size() && at < stock.size() && cached[at] == stock[at]) ++at;
  size_t line_start = stock.rfind('\n', at);
  line_start = line_start == std::string::npos ? 0 : line_start + 1;
  ADD_FAILURE() << name << ": tokens differ near '" << stock.substr(line_start, 60) << "' (stock) vs '"
                << cached.substr(line_start, 60) << "' (caching)";
}

// Text made of random pieces: keywords in both languages, single CJK characters (some in keywords, some
// not), full-width punctuation and quotes, escapes, numbers, dates, and odd characters.
std::string Generated(std::mt19937& rng, size_t pieces) {
  static const std::vector<std::string> kPieces = {
      "ruleset", "rule", "when", "then", "must", "must_not", "and", "or", "not", "in", "test", "expect", " ", " ", "\n",
      "\t", "{", "}", "(", ")", "[", "]", ",", ":", ".", "..", "==", "!=", "<=", ">=", "<", ">", "=", "+", "-", "%", "/",
      "\"", "\"text\"", "\\", "\\n", "\\u4e2d", "#", "# 注释\n", "2026-01-31", "12_000", "3.25", "CN-31", "x_1",
      "规则集", "规则", "当", "则", "不得", "必须", "应", "可以", "并且", "或者", "非", "属于", "存在", "测试", "期望",
      "的", "日", "年", "条", "款", "项", "于", "自", "组", "个月", "工作日", "调休上班", "已豁免", "约束力",
      "中", "国", "数", "据", "出", "境", "安", "全", "评", "估", "个", "人", "信", "息",
      "“", "”", "「", "」", "｛", "｝", "（", "）", "【", "】", "，", "、", "：", "％", "\u3000", "\uFEFF",
      "é", "ß", "Ω", "д", "١", "٣", "😀", "𠀀", "\u0001", "\u0002", "\x7f", "\r", "²", "Ⅻ", "ｱ", "가"};
  std::uniform_int_distribution<size_t> pick(0, kPieces.size() - 1);
  std::string s;
  for (size_t i = 0; i < pieces; ++i) s += kPieces[pick(rng)];
  return s;
}

TEST(LexerCache, RepositoryFilesLexAsAntlrDoes) {
  size_t files = 0;
  for (const char* dir : {"jurisdictions", "rulesets", "tests", "bench", "fuzz", "examples"}) {
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(kRoot + "/" + dir, ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec))
      if (it->is_regular_file() && it->path().extension() == ".gate") {
        ExpectSameTokens(it->path().string(), lexgate::test::ReadFile(it->path()));
        ++files;
      }
  }
  EXPECT_GT(files, 100u);
}

TEST(LexerCache, GeneratedTextLexesAsAntlrDoes) {
  std::mt19937 rng(12);
  for (int i = 0; i < 300; ++i) {
    const std::string text = Generated(rng, 400);
    if (i % 2) {
      ExpectSameTokens("generated #" + std::to_string(i), text);
    } else {  // the other order: the caching simulator first
      const std::string cached = DumpTokens(text, true);
      EXPECT_EQ(cached, DumpTokens(text, false)) << "generated #" << i;
    }
  }
}

// Two threads lexing at once (each with its own per-thread table, sharing the DFA) read what one does.
TEST(LexerCache, TwoThreadsReadTheSameTokens) {
  std::mt19937 rng(7);
  std::vector<std::string> texts;
  for (int i = 0; i < 40; ++i) texts.push_back(Generated(rng, 600));
  std::vector<std::string> expected;
  for (const auto& t : texts) expected.push_back(DumpTokens(t, false));
  std::vector<std::string> got_a(texts.size()), got_b(texts.size());
  std::thread a([&] {
    for (size_t i = 0; i < texts.size(); ++i) got_a[i] = DumpTokens(texts[i], true);
  });
  for (size_t i = texts.size(); i-- > 0;) got_b[i] = DumpTokens(texts[i], true);
  a.join();
  for (size_t i = 0; i < texts.size(); ++i) {
    EXPECT_EQ(got_a[i], expected[i]) << i;
    EXPECT_EQ(got_b[i], expected[i]) << i;
  }
}

}  // namespace
