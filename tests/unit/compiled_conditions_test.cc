// The flat condition code (ir::FInstr, run by Decide and Evaluate) against the tree interpreter
// (EvalCondition, the reference that explain and the tracer use): every root condition of the shipped
// rules — ruleset applicability, with and without the index key conjunct, each rule's `when` and
// `satisfied when` — over every example case and every in-language test case, and over variants of the
// examples with one fact made unknown (or, for counts, known only from below), so that the Kleene paths
// of every fused instruction are compared too. Any divergence fails.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <set>
#include <vector>

#include "engine.h"
#include "eval/evaluate.h"

namespace lexgate {
namespace {

struct Input {
  std::string name;
  eval::Case kase;
  int32_t as_of;
};

const char* TriName(eval::Tri t) { return t == eval::Tri::True ? "true" : t == eval::Tri::False ? "false" : "unknown"; }

// Compares every compiled condition with the tree on one case; returns the number of comparisons.
int CompareAll(const ir::Program& prog, const Input& in) {
  int n = 0;
  auto cmp = [&](const char* what, size_t i, int32_t node, int32_t entry) {
    if (node < 0) return;
    EXPECT_GE(entry, 0) << what << " " << i;
    const eval::Tri tree = eval::EvalCondition(prog, in.kase, node, in.as_of);
    const eval::Tri code = eval::EvalCompiled(prog, in.kase, entry, in.as_of);
    EXPECT_EQ(tree, code) << in.name << ": " << what << " " << i << " (node " << node << "): tree " << TriName(tree)
                          << ", code " << TriName(code);
    ++n;
  };
  const auto& p = *prog.project;
  for (size_t i = 0; i < p.rulesets.size(); ++i) cmp("ruleset", i, prog.ruleset_applies[i], prog.ruleset_applies_code[i]);
  for (size_t r = 0; r < p.rules.size(); ++r) {
    cmp("when of rule", r, prog.rule_when[r], prog.rule_when_code[r]);
    cmp("satisfied of rule", r, prog.rule_satisfied[r], prog.rule_satisfied_code[r]);
  }
  // The keyed variant leaves out `key fact == constant`: it must agree whenever the case has that value.
  const int32_t key = prog.ruleset_index_slot;
  if (key >= 0 && in.kase.SlotKnown(key))
    for (const auto& [value, rs] : prog.ruleset_index)
      if (value == in.kase.Slot(key).lo && prog.ruleset_applies_keyed_code[rs] >= 0)
        cmp("keyed ruleset", static_cast<size_t>(rs), prog.ruleset_applies[rs], prog.ruleset_applies_keyed_code[rs]);
  return n;
}

// Decide (which skips the `when` of a rule whose exception surely applies, and settles verdict and
// actions in one pass) against Decide running every condition and against Evaluate, the full decision:
// the same verdict and actions, the same effect and status for every rule, the same live rules and
// precedence; with every condition run, the same cond as well. Scratches are reused across cases, as a
// batch reuses them, so a value left from an earlier case would show.
void DecideAgrees(const ir::Program& prog, const Input& in, eval::Scratch& fast, eval::Scratch& every, eval::Scratch& diagram) {
  fast.rule_detail = true;  // its rules' effects are compared below
  every.every_condition = true;
  const eval::EvalOptions opts{in.as_of};
  const eval::Outcome a = eval::Decide(prog, in.kase, opts, fast);
  const eval::Outcome b = eval::Decide(prog, in.kase, opts, every);
  const eval::Outcome by_diagram = eval::Decide(prog, in.kase, opts, diagram);  // where the program has them
  const eval::Decision d = eval::Evaluate(prog, in.kase, opts);
  EXPECT_EQ(a.verdict, d.verdict) << in.name;
  EXPECT_EQ(b.verdict, d.verdict) << in.name;
  EXPECT_EQ(by_diagram.verdict, d.verdict) << in.name;
  EXPECT_EQ(a.actions, b.actions) << in.name;
  EXPECT_EQ(by_diagram.actions, b.actions) << in.name;
  std::set<int> want;
  if (d.verdict != eval::Verdict::Prohibited)
    for (const auto& f : d.findings) {
      const auto& rule = prog.project->rules[f.rule];
      if (rule.modality == check::Modality::Must && f.governed_by < 0 && f.applies == eval::Tri::True &&
          f.status != eval::Status::Satisfied && prog.project->rulesets[rule.ruleset].binding)
        want.insert(rule.actions.begin(), rule.actions.end());
    }
  EXPECT_EQ(want, std::set<int>(a.actions.begin(), a.actions.end())) << in.name;
  EXPECT_EQ(a.actions.size(), want.size()) << in.name << ": an action listed twice";
  EXPECT_EQ(fast.live, every.live) << in.name;
  size_t f = 0;
  for (int r : fast.live) {
    while (f < d.findings.size() && d.findings[f].rule < r) ++f;
    ASSERT_LT(f, d.findings.size()) << in.name << ": rule " << r << " live in Decide, no finding in Evaluate";
    EXPECT_EQ(d.findings[f].rule, r) << in.name;
    EXPECT_EQ(d.findings[f].applies, fast.effect[r]) << in.name << " rule " << r;
    EXPECT_EQ(d.findings[f].status, fast.status[r]) << in.name << " rule " << r;
    EXPECT_EQ(d.findings[f].governed_by, fast.governed_by[r]) << in.name << " rule " << r;
  }
  for (size_t r = 0; r < prog.project->rules.size(); ++r) {
    EXPECT_EQ(fast.effect[r], every.effect[r]) << in.name << " rule " << r;
    if (fast.cond[r] != every.cond[r]) {  // only where an exception surely applies was the `when` skipped
      EXPECT_EQ(fast.cond[r], eval::Tri::False) << in.name << " rule " << r;
    }
    const eval::Tri cond_tree = prog.rule_when[r] < 0 ? eval::Tri::True
                                                      : eval::EvalCondition(prog, in.kase, prog.rule_when[r], in.as_of);
    const int rs = prog.project->rules[r].ruleset;
    if (every.rs_applies[rs] == eval::Tri::True) {
      EXPECT_EQ(every.cond[r], cond_tree) << in.name << " rule " << r;
    }
  }
}

std::vector<Input> Examples(const ir::Program& prog) {
  std::vector<Input> out;
  for (const auto& entry : std::filesystem::directory_iterator(std::string(LEXGATE_TEST_ROOT) + "/examples")) {
    if (entry.path().extension() != ".json") continue;
    std::ifstream f(entry.path());
    std::stringstream ss;
    ss << f.rdbuf();
    eval::CaseError err;
    auto c = eval::ReadCase(prog, ss.str(), err);
    EXPECT_TRUE(c) << entry.path() << ": " << err.message;
    if (!c) continue;
    const int32_t as_of = eval::AsOfDate(*c, {});
    out.push_back({entry.path().filename().string(), std::move(*c), as_of});
  }
  return out;
}

TEST(CompiledConditions, MatchTheTreeOnShippedRules) {
  const std::string root = LEXGATE_TEST_ROOT;
  LoadResult r = LoadRules({root + "/jurisdictions", root + "/rulesets/schema.gate", root + "/rulesets"});
  ASSERT_TRUE(r.program);
  const ir::Program& prog = *r.program;
  eval::Scratch fast(prog), every(prog), diagram(prog);
  int compared = 0, cases = 0;
  // Every example, and variants with one root fact unknown (counts also: known only from below).
  for (const Input& ex : Examples(prog)) {
    compared += CompareAll(prog, ex);
    DecideAgrees(prog, ex, fast, every, diagram);
    ++cases;
    for (size_t s = 0; s < prog.root.slots.size(); ++s) {
      const ir::Val v = ex.kase.Slot(s);
      if (!v.known) continue;
      Input var{ex.name + " with " + prog.root.slots[s].path + " unknown", ex.kase, ex.as_of};
      const auto kind = prog.root.slots[s].type.kind;
      const bool interval = kind == check::TypeKind::Int || kind == check::TypeKind::Count ||
                            kind == check::TypeKind::Decimal || kind == check::TypeKind::Date ||
                            kind == check::TypeKind::Timestamp;
      if (prog.root.slots[s].type.list) var.kase.SetSlot(s, {0, 0, false});
      else if (kind == check::TypeKind::Count) var.kase.SetSlot(s, {0, INT64_MAX, false});
      else if (interval) var.kase.SetSlot(s, {INT64_MIN, INT64_MAX, false});
      else var.kase.SetSlot(s, {0, 0, false});
      compared += CompareAll(prog, var);
      DecideAgrees(prog, var, fast, every, diagram);
      if (kind == check::TypeKind::Count && !prog.root.slots[s].type.list) {
        var.name = ex.name + " with " + prog.root.slots[s].path + " at least " + std::to_string(v.lo);
        var.kase.SetSlot(s, {v.lo, INT64_MAX, false});
        compared += CompareAll(prog, var);
        DecideAgrees(prog, var, fast, every, diagram);
      }
      ++cases;
    }
  }
  // Every in-language test case, on its own as-of date.
  for (const auto& t : prog.project->tests) {
    eval::CaseError err;
    auto c = eval::ReadCaseValue(prog, t.case_value, err);
    if (!c) continue;  // a test of a bad case: nothing to evaluate
    const int32_t as_of = eval::AsOfDate(*c, eval::EvalOptions{t.as_of});
    Input in{t.name, std::move(*c), as_of};
    compared += CompareAll(prog, in);
    DecideAgrees(prog, in, fast, every, diagram);
    ++cases;
  }
  EXPECT_GT(cases, 400);
  EXPECT_GT(compared, 50000);
  std::printf("compared %d conditions over %d cases\n", compared, cases);
}

// The peer benchmark's rules (bench/peer): the conditions of the one workload whose figures are
// published, over cases at and around every threshold.
TEST(CompiledConditions, MatchTheTreeOnPeerRules) {
  const std::string root = LEXGATE_TEST_ROOT;
  LoadResult r = LoadRules({root + "/jurisdictions/iso3166.gate", root + "/jurisdictions/groups.gate", root + "/bench/peer"});
  ASSERT_TRUE(r.program);
  const ir::Program& prog = *r.program;
  // contract_tier's condition is also the first conjunct of contract_sensitive's: one memo block.
  EXPECT_GE(prog.memo_count, 1);
  eval::Scratch fast(prog), every(prog), diagram(prog);
  int compared = 0;
  const char* exporters[] = {"CN", "DE", "US", "GB", "JP"};
  const char* recipients[] = {"CN", "FR", "NO", "US", "JP"};
  const char* counts[] = {"0", "1", "100", "101", "99999", "100000", "100001", "1000000", "1000001", "10000", "null"};
  const char* bools[] = {"true", "false", "null"};
  size_t i = 0;
  for (const char* e : exporters)
    for (const char* rc : recipients)
      for (const char* cnt : counts)
        for (const char* b : bools) {
          ++i;
          const std::string json =
              std::string("{\"id\":\"p\",\"kind\":\"transfer\",\"date\":\"2025-06-10\",\"exporter\":{\"jurisdiction\":\"") + e +
              "\",\"ciio\":" + b + "},\"recipient\":{\"jurisdiction\":\"" + rc + "\",\"adequacy\":" + bools[i % 3] +
              ",\"concern\":" + bools[(i / 3) % 3] + "},\"data\":{\"personal\":" + cnt + ",\"sensitive\":" + counts[i % 11] +
              ",\"important\":" + bools[(i / 9) % 3] + ",\"genomic\":" + counts[(i / 11) % 11] + "},\"cum_personal\":" +
              counts[(i / 7) % 11] + ",\"cum_sensitive\":" + counts[(i / 5) % 11] + ",\"purpose\":\"" +
              (i % 2 ? "other" : "hr_management") + "\"}";
          eval::CaseError err;
          auto c = eval::ReadCase(prog, json, err);
          ASSERT_TRUE(c) << json << ": " << err.path << " " << err.message;
          const int32_t as_of = eval::AsOfDate(*c, {});
          Input in{json, std::move(*c), as_of};
          compared += CompareAll(prog, in);
          DecideAgrees(prog, in, fast, every, diagram);
        }
  EXPECT_GT(compared, 1000);
}

}  // namespace
}  // namespace lexgate
