// lexgate lint: load the rules (shipped ones by default), run the lint passes (engine/src/lint) and print
// every finding as a diagnostic, text or JSON, on stdout. Exit 0 when there is none, 1 when there are
// findings, 78 when the rules do not load (their errors go to stderr, as for every command).
#include <unistd.h>

#include <iostream>

#include "base/date.h"
#include "common.h"
#include "lint/lint.h"

namespace lexgate::cli {

namespace {

constexpr const char* kLintExitHelp =
    "Exit codes:\n"
    "  0  no findings\n"
    "  1  findings (each is a warning with a code: LG3002 no citation, LG5001 unreachable rule,\n"
    "     LG5002 shadowed by an exception, LG5003 threshold gap, LG5004 threshold overlap,\n"
    "     LG5005 contradictory modalities, LG5006 expired ruleset, LG5007 missing message locale)\n"
    "  64 usage error     66 rules not found     78 the rules have errors (printed on stderr)\n";

int Lint(const Common& c, const std::vector<std::string>& paths, const std::string& as_of, const std::string& format) {
  std::optional<int32_t> day;
  if (!ParseDateOption("--as-of", as_of, day)) return ExitCode::kUsage;
  if (!day) {
    time_t now = time(nullptr);
    day = static_cast<int32_t>(now / 86400);
  }
  std::string root = ShippedRoot();
  std::vector<std::string> all = {root + "/jurisdictions", root + "/rulesets/schema.gate"};
  if (paths.empty()) all.push_back(root + "/rulesets");
  else all.insert(all.end(), paths.begin(), paths.end());
  LoadResult r = LoadRules(all);
  if (!r.error.empty()) {
    std::cerr << "lexgate: cannot read rules at '" << r.error << "': no such file or directory\n";
    return ExitCode::kNotFound;
  }
  i18n::Localizer loc(LocaleOf(c));
  if (!r.program) {
    std::cerr << (format == "json" ? diag::RenderJson(r.diagnostics.all(), *r.sources, &loc)
                                   : diag::RenderText(r.diagnostics.all(), *r.sources, isatty(2), &loc));
    std::cerr << "lexgate: the rules have " << r.diagnostics.ErrorCount() << " error(s); nothing was linted\n";
    return ExitCode::kBadRules;
  }
  diag::DiagnosticSink sink = r.diagnostics;  // the checker's warnings (LG3002: no citation) are findings too
  lint::Lint(*r.program, *r.sources, lint::LintOptions{*day}, sink);
  sink.SortStable();
  size_t n = 0;
  for (const auto& d : sink.all()) n += d.severity != diag::Severity::Note;
  if (format == "json") {
    std::cout << diag::RenderJson(sink.all(), *r.sources, &loc);
  } else {
    std::cout << diag::RenderText(sink.all(), *r.sources, isatty(1), &loc);
    std::cout << n << (n == 1 ? " finding\n" : " findings\n");
  }
  return n ? 1 : 0;
}

}  // namespace

Runner AddLintCommand(CLI::App& app, Common& common) {
  struct Opts { std::vector<std::string> paths; std::string as_of, format = "text"; };
  auto o = std::make_shared<Opts>();
  auto* sub = app.add_subcommand("lint", HelpText("lint"));
  sub->footer(std::string("Examples:\n"
                          "  lexgate lint                                  # the shipped rules\n"
                          "  lexgate lint rulesets/cn --as-of 2025-06-10 --format json\n\n") +
              kLintExitHelp);
  sub->add_option("paths", o->paths, "rules directories or files (default: the shipped rulesets)");
  sub->add_option("--as-of", o->as_of, "report rulesets expired before this date (YYYY-MM-DD; default: today)");
  sub->add_option("--format", o->format, "text or json")->check(CLI::IsMember({"text", "json"}));
  sub->add_option("--locale", common.locale, "locale for messages, e.g. zh_CN, en, de (default: LC_ALL/LANG)");
  return [sub, o, &common]() { return sub->parsed() ? Lint(common, o->paths, o->as_of, o->format) : -1; };
}

}  // namespace lexgate::cli
