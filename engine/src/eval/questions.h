// Partial evaluation for questionnaires (lexgate ask, check --questions): which facts the case leaves
// unknown that can still change the outcome. For every unknown scalar fact the compiled conditions read,
// the case is decided again (Decide, the evaluator's hot path) with the fact set to each value of a
// representative domain: both truth values of a bool, every value of an enum, for numbers and dates the
// thresholds the conditions compare it with (t - 1, t, t + 1, shifted by the other known terms of a sum),
// for jurisdictions those the conditions name and the members of the groups they name, plus one outside
// them all. A fact none of whose values changes the verdict or the outstanding obligations is not asked.
// When the verdict is indeterminate but no single fact changes it (facts that matter only together),
// the facts that change an undecided binding rule are the verdict's questions. Facts that change only
// the obligations come after the verdict's: together they can still change it (two unmet duties, each
// met by a different fact). Facts inside lists are not enumerated.
#pragma once
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "eval/evaluate.h"

namespace lexgate::eval {

struct Question {
  int32_t slot = -1;            // root slot of the fact
  std::string fact;             // its path, e.g. exporter.ciio
  check::Type type;
  bool decides_verdict = false; // some value changes the verdict (else only the obligations)
  std::vector<int> asked_by;    // rules whose outcome some value changes
  std::vector<int64_t> values;  // the representative values tried
};

struct Questionnaire {
  Verdict verdict = Verdict::Indeterminate;
  bool settled = false;         // no fact that can be asked changes the verdict or the obligations
  std::vector<Question> questions;  // verdict-deciding first, then by how many rules ask, then schema order
};

// `dont_know`: facts the user cannot answer; they stay unknown and are not asked.
Questionnaire FindQuestions(const ir::Program& prog, const Case& c, const EvalOptions& opts,
                            const std::set<std::string>& dont_know = {});

// The question for a fact in the locale: the bundle's question/<path> text, else a generic one.
std::string QuestionText(const std::string& fact, const std::string& locale);
// A value of an enum in the locale (bundle enum/<enum>/<value>), else the value itself.
std::string EnumValueName(const check::Project& p, int enum_id, int value, const std::string& locale);

// {"case", "verdict", "as_of", "settled", "questions": [{"fact", "type", "domain"|"thresholds", "decides",
//  "asked_by", "question"}]}
nlohmann::ordered_json QuestionsJson(const ir::Program& prog, const Case& c, const EvalOptions& opts,
                                     const Questionnaire& q, const std::string& locale);

}  // namespace lexgate::eval
