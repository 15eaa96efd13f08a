// The extra output of `check --explain` and `check --questions` (implemented in cmd_explain.cc).
#pragma once
#include <nlohmann/json.hpp>
#include <string>

#include "eval/evaluate.h"

namespace lexgate::cli {

// Every rule that fired or is undecided, explained as an indented tree (text) or as JSON objects.
std::string ExplainCaseText(const ir::Program& prog, const eval::Case& c, const eval::EvalOptions& opts, const std::string& locale);
nlohmann::ordered_json ExplainCaseJson(const ir::Program& prog, const eval::Case& c, const eval::EvalOptions& opts,
                                       const std::string& locale);
// The questions still worth asking, as JSON text (eval/questions.h).
std::string QuestionsText(const ir::Program& prog, const eval::Case& c, const eval::EvalOptions& opts, const std::string& locale);

}  // namespace lexgate::cli
