// The reusable forms of reading and evaluating (issue 12: batch, the API and serve keep one Case,
// Scratch and Decision per thread): a case read into a reused Case, evaluated with a reused Scratch into a
// reused Decision, renders byte-identically (full JSON, pretty and on one line, text, compact record) to
// a fresh ReadCase + Evaluate, over every example and every in-language test case of the shipped rules,
// in several orders, at several as-of dates, with Decide() run on the same Scratch in between.
#include <gtest/gtest.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "base/date.h"
#include "engine.h"
#include "eval/case.h"
#include "eval/evaluate.h"
#include "eval/render.h"

namespace lexgate {
namespace {

const LoadResult& Shipped() {
  static LoadResult r = LoadRules({ShippedRoot() + "/jurisdictions", ShippedRoot() + "/rulesets/schema.gate", ShippedRoot() + "/rulesets"});
  return r;
}

struct Input {
  std::string name, text;
  std::optional<int32_t> as_of;
};

std::vector<Input> Inputs() {
  std::vector<Input> in;
  for (const auto& e : std::filesystem::directory_iterator(ShippedRoot() + "/examples")) {
    if (e.path().extension() != ".json") continue;
    std::ifstream f(e.path());
    std::stringstream ss;
    ss << f.rdbuf();
    for (std::optional<int32_t> as_of : {std::optional<int32_t>{}, ParseDate("2021-01-01"), ParseDate("2027-06-30")})
      in.push_back({e.path().filename().string(), ss.str(), as_of});
  }
  for (const auto& t : Shipped().program->project->tests) in.push_back({t.name, t.case_value.dump(), t.as_of});
  return in;
}

// Every rendering of a decision, concatenated.
std::string Renders(const ir::Program& prog, const eval::Decision& d) {
  eval::RenderOptions pretty, line, text_de;
  line.compact = true;
  text_de.locale = "de";
  std::string s = eval::RenderJson(prog, d, pretty) + eval::RenderJson(prog, d, line) + eval::RenderText(prog, d, pretty) +
                  eval::RenderText(prog, d, text_de);
  eval::RenderCompact(prog, d, s);
  eval::RenderJsonInto(prog, d, line, s);
  return s;
}

TEST(EvalReuse, ReusedCaseScratchAndDecisionRenderAsFreshOnes) {
  const ir::Program& prog = *Shipped().program;
  const std::vector<Input> inputs = Inputs();
  ASSERT_GE(inputs.size(), 200u);
  std::vector<std::string> fresh;
  size_t with_missing = 0, with_due = 0, with_governed = 0, with_exempt = 0;
  for (const auto& in : inputs) {
    eval::CaseError err;
    auto c = eval::ReadCase(prog, in.text, err);
    ASSERT_TRUE(c) << in.name << ": " << err.message;
    eval::Decision d = eval::Evaluate(prog, *c, {in.as_of});
    with_missing += !d.missing.empty();
    with_exempt += !d.exempted.empty() || !d.overridden.empty();
    for (const auto& f : d.findings) {
      with_due += std::any_of(f.due.begin(), f.due.end(), [](const auto& x) { return x.has_value(); });
      with_governed += f.governed_by >= 0;
    }
    fresh.push_back(Renders(prog, d));
  }
  // The inputs exercise what reuse could leave behind: missing facts, due dates, precedence, exceptions.
  EXPECT_GT(with_missing, 0u);
  EXPECT_GT(with_due, 0u);
  EXPECT_GT(with_governed, 0u);
  EXPECT_GT(with_exempt, 0u);

  std::vector<size_t> order(inputs.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::mt19937 rng(4);
  eval::Scratch scratch(prog);
  eval::Case kase;
  eval::Decision d;
  for (int round = 0; round < 2; ++round) {  // reversed, then shuffled (quick under the sanitizers too)
    if (round == 0) std::reverse(order.begin(), order.end());
    else std::shuffle(order.begin(), order.end(), rng);
    for (size_t k = 0; k < order.size(); ++k) {
      const Input& in = inputs[order[k]];
      eval::CaseError err;
      ASSERT_TRUE(eval::ReadCaseInto(prog, in.text, kase, err)) << in.name << ": " << err.message;
      eval::Evaluate(prog, kase, {in.as_of}, scratch, d);
      ASSERT_EQ(Renders(prog, d), fresh[order[k]]) << in.name << " (round " << round << ", position " << k << ")";
      // Decide on the same scratch between full evaluations, as a thread may do both.
      if (k % 3 == 0) {
        eval::Outcome o = eval::Decide(prog, kase, {in.as_of}, scratch);
        EXPECT_EQ(o.verdict, d.verdict) << in.name;
      }
    }
  }
}

TEST(EvalReuse, ReadCaseIntoAfterAnErrorReadsTheNextCase) {
  const ir::Program& prog = *Shipped().program;
  const std::vector<Input> inputs = Inputs();
  eval::Case kase;
  eval::Scratch scratch(prog);
  eval::Decision d;
  const std::vector<std::string> bad = {"{", "[]", "{\"exporter\": 5}", "{\"a\":1,\"a\":2}", "\xff"};
  for (size_t i = 0; i < inputs.size(); i += 7) {
    eval::CaseError err;
    EXPECT_FALSE(eval::ReadCaseInto(prog, bad[i % bad.size()], kase, err));
    EXPECT_FALSE(err.message.empty());
    ASSERT_TRUE(eval::ReadCaseInto(prog, inputs[i].text, kase, err)) << inputs[i].name;
    auto fresh = eval::ReadCase(prog, inputs[i].text, err);
    ASSERT_TRUE(fresh);
    eval::Evaluate(prog, kase, {inputs[i].as_of}, scratch, d);
    EXPECT_EQ(Renders(prog, d), Renders(prog, eval::Evaluate(prog, *fresh, {inputs[i].as_of}))) << inputs[i].name;
  }
}

// Evaluate keeps the rulesets' states by date in the Scratch for the stretch of dates they hold over
// (up to the next effective or expiry date): on each side of every such date, in a shuffled order, a
// reused Scratch gives every ruleset the state a fresh one does.
TEST(EvalReuse, RulesetStatesOnEachSideOfEveryEffectiveAndExpiryDate) {
  const ir::Program& prog = *Shipped().program;
  std::vector<int32_t> dates;
  for (const auto& [effective, expires] : prog.ruleset_in_force)
    for (int64_t at : {int64_t{effective} - 1, int64_t{effective}, int64_t{expires}, int64_t{expires} + 1})
      if (at > -100000 && at < 100000) dates.push_back(static_cast<int32_t>(at));  // not the open ends
  ASSERT_GE(dates.size(), 8u);
  std::shuffle(dates.begin(), dates.end(), std::mt19937(11));
  eval::CaseError err;
  auto c = eval::ReadCase(prog, Inputs().front().text, err);
  ASSERT_TRUE(c) << err.message;
  eval::Scratch scratch(prog);
  eval::Decision d;
  size_t not_in_force = 0, expired = 0;
  for (int32_t at : dates) {
    eval::Evaluate(prog, *c, {at}, scratch, d);
    const eval::Decision fresh = eval::Evaluate(prog, *c, {at});
    ASSERT_EQ(d.rulesets.size(), fresh.rulesets.size());
    for (size_t i = 0; i < d.rulesets.size(); ++i) {
      ASSERT_EQ(d.rulesets[i].ruleset, fresh.rulesets[i].ruleset);
      ASSERT_EQ(d.rulesets[i].state, fresh.rulesets[i].state) << "ruleset " << i << " on day " << at;
      not_in_force += d.rulesets[i].state == eval::RulesetState::NotInForce;
      expired += d.rulesets[i].state == eval::RulesetState::Expired;
    }
  }
  EXPECT_GT(not_in_force, 0u);
  EXPECT_GT(expired, 0u);
}

TEST(EvalReuse, NamesOfReasonsAndRulesetStates) {
  EXPECT_STREQ(eval::ReasonName(eval::Reason::Exception), "exception");
  EXPECT_STREQ(eval::ReasonName(eval::Reason::Force), "force");
  EXPECT_STREQ(eval::ReasonName(eval::Reason::Specificity), "specificity");
  EXPECT_STREQ(eval::ReasonName(eval::Reason::Later), "later");
  EXPECT_STREQ(eval::ReasonName(eval::Reason::None), "");
  EXPECT_STREQ(eval::RulesetStateName(eval::RulesetState::Applied), "applied");
  EXPECT_STREQ(eval::RulesetStateName(eval::RulesetState::NotApplicable), "not_applicable");
  EXPECT_STREQ(eval::RulesetStateName(eval::RulesetState::NotInForce), "not_in_force");
  EXPECT_STREQ(eval::RulesetStateName(eval::RulesetState::Expired), "expired");
  EXPECT_STREQ(eval::RulesetStateName(eval::RulesetState::Unknown), "unknown");
}

// The one-line full decision (DirectWriter, with its per-rule members, messages and questions quoted
// once per thread) is the pretty JSON (RapidJSON's PrettyWriter, every string escaped as it is written)
// on one line, in every locale, for every example and in-language test case at several as-of dates,
// rendered one after another into one buffer as batch does.
TEST(EvalReuse, OneLineJsonIsThePrettyJsonOnOneLine) {
  const ir::Program& prog = *Shipped().program;
  size_t n = 0;
  for (const char* locale : {"en", "de", "zh_Hans"}) {
    eval::RenderOptions pretty, line;
    pretty.locale = line.locale = locale;
    line.compact = true;
    std::string buffer, want;
    for (const auto& in : Inputs()) {
      eval::CaseError err;
      auto c = eval::ReadCase(prog, in.text, err);
      ASSERT_TRUE(c) << in.name;
      eval::Decision d = eval::Evaluate(prog, *c, {in.as_of});
      const std::string p = eval::RenderJson(prog, d, pretty);
      ASSERT_EQ(p.find_first_of(std::string("\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x0e\x0f\x10\x1f", 14)), std::string::npos);
      const std::string expected = nlohmann::ordered_json::parse(p).dump() + "\n";
      const size_t at = buffer.size();
      eval::RenderJsonInto(prog, d, line, buffer);
      ASSERT_EQ(buffer.substr(at), expected) << in.name << " " << locale;
      want += expected;
      ++n;
    }
    EXPECT_EQ(buffer, want);
  }
  EXPECT_GT(n, 400u);
}

// The one JSON string writer of the decision renderers gives RapidJSON's Writer's bytes: every control
// character, quotes, backslashes, UTF-8, and runs longer than the 8-byte fast path.
TEST(AppendJsonString, SameBytesAsRapidJsonWriter) {
  std::mt19937 rng(7);
  const std::string alphabet = std::string("ab\"\\/\u00e9\u4e2d") + std::string("\0\x01\b\f\n\r\t\x1f\x7f", 9);
  for (int n = 0; n < 2000; ++n) {
    std::string s;
    const int len = static_cast<int>(rng() % 40);
    for (int i = 0; i < len; ++i) s += alphabet[rng() % alphabet.size()];
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> w(buf);
    w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
    std::string got;
    eval::AppendJsonString(got, s);
    ASSERT_EQ(got, std::string(buf.GetString(), buf.GetSize())) << "input of " << s.size() << " bytes";
  }
}

}  // namespace
}  // namespace lexgate
