#include "lint/lint.h"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "base/date.h"
#include "lint/conditions.h"

namespace lexgate::lint {

namespace {

using check::Modality;
using check::Project;
using check::Rule;
using diag::Code;

struct Ctx {
  const ir::Program& prog;
  const Project& p;
  const SourceManager& sm;
  const LintOptions& o;
  diag::DiagnosticSink& sink;
  std::vector<bool> unreachable;

  std::string Text(const Span& s) const {
    if (!s.valid() || s.file >= sm.size()) return "";
    const std::string& t = sm.Get(s.file).text;
    if (s.end > t.size() || s.begin >= s.end) return "";
    std::string x = t.substr(s.begin, s.end - s.begin);
    // One line, single spaces: a condition written over several lines reads as one.
    std::string out;
    for (char c : x) {
      bool ws = c == ' ' || c == '\n' || c == '\t' || c == '\r';
      if (ws) { if (!out.empty() && out.back() != ' ') out += ' '; }
      else out += c;
    }
    return out;
  }
  // A literal as written: `x in DE` (a containment node spans only `DE`), under `not (…)` if negated.
  std::string Lit(const Literal& l) const {
    std::string t = Text(l.at->span);
    if (l.kind == Literal::Juris && !l.juris_eq) t = Text(l.term->span) + " in " + t;
    return l.under_not ? "not (" + t + ")" : t;
  }
  // The rule's condition together with its ruleset's `applies to … where`.
  std::optional<std::vector<Conjunction>> Full(const Rule& r) const {
    return And(Dnf(r.when.get(), p), Dnf(p.rulesets[r.ruleset].applies_where.get(), p));
  }
};

// A rule reaches `target` by following `exception to` links (either direction settles a conflict).
bool Overrides(const Project& p, int from, int target) {
  std::vector<int> todo{from};
  std::set<int> seen;
  while (!todo.empty()) {
    int r = todo.back();
    todo.pop_back();
    if (!seen.insert(r).second) continue;
    for (int t : p.rules[r].exception_to) {
      if (t == target) return true;
      todo.push_back(t);
    }
  }
  return false;
}

// ---------------------------------------------------------------- LG5001 unreachable rules
// A rule whose condition (with its ruleset's applicability) has no satisfiable disjunct.
void Unreachable(Ctx& c) {
  for (size_t i = 0; i < c.p.rules.size(); ++i) {
    const Rule& r = c.p.rules[i];
    if (!r.when) continue;
    auto d = c.Full(r);
    if (!d) continue;
    Conflict why;
    bool any = false;
    for (const auto& conj : *d) {
      Conflict w;
      if (Satisfiable(conj, c.p, &w)) { any = true; break; }
      if (!why.second) why = w;
    }
    if (any) continue;
    c.unreachable[i] = true;
    auto& diag = c.sink.Report(Code::LG5001, r.when->span, {{"rule", r.name}});
    if (why.first && why.second)
      diag.help = "'" + c.Lit(*why.first) + "' and '" + c.Lit(*why.second) + "' cannot both be true";
    else if (why.second)
      diag.help = "'" + c.Lit(*why.second) + "' cannot be true";
  }
}

// ---------------------------------------------------------------- LG5002 always shadowed by an exception
// R has an exception E in the same ruleset, E has no exceptions of its own, and in every satisfiable
// disjunct of R's condition E's condition is true: whenever R applies, E applies and overrides it.
void Shadowed(Ctx& c) {
  for (size_t i = 0; i < c.p.rules.size(); ++i) {
    const Rule& r = c.p.rules[i];
    if (c.unreachable[i]) continue;
    auto d = c.Full(r);
    if (!d) continue;
    for (int e : r.exceptions) {
      const Rule& ex = c.p.rules[e];
      if (ex.ruleset != r.ruleset || !ex.exceptions.empty() || c.unreachable[e]) continue;
      bool always = true, some = false;
      for (const auto& conj : *d) {
        if (!Satisfiable(conj, c.p)) continue;
        some = true;
        if (EvalUnder(ex.when.get(), conj, c.p) != Truth::True) { always = false; break; }
      }
      if (!always || !some) continue;
      auto& diag = c.sink.Report(Code::LG5002, r.name_span, {{"rule", r.name}, {"exception", ex.name}});
      diag.help = ex.when ? "'" + c.Text(ex.when->span) + "' holds whenever this rule's condition does"
                          : "the exception has no condition";
      diag.notes.push_back({ex.name_span, "the exception is declared here"});
      break;
    }
  }
}

// ---------------------------------------------------------------- LG5003 / LG5004 threshold gaps and overlaps
std::string Number(int64_t v, check::TypeKind k) {
  if (k == check::TypeKind::Decimal) {
    std::string sign = v < 0 ? "-" : "";
    uint64_t a = v < 0 ? -static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
    std::string frac = std::to_string(a % 1000000);
    frac = std::string(6 - frac.size(), '0') + frac;
    while (!frac.empty() && frac.back() == '0') frac.pop_back();
    return sign + std::to_string(a / 1000000) + (frac.empty() ? "" : "." + frac);
  }
  std::string s = std::to_string(v < 0 ? -v : v), out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (i && (s.size() - i) % 3 == 0) out += '_';
    out += s[i];
  }
  return (v < 0 ? "-" : "") + out;
}

struct Bound {
  int rule;
  const Conjunction* conj;
  const Literal* lit;
};

Conjunction Without(const Conjunction& c, const std::string& key) {
  Conjunction out;
  for (const auto& l : c)
    if (l.key != key) out.push_back(l);
  return out;
}

// For one quantity (a fact, or a sum such as cumulative(…)), an upper bound `Q < a` / `Q <= a` in one rule
// and a lower bound `Q > b` / `Q >= b` in another rule of the same ruleset are read as one boundary when
// the written numbers are equal or adjacent (|a - b| <= 1). They partition the quantity exactly when the
// first value above the upper bound is the lower bound. Otherwise:
//  * gap (LG5003): values between them satisfy neither, the rest of both rules' conditions can hold
//    together, and no rule of the ruleset that bounds the quantity admits those values;
//  * overlap (LG5004): values satisfy both, both whole conditions can hold together, and neither rule is
//    an exception to the other (an exception overlapping on purpose is how the language says "instead").
void Thresholds(Ctx& c) {
  for (const auto& rs : c.p.rulesets) {
    std::map<int, std::vector<Conjunction>> dnfs;
    for (int r : rs.rules) {
      if (c.unreachable[r]) continue;
      auto d = Dnf(c.p.rules[r].when.get(), c.p);
      if (d) dnfs[r] = std::move(*d);
    }
    std::vector<Bound> uppers, lowers;
    for (const auto& [r, d] : dnfs)
      for (const auto& conj : d)
        for (const auto& l : conj) {
          if (l.kind != Literal::Num || l.cmp < 2 || l.term->type.kind == check::TypeKind::Date) continue;
          (l.cmp <= 3 ? uppers : lowers).push_back({r, &conj, &l});
        }
    std::set<std::tuple<std::string, int64_t, int64_t, int, int>> seen;
    for (const auto& up : uppers)
      for (const auto& lw : lowers) {
        if (up.rule == lw.rule || up.lit->key != lw.lit->key) continue;
        int64_t a = up.lit->value, b = lw.lit->value;
        if ((a > b ? a - b : b - a) > 1) continue;
        int64_t u = up.lit->cmp == 2 ? a : a + 1;  // values < u satisfy the upper bound
        int64_t l = lw.lit->cmp == 5 ? b : b + 1;  // values >= l satisfy the lower bound
        if (u == l) continue;
        const std::string& key = up.lit->key;
        if (!seen.insert({key, u, l, up.rule, lw.rule}).second) continue;
        Conjunction both;
        bool gap = l > u;
        if (gap) {
          both = Without(*up.conj, key);
          auto rest = Without(*lw.conj, key);
          both.insert(both.end(), rest.begin(), rest.end());
          if (!Satisfiable(both, c.p)) continue;
          bool covered = false;
          for (const auto& [r, d] : dnfs)
            for (const auto& conj : d) {
              bool mentions = std::any_of(conj.begin(), conj.end(), [&](const Literal& x) { return x.key == key; });
              if (!mentions) continue;
              int64_t lo, hi;
              Bounds(conj, key, *up.lit->term, lo, hi);
              if (lo <= l - 1 && hi >= u) covered = true;
            }
          if (covered) continue;
        } else {
          if (Overrides(c.p, up.rule, lw.rule) || Overrides(c.p, lw.rule, up.rule)) continue;
          both = *up.conj;
          both.insert(both.end(), lw.conj->begin(), lw.conj->end());
          if (!Satisfiable(both, c.p)) continue;
        }
        int64_t from = gap ? u : l, to = gap ? l - 1 : u - 1;
        auto kind = up.lit->term->type.kind;
        std::string values = Number(from, kind) + (from == to ? "" : ".." + Number(to, kind));
        auto& diag = c.sink.Report(gap ? Code::LG5003 : Code::LG5004, lw.lit->at->span,
                                   {{"quantity", c.Text(up.lit->term->span)},
                                    {"values", values},
                                    {"below", c.p.rules[up.rule].name},
                                    {"above", c.p.rules[lw.rule].name}});
        diag.help = gap ? "make the bounds meet: '>= " + Number(u, kind) + "' as the lower bound, or '<= " +
                              Number(l - 1, kind) + "' as the upper one"
                        : "if the rules are meant to partition, make one bound strict ('<' / '>')";
        diag.notes.push_back({up.lit->at->span, "the other bound, in rule '" + c.p.rules[up.rule].name + "'"});
      }
  }
}

// ---------------------------------------------------------------- LG5005 contradictory modalities
// Two rules of binding rulesets, one `must_not A` and the other `must`, `should` or `may` A (for
// `one_of`, every alternative prohibited), whose conditions (with applicability, case kind and periods
// of validity) can hold together, in one legal order (the same top-level jurisdiction or group, as the
// evaluator's precedence reads it), and where nothing decides: neither is an exception to the other
// (directly or through a chain), and they are not in two rulesets that differ in force, jurisdiction
// depth or effective date (the evaluator's precedence).
void Conflicts(Ctx& c) {
  const auto& p = c.p;
  std::vector<std::optional<std::vector<Conjunction>>> full(p.rules.size());
  for (size_t i = 0; i < p.rules.size(); ++i) full[i] = c.Full(p.rules[i]);
  for (size_t i = 0; i < p.rules.size(); ++i)
    for (size_t j = 0; j < p.rules.size(); ++j) {
      const Rule& n = p.rules[i];  // the prohibition
      const Rule& o = p.rules[j];
      if (i == j || n.modality != Modality::MustNot || o.modality == Modality::MustNot || o.modality == Modality::Exempt)
        continue;
      if (c.unreachable[i] || c.unreachable[j]) continue;
      const auto& sn = p.rulesets[n.ruleset];
      const auto& so = p.rulesets[o.ruleset];
      if (!sn.binding || !so.binding) continue;
      int action = -1;
      if (o.mode == check::ActionMode::OneOf) {
        bool all = !o.actions.empty();
        for (int a : o.actions) all &= std::find(n.actions.begin(), n.actions.end(), a) != n.actions.end();
        if (all) action = o.actions[0];
      } else {
        for (int a : o.actions)
          if (action < 0 && std::find(n.actions.begin(), n.actions.end(), a) != n.actions.end()) action = a;
      }
      if (action < 0) continue;
      if (Overrides(p, static_cast<int>(i), static_cast<int>(j)) || Overrides(p, static_cast<int>(j), static_cast<int>(i)))
        continue;
      // Two legal orders (CN law and US law) stand side by side: a permission in one does not contradict a
      // prohibition in the other, both bind.
      if (c.prog.ruleset_legal_order[n.ruleset] != c.prog.ruleset_legal_order[o.ruleset]) continue;
      if (n.ruleset != o.ruleset) {
        int dn = sn.jurisdiction >= 0 ? p.jurisdictions[sn.jurisdiction].depth : 0;
        int dd = so.jurisdiction >= 0 ? p.jurisdictions[so.jurisdiction].depth : 0;
        if (sn.force_rank != so.force_rank || dn != dd || sn.effective != so.effective) continue;
      }
      if (sn.applies_kind >= 0 && so.applies_kind >= 0 && sn.applies_kind != so.applies_kind) continue;
      if (std::max(sn.effective, so.effective) > std::min(sn.expires, so.expires)) continue;
      auto both = And(full[i], full[j]);
      if (!both) continue;
      bool overlap = false;
      for (const auto& conj : *both) overlap |= Satisfiable(conj, p);
      if (!overlap) continue;
      // Each pair is seen once (only one of the two is the prohibition); report it at the later rule.
      const Rule& later = i < j ? o : n;
      const Rule& earlier = i < j ? n : o;
      auto& diag = c.sink.Report(Code::LG5005, later.name_span,
                                 {{"rule", later.id}, {"modality", ModalityName(later.modality)},
                                  {"other", earlier.id}, {"other_modality", ModalityName(earlier.modality)},
                                  {"action", p.actions[action]}});
      diag.help = n.ruleset == o.ruleset ? "make one rule an 'exception to' the other, or narrow one condition"
                                         : "make one rule an 'exception to' the other, or give the rulesets different force";
      diag.notes.push_back({earlier.name_span, "the other rule"});
    }
}

// ---------------------------------------------------------------- LG5006 rulesets past their expiry
void Expired(Ctx& c) {
  for (const auto& rs : c.p.rulesets) {
    if (!rs.has_expiry || rs.expires >= c.o.as_of) continue;
    auto& diag = c.sink.Report(Code::LG5006, rs.expires_span.valid() ? rs.expires_span : rs.span,
                               {{"ruleset", rs.id}, {"date", FormatDate(rs.expires)}});
    diag.help = "as of " + FormatDate(c.o.as_of) + "; update 'expires' if the instrument was extended, or remove the ruleset";
  }
}

// ---------------------------------------------------------------- LG5007 messages missing a locale
// A rule that has messages (`says`) lacks a locale that another rule of its ruleset has.
void Locales(Ctx& c) {
  for (const auto& rs : c.p.rulesets) {
    std::set<std::string> all;
    for (int r : rs.rules)
      for (const auto& [l, m] : c.p.rules[r].messages) all.insert(l);
    for (int r : rs.rules) {
      const Rule& rule = c.p.rules[r];
      if (rule.messages.empty()) continue;
      for (const auto& l : all)
        if (!rule.messages.count(l))
          c.sink.Report(Code::LG5007, rule.name_span, {{"rule", rule.name}, {"locale", l}, {"ruleset", rs.id}})
              .help = "add '" + l + " \"…\"' to the rule's 'says'";
    }
  }
}

// The passes, in order: Unreachable first (the others skip rules it found).
struct Pass {
  const char* name;
  void (*run)(Ctx&);
};
constexpr Pass kPasses[] = {
    {"Unreachable", &Unreachable}, {"Shadowed", &Shadowed}, {"Thresholds", &Thresholds},
    {"Conflicts", &Conflicts},     {"Expired", &Expired},   {"Locales", &Locales},
};

}  // namespace

void Lint(const ir::Program& prog, const SourceManager& sm, const LintOptions& options, diag::DiagnosticSink& sink) {
  Ctx c{prog, *prog.project, sm, options, sink, std::vector<bool>(prog.project->rules.size(), false)};
  for (const auto& pass : kPasses) pass.run(c);
}

}  // namespace lexgate::lint
