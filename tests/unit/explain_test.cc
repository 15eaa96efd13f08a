// Explanations and questionnaires (eval/explain.h, eval/questions.h): the tracer sees exactly the values
// the evaluator computes; an explanation names the exception that decided; the questions are the facts
// that can still change the verdict, and a fact none of whose values changes it is not asked.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>

#include "base/date.h"
#include "engine.h"
#include "eval/explain.h"
#include "eval/questions.h"

namespace lexgate {
namespace {

const char* kVocabulary = R"(
enum kind { transfer, filing }
schema {
  id: string
  kind: kind
  date: date
  important: bool
  small: bool
  count: count
  note: string
}
action contract, transfer
jurisdiction CN
)";

const char* kRules = R"(
ruleset t.a {
  title en "T"
  authority T.AUTH
  jurisdiction CN
  force law
  effective 2024-01-01
  applies to transfer
}
rule big { cite art 1 when count >= 100 then must contract says en "Contract." }
rule ban { cite art 2 when important then must_not transfer says en "No." }
rule small_exempt exception to big { cite art 3 when small then exempt }
)";

struct Fixture {
  LoadResult r = LoadSources({{"vocabulary.gate", kVocabulary}, {"rules.gate", kRules}});
  const ir::Program& prog() const { return *r.program; }
  eval::Case Case(const std::string& json) const {
    eval::CaseError err;
    auto c = eval::ReadCase(prog(), json, err);
    EXPECT_TRUE(c) << err.path << ": " << err.message;
    return c ? *c : eval::Case{};
  }
  eval::Questionnaire Questions(const std::string& json) const {
    eval::EvalOptions o;
    o.as_of = ParseDate("2025-06-01");
    return eval::FindQuestions(prog(), Case(json), o);
  }
};

std::vector<std::string> Facts(const eval::Questionnaire& q) {
  std::vector<std::string> out;
  for (const auto& x : q.questions) out.push_back(x.fact + (x.decides_verdict ? "!" : ""));
  return out;
}

TEST(Questions, OnlyFactsThatCanChangeTheOutcomeAreAsked) {
  Fixture f;
  ASSERT_TRUE(f.r.program);
  // nothing known: only `important` changes the verdict on its own (a prohibition hangs on it)
  auto q = f.Questions(R"({"kind":"transfer"})");
  EXPECT_EQ(q.verdict, eval::Verdict::Indeterminate);
  EXPECT_FALSE(q.settled);
  EXPECT_EQ(Facts(q), (std::vector<std::string>{"important!"}));
  // no prohibition: the obligation hangs on the count and on its exception
  q = f.Questions(R"({"kind":"transfer","important":false})");
  EXPECT_EQ(Facts(q), (std::vector<std::string>{"small!", "count!"}));  // as many rules ask each: schema order
  ASSERT_EQ(q.questions[1].asked_by.size(), 1u);
  EXPECT_EQ(f.prog().project->rules[q.questions[1].asked_by[0]].id, "t.a/big");
  // thresholds from the compiled condition: 99, 100, 101 (and 0)
  EXPECT_EQ(q.questions[1].values, (std::vector<int64_t>{0, 99, 100, 101}));
  // below the threshold the exception changes nothing: settled, `small` is not asked
  q = f.Questions(R"({"kind":"transfer","important":false,"count":50})");
  EXPECT_EQ(q.verdict, eval::Verdict::Permitted);
  EXPECT_TRUE(q.settled);
  EXPECT_TRUE(q.questions.empty());
  // a prohibition that surely applies: nothing left to ask
  q = f.Questions(R"({"kind":"transfer","important":true})");
  EXPECT_EQ(q.verdict, eval::Verdict::Prohibited);
  EXPECT_TRUE(q.questions.empty());
}

TEST(Questions, DontKnowAnswersAreNotAskedAgain) {
  Fixture f;
  eval::EvalOptions o;
  auto q = eval::FindQuestions(f.prog(), f.Case(R"({"kind":"transfer","important":false})"), o, {"count"});
  EXPECT_EQ(Facts(q), (std::vector<std::string>{"small!"}));
}

TEST(Explain, NamesTheExceptionThatDecided) {
  Fixture f;
  eval::Case c = f.Case(R"({"kind":"transfer","important":false,"count":150,"small":true})");
  int big = eval::FindRule(f.prog(), "t.a/big");
  ASSERT_GE(big, 0);
  EXPECT_EQ(eval::FindRule(f.prog(), "t.a/bigg"), -1);
  eval::RuleExplanation e = eval::ExplainRule(f.prog(), c, {}, big);
  EXPECT_EQ(e.condition, eval::Tri::True);
  EXPECT_EQ(e.effect, eval::Tri::False);
  EXPECT_EQ(e.decided_by, "exception");
  ASSERT_EQ(e.exceptions.size(), 1u);
  EXPECT_TRUE(e.exceptions[0].decisive);
  EXPECT_FALSE(e.finding.has_value());
  ASSERT_TRUE(e.when.has_value());
  EXPECT_TRUE(e.when->value.known && e.when->value.lo == 1);
  std::string text = eval::RenderExplanationText(f.prog(), c, e, "en");
  EXPECT_NE(text.find("[true] count >= 100  (count = 150)"), std::string::npos) << text;
  EXPECT_NE(text.find("decided by: the exception t.a/small_exempt"), std::string::npos) << text;
  // without the exception the rule applies and its finding is shown
  c = f.Case(R"({"kind":"transfer","important":false,"count":150,"small":false})");
  e = eval::ExplainRule(f.prog(), c, {}, big);
  EXPECT_EQ(e.decided_by, "condition");
  EXPECT_TRUE(e.finding.has_value());
}

// Every node the tracer reports carries the value the evaluator gives that node, on every example.
TEST(Trace, ValuesAreTheEvaluatorsOnEveryExample) {
  const std::string root = LEXGATE_TEST_ROOT;
  LoadResult r = LoadRules({root + "/jurisdictions", root + "/rulesets/schema.gate", root + "/rulesets"});
  ASSERT_TRUE(r.program);
  const auto& prog = *r.program;
  struct Recorder : eval::Tracer {
    int depth = 0, entered = 0;
    void Enter(int32_t) override { ++depth, ++entered; }
    void Leave(int32_t, const ir::Val&) override { --depth; }
  };
  int checked = 0;
  for (const auto& entry : std::filesystem::directory_iterator(root + "/examples")) {
    if (entry.path().extension() != ".json") continue;
    std::ifstream in(entry.path());
    std::stringstream ss;
    ss << in.rdbuf();
    eval::CaseError err;
    auto kase = eval::ReadCase(prog, ss.str(), err);
    ASSERT_TRUE(kase) << entry.path();
    int32_t as_of = eval::AsOfDate(*kase, {});
    for (int32_t node : prog.rule_when) {
      if (node < 0) continue;
      Recorder rec;
      ir::Val v = eval::TraceCondition(prog, *kase, node, as_of, rec);
      eval::Tri t = !v.known ? eval::Tri::Unknown : v.lo ? eval::Tri::True : eval::Tri::False;
      EXPECT_EQ(t, eval::EvalCondition(prog, *kase, node, as_of)) << entry.path() << " node " << node;
      EXPECT_EQ(rec.depth, 0);
      EXPECT_GT(rec.entered, 0);
      ++checked;
    }
  }
  EXPECT_GT(checked, 1000);
}

}  // namespace
}  // namespace lexgate
