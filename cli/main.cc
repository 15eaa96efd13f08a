// lexgate command line. Each subcommand is a small function over the engine; errors go to stderr,
// results to stdout, and every path ends in a code from exit_codes.h.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "base/date.h"
#include "engine.h"
#include "eval/render.h"
#include "exit_codes.h"
#include "i18n/localizer.h"
#include "time/calendar.h"

namespace fs = std::filesystem;
using namespace lexgate;
using cli::ExitCode;

namespace {

struct Common {
  std::vector<std::string> rules;
  std::string diagnostics = "text";
  std::string locale;
};

std::string DefaultLocale() {
  for (const char* var : {"LC_ALL", "LC_MESSAGES", "LANG"}) {
    const char* v = std::getenv(var);
    if (v && *v && std::string(v) != "C" && std::string(v) != "POSIX") {
      std::string s = v;
      auto dot = s.find('.');
      if (dot != std::string::npos) s.resize(dot);
      return s;
    }
  }
  return "en";
}

// Loads the shipped jurisdictions and schema plus the rules: --rules directories, or the shipped ones.
std::optional<LoadResult> Load(const Common& c, int& exit_code) {
  std::string root = ShippedRoot();
  std::vector<std::string> paths = {root + "/jurisdictions", root + "/rulesets/schema.gate"};
  if (c.rules.empty()) paths.push_back(root + "/rulesets");
  else paths.insert(paths.end(), c.rules.begin(), c.rules.end());
  LoadResult r = LoadRules(paths);
  if (!r.error.empty()) {
    std::cerr << "lexgate: cannot read rules at '" << r.error << "': no such file or directory\n";
    exit_code = ExitCode::kNotFound;
    return std::nullopt;
  }
  const auto& all = r.diagnostics.all();
  if (!all.empty()) {
    i18n::Localizer loc(c.locale.empty() ? DefaultLocale() : c.locale);
    if (c.diagnostics == "json") std::cerr << diag::RenderJson(all, *r.sources, &loc);
    else std::cerr << diag::RenderText(all, *r.sources, isatty(2), &loc);
  }
  if (!r.program) {
    std::cerr << "lexgate: the rules have " << r.diagnostics.ErrorCount() << " error(s); nothing was evaluated\n";
    exit_code = ExitCode::kBadRules;
    return std::nullopt;
  }
  return r;
}

bool ReadInput(const std::string& path, std::string& out, int& exit_code) {
  if (path == "-") {
    std::stringstream ss;
    ss << std::cin.rdbuf();
    out = ss.str();
    return true;
  }
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) {
    std::cerr << "lexgate: cannot read '" << path << "': no such file\n";
    exit_code = ExitCode::kNotFound;
    return false;
  }
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  out = ss.str();
  return true;
}

int Check(const Common& c, const std::string& case_path, const std::string& as_of, std::string format) {
  int code = 0;
  std::optional<int32_t> as_of_day;
  if (!as_of.empty()) {
    as_of_day = ParseDate(as_of);
    if (!as_of_day) {
      std::cerr << "lexgate: --as-of '" << as_of << "' is not a valid date (YYYY-MM-DD)\n";
      return ExitCode::kUsage;
    }
  }
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
  eval::Decision d = eval::Evaluate(*loaded->program, *kase, eval::EvalOptions{as_of_day});
  eval::RenderOptions ro;
  ro.locale = c.locale.empty() ? DefaultLocale() : c.locale;
  if (format.empty()) format = isatty(1) ? "text" : "json";
  ro.color = format == "text" && isatty(1);
  std::cout << (format == "json" ? eval::RenderJson(*loaded->program, d, ro) : eval::RenderText(*loaded->program, d, ro));
  return static_cast<int>(d.verdict);
}

// ---------------------------------------------------------------- lexgate test
int Test(const Common& c, const std::vector<std::string>& dirs) {
  Common cc = c;
  if (!dirs.empty()) cc.rules = dirs;
  int code = 0;
  auto loaded = Load(cc, code);
  if (!loaded) return code;
  const ir::Program& prog = *loaded->program;
  const check::Project& p = *prog.project;
  std::vector<bool> fired(p.rules.size(), false);
  int passed = 0, failed = 0;
  auto loc = [&](const Span& s) {
    return loaded->sources->Get(s.file).path + ":" + std::to_string(s.line) + ":" + std::to_string(s.col);
  };
  for (const auto& t : p.tests) {
    eval::CaseError err;
    auto kase = eval::ReadCaseValue(prog, t.case_value, err);
    if (!kase) {
      std::cout << "FAIL " << t.name << " (" << loc(t.span) << ")\n     the case is not valid: " << err.path << ": "
                << err.message << "\n";
      ++failed;
      continue;
    }
    eval::Decision d = eval::Evaluate(prog, *kase, eval::EvalOptions{t.as_of});
    for (const auto& f : d.findings)
      if (f.applies == eval::Tri::True) fired[f.rule] = true;
    for (const auto& e : d.exempted) fired[e.by] = true;
    for (const auto& o : d.overridden)
      if (o.reason == "exception") fired[o.by] = true;
    std::vector<std::string> problems;
    auto fires = [&](int rule) {
      for (const auto& f : d.findings)
        if (f.rule == rule && f.applies == eval::Tri::True) return true;
      for (const auto& e : d.exempted)
        if (e.by == rule) return true;
      for (const auto& o : d.overridden)
        if (o.by == rule && o.reason == "exception") return true;
      return false;
    };
    auto requires_action = [&](int action) {
      for (const auto& f : d.findings) {
        const auto& r = p.rules[f.rule];
        if (r.modality != check::Modality::Must || f.applies != eval::Tri::True || f.governed_by >= 0) continue;
        if (f.status == eval::Status::Satisfied) continue;
        for (int a : r.actions)
          if (a == action) return true;
      }
      return false;
    };
    for (const auto& e : t.expects) {
      std::string want, got;
      bool ok = true;
      switch (e.kind) {
        case ast::Expectation::Verdict:
          ok = static_cast<int>(d.verdict) == e.verdict;
          want = "verdict " + std::string(eval::VerdictName(static_cast<eval::Verdict>(e.verdict)));
          got = "verdict " + std::string(eval::VerdictName(d.verdict));
          break;
        case ast::Expectation::Requires:
        case ast::Expectation::NotRequires:
          ok = requires_action(e.action) == (e.kind == ast::Expectation::Requires);
          want = std::string(e.kind == ast::Expectation::Requires ? "requires " : "does not require ") + p.actions[e.action];
          got = ok ? want : std::string(e.kind == ast::Expectation::Requires ? "not required" : "required");
          break;
        case ast::Expectation::Fires:
        case ast::Expectation::NotFires:
          ok = fires(e.rule) == (e.kind == ast::Expectation::Fires);
          want = std::string(e.kind == ast::Expectation::Fires ? "fires " : "does not fire ") + p.rules[e.rule].id;
          got = ok ? want : (e.kind == ast::Expectation::Fires ? "did not fire" : "fired");
          break;
        case ast::Expectation::Exempted: {
          ok = false;
          for (const auto& x : d.exempted) ok |= x.rule == e.rule;
          want = "exempted " + p.rules[e.rule].id;
          got = ok ? want : "not exempted";
          break;
        }
        case ast::Expectation::Missing: {
          ok = false;
          for (const auto& m : d.missing) ok |= m.fact == e.path;
          want = "missing " + e.path;
          got = "missing:";
          for (const auto& m : d.missing) got += " " + m.fact;
          break;
        }
        case ast::Expectation::Due: {
          ok = false;
          got = "due:";
          for (const auto& f : d.findings) {
            const auto& r = p.rules[f.rule];
            bool has = false;
            for (int a : r.actions) has |= a == e.action;
            if (!has) continue;
            for (const auto& du : f.due)
              if (du) {
                ok |= du->date == e.date;
                got += " " + FormatDate(du->date);
              }
          }
          want = "due " + p.actions[e.action] + " " + FormatDate(e.date);
          break;
        }
      }
      if (!ok) problems.push_back("  " + loc(e.span) + "\n     expected: " + want + "\n     actual:   " + got);
    }
    if (problems.empty()) {
      ++passed;
    } else {
      ++failed;
      std::cout << "FAIL " << t.name << " (" << loc(t.span) << ")\n";
      for (auto& pr : problems) std::cout << pr << "\n";
    }
  }
  std::vector<std::string> uncovered;
  for (size_t r = 0; r < p.rules.size(); ++r)
    if (!fired[r]) uncovered.push_back(p.rules[r].id);
  size_t covered = p.rules.size() - uncovered.size();
  std::cout << "rule coverage: " << covered << "/" << p.rules.size() << "\n";
  for (auto& u : uncovered) std::cout << "  no test makes " << u << " fire\n";
  std::cout << passed << " passed, " << failed << " failed\n";
  return failed ? 1 : 0;
}

// ---------------------------------------------------------------- lexgate deadline
int Deadline(const Common& c, const std::string& from, const std::string& add, const std::string& calendar, bool explain) {
  auto start = ParseDate(from);
  if (!start) {
    std::cerr << "lexgate: --from '" << from << "' is not a valid date (YYYY-MM-DD)\n";
    return ExitCode::kUsage;
  }
  std::istringstream in(add);
  int64_t n = -1;
  std::string unit;
  in >> n >> unit;
  if (n < 0 || (unit != "working_days" && unit != "days" && unit != "months" && unit != "years")) {
    std::cerr << "lexgate: --add '" << add << "' must be like \"10 working_days\", \"30 days\" or \"6 months\"\n";
    return ExitCode::kUsage;
  }
  int code = 0;
  auto loaded = Load(c, code);
  if (!loaded) return code;
  const check::Project& p = *loaded->program->project;
  auto it = p.calendar_index.find(calendar);
  if (it == p.calendar_index.end()) {
    std::cerr << "lexgate: unknown calendar '" << calendar << "'\n";
    return ExitCode::kUsage;
  }
  const check::Calendar& cal = p.calendars[it->second];
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

int main(int argc, char** argv) {
  CLI::App app{"lexgate — cross-border compliance rules engine"};
  app.footer(cli::kExitCodeHelp);
  app.require_subcommand(1);
  app.set_version_flag("--version", "lexgate 0.1.0");
  Common common;
  auto add_common = [&](CLI::App* sub) {
    sub->add_option("--rules", common.rules, "rules directory or file (repeatable); default: the shipped rulesets");
    sub->add_option("--diagnostics", common.diagnostics, "how rule diagnostics are printed")->check(CLI::IsMember({"text", "json"}));
    sub->add_option("--locale", common.locale, "locale for messages, e.g. zh_CN, en, de (default: LC_ALL/LANG)");
  };

  std::string case_path, as_of, format;
  auto* check = app.add_subcommand("check", "decide one case (JSON file, or - for stdin)");
  check->footer(std::string("Example:\n  lexgate check examples/cn-transfer-120k-scc.json --format text\n\n") + cli::kExitCodeHelp);
  check->add_option("case", case_path, "the case JSON file, or - for standard input")->required();
  check->add_option("--as-of", as_of, "evaluate the law as it stood on this date (YYYY-MM-DD)");
  check->add_option("--format", format, "text or json (default: text on a terminal, json otherwise)")
      ->check(CLI::IsMember({"text", "json"}));
  add_common(check);

  std::vector<std::string> test_dirs;
  auto* test = app.add_subcommand("test", "run the in-language tests and report rule coverage");
  test->footer("Example:\n  lexgate test rulesets/\n");
  test->add_option("dir", test_dirs, "rules directories (default: the shipped rulesets)");
  add_common(test);

  std::string from, add, calendar = "CN";
  bool explain = false;
  auto* deadline = app.add_subcommand("deadline", "compute a due date on an official working-day calendar");
  deadline->footer("Example:\n  lexgate deadline --from 2025-09-29 --add \"10 working_days\" --calendar CN --explain\n");
  deadline->add_option("--from", from, "the event date (YYYY-MM-DD); the next day is day 1")->required();
  deadline->add_option("--add", add, "a period: \"N working_days\", \"N days\", \"N months\"")->required();
  deadline->add_option("--calendar", calendar, "calendar name (default CN)");
  deadline->add_flag("--explain", explain, "list the days skipped and why");
  add_common(deadline);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : ExitCode::kUsage;
  }
  try {
    if (check->parsed()) return Check(common, case_path, as_of, format);
    if (test->parsed()) return Test(common, test_dirs);
    if (deadline->parsed()) return Deadline(common, from, add, calendar, explain);
  } catch (const std::exception& e) {
    std::cerr << "lexgate: internal error: " << e.what() << "\n";
    return ExitCode::kInternal;
  }
  return ExitCode::kUsage;
}
