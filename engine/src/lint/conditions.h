// What lint knows about conditions: a small decision procedure over the checked project's typed
// expressions (check::TExpr). A condition is put in negation normal form and expanded into a disjunction
// of conjunctions of literals (DNF, given up above kMaxDisjuncts); a literal constrains one *term* — a
// fact or a sum of facts such as cumulative(…), identified by its structure — to an integer interval with
// holes (numbers, dates), a set of enum values, a bool value, or a jurisdiction (inside / not inside /
// equal to); anything else (`some`, `known`, group membership, comparisons between two facts) is an opaque
// literal that only contradicts its own negation. A conjunction is unsatisfiable when one term's
// constraints leave no value. Counts start at 0. Everything is sound for the questions lint asks: a
// conjunction called unsatisfiable really is, and "implied" really means the other condition is true
// whenever the conjunction is (Kleene's three-valued logic: a condition that cannot be true cannot be true
// with unknown facts either).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "check/project.h"

namespace lexgate::lint {

constexpr size_t kMaxDisjuncts = 256;

struct Literal {
  enum Kind { Num, Enum, Bool, Juris, Opaque } kind = Opaque;
  std::string key;        // the term (or, for Opaque, the whole literal without its sign)
  const check::TExpr* term = nullptr;
  const check::TExpr* at = nullptr;  // the comparison as written (span)
  bool negated = false;   // Bool: value false; Opaque: negated; Juris: not inside
  int cmp = 0;            // Num: 0 == 1 != 2 < 3 <= 4 > 5 >=  (negation already applied)
  int64_t value = 0;      // Num constant; Juris jurisdiction id; Enum: see `values`
  bool juris_eq = false;  // Juris: `==` rather than `in`
  std::vector<int64_t> values;  // Enum: the allowed values (negation already applied)
  bool under_not = false;  // written under a `not` (so `at` shows the comparison before negation)
};

using Conjunction = std::vector<Literal>;

// The disjuncts of `e` (null = true), or nothing when there would be more than kMaxDisjuncts.
std::optional<std::vector<Conjunction>> Dnf(const check::TExpr* e, const check::Project& p);

// The disjuncts of `not e`, or nothing when too many.
std::optional<std::vector<Conjunction>> DnfNot(const check::TExpr* e, const check::Project& p);

// All disjuncts of `a and b`, or nothing when too many.
std::optional<std::vector<Conjunction>> And(const std::optional<std::vector<Conjunction>>& a,
                                            const std::optional<std::vector<Conjunction>>& b);

struct Conflict {
  const Literal* first = nullptr;   // the literals that cannot hold together
  const Literal* second = nullptr;
};

// Whether some assignment makes every literal true; on failure, the two literals that clash.
bool Satisfiable(const Conjunction& c, const check::Project& p, Conflict* why = nullptr);

enum class Truth { False, True, Unknown };

// The value of `e` in every situation where `c` holds (Unknown when it depends).
Truth EvalUnder(const check::TExpr* e, const Conjunction& c, const check::Project& p);

// The integer interval [lo, hi] a conjunction allows for `key` (type domain if unconstrained).
void Bounds(const Conjunction& c, const std::string& key, const check::TExpr& term, int64_t& lo, int64_t& hi);

// A structural key of a term (no spans).
std::string Key(const check::TExpr& e);

}  // namespace lexgate::lint
