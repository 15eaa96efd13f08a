// lexgate audit verify | export: the state file's hash-chained audit log. verify names the first entry
// that was altered, removed or reordered (exit 0 intact, 1 not); export writes it as JSON lines.
#include <iostream>

#include "common.h"
#include "i18n/localizer.h"
#include "state_cli.h"

namespace lexgate::cli {

namespace {

int Verify(const Common& c, const std::string& state_path) {
  auto opened = state::Store::Open(state_path, state::OpenMode::ReadOnly);
  if (!opened.ok()) return StateExit(opened.status);
  auto rep = opened.value->VerifyAudit();
  if (!rep.ok()) return StateExit(rep.status);
  i18n::Localizer loc(LocaleOf(c));
  if (rep.value.intact) {
    std::cout << loc.Format("state/audit_intact", {{"count", icu::Formattable(static_cast<int64_t>(rep.value.entries))}}) << "\n";
    return 0;
  }
  std::cout << loc.Format("state/audit_broken", {{"seq", icu::Formattable(icu::UnicodeString::fromUTF8(std::to_string(rep.value.first_bad_seq)))},
                                                 {"problem", icu::Formattable(icu::UnicodeString::fromUTF8(rep.value.problem))}})
            << "\n";
  std::cerr << "lexgate: " << rep.value.message << "\n";
  return 1;
}

int Export(const std::string& state_path) {
  auto opened = state::Store::Open(state_path, state::OpenMode::ReadOnly);
  if (!opened.ok()) return StateExit(opened.status);
  if (auto s = opened.value->ExportAudit(std::cout); !s.ok()) return StateExit(s);
  return 0;
}

}  // namespace

Runner AddAuditCommand(CLI::App& app, Common& common) {
  auto path = std::make_shared<std::string>();
  auto* sub = app.add_subcommand("audit", HelpText("audit"));
  sub->require_subcommand(1);
  auto* verify = sub->add_subcommand("verify", "check the hash chain; exit 0 intact, 1 altered/removed/reordered");
  verify->footer("Example:\n  lexgate audit verify --state lexgate.db\n");
  verify->add_option("--state", *path, "the state file, or a postgresql:// URI")->required();
  AddCommonOptions(verify, common);
  auto* exp = sub->add_subcommand("export", "write the audit log as JSON lines to standard output");
  exp->footer("Example:\n  lexgate audit export --state lexgate.db > audit.jsonl\n");
  exp->add_option("--state", *path, "the state file, or a postgresql:// URI")->required();
  AddCommonOptions(exp, common);
  return [sub, verify, exp, path, &common]() {
    if (!sub->parsed()) return -1;
    return verify->parsed() ? Verify(common, *path) : Export(*path);
  };
}

}  // namespace lexgate::cli
