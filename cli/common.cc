#include "common.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "base/date.h"
#include "i18n/localizer.h"

namespace fs = std::filesystem;

namespace lexgate::cli {

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
std::optional<LoadResult> Load(const Common& c, int& exit_code, bool with_tests) {
  std::string root = ShippedRoot();
  std::vector<std::string> paths = {root + "/jurisdictions", root + "/rulesets/schema.gate"};
  if (c.rules.empty()) paths.push_back(root + "/rulesets");
  else paths.insert(paths.end(), c.rules.begin(), c.rules.end());
  LoadOptions options{.tests = with_tests};
  if (!c.no_cache && !with_tests) options.cache_dir = DefaultCacheDir();
  LoadResult r = LoadRules(paths, options);
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

std::string HelpText(const std::string& name) {
  static const i18n::Localizer loc(DefaultLocale());
  return loc.Text("cli/" + name);
}

bool ParseDateOption(const std::string& option, const std::string& text, std::optional<int32_t>& out) {
  if (text.empty()) return true;
  out = ParseDate(text);
  if (!out) std::cerr << "lexgate: " << option << " '" << text << "' is not a valid date (YYYY-MM-DD)\n";
  return out.has_value();
}

bool ParsePeriod(const std::string& option, const std::string& text, int64_t& n, std::string& unit) {
  std::istringstream in(text);
  n = -1;
  in >> n >> unit;
  // The engine bounds a period at 100000 units (time/calendar.cc): a longer one is refused, not clamped.
  if (n > 100000) {
    std::cerr << "lexgate: " << option << " '" << text << "' is too large (at most 100000 " << unit << ")\n";
    return false;
  }
  if (n >= 0 && (unit == "working_days" || unit == "days" || unit == "months" || unit == "years")) return true;
  std::cerr << "lexgate: " << option << " '" << text << "' must be like \"10 working_days\", \"30 days\" or \"6 months\"\n";
  return false;
}

const check::Calendar* FindCalendar(const check::Project& p, const std::string& name) {
  auto it = p.calendar_index.find(name);
  if (it != p.calendar_index.end()) return &p.calendars[it->second];
  std::cerr << "lexgate: unknown calendar '" << name << "'\n";
  return nullptr;
}

std::string LocaleOf(const Common& c) { return c.locale.empty() ? DefaultLocale() : c.locale; }

void AddCommonOptions(CLI::App* sub, Common& common) {
  sub->add_option("--rules", common.rules, "rules directory or file (repeatable); default: the shipped rulesets");
  sub->add_option("--diagnostics", common.diagnostics, "how rule diagnostics are printed")
      ->check(CLI::IsMember({"text", "json"}));
  sub->add_option("--locale", common.locale, "locale for messages, e.g. zh_CN, en, de (default: LC_ALL/LANG)");
}

void AddCacheOption(CLI::App* sub, Common& common) {
  sub->add_flag("--no-cache", common.no_cache,
                "parse the rules even if the compiled-rules cache holds them (and do not write it)");
}

int RunCommands(CLI::App& app, int argc, char** argv, const std::vector<Runner>& commands) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : ExitCode::kUsage;
  }
  try {
    for (auto& run : commands) {
      int rc = run();
      if (rc >= 0) return rc;
    }
  } catch (const std::exception& e) {
    std::cerr << "lexgate: internal error: " << e.what() << "\n";
    return ExitCode::kInternal;
  }
  return ExitCode::kUsage;
}

}  // namespace lexgate::cli
