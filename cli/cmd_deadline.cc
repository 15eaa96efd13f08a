#include <unistd.h>

#include <iostream>
#include <map>
#include <sstream>

#include "base/date.h"
#include "common.h"
#include "eval/render.h"
#include "i18n/localizer.h"
#include "time/calendar.h"

namespace lexgate::cli {

namespace {

int Deadline(const Common& c, const std::string& from, const std::string& add, const std::string& calendar, bool explain) {
  auto start = ParseDate(from);
  if (!start) {
    std::cerr << "lexgate: --from '" << from << "' is not a valid date (YYYY-MM-DD)\n";
    return ExitCode::kUsage;
  }
  int64_t n = -1;
  std::string unit;
  if (!ParsePeriod("--add", add, n, unit)) return ExitCode::kUsage;
  int code = 0;
  auto loaded = Load(c, code);
  if (!loaded) return code;
  const check::Project& p = *loaded->program->project;
  const check::Calendar* found = FindCalendar(p, calendar);
  if (!found) return ExitCode::kUsage;
  const check::Calendar& cal = *found;
  time::DueDate d = time::AddPeriod(&cal, *start, n, unit);
  std::cout << FormatDate(d.due) << "\n";
  if (explain) {
    i18n::Localizer loc(c.locale.empty() ? DefaultLocale() : c.locale);
    auto name_of = [&](const std::map<std::string, std::string>& names) {
      for (const auto& l : loc.chain()) {
        auto it = names.find(l);
        if (it != names.end()) return it->second;
        auto lang = l.substr(0, l.find('_'));
        it = names.find(lang);
        if (it != names.end()) return it->second;
      }
      return loc.Text("deadline/public_holiday");
    };
    // One line per day in date order: the days skipped, and the make-up working days counted.
    std::map<int32_t, std::string> lines;
    for (const auto& s : d.skipped)
      lines[s.day] = s.reason == "holiday"
                         ? loc.Format("deadline/skipped_holiday", {{"date", i18n::DateArg(s.day)},
                                                                   {"name", icu::Formattable(icu::UnicodeString::fromUTF8(name_of(cal.holidays.at(s.day).names)))}})
                         : loc.Format("deadline/skipped_weekend", {{"date", i18n::DateArg(s.day)}});
    for (const auto& [day, name] : cal.workdays)
      if (day > *start && day <= d.due)
        lines[day] = loc.Format("deadline/counted_workday", {{"date", i18n::DateArg(day)},
                                                             {"name", icu::Formattable(icu::UnicodeString::fromUTF8(name_of(name.names)))}});
    for (const auto& [day, line] : lines) std::cout << "  " << line << "\n";
    for (int y : d.unpublished_years)
      std::cout << "  " << loc.Format("text/unpublished", {{"calendar", icu::Formattable(icu::UnicodeString::fromUTF8(calendar))},
                                                            {"year", icu::Formattable(static_cast<int32_t>(y))}}) << "\n";
  }
  return 0;
}

}  // namespace

Runner AddDeadlineCommand(CLI::App& app, Common& common) {
  struct Opts { std::string from, add, calendar = "CN"; bool explain = false; };
  auto o = std::make_shared<Opts>();
  auto* sub = app.add_subcommand("deadline", HelpText("deadline"));
  sub->footer("Example:\n  lexgate deadline --from 2025-09-29 --add \"10 working_days\" --calendar CN --explain\n");
  sub->add_option("--from", o->from, "the event date (YYYY-MM-DD); the next day is day 1")->required();
  sub->add_option("--add", o->add, "a period: \"N working_days\", \"N days\", \"N months\"")->required();
  sub->add_option("--calendar", o->calendar, "calendar name (default CN)");
  sub->add_flag("--explain", o->explain, "list the days skipped and why");
  AddCommonOptions(sub, common);
  AddCacheOption(sub, common);
  return [sub, o, &common]() { return sub->parsed() ? Deadline(common, o->from, o->add, o->calendar, o->explain) : -1; };
}

}  // namespace lexgate::cli
