#include <unistd.h>

#include <iostream>
#include <map>
#include <sstream>

#include "base/date.h"
#include "common.h"
#include "explain_cli.h"
#include "eval/render.h"
#include "i18n/localizer.h"
#include "state_cli.h"
#include "time/calendar.h"

namespace lexgate::cli {

namespace {

int RunCheck(const Common& c, const std::string& case_path, const std::string& as_of, std::string format,
          const std::string& state_path = "", bool record = false, bool explain = false, bool questions = false) {
  int code = 0;
  std::optional<int32_t> as_of_day;
  if (!ParseDateOption("--as-of", as_of, as_of_day)) return ExitCode::kUsage;
  auto loaded = Load(c, code);
  if (!loaded) return code;
  std::string text;
  if (!ReadInput(case_path, text, code)) return code;
  eval::CaseError err;
  auto kase = eval::ReadCase(*loaded->program, text, err);
  if (!kase) {
    std::cerr << "lexgate: " << (case_path == "-" ? "<stdin>" : case_path) << ": " << err.path << ": " << err.message << "\n";
    return ExitCode::kBadCase;
  }
  eval::RenderOptions ro;
  eval::Decision d;
  if (state_path.empty()) d = eval::Evaluate(*loaded->program, *kase, eval::EvalOptions{as_of_day});
  else if (int rc = CheckWithState(state_path, record, *loaded->program, *kase, eval::EvalOptions{as_of_day}, d, ro)) return rc;  // --state: unknown history comes from the ledger
  ro.locale = c.locale.empty() ? DefaultLocale() : c.locale;
  if (format.empty()) format = isatty(1) ? "text" : "json";
  ro.color = format == "text" && isatty(1);
  eval::EvalOptions opts{as_of_day};
  if (questions) {  // the facts still worth asking, instead of the decision
    std::cout << QuestionsText(*loaded->program, *kase, opts, ro.locale);
    return static_cast<int>(d.verdict);
  }
  if (explain && format == "json") {  // the decision with an "explanations" array
    auto j = nlohmann::ordered_json::parse(eval::RenderJson(*loaded->program, d, ro));
    j["explanations"] = ExplainCaseJson(*loaded->program, *kase, opts, ro.locale);
    std::cout << j.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) << "\n";
    return static_cast<int>(d.verdict);
  }
  std::cout << (format == "json" ? eval::RenderJson(*loaded->program, d, ro) : eval::RenderText(*loaded->program, d, ro));
  if (explain) std::cout << ExplainCaseText(*loaded->program, *kase, opts, ro.locale);
  return static_cast<int>(d.verdict);
}

// ---------------------------------------------------------------- lexgate test
}  // namespace

Runner AddCheckCommand(CLI::App& app, Common& common) {
  struct Opts { std::string case_path, as_of, format, state; bool record = false, explain = false, questions = false; };
  auto o = std::make_shared<Opts>();
  auto* sub = app.add_subcommand("check", HelpText("check"));
  sub->footer(std::string("Example:\n  lexgate check examples/cn-transfer-120k-scc.json --format text\n"
                          "  lexgate check examples/cn-transfer-ciio-status-unknown.json --explain --format text\n"
                          "  lexgate check examples/cn-transfer-ciio-status-unknown.json --questions --locale zh_CN\n\n") + kExitCodeHelp);
  sub->add_option("case", o->case_path, "the case JSON file, or - for standard input")->required();
  sub->add_option("--as-of", o->as_of, "evaluate the law as it stood on this date (YYYY-MM-DD)");
  sub->add_option("--format", o->format, "text or json (default: text on a terminal, json otherwise)")
      ->check(CLI::IsMember({"text", "json"}));
  sub->add_option("--state", o->state, "state file (SQLite) or postgresql://… URI: unknown history figures come from its ledger");
  sub->add_flag("--record", o->record, "record the case in the --state (ledger, obligations, audit log)")->needs("--state");
  auto* ex = sub->add_flag("--explain", o->explain, "also explain every rule that fired or is undecided (see `lexgate explain`)");
  sub->add_flag("--questions", o->questions, "print, as JSON, the missing facts that can still change the verdict, with their questions")
      ->excludes(ex);
  AddCommonOptions(sub, common);
  AddCacheOption(sub, common);
  return [sub, o, &common]() {
    return sub->parsed() ? RunCheck(common, o->case_path, o->as_of, o->format, o->state, o->record, o->explain, o->questions) : -1;
  };
}

}  // namespace lexgate::cli
