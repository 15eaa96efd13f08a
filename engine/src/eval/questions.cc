#include "eval/questions.h"

#include <algorithm>
#include <map>
#include <set>

#include "base/date.h"
#include "i18n/localizer.h"

namespace lexgate::eval {

using check::TypeKind;
using ir::NOp;
using json = nlohmann::ordered_json;

namespace {

// A list is asked only whether it is empty (ask cannot take its elements; "none" is the answer that
// matters most, e.g. no safeguard yet): its one representative value is the empty list.
bool Askable(const check::Type& t) {
  if (t.list) return true;
  switch (t.kind) {
    case TypeKind::Bool:
    case TypeKind::Enum:
    case TypeKind::Int:
    case TypeKind::Count:
    case TypeKind::Decimal:
    case TypeKind::Date:
    case TypeKind::Jurisdiction: return true;
    default: return false;
  }
}

// Walks the compiled conditions once: the root slots they read, and for each slot the values worth
// trying (thresholds, named jurisdictions and groups).
class Scan {
 public:
  Scan(const ir::Program& prog, const Case& c, int32_t as_of) : prog_(prog), c_(c), as_of_(as_of) {}

  void Node(int32_t id) {
    if (id < 0 || !seen_.insert(id).second) return;
    const ir::Node& n = prog_.nodes[id];
    const uint32_t* k = prog_.kid_list.data() + n.kids;
    if (n.op == NOp::Slot && n.var < 0) slots_.insert(n.slot);
    if (n.op == NOp::Cmp) {
      for (int side = 0; side < 2; ++side) {
        std::optional<int64_t> other = Known(k[1 - side]);
        if (!other) continue;
        // slot, or a sum whose other term is known (cumulative figures): solve for the slot
        const ir::Node& a = prog_.nodes[k[side]];
        if (a.op == NOp::Slot && a.var < 0) Threshold(a.slot, *other);
        if (a.op == NOp::Add) {
          const uint32_t* ak = prog_.kid_list.data() + a.kids;
          for (int i = 0; i < 2; ++i) {
            const ir::Node& t = prog_.nodes[ak[i]];
            if (t.op != NOp::Slot || t.var >= 0) continue;
            const ir::Val ov = Value(ak[1 - i]);
            Threshold(t.slot, *other);
            if (ov.lo > INT64_MIN && ov.lo < INT64_MAX) Threshold(t.slot, *other - ov.lo);
          }
        }
      }
    }
    if ((n.op == NOp::InJuris || n.op == NOp::InGroup) && prog_.nodes[k[0]].op == NOp::Slot && prog_.nodes[k[0]].var < 0) {
      auto& vals = values_[prog_.nodes[k[0]].slot];
      if (n.op == NOp::InJuris) vals.insert(n.imm);
      else
        for (const auto& m : prog_.project->groups[n.imm].members)
          if (m.from <= as_of_ && as_of_ <= m.until) vals.insert(m.jurisdiction);
    }
    for (uint32_t i = 0; i < n.nkids; ++i) Node(k[i]);
  }

  const std::set<int32_t>& slots() const { return slots_; }
  std::set<int64_t>& values(int32_t slot) { return values_[slot]; }

 private:
  ir::Val Value(int32_t id) {
    static const ir::Val kNone{INT64_MIN, INT64_MIN, false};
    const ir::Node& n = prog_.nodes[id];
    if (n.op == NOp::Slot && n.var < 0) return c_.Slot(n.slot);
    return kNone;
  }
  std::optional<int64_t> Known(int32_t id) {
    const ir::Node& n = prog_.nodes[id];
    if (n.op == NOp::Const) return n.imm;
    if (n.op == NOp::Slot && n.var < 0 && c_.SlotKnown(n.slot)) return c_.Slot(n.slot).lo;
    return std::nullopt;
  }
  void Threshold(int32_t slot, int64_t t) {
    auto& vals = values_[slot];
    vals.insert(t);
    if (t > INT64_MIN) vals.insert(t - 1);
    if (t < INT64_MAX) vals.insert(t + 1);
  }

  const ir::Program& prog_;
  const Case& c_;
  int32_t as_of_;
  std::set<int32_t> seen_;
  std::set<int32_t> slots_;
  std::map<int32_t, std::set<int64_t>> values_;
};

std::vector<int64_t> Domain(const ir::Program& prog, const check::Type& t, std::set<int64_t> vals) {
  const check::Project& p = *prog.project;
  switch (t.kind) {
    case TypeKind::Bool: return {0, 1};
    case TypeKind::Enum: {
      std::vector<int64_t> d;
      for (size_t i = 0; i < p.enums[t.id].values.size(); ++i) d.push_back(static_cast<int64_t>(i));
      return d;
    }
    case TypeKind::Count: {
      vals.insert(0);
      std::vector<int64_t> d;
      for (int64_t v : vals)
        if (v >= 0) d.push_back(v);
      return d;
    }
    case TypeKind::Jurisdiction: {
      for (auto it = vals.begin(); it != vals.end();)  // thresholds of == comparisons: only real codes
        it = *it < 0 || *it >= static_cast<int64_t>(p.jurisdictions.size()) ? vals.erase(it) : std::next(it);
      // one jurisdiction outside everything the conditions name
      for (size_t j = 0; j < p.jurisdictions.size(); ++j) {
        bool inside = false;
        for (int64_t v : vals) inside |= p.Contains(static_cast<int32_t>(v), static_cast<int32_t>(j)) ||
                                         p.Contains(static_cast<int32_t>(j), static_cast<int32_t>(v));
        if (!inside) {
          vals.insert(static_cast<int64_t>(j));
          break;
        }
      }
      return {vals.begin(), vals.end()};
    }
    default:
      if (vals.empty()) vals.insert(0);
      return {vals.begin(), vals.end()};
  }
}

std::vector<int> Sorted(std::vector<int> v) {
  std::sort(v.begin(), v.end());
  return v;
}

}  // namespace

Questionnaire FindQuestions(const ir::Program& prog, const Case& c, const EvalOptions& opts,
                            const std::set<std::string>& dont_know) {
  const check::Project& p = *prog.project;
  const int32_t as_of = AsOfDate(c, opts);
  EvalOptions fixed{as_of};  // a fact set below must not move the as-of date
  Scratch base(prog);
  base.rule_detail = true;  // each rule's effect and status are compared below
  Outcome o = Decide(prog, c, fixed, base);
  Questionnaire q;
  q.verdict = o.verdict;
  const std::vector<int> base_actions = Sorted(o.actions);

  Scan scan(prog, c, as_of);
  for (int32_t n : prog.ruleset_applies) scan.Node(n);
  for (int32_t n : prog.rule_when) scan.Node(n);
  for (int32_t n : prog.rule_satisfied) scan.Node(n);

  Case work = c;
  Scratch s(prog);
  s.rule_detail = true;
  std::vector<Question> others;  // facts that change some rule but neither the verdict nor the obligations
  for (int32_t slot : scan.slots()) {
    const ir::SlotInfo& info = prog.root.slots[slot];
    if (c.SlotKnown(slot) || !Askable(info.type) || slot == prog.kind_slot || slot == prog.id_slot ||
        dont_know.count(info.path))
      continue;
    Question qu;
    qu.slot = slot;
    qu.fact = info.path;
    qu.type = info.type;
    qu.values = info.type.list ? std::vector<int64_t>{0} : Domain(prog, info.type, scan.values(slot));
    bool obligations = false;
    std::vector<bool> asked(p.rules.size(), false);
    for (int64_t v : qu.values) {
      work.SetSlot(slot, info.type.list ? ir::Val{0, 0, true} : ir::Val{v, v, true});  // a list: empty
      Outcome w = Decide(prog, work, fixed, s);
      if (w.verdict != o.verdict) qu.decides_verdict = true;
      if (Sorted(w.actions) != base_actions) obligations = true;
      for (size_t r = 0; r < p.rules.size(); ++r) {
        bool live_b = base.effect[r] != Tri::False, live_w = s.effect[r] != Tri::False;
        if (base.effect[r] != s.effect[r] ||
            (live_b && live_w && p.rules[r].modality == check::Modality::Must && base.status[r] != s.status[r]))
          asked[r] = true;
      }
    }
    work.SetSlot(slot, c.Slot(slot));
    for (size_t r = 0; r < p.rules.size(); ++r)
      if (asked[r] && p.rules[r].modality != check::Modality::Exempt) qu.asked_by.push_back(static_cast<int>(r));
    if (qu.asked_by.empty())  // an exception alone changed: name the rules it lifts
      for (size_t r = 0; r < p.rules.size(); ++r)
        if (asked[r]) qu.asked_by.push_back(static_cast<int>(r));
    if (qu.decides_verdict || obligations) q.questions.push_back(std::move(qu));
    else if (!qu.asked_by.empty()) others.push_back(std::move(qu));
  }
  bool any_verdict = false;
  for (const auto& qu : q.questions) any_verdict |= qu.decides_verdict;
  if (!any_verdict && o.verdict == Verdict::Indeterminate) {
    // No single fact settles it: the facts that change a binding rule still undecided decide the verdict
    // together (e.g. where a prohibition and an obligation both hang on unknown facts).
    auto undecided_binding = [&](const Question& qu) {
      for (int r : qu.asked_by)
        if (p.rulesets[p.rules[r].ruleset].binding && (base.effect[r] == Tri::Unknown || base.cond[r] == Tri::Unknown)) return true;
      return false;
    };
    for (auto& qu : q.questions) qu.decides_verdict = undecided_binding(qu);
    for (auto& qu : others)
      if (undecided_binding(qu)) {
        qu.decides_verdict = true;
        q.questions.push_back(std::move(qu));
      }
  }
  // Settled: no fact left changes the verdict or the obligations (two unmet duties, each met by a
  // different fact, change the verdict only together, so facts that change obligations count too).
  q.settled = q.questions.empty();
  std::stable_sort(q.questions.begin(), q.questions.end(), [](const Question& a, const Question& b) {
    if (a.decides_verdict != b.decides_verdict) return a.decides_verdict;
    if (a.asked_by.size() != b.asked_by.size()) return a.asked_by.size() > b.asked_by.size();
    return a.slot < b.slot;
  });
  return q;
}

std::string QuestionText(const std::string& fact, const std::string& locale) {
  i18n::Localizer loc(locale);
  std::string key = "question/" + fact;
  std::replace(key.begin(), key.end(), '.', '/');
  if (loc.Text(key) != key) return loc.Format(key, {});
  return loc.Format("text/question", {{"fact", icu::Formattable(icu::UnicodeString::fromUTF8(fact))}});
}

std::string EnumValueName(const check::Project& p, int enum_id, int value, const std::string& locale) {
  const std::string& raw = p.enums[enum_id].values[value];
  i18n::Localizer loc(locale);
  std::string key = "enum/" + p.enums[enum_id].name + "/" + raw;
  return loc.Text(key) != key ? loc.Format(key, {}) : raw;
}

json QuestionsJson(const ir::Program& prog, const Case& c, const EvalOptions& opts, const Questionnaire& q,
                   const std::string& locale) {
  const check::Project& p = *prog.project;
  json j;
  j["case"] = c.id;
  j["verdict"] = VerdictName(q.verdict);
  j["as_of"] = FormatDate(AsOfDate(c, opts));
  j["settled"] = q.settled;
  json qs = json::array();
  for (const auto& qu : q.questions) {
    json x;
    x["fact"] = qu.fact;
    x["type"] = qu.type.kind == TypeKind::Enum ? "enum" : p.TypeName(qu.type);
    if (qu.type.kind == TypeKind::Enum) {
      json dom = json::array();
      for (size_t i = 0; i < p.enums[qu.type.id].values.size(); ++i)
        dom.push_back(json{{"value", p.enums[qu.type.id].values[i]},
                           {"name", EnumValueName(p, qu.type.id, static_cast<int>(i), locale)}});
      x["enum"] = p.enums[qu.type.id].name;
      x["domain"] = dom;
    } else if (qu.type.kind == TypeKind::Bool) {
      x["domain"] = json::array({true, false});
    } else {
      json t = json::array();
      ir::SlotInfo info{"", qu.type};
      for (int64_t v : qu.values) {
        if (qu.type.kind == TypeKind::Int || qu.type.kind == TypeKind::Count) t.push_back(v);
        else if (qu.type.kind == TypeKind::Decimal) t.push_back(static_cast<double>(v) / 1e6);
        else t.push_back(SlotText(prog, c, info, {v, v, true}));
      }
      x["representative_values"] = t;
    }
    x["decides"] = qu.decides_verdict ? "verdict" : "obligations";
    json asked = json::array();
    for (int r : qu.asked_by) asked.push_back(p.rules[r].id);
    x["asked_by"] = asked;
    x["question"] = QuestionText(qu.fact, locale);
    qs.push_back(x);
  }
  j["questions"] = qs;
  return j;
}

}  // namespace lexgate::eval
