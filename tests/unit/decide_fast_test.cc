// Decide's fast path (eval FastCore, ir::Program::decide_rules) against the reference paths: Decide
// with every condition run (which takes DecideCore) and Evaluate, the full decision. Rulesets with
// exceptions declared after the rules they lift (settled in exception order, listed in rule order),
// prohibitions, obligations with `satisfied when`, exemptions, guidance, precedence between two
// rulesets of one legal order and rulesets linked by a cross-ruleset `exception to` (both settled as one
// unit, ir::Program::ruleset_unit), over every combination of true / false / unknown facts, with each
// Scratch reused across the cases as a batch reuses it; Evaluate's fast path against Core (eval_reference).
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "base/date.h"
#include "engine.h"

namespace lexgate {
namespace {

const char* kVocabulary = R"(
enum kind { transfer, filing }
record hist { personal: count }
schema {
  id: string
  kind: kind
  date: date
  important: bool
  small: bool
  count: count
  history: hist
}
action assess, contract, transfer, notify, register
jurisdiction CN
jurisdiction CN-BJ in CN
jurisdiction US
)";

std::string Ruleset(const std::string& id, const std::string& juris, const std::string& force, const std::string& extra = "") {
  return "ruleset " + id + " {\n  title en \"" + id + "\"\n  authority T.AUTH\n  jurisdiction " + juris + "\n  force " + force +
         "\n  effective 2024-01-01\n  applies to transfer\n" + extra + "}\n";
}

// CN law: exceptions declared after the rules they lift, a prohibition, an obligation met when `small`.
const std::string kCnLaw = Ruleset("t.cn", "CN", "law") + R"(
rule volume {
  cite art 1
  when count >= 100 or history.personal > 5
  then must assess
}
rule contract_tier {
  cite art 2
  when count >= 50
  then must all_of { contract, assess }
  satisfied when small
}
rule important_lifts exception to volume, contract_tier {
  cite art 3
  when important and count >= 100
  then exempt
}
rule small_banned {
  cite art 4
  when small and important
  then must_not transfer
}
rule notice {
  cite art 5
  when not small
  then may notify
}
)";

// Beijing, the same legal order as CN, lower force: governed by t.cn's contract_tier where both apply.
const std::string kBeijing = Ruleset("t.bj", "CN-BJ", "local_regulation", "  where count >= 60\n") + R"(
rule bj_contract {
  cite art 1
  when history.personal >= 0
  then must contract
}
)";

// US guidance (binding false): findings, never the verdict or the actions.
const std::string kUsGuidance = Ruleset("t.us", "US", "law", "  binding false\n") + R"(
rule us_register {
  cite art 1
  when count > 0
  then must register
}
)";

struct Loaded {
  LoadResult r;
  const ir::Program& prog() const { return *r.program; }
};

Loaded Load(const std::string& rules) {
  Loaded l{LoadSources({{"vocabulary.gate", kVocabulary}, {"rules.gate", rules}})};
  EXPECT_TRUE(l.r.program) << diag::RenderText(l.r.diagnostics.all(), *l.r.sources, false);
  return l;
}

// Everything a decision holds that the core decides, as text (rule and ruleset numbers, not names).
std::string Render(const eval::Decision& d) {
  std::string out = "verdict " + std::to_string(static_cast<int>(d.verdict)) + "\n";
  for (const auto& f : d.findings)
    out += "finding " + std::to_string(f.rule) + " applies " + std::to_string(static_cast<int>(f.applies)) + " status " +
           std::to_string(static_cast<int>(f.status)) + " by " + f.satisfied_by + " governed " + std::to_string(f.governed_by) +
           " reason " + eval::ReasonName(f.reason) + " due " + std::to_string(f.due.size()) + "\n";
  for (const auto& e : d.exempted) out += "exempted " + std::to_string(e.rule) + " by " + std::to_string(e.by) + "\n";
  for (const auto& o : d.overridden)
    out += "overridden " + std::to_string(o.rule) + " by " + std::to_string(o.by) + " " + eval::ReasonName(o.reason) + "\n";
  for (const auto& m : d.missing) {
    out += "missing " + m.fact + (m.decides_verdict ? " decides" : "") + " asked by";
    for (int r : m.asked_by) out += " " + std::to_string(r);
    out += "\n";
  }
  for (const auto& r : d.rulesets)
    out += "ruleset " + std::to_string(r.ruleset) + " " + eval::RulesetStateName(r.state) + "\n";
  return out;
}

// The unit of the ruleset with this id (-1: no such ruleset).
int UnitOf(const ir::Program& prog, const std::string& id) {
  for (size_t i = 0; i < prog.project->rulesets.size(); ++i)
    if (prog.project->rulesets[i].id == id) return prog.ruleset_unit[i];
  ADD_FAILURE() << "no ruleset " << id;
  return -1;
}

struct Counts {
  int cases = 0, governed = 0, prohibited = 0, conditional = 0, indeterminate = 0, lifted = 0;
};

// Every combination of facts, each decided three ways; returns what the cases covered.
Counts CompareAll(const ir::Program& prog) {
  Counts n;
  eval::Scratch fast(prog), every(prog), full(prog), reference(prog), diagram(prog);
  fast.rule_detail = true;  // the rules' effects are compared below
  every.every_condition = true;
  reference.eval_reference = true;
  eval::Decision got, want_d;
  const char* bools[] = {"true", "false", "null"};
  const char* counts[] = {"0", "60", "100", "null"};
  const char* hist[] = {"0", "10", "null"};
  for (const char* imp : bools)
    for (const char* small : bools)
      for (const char* count : counts)
        for (const char* h : hist) {
          const std::string json = std::string("{\"id\": \"f\", \"kind\": \"transfer\", \"important\": ") + imp +
                                   ", \"small\": " + small + ", \"count\": " + count + ", \"history\": {\"personal\": " + h +
                                   "}}";
          eval::CaseError err;
          auto c = eval::ReadCase(prog, json, err);
          EXPECT_TRUE(c) << json << ": " << err.message;
          if (!c) continue;
          eval::EvalOptions o;
          o.as_of = ParseDate("2025-06-01");
          const eval::Decision d = eval::Evaluate(prog, *c, o);
          // Evaluate's fast path (FastCore with every condition) against Core and the tree (eval_reference),
          // each with its Scratch reused from case to case.
          eval::Evaluate(prog, *c, o, full, got);
          eval::Evaluate(prog, *c, o, reference, want_d);
          EXPECT_EQ(Render(got), Render(want_d)) << json;
          EXPECT_EQ(Render(d), Render(want_d)) << json;
          const eval::Outcome a = eval::Decide(prog, *c, o, fast);
          const eval::Outcome b = eval::Decide(prog, *c, o, every);
          const eval::Outcome by_diagram = eval::Decide(prog, *c, o, diagram);  // where the program has them
          EXPECT_EQ(a.verdict, d.verdict) << json;
          EXPECT_EQ(b.verdict, d.verdict) << json;
          EXPECT_EQ(by_diagram.verdict, d.verdict) << json;
          EXPECT_EQ(a.actions, b.actions) << json;  // the same actions in the same order
          EXPECT_EQ(by_diagram.actions, b.actions) << json;
          std::set<int> want;
          if (d.verdict != eval::Verdict::Prohibited)
            for (const auto& f : d.findings) {
              const auto& rule = prog.project->rules[f.rule];
              if (rule.modality == check::Modality::Must && f.governed_by < 0 && f.applies == eval::Tri::True &&
                  f.status != eval::Status::Satisfied && prog.project->rulesets[rule.ruleset].binding)
                want.insert(rule.actions.begin(), rule.actions.end());
            }
          EXPECT_EQ(want, std::set<int>(a.actions.begin(), a.actions.end())) << json;
          EXPECT_EQ(fast.live, every.live) << json;
          for (int r : fast.live) {
            EXPECT_EQ(fast.status[r], every.status[r]) << json << " rule " << prog.project->rules[r].id;
            EXPECT_EQ(fast.governed_by[r], every.governed_by[r]) << json << " rule " << prog.project->rules[r].id;
            n.governed += every.governed_by[r] >= 0;
          }
          for (size_t r = 0; r < prog.project->rules.size(); ++r) {
            EXPECT_EQ(fast.effect[r], every.effect[r]) << json << " rule " << prog.project->rules[r].id;
            // the fast path skips only the `when` of a rule whose exception surely applies
            if (fast.cond[r] != every.cond[r]) {
              EXPECT_EQ(fast.cond[r], eval::Tri::False) << json << " rule " << prog.project->rules[r].id;
              ++n.lifted;
            }
          }
          n.prohibited += d.verdict == eval::Verdict::Prohibited;
          n.conditional += d.verdict == eval::Verdict::Conditional;
          n.indeterminate += d.verdict == eval::Verdict::Indeterminate;
          ++n.cases;
        }
  return n;
}

TEST(DecideFast, ExceptionOrderUnknownsAndGuidanceMatchTheReference) {
  auto l = Load(kCnLaw + kUsGuidance);
  ASSERT_TRUE(l.r.program);
  const ir::Program& prog = l.prog();
  ASSERT_TRUE(prog.decide_fast);
  ASSERT_TRUE(prog.decide_all_fast);  // every ruleset fits, though t.cn's exception comes after its rules
  const Counts n = CompareAll(prog);
  EXPECT_TRUE(prog.decide_diagrams->d.usable);  // single-ruleset units: Decide took the outcome diagrams
  EXPECT_EQ(n.cases, 3 * 3 * 4 * 3);
  EXPECT_GT(n.prohibited, 0);
  EXPECT_GT(n.conditional, 0);
  EXPECT_GT(n.indeterminate, 0);
  EXPECT_GT(n.lifted, 0);
}

TEST(DecideFast, PrecedenceAndCrossLinkedRulesetsAreSettledAsOneUnit) {
  // t.bj's rule is governed by t.cn's where both apply: one unit (precedence), settled together.
  auto l = Load(kCnLaw + kBeijing + kUsGuidance);
  ASSERT_TRUE(l.r.program);
  {
    const ir::Program& prog = l.prog();
    EXPECT_TRUE(prog.decide_all_fast);
    const int cn = UnitOf(prog, "t.cn"), bj = UnitOf(prog, "t.bj"), us = UnitOf(prog, "t.us");
    EXPECT_EQ(cn, bj);
    EXPECT_NE(cn, us);  // guidance of another legal order: a unit of its own
    EXPECT_FALSE(prog.unit_single[cn]);
    EXPECT_TRUE(prog.unit_single[us]);
  }
  const Counts n = CompareAll(l.prog());
  EXPECT_FALSE(l.prog().decide_diagrams->d.usable);  // a unit of two rulesets: Decide settles rules
  EXPECT_GT(n.governed, 0);
  // A rule of t.x lifted by one of t.y (linked), t.x's obligation governed by t.z's (a later ruleset of
  // the same legal order, force law over t.x's departmental rule) and t.z's lifted by t.x's own
  // exemption, declared after it: three rulesets in one unit, settled in exception order across them,
  // with precedence inside the unit.
  auto linked = Load(kCnLaw + Ruleset("t.x", "US", "departmental_rule") + R"(
rule x_assess {
  cite art 1
  when count >= 60
  then must assess
}
rule x_contract {
  cite art 2
  when history.personal >= 5
  then must contract
  satisfied when small
}
)" + Ruleset("t.y", "US", "departmental_rule") + R"(
rule y_lift exception to t.x/x_assess {
  cite art 1
  when small
  then exempt
}
)" + Ruleset("t.z", "US", "law") + R"(
rule z_contract {
  cite art 1
  when count >= 100 or important
  then must contract
}
rule z_banned {
  cite art 2
  when important and small
  then must_not transfer
}
)" + Ruleset("t.w", "US", "regulation") + R"(
rule w_lifts_z exception to t.z/z_contract {
  cite art 1
  when count == 0
  then exempt
}
)");
  ASSERT_TRUE(linked.r.program);
  const ir::Program& prog = linked.prog();
  EXPECT_TRUE(prog.decide_all_fast);
  EXPECT_EQ(UnitOf(prog, "t.x"), UnitOf(prog, "t.y"));  // exception
  EXPECT_EQ(UnitOf(prog, "t.x"), UnitOf(prog, "t.z"));  // t.z governs t.x
  EXPECT_EQ(UnitOf(prog, "t.z"), UnitOf(prog, "t.w"));  // t.w lifts t.z
  EXPECT_NE(UnitOf(prog, "t.x"), UnitOf(prog, "t.cn"));
  const Counts m = CompareAll(prog);
  EXPECT_GT(m.conditional, 0);
  EXPECT_GT(m.governed, 0);
  EXPECT_GT(m.prohibited, 0);
  EXPECT_GT(m.indeterminate, 0);
  EXPECT_GT(m.lifted, 0);
}

TEST(DecideFast, UnitsOfMoreThan64RulesGoToDecideCore) {
  // 65 rules in two linked rulesets: too many for the masks, so DecideCore (and Core) decide them.
  std::string a = Ruleset("t.a", "US", "law"), b = Ruleset("t.b", "US", "law");
  for (int i = 0; i < 64; ++i)
    a += "rule a" + std::to_string(i) + " {\n  cite art 1\n  when count >= " + std::to_string(i * 2) +
         "\n  then must assess\n}\n";
  b += "rule b_lift exception to t.a/a3 {\n  cite art 1\n  when small\n  then exempt\n}\n";
  auto l = Load(kCnLaw + a + b);
  ASSERT_TRUE(l.r.program);
  EXPECT_FALSE(l.prog().decide_all_fast);
  const ir::Program& prog = l.prog();
  EXPECT_EQ(UnitOf(prog, "t.a"), UnitOf(prog, "t.b"));
  EXPECT_NE(UnitOf(prog, "t.a"), UnitOf(prog, "t.cn"));
  for (size_t i = 0; i < prog.project->rulesets.size(); ++i)  // only the big unit is left to DecideCore
    EXPECT_EQ(prog.ruleset_decide_fast[i], prog.project->rulesets[i].id == "t.cn" ? 1 : 0) << prog.project->rulesets[i].id;
  const Counts n = CompareAll(l.prog());
  EXPECT_GT(n.conditional, 0);
}

// Conditions whose paths are too long for the diagram builder's budget (here: 400 clauses over a few
// leaves, one recursion level per instruction): no diagrams, and Decide settles rules, as before.
TEST(DecideDiagrams, PastTheBudgetDecideSettlesRules) {
  std::string rules = Ruleset("t.long", "CN", "law");
  for (int r = 0; r < 3; ++r) {
    rules += "rule long" + std::to_string(r) + " {\n  cite art 1\n  when ";
    for (int i = 0; i < 400; ++i)
      rules += (i ? " and " : "") + std::string("(important or small or count >= ") + std::to_string((i * 7 + r) % 20) + ")";
    rules += "\n  then must assess\n}\n";
  }
  auto l = Load(rules);
  ASSERT_TRUE(l.r.program);
  const Counts n = CompareAll(l.prog());
  EXPECT_FALSE(l.prog().decide_diagrams->d.usable);
  EXPECT_GT(n.conditional, 0);
}

// The peer benchmark's rules (bench/peer, three rulesets, shared blocks, sums, groups, the ruleset index)
// on random cases where any fact may be unknown or left out: the outcome diagrams against the rule-by-
// rule fast path and DecideCore, each Scratch reused.
TEST(DecideDiagrams, PeerWorkloadMatchesTheRuleByRulePaths) {
  const std::string root = ShippedRoot();
  LoadResult r = LoadRules({root + "/jurisdictions/iso3166.gate", root + "/jurisdictions/groups.gate", root + "/bench/peer"});
  ASSERT_TRUE(r.program) << diag::RenderText(r.diagnostics.all(), *r.sources, false);
  const ir::Program& prog = *r.program;
  eval::Scratch diagram(prog), fast(prog), every(prog);
  fast.rule_detail = true;
  every.every_condition = true;
  uint64_t seed = 20261127;
  auto pick = [&](uint64_t n) {
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    return (seed >> 33) % n;
  };
  const char* const juris[] = {"\"CN\"", "\"US\"", "\"DE\"", "\"FR\"", "\"NO\"", "\"GB\"", "\"JP\"", "null"};
  const char* const bools[] = {"true", "false", "null"};
  const char* const counts[] = {"0", "1", "100", "101", "10000", "10001", "99999", "100000", "100001", "1000000", "1000001", "null"};
  const char* const purposes[] = {"\"cross_border_shopping\"", "\"hr_management\"", "\"emergency\"", "\"other\"", "null"};
  std::set<std::pair<int, std::vector<int>>> outcomes;
  for (int i = 0; i < 4000; ++i) {
    auto f = [&](const char* name, const char* value) { return std::string(pick(12) == 0 ? "" : std::string("\"") + name + "\":" + value + ","); };
    const std::string json = "{" + f("date", pick(2) ? "\"2025-06-10\"" : "\"1999-01-01\"") + "\"exporter\":{" +
                             f("ciio", bools[pick(3)]) + f("adequacy", bools[pick(3)]) + "\"jurisdiction\":" + juris[pick(8)] +
                             "},\"recipient\":{" + f("adequacy", bools[pick(3)]) + f("concern", bools[pick(3)]) +
                             "\"jurisdiction\":" + juris[pick(8)] + "},\"data\":{" + f("personal", counts[pick(12)]) +
                             f("sensitive", counts[pick(12)]) + f("important", bools[pick(3)]) + "\"genomic\":" + counts[pick(12)] +
                             "}," + f("cum_personal", counts[pick(12)]) + f("cum_sensitive", counts[pick(12)]) +
                             f("purpose", purposes[pick(5)]) + "\"id\":\"r" + std::to_string(i) + "\",\"kind\":\"transfer\"}";
    eval::CaseError err;
    auto c = eval::ReadCase(prog, json, err);
    ASSERT_TRUE(c) << json << ": " << err.path << " " << err.message;
    const eval::Outcome a = eval::Decide(prog, *c, {}, diagram);
    const eval::Outcome b = eval::Decide(prog, *c, {}, fast);
    const eval::Outcome e = eval::Decide(prog, *c, {}, every);
    EXPECT_EQ(a.verdict, b.verdict) << json;
    EXPECT_EQ(a.verdict, e.verdict) << json;
    EXPECT_EQ(a.actions, b.actions) << json;
    EXPECT_EQ(a.actions, e.actions) << json;
    outcomes.emplace(static_cast<int>(a.verdict), a.actions);
  }
  EXPECT_TRUE(prog.decide_diagrams->d.usable);
  std::set<int> verdicts;
  for (const auto& o : outcomes) verdicts.insert(o.first);
  EXPECT_EQ(verdicts.size(), 4u);  // permitted, conditional, prohibited and indeterminate cases all met
  EXPECT_GE(outcomes.size(), 6u);
}

}  // namespace
}  // namespace lexgate
