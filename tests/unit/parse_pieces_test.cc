// ParseFiles (files, and large files cut into pieces, parsed on several threads) against Parse (each file
// whole, one by one): the same ASTs with the same spans (DumpFile + DumpFileSpans) and the same
// diagnostics in the same order, for every .gate file in the repository (shipped rules, their tests, the
// broken files of the diagnostics golden tests, lint and fuzz seeds), a generated file of mixed English
// and Chinese rules, and broken variants of it. Pieces are made tiny here so that every file is cut.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "diag/diagnostic.h"
#include "syntax/parse.h"
#include "test_files.h"

namespace fs = std::filesystem;
using namespace lexgate;

namespace {

const std::string kRoot = LEXGATE_TEST_ROOT;

using lexgate::test::ReadFile;

std::string DumpDiagnostics(const diag::DiagnosticSink& sink) {
  std::string s;
  for (const auto& d : sink.all()) {
    s += std::string(diag::CodeName(d.code)) + " " + std::to_string(static_cast<int>(d.severity)) + " " +
         std::to_string(d.span.file) + ":" + std::to_string(d.span.begin) + "-" + std::to_string(d.span.end) + "@" +
         std::to_string(d.span.line) + ":" + std::to_string(d.span.col);
    for (const auto& [k, v] : d.args) s += " " + k + "=" + v;
    s += " help=" + d.help + "\n";
    for (const auto& n : d.notes) s += "  note " + std::to_string(n.span.line) + " " + n.message + "\n";
  }
  return s;
}

// Equal texts; on a difference, shows the first differing line only (the dumps are long).
void ExpectSame(const std::string& a, const std::string& b) {
  if (a == b) return;
  std::istringstream x(a), y(b);
  std::string la, lb;
  for (int line = 1;; ++line) {
    bool ga = static_cast<bool>(std::getline(x, la)), gb = static_cast<bool>(std::getline(y, lb));
    if (!ga && !gb) break;
    if (la != lb || ga != gb) {
      ADD_FAILURE() << "first difference at line " << line << ":\n  whole:  " << la << "\n  pieces: " << lb;
      return;
    }
  }
  ADD_FAILURE() << "texts differ";
}

struct Both {
  std::string whole_ast, pieces_ast, whole_diags, pieces_diags;
  syntax::ParseStats stats;
};

// Parses `files` both ways; every AST is dumped with and without spans.
Both ParseBothWays(const std::vector<std::pair<std::string, std::string>>& files, size_t piece_bytes, unsigned threads) {
  SourceManager sm;
  std::vector<uint32_t> ids;
  for (const auto& [name, text] : files) ids.push_back(sm.Add(name, text));
  Both b;
  diag::DiagnosticSink whole_sink, pieces_sink;
  for (uint32_t id : ids) {
    auto f = syntax::Parse(sm, id, whole_sink);
    b.whole_ast += sm.Get(id).path + "\n" + ast::DumpFile(*f) + ast::DumpFileSpans(*f);
  }
  syntax::ParseOptions opt;
  opt.threads = threads;
  opt.piece_bytes = piece_bytes;
  opt.min_parallel_bytes = 0;
  opt.stats = &b.stats;
  auto asts = syntax::ParseFiles(sm, ids, pieces_sink, opt);
  EXPECT_EQ(asts.size(), ids.size());
  for (size_t i = 0; i < asts.size() && i < ids.size(); ++i) {
    EXPECT_EQ(asts[i]->source, ids[i]);
    b.pieces_ast += sm.Get(ids[i]).path + "\n" + ast::DumpFile(*asts[i]) + ast::DumpFileSpans(*asts[i]);
  }
  b.whole_diags = DumpDiagnostics(whole_sink);
  b.pieces_diags = DumpDiagnostics(pieces_sink);
  return b;
}

std::vector<std::pair<std::string, std::string>> RepositoryGateFiles() {
  std::vector<std::pair<std::string, std::string>> out;
  for (const char* dir : {"jurisdictions", "rulesets", "tests", "bench", "fuzz", "examples"}) {
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(kRoot + "/" + dir, ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec))
      if (it->is_regular_file() && it->path().extension() == ".gate") out.emplace_back(it->path().string(), ReadFile(it->path()));
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Rulesets of English and Chinese rules, with braces, quotes and '#' in strings and comments (the cut
// finder must not be fooled by them) and a test block.
std::string Generated(int rulesets) {
  std::string s = "# generated\n";
  for (int i = 0; i < rulesets; ++i) {
    const std::string n = std::to_string(i);
    if (i % 2 == 0) {
      s += "ruleset gen.r" + n + " {\n  title en \"Generated { " + n + "\" zh \u201C\u751F\u6210 ( # " + n +
           "\u201D\n  authority GEN\n  jurisdiction CN\n  force law\n  effective 2000-01-01\n"
           "  applies to transfer where data.subjects.personal == " + n + "00\n}\n";
      for (int k = 0; k < 5; ++k)
        s += "rule g" + n + "_" + std::to_string(k) + " {  # a comment { with a brace\n  cite art " +
             std::to_string(k + 1) + "\n  when data.subjects.sensitive_personal > " + std::to_string(k * 10) +
             " or (recipient.jurisdiction in EU and not notice_given)\n  then must pia before transfer\n"
             "  satisfied when pia_done\n  says en \"rule } \\\" test\" zh \u300C\u89C4\u5219 }\u300D\n}\n";
    } else {
      s += "\u89C4\u5219\u96C6 gen.z" + n + " {\n  \u6807\u9898 zh \"\u751F\u6210 " + n +
           "\"\n  \u673A\u5173 GEN\n  \u6CD5\u57DF CN\n  \u6548\u529B law\n  \u751F\u6548 2000-01-01\n}\n";
      for (int k = 0; k < 5; ++k)
        s += "\u89C4\u5219 z" + n + "_" + std::to_string(k) + " {\n  \u5F53 data.subjects.personal > " +
             std::to_string(k) + " \u4E14 \u975E notice_given\n  \u5219 \u5FC5\u987B pia \u4E4B\u524D transfer\n}\n";
    }
    if (i % 7 == 3)
      s += "test \"t" + n + "\" {\n  as_of 2025-01-01\n  case { kind: \"transfer\", data: { subjects: { personal: 5 } } }\n"
           "  expect requires pia\n}\n";
  }
  return s;
}

TEST(ParsePieces, EveryRepositoryFileParsesTheSameBothWays) {
  auto files = RepositoryGateFiles();
  ASSERT_GT(files.size(), 100u);
  Both b = ParseBothWays(files, 256, 2);
  ExpectSame(b.whole_ast, b.pieces_ast);
  ExpectSame(b.whole_diags, b.pieces_diags);
  EXPECT_GT(b.stats.pieces, 3 * files.size());  // the cuts were made...
  EXPECT_GT(b.stats.whole, 10u);                 // ...and the broken golden files were parsed whole
  EXPECT_LT(b.stats.whole, files.size() / 2);    // but not the valid ones
}

TEST(ParsePieces, GeneratedFileIsCutAndParsesTheSame) {
  std::vector<std::pair<std::string, std::string>> files = {{"gen.gate", Generated(40)}};
  for (unsigned threads : {1u, 2u}) {
    Both b = ParseBothWays(files, 1024, threads);
    ExpectSame(b.whole_ast, b.pieces_ast);
    ExpectSame(b.whole_diags, b.pieces_diags);
    EXPECT_TRUE(b.whole_diags.empty()) << b.whole_diags;
    EXPECT_GT(b.stats.pieces, 20u);
    EXPECT_EQ(b.stats.whole, 0u);
  }
}

TEST(ParsePieces, BrokenFilesReportTheSameDiagnostics) {
  const std::string good = Generated(20), small = Generated(4);
  const size_t mid = good.find("\nrule g10_2");
  const size_t late = good.find("\n\u89C4\u5219 z17_1");
  ASSERT_NE(mid, std::string::npos);
  ASSERT_NE(late, std::string::npos);
  const std::vector<std::pair<std::string, std::string>> variants = {
      {"syntax error in a middle piece", good.substr(0, mid) + "\nrule oops { when }\n" + good.substr(mid)},
      {"unterminated string late", good.substr(0, late) + "\nrule s { says en \"open\n}\n" + good.substr(late)},
      {"bad character", good.substr(0, mid) + "\nrule b { when x == 1 \x01 }\n" + good.substr(mid)},
      {"glued Chinese keyword", good.substr(0, late) + "\n\u89C4\u5219 q {\n  \u5F53x\n}\n" + good.substr(late)},
      {"unclosed brace", good.substr(0, mid) + "\nrule u {\n" + good.substr(mid)},
      {"builder diagnostics only", good.substr(0, mid) + "\nrule n { when x > 99999999999999999999 and d == 2025-02-30\n"
                                                         "  when y\n  says en \"bad \\q escape\"\n}\n" + good.substr(mid)},
      {"item keyword not at an item", good.substr(0, mid) + "\nrule w {\n  when a\n}\nrule\n" + good.substr(mid)},
  };
  for (const auto& [what, text] : variants) {
    SCOPED_TRACE(what);
    Both b = ParseBothWays({{"ok.gate", small}, {"broken.gate", text}, {"ok2.gate", small}}, 1024, 2);
    ExpectSame(b.whole_ast, b.pieces_ast);
    ExpectSame(b.whole_diags, b.pieces_diags);
    EXPECT_FALSE(b.whole_diags.empty());
  }
}

// The AST builder cuts names and literals from the file's bytes; ANTLR's getText() (the old way, still
// there for this test) must give the same ASTs, spans and diagnostics, whole files and pieces alike.
TEST(ParsePieces, TextFromBytesIsAntlrText) {
  auto files = RepositoryGateFiles();
  files.emplace_back("gen.gate", Generated(30));
  files.emplace_back("bom.gate", "\xEF\xBB\xBF" + Generated(3));
  const Both bytes = ParseBothWays(files, 256, 2);
  syntax::UseAntlrTextForTests(true);
  const Both antlr = ParseBothWays(files, 256, 2);
  syntax::UseAntlrTextForTests(false);
  ExpectSame(antlr.whole_ast, bytes.whole_ast);
  ExpectSame(antlr.pieces_ast, bytes.pieces_ast);
  ExpectSame(antlr.whole_diags, bytes.whole_diags);
  ExpectSame(antlr.pieces_diags, bytes.pieces_diags);
}

// Many runs on two threads give the same output every time (run under the sanitizer build too).
TEST(ParsePieces, RepeatedParallelRunsAgree) {
  std::vector<std::pair<std::string, std::string>> files = {{"a.gate", Generated(20)}, {"b.gate", Generated(9)},
                                                            {"c.gate", "rule x { when }\n"}, {"d.gate", Generated(14)}};
  const Both first = ParseBothWays(files, 512, 2);
  ExpectSame(first.whole_ast, first.pieces_ast);
  ExpectSame(first.whole_diags, first.pieces_diags);
  for (int i = 0; i < 3; ++i) {
    Both again = ParseBothWays(files, 512, 2);
    ExpectSame(first.pieces_ast, again.pieces_ast);
    ExpectSame(first.pieces_diags, again.pieces_diags);
  }
}

}  // namespace
