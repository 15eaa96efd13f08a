#include "eval/render.h"

#include <unicode/locid.h>
#include <unicode/msgfmt.h>
#include <unicode/uloc.h>

#include <nlohmann/json.hpp>

#include "base/date.h"

namespace lexgate::eval {

using json = nlohmann::ordered_json;

namespace {

const char* ModalityName(check::Modality m) {
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

// The locale chain: zh_Hant_TW → zh_Hant → zh, with zh_CN/zh_SG read as zh_Hans and zh_TW/HK/MO as zh_Hant.
std::vector<std::string> Chain(const std::string& requested) {
  std::vector<std::string> out;
  icu::Locale loc = icu::Locale::createCanonical(requested.c_str());
  UErrorCode st = U_ZERO_ERROR;
  icu::Locale max = loc;
  max.addLikelySubtags(st);
  std::string name = loc.getName();
  if (std::string(loc.getLanguage()) == "zh" && std::string(loc.getScript()).empty() && U_SUCCESS(st) && *max.getScript()) {
    std::string withScript = std::string("zh_") + max.getScript();
    if (*loc.getCountry()) out.push_back(withScript + "_" + loc.getCountry());
    name = withScript;
  }
  char buf[ULOC_FULLNAME_CAPACITY];
  std::string cur = name;
  while (!cur.empty()) {
    out.push_back(cur);
    UErrorCode s2 = U_ZERO_ERROR;
    int32_t len = uloc_getParent(cur.c_str(), buf, sizeof buf, &s2);
    if (U_FAILURE(s2) || len <= 0 || std::string(buf, static_cast<size_t>(len)) == cur) break;
    cur.assign(buf, static_cast<size_t>(len));
  }
  out.push_back("en");
  return out;
}

std::string Format(const std::string& pattern, const std::string& locale) {
  UErrorCode st = U_ZERO_ERROR;
  icu::MessageFormat mf(icu::UnicodeString::fromUTF8(pattern), icu::Locale(locale.c_str()), st);
  if (U_FAILURE(st)) return pattern;
  icu::UnicodeString out;
  icu::FieldPosition fp;
  mf.format(static_cast<const icu::Formattable*>(nullptr), 0, out, fp, st);
  if (U_FAILURE(st)) return pattern;
  std::string s;
  out.toUTF8String(s);
  return s;
}

std::string TimingText(const check::Timing& t) {
  std::string dur = std::to_string(t.n) + " " + t.unit;
  switch (t.kind) {
    case ast::Timing::Before: return "before " + t.anchor_text;
    case ast::Timing::BeforeMinus: return "before " + t.anchor_text + " - " + dur;
    case ast::Timing::Within: return "within " + dur + " after " + t.anchor_text;
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

std::string CitationText(const check::Rule& r) {
  std::string s = r.cite.instrument;
  if (!r.cite.article.empty()) s += " art " + r.cite.article;
  if (!r.cite.paragraph.empty()) s += " para " + r.cite.paragraph;
  if (!r.cite.item.empty()) s += " item " + r.cite.item;
  return s;
}

}  // namespace

std::string RuleMessage(const check::Rule& rule, const std::string& locale) {
  for (const auto& l : Chain(locale)) {
    auto it = rule.messages.find(l);
    if (it != rule.messages.end()) return Format(it->second, l);
  }
  return rule.id;
}

std::string RenderJson(const ir::Program& prog, const Decision& d, const RenderOptions& o) {
  const check::Project& p = *prog.project;
  json j;
  j["case"] = d.case_id;
  j["verdict"] = VerdictName(d.verdict);
  j["as_of"] = FormatDate(d.as_of);
  json findings = json::array();
  for (const auto& f : d.findings) {
    const auto& r = p.rules[f.rule];
    const auto& rs = p.rulesets[r.ruleset];
    json x;
    x["rule"] = r.id;
    x["modality"] = ModalityName(r.modality);
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
          if (!f.due[i]->anchor.empty() && t.kind == ast::Timing::BeforeMinus) timing["before"] = f.due[i]->anchor;
          timing["due"] = FormatDate(f.due[i]->date);
          if (rs.calendar >= 0) timing["calendar"] = p.calendars[rs.calendar].name;
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
    x["jurisdiction"] = rs.jurisdiction >= 0 ? p.jurisdictions[rs.jurisdiction].code : "";
    x["authority"] = rs.authority;
    x["force"] = rs.force;
    x["citation"] = Citation(r);
    x["message"] = RuleMessage(r, o.locale);
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
    missing.push_back(json{{"fact", m.fact}, {"asked_by", asked}, {"decides", m.decides_verdict ? "verdict" : "obligations"}});
  }
  j["missing"] = missing;
  json rulesets = json::array();
  for (const auto& u : d.rulesets) {
    const auto& rs = p.rulesets[u.ruleset];
    rulesets.push_back(json{{"id", rs.id}, {"version", rs.version}, {"state", u.state}});
  }
  j["rulesets"] = rulesets;
  return j.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

std::string RenderText(const ir::Program& prog, const Decision& d, const RenderOptions& o) {
  const check::Project& p = *prog.project;
  auto bold = [&](const std::string& s) { return o.color ? "\x1b[1m" + s + "\x1b[0m" : s; };
  std::string verdict = VerdictName(d.verdict);
  if (o.color) {
    const char* c = d.verdict == Verdict::Permitted ? "\x1b[1;32m" : d.verdict == Verdict::Prohibited ? "\x1b[1;31m" : "\x1b[1;33m";
    verdict = c + verdict + "\x1b[0m";
  }
  std::string out = "case " + (d.case_id.empty() ? std::string("(no id)") : d.case_id) + ": " + verdict +
                    " (as of " + FormatDate(d.as_of) + ")\n";
  if (!d.findings.empty()) out += "\n" + bold("findings") + "\n";
  for (const auto& f : d.findings) {
    const auto& r = p.rules[f.rule];
    const auto& rs = p.rulesets[r.ruleset];
    std::string acts;
    for (size_t i = 0; i < r.actions.size(); ++i) {
      if (i) acts += r.mode == check::ActionMode::OneOf ? " | " : " + ";
      acts += p.actions[r.actions[i]];
    }
    std::string line = "  " + std::string(ModalityName(r.modality)) + " " + acts;
    for (size_t i = 0; i < r.timings.size(); ++i) {
      check::Timing shown;
      shown.kind = r.timings[i].kind;
      shown.n = r.timings[i].n;
      shown.unit = r.timings[i].unit;
      shown.anchor_text = i < f.due.size() && f.due[i] && !f.due[i]->anchor.empty() ? f.due[i]->anchor : r.timings[i].anchor_text;
      line += ", " + TimingText(shown);
      if (i < f.due.size() && f.due[i]) line += " (due " + FormatDate(f.due[i]->date) + ")";
    }
    if (r.modality == check::Modality::Must) {
      line += " — " + std::string(StatusName(f.status));
      if (!f.satisfied_by.empty()) line += " by " + f.satisfied_by;
    }
    if (f.applies == Tri::Unknown && f.status != Status::Satisfied) line += " — applies if the missing facts say so";
    if (!rs.binding) line += " — advice (non-binding)";
    out += line + "\n";
    out += "      " + r.id + " · " + CitationText(r) + "\n";
    if (f.governed_by >= 0) out += "      governed by " + p.rules[f.governed_by].id + " (" + f.reason + ")\n";
    std::string msg = RuleMessage(r, o.locale);
    if (msg != r.id) out += "      " + msg + "\n";
  }
  if (!d.exempted.empty()) {
    out += "\n" + bold("exempted") + "\n";
    for (const auto& e : d.exempted)
      out += "  " + p.rules[e.rule].id + " by " + p.rules[e.by].id + " · " + CitationText(p.rules[e.by]) + "\n";
  }
  std::string rs_notes;
  for (const auto& u : d.rulesets) {
    const auto& rs = p.rulesets[u.ruleset];
    if (u.state == "not_in_force") rs_notes += "  " + rs.id + " is not yet in force (effective " + FormatDate(rs.effective) + ")\n";
    else if (u.state == "expired") rs_notes += "  " + rs.id + " expired on " + FormatDate(rs.expires) + "\n";
    else if (u.state == "unknown") rs_notes += "  " + rs.id + " may apply: it depends on the missing facts\n";
  }
  if (!rs_notes.empty()) out += "\n" + bold("rulesets not applied") + "\n" + rs_notes;
  if (!d.missing.empty()) {
    out += "\n" + bold("missing facts") + "\n";
    for (const auto& m : d.missing) {
      out += "  " + m.fact + " (decides the " + (m.decides_verdict ? "verdict" : "obligations") + "; asked by ";
      for (size_t i = 0; i < m.asked_by.size(); ++i) out += (i ? ", " : "") + p.rules[m.asked_by[i]].id;
      out += ")\n";
    }
  }
  return out;
}

}  // namespace lexgate::eval
