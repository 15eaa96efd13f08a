// lexgate jurisdictions: the known jurisdictions (or a group's members as of a date) with their names in
// the user's language from ICU, sorted with the locale's collation (pinyin order for zh, German rules for
// de), columns aligned by display width so CJK names line up.
#include <iostream>

#include "base/date.h"
#include "common.h"
#include "i18n/localizer.h"

namespace lexgate::cli {

namespace {

int Jurisdictions(const Common& c, const std::string& group, const std::string& as_of) {
  int code = 0;
  auto loaded = Load(c, code);
  if (!loaded) return code;
  const check::Project& p = *loaded->program->project;
  i18n::Localizer loc(LocaleOf(c));
  std::optional<int32_t> day;
  if (!ParseDateOption("--as-of", as_of, day)) return ExitCode::kUsage;
  // (name, code) pairs; subdivisions use the names their declaration gives (ICU has none for them).
  auto name_of = [&](const check::Jurisdiction& j) -> std::string {
    if (j.parent < 0) return loc.CountryName(j.code);
    for (const auto& l : loc.chain()) {
      auto it = j.names.find(l);
      if (it == j.names.end()) it = j.names.find(l.substr(0, l.find('_')));
      if (it != j.names.end()) return it->second;
    }
    return j.names.count("en") ? j.names.at("en") : j.code;
  };
  std::vector<std::pair<std::string, std::string>> rows;
  if (!group.empty()) {
    int g = p.FindGroup(group);
    if (g < 0) {
      std::cerr << "lexgate: unknown group '" << group << "'\n";
      return ExitCode::kUsage;
    }
    for (const auto& m : p.groups[g].members) {
      if (day && (*day < m.from || *day > m.until)) continue;
      rows.emplace_back(name_of(p.jurisdictions[m.jurisdiction]), p.jurisdictions[m.jurisdiction].code);
    }
  } else {
    for (const auto& j : p.jurisdictions) rows.emplace_back(name_of(j), j.code);
  }
  i18n::SortCollated(rows, loc.locale());
  size_t width = 0;
  for (const auto& [name, code] : rows) width = std::max(width, i18n::DisplayWidth(name));
  for (const auto& [name, code] : rows)
    std::cout << name << std::string(width - i18n::DisplayWidth(name) + 2, ' ') << code << "\n";
  return 0;
}

}  // namespace

Runner AddJurisdictionsCommand(CLI::App& app, Common& common) {
  struct Opts { std::string group, as_of; };
  auto o = std::make_shared<Opts>();
  auto* sub = app.add_subcommand("jurisdictions", HelpText("jurisdictions"));
  sub->footer("Example:\n  lexgate jurisdictions --group EU --locale zh\n");
  sub->add_option("--group", o->group, "only the members of this group (EU, EEA, EU_ADEQUATE, …)");
  sub->add_option("--as-of", o->as_of, "group membership on this date (YYYY-MM-DD)");
  AddCommonOptions(sub, common);
  AddCacheOption(sub, common);
  return [sub, o, &common]() { return sub->parsed() ? Jurisdictions(common, o->group, o->as_of) : -1; };
}

}  // namespace lexgate::cli
