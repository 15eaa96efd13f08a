// lexgate explain CASE RULE, and the extra output of check --explain / check --questions: the evaluated
// condition tree of a rule (eval/explain.h) and the facts still worth asking (eval/questions.h).
#include <unistd.h>

#include <iostream>

#include "common.h"
#include "diag/diagnostic.h"
#include "explain_cli.h"
#include "eval/explain.h"
#include "eval/questions.h"
#include "eval/render.h"
#include "i18n/localizer.h"

namespace lexgate::cli {

using json = nlohmann::ordered_json;

std::string ExplainCaseText(const ir::Program& prog, const eval::Case& c, const eval::EvalOptions& opts, const std::string& locale) {
  eval::CaseExplanation ce = eval::ExplainCase(prog, c, opts);
  i18n::Localizer loc(locale);
  std::string out = "\n" + loc.Text("explain/heading") + "\n";
  for (const auto& e : ce.rules) out += "\n" + eval::RenderExplanationText(prog, c, e, locale);
  return out;
}

json ExplainCaseJson(const ir::Program& prog, const eval::Case& c, const eval::EvalOptions& opts, const std::string& locale) {
  eval::CaseExplanation ce = eval::ExplainCase(prog, c, opts);
  json all = json::array();
  for (const auto& e : ce.rules) all.push_back(eval::ExplanationJson(prog, c, e, locale));
  return all;
}

std::string QuestionsText(const ir::Program& prog, const eval::Case& c, const eval::EvalOptions& opts, const std::string& locale) {
  eval::Questionnaire q = eval::FindQuestions(prog, c, opts);
  return eval::QuestionsJson(prog, c, opts, q, locale).dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

namespace {

int Explain(const Common& common, const std::string& case_path, const std::string& rule, const std::string& as_of,
            std::string format) {
  int code = 0;
  std::optional<int32_t> as_of_day;
  if (!ParseDateOption("--as-of", as_of, as_of_day)) return ExitCode::kUsage;
  auto loaded = Load(common, code);
  if (!loaded) return code;
  const ir::Program& prog = *loaded->program;
  int r = eval::FindRule(prog, rule);
  if (r < 0) {
    std::vector<std::string> names;
    for (const auto& x : prog.project->rules) names.push_back(x.id);
    // a bare rule name is accepted when it is unique
    int found = -1, count = 0;
    for (size_t i = 0; i < prog.project->rules.size(); ++i)
      if (prog.project->rules[i].name == rule) found = static_cast<int>(i), ++count;
    if (count == 1) r = found;
    else {
      std::string s = diag::Suggest(rule, names);
      std::cerr << "lexgate: unknown rule '" << rule << "'";
      if (!s.empty()) std::cerr << "; did you mean '" << s << "'?";
      else std::cerr << "; rules are named ruleset/rule, as in a decision's findings";
      std::cerr << "\n";
      return ExitCode::kUsage;
    }
  }
  std::string text;
  if (!ReadInput(case_path, text, code)) return code;
  eval::CaseError err;
  auto kase = eval::ReadCase(prog, text, err);
  if (!kase) {
    std::cerr << "lexgate: " << (case_path == "-" ? "<stdin>" : case_path) << ": " << err.path << ": " << err.message << "\n";
    return ExitCode::kBadCase;
  }
  std::string locale = LocaleOf(common);
  eval::EvalOptions opts{as_of_day};
  eval::RuleExplanation e = eval::ExplainRule(prog, *kase, opts, r);
  if (format.empty()) format = isatty(1) ? "text" : "json";
  if (format == "json")
    std::cout << eval::ExplanationJson(prog, *kase, e, locale).dump(2, ' ', false, json::error_handler_t::replace) << "\n";
  else
    std::cout << eval::RenderExplanationText(prog, *kase, e, locale);
  return 0;
}

}  // namespace

Runner AddExplainCommand(CLI::App& app, Common& common) {
  struct Opts { std::string case_path, rule, as_of, format; };
  auto o = std::make_shared<Opts>();
  auto* sub = app.add_subcommand("explain", HelpText("explain"));
  sub->footer(std::string("Example:\n  lexgate explain examples/cn-transfer-120k-scc.json "
                          "cn.cac_cross_border_2024/contract_by_volume --format text --locale zh_CN\n\n"
                          "Exit codes: 0 explained, 64 unknown rule (with a suggestion) or bad option, 65 bad case data,\n"
                          "  66 input not found, 78 bad rules\n"));
  sub->add_option("case", o->case_path, "the case JSON file, or - for standard input")->required();
  sub->add_option("rule", o->rule, "the rule, named ruleset/rule as in a decision's findings")->required();
  sub->add_option("--as-of", o->as_of, "evaluate the law as it stood on this date (YYYY-MM-DD)");
  sub->add_option("--format", o->format, "text or json (default: text on a terminal, json otherwise)")
      ->check(CLI::IsMember({"text", "json"}));
  AddCommonOptions(sub, common);
  AddCacheOption(sub, common);
  return [sub, o, &common]() { return sub->parsed() ? Explain(common, o->case_path, o->rule, o->as_of, o->format) : -1; };
}

}  // namespace lexgate::cli
