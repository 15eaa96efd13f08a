// Golden diagnostics: every tests/golden/diagnostics/*.gate is loaded together with the shipped schema
// and jurisdictions, and its sorted diagnostics, rendered as text (and, where a sibling
// NAME.json.expected exists, as JSON), must equal NAME.expected byte for byte. Set
// LEXGATE_UPDATE_GOLDEN=1 to rewrite the expected files from the engine's current output (then read
// them before committing).
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "diag/diagnostic.h"
#include "engine.h"
#include "test_files.h"

namespace fs = std::filesystem;

namespace {

const std::string kRoot = LEXGATE_TEST_ROOT;
const fs::path kDir = fs::path(kRoot) / "tests" / "golden" / "diagnostics";

using lexgate::test::ReadFile;

void WriteFile(const fs::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << text;
}

bool Updating() {
  const char* v = std::getenv("LEXGATE_UPDATE_GOLDEN");
  return v && std::string(v) == "1";
}

// The shipped schema and every jurisdiction file, in sorted path order (as LoadRules reads them).
std::vector<std::pair<std::string, std::string>> ShippedSources() {
  std::vector<std::string> paths{kRoot + "/rulesets/schema.gate"};
  std::vector<std::string> jur;
  for (auto& e : fs::recursive_directory_iterator(kRoot + "/jurisdictions"))
    if (e.is_regular_file() && e.path().extension() == ".gate") jur.push_back(e.path().string());
  std::sort(jur.begin(), jur.end());
  paths.insert(paths.end(), jur.begin(), jur.end());
  std::vector<std::pair<std::string, std::string>> out;
  for (auto& p : paths) out.push_back({p, ReadFile(p)});
  return out;
}

std::vector<fs::path> GoldenInputs() {
  std::vector<fs::path> v;
  if (fs::exists(kDir))
    for (auto& e : fs::directory_iterator(kDir))
      if (e.is_regular_file() && e.path().extension() == ".gate") v.push_back(e.path());
  std::sort(v.begin(), v.end());
  return v;
}

struct Rendered {
  std::string text, json;
};

Rendered RenderFor(const fs::path& gate) {
  auto sources = ShippedSources();
  // A relative name, so that the rendered paths do not depend on where the tree is checked out.
  sources.push_back({gate.filename().string(), ReadFile(gate)});
  lexgate::LoadResult r = lexgate::LoadSources(sources);
  r.diagnostics.SortStable();
  return {lexgate::diag::RenderText(r.diagnostics.all(), *r.sources, false),
          lexgate::diag::RenderJson(r.diagnostics.all(), *r.sources)};
}

class DiagnosticsGolden : public ::testing::TestWithParam<fs::path> {};

TEST_P(DiagnosticsGolden, MatchesExpected) {
  const fs::path gate = GetParam();
  fs::path expected = gate;
  expected.replace_extension(".expected");
  fs::path expected_json = gate;
  expected_json.replace_extension(".json.expected");
  Rendered got = RenderFor(gate);
  if (Updating()) {
    WriteFile(expected, got.text);
    if (fs::exists(expected_json)) WriteFile(expected_json, got.json);
    GTEST_SKIP() << "rewrote " << expected.filename();
  }
  ASSERT_TRUE(fs::exists(expected)) << "missing " << expected << " (run with LEXGATE_UPDATE_GOLDEN=1)";
  EXPECT_EQ(got.text, ReadFile(expected)) << gate.filename();
  EXPECT_FALSE(got.text.empty()) << gate.filename() << " produced no diagnostics";
  // The file name says which code it is about: that code must be among the diagnostics.
  std::string stem = gate.stem().string();
  if (stem.rfind("LG", 0) == 0) {
    std::string code = stem.substr(0, 6);
    EXPECT_NE(got.text.find("[" + code + "]"), std::string::npos) << gate.filename() << " does not report " << code;
  }
  if (fs::exists(expected_json)) {
    EXPECT_EQ(got.json, ReadFile(expected_json)) << gate.filename();
  }
}

std::string TestName(const ::testing::TestParamInfo<fs::path>& info) {
  std::string s = info.param.stem().string();
  for (char& c : s)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return s;
}

INSTANTIATE_TEST_SUITE_P(Files, DiagnosticsGolden, ::testing::ValuesIn(GoldenInputs()), TestName);

TEST(DiagnosticsGoldenSuite, HasEnoughFiles) { EXPECT_GE(GoldenInputs().size(), 35u); }

TEST(DiagnosticsGoldenSuite, ShippedSourcesAreClean) {
  lexgate::LoadResult r = lexgate::LoadSources(ShippedSources());
  EXPECT_FALSE(r.diagnostics.HasErrors()) << lexgate::diag::RenderText(r.diagnostics.all(), *r.sources, false);
  EXPECT_TRUE(r.program != nullptr);
}

}  // namespace
