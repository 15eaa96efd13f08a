#include "syntax/ast.h"

namespace lexgate::ast {

std::string Dump(const Expr& e) {
  static const char* const kNames[] = {"or", "and", "not", "cmp", "in", "not_in", "add", "sub", "neg", "some",
                                       "call", "since", "last", "set", "int", "decimal", "string", "date", "bool",
                                       "jurisdiction", "duration", "path"};
  std::string s = "(";
  s += kNames[static_cast<int>(e.kind)];
  if (!e.op.empty()) s += " " + e.op;
  if (!e.name.empty()) s += " " + e.name;
  if (e.kind == ExprKind::Path)
    for (size_t i = 0; i < e.path.size(); ++i) s += (i ? "." : " ") + e.path[i].text;
  if (e.kind == ExprKind::Int || e.kind == ExprKind::Decimal || e.kind == ExprKind::Date || e.kind == ExprKind::Bool ||
      e.kind == ExprKind::Duration || e.kind == ExprKind::Last)
    s += " " + std::to_string(e.ival);
  if (!e.text.empty()) s += " \"" + e.text + "\"";
  for (auto& k : e.kids) s += " " + (k ? Dump(*k) : std::string("null"));
  return s + ")";
}

}  // namespace lexgate::ast

namespace lexgate::ast {

namespace {

std::string Names(const std::vector<Name>& v) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) s += (i ? "." : "") + v[i].text;
  return s;
}
std::string Texts(const std::vector<LocalisedText>& v) {
  std::string s;
  for (const auto& t : v) s += " " + t.locale + "=\"" + t.text + "\"";
  return s;
}
std::string Ref(const RuleRef& r) { return (r.ruleset.empty() ? "" : r.ruleset + "/") + r.rule.text; }
std::string E(const ExprPtr& e) { return e ? Dump(*e) : "-"; }

}  // namespace

std::string DumpFile(const File& f) {
  std::string s;
  for (const auto& r : f.rulesets) {
    s += "ruleset " + r.id.text + Texts(r.title);
    if (r.authority) s += " authority=" + r.authority->text;
    if (r.jurisdiction) s += " jurisdiction=" + r.jurisdiction->text;
    if (r.force) s += " force=" + r.force->text;
    if (r.calendar) s += " calendar=" + r.calendar->text;
    if (r.effective) s += " effective=" + std::to_string(*r.effective);
    if (r.expires) s += " expires=" + std::to_string(*r.expires);
    s += std::string(" binding=") + (r.binding ? "1" : "0") + " source=\"" + r.source + "\" version=\"" + r.version + "\"";
    if (r.applies_kind) s += " applies=" + r.applies_kind->text + " where " + E(r.applies_where);
    s += "\n";
  }
  for (const auto& r : f.rules) {
    s += "rule " + r.name.text + " ruleset=" + std::to_string(r.ruleset);
    for (const auto& x : r.exception_to) s += " exception_to=" + Ref(x);
    if (r.cite) {
      s += " cite=\"" + r.cite->instrument + "\"";
      for (const auto& p : r.cite->parts) s += " " + p.kind + "=" + p.number;
    }
    s += "\n  when " + E(r.when);
    if (r.then) {
      s += "\n  then " + std::to_string(static_cast<int>(r.then->modality)) + "/" +
           std::to_string(static_cast<int>(r.then->mode)) + " " ;
      for (const auto& a : r.then->actions) s += a.text + ",";
      for (const auto& t : r.then->timings)
        s += " timing " + std::to_string(t.kind) + " " + Names(t.anchor) + " " + std::to_string(t.duration.n) +
             t.duration.unit + (t.unadjusted ? " unadjusted" : "");
    }
    s += "\n  satisfied " + E(r.satisfied) + "\n  says" + Texts(r.says);
    for (const auto& [n, e] : r.message_args) s += "\n  with " + n.text + "=" + E(e);
    s += "\n";
  }
  for (const auto& t : f.tests) {
    s += "test \"" + t.name + "\"";
    if (t.as_of) s += " as_of=" + std::to_string(*t.as_of);
    if (t.case_value) s += " case=" + t.case_value->dump();
    for (const auto& e : t.expects)
      s += "\n  expect " + std::to_string(e.kind) + " " + e.word + " " + Ref(e.rule) + " " + Names(e.path) + " " +
           std::to_string(e.date);
    s += "\n";
  }
  for (const auto& r : f.records) {
    s += (r.is_schema ? "schema" : "record " + r.name.text) + ":";
    for (const auto& fd : r.fields) s += " " + fd.name.text + "=" + (fd.type.list ? "list of " : "") + fd.type.name.text;
    s += "\n";
  }
  for (const auto& e : f.enums) s += "enum " + e.name.text + " " + Names(e.values) + "\n";
  for (const auto& a : f.actions) s += "action " + Names(a.names) + "\n";
  for (const auto& ev : f.events) {
    s += "event";
    for (size_t i = 0; i < ev.names.size(); ++i)
      s += " " + ev.names[i].text + "=" + (i < ev.bindings.size() ? Names(ev.bindings[i]) : "");
    s += "\n";
  }
  for (const auto& j : f.jurisdictions)
    s += "jurisdiction " + j.code.text + " in=" + (j.parent ? j.parent->text : "") + Texts(j.names) + "\n";
  for (const auto& g : f.groups) {
    s += "group " + g.name.text + Texts(g.names);
    for (const auto& m : g.members)
      s += " {" + m.ref.text + " " + std::to_string(m.from.value_or(0)) + " " + std::to_string(m.until.value_or(0)) +
           " \"" + m.note + "\"}";
    s += "\n";
  }
  for (const auto& c : f.calendars) {
    s += "calendar " + c.name.text + Texts(c.names) + " weekend=" + Names(c.weekend) +
         " zone=" + (c.zone ? c.zone->text : "");
    for (const auto& y : c.years) {
      s += "\n  year " + std::to_string(y.year) + " \"" + y.notice + "\"";
      for (const auto& d : y.holidays) s += "\n    holiday" + Texts(d.names) + " " + std::to_string(d.from) + "-" + std::to_string(d.to);
      for (const auto& d : y.workdays) s += "\n    workday" + Texts(d.names) + " " + std::to_string(d.from);
    }
    s += "\n";
  }
  return s;
}

}  // namespace lexgate::ast

namespace lexgate::ast {

namespace {

struct SpanDump {
  std::string s;
  void Sp(const Span& x) {
    s += " " + std::to_string(x.file) + ":" + std::to_string(x.begin) + "-" + std::to_string(x.end) + "@" +
         std::to_string(x.line) + ":" + std::to_string(x.col);
  }
  void N(const Name& n) { s += " " + n.text; Sp(n.span); }
  void N(const std::optional<Name>& n) { if (n) N(*n); else s += " -"; }
  void Ns(const std::vector<Name>& v) { for (const auto& n : v) N(n); s += ";"; }
  void T(const std::vector<LocalisedText>& v) { for (const auto& t : v) { s += " " + t.locale; Sp(t.span); } s += ";"; }
  void R(const RuleRef& r) { s += " ref " + r.ruleset; Sp(r.span); N(r.rule); }
  void E(const ExprPtr& e) {
    if (!e) { s += " ()"; return; }
    s += " (";
    Sp(e->span);
    Ns(e->path);
    for (const auto& k : e->kids) E(k);
    s += ")";
  }
};

}  // namespace

std::string DumpFileSpans(const File& f) {
  SpanDump d;
  for (const auto& r : f.rulesets) {
    d.s += "ruleset";
    d.Sp(r.span), d.N(r.id), d.T(r.title), d.N(r.authority), d.N(r.jurisdiction), d.N(r.force), d.N(r.calendar);
    d.Sp(r.effective_span), d.Sp(r.expires_span), d.N(r.applies_kind), d.E(r.applies_where);
    d.s += "\n";
  }
  for (const auto& r : f.rules) {
    d.s += "rule";
    d.Sp(r.span), d.N(r.name);
    for (const auto& x : r.exception_to) d.R(x);
    if (r.cite) d.Sp(r.cite->span);
    d.E(r.when);
    if (r.then) {
      d.Sp(r.then->span), d.Ns(r.then->actions);
      for (const auto& t : r.then->timings) d.Sp(t.span), d.Ns(t.anchor), d.Sp(t.duration.span);
    }
    d.E(r.satisfied), d.T(r.says);
    for (const auto& [n, e] : r.message_args) d.N(n), d.E(e);
    d.s += "\n";
  }
  for (const auto& t : f.tests) {
    d.s += "test";
    d.Sp(t.span), d.Sp(t.case_span);
    for (const auto& e : t.expects) d.Sp(e.span), d.R(e.rule), d.Ns(e.path);
    d.s += "\n";
  }
  for (const auto& r : f.records) {
    d.s += "record";
    d.Sp(r.span), d.N(r.name);
    for (const auto& fd : r.fields) d.N(fd.name), d.N(fd.type.name);
    d.s += "\n";
  }
  for (const auto& e : f.enums) d.s += "enum", d.Sp(e.span), d.N(e.name), d.Ns(e.values), d.s += "\n";
  for (const auto* v : {&f.actions, &f.events})
    for (const auto& a : *v) {
      d.s += "names";
      d.Sp(a.span), d.Ns(a.names);
      for (const auto& b : a.bindings) d.Ns(b);
      d.s += "\n";
    }
  for (const auto& j : f.jurisdictions) d.s += "jurisdiction", d.Sp(j.span), d.N(j.code), d.N(j.parent), d.T(j.names), d.s += "\n";
  for (const auto& g : f.groups) {
    d.s += "group";
    d.Sp(g.span), d.N(g.name), d.T(g.names);
    for (const auto& m : g.members) d.N(m.ref);
    d.s += "\n";
  }
  for (const auto& c : f.calendars) {
    d.s += "calendar";
    d.Sp(c.span), d.N(c.name), d.T(c.names), d.Ns(c.weekend), d.N(c.zone);
    for (const auto& y : c.years) {
      d.Sp(y.span);
      for (const auto& day : y.holidays) d.Sp(day.span), d.T(day.names);
      for (const auto& day : y.workdays) d.Sp(day.span), d.T(day.names);
    }
    d.s += "\n";
  }
  return d.s;
}

}  // namespace lexgate::ast
