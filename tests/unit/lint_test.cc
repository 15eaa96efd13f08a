// Lint's reasoning about conditions, table-driven: each condition is the condition of one rule (with the
// shipped schema and jurisdictions) and linted; LG5001 must be reported exactly when the condition can
// never be true. The "satisfiable" rows guard against false positives (boundaries that meet, containment,
// three-valued facts, conditions lint cannot reason about).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "engine.h"
#include "lint/lint.h"
#include "test_files.h"

namespace fs = std::filesystem;
using namespace lexgate;

namespace {

const std::string kRoot = LEXGATE_TEST_ROOT;

using lexgate::test::ReadFile;

// The rules that lint reports as unreachable (LG5001).
std::set<std::string> LintRules(const std::string& rules) {
  std::vector<std::pair<std::string, std::string>> src{{"schema.gate", ReadFile(kRoot + "/rulesets/schema.gate")}};
  std::vector<std::string> jur;
  for (auto& e : fs::recursive_directory_iterator(kRoot + "/jurisdictions"))
    if (e.path().extension() == ".gate") jur.push_back(e.path().string());
  std::sort(jur.begin(), jur.end());
  for (auto& j : jur) src.push_back({j, ReadFile(j)});
  src.push_back({"t.gate", rules});
  LoadResult r = LoadSources(src);
  EXPECT_TRUE(r.program) << diag::RenderText(r.diagnostics.all(), *r.sources, false);
  if (!r.program) return {};
  diag::DiagnosticSink sink;
  lint::Lint(*r.program, *r.sources, lint::LintOptions{20000}, sink);
  std::set<std::string> out;
  for (const auto& d : sink.all())
    if (d.code == diag::Code::LG5001) out.insert(d.args[0].second);
  return out;
}

struct Row {
  const char* when;
  bool unreachable;
};

const Row kRows[] = {
    {"data.subjects.personal < 100 and data.subjects.personal > 200", true},
    {"data.subjects.personal >= 100 and data.subjects.personal <= 100", false},
    {"data.subjects.personal > 99 and data.subjects.personal < 100", true},
    {"data.subjects.personal == 5 and data.subjects.personal != 5", true},
    {"data.subjects.personal != 0 and data.subjects.personal <= 1", false},
    {"data.subjects.personal < 0", true},
    {"data.subjects.personal < 0 or data.subjects.personal == 3", false},
    {"not (data.subjects.personal >= 10) and data.subjects.personal > 20", true},
    {"purpose == visa and purpose in { visa, hr_management }", false},
    {"purpose == visa and not (purpose in { visa, hr_management })", true},
    {"exporter.ciio and not exporter.ciio", true},
    {"exporter.ciio or not exporter.ciio", false},
    {"recipient.jurisdiction in CN and recipient.jurisdiction in CN-BJ", false},
    {"recipient.jurisdiction in CN-BJ and not (recipient.jurisdiction in CN)", true},
    {"recipient.jurisdiction == US and recipient.jurisdiction in EU", false},  // groups are opaque
    {"recipient.jurisdiction == DE and recipient.jurisdiction == FR", true},
    {"known(exporter.ciio) and not known(exporter.ciio)", true},
    {"known(exporter.ciio) and known(data.important)", false},
    {"cumulative(personal, exporter, since year_start) >= 100_000 and data.subjects.personal < 100_000", false},
};

// All rows in one ruleset (one load): rule rN holds row N.
TEST(Lint, UnreachableConditions) {
  std::string text =
      "ruleset t.t {\n  title en \"T\"\n  authority CN.CAC\n  jurisdiction CN\n  force departmental_rule\n"
      "  effective 2024-03-22\n  applies to transfer\n}\n";
  size_t n = sizeof(kRows) / sizeof(kRows[0]);
  for (size_t i = 0; i < n; ++i)
    text += "rule r" + std::to_string(i) + " {\n  cite art 1\n  when " + kRows[i].when +
            "\n  then should pia before transfer\n}\n";
  auto found = LintRules(text);
  for (size_t i = 0; i < n; ++i)
    EXPECT_EQ(found.count("r" + std::to_string(i)) > 0, kRows[i].unreachable) << kRows[i].when;
}

}  // namespace
