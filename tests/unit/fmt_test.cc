// lexgate fmt. (1) A table of {input, expected layout} cases for the layout rules of format.h, English and
// Chinese keywords, comments in awkward places. (2) The round-trip property over every .gate file the
// project ships or tests with (rulesets/, jurisdictions/, tests/ files that parse, and the ```gate blocks
// of docs/language.md): formatting is idempotent, the formatted file parses to the same AST (a dump that
// leaves out spans), and every comment survives, in order.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <optional>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "diag/diagnostic.h"
#include "syntax/format.h"
#include "syntax/parse.h"
#include "test_files.h"

namespace fs = std::filesystem;
using namespace lexgate;

namespace {

const std::string kRoot = LEXGATE_TEST_ROOT;

using lexgate::test::ReadFile;

std::optional<std::string> Fmt(const std::string& text, diag::DiagnosticSink* out_sink = nullptr) {
  SourceManager sm;
  uint32_t id = sm.Add("t.gate", text);
  diag::DiagnosticSink sink;
  auto r = syntax::Format(sm, id, sink);
  if (out_sink) *out_sink = sink;
  return r;
}

// The AST dump (no spans), or nothing when the text does not parse.
std::optional<std::string> Ast(const std::string& text) {
  SourceManager sm;
  uint32_t id = sm.Add("t.gate", text);
  diag::DiagnosticSink sink;
  auto f = syntax::Parse(sm, id, sink);
  if (sink.HasErrors()) return std::nullopt;
  return ast::DumpFile(*f);
}

// The `#` comments of a file, in order, without trailing blanks (strings are skipped).
std::vector<std::string> Comments(const std::string& t) {
  std::vector<std::string> out;
  for (size_t i = 0; i < t.size();) {
    auto starts = [&](const char* s) { return t.compare(i, std::strlen(s), s) == 0; };
    const char* close = nullptr;
    size_t open_len = 0;
    if (t[i] == '"') close = "\"", open_len = 1;
    else if (starts("\u201C")) close = "\u201D", open_len = 3;
    else if (starts("\u300C")) close = "\u300D", open_len = 3;
    if (close) {
      i += open_len;
      while (i < t.size() && t[i] != '\n' && t.compare(i, std::strlen(close), close) != 0) i += t[i] == '\\' ? 2 : 1;
      i += std::strlen(close);
      continue;
    }
    if (t[i] == '#') {
      size_t e = t.find('\n', i);
      if (e == std::string::npos) e = t.size();
      std::string c = t.substr(i, e - i);
      while (!c.empty() && (c.back() == ' ' || c.back() == '\t' || c.back() == '\r')) c.pop_back();
      out.push_back(c);
      i = e;
      continue;
    }
    ++i;
  }
  return out;
}

struct Case {
  const char* name;
  const char* in;
  const char* out;
};

const Case kCases[] = {
    {"spacing and indentation",
     "rule   r{cite art 7 para 1\nwhen a . b>=1_000 and f( x ,y )\n   then must   x before transfer}\n",
     "rule r {\n  cite art 7 para 1\n  when a.b >= 1_000 and f(x, y)\n  then must x before transfer\n}\n"},
    {"continuation lines align; and/or hang left",
     "rule r {\nwhen not a\nand (b\nor c)\nthen must x\n}\n",
     "rule r {\n  when not a\n   and (b\n        or c)\n  then must x\n}\n"},
    {"chinese keywords and full-width punctuation kept as written",
     "规则 敏感 {\n引用 条 8\n当 x >= 1\n则 必须 之一 {a，b}\n表述 zh “敏感。”   en \"s\"\n}\n",
     "规则 敏感 {\n  引用 条 8\n  当 x >= 1\n  则 必须 之一 { a， b }\n  表述 zh “敏感。” en \"s\"\n}\n"},
    {"says continuation aligns under the first locale, counting wide characters as two columns",
     "规则 r {\n表述 zh \"一\"\nen \"one\"\n}\n",
     "规则 r {\n  表述 zh \"一\"\n       en \"one\"\n}\n"},
    {"comments stay: trailing ones aligned, own-line ones indented like the next token",
     "# head\n\n\n\nruleset a.b {   # x\n   force law # y\n# before applies\n  applies to transfer\n}\n# tail\n",
     "# head\n\nruleset a.b {  # x\n  force law    # y\n  # before applies\n  applies to transfer\n}\n# tail\n"},
    {"blank lines: at most one kept; none after { or before }",
     "schema {\n\n  a: int\n\n\n  b: bool\n\n}\naction x\naction y\n\n\nevent e\n",
     "schema {\n  a: int\n\n  b: bool\n}\naction x\naction y\n\nevent e\n"},
    {"test cases keep the author's line breaks; unary minus and percent are tight",
     "test \"t\" {\ncase { kind: transfer,\nx: - 5, l: [ { a: 1 } ] }\nexpect permitted\n}\n",
     "test \"t\" {\n  case { kind: transfer,\n         x: -5, l: [{ a: 1 }] }\n  expect permitted\n}\n"},
    {"a bracket that ends its line indents its content by two",
     "group G {\nA, B\n}\nenum e { a, b }\n",
     "group G {\n  A, B\n}\nenum e { a, b }\n"},
    {"calendars: items and year entries on their own lines",
     "calendar XA { weekend sat, sun year 2025 { holiday en \"H\" 2025-05-01 to 2025-05-02 workday en \"W\" 2025-05-10 } }",
     "calendar XA {\n  weekend sat, sun\n  year 2025 {\n    holiday en \"H\" 2025-05-01 to 2025-05-02\n"
     "    workday en \"W\" 2025-05-10\n  }\n}\n"},
    {"rule references and empty sets", "test \"t\" { expect fires a.b/c case {} }\n",
     "test \"t\" {\n  expect fires a.b/c\n  case {}\n}\n"},
};

TEST(Fmt, LayoutTable) {
  for (const auto& c : kCases) {
    SCOPED_TRACE(c.name);
    auto got = Fmt(c.in);
    ASSERT_TRUE(got.has_value());
    EXPECT_EQ(*got, c.out);
    auto again = Fmt(*got);
    ASSERT_TRUE(again.has_value());
    EXPECT_EQ(*again, *got) << "not idempotent";
    EXPECT_EQ(Ast(c.in), Ast(*got));
    EXPECT_EQ(Comments(c.in), Comments(*got));
  }
}

TEST(Fmt, SyntaxErrorsAreReportedAndNothingIsFormatted) {
  diag::DiagnosticSink sink;
  EXPECT_FALSE(Fmt("rule r { when }\n", &sink).has_value());
  ASSERT_FALSE(sink.all().empty());
  EXPECT_EQ(std::string(diag::CodeName(sink.all()[0].code)).substr(0, 4), "LG10");
  EXPECT_FALSE(Fmt("rule r { says en \"open\n}\n").has_value());
  EXPECT_FALSE(Fmt("当出口方 x\n").has_value());
}

// Every .gate file shipped or used by the tests, plus the docs' gate blocks (name, text).
std::vector<std::pair<std::string, std::string>> Corpus() {
  std::vector<std::pair<std::string, std::string>> v;
  for (const char* dir : {"rulesets", "jurisdictions", "tests", "examples"}) {
    if (!fs::exists(kRoot + "/" + dir)) continue;
    std::vector<std::string> files;
    for (auto& e : fs::recursive_directory_iterator(kRoot + "/" + dir))
      if (e.is_regular_file() && e.path().extension() == ".gate") files.push_back(e.path().string());
    std::sort(files.begin(), files.end());
    for (auto& f : files) v.push_back({f, ReadFile(f)});
  }
  std::string doc = ReadFile(kRoot + "/docs/language.md");
  size_t pos = 0;
  int n = 0;
  while ((pos = doc.find("```gate\n", pos)) != std::string::npos) {
    size_t b = pos + 8, e = doc.find("```", b);
    if (e == std::string::npos) break;
    v.push_back({"docs/language.md block " + std::to_string(++n), doc.substr(b, e - b)});
    pos = e + 3;
  }
  return v;
}

TEST(Fmt, RoundTripOverEveryShippedFile) {
  int formatted = 0;
  for (const auto& [name, text] : Corpus()) {
    auto before = Ast(text);
    if (!before) continue;  // fixtures with deliberate syntax errors
    SCOPED_TRACE(name);
    auto once = Fmt(text);
    ASSERT_TRUE(once.has_value());
    auto twice = Fmt(*once);
    ASSERT_TRUE(twice.has_value());
    EXPECT_EQ(*twice, *once) << "formatting twice changes the text";
    EXPECT_EQ(Ast(*once), before) << "the formatted file parses to a different AST";
    EXPECT_EQ(Comments(*once), Comments(text)) << "a comment was lost or moved";
    ++formatted;
  }
  EXPECT_GT(formatted, 90);
}

}  // namespace
