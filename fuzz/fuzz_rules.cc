// Fuzz target: rule source text → parse → check → lower (→ evaluate a few cases on what compiled).
// The input is one .gate file loaded next to the shipped schema and a few jurisdictions (the full ISO
// list would make each run ten times slower), so the checker and the compiler see names they resolve. Every outcome is fine except a crash, a sanitizer
// report, a hang or a leak, or Decide answering otherwise from its outcome diagrams than rule by rule.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "base/date.h"
#include "diag/diagnostic.h"
#include "eval/case.h"
#include "eval/evaluate.h"
#include "eval/render.h"
#include "fuzz_common.h"

using namespace lexgate;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string schema = fuzz::ReadFile(fuzz::Root() + "/rulesets/schema.gate");
  static const std::string jurisdictions =
      "jurisdiction CN name en \"China\"\njurisdiction CN-BJ in CN\njurisdiction HK\njurisdiction DE\n"
      "jurisdiction US\njurisdiction GB\ngroup EU name en \"European Union\" { DE }\n";
  std::string text(reinterpret_cast<const char*>(data), size);
  LoadResult r = LoadSources({{"jurisdictions.gate", jurisdictions}, {"schema.gate", schema}, {"fuzz.gate", text}});
  // Rendering the diagnostics is part of what a user sees: it must not crash on any span.
  (void)diag::RenderText(r.diagnostics.all(), *r.sources, false);
  (void)diag::RenderJson(r.diagnostics.all(), *r.sources);
  if (!r.program) return 0;
  static const std::string kCases[] = {
      fuzz::ReadFile(fuzz::Root() + "/examples/cn-transfer-120k-scc.json"),
      fuzz::ReadFile(fuzz::Root() + "/examples/eu-transfer-us-no-dpf-prohibited.json"),
      R"({"id":"f2","kind":"transfer"})",
  };
  // Decide from the outcome diagrams (where the program has them) and rule by rule: the same verdict and
  // actions, and Evaluate's verdict, on one fixed as-of date (a case without a date would take today's).
  static const eval::EvalOptions at{ParseDate("2025-06-10")};
  eval::Scratch by_diagram(*r.program), by_rule(*r.program);
  by_rule.rule_detail = true;
  auto decide_agrees = [&](const eval::Case& kase, const eval::Decision& d) {
    const eval::Outcome a = eval::Decide(*r.program, kase, at, by_diagram);
    const eval::Outcome b = eval::Decide(*r.program, kase, at, by_rule);
    if (a.verdict != b.verdict || a.actions != b.actions || a.verdict != d.verdict) std::abort();
  };
  for (const std::string& c : kCases) {
    eval::CaseError err;
    auto kase = eval::ReadCase(*r.program, c, err);
    if (!kase) continue;
    eval::Decision d = eval::Evaluate(*r.program, *kase, at);
    eval::RenderOptions ro;
    (void)eval::RenderJson(*r.program, d, ro);
    decide_agrees(*kase, d);
  }
  for (const auto& t : r.program->project->tests) {  // the file's own test cases, fuzzed with its rules
    eval::CaseError err;
    auto kase = eval::ReadCaseValue(*r.program, t.case_value, err);
    if (kase) decide_agrees(*kase, eval::Evaluate(*r.program, *kase, at));
  }
  return 0;
}
