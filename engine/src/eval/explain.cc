#include "eval/explain.h"

#include <algorithm>
#include <map>

#include "base/date.h"
#include "eval/render.h"
#include "i18n/localizer.h"

namespace lexgate::eval {

using check::TypeKind;
using ir::NOp;
using json = nlohmann::ordered_json;

namespace {

// Builds the tree of evaluated nodes from the evaluator's Enter/Leave calls. A node entered again
// inside itself (a logic node asked for as a value) is recorded once.
class TreeTracer : public Tracer {
 public:
  explicit TreeTracer(const ir::Program& prog) : prog_(prog) {}
  void Enter(int32_t node) override {
    if (!stack_.empty() && stack_.back().first.node == node) {
      ++stack_.back().second;
      return;
    }
    TraceNode t;
    t.node = node;
    stack_.push_back({std::move(t), 0});
  }
  void Leave(int32_t, const ir::Val& value) override {
    if (stack_.back().second > 0) {
      --stack_.back().second;
      return;
    }
    TraceNode t = std::move(stack_.back().first);
    t.value = value;
    stack_.pop_back();
    if (stack_.empty()) {
      root_ = std::move(t);
      return;
    }
    TraceNode& parent = stack_.back().first;
    if (prog_.nodes[parent.node].op == NOp::Some && !parent.kids.empty()) t.element = static_cast<int>(parent.kids.size()) - 1;
    parent.kids.push_back(std::move(t));
  }
  TraceNode Take() { return std::move(root_); }

 private:
  const ir::Program& prog_;
  std::vector<std::pair<TraceNode, int>> stack_;
  TraceNode root_;
};

TraceNode Trace(const ir::Program& prog, const Case& c, int32_t node, int32_t as_of) {
  TreeTracer t(prog);
  TraceCondition(prog, c, node, as_of, t);
  return t.Take();
}

// What the explainer needs from one evaluation of the case, shared by every rule explained.
struct Run {
  int32_t as_of;
  Scratch s;
  Decision d;
};

bool Live(const check::Project& p, const Scratch& s, int r) {
  return s.effect[r] != Tri::False && p.rules[r].modality != check::Modality::Exempt;
}

RuleExplanation ExplainWith(const ir::Program& prog, const Case& c, const Run& run, int rule) {
  const check::Project& p = *prog.project;
  const Scratch& s = run.s;
  const auto& r = p.rules[rule];
  RuleExplanation e;
  e.rule = rule;
  e.ruleset_state = RulesetStateName(run.d.rulesets[r.ruleset].state);
  bool in_force = e.ruleset_state != "not_in_force" && e.ruleset_state != "expired";
  if (in_force && prog.ruleset_applies[r.ruleset] >= 0) e.applies = Trace(prog, c, prog.ruleset_applies[r.ruleset], run.as_of);
  e.condition = s.cond[rule];
  Tri rs = s.rs_applies[r.ruleset];
  if (rs != Tri::False && prog.rule_when[rule] >= 0) e.when = Trace(prog, c, prog.rule_when[rule], run.as_of);
  for (int x : r.exceptions) {
    ExceptionExplanation ex;
    ex.rule = x;
    ex.condition = s.cond[x];
    ex.effect = s.effect[x];
    ex.decisive = s.cond[rule] != Tri::False && s.effect[x] != Tri::False;
    if (s.rs_applies[p.rules[x].ruleset] != Tri::False && prog.rule_when[x] >= 0)
      ex.when = Trace(prog, c, prog.rule_when[x], run.as_of);
    e.exceptions.push_back(std::move(ex));
  }
  e.effect = s.effect[rule];
  bool live = Live(p, s, rule);
  if (live && s.governed_by[rule] >= 0) {
    e.governed_by = s.governed_by[rule];
    e.precedence = s.reason[rule] == 1 ? "force" : s.reason[rule] == 2 ? "specificity" : "later";
  }
  for (size_t o = 0; o < p.rules.size(); ++o)
    if (Live(p, s, static_cast<int>(o)) && s.governed_by[o] == rule) e.governs.push_back(static_cast<int>(o));
  if (rs == Tri::False) e.decided_by = "ruleset";
  else if (s.cond[rule] == Tri::False) e.decided_by = "condition";
  else if (s.effect[rule] != s.cond[rule]) e.decided_by = "exception";
  else if (e.governed_by >= 0) e.decided_by = "precedence";
  else e.decided_by = "condition";
  if (live && r.modality == check::Modality::Must) {
    e.status = s.status[rule];
    if (prog.rule_satisfied[rule] >= 0) e.satisfied = Trace(prog, c, prog.rule_satisfied[rule], run.as_of);
  }
  for (const auto& f : run.d.findings)
    if (f.rule == rule) e.finding = f;
  return e;
}

Run Evaluated(const ir::Program& prog, const Case& c, const EvalOptions& opts) {
  Run run{AsOfDate(c, opts), Scratch(prog), Evaluate(prog, c, opts)};
  run.s.every_condition = true;  // explain reads every rule's cond
  Decide(prog, c, opts, run.s);
  return run;
}

// ---------------------------------------------------------------- rendering

const char* TriName(Tri t) { return t == Tri::True ? "true" : t == Tri::False ? "false" : "unknown"; }
Tri TriOf(const ir::Val& v) { return !v.known ? Tri::Unknown : (v.lo ? Tri::True : Tri::False); }

const char* CmpText(int cmp) {
  static const char* ops[] = {"==", "!=", "<", "<=", ">", ">="};
  return cmp >= 0 && cmp < 6 ? ops[cmp] : "?";
}

bool IsInterval(TypeKind k) {
  return k == TypeKind::Int || k == TypeKind::Count || k == TypeKind::Decimal || k == TypeKind::Date || k == TypeKind::Timestamp;
}

// Names the facts under a `some`: the element bound to each variable depth.
struct Binding {
  std::string list_path;  // e.g. safeguards
  int record = -1;        // element record id
  int element = -1;
  int64_t base = 0;       // index of the element's first value in Case::items
};

class Printer {
 public:
  Printer(const ir::Program& prog, const Case& c, const i18n::Localizer& loc)
      : prog_(prog), p_(*prog.project), c_(c), loc_(loc) {}

  std::string Word(const std::string& key) const { return loc_.Text("explain/" + key); }
  std::string Truth(Tri t) const { return Word(TriName(t)); }

  // The type of a node's value, as precisely as the IR knows it (slots know their enum; a constant
  // compared with a slot takes the slot's type).
  check::Type TypeOf(int32_t id, int32_t sibling = -1) const {
    const ir::Node& n = prog_.nodes[id];
    if (n.op == NOp::Slot) {
      if (const ir::SlotInfo* info = SlotOf(n)) return info->type;
    }
    if (n.op == NOp::Const && sibling >= 0 && prog_.nodes[sibling].op != NOp::Const) {
      check::Type t = TypeOf(sibling);
      t.list = false;
      return t;
    }
    return check::Type{n.type, -1, false};
  }

  const ir::SlotInfo* SlotOf(const ir::Node& n) const {
    if (n.var < 0) return &prog_.root.slots[n.slot];
    if (n.var >= static_cast<int>(bind_.size()) || bind_[n.var].record < 0) return nullptr;
    auto it = prog_.elements.find(bind_[n.var].record);
    if (it == prog_.elements.end() || n.slot >= static_cast<int>(it->second.slots.size())) return nullptr;
    return &it->second.slots[n.slot];
  }

  std::string FactPath(const ir::Node& n) const {
    const ir::SlotInfo* info = SlotOf(n);
    if (n.var < 0) return info->path;
    std::string prefix = n.var < static_cast<int>(bind_.size()) ? bind_[n.var].list_path + "[" + std::to_string(bind_[n.var].element) + "]" : "?";
    return prefix + "." + (info ? info->path : "?");
  }

  ir::Val FactValue(const ir::Node& n) const {
    if (n.var < 0) return c_.Slot(n.slot);
    if (n.var >= static_cast<int>(bind_.size())) return {};
    return c_.items[bind_[n.var].base + n.slot];
  }

  // A value in the locale's words: unknown, at least N, or the value.
  std::string ValueText(const check::Type& t, const ir::Val& v) const {
    if (!v.known && IsInterval(t.kind) && !t.list) {
      ir::SlotInfo info{"", t};
      int64_t min = t.kind == TypeKind::Count ? 0 : INT64_MIN;
      if (v.lo > min && v.hi == INT64_MAX) return loc_.Format("explain/at_least", {{"n", Str(SlotText(prog_, c_, info, {v.lo, v.lo, true}))}});
      if (v.lo == min && v.hi < INT64_MAX) return loc_.Format("explain/at_most", {{"n", Str(SlotText(prog_, c_, info, {v.hi, v.hi, true}))}});
      return Word("unknown");
    }
    if (!v.known) return Word("unknown");
    if (t.list) return loc_.Format("explain/list", {{"n", icu::Formattable(static_cast<int64_t>(v.hi))}});
    if (t.kind == TypeKind::Enum && t.id < 0) return std::to_string(v.lo);
    ir::SlotInfo info{"", t};
    return SlotText(prog_, c_, info, v);
  }

  json ValueJson(const check::Type& t, const ir::Val& v) const {
    if (!v.known) {
      if (IsInterval(t.kind) && !t.list) {
        int64_t min = t.kind == TypeKind::Count ? 0 : INT64_MIN;
        ir::SlotInfo info{"", t};
        if (v.lo > min && v.hi == INT64_MAX) return json{{"at_least", Scalar(t, {v.lo, v.lo, true})}};
        if (v.lo == min && v.hi < INT64_MAX) return json{{"at_most", Scalar(t, {v.hi, v.hi, true})}};
      }
      return nullptr;
    }
    if (t.list) return json{{"elements", v.hi}};
    return Scalar(t, v);
  }

  json Scalar(const check::Type& t, const ir::Val& v) const {
    switch (t.kind) {
      case TypeKind::Bool: return v.lo != 0;
      case TypeKind::Int:
      case TypeKind::Count: return v.lo;
      case TypeKind::Decimal: return static_cast<double>(v.lo) / 1e6;
      default: {
        if (t.kind == TypeKind::Enum && t.id < 0) return v.lo;
        ir::SlotInfo info{"", t};
        return SlotText(prog_, c_, info, v);
      }
    }
  }

  // The expression at `id` as text, in the language's own notation.
  std::string Expr(int32_t id, int32_t sibling = -1) const {
    const ir::Node& n = prog_.nodes[id];
    const uint32_t* k = prog_.kid_list.data() + n.kids;
    switch (n.op) {
      case NOp::Const: return ValueText(TypeOf(id, sibling), {n.imm, n.imm, true});
      case NOp::Slot: return FactPath(n);
      case NOp::Add: return Expr(k[0]) + " + " + Expr(k[1]);
      case NOp::Sub: return Expr(k[0]) + " - " + Expr(k[1]);
      case NOp::Neg: return "-" + Expr(k[0]);
      case NOp::Known: return "known(" + Expr(k[0]) + ")";
      case NOp::Cmp: return Expr(k[0], k[1]) + " " + CmpText(n.cmp) + " " + Expr(k[1], k[0]);
      case NOp::InJuris: return Expr(k[0]) + " in " + p_.jurisdictions[n.imm].code;
      case NOp::InGroup: return Expr(k[0]) + " in " + p_.groups[n.imm].name;
      case NOp::InSet: {
        check::Type t = TypeOf(k[0]);
        t.list = false;
        std::string s = Expr(k[0]) + " in {";
        for (uint32_t i = 0; i < n.nset; ++i) s += (i ? ", " : "") + ValueText(t, {prog_.sets[n.set + i], prog_.sets[n.set + i], true});
        return s + "}";
      }
      case NOp::InList: return Expr(k[0]) + " in " + Expr(k[1]);
      case NOp::Not: return "not " + Expr(k[0]);
      case NOp::And:
      case NOp::Or: {
        std::string s = "(";
        for (uint32_t i = 0; i < n.nkids; ++i) s += (i ? (n.op == NOp::And ? " and " : " or ") : "") + Expr(k[i]);
        return s + ")";
      }
      case NOp::Some: return "some " + Expr(k[0]);
    }
    return "?";
  }

  // The case facts a leaf reads, with their values (in source order, each once).
  void Facts(int32_t id, std::vector<std::pair<std::string, std::pair<check::Type, ir::Val>>>& out) const {
    const ir::Node& n = prog_.nodes[id];
    const uint32_t* k = prog_.kid_list.data() + n.kids;
    if (n.op == NOp::Slot) {
      std::string path = FactPath(n);
      for (auto& f : out)
        if (f.first == path) return;
      out.push_back({path, {TypeOf(id), FactValue(n)}});
      return;
    }
    if (n.op == NOp::Some) return;
    for (uint32_t i = 0; i < n.nkids; ++i) Facts(k[i], out);
  }

  // Sums and differences the evaluator computed (cumulative figures), from the trace.
  void Sums(const TraceNode& t, std::vector<std::pair<std::string, ir::Val>>& out) const {
    const ir::Node& n = prog_.nodes[t.node];
    if (n.op == NOp::Add || n.op == NOp::Sub) out.push_back({Expr(t.node), t.value});
    for (const auto& k : t.kids) Sums(k, out);
  }

  bool IsLogic(int32_t id) const {
    NOp op = prog_.nodes[id].op;
    return op == NOp::And || op == NOp::Or || op == NOp::Not || op == NOp::Some;
  }

  // ---- text
  void Text(const TraceNode* t, int32_t id, int depth, std::string& out) {
    const ir::Node& n = prog_.nodes[id];
    const uint32_t* k = prog_.kid_list.data() + n.kids;
    std::string pad(static_cast<size_t>(depth) * 2, ' ');
    std::string mark = t ? "[" + Truth(TriOf(t->value)) + "] " : "[" + Word("skipped") + "] ";
    if (n.op == NOp::And || n.op == NOp::Or || n.op == NOp::Not) {
      out += pad + mark + Word(n.op == NOp::And ? "all_of" : n.op == NOp::Or ? "any_of" : "not") + "\n";
      std::vector<bool> used(t ? t->kids.size() : 0, false);
      for (uint32_t i = 0; i < n.nkids; ++i) Text(Match(t, k[i], used), k[i], depth + 1, out);
      return;
    }
    if (n.op == NOp::Some) {
      const ir::Node& list = prog_.nodes[k[0]];
      ir::Val lv = list.var < 0 ? c_.Slot(list.slot) : ir::Val{};
      out += pad + mark + loc_.Format("explain/some", {{"list", Str(Expr(k[0]))}, {"known", Str(lv.known ? "yes" : "no")},
                                                        {"count", icu::Formattable(static_cast<int64_t>(lv.hi))}}) + "\n";
      if (!t) return;
      PushBinding(n, k[0], lv);
      for (const auto& body : t->kids) {
        if (body.element < 0) continue;
        SetElement(n, body.element, lv);
        out += pad + "  " + loc_.Format("explain/element", {{"path", Str(bind_[n.var].list_path + "[" + std::to_string(body.element) + "]")}}) + "\n";
        Text(&body, k[1], depth + 2, out);
      }
      bind_.resize(static_cast<size_t>(n.var));
      return;
    }
    std::string line = pad + mark + Expr(id);
    std::vector<std::pair<std::string, std::pair<check::Type, ir::Val>>> facts;
    Facts(id, facts);
    std::vector<std::pair<std::string, ir::Val>> sums;
    if (t) Sums(*t, sums);
    std::string vals;
    for (auto& [path, tv] : facts) vals += (vals.empty() ? "" : loc_.Text("punct/list")) + path + " = " + ValueText(tv.first, tv.second);
    for (auto& [expr, v] : sums)
      vals += (vals.empty() ? "" : loc_.Text("punct/list")) + expr + " = " + ValueText(check::Type{TypeKind::Count, -1, false}, v);
    if (!vals.empty() && !(n.op == NOp::Slot)) line += " " + loc_.Format("punct/paren", {{"x", Str(vals)}});
    else if (n.op == NOp::Slot) line += " = " + ValueText(facts[0].second.first, facts[0].second.second);
    out += line + "\n";
  }

  // ---- JSON
  json Json(const TraceNode* t, int32_t id) {
    const ir::Node& n = prog_.nodes[id];
    const uint32_t* k = prog_.kid_list.data() + n.kids;
    json j;
    static const char* names[] = {"const", "fact", "not", "and", "or", "compare", "in", "in", "in", "in", "add", "sub", "neg", "some", "known"};
    j["op"] = names[static_cast<int>(n.op)];
    j["value"] = t ? TriName(TriOf(t->value)) : "not_evaluated";
    if (n.op == NOp::And || n.op == NOp::Or || n.op == NOp::Not) {
      json kids = json::array();
      std::vector<bool> used(t ? t->kids.size() : 0, false);
      for (uint32_t i = 0; i < n.nkids; ++i) kids.push_back(Json(Match(t, k[i], used), k[i]));
      j["children"] = kids;
      return j;
    }
    if (n.op == NOp::Some) {
      const ir::Node& list = prog_.nodes[k[0]];
      ir::Val lv = list.var < 0 ? c_.Slot(list.slot) : ir::Val{};
      j["list"] = Expr(k[0]);
      j["elements"] = lv.known ? json(lv.hi) : json(nullptr);
      json kids = json::array();
      if (t) {
        PushBinding(n, k[0], lv);
        for (const auto& body : t->kids) {
          if (body.element < 0) continue;
          SetElement(n, body.element, lv);
          json b = Json(&body, k[1]);
          b["element"] = bind_[n.var].list_path + "[" + std::to_string(body.element) + "]";
          kids.push_back(b);
        }
        bind_.resize(static_cast<size_t>(n.var));
      }
      j["children"] = kids;
      return j;
    }
    j["expr"] = Expr(id);
    std::vector<std::pair<std::string, std::pair<check::Type, ir::Val>>> facts;
    Facts(id, facts);
    json fj = json::array();
    for (auto& [path, tv] : facts) fj.push_back(json{{"fact", path}, {"value", ValueJson(tv.first, tv.second)}});
    if (t) {
      std::vector<std::pair<std::string, ir::Val>> sums;
      Sums(*t, sums);
      for (auto& [expr, v] : sums) fj.push_back(json{{"expr", expr}, {"value", ValueJson(check::Type{TypeKind::Count, -1, false}, v)}});
    }
    j["facts"] = fj;
    return j;
  }

  static icu::Formattable Str(const std::string& s) { return icu::Formattable(icu::UnicodeString::fromUTF8(s)); }

 private:
  // The trace of IR kid `id` among the unused kids of `t`, in order.
  static const TraceNode* Match(const TraceNode* t, int32_t id, std::vector<bool>& used) {
    if (!t) return nullptr;
    for (size_t i = 0; i < t->kids.size(); ++i)
      if (!used[i] && t->kids[i].node == id) {
        used[i] = true;
        return &t->kids[i];
      }
    return nullptr;
  }

  void PushBinding(const ir::Node& some, int32_t list_node, const ir::Val&) {
    if (some.var < 0) return;
    bind_.resize(static_cast<size_t>(some.var) + 1);
    const ir::Node& list = prog_.nodes[list_node];
    Binding b;
    if (list.var < 0) {
      b.list_path = prog_.root.slots[list.slot].path;
      b.record = prog_.root.slots[list.slot].elem_record;
    }
    bind_[some.var] = b;
  }
  void SetElement(const ir::Node& some, int element, const ir::Val& list) {
    if (some.var < 0 || some.var >= static_cast<int>(bind_.size())) return;
    bind_[some.var].element = element;
    bind_[some.var].base = list.lo + static_cast<int64_t>(element) * some.imm;
  }

  const ir::Program& prog_;
  const check::Project& p_;
  const Case& c_;
  const i18n::Localizer& loc_;
  std::vector<Binding> bind_;
};

// The finding as the decision JSON shows it (the same renderer, so the same fields and message).
json FindingJson(const ir::Program& prog, const Finding& f, const std::string& locale) {
  Decision one;
  one.findings.push_back(f);
  RenderOptions ro;
  ro.locale = locale;
  json d = json::parse(RenderJson(prog, one, ro));
  return d["findings"][0];
}

std::string JoinRules(const check::Project& p, const std::vector<int>& rules, const i18n::Localizer& loc) {
  std::string s;
  for (size_t i = 0; i < rules.size(); ++i) s += (i ? loc.Text("punct/list") : "") + p.rules[rules[i]].id;
  return s;
}

}  // namespace

int FindRule(const ir::Program& prog, const std::string& name) {
  const auto& rules = prog.project->rules;
  for (size_t i = 0; i < rules.size(); ++i)
    if (rules[i].id == name) return static_cast<int>(i);
  return -1;
}

RuleExplanation ExplainRule(const ir::Program& prog, const Case& c, const EvalOptions& opts, int rule) {
  Run run = Evaluated(prog, c, opts);
  return ExplainWith(prog, c, run, rule);
}

CaseExplanation ExplainCase(const ir::Program& prog, const Case& c, const EvalOptions& opts) {
  const check::Project& p = *prog.project;
  Run run = Evaluated(prog, c, opts);
  CaseExplanation out;
  for (size_t r = 0; r < p.rules.size(); ++r) {
    // fired or undecided: its effect is not false, or its condition held and an exception lifted it
    if (run.s.effect[r] == Tri::False && run.s.cond[r] != Tri::True) continue;
    out.rules.push_back(ExplainWith(prog, c, run, static_cast<int>(r)));
  }
  out.decision = std::move(run.d);
  return out;
}

std::string RenderExplanationText(const ir::Program& prog, const Case& c, const RuleExplanation& e, const std::string& locale) {
  const check::Project& p = *prog.project;
  i18n::Localizer loc(locale);
  Printer pr(prog, c, loc);
  const auto& r = p.rules[e.rule];
  const auto S = Printer::Str;
  std::string out = loc.Format("explain/rule", {{"rule", S(r.id)}, {"effect", S(TriName(e.effect))}}) + "\n";
  out += "  " + loc.Format("explain/ruleset", {{"ruleset", S(p.rulesets[r.ruleset].id)}, {"state", S(e.ruleset_state)}}) + "\n";
  if (e.applies) pr.Text(&*e.applies, e.applies->node, 2, out);
  if (prog.rule_when[e.rule] < 0) out += "  " + loc.Text("explain/always") + "\n";
  else if (e.when) {
    out += "  " + loc.Format("explain/condition", {{"value", S(pr.Truth(e.condition))}}) + "\n";
    pr.Text(&*e.when, e.when->node, 2, out);
  }
  if (!r.exception_to.empty())
    out += "  " + loc.Format("explain/exception_to", {{"rules", S(JoinRules(p, r.exception_to, loc))}}) + "\n";
  if (!e.exceptions.empty()) {
    out += "  " + loc.Text("explain/exceptions") + "\n";
    for (const auto& x : e.exceptions) {
      out += "    " + loc.Format("explain/exception_line", {{"rule", S(p.rules[x.rule].id)}, {"value", S(pr.Truth(x.effect))},
                                                             {"decisive", S(x.decisive ? "yes" : "no")}}) + "\n";
      if (x.when) pr.Text(&*x.when, x.when->node, 3, out);
      else if (prog.rule_when[x.rule] >= 0) out += "      " + loc.Format("explain/ruleset", {{"ruleset", S(p.rulesets[p.rules[x.rule].ruleset].id)}, {"state", S("not_applicable")}}) + "\n";
    }
  }
  std::string by;
  for (const auto& x : e.exceptions)
    if (x.decisive) by += (by.empty() ? "" : loc.Text("punct/list")) + p.rules[x.rule].id;
  if (e.decided_by == "precedence") by = p.rules[e.governed_by].id;
  out += "  " + loc.Format("explain/decided", {{"how", S(e.decided_by)}, {"by", S(by)},
                                                {"reason", S(e.precedence.empty() ? "" : loc.Text("reason/" + e.precedence))}}) + "\n";
  if (!e.governs.empty()) out += "  " + loc.Format("explain/governs", {{"rules", S(JoinRules(p, e.governs, loc))}}) + "\n";
  out += "  " + loc.Format("explain/citation", {{"citation", S(CitationText(r, locale))}}) + "\n";
  if (e.satisfied) {
    out += "  " + loc.Format("explain/satisfied", {{"value", S(pr.Truth(TriOf(e.satisfied->value)))}}) + "\n";
    pr.Text(&*e.satisfied, e.satisfied->node, 2, out);
  }
  if (e.finding) {
    json f = FindingJson(prog, *e.finding, locale);
    std::string acts;
    for (const auto& a : f["actions"].begin().value()) acts += (acts.empty() ? "" : r.mode == check::ActionMode::OneOf ? " | " : " + ") + a.get<std::string>();
    std::string status = f.contains("status") ? f["status"].get<std::string>() : "";
    out += "  " + loc.Format("explain/finding", {{"modality", S(loc.Text("modality/" + f["modality"].get<std::string>()))},
                                                  {"actions", S(acts)},
                                                  {"status", S(status.empty() ? "" : " — " + loc.Text("status/" + status))}}) + "\n";
    out += "    " + f["message"].get<std::string>() + "\n";
  } else if (r.modality != check::Modality::Exempt) {
    out += "  " + loc.Text("explain/no_finding") + "\n";
  }
  return out;
}

json ExplanationJson(const ir::Program& prog, const Case& c, const RuleExplanation& e, const std::string& locale) {
  const check::Project& p = *prog.project;
  i18n::Localizer loc(locale);
  Printer pr(prog, c, loc);
  const auto& r = p.rules[e.rule];
  json j;
  j["rule"] = r.id;
  j["result"] = TriName(e.effect);
  json rs;
  rs["id"] = p.rulesets[r.ruleset].id;
  rs["state"] = e.ruleset_state;
  rs["applies"] = e.applies ? pr.Json(&*e.applies, e.applies->node) : json(nullptr);
  j["ruleset"] = rs;
  j["condition"] = TriName(e.condition);
  j["when"] = e.when ? pr.Json(&*e.when, e.when->node) : json(nullptr);
  json ex_to = json::array();
  for (int x : r.exception_to) ex_to.push_back(p.rules[x].id);
  j["exception_to"] = ex_to;
  json exs = json::array();
  for (const auto& x : e.exceptions)
    exs.push_back(json{{"rule", p.rules[x.rule].id}, {"condition", TriName(x.condition)}, {"effect", TriName(x.effect)},
                       {"decisive", x.decisive}, {"when", x.when ? pr.Json(&*x.when, x.when->node) : json(nullptr)}});
  j["exceptions"] = exs;
  json decided;
  decided["by"] = e.decided_by;
  if (e.decided_by == "exception") {
    json by = json::array();
    for (const auto& x : e.exceptions)
      if (x.decisive) by.push_back(p.rules[x.rule].id);
    decided["rules"] = by;
  }
  if (e.governed_by >= 0) {
    decided["governed_by"] = p.rules[e.governed_by].id;
    decided["precedence"] = e.precedence;
  }
  j["decided"] = decided;
  json gov = json::array();
  for (int g : e.governs) gov.push_back(p.rules[g].id);
  j["governs"] = gov;
  j["citation"] = CitationJson(r);
  j["citation_text"] = CitationText(r, locale);
  j["satisfied"] = e.satisfied ? pr.Json(&*e.satisfied, e.satisfied->node) : json(nullptr);
  j["finding"] = e.finding ? FindingJson(prog, *e.finding, locale) : json(nullptr);
  return j;
}

}  // namespace lexgate::eval
