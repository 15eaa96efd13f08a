// The lean batch record (`lexgate batch --format compact`): what a screening pipeline needs from a
// decision, on one line, without localised text or the per-ruleset list. Written straight into the
// caller's buffer: no tree, no intermediate strings.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>
#include <string_view>

#include "base/date.h"
#include "eval/render.h"

namespace lexgate::eval {

namespace {

// "YYYY-MM-DD", as FormatDate writes it (years 0–9999; others through FormatDate). A record holds the
// as-of date and the findings' due dates, which repeat from case to case: the quoted text of recent
// dates is kept per thread in a direct-mapped table (CivilFromDays was ~2 % of a batch; with 64 slots
// a year of case dates and their due dates still missed often).
void Date(std::string& out, int32_t days) {
  struct Slot {
    int32_t days = 0;
    bool used = false;
    char text[12];
  };
  constexpr uint32_t kSlots = 1024;  // 20 KiB per thread
  thread_local Slot table[kSlots];
  Slot& slot = table[static_cast<uint32_t>(days) & (kSlots - 1)];
  if (slot.used && slot.days == days) {
    out.append(slot.text, 12);
    return;
  }
  Ymd c = CivilFromDays(days);
  if (c.year < 0 || c.year > 9999) {
    AppendJsonString(out, FormatDate(days));
    return;
  }
  char b[12] = {'"',
                static_cast<char>('0' + c.year / 1000), static_cast<char>('0' + c.year / 100 % 10),
                static_cast<char>('0' + c.year / 10 % 10), static_cast<char>('0' + c.year % 10), '-',
                static_cast<char>('0' + c.month / 10), static_cast<char>('0' + c.month % 10), '-',
                static_cast<char>('0' + c.day / 10), static_cast<char>('0' + c.day % 10), '"'};
  std::memcpy(slot.text, b, 12);
  slot.days = days;
  slot.used = true;
  out.append(b, 12);
}

void Field(std::string& out, std::string_view key, std::string_view value) {
  out += '"';
  out += key;
  out += "\":";
  AppendJsonString(out, value);
}

// The parts of a record that depend only on the rules, quoted once per thread and project (keyed by
// the project's ownership, so a reloaded project is never mistaken for an earlier one at its address).
struct Fragments {
  std::weak_ptr<const check::Project> project;
  std::vector<std::string> head;     // per rule: {"rule":"<id>","modality":"<m>","applies":"
  // per rule, applies (yes, unknown) and status: the finding's text up to its due dates,
  // {"rule":"<id>","modality":"<m>","applies":"yes"[,"status":"<s>"] (one append per finding, not five)
  std::vector<std::string> open;
  static_assert(static_cast<int>(Status::Unknown) == 3, "open holds 4 statuses per applies");
  std::vector<std::string> cite;     // per rule: ,"cite":"<short citation>"}
  std::vector<std::string> rule;     // per rule: "<id>"
  std::vector<std::string> action;   // per action: "<name>"
  // Per rule: whether it can make actions outstanding (a `must` of a binding ruleset), so that the
  // findings are sorted out without reading their rules (MayAct, read by CollectOutstanding).
  std::vector<uint8_t> may_act;
};

std::string CiteShort(const check::Rule& r);

// Whether rule `r` can make actions outstanding: a `must` of a binding ruleset.
bool MayAct(const check::Project& p, const check::Rule& r) {
  return r.modality == check::Modality::Must && p.rulesets[r.ruleset].binding;
}

// The outstanding actions as Decide() computes them: binding, governing, surely applying, not satisfied;
// none when prohibited. `may_act(rule)` is MayAct's answer for the rule (OutstandingActions asks the
// project; RenderCompact reads the flag it keeps per rule), so both give the same actions.
template <class MayActFn>
[[gnu::always_inline]] inline void CollectOutstanding(const check::Project& p, const Decision& d, MayActFn may_act,
                                                      std::vector<int>& actions) {
  actions.clear();
  if (d.verdict == Verdict::Prohibited) return;
  for (const auto& f : d.findings) {
    if (!may_act(f.rule) || f.governed_by >= 0 || f.applies != Tri::True || f.status == Status::Satisfied) continue;
    for (int a : p.rules[f.rule].actions)
      if (std::find(actions.begin(), actions.end(), a) == actions.end()) actions.push_back(a);
  }
}

const Fragments& FragmentsFor(const ir::Program& prog) {
  thread_local Fragments f;
  const auto& p = prog.project;
  if (!f.project.owner_before(p) && !p.owner_before(f.project) && !f.project.expired() && f.head.size() == p->rules.size() &&
      f.action.size() == p->actions.size())
    return f;
  f = Fragments{};
  f.project = p;
  for (const auto& r : p->rules) {
    std::string h = "{";
    Field(h, "rule", r.id);
    h += ',';
    Field(h, "modality", check::ModalityName(r.modality));
    h += ",\"applies\":\"";
    for (const char* applies : {"yes\"", "unknown\""})
      for (Status st : {Status::None, Status::Satisfied, Status::Outstanding, Status::Unknown}) {
        std::string o = h + applies;
        if (r.modality == check::Modality::Must) {
          o += ",\"status\":\"";
          o += StatusName(st);
          o += '"';
        }
        f.open.push_back(std::move(o));
      }
    f.head.push_back(std::move(h));
    std::string c = ",";
    Field(c, "cite", CiteShort(r));
    c += '}';
    f.cite.push_back(std::move(c));
    std::string q;
    AppendJsonString(q, r.id);
    f.rule.push_back(std::move(q));
    f.may_act.push_back(MayAct(*p, r));
  }
  for (const auto& a : p->actions) {
    std::string q;
    AppendJsonString(q, a);
    f.action.push_back(std::move(q));
  }
  return f;
}

std::string CiteShort(const check::Rule& r) {
  std::string s = r.cite.instrument;
  if (!r.cite.article.empty()) s += " art " + r.cite.article;
  if (!r.cite.paragraph.empty()) s += " para " + r.cite.paragraph;
  if (!r.cite.item.empty()) s += " item " + r.cite.item;
  return s;
}

}  // namespace

std::string CitationShort(const check::Rule& r) { return CiteShort(r); }

std::vector<int> OutstandingActions(const ir::Program& prog, const Decision& d) {
  std::vector<int> actions;
  OutstandingActions(prog, d, actions);
  return actions;
}

void OutstandingActions(const ir::Program& prog, const Decision& d, std::vector<int>& actions) {
  const check::Project& p = *prog.project;
  CollectOutstanding(p, d, [&](int r) { return MayAct(p, p.rules[r]); }, actions);
}

void RenderCompact(const ir::Program& prog, const Decision& d, std::string& out) {
  const Fragments& frag = FragmentsFor(prog);
  out += "{\"case\":";
  AppendJsonString(out, d.case_id);
  out += ",\"verdict\":\"";
  out += VerdictName(d.verdict);
  out += "\",\"as_of\":";
  Date(out, d.as_of);
  out += ",\"actions\":[";
  // OutstandingActions(prog, d, actions), with MayAct read from the fragments.
  thread_local std::vector<int> actions;
  CollectOutstanding(*prog.project, d, [&](int r) { return frag.may_act[r] != 0; }, actions);
  for (size_t i = 0; i < actions.size(); ++i) {
    if (i) out += ',';
    out += frag.action[actions[i]];
  }
  out += "],\"findings\":[";
  for (size_t i = 0; i < d.findings.size(); ++i) {
    const Finding& f = d.findings[i];
    if (i) out += ',';
    out += frag.open[static_cast<size_t>(f.rule) * 8 + (f.applies == Tri::True ? 0 : 4) + static_cast<size_t>(f.status)];
    bool any_due = false;
    for (const auto& due : f.due) {
      if (!due) continue;
      out += any_due ? "," : ",\"due\":[";
      any_due = true;
      Date(out, due->date);
    }
    if (any_due) out += ']';
    if (f.governed_by >= 0) {
      out += ",\"governed_by\":";
      out += frag.rule[f.governed_by];
    }
    out += frag.cite[f.rule];
  }
  out += "],\"missing\":[";
  for (size_t i = 0; i < d.missing.size(); ++i) {
    if (i) out += ',';
    AppendJsonString(out, d.missing[i].fact);
  }
  out += "]}\n";
}

}  // namespace lexgate::eval
