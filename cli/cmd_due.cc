// lexgate due: what the state file says is coming due — outstanding obligations whose due date falls
// within the window (on the loaded project's working-day calendar, CN by default), overdue ones too, the
// outstanding ones without a due date, and registered assets whose registration expires in the window.
#include <ctime>
#include <iostream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "base/date.h"
#include "common.h"
#include "i18n/localizer.h"
#include "state_cli.h"
#include "time/calendar.h"

namespace lexgate::cli {

namespace {



int Due(const Common& c, const std::string& state_path, const std::string& within, const std::string& as_of,
        const std::string& calendar, std::string format) {
  int64_t n = -1;
  std::string unit;
  if (!ParsePeriod("--within", within, n, unit)) return ExitCode::kUsage;
  std::optional<int32_t> as_of_day;
  if (!ParseDateOption("--as-of", as_of, as_of_day)) return ExitCode::kUsage;
  int32_t today = as_of_day ? *as_of_day : static_cast<int32_t>(std::time(nullptr) / 86400);
  int code = 0;
  auto loaded = Load(c, code);
  if (!loaded) return code;
  const check::Project& p = *loaded->program->project;
  const check::Calendar* cal = FindCalendar(p, calendar);
  if (!cal) return ExitCode::kUsage;
  int32_t until = time::AddPeriod(cal, today, n, unit).due;

  auto opened = state::Store::Open(state_path, state::OpenMode::ReadOnly);
  if (!opened.ok()) return StateExit(opened.status);
  auto obligations = opened.value->Obligations(true);
  if (!obligations.ok()) return StateExit(obligations.status);
  auto registry = opened.value->Registrations();
  if (!registry.ok()) return StateExit(registry.status);

  std::vector<state::Obligation> dated, undated;
  for (const auto& o : obligations.value) {
    if (!o.due) undated.push_back(o);
    else if (*o.due <= until) dated.push_back(o);
  }
  std::vector<state::Registration> renewals;
  for (const auto& r : registry.value)
    if (r.expires_on && *r.expires_on <= until) renewals.push_back(r);

  if (format == "json") {
    using ojson = nlohmann::ordered_json;
    auto ob = [&](const state::Obligation& o) {
      ojson j = {{"id", o.id}, {"case", o.case_id}, {"rule", o.rule}, {"actions", o.actions}};
      if (o.due) {
        j["due"] = FormatDate(*o.due);
        j["overdue"] = *o.due < today;
      }
      return j;
    };
    ojson out = {{"as_of", FormatDate(today)}, {"until", FormatDate(until)}, {"calendar", calendar}};
    out["due"] = ojson::array();
    for (const auto& o : dated) out["due"].push_back(ob(o));
    out["undated"] = ojson::array();
    for (const auto& o : undated) out["undated"].push_back(ob(o));
    out["renewals"] = ojson::array();
    for (const auto& r : renewals)
      out["renewals"].push_back(ojson{{"registration_no", r.registration_no}, {"holder", r.holder}, {"right", r.right},
                                      {"expires_on", FormatDate(*r.expires_on)}, {"expired", *r.expires_on < today}});
    std::cout << out.dump(2, ' ', false, ojson::error_handler_t::replace) << "\n";
    return 0;
  }
  i18n::Localizer loc(LocaleOf(c));
  auto line = [&](const state::Obligation& o) {
    std::string when;
    if (o.due) when = loc.Format(*o.due < today ? "state/overdue" : "state/due_on", {{"date", i18n::DateArg(*o.due)}});
    std::cout << "  #" << o.id << "  " << o.rule << "  [" << o.actions << "]  " << o.case_id << (when.empty() ? "" : "  " + when) << "\n";
  };
  std::cout << loc.Format("state/due_heading", {{"count", icu::Formattable(static_cast<int32_t>(dated.size()))}, {"date", i18n::DateArg(until)}}) << "\n";
  for (const auto& o : dated) line(o);
  if (!undated.empty()) {
    std::cout << loc.Format("state/undated_heading", {{"count", icu::Formattable(static_cast<int32_t>(undated.size()))}}) << "\n";
    for (const auto& o : undated) line(o);
  }
  std::cout << loc.Format("state/renewals_heading", {{"count", icu::Formattable(static_cast<int32_t>(renewals.size()))}, {"date", i18n::DateArg(until)}}) << "\n";
  for (const auto& r : renewals)
    std::cout << "  " << r.registration_no << "  " << r.right << "  " << r.holder << "  "
              << loc.Format("state/expires_on", {{"date", i18n::DateArg(*r.expires_on)}}) << "\n";

  return 0;
}

}  // namespace

Runner AddDueCommand(CLI::App& app, Common& common) {
  struct Opts { std::string state, within = "5 working_days", as_of, calendar = "CN", format = "text"; };
  auto o = std::make_shared<Opts>();
  auto* sub = app.add_subcommand("due", HelpText("due"));
  sub->footer("Example:\n  lexgate due --state lexgate.db --within \"5 working_days\"\n");
  sub->add_option("--state", o->state, "the state file, or a postgresql:// URI")->required();
  sub->add_option("--within", o->within, "the window: \"N working_days\", \"N days\", \"N months\" (default 5 working_days)");
  sub->add_option("--as-of", o->as_of, "count the window from this date (YYYY-MM-DD; default today)");
  sub->add_option("--calendar", o->calendar, "working-day calendar (default CN)");
  sub->add_option("--format", o->format, "text or json (default text)")->check(CLI::IsMember({"text", "json"}));
  AddCommonOptions(sub, common);
  AddCacheOption(sub, common);
  return [sub, o, &common]() { return sub->parsed() ? Due(common, o->state, o->within, o->as_of, o->calendar, o->format) : -1; };
}

}  // namespace lexgate::cli
