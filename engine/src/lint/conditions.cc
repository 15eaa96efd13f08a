#include "lint/conditions.h"

#include <algorithm>
#include <climits>
#include <map>
#include <set>

namespace lexgate::lint {

using check::Op;
using check::TExpr;
using check::TypeKind;

std::string Key(const TExpr& e) {
  std::string s = "(" + std::to_string(static_cast<int>(e.op)) + ":" + std::to_string(static_cast<int>(e.type.kind)) +
                  ":" + std::to_string(e.type.id) + (e.type.list ? "L" : "") + ":" + std::to_string(e.cmp) + ":" +
                  std::to_string(e.ival) + ":" + e.str + ":" + std::to_string(e.var) + ":";
  for (int c : e.chain) s += std::to_string(c) + ".";
  s += ":";
  for (int64_t v : e.set) s += std::to_string(v) + ",";
  for (const auto& k : e.kids) s += k ? Key(*k) : "-";
  return s + ")";
}

namespace {

bool IsNum(const check::Type& t) {
  return !t.list && (t.kind == TypeKind::Int || t.kind == TypeKind::Count || t.kind == TypeKind::Decimal ||
                     t.kind == TypeKind::Date);
}

int Flip(int cmp) {  // x op c  <=>  c flip(op) x
  static const int k[] = {0, 1, 4, 5, 2, 3};
  return k[cmp];
}
int Negate(int cmp) {
  static const int k[] = {1, 0, 5, 4, 3, 2};
  return k[cmp];
}

using Dnfs = std::optional<std::vector<Conjunction>>;

Dnfs Product(const Dnfs& a, const Dnfs& b) {
  if (!a || !b) return std::nullopt;
  if (a->size() * b->size() > kMaxDisjuncts) return std::nullopt;
  std::vector<Conjunction> out;
  for (const auto& x : *a)
    for (const auto& y : *b) {
      Conjunction c = x;
      c.insert(c.end(), y.begin(), y.end());
      out.push_back(std::move(c));
    }
  return out;
}

Dnfs Union(const Dnfs& a, const Dnfs& b) {
  if (!a || !b) return std::nullopt;
  if (a->size() + b->size() > kMaxDisjuncts) return std::nullopt;
  std::vector<Conjunction> out = *a;
  out.insert(out.end(), b->begin(), b->end());
  return out;
}

Dnfs One(Literal l, bool neg) {
  l.under_not = neg;
  return std::vector<Conjunction>{Conjunction{std::move(l)}}; }

Dnfs Build(const TExpr* e, const check::Project& p, bool neg) {
  if (!e) return neg ? std::vector<Conjunction>{} : std::vector<Conjunction>{Conjunction{}};
  switch (e->op) {
    case Op::Not:
      return Build(e->kids[0].get(), p, !neg);
    case Op::And:
    case Op::Or: {
      bool product = (e->op == Op::And) != neg;
      Dnfs acc = product ? Dnfs(std::vector<Conjunction>{Conjunction{}}) : Dnfs(std::vector<Conjunction>{});
      for (const auto& k : e->kids) {
        Dnfs d = Build(k.get(), p, neg);
        acc = product ? Product(acc, d) : Union(acc, d);
        if (!acc) return std::nullopt;
      }
      return acc;
    }
    case Op::Const:
      if (e->type.kind == TypeKind::Bool) {
        bool v = (e->ival != 0) != neg;
        return v ? std::vector<Conjunction>{Conjunction{}} : std::vector<Conjunction>{};
      }
      break;
    case Op::Cmp: {
      const TExpr* a = e->kids[0].get();
      const TExpr* b = e->kids[1].get();
      int cmp = e->cmp;
      if (a->op == Op::Const && b->op != Op::Const) {
        std::swap(a, b);
        cmp = Flip(cmp);
      }
      if (a->op != Op::Const && b->op == Op::Const) {
        Literal l;
        l.key = Key(*a);
        l.term = a;
        l.at = e;
        if (IsNum(a->type)) {
          l.kind = Literal::Num;
          l.cmp = neg ? Negate(cmp) : cmp;
          l.value = b->ival;
          return One(l, neg);
        }
        if (!a->type.list && a->type.kind == TypeKind::Enum && a->type.id >= 0 && cmp <= 1) {
          l.kind = Literal::Enum;
          bool eq = (cmp == 0) != neg;
          int n = static_cast<int>(p.enums[a->type.id].values.size());
          for (int v = 0; v < n; ++v)
            if ((v == b->ival) == eq) l.values.push_back(v);
          return One(l, neg);
        }
        if (!a->type.list && a->type.kind == TypeKind::Bool && cmp <= 1) {
          l.kind = Literal::Bool;
          l.negated = ((b->ival != 0) == (cmp == 0)) == neg;
          return One(l, neg);
        }
        if (!a->type.list && a->type.kind == TypeKind::Jurisdiction && cmp <= 1) {
          l.kind = Literal::Juris;
          l.juris_eq = true;
          l.value = b->ival;
          l.negated = (cmp == 1) != neg;
          return One(l, neg);
        }
      }
      break;
    }
    case Op::InSet: {
      const TExpr* a = e->kids[0].get();
      if (a->op != Op::Const && !a->type.list && a->type.kind == TypeKind::Enum && a->type.id >= 0) {
        Literal l;
        l.kind = Literal::Enum;
        l.key = Key(*a);
        l.term = a;
        l.at = e;
        int n = static_cast<int>(p.enums[a->type.id].values.size());
        for (int v = 0; v < n; ++v) {
          bool in = std::find(e->set.begin(), e->set.end(), v) != e->set.end();
          if (in != neg) l.values.push_back(v);
        }
        return One(l, neg);
      }
      break;
    }
    case Op::InJuris: {
      const TExpr* a = e->kids[0].get();
      if (a->op != Op::Const) {
        Literal l;
        l.kind = Literal::Juris;
        l.key = Key(*a);
        l.term = a;
        l.at = e;
        l.value = e->ival;
        l.negated = neg;
        return One(l, neg);
      }
      break;
    }
    case Op::Field:
      if (e->type.kind == TypeKind::Bool && !e->type.list) {
        Literal l;
        l.kind = Literal::Bool;
        l.key = Key(*e);
        l.term = e;
        l.at = e;
        l.negated = neg;
        return One(l, neg);
      }
      break;
    default:
      break;
  }
  Literal l;
  l.kind = Literal::Opaque;
  l.key = Key(*e);
  l.term = e;
  l.at = e;
  l.negated = neg;
  return One(l, neg);
}

int64_t Dec(int64_t v) { return v == INT64_MIN ? v : v - 1; }
int64_t Inc(int64_t v) { return v == INT64_MAX ? v : v + 1; }

void Domain(const TExpr& term, int64_t& lo, int64_t& hi) {
  lo = term.type.kind == TypeKind::Count ? 0 : INT64_MIN;
  hi = INT64_MAX;
}

// Narrows [lo, hi] by one numeric literal; holes collect `!=` values.
void Narrow(const Literal& l, int64_t& lo, int64_t& hi, std::set<int64_t>& holes) {
  switch (l.cmp) {
    case 0: lo = std::max(lo, l.value); hi = std::min(hi, l.value); break;
    case 1: holes.insert(l.value); break;
    case 2: hi = std::min(hi, Dec(l.value)); break;
    case 3: hi = std::min(hi, l.value); break;
    case 4: lo = std::max(lo, Inc(l.value)); break;
    case 5: lo = std::max(lo, l.value); break;
  }
}

bool EmptyNum(int64_t lo, int64_t hi, const std::set<int64_t>& holes) {
  if (lo > hi) return true;
  // Every value of a small range is a hole.
  if (static_cast<uint64_t>(hi) - static_cast<uint64_t>(lo) >= holes.size()) return false;
  for (int64_t v = lo;; ++v) {
    if (!holes.count(v)) return false;
    if (v == hi) return true;
  }
}

}  // namespace

std::optional<std::vector<Conjunction>> Dnf(const TExpr* e, const check::Project& p) { return Build(e, p, false); }

std::optional<std::vector<Conjunction>> DnfNot(const TExpr* e, const check::Project& p) { return Build(e, p, true); }

std::optional<std::vector<Conjunction>> And(const std::optional<std::vector<Conjunction>>& a,
                                            const std::optional<std::vector<Conjunction>>& b) {
  return Product(a, b);
}

bool Satisfiable(const Conjunction& c, const check::Project& p, Conflict* why) {
  std::map<std::string, std::vector<const Literal*>> by_key;
  for (const auto& l : c) by_key[l.key].push_back(&l);
  auto fail = [&](const Literal* a, const Literal* b) {
    if (why) *why = Conflict{a, b};
    return false;
  };
  for (const auto& [key, lits] : by_key) {
    const Literal& first = *lits[0];
    switch (first.kind) {
      case Literal::Num: {
        int64_t lo, hi;
        Domain(*first.term, lo, hi);
        std::set<int64_t> holes;
        const Literal *lo_lit = nullptr, *hi_lit = nullptr;
        for (const Literal* l : lits) {
          int64_t lo0 = lo, hi0 = hi;
          Narrow(*l, lo, hi, holes);
          if (EmptyNum(lo, hi, holes)) {
            const Literal* other = (lo != lo0) ? hi_lit : (hi != hi0 ? lo_lit : (lo_lit ? lo_lit : hi_lit));
            return fail(other ? other : (l == &first ? nullptr : &first), l);
          }
          if (lo != lo0) lo_lit = l;
          if (hi != hi0) hi_lit = l;
          if (l->cmp == 1 && !lo_lit) lo_lit = l;
        }
        break;
      }
      case Literal::Enum: {
        std::vector<int64_t> allowed = first.values;
        for (const Literal* l : lits) {
          std::vector<int64_t> next;
          for (int64_t v : allowed)
            if (std::find(l->values.begin(), l->values.end(), v) != l->values.end()) next.push_back(v);
          allowed = std::move(next);
          if (allowed.empty()) return fail(l == &first ? nullptr : &first, l);
        }
        break;
      }
      case Literal::Bool:
      case Literal::Opaque:
        for (const Literal* l : lits)
          if (l->negated != first.negated) return fail(&first, l);
        break;
      case Literal::Juris: {
        for (size_t i = 0; i < lits.size(); ++i)
          for (size_t j = 0; j < i; ++j) {
            const Literal& a = *lits[j];
            const Literal& b = *lits[i];
            auto clash = [&](const Literal& x, const Literal& y) {
              int32_t u = static_cast<int32_t>(x.value), v = static_cast<int32_t>(y.value);
              if (!x.negated && !y.negated) {
                if (x.juris_eq && y.juris_eq) return u != v;
                if (x.juris_eq) return !p.Contains(v, u);  // j == u and j in v
                if (y.juris_eq) return !p.Contains(u, v);
                return !p.Contains(u, v) && !p.Contains(v, u);  // disjoint regions
              }
              if (!x.negated && y.negated) {
                if (y.juris_eq) return x.juris_eq && u == v;  // j (==|in) u and j != v
                return p.Contains(v, u);                      // j in u (or == u), u inside v, j not in v
              }
              return false;
            };
            if (clash(a, b) || clash(b, a)) return fail(&a, &b);
          }
        break;
      }
    }
  }
  return true;
}

Truth EvalUnder(const TExpr* e, const Conjunction& c, const check::Project& p) {
  if (!e) return Truth::True;
  auto never = [&](const Dnfs& d) {
    if (!d) return false;
    for (const auto& conj : *d) {
      Conjunction all = c;
      all.insert(all.end(), conj.begin(), conj.end());
      if (Satisfiable(all, p)) return false;
    }
    return true;
  };
  if (never(DnfNot(e, p))) return Truth::True;
  if (never(Dnf(e, p))) return Truth::False;
  return Truth::Unknown;
}

void Bounds(const Conjunction& c, const std::string& key, const TExpr& term, int64_t& lo, int64_t& hi) {
  Domain(term, lo, hi);
  std::set<int64_t> holes;
  for (const auto& l : c)
    if (l.key == key && l.kind == Literal::Num) Narrow(l, lo, hi, holes);
}

}  // namespace lexgate::lint
