// Shared pieces of the lexgate commands: options every command takes, loading the rules, reading
// input, the locale. Each command lives in its own cmd_<name>.cc and registers itself in main.cc.
#pragma once
#include <CLI/CLI.hpp>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "engine.h"
#include "exit_codes.h"

namespace lexgate::cli {

struct Common {
  std::vector<std::string> rules;
  std::string diagnostics = "text";
  std::string locale;
  bool no_cache = false;  // --no-cache (commands that decide cases; see AddCacheOption)
};

// The locale from --locale, else LC_ALL / LC_MESSAGES / LANG, else en.
std::string DefaultLocale();
std::string LocaleOf(const Common& c);
// Loads the shipped jurisdictions and schema plus the rules (--rules, or the shipped rulesets); prints
// diagnostics; on failure sets exit_code (66 or 78) and returns nothing.
// In-language tests (files under tests/ directories) are read only when `with_tests` is set.
std::optional<LoadResult> Load(const Common& c, int& exit_code, bool with_tests = false);
// Reads a file, or standard input for "-"; on failure prints why and sets exit_code (66).
bool ReadInput(const std::string& path, std::string& out, int& exit_code);
// A command's one-line summary for --help, in the language of LC_ALL / LC_MESSAGES / LANG (bundle key cli/<name>).
std::string HelpText(const std::string& name);
// Option parsing shared by the commands; each prints why and returns false on bad input (exit 64).
bool ParseDateOption(const std::string& option, const std::string& text, std::optional<int32_t>& out);
bool ParsePeriod(const std::string& option, const std::string& text, int64_t& n, std::string& unit);
// The named calendar of the loaded project, or null after printing why.
const check::Calendar* FindCalendar(const check::Project& p, const std::string& name);
// Adds --rules, --diagnostics and --locale to a subcommand.
void AddCommonOptions(CLI::App* sub, Common& common);
// Adds --no-cache to a command that decides cases. Load() reads and writes the compiled-rules cache
// (DefaultCacheDir()) unless --no-cache, LEXGATE_NO_CACHE=1 or with_tests (`lexgate test`).
void AddCacheOption(CLI::App* sub, Common& common);

// A command: registered on the app, run when its subcommand was parsed.
using Runner = std::function<int()>;
Runner AddCheckCommand(CLI::App& app, Common& common);
Runner AddTestCommand(CLI::App& app, Common& common);
Runner AddDeadlineCommand(CLI::App& app, Common& common);
Runner AddJurisdictionsCommand(CLI::App& app, Common& common);
Runner AddBatchCommand(CLI::App& app, Common& common);
Runner AddDueCommand(CLI::App& app, Common& common);
Runner AddDoneCommand(CLI::App& app, Common& common);
Runner AddAuditCommand(CLI::App& app, Common& common);
Runner AddLspCommand(CLI::App& app, Common& common);
Runner AddExplainCommand(CLI::App& app, Common& common);
Runner AddAskCommand(CLI::App& app, Common& common);
Runner AddFmtCommand(CLI::App& app, Common& common);
// Parses the command line (--help: exit 0; a usage error: 64), then runs the first command whose
// runner answers (an exception: 70, "internal error"); 64 when none does. For lexgate and lexgate-serve.
int RunCommands(CLI::App& app, int argc, char** argv, const std::vector<Runner>& commands);
Runner AddLintCommand(CLI::App& app, Common& common);

}  // namespace lexgate::cli
