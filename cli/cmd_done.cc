// lexgate done: marks one outstanding obligation of the state file as met; the change is appended to the
// audit log in the same transaction.
#include <ctime>
#include <iostream>

#include "base/date.h"
#include "common.h"
#include "i18n/localizer.h"
#include "state_cli.h"

namespace lexgate::cli {

namespace {

int MarkDone(const Common& c, int64_t id, const std::string& state_path, const std::string& on) {
  int32_t day = static_cast<int32_t>(std::time(nullptr) / 86400);
  if (!on.empty()) {
    auto d = ParseDate(on);
    if (!d) {
      std::cerr << "lexgate: --on '" << on << "' is not a valid date (YYYY-MM-DD)\n";
      return ExitCode::kUsage;
    }
    day = *d;
  }
  auto opened = state::Store::Open(state_path, state::OpenMode::ReadWrite);
  if (!opened.ok()) return StateExit(opened.status);
  bool already = false;
  if (auto s = opened.value->MarkDone(id, day, already); !s.ok()) return StateExit(s);
  i18n::Localizer loc(LocaleOf(c));
  std::cout << loc.Format(already ? "state/already_done" : "state/marked_done",
                          {{"id", icu::Formattable(icu::UnicodeString::fromUTF8(std::to_string(id)))}})
            << "\n";
  return 0;
}

}  // namespace

Runner AddDoneCommand(CLI::App& app, Common& common) {
  struct Opts { int64_t id = 0; std::string state, on; };
  auto o = std::make_shared<Opts>();
  auto* sub = app.add_subcommand("done", HelpText("done"));
  sub->footer("Example:\n  lexgate done 12 --state lexgate.db\n");
  sub->add_option("id", o->id, "the obligation id (as `lexgate due` lists it)")->required()->check(CLI::PositiveNumber);
  sub->add_option("--state", o->state, "the state file, or a postgresql:// URI")->required();
  sub->add_option("--on", o->on, "the date it was met (YYYY-MM-DD; default today)");
  AddCommonOptions(sub, common);
  return [sub, o, &common]() { return sub->parsed() ? MarkDone(common, o->id, o->state, o->on) : -1; };
}

}  // namespace lexgate::cli
