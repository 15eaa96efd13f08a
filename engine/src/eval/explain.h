// Explanations (lexgate explain, check --explain): why one rule did or did not apply to a case. Runs on
// the compiled IR through the evaluator's own tracer hook (eval/evaluate.h), so every value shown is the
// value the evaluator computed; nothing here evaluates a condition itself. An explanation holds, for one
// rule: its ruleset's applicability, its condition, each exception (and which one decided), precedence
// between rulesets, the obligation's `satisfied when`, the citation and the resulting finding; each
// condition as the tree of nodes the evaluator visited with their values. Rendered as an indented,
// localised text tree or as JSON. Pure functions of (program, case, options): deterministic.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "eval/evaluate.h"

namespace lexgate::eval {

// One evaluated node: the IR node, its value, and the nodes evaluated under it in order. Under a `some`,
// `element` numbers the list element a body was evaluated for.
struct TraceNode {
  int32_t node = -1;
  ir::Val value;
  int element = -1;
  std::vector<TraceNode> kids;
};

struct ExceptionExplanation {
  int rule = -1;
  Tri condition = Tri::False;  // its own `when` (with its ruleset's applicability)
  Tri effect = Tri::False;     // after its own exceptions
  bool decisive = false;       // it is what lifted (or may lift) the rule
  std::optional<TraceNode> when;
};

struct RuleExplanation {
  int rule = -1;
  std::string ruleset_state;  // applied | not_applicable | not_in_force | expired | unknown
  std::optional<TraceNode> applies;  // the ruleset's `applies to` (none when not in force)
  Tri condition = Tri::False;        // the rule's own `when` (within its ruleset)
  std::optional<TraceNode> when;     // none: the rule has no `when`, or its ruleset was not consulted
  std::vector<ExceptionExplanation> exceptions;
  Tri effect = Tri::False;           // after exceptions
  std::string decided_by;            // ruleset | condition | exception | precedence | none
  int governed_by = -1;              // precedence: the rule that governs this one
  std::string precedence;            // force | specificity | later
  std::vector<int> governs;          // rules this one takes precedence over
  Status status = Status::None;
  std::optional<TraceNode> satisfied;
  std::optional<Finding> finding;    // the finding of Evaluate for this rule, if any
};

struct CaseExplanation {
  Decision decision;
  std::vector<RuleExplanation> rules;
};

// The explanation of one rule (index into Project::rules).
RuleExplanation ExplainRule(const ir::Program& prog, const Case& c, const EvalOptions& opts, int rule);
// The decision and an explanation of every rule that fired or is undecided (check --explain).
CaseExplanation ExplainCase(const ir::Program& prog, const Case& c, const EvalOptions& opts);
// The rule whose qualified name (ruleset/rule) is `name`, or -1.
int FindRule(const ir::Program& prog, const std::string& name);

// Text: an indented tree per rule, in the locale. JSON: stable keys, one object per rule.
std::string RenderExplanationText(const ir::Program& prog, const Case& c, const RuleExplanation& e, const std::string& locale);
nlohmann::ordered_json ExplanationJson(const ir::Program& prog, const Case& c, const RuleExplanation& e, const std::string& locale);

}  // namespace lexgate::eval
