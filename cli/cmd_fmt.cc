// lexgate fmt: print, check or rewrite .gate files in the canonical layout (engine/src/syntax/format.h).
// Behaves like gofmt / clang-format: one file is printed to stdout; --check lists the files that are not
// formatted and exits 1; --write (-w, -i) rewrites them in place, atomically (a temporary file in the
// same directory, then rename), and only when their text changes. Directories are searched for *.gate.
// A file with syntax errors is reported (diagnostics on stderr) and never rewritten; the run exits 78.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "base/file.h"
#include "common.h"
#include "syntax/format.h"

namespace fs = std::filesystem;

namespace lexgate::cli {

namespace {

constexpr const char* kFmtExitHelp =
    "Exit codes:\n"
    "  0  done (with --check: every file is formatted)\n"
    "  1  --check: some files are not formatted (they are listed on stdout)\n"
    "  64 usage error     66 a file or directory does not exist\n"
    "  78 a file has syntax errors (diagnostics on stderr; it is left as it is)\n";

int Fmt(const Common& c, const std::vector<std::string>& paths, bool check, bool write) {
  // Expand directories into their *.gate files, sorted; keep the order of the arguments.
  std::vector<std::string> files;
  int code = 0;
  for (const auto& p : paths) {
    std::error_code ec;
    if (p == "-" || fs::is_regular_file(p, ec)) {
      files.push_back(p);
    } else if (fs::is_directory(p, ec)) {
      std::vector<std::string> found;
      for (auto it = fs::recursive_directory_iterator(p, ec); !ec && it != fs::recursive_directory_iterator();
           it.increment(ec))
        if (it->is_regular_file() && it->path().extension() == ".gate") found.push_back(it->path().string());
      std::sort(found.begin(), found.end());
      files.insert(files.end(), found.begin(), found.end());
    } else {
      std::cerr << "lexgate: cannot read '" << p << "': no such file or directory\n";
      code = ExitCode::kNotFound;
    }
  }
  if (!check && !write && files.size() > 1) {
    std::cerr << "lexgate: fmt prints one file; use --check or --write for " << files.size() << " files\n";
    return ExitCode::kUsage;
  }
  if (write && std::find(files.begin(), files.end(), "-") != files.end()) {
    std::cerr << "lexgate: --write cannot rewrite standard input\n";
    return ExitCode::kUsage;
  }
  i18n::Localizer loc(LocaleOf(c));
  bool unformatted = false, bad = false;
  for (const auto& f : files) {
    std::string text;
    int rc = 0;
    if (!ReadInput(f, text, rc)) { code = rc; continue; }
    SourceManager sm;
    uint32_t id = sm.Add(f == "-" ? "<stdin>" : f, text);
    diag::DiagnosticSink sink;
    auto out = syntax::Format(sm, id, sink);
    if (!out) {
      sink.SortStable();
      if (c.diagnostics == "json") std::cerr << diag::RenderJson(sink.all(), sm, &loc);
      else std::cerr << diag::RenderText(sink.all(), sm, isatty(2), &loc);
      bad = true;
      continue;
    }
    if (check) {
      if (*out != text) {
        std::cout << (f == "-" ? "<stdin>" : f) << "\n";
        unformatted = true;
      }
    } else if (write) {
      if (*out != text && !base::WriteFileAtomically(f, *out)) {
        std::cerr << "lexgate: cannot write '" << f << "'\n";
        code = ExitCode::kInternal;
      }
    } else {
      std::cout << *out;
    }
  }
  if (bad) return ExitCode::kBadRules;
  if (code) return code;
  return unformatted ? 1 : 0;
}

}  // namespace

Runner AddFmtCommand(CLI::App& app, Common& common) {
  struct Opts { std::vector<std::string> paths; bool check = false, write = false; };
  auto o = std::make_shared<Opts>();
  auto* sub = app.add_subcommand("fmt", HelpText("fmt"));
  sub->footer(std::string("Examples:\n"
                          "  lexgate fmt rulesets/schema.gate            # print the formatted file\n"
                          "  lexgate fmt --check rulesets jurisdictions  # list files that are not formatted\n"
                          "  lexgate fmt --write rulesets jurisdictions  # rewrite them in place\n\n") +
              kFmtExitHelp);
  sub->add_option("paths", o->paths, ".gate files or directories (searched for *.gate); - for standard input")
      ->required();
  auto* chk = sub->add_flag("--check", o->check, "list the files that are not formatted; exit 1 if there are any");
  sub->add_flag("-w,-i,--write", o->write, "rewrite the files in place (atomically) instead of printing")->excludes(chk);
  sub->add_option("--diagnostics", common.diagnostics, "how syntax errors are printed")
      ->check(CLI::IsMember({"text", "json"}));
  sub->add_option("--locale", common.locale, "locale for messages, e.g. zh_CN, en, de (default: LC_ALL/LANG)");
  return [sub, o, &common]() { return sub->parsed() ? Fmt(common, o->paths, o->check, o->write) : -1; };
}

}  // namespace lexgate::cli
