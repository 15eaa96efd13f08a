#include "eval/render.h"

#include <algorithm>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>

#include "base/date.h"
#include "i18n/localizer.h"

namespace lexgate::eval {

using json = nlohmann::ordered_json;

namespace {

const char* ModalityKey(check::Modality m) {
  switch (m) {
    case check::Modality::Must: return "must";
    case check::Modality::MustNot: return "must_not";
    case check::Modality::Should: return "should";
    case check::Modality::May: return "may";
    case check::Modality::Exempt: return "exempt";
  }
  return "must";
}

const char* StatusName(Status s) {
  switch (s) {
    case Status::Satisfied: return "satisfied";
    case Status::Outstanding: return "outstanding";
    case Status::Unknown: return "unknown";
    case Status::None: return "";
  }
  return "";
}

json Citation(const check::Rule& r) {
  json c = json::object();
  c["instrument"] = r.cite.instrument;
  if (!r.cite.article.empty()) c["article"] = r.cite.article;
  if (!r.cite.paragraph.empty()) c["paragraph"] = r.cite.paragraph;
  if (!r.cite.item.empty()) c["item"] = r.cite.item;
  return c;
}

std::string CitationText(const check::Rule& r, const i18n::Localizer& loc) {
  std::string s = r.cite.instrument;
  auto part = [&](const char* key, const std::string& n) {
    if (!n.empty()) s += " " + loc.Format(key, {{"n", icu::Formattable(icu::UnicodeString::fromUTF8(n))}});
  };
  part("citation/article", r.cite.article);
  part("citation/paragraph", r.cite.paragraph);
  part("citation/item", r.cite.item);
  return s;
}

// A rule's `with` arguments as ICU values: numbers, dates, jurisdiction display names, enum words.
i18n::Args MessageArgs(const ir::Program& prog, const check::Rule& rule, const Finding& f, const i18n::Localizer& loc) {
  const check::Project& p = *prog.project;
  i18n::Args args;
  for (size_t i = 0; i < rule.message_args.size() && i < f.message_args.size(); ++i) {
    const auto& [name, expr] = rule.message_args[i];
    const ir::Val& v = f.message_args[i];
    const check::Type& t = expr->type;
    icu::Formattable value;
    switch (t.kind) {
      case check::TypeKind::Int:
      case check::TypeKind::Count: value = icu::Formattable(static_cast<int64_t>(v.lo)); break;
      case check::TypeKind::Decimal: value = icu::Formattable(static_cast<double>(v.lo) / 1e6); break;
      case check::TypeKind::Date:
        if (!v.known) continue;
        value = i18n::DateArg(static_cast<int32_t>(v.lo));
        break;
      case check::TypeKind::Jurisdiction:
        if (!v.known) continue;
        value = icu::Formattable(icu::UnicodeString::fromUTF8(loc.CountryName(p.jurisdictions[v.lo].code)));
        break;
      case check::TypeKind::Enum:
        if (!v.known) continue;
        value = icu::Formattable(icu::UnicodeString::fromUTF8(p.enums[t.id].values[v.lo]));
        break;
      case check::TypeKind::Bool:
        if (!v.known) continue;
        value = icu::Formattable(icu::UnicodeString(v.lo ? "true" : "false"));
        break;
      default: continue;
    }
    args.emplace_back(name, value);
  }
  return args;
}

std::string Message(const ir::Program& prog, const check::Rule& rule, const Finding* f, const i18n::Localizer& loc) {
  for (const auto& l : loc.chain()) {
    auto it = rule.messages.find(l);
    if (it == rule.messages.end()) continue;
    i18n::Args args = f ? MessageArgs(prog, rule, *f, loc) : i18n::Args{};
    std::string text = loc.FormatPattern(it->second, args);
    // A Traditional-script reader given a message written in Simplified (`zh`) gets it converted.
    if ((l == "zh" || l == "zh_Hans") && std::string(loc.locale().getScript()) == "Hant") text = i18n::ToTraditional(text);
    return text;
  }
  return rule.id;
}

std::string Period(const i18n::Localizer& loc, int64_t n, const std::string& unit, bool before = false) {
  return loc.Format((before ? "unit_before/" : "unit/") + unit, {{"n", icu::Formattable(static_cast<int64_t>(n))}});
}

std::string TimingText(const i18n::Localizer& loc, const check::Timing& t, const std::string& anchor) {
  icu::Formattable a(icu::UnicodeString::fromUTF8(anchor));
  switch (t.kind) {
    case ast::Timing::Before: return loc.Format("text/timing_before", {{"anchor", a}});
    case ast::Timing::BeforeMinus:
      return loc.Format("text/timing_before_minus", {{"anchor", a}, {"period", icu::Formattable(icu::UnicodeString::fromUTF8(Period(loc, t.n, t.unit, true)))}});
    case ast::Timing::Within:
      return loc.Format("text/timing_within", {{"anchor", a}, {"period", icu::Formattable(icu::UnicodeString::fromUTF8(Period(loc, t.n, t.unit)))}});
  }
  return "";
}

icu::Formattable Str(const std::string& s) { return icu::Formattable(icu::UnicodeString::fromUTF8(s)); }

std::string Question(const i18n::Localizer& loc, const std::string& fact) {
  return loc.Format("text/question", {{"fact", Str(fact)}});
}

// Opening the bundles for a locale is costly: one Localizer per thread and locale is kept.
const i18n::Localizer& LocalizerFor(const std::string& locale) {
  thread_local std::map<std::string, std::unique_ptr<i18n::Localizer>> cache;
  auto& slot = cache[locale];
  if (!slot) slot = std::make_unique<i18n::Localizer>(locale);
  return *slot;
}

}  // namespace

json CitationJson(const check::Rule& rule) { return Citation(rule); }
std::string CitationText(const check::Rule& rule, const std::string& locale) { return CitationText(rule, LocalizerFor(locale)); }

std::string RuleMessage(const check::Rule& rule, const std::string& locale) {
  i18n::Localizer loc(locale);
  for (const auto& l : loc.chain()) {
    auto it = rule.messages.find(l);
    if (it != rule.messages.end()) return loc.FormatPattern(it->second, {});
  }
  return rule.id;
}

std::string RenderJson(const ir::Program& prog, const Decision& d, const RenderOptions& o) {
  const check::Project& p = *prog.project;
  const i18n::Localizer& loc = LocalizerFor(o.locale);
  json j;
  j["case"] = d.case_id;
  j["verdict"] = VerdictName(d.verdict);
  j["as_of"] = FormatDate(d.as_of);
  if (!o.history_source.empty()) j["history_source"] = o.history_source;
  json findings = json::array();
  for (const auto& f : d.findings) {
    const auto& r = p.rules[f.rule];
    const auto& rs = p.rulesets[r.ruleset];
    json x;
    x["rule"] = r.id;
    x["modality"] = ModalityKey(r.modality);
    x["binding"] = rs.binding;
    json acts = json::array();
    for (int a : r.actions) acts.push_back(p.actions[a]);
    x["actions"] = json{{r.mode == check::ActionMode::OneOf ? "one_of" : "all_of", acts}};
    if (!r.timings.empty()) {
      json timing = json::object();
      for (size_t i = 0; i < r.timings.size(); ++i) {
        const auto& t = r.timings[i];
        if (t.kind == ast::Timing::Within) {
          timing["within"] = std::to_string(t.n) + " " + t.unit;
          timing["after"] = t.anchor_text;
        } else {
          timing["before"] = t.anchor_text;
          if (t.kind == ast::Timing::BeforeMinus) timing["minus"] = std::to_string(t.n) + " " + t.unit;
        }
        if (i < f.due.size() && f.due[i]) {
          if (!f.due[i]->anchor.empty() && t.kind == ast::Timing::Within) timing["after"] = f.due[i]->anchor;
          if (!f.due[i]->anchor.empty() && t.kind != ast::Timing::Within) timing["before"] = f.due[i]->anchor;
          timing["due"] = FormatDate(f.due[i]->date);
          if (rs.calendar >= 0 && t.unit == "working_days") timing["calendar"] = p.calendars[rs.calendar].name;
          if (!f.due[i]->unpublished_years.empty()) {
            json ys = json::array();
            for (int y : f.due[i]->unpublished_years) ys.push_back(y);
            timing["calendar_unpublished_years"] = ys;
          }
        }
      }
      x["timing"] = timing;
    }
    x["applies"] = f.applies == Tri::True ? "yes" : "unknown";
    if (r.modality == check::Modality::Must) x["status"] = StatusName(f.status);
    if (!f.satisfied_by.empty()) x["satisfied_by"] = f.satisfied_by;
    if (f.governed_by >= 0) {
      x["governed_by"] = p.rules[f.governed_by].id;
      x["precedence"] = f.reason;
    }
    x["jurisdiction"] = rs.jurisdiction >= 0 ? p.jurisdictions[rs.jurisdiction].code : rs.group >= 0 ? p.groups[rs.group].name : "";
    x["authority"] = rs.authority;
    x["force"] = rs.force;
    x["citation"] = Citation(r);
    x["message"] = Message(prog, r, &f, loc);
    findings.push_back(x);
  }
  j["findings"] = findings;
  json exempted = json::array();
  for (const auto& e : d.exempted)
    exempted.push_back(json{{"rule", p.rules[e.rule].id}, {"by", p.rules[e.by].id}, {"citation", Citation(p.rules[e.by])}});
  j["exempted"] = exempted;
  json overridden = json::array();
  for (const auto& e : d.overridden)
    overridden.push_back(json{{"rule", p.rules[e.rule].id}, {"by", p.rules[e.by].id}, {"reason", e.reason}});
  j["overridden"] = overridden;
  json missing = json::array();
  for (const auto& m : d.missing) {
    json asked = json::array();
    for (int r : m.asked_by) asked.push_back(p.rules[r].id);
    missing.push_back(json{{"fact", m.fact}, {"asked_by", asked}, {"decides", m.decides_verdict ? "verdict" : "obligations"},
                           {"question", Question(loc, m.fact)}});
  }
  j["missing"] = missing;
  json rulesets = json::array();
  for (const auto& u : d.rulesets) {
    const auto& rs = p.rulesets[u.ruleset];
    rulesets.push_back(json{{"id", rs.id}, {"version", rs.version}, {"sha256", rs.sha256}, {"state", u.state}});
  }
  j["rulesets"] = rulesets;
  return j.dump(o.compact ? -1 : 2, ' ', false, json::error_handler_t::replace) + "\n";
}

std::string RenderText(const ir::Program& prog, const Decision& d, const RenderOptions& o) {
  const check::Project& p = *prog.project;
  const i18n::Localizer& loc = LocalizerFor(o.locale);
  auto bold = [&](const std::string& s) { return o.color ? "\x1b[1m" + s + "\x1b[0m" : s; };
  std::string verdict = loc.Text(std::string("verdict/") + VerdictName(d.verdict));
  if (o.color) {
    const char* c = d.verdict == Verdict::Permitted ? "\x1b[1;32m" : d.verdict == Verdict::Prohibited ? "\x1b[1;31m" : "\x1b[1;33m";
    verdict = c + verdict + "\x1b[0m";
  }
  std::string out = loc.Format("text/case_line", {{"id", Str(d.case_id.empty() ? loc.Text("text/no_id") : d.case_id)},
                                                  {"verdict", Str(verdict)},
                                                  {"date", i18n::DateArg(d.as_of)}}) + "\n";
  if (!d.findings.empty()) out += "\n" + bold(loc.Text("heading/findings")) + "\n";
  // One case can engage several legal orders (China, the EU, the US): their findings are grouped under
  // each one's name; a decision under one legal order needs no heading.
  std::vector<int32_t> orders;
  for (const auto& f : d.findings) {
    int32_t o2 = prog.ruleset_legal_order[p.rules[f.rule].ruleset];
    if (std::find(orders.begin(), orders.end(), o2) == orders.end()) orders.push_back(o2);
  }
  auto order_name = [&](int32_t order) -> std::string {
    if (order >= 0) return loc.CountryName(p.jurisdictions[order].code) + " (" + p.jurisdictions[order].code + ")";
    if (order <= -2) {
      const auto& g = p.groups[-2 - order];
      for (const auto& l : loc.chain()) {
        auto it = g.names.find(l);
        if (it == g.names.end()) it = g.names.find(l.substr(0, l.find('_')));
        if (it != g.names.end()) return it->second + " (" + g.name + ")";
      }
      return g.name;
    }
    return "—";
  };
  for (int32_t order : orders) {
  if (orders.size() > 1) out += " " + bold(order_name(order)) + "\n";
  for (const auto& f : d.findings) {
    if (prog.ruleset_legal_order[p.rules[f.rule].ruleset] != order) continue;
    const auto& r = p.rules[f.rule];
    const auto& rs = p.rulesets[r.ruleset];
    std::string acts;
    for (size_t i = 0; i < r.actions.size(); ++i) {
      if (i) acts += r.mode == check::ActionMode::OneOf ? " | " : " + ";
      acts += p.actions[r.actions[i]];
    }
    std::string line = "  " + loc.Text(std::string("modality/") + ModalityKey(r.modality)) + " " + acts;
    for (size_t i = 0; i < r.timings.size(); ++i) {
      std::string anchor = i < f.due.size() && f.due[i] && !f.due[i]->anchor.empty() ? f.due[i]->anchor : r.timings[i].anchor_text;
      line += loc.Text("punct/list") + TimingText(loc, r.timings[i], anchor);
      if (i < f.due.size() && f.due[i])
        line += loc.Format("punct/paren", {{"x", Str(loc.Format("text/due", {{"date", i18n::DateArg(f.due[i]->date)}}))}});
    }
    if (r.modality == check::Modality::Must) {
      if (f.status == Status::Satisfied && !f.satisfied_by.empty())
        line += " — " + loc.Format("text/satisfied_by", {{"path", Str(f.satisfied_by)}});
      else
        line += " — " + loc.Text(std::string("status/") + StatusName(f.status));
    }
    if (f.applies == Tri::Unknown && f.status != Status::Satisfied) line += " — " + loc.Text("text/applies_unknown");
    if (!rs.binding) line += " — " + loc.Text("text/advice");
    out += line + "\n";
    out += "      " + r.id + " · " + CitationText(r, loc) + "\n";
    if (f.governed_by >= 0)
      out += "      " + loc.Format("text/governed_by", {{"rule", Str(p.rules[f.governed_by].id)},
                                                        {"reason", Str(loc.Text("reason/" + f.reason))}}) + "\n";
    std::string msg = Message(prog, r, &f, loc);
    if (msg != r.id) out += "      " + msg + "\n";
  }
  }
  if (!d.exempted.empty()) {
    out += "\n" + bold(loc.Text("heading/exempted")) + "\n";
    for (const auto& e : d.exempted)
      out += "  " + p.rules[e.rule].id + " ← " + p.rules[e.by].id + " · " + CitationText(p.rules[e.by], loc) + "\n";
  }
  std::string rs_notes;
  for (const auto& u : d.rulesets) {
    const auto& rs = p.rulesets[u.ruleset];
    if (u.state == "not_in_force")
      rs_notes += "  " + loc.Format("text/not_in_force", {{"ruleset", Str(rs.id)}, {"date", i18n::DateArg(rs.effective)}}) + "\n";
    else if (u.state == "expired")
      rs_notes += "  " + loc.Format("text/expired", {{"ruleset", Str(rs.id)}, {"date", i18n::DateArg(rs.expires)}}) + "\n";
    else if (u.state == "unknown")
      rs_notes += "  " + loc.Format("text/ruleset_unknown", {{"ruleset", Str(rs.id)}}) + "\n";
  }
  if (!rs_notes.empty()) out += "\n" + bold(loc.Text("heading/rulesets")) + "\n" + rs_notes;
  if (!d.missing.empty()) {
    out += "\n" + bold(loc.Text("heading/missing")) + "\n";
    for (const auto& m : d.missing) {
      std::string rules;
      for (size_t i = 0; i < m.asked_by.size(); ++i) rules += (i ? loc.Text("punct/list") : "") + p.rules[m.asked_by[i]].id;
      out += "  " + loc.Format("text/missing_line", {{"fact", Str(m.fact)},
                                                      {"what", Str(m.decides_verdict ? "verdict" : "obligations")},
                                                      {"rules", Str(rules)}}) + "\n";
    }
  }
  return out;
}

}  // namespace lexgate::eval
