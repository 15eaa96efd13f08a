// Evaluation through LoadSources with a tiny self-contained vocabulary (its own schema, actions and
// jurisdictions, so that these tests do not depend on the shipped rulesets).
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "base/date.h"
#include "engine.h"
#include "eval/render.h"

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
action assess, contract, transfer, notify
jurisdiction CN
jurisdiction CN-BJ in CN
)";

std::string Ruleset(const std::string& id, const std::string& force, const std::string& extra = "") {
  return "ruleset " + id + " {\n  title en \"" + id + "\"\n  authority T.AUTH\n  jurisdiction CN\n  force " + force +
         "\n  effective 2024-01-01\n  applies to transfer\n" + extra + "}\n";
}

struct Loaded {
  LoadResult r;
  const ir::Program& prog() const { return *r.program; }
};

Loaded Load(const std::string& rules) {
  Loaded l{LoadSources({{"vocabulary.gate", kVocabulary}, {"rules.gate", rules}})};
  EXPECT_TRUE(l.r.program) << diag::RenderText(l.r.diagnostics.all(), *l.r.sources, false);
  return l;
}

eval::Decision Decide(const Loaded& l, const std::string& json) {
  eval::CaseError err;
  auto c = eval::ReadCase(l.prog(), json, err);
  EXPECT_TRUE(c.has_value()) << err.path << ": " << err.message;
  if (!c) return {};
  eval::EvalOptions o;
  o.as_of = ParseDate("2025-06-01");
  return eval::Evaluate(l.prog(), *c, o);
}

int RuleIndex(const ir::Program& p, const std::string& id) {
  for (size_t i = 0; i < p.project->rules.size(); ++i)
    if (p.project->rules[i].id == id) return static_cast<int>(i);
  return -1;
}

const eval::Finding* FindingOf(const ir::Program& p, const eval::Decision& d, const std::string& id) {
  int r = RuleIndex(p, id);
  for (auto& f : d.findings)
    if (f.rule == r) return &f;
  return nullptr;
}

bool IsMissing(const eval::Decision& d, const std::string& fact) {
  return std::any_of(d.missing.begin(), d.missing.end(), [&](const eval::Missing& m) { return m.fact == fact; });
}

const std::string kBasic = Ruleset("t.law", "law") + R"(
rule need_assessment {
  cite art 1
  when important
  then must assess
  says en "Important data needs an assessment."
}
rule small_exempt exception to need_assessment {
  cite art 2
  when small
  then exempt
  says en "Small transfers are exempt."
}
rule volume_contract {
  cite art 3
  when count + history.personal >= 100_000
  then must contract
  says en "Volume over threshold: contract."
}
)";

TEST(ThreeValued, UnknownFactMakesIndeterminateAndIsMissing) {
  auto l = Load(kBasic);
  ASSERT_TRUE(l.r.program);
  auto d = Decide(l, R"({"id": "c1", "kind": "transfer", "small": false, "count": 10, "history": {"personal": 0}})");
  EXPECT_EQ(d.verdict, eval::Verdict::Indeterminate);
  EXPECT_TRUE(IsMissing(d, "important"));
  const auto* f = FindingOf(l.prog(), d, "t.law/need_assessment");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->applies, eval::Tri::Unknown);
}

TEST(ThreeValued, KnownFalseIsPermitted) {
  auto l = Load(kBasic);
  ASSERT_TRUE(l.r.program);
  auto d = Decide(l, R"({"id": "c2", "kind": "transfer", "important": false, "count": 10, "history": {"personal": 0}})");
  EXPECT_EQ(d.verdict, eval::Verdict::Permitted);
  EXPECT_TRUE(d.missing.empty());
}

TEST(ThreeValued, CountKnownFromBelowDecidesThreshold) {
  auto l = Load(kBasic);
  ASSERT_TRUE(l.r.program);
  // history unknown, but count alone already reaches 100,000: count + (≥ 0) ≥ 100,000 is true.
  auto d = Decide(l, R"({"id": "c3", "kind": "transfer", "important": false, "count": 150000})");
  EXPECT_EQ(d.verdict, eval::Verdict::Conditional);
  const auto* f = FindingOf(l.prog(), d, "t.law/volume_contract");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->applies, eval::Tri::True);
  EXPECT_FALSE(IsMissing(d, "history.personal"));
  // Below the threshold, the unknown history decides: indeterminate, and the history is asked for.
  auto e = Decide(l, R"({"id": "c4", "kind": "transfer", "important": false, "count": 50000})");
  EXPECT_EQ(e.verdict, eval::Verdict::Indeterminate);
  EXPECT_TRUE(IsMissing(e, "history.personal"));
}

TEST(Exceptions, ExemptionDefeatsTheRule) {
  auto l = Load(kBasic);
  ASSERT_TRUE(l.r.program);
  auto without = Decide(l, R"({"id": "e1", "kind": "transfer", "important": true, "small": false, "count": 1, "history": {"personal": 0}})");
  EXPECT_EQ(without.verdict, eval::Verdict::Conditional);
  auto with = Decide(l, R"({"id": "e2", "kind": "transfer", "important": true, "small": true, "count": 1, "history": {"personal": 0}})");
  EXPECT_EQ(with.verdict, eval::Verdict::Permitted);
  int rule = RuleIndex(l.prog(), "t.law/need_assessment"), by = RuleIndex(l.prog(), "t.law/small_exempt");
  EXPECT_TRUE(std::any_of(with.exempted.begin(), with.exempted.end(),
                          [&](const eval::Exempted& x) { return x.rule == rule && x.by == by; }));
  // Whether the exception applies is unknown: the obligation may or may not stand.
  auto unknown = Decide(l, R"({"id": "e3", "kind": "transfer", "important": true, "count": 1, "history": {"personal": 0}})");
  EXPECT_NE(unknown.verdict, eval::Verdict::Permitted);
  EXPECT_TRUE(IsMissing(unknown, "small"));
}

TEST(Precedence, HigherForceGoverns) {
  // The law prohibits; a departmental rule permits the same action: the law governs.
  auto l = Load(Ruleset("t.national", "law") + R"(
rule no_transfer { cite art 1 when important then must_not transfer says en "No." }
)" + Ruleset("t.local", "departmental_rule") + R"(
rule allow_transfer { cite art 1 when important then may transfer says en "Yes." }
)");
  ASSERT_TRUE(l.r.program);
  auto d = Decide(l, R"({"id": "p1", "kind": "transfer", "important": true})");
  EXPECT_EQ(d.verdict, eval::Verdict::Prohibited);
  const auto* low = FindingOf(l.prog(), d, "t.local/allow_transfer");
  ASSERT_NE(low, nullptr);
  EXPECT_EQ(low->governed_by, RuleIndex(l.prog(), "t.national/no_transfer"));
  EXPECT_STREQ(eval::ReasonName(low->reason), "force");

  // Reversed: the departmental rule prohibits, the law permits: the prohibition is overridden.
  auto m = Load(Ruleset("t.national", "law") + R"(
rule allow_transfer { cite art 1 when important then may transfer says en "Yes." }
)" + Ruleset("t.local", "departmental_rule") + R"(
rule no_transfer { cite art 1 when important then must_not transfer says en "No." }
)");
  ASSERT_TRUE(m.r.program);
  auto e = Decide(m, R"({"id": "p2", "kind": "transfer", "important": true})");
  EXPECT_EQ(e.verdict, eval::Verdict::Permitted);
  const auto* over = FindingOf(m.prog(), e, "t.local/no_transfer");
  ASSERT_NE(over, nullptr);
  EXPECT_EQ(over->governed_by, RuleIndex(m.prog(), "t.national/allow_transfer"));
}

TEST(Precedence, GovernedFindingAsksNothing) {
  // Both instruments require an assessment of important data; the law governs the departmental rule.
  // Whether the departmental rule's own condition (small) holds cannot change anything, so it is not
  // asked for, while the governing rule's open status (small decides it) is.
  auto l = Load(Ruleset("t.national", "law") + R"(
rule assess_important { cite art 1 when important then must assess satisfied when count > 5 says en "Assess." }
)" + Ruleset("t.local", "departmental_rule") + R"(
rule assess_too { cite art 1 when important and not small then must assess says en "Assess too." }
)");
  ASSERT_TRUE(l.r.program);
  auto d = Decide(l, R"({"id": "g1", "kind": "transfer", "important": true, "count": 10})");
  const auto* low = FindingOf(l.prog(), d, "t.local/assess_too");
  ASSERT_NE(low, nullptr);
  EXPECT_EQ(low->governed_by, RuleIndex(l.prog(), "t.national/assess_important"));
  EXPECT_FALSE(IsMissing(d, "small"));
  EXPECT_EQ(d.verdict, eval::Verdict::Permitted);
}

// Precedence between rulesets on every path the evaluator takes: a few live rules of a few rulesets
// (each pair of rulesets ranked once), more than 64 live rules (indexed by ruleset and action), more than
// 8 rulesets. Each finding must be governed as the rule says: by the first live rule (in finding order)
// surely in effect, of another ruleset of its legal order that outranks its own by force, then depth of
// jurisdiction, then a later effective date, and shares one of its actions; the reason is that rank.
// Rules whose condition is unknown are live but govern nothing.
TEST(Precedence, EveryPathGovernsAsTheRuleSays) {
  const char* forces[] = {"law", "departmental_rule", "local_regulation"};
  const char* juris[] = {"CN", "CN-BJ"};
  const char* actions[] = {"assess", "contract", "transfer", "notify"};
  const char* modalities[] = {"must", "may", "must_not", "should"};
  for (int rulesets : {3, 10}) {
    const int per = rulesets == 3 ? 30 : 8;
    std::string text;
    for (int i = 0; i < rulesets; ++i) {
      text += "ruleset t.r" + std::to_string(i) + " {\n  title en \"r\"\n  authority T.AUTH\n  jurisdiction " +
              juris[(i / 3) % 2] + "\n  force " + forces[i % 3] + "\n  effective 2024-0" + std::to_string(1 + i % 5) +
              "-01\n  applies to transfer\n}\n";
      for (int k = 0; k < per; ++k)
        text += "rule x" + std::to_string(k) + " { cite art 1 when count > " + std::to_string((k * 7 + i) % 9) +
                (k % 5 == 1 ? " and small" : "") + " then " +  // small is not given: unknown, never governs
                modalities[(k + i) % 4] + " " + actions[(k * 3 + i) % 4] + " says en \"x\" }\n";
    }
    auto l = Load(text);
    ASSERT_TRUE(l.r.program);
    const ir::Program& prog = l.prog();
    auto outranks = [&](int rsh, int rsl) -> const char* {
      const auto &fh = prog.ruleset_force_rank[rsh], &fl = prog.ruleset_force_rank[rsl];
      if (fh != fl) return fh > fl ? "force" : "";
      const auto &dh = prog.ruleset_depth[rsh], &dl = prog.ruleset_depth[rsl];
      if (dh != dl) return dh > dl ? "specificity" : "";
      return prog.ruleset_effective[rsh] > prog.ruleset_effective[rsl] ? "later" : "";
    };
    size_t most_live = 0, fewest_live = SIZE_MAX;
    int governed = 0;
    for (int count = 0; count <= 9; ++count) {
      auto d = Decide(l, R"({"id": "p", "kind": "transfer", "count": )" + std::to_string(count) + "}");
      most_live = std::max(most_live, d.findings.size());
      fewest_live = std::min(fewest_live, d.findings.size());
      for (const auto& f : d.findings) {
        const int rsl = prog.rule_ruleset[f.rule];
        int want = -1;
        std::string why;
        for (const auto& g : d.findings) {
          const int rsh = prog.rule_ruleset[g.rule];
          if (g.applies != eval::Tri::True || rsh == rsl || prog.ruleset_legal_order[rsh] != prog.ruleset_legal_order[rsl] ||
              !*outranks(rsh, rsl))
            continue;
          const auto& a = l.r.program->project->rules[f.rule].actions;
          const auto& b = l.r.program->project->rules[g.rule].actions;
          if (std::none_of(a.begin(), a.end(), [&](int x) { return std::find(b.begin(), b.end(), x) != b.end(); })) continue;
          want = g.rule;
          why = outranks(rsh, rsl);
          break;
        }
        EXPECT_EQ(f.governed_by, want) << "count " << count << " rule " << l.r.program->project->rules[f.rule].id;
        EXPECT_EQ(eval::ReasonName(f.reason), why) << "count " << count;
        governed += want >= 0;
      }
    }
    EXPECT_GT(governed, 20) << rulesets << " rulesets";
    if (rulesets == 3) {
      EXPECT_GT(most_live, 64u);   // the indexed path
      EXPECT_LE(fewest_live, 64u);  // the pairwise one
    }
  }
}

TEST(Binding, NonBindingRulesetNeverProhibits) {
  auto l = Load(Ruleset("t.guide", "guideline", "  binding false\n") + R"(
rule no_transfer { cite art 1 when important then must_not transfer says en "Better not." }
rule assess_first { cite art 2 when important then must assess says en "Assess first." }
)");
  ASSERT_TRUE(l.r.program);
  auto d = Decide(l, R"({"id": "b1", "kind": "transfer", "important": true})");
  EXPECT_EQ(d.verdict, eval::Verdict::Permitted);
  const auto* f = FindingOf(l.prog(), d, "t.guide/no_transfer");
  ASSERT_NE(f, nullptr);  // still reported as advice
  EXPECT_EQ(f->applies, eval::Tri::True);
  // Unknown facts in guidance do not make the verdict indeterminate either.
  auto u = Decide(l, R"({"id": "b2", "kind": "transfer"})");
  EXPECT_EQ(u.verdict, eval::Verdict::Permitted);
}

TEST(Determinism, RenderingTwiceGivesIdenticalBytes) {
  auto l = Load(kBasic);
  ASSERT_TRUE(l.r.program);
  const std::string json = R"({"id": "d1", "kind": "transfer", "important": true, "count": 50000})";
  eval::RenderOptions o;
  auto a = eval::RenderJson(l.prog(), Decide(l, json), o);
  auto b = eval::RenderJson(l.prog(), Decide(l, json), o);
  EXPECT_FALSE(a.empty());
  EXPECT_EQ(a, b);
  // A second, independent load of the same sources renders the same bytes too.
  auto l2 = Load(kBasic);
  ASSERT_TRUE(l2.r.program);
  EXPECT_EQ(a, eval::RenderJson(l2.prog(), Decide(l2, json), o));
  EXPECT_EQ(eval::RenderText(l.prog(), Decide(l, json), o), eval::RenderText(l2.prog(), Decide(l2, json), o));
}

}  // namespace
}  // namespace lexgate

namespace lexgate {
namespace {

// Decide's shortcuts against the full evaluation: a sub-condition shared by two rules (one memo block
// in the flat code, computed once per case), and a rule whose exception surely applies (its `when` is
// skipped). Over every combination of true / false / unknown facts, with one Scratch reused across the
// cases so that a value kept from an earlier case would show: each rule's condition (with every
// condition run) is the tree interpreter's, and the verdict, actions and effects are Evaluate's.
TEST(DecideShortcuts, SharedBlocksAndExceptionsMatchEvaluate) {
  auto l = Load(Ruleset("t.law", "law") + R"(
rule tier_small {
  cite art 1
  when (important or count >= 100) and small
  then must notify
}
rule tier_large {
  cite art 2
  when (important or count >= 100) and not small
  then must contract
}
rule lifted exception to assess_volume {
  cite art 3
  when important and small
  then exempt
}
rule assess_volume {
  cite art 4
  when count + history.personal >= 10 or (important or count >= 100)
  then must assess
}
)");
  const ir::Program& prog = l.prog();
  EXPECT_GE(prog.memo_count, 1);
  eval::Scratch fast(prog), every(prog), diagram(prog);
  fast.rule_detail = true;  // the rules' effects are compared below
  every.every_condition = true;
  const char* bools[] = {"true", "false", "null"};
  const char* counts[] = {"0", "5", "100", "null"};
  int cases = 0, skipped = 0;
  for (const char* imp : bools)
    for (const char* small : bools)
      for (const char* count : counts)
        for (const char* hist : counts) {
          const std::string json = std::string("{\"id\": \"s\", \"kind\": \"transfer\", \"important\": ") + imp +
                                   ", \"small\": " + small + ", \"count\": " + count + ", \"history\": {\"personal\": " +
                                   hist + "}}";
          eval::CaseError err;
          auto c = eval::ReadCase(prog, json, err);
          ASSERT_TRUE(c) << json << ": " << err.message;
          eval::EvalOptions o;
          o.as_of = ParseDate("2025-06-01");
          const eval::Decision d = eval::Evaluate(prog, *c, o);
          const eval::Outcome a = eval::Decide(prog, *c, o, fast);
          const eval::Outcome b = eval::Decide(prog, *c, o, every);
          const eval::Outcome by_diagram = eval::Decide(prog, *c, o, diagram);
          EXPECT_EQ(a.verdict, d.verdict) << json;
          EXPECT_EQ(b.verdict, d.verdict) << json;
          EXPECT_EQ(by_diagram.verdict, d.verdict) << json;
          EXPECT_EQ(a.actions, b.actions) << json;
          EXPECT_EQ(by_diagram.actions, b.actions) << json;
          for (size_t r = 0; r < prog.project->rules.size(); ++r) {
            EXPECT_EQ(every.cond[r], eval::EvalCondition(prog, *c, prog.rule_when[r], *o.as_of))
                << json << " rule " << prog.project->rules[r].id;
            EXPECT_EQ(fast.effect[r], every.effect[r]) << json << " rule " << prog.project->rules[r].id;
            const eval::Finding* f = FindingOf(prog, d, prog.project->rules[r].id);
            EXPECT_EQ(f ? f->applies : eval::Tri::False, prog.project->rules[r].modality == check::Modality::Exempt
                                                             ? eval::Tri::False : fast.effect[r])
                << json << " rule " << prog.project->rules[r].id;
            if (fast.cond[r] != every.cond[r]) ++skipped;
          }
          ++cases;
        }
  EXPECT_EQ(cases, 3 * 3 * 4 * 4);
  EXPECT_GT(skipped, 0);  // the exception shortcut was taken
}

}  // namespace
}  // namespace lexgate


// Decide (the allocation-free hot path) and Evaluate (the full decision) share one core: on every
// shipped example they must give the same verdict, and Decide's actions must be exactly the actions of
// Evaluate's binding, governing, applying, unmet obligations.
TEST(DecideMatchesEvaluate, OnEveryExample) {
  const std::string root = LEXGATE_TEST_ROOT;
  lexgate::LoadResult r = lexgate::LoadRules({root + "/jurisdictions", root + "/rulesets/schema.gate", root + "/rulesets"});
  ASSERT_TRUE(r.program);
  const auto& prog = *r.program;
  lexgate::eval::Scratch scratch(prog);
  int checked = 0;
  for (const auto& entry : std::filesystem::directory_iterator(root + "/examples")) {
    if (entry.path().extension() != ".json") continue;
    std::ifstream in(entry.path());
    std::stringstream ss;
    ss << in.rdbuf();
    lexgate::eval::CaseError err;
    auto kase = lexgate::eval::ReadCase(prog, ss.str(), err);
    ASSERT_TRUE(kase) << entry.path() << ": " << err.message;
    auto full = lexgate::eval::Evaluate(prog, *kase, {});
    auto fast = lexgate::eval::Decide(prog, *kase, {}, scratch);
    EXPECT_EQ(full.verdict, fast.verdict) << entry.path();
    std::set<int> want;
    if (full.verdict != lexgate::eval::Verdict::Prohibited)
      for (const auto& f : full.findings) {
        const auto& rule = prog.project->rules[f.rule];
        if (rule.modality == lexgate::check::Modality::Must && f.governed_by < 0 &&
            f.applies == lexgate::eval::Tri::True && f.status != lexgate::eval::Status::Satisfied &&
            prog.project->rulesets[rule.ruleset].binding)
          want.insert(rule.actions.begin(), rule.actions.end());
      }
    EXPECT_EQ(want, std::set<int>(fast.actions.begin(), fast.actions.end())) << entry.path();
    ++checked;
  }
  EXPECT_GT(checked, 20);
}

namespace lexgate {
namespace {

// A due date anchored on the list element that a rule's `some` matched comes from that rule's own match:
// when this rule's `some` is unknown, it has no element (and no due date), whatever an earlier rule matched.
TEST(DueDates, ListAnchorIsTheRulesOwnMatch) {
  const char* vocabulary = R"(
enum kind { transfer }
record item { done: bool, on: date }
schema {
  id: string
  kind: kind
  date: date
  flag: bool
  items: list of item
}
action notify, report
jurisdiction CN
)";
  const std::string rules = R"(
ruleset t.lists {
  title en "lists"
  authority T.AUTH
  jurisdiction CN
  force law
  effective 2024-01-01
  applies to transfer
}
rule first {
  cite art 1
  when some i in items where i.done
  then must notify within 10 days after i.on unadjusted
}
rule second {
  cite art 2
  when some i in items where (i.on >= 2025-01-01 and flag)
  then must report within 5 days after i.on unadjusted
}
)";
  LoadResult r = LoadSources({{"vocabulary.gate", vocabulary}, {"rules.gate", rules}});
  ASSERT_TRUE(r.program) << diag::RenderText(r.diagnostics.all(), *r.sources, false);
  eval::CaseError err;
  // `flag` unknown: the second rule's `some` is unknown on the element dated 2025-03-01.
  auto c = eval::ReadCase(*r.program, R"({"id":"x","kind":"transfer","date":"2025-06-01",
      "items":[{"done":true,"on":"2024-12-01"},{"done":false,"on":"2025-03-01"}]})", err);
  ASSERT_TRUE(c) << err.message;
  eval::EvalOptions o;
  o.as_of = ParseDate("2025-06-01");
  eval::Decision d = eval::Evaluate(*r.program, *c, o);
  const int first = RuleIndex(*r.program, "t.lists/first"), second = RuleIndex(*r.program, "t.lists/second");
  const eval::Finding *f1 = nullptr, *f2 = nullptr;
  for (const auto& f : d.findings) {
    if (f.rule == first) f1 = &f;
    if (f.rule == second) f2 = &f;
  }
  ASSERT_TRUE(f1 && f2);
  ASSERT_EQ(f1->due.size(), 1u);
  ASSERT_TRUE(f1->due[0]);
  EXPECT_EQ(f1->due[0]->date, *ParseDate("2024-12-11"));
  EXPECT_EQ(f1->due[0]->anchor, "items[0].on");
  EXPECT_EQ(f2->applies, eval::Tri::Unknown);
  ASSERT_EQ(f2->due.size(), 1u);
  EXPECT_FALSE(f2->due[0]) << "due " << f2->due[0]->date << " from " << f2->due[0]->anchor << ", the first rule's element";
}

}  // namespace
}  // namespace lexgate

namespace lexgate {
namespace {

// The flat code is a decision DAG (ir::FInstr: every leaf has a successor per result; and/or/not are
// jumps, and an and's operand that is unknown goes on to a copy of the rest that ends in unknown): each
// condition against the tree over every combination of true / false / unknown facts. One condition
// nests and/or with operands after the nested one so deep that its DAG (two copies of the nested part
// per level) would pass ir::kMaxCodeLength: it runs on the tree (one Tree leaf).
TEST(DecisionDag, KleeneCombinationsMatchTheTree) {
  std::string deep = "important";
  for (int i = 0; i < 30; ++i)
    deep = i % 2 ? "(small or not (" + deep + ") or important)"
                 : "(count >= " + std::to_string(i * 7) + " and " + deep + " and history.personal < 9)";
  deep = "important and " + deep;
  auto l = Load(Ruleset("t.law", "law") + R"(
rule mixed {
  cite art 1
  when not (important and small) or (count >= 100 and not small) or history.personal + count > 5
  then must notify
}
rule chain {
  cite art 2
  when (important or small) and (not important or count < 10) and (small or history.personal >= 3)
  then must assess
}
rule constant_parts {
  cite art 3
  when (true and important) or (false and small) or not (true or small)
  then must contract
}
rule deep {
  cite art 4
  when )" + deep + R"(
  then must notify
}
)");
  const ir::Program& prog = l.prog();
  const auto& rules = prog.project->rules;
  int deep_rule = -1;
  for (size_t r = 0; r < rules.size(); ++r)
    if (rules[r].name == "deep") deep_rule = static_cast<int>(r);
  ASSERT_GE(deep_rule, 0);
  EXPECT_EQ(prog.code[static_cast<size_t>(prog.rule_when_code[static_cast<size_t>(deep_rule)])].op, ir::FOp::Tree);
  const char* bools[] = {"true", "false", "null"};
  const char* counts[] = {"0", "5", "9", "100", "210", "null"};
  int compared = 0;
  for (const char* imp : bools)
    for (const char* small : bools)
      for (const char* count : counts)
        for (const char* hist : counts) {
          const std::string json = std::string("{\"id\": \"d\", \"kind\": \"transfer\", \"important\": ") + imp +
                                   ", \"small\": " + small + ", \"count\": " + count + ", \"history\": {\"personal\": " +
                                   hist + "}}";
          eval::CaseError err;
          auto c = eval::ReadCase(prog, json, err);
          ASSERT_TRUE(c) << err.message;
          const int32_t as_of = static_cast<int32_t>(*ParseDate("2025-06-01"));
          for (size_t r = 0; r < rules.size(); ++r) {
            EXPECT_EQ(eval::EvalCompiled(prog, *c, prog.rule_when_code[r], as_of),
                      eval::EvalCondition(prog, *c, prog.rule_when[r], as_of))
                << json << " rule " << rules[r].name;
            ++compared;
          }
        }
  EXPECT_EQ(compared, 3 * 3 * 6 * 6 * 4);
}

}  // namespace
}  // namespace lexgate
