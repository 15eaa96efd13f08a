#include "eval/evaluate.h"

#include <unicode/timezone.h>

#include <memory>

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <tuple>
#include <type_traits>
#include <unordered_map>

#include "base/date.h"
#include "time/calendar.h"
#include "ir/workdays.h"
#include "eval/missing_order.h"

namespace lexgate::eval {

using check::TypeKind;
using ir::NOp;
using ir::Val;

const char* VerdictName(Verdict v) {
  switch (v) {
    case Verdict::Permitted: return "permitted";
    case Verdict::Conditional: return "conditional";
    case Verdict::Prohibited: return "prohibited";
    case Verdict::Indeterminate: return "indeterminate";
  }
  return "indeterminate";
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

namespace {

constexpr int kMaxVars = 8;

Val B(bool b) { return {b, b, true}; }
const Val kU{0, 0, false};

int64_t SatAdd(int64_t a, int64_t b) {
  int64_t r;
  if (__builtin_add_overflow(a, b, &r)) return a > 0 ? INT64_MAX : INT64_MIN;
  return r;
}
int64_t SatSub(int64_t a, int64_t b) {
  int64_t r;
  if (__builtin_sub_overflow(a, b, &r)) return a > 0 || b < 0 ? INT64_MAX : INT64_MIN;
  return r;
}

bool Interval(TypeKind k) {
  return k == TypeKind::Int || k == TypeKind::Count || k == TypeKind::Decimal || k == TypeKind::Date ||
         k == TypeKind::Timestamp;
}

// An interval [lo, hi] (a single value when known) <cmp> the constant c, three-valued: 0 false, 1 true,
// 2 unknown. The same as CompareV(true, cmp, {lo, hi, known}, {c, c, true}).
[[gnu::always_inline]] inline uint8_t CompareConst(uint8_t cmp, int64_t lo, int64_t hi, bool known, int64_t c) {
  constexpr uint8_t F = 0, T = 1, U = 2;
  switch (cmp) {
    case 0: return known ? (lo == c ? T : F) : (hi < c || c < lo) ? F : U;
    case 1: return known ? (lo != c ? T : F) : (hi < c || c < lo) ? T : U;
    case 2: return hi < c ? T : lo >= c ? F : U;
    case 3: return hi <= c ? T : lo > c ? F : U;
    case 4: return lo > c ? T : hi <= c ? F : U;
    default: return lo >= c ? T : hi < c ? F : U;
  }
}

// a <cmp> b, three-valued; intervals for numbers and dates.
inline Val CompareV(bool interval, uint8_t cmp, const Val& a, const Val& b) {
    if (interval) {
      switch (cmp) {
        case 0:  // ==
          if (a.known && b.known) return B(a.lo == b.lo);
          if (a.hi < b.lo || b.hi < a.lo) return B(false);
          return kU;
        case 1:
          if (a.known && b.known) return B(a.lo != b.lo);
          if (a.hi < b.lo || b.hi < a.lo) return B(true);
          return kU;
        case 2:  // <
          if (a.hi < b.lo) return B(true);
          if (a.lo >= b.hi) return B(false);
          return kU;
        case 3:  // <=
          if (a.hi <= b.lo) return B(true);
          if (a.lo > b.hi) return B(false);
          return kU;
        case 4:  // >
          if (a.lo > b.hi) return B(true);
          if (a.hi <= b.lo) return B(false);
          return kU;
        case 5:  // >=
          if (a.lo >= b.hi) return B(true);
          if (a.hi < b.lo) return B(false);
          return kU;
      }
    }
    if (!a.known || !b.known) return kU;
    return B(cmp == 0 ? a.lo == b.lo : a.lo != b.lo);
  }


// Finds a fact in a list of them without scanning the list once it is long. A case may list up to
// 100,000 elements, each with several unknown fields; de-duplicating those by a scan was quadratic
// (1,500 elements of nulls: 0.9 s, 4,000: 7.7 s). Up to kLinear facts a scan is cheaper and allocates
// nothing; beyond, the facts are indexed by hash as the list grows (entries [0, indexed)).
struct FactIndex {
  static constexpr size_t kLinear = 32;
  std::unique_ptr<std::unordered_multimap<uint64_t, uint32_t>> map;  // made when first needed
  uint32_t indexed = 0;
};

bool SameFact(const Scratch& s, Scratch::Fact a, Scratch::Fact b) {
  // a root slot's path has no '[': it never equals an element's path
  return a.slot >= 0 ? b.slot == a.slot : b.slot < 0 && s.eval_pool[a.text] == s.eval_pool[b.text];
}

// The position in list[0, n) of a fact equal to f, else n.
size_t FindFact(const Scratch& s, const Scratch::Fact* list, size_t n, Scratch::Fact f, FactIndex& index) {
  if (n <= FactIndex::kLinear) {
    for (size_t i = 0; i < n; ++i)
      if (SameFact(s, f, list[i])) return i;
    return n;
  }
  auto hash = [&s](Scratch::Fact x) {
    return x.slot >= 0 ? static_cast<uint64_t>(x.slot) : std::hash<std::string>{}(s.eval_pool[x.text]) | (uint64_t{1} << 63);
  };
  if (!index.map) index.map = std::make_unique<std::unordered_multimap<uint64_t, uint32_t>>();
  for (; index.indexed < n; ++index.indexed) index.map->emplace(hash(list[index.indexed]), index.indexed);
  for (auto [at, end] = index.map->equal_range(hash(f)); at != end; ++at)
    if (SameFact(s, f, list[at->second])) return at->second;
  return n;
}

// Where Machine::Collect puts the facts one condition is missing (Scratch::eval_facts from `begin`),
// each once: a root slot by number, an element's path as text in the next free string of the pool.
// A root slot is de-duplicated by its mark (Scratch::SlotMark::sink), an element's path by FindFact.
struct FactSink {
  Scratch& s;
  uint32_t begin;
  uint32_t epoch;
  FactIndex index{};
  FactSink(Scratch& scratch, uint32_t first) : s(scratch), begin(first), epoch(++scratch.eval_sink_epoch) {
    if (epoch == 0) {  // wrapped: no mark may match this condition by accident
      for (Scratch::SlotMark& mark : s.eval_slot_mark) mark.sink = 0;
      epoch = s.eval_sink_epoch = 1;
    }
  }
  bool Has(Scratch::Fact f) {
    const size_t n = s.eval_facts.size() - begin;
    return FindFact(s, s.eval_facts.data() + begin, n, f, index) != n;
  }
  void Root(int32_t slot) {
    uint32_t& mark = s.eval_slot_mark[static_cast<size_t>(slot)].sink;
    if (mark == epoch) return;
    mark = epoch;
    s.eval_facts.push_back({slot, 0});
  }
  std::string& Next() {
    if (s.eval_pool_used == s.eval_pool.size()) s.eval_pool.emplace_back();
    std::string& text = s.eval_pool[s.eval_pool_used];
    text.clear();
    return text;
  }
  void KeepNext() {  // the element path just written into Next()
    if (!Has({-1, s.eval_pool_used})) s.eval_facts.push_back({-1, s.eval_pool_used++});
  }
};

void AppendInt(std::string& out, int64_t v) {
  char num[24];
  auto [end, ec] = std::to_chars(num, num + sizeof num, v);
  (void)ec;
  out.append(num, end);
}

// The value of each condition (its flat code's entry) on one path of an outcome diagram being built:
// the conditions met so far, each with the value the path took. A condition the path has not met yet is
// `needed` (the first such of a run), and reads as unknown for the rest of that run, whose result is then
// not used.
struct CondOracle {
  Tri Cond(int32_t pc) {
    for (const auto& [entry, t] : path)
      if (entry == pc) return t;
    if (needed < 0) needed = pc;
    return Tri::Unknown;
  }
  std::vector<std::pair<int32_t, Tri>> path;
  int32_t needed = -1;
  int32_t ruleset = -1;  // the one ruleset the run settles
  uint8_t flags = 0;     // the run's verdict flags (ir::DecideDiagrams::Outcome)
};

// "[i]" appended to `out` (an element's index in a path), in one append.
void AppendIndex(std::string& out, int64_t i) {
  char text[24];
  text[0] = '[';
  char* end = std::to_chars(text + 1, text + sizeof text - 1, i).ptr;
  *end++ = ']';
  out.append(text, end);
}

class Machine {
 public:
  // `reset_matches` false: the caller never reads MatchOfList (Decide), so the per-case clearing of
  // one entry per root slot is skipped.
  Machine(const ir::Program& prog, const Case& c, int32_t as_of, std::vector<int>& match_of_list,
          bool reset_matches = true)
      : prog_(prog), c_(c), cw_(c.Words()), ck_(c.KnownFlags()), cwide_(c.Wide()), as_of_(as_of),
        match_of_list_(match_of_list) {
    if (reset_matches) std::fill(match_of_list_.begin(), match_of_list_.end(), -1);
  }

  // The flat code of one root condition (ir::FInstr, a decision DAG) from `pc` to its end: the same
  // value as EvalT on the condition's node, with the same sub-expressions evaluated in the same order.
  Tri Run(int32_t pc) { return RunInline(pc); }
  // Run's loop, for a caller that runs it in its own loop (FastCore): no call per condition.
  [[gnu::always_inline]] Tri RunInline(int32_t pc) { return static_cast<Tri>(RunCode(prog_.code.data(), pc)); }
  // The loop over any code whose leaves are the program's (the flat code, or an outcome diagram,
  // ir::DecideDiagrams): from `pc` to an end, whose ~next it returns.
  [[gnu::always_inline]] int32_t RunCode(const ir::FInstr* code, int32_t pc) {
    constexpr uint8_t F = 0, T = 1, U = 2;
    for (;;) {
      const ir::FInstr& in = code[pc];
      uint8_t t;
      switch (in.op) {
        case ir::FOp::Const: t = static_cast<uint8_t>(in.imm); break;
        // Each leaf first takes the common case, a known value of the case (one byte and one word, no
        // ir::Val built); then the general one (an unknown or wide slot of the case, an element's).
        case ir::FOp::SlotTri: {
          int64_t w;
          if (RootWord(in.var, in.a, w)) { t = w ? T : F; break; }
          const Val v = Slot(in.var, in.a);
          t = !v.known ? U : (v.lo ? T : F);
          break;
        }
        case ir::FOp::IEq: {
          int64_t w;
          if (RootWord(in.var, in.a, w)) { t = w == in.imm ? T : F; break; }
          const Val v = Slot(in.var, in.a);
          t = v.known ? (v.lo == in.imm ? T : F) : (v.hi < in.imm || in.imm < v.lo) ? F : U;
          break;
        }
        case ir::FOp::INe: {
          int64_t w;
          if (RootWord(in.var, in.a, w)) { t = w != in.imm ? T : F; break; }
          const Val v = Slot(in.var, in.a);
          t = v.known ? (v.lo != in.imm ? T : F) : (v.hi < in.imm || in.imm < v.lo) ? T : U;
          break;
        }
        case ir::FOp::ILt: {
          int64_t w;
          if (RootWord(in.var, in.a, w)) { t = w < in.imm ? T : F; break; }
          const Val v = Slot(in.var, in.a);
          t = v.hi < in.imm ? T : v.lo >= in.imm ? F : U;
          break;
        }
        case ir::FOp::ILe: {
          int64_t w;
          if (RootWord(in.var, in.a, w)) { t = w <= in.imm ? T : F; break; }
          const Val v = Slot(in.var, in.a);
          t = v.hi <= in.imm ? T : v.lo > in.imm ? F : U;
          break;
        }
        case ir::FOp::IGt: {
          int64_t w;
          if (RootWord(in.var, in.a, w)) { t = w > in.imm ? T : F; break; }
          const Val v = Slot(in.var, in.a);
          t = v.lo > in.imm ? T : v.hi <= in.imm ? F : U;
          break;
        }
        case ir::FOp::IGe: {
          int64_t w;
          if (RootWord(in.var, in.a, w)) { t = w >= in.imm ? T : F; break; }
          const Val v = Slot(in.var, in.a);
          t = v.lo >= in.imm ? T : v.hi < in.imm ? F : U;
          break;
        }
        case ir::FOp::KEq: {
          int64_t w;
          if (RootWord(in.var, in.a, w)) { t = w == in.imm ? T : F; break; }
          const Val v = Slot(in.var, in.a);
          t = !v.known ? U : (v.lo == in.imm ? T : F);
          break;
        }
        case ir::FOp::KNe: {
          int64_t w;
          if (RootWord(in.var, in.a, w)) { t = w != in.imm ? T : F; break; }
          const Val v = Slot(in.var, in.a);
          t = !v.known ? U : (v.lo != in.imm ? T : F);
          break;
        }
        case ir::FOp::CmpAdd: {
          int64_t x, y;
          if (RootWord(in.var, in.a, x) && RootWord(in.var2, in.b, y)) {
            const int64_t sum = SatAdd(x, y);
            t = CompareConst(in.cmp, sum, sum, true, in.imm);
            break;
          }
          const Val a = Slot(in.var, in.a);
          const Val b = Slot(in.var2, in.b);
          t = CompareConst(in.cmp, SatAdd(a.lo, b.lo), SatAdd(a.hi, b.hi), a.known && b.known, in.imm);
          break;
        }
        case ir::FOp::KEqSlots: {
          int64_t x, y;
          if (RootWord(in.var, in.a, x) && RootWord(in.var2, in.b, y)) { t = x == y ? T : F; break; }
          const Val a = Slot(in.var, in.a);
          const Val b = Slot(in.var2, in.b);
          t = !(a.known && b.known) ? U : a.lo == b.lo ? T : F;
          break;
        }
        case ir::FOp::KNeSlots: {
          int64_t x, y;
          if (RootWord(in.var, in.a, x) && RootWord(in.var2, in.b, y)) { t = x != y ? T : F; break; }
          const Val a = Slot(in.var, in.a);
          const Val b = Slot(in.var2, in.b);
          t = !(a.known && b.known) ? U : a.lo != b.lo ? T : F;
          break;
        }
        case ir::FOp::InBits: {
          int64_t w;
          if (!KnownWord(in.var, in.a, w)) {
            t = U;
            break;
          }
          if (w < 0 || w >= in.imm) t = F;
          else t = (prog_.code_bits[static_cast<size_t>(in.b + w / 64)] >> (w % 64)) & 1 ? T : F;
          break;
        }
        case ir::FOp::KnownSlot: t = Slot(in.var, in.a).known ? T : F; break;
        case ir::FOp::InGroup: {
          int64_t w;
          if (!KnownWord(in.var, in.a, w)) {
            t = U;
            break;
          }
          t = InGroup(static_cast<int>(in.imm), static_cast<int32_t>(w)) ? T : F;
          break;
        }
        case ir::FOp::Memo:
          if (memo_stamp_ && memo_stamp_[in.a] == memo_epoch_) {
            t = memo_value_[in.a];
            break;
          }
          t = Slow(in);
          break;
        case ir::FOp::Tree:
        case ir::FOp::CmpSlots:
        case ir::FOp::InList:
        case ir::FOp::Some:
          t = Slow(in);
          break;
        default:  // every FOp is handled above; this lets the dispatch jump skip its range check
          __builtin_unreachable();
      }
      // A branch on t, not a load indexed by it: the branch is predicted, and the next leaf's loads start
      // before this one's value is known (with the indexed load, each leaf waited on the one before).
      if (t == T) [[likely]] pc = in.next[1];
      else if (t == F) pc = in.next[0];
      else pc = in.next[2];
      if (pc < 0) return ~pc;
    }
  }

  // Symbolic runs (DiagramBuilder): each condition's value is the oracle's, not the case's.
  void SetOracle(CondOracle* oracle) { oracle_ = oracle; }
  CondOracle& Oracle() { return *oracle_; }
  // RunInline, or symbolically (kSym); Run, or symbolically.
  template <bool kSym>
  [[gnu::always_inline]] Tri RunInlineAs(int32_t pc) {
    if constexpr (kSym) return RunSymbolic(pc);
    else return RunInline(pc);
  }
  template <bool kSym>
  Tri RunAs(int32_t pc) {
    if constexpr (kSym) return RunSymbolic(pc);
    else return Run(pc);
  }
  Tri RunSymbolic(int32_t pc) { return oracle_->Cond(pc); }

  // The leaves Run leaves out of its loop (rare, or calling back into Run or the tree): out of line,
  // so that the loop keeps few registers and a short prologue.
  [[gnu::noinline]] uint8_t Slow(const ir::FInstr& in) {
    constexpr uint8_t F = 0, T = 1, U = 2;
    uint8_t t;
    switch (in.op) {
        case ir::FOp::Tree: t = static_cast<uint8_t>(EvalT(in.a)); break;
        case ir::FOp::CmpSlots:
          t = static_cast<uint8_t>(ToTriV(CompareV(in.interval != 0, in.cmp, Slot(in.var, in.a), Slot(in.var2, in.b))));
          break;
        case ir::FOp::InList: {
          const Val v = Slot(in.var, in.a);
          if (!v.known) { t = U; break; }
          t = F;
          for (int64_t i = 0; i < in.imm; ++i)
            if (prog_.sets[static_cast<size_t>(in.b + i)] == v.lo) { t = T; break; }
          break;
        }
        case ir::FOp::Memo:  // not yet stored for this case
          t = static_cast<uint8_t>(Run(in.b));
          if (memo_stamp_) {
            memo_stamp_[in.a] = memo_epoch_;
            memo_value_[in.a] = t;
          }
          break;
        default:
          t = U;
          break;
        case ir::FOp::Some: {  // as EvalNode's Some, with the body run as code
          const Val list = CSlot(in.a);
          if (!list.known) {
            t = U;
            break;
          }
          const int var = in.depth;
          const int saved = base_[var];
          bool unknown = false;
          t = F;
          const Val* saved_base = vbase_[var];
          ++bound_;  // as EvalNode's Some: a tree leaf in the body depends on the element, not remembered
          for (int64_t i = 0; i < list.hi; ++i) {
            base_[var] = static_cast<int>(list.lo + i * in.imm);
            vbase_[var] = c_.items.data() + base_[var];
            const Tri v = Run(in.b);
            if (v == Tri::Unknown) unknown = true;
            else if (v == Tri::True) {
              t = T;
              last_match_[var] = static_cast<int>(i);
              match_of_list_[in.a] = static_cast<int>(i);
              break;
            }
          }
          base_[var] = saved;
          vbase_[var] = saved_base;
          --bound_;
          if (t != T && unknown) t = U;
          break;
        }
    }
    return t;
  }

  // Keep the values of shared blocks (ir::FOp::Memo) in `s` for this case; without it every block
  // is run each time it is met.
  void UseMemo(Scratch& s) {
    if (s.memo_stamp.empty()) return;
    if (++s.memo_epoch == 0) {  // wrapped: no stamp may match a new case by accident
      std::fill(s.memo_stamp.begin(), s.memo_stamp.end(), 0);
      s.memo_epoch = 1;
    }
    memo_stamp_ = s.memo_stamp.data();
    memo_value_ = s.memo_value.data();
    memo_epoch_ = s.memo_epoch;
  }

  // The element index that the last true `some` over root list `slot` matched, or -1.
  int MatchOfList(int32_t slot) const { return match_of_list_[slot]; }
  void ForgetMatch(int32_t slot) { match_of_list_[slot] = -1; }

  // Explanations only: report every node evaluated to `t` (null, the default, on the hot path).
  void SetTracer(Tracer* t) { tracer_ = t; }
  Tri EvalT(int32_t id) {
    if (tracer_) [[unlikely]] {
      tracer_->Enter(id);
      Tri t = EvalTNode(id);
      tracer_->Leave(id, t == Tri::Unknown ? kU : B(t == Tri::True));
      return t;
    }
    if (values_ && !bound_) {
      Scratch::NodeValue& e = values_[static_cast<uint32_t>(id) % Scratch::kNodeValues];
      if (e.node == id && e.epoch == values_epoch_) return ToTriV(e.value);
      const Tri t = EvalTNode(id);
      switch (prog_.nodes[id].op) {  // nodes whose value is the truth value itself (not a Slot's)
        case NOp::Not: case NOp::And: case NOp::Or: case NOp::Cmp:
        case NOp::InJuris: case NOp::InGroup: case NOp::InSet:
          e = {id, values_epoch_, t == Tri::Unknown ? kU : B(t == Tri::True)};
          break;
        default: break;
      }
      return t;
    }
    return EvalTNode(id);
  }
  Val Eval(int32_t id) {
    if (tracer_) [[unlikely]] {
      tracer_->Enter(id);
      Val v = EvalNode(id);
      tracer_->Leave(id, v);
      return v;
    }
    if (values_ && !bound_) {
      Scratch::NodeValue& e = values_[static_cast<uint32_t>(id) % Scratch::kNodeValues];
      if (e.node == id && e.epoch == values_epoch_) return e.value;
      const Val v = EvalNode(id);
      e = {id, values_epoch_, v};
      return v;
    }
    return EvalNode(id);
  }

  // From here on, remember the value of every node evaluated outside a `some` body (it depends only
  // on the case), so that collecting missing facts, which asks for a node's value at each level of the
  // tree, evaluates each node once. Element matches are then not recorded again: only for the last
  // phase of Evaluate.
  void RememberValues(Scratch& s) {
    if (s.eval_values.empty()) s.eval_values.resize(Scratch::kNodeValues);
    if (++s.eval_values_epoch == 0) {  // wrapped: no entry may match a new case by accident
      std::fill(s.eval_values.begin(), s.eval_values.end(), Scratch::NodeValue{});
      s.eval_values_epoch = 1;
    }
    values_ = s.eval_values.data();
    values_epoch_ = s.eval_values_epoch;
  }

  // The condition at `id` as a truth value. Logic nodes are evaluated here without building Vals (the
  // hot path: no return through memory), and a comparison of a case fact with a constant — the commonest
  // leaf — reads the slot directly instead of recursing twice.
  Tri EvalTNode(int32_t id) {
    const ir::Node& n = prog_.nodes[id];
    const uint32_t* k = prog_.kid_list.data() + n.kids;
    switch (n.op) {
      case NOp::Not: {
        Tri t = EvalT(k[0]);
        return t == Tri::Unknown ? t : (t == Tri::True ? Tri::False : Tri::True);
      }
      case NOp::And: {
        bool unknown = false;
        for (uint32_t i = 0; i < n.nkids; ++i) {
          Tri t = EvalT(k[i]);
          if (t == Tri::False) return Tri::False;
          unknown |= t == Tri::Unknown;
        }
        return unknown ? Tri::Unknown : Tri::True;
      }
      case NOp::Or: {
        bool unknown = false;
        for (uint32_t i = 0; i < n.nkids; ++i) {
          Tri t = EvalT(k[i]);
          if (t == Tri::True) return Tri::True;
          unknown |= t == Tri::Unknown;
        }
        return unknown ? Tri::Unknown : Tri::False;
      }
      case NOp::Cmp: {
        const ir::Node& a = prog_.nodes[k[0]];
        const ir::Node& b = prog_.nodes[k[1]];
        if (a.op == NOp::Slot && a.var < 0 && b.op == NOp::Const) {
          const Val c{b.imm, b.imm, true};
          return ToTriV(Compare(n, CSlot(a.slot), c));
        }
        return ToTriV(Compare(n, Eval(k[0]), Eval(k[1])));
      }
      case NOp::Slot: {
        const Val v = n.var < 0 ? CSlot(n.slot) : c_.items[base_[n.var] + n.slot];
        return ToTriV(v);
      }
      case NOp::InJuris:
      case NOp::InGroup:
      case NOp::InSet: {
        const ir::Node& a = prog_.nodes[k[0]];
        const Val v = (a.op == NOp::Slot && a.var < 0) ? CSlot(a.slot) : Eval(k[0]);
        if (!v.known) return Tri::Unknown;
        if (n.op == NOp::InGroup) return InGroup(static_cast<int>(n.imm), static_cast<int32_t>(v.lo)) ? Tri::True : Tri::False;
        if (n.op == NOp::InJuris) {
          for (int32_t anc : prog_.ancestors[v.lo])
            if (anc == n.imm) return Tri::True;
          return Tri::False;
        }
        for (uint32_t i = 0; i < n.nset; ++i)
          if (prog_.sets[n.set + i] == v.lo) return Tri::True;
        return Tri::False;
      }
      default:
        return ToTriV(Eval(id));
    }
  }

  static Tri ToTriV(const Val& v) { return !v.known ? Tri::Unknown : (v.lo ? Tri::True : Tri::False); }

  Val EvalNode(int32_t id) {
    const ir::Node& n = prog_.nodes[id];
    const uint32_t* k = prog_.kid_list.data() + n.kids;
    switch (n.op) {
      case NOp::Const: return {n.imm, n.imm, true};
      case NOp::Slot: return n.var < 0 ? CSlot(n.slot) : c_.items[base_[n.var] + n.slot];
      case NOp::Not:
      case NOp::And:
      case NOp::Or: {  // Kleene logic lives in EvalT; a value is wanted here
        Tri t = EvalT(id);
        return t == Tri::Unknown ? kU : B(t == Tri::True);
      }
      case NOp::Cmp: return Compare(n, Eval(k[0]), Eval(k[1]));
      case NOp::InJuris: {
        Val v = Eval(k[0]);
        if (!v.known) return kU;
        for (int32_t a : prog_.ancestors[v.lo])
          if (a == n.imm) return B(true);
        return B(false);
      }
      case NOp::InGroup: {
        Val v = Eval(k[0]);
        if (!v.known) return kU;
        return B(InGroup(static_cast<int>(n.imm), static_cast<int32_t>(v.lo)));
      }
      case NOp::InSet: {
        Val v = Eval(k[0]);
        if (!v.known) return kU;
        for (uint32_t i = 0; i < n.nset; ++i)
          if (prog_.sets[n.set + i] == v.lo) return B(true);
        return B(false);
      }
      case NOp::InList: {
        Val v = Eval(k[0]);
        Val list = Eval(k[1]);
        if (!list.known) return kU;
        bool any_unknown = !v.known;
        for (int64_t i = 0; i < list.hi; ++i) {
          const Val& e = c_.items[list.lo + i];
          if (!e.known) { any_unknown = true; continue; }
          if (v.known && e.lo == v.lo) return B(true);
        }
        return any_unknown && list.hi > 0 ? kU : B(false);
      }
      case NOp::Add: {
        Val a = Eval(k[0]), b = Eval(k[1]);
        return {SatAdd(a.lo, b.lo), SatAdd(a.hi, b.hi), a.known && b.known};
      }
      case NOp::Sub: {
        Val a = Eval(k[0]), b = Eval(k[1]);
        return {SatSub(a.lo, b.hi), SatSub(a.hi, b.lo), a.known && b.known};
      }
      case NOp::Neg: {
        Val a = Eval(k[0]);
        return {SatSub(0, a.hi), SatSub(0, a.lo), a.known};
      }
      case NOp::Known: return B(Eval(k[0]).known);
      case NOp::Some: {
        Val list = Eval(k[0]);
        if (!list.known) return kU;
        bool unknown = false;
        int var = n.var;
        if (var >= kMaxVars) return kU;
        int saved = base_[var];
        Val result = B(false);
        ++bound_;
        for (int64_t i = 0; i < list.hi; ++i) {
          base_[var] = static_cast<int>(list.lo + i * n.imm);
          Val v = Eval(k[1]);
          if (!v.known) unknown = true;
          else if (v.lo) {
            result = B(true);
            last_match_[var] = static_cast<int>(i);
            const ir::Node& ln = prog_.nodes[k[0]];
            if (ln.op == NOp::Slot && ln.var < 0) match_of_list_[ln.slot] = static_cast<int>(i);
            break;
          }
        }
        base_[var] = saved;
        --bound_;
        if (result.lo) return result;
        return unknown ? kU : B(false);
      }
    }
    return kU;
  }

  // The facts whose being unknown makes node `id` unknown (only those that matter).
  void Collect(int32_t id, FactSink& out) {
    const ir::Node& n = prog_.nodes[id];
    const uint32_t* k = prog_.kid_list.data() + n.kids;
    switch (n.op) {
      case NOp::Const: return;
      case NOp::Slot: {
        Val v = Eval(id);
        if (v.known && !(Interval(n.type) && v.lo != v.hi)) return;
        if (n.var < 0) {
          out.Root(n.slot);
          return;
        }
        std::string& text = out.Next();
        if (!elem_path_.empty()) text.append(elem_path_[n.var]);
        text.append(".").append(ElemSlotPath(n.var, n.slot));
        out.KeepNext();
        return;
      }
      case NOp::And:
      case NOp::Or:
      case NOp::Not:
        for (uint32_t i = 0; i < n.nkids; ++i)
          if (!Eval(k[i]).known) Collect(k[i], out);
        return;
      case NOp::Some: {
        Val list = Eval(k[0]);
        if (!list.known) { Collect(k[0], out); return; }
        int var = n.var;
        if (var >= kMaxVars) return;
        int saved = base_[var];
        if (elem_path_.empty()) elem_path_.resize(kMaxVars);
        std::string saved_path = std::move(elem_path_[var]);
        static const std::string kUnnamed = "?";
        const std::string& list_path = prog_.nodes[k[0]].var < 0 ? prog_.root.slots[prog_.nodes[k[0]].slot].path : kUnnamed;
        elem_rec_[var] = ElemRecordOf(k[0]);
        ++bound_;
        for (int64_t i = 0; i < list.hi; ++i) {
          base_[var] = static_cast<int>(list.lo + i * n.imm);
          std::string& path = elem_path_[var];
          path.assign(list_path).append("[");
          AppendInt(path, i);
          path.append("]");
          if (!Eval(k[1]).known) Collect(k[1], out);
        }
        base_[var] = saved;
        --bound_;
        elem_path_[var] = std::move(saved_path);
        return;
      }
      default:
        for (uint32_t i = 0; i < n.nkids; ++i) Collect(k[i], out);
        return;
    }
  }

  // For `satisfied when some s in safeguards where …`: which element satisfied it, into `out` (cleared
  // by the caller; left as it is when none): true when found.
  bool MatchPath(int32_t id, std::string& out) {
    const ir::Node& n = prog_.nodes[id];
    const uint32_t* k = prog_.kid_list.data() + n.kids;
    if (n.op == NOp::Some) {
      const ir::Node& list = prog_.nodes[k[0]];
      if (list.var < 0 && n.var >= 0 && n.var < kMaxVars) {
        out.append(prog_.root.slots[list.slot].path);
        AppendIndex(out, last_match_[n.var]);
        return true;
      }
    }
    if (n.op == NOp::Slot && n.var < 0) {
      out.append(prog_.root.slots[n.slot].path);
      return !prog_.root.slots[n.slot].path.empty();
    }
    if (n.op == NOp::And || n.op == NOp::Or)
      for (uint32_t i = 0; i < n.nkids; ++i) {
        Val v = Eval(k[i]);
        if (v.known && v.lo && MatchPath(k[i], out)) return true;
      }
    if (n.op == NOp::Cmp || n.op == NOp::InSet || n.op == NOp::Known)
      for (uint32_t i = 0; i < n.nkids; ++i)
        if (MatchPath(k[i], out)) return true;
    return false;
  }

 private:
  Val Compare(const ir::Node& n, const Val& a, const Val& b) { return CompareV(Interval(n.type), n.cmp, a, b); }
  // Root slot i of the case.
  [[gnu::always_inline]] Val CSlot(int32_t i) const { return Case::Decode(cw_[i], ck_[i], cwide_); }
  // True, and its value in w, when slot `slot` of `var` is a known single value of the case (case.h:
  // known byte 1), the common case the flat code's leaves take first.
  [[gnu::always_inline]] bool RootWord(int8_t var, int32_t slot, int64_t& w) const {
    if (var >= 0 || !ck_[slot]) return false;
    w = static_cast<int64_t>(cw_[slot]);
    return true;
  }
  // A known slot's value (its lo, as the tree reads it): true and `w`, or false when it is not known.
  [[gnu::always_inline]] bool KnownWord(int8_t var, int32_t slot, int64_t& w) const {
    if (RootWord(var, slot, w)) return true;
    const Val v = Slot(var, slot);
    w = v.lo;
    return v.known;
  }
  // A slot of the case (var -1, stored compactly: case.h) or of the element of `some` variable var.
  [[gnu::always_inline]] Val Slot(int8_t var, int32_t slot) const {
    return var < 0 ? CSlot(slot) : vbase_[var][slot];
  }

  bool InGroup(int g, int32_t j) const {
    const uint32_t* begin = prog_.group_span_begin.data() + static_cast<size_t>(g) * (prog_.ancestors.size() + 1) + j;
    for (uint32_t k = begin[0]; k < begin[1]; ++k)
      if (prog_.group_spans[k].first <= as_of_ && as_of_ <= prog_.group_spans[k].second) return true;
    return false;
  }

  int ElemRecordOf(int32_t list_node) const {
    const ir::Node& l = prog_.nodes[list_node];
    if (l.var < 0) return prog_.root.slots[l.slot].elem_record;
    return -1;
  }

  const std::string& ElemSlotPath(int var, int slot) const {
    static const std::string kNone;
    int rec = elem_rec_[var];
    if (rec < 0) return kNone;
    auto it = prog_.elements.find(rec);
    if (it == prog_.elements.end() || slot >= static_cast<int>(it->second.slots.size())) return kNone;
    return it->second.slots[slot].path;
  }

  const ir::Program& prog_;
  const Case& c_;
  const uint64_t* cw_;  // the case's slots: Case::Words, KnownFlags, Wide
  const uint8_t* ck_;
  const Val* cwide_;
  int32_t as_of_;
  int base_[kMaxVars] = {};
  const Val* vbase_[kMaxVars] = {};  // Run: per `some` variable its element's values
  int last_match_[kMaxVars] = {};
  int elem_rec_[kMaxVars] = {-1, -1, -1, -1, -1, -1, -1, -1};
  std::vector<std::string> elem_path_;  // sized only when missing facts are collected (off the hot path)
  std::vector<int>& match_of_list_;
  Tracer* tracer_ = nullptr;
  CondOracle* oracle_ = nullptr;
  uint32_t* memo_stamp_ = nullptr;
  uint8_t* memo_value_ = nullptr;
  uint32_t memo_epoch_ = 0;
  // RememberValues: node values of this case (entries of values_epoch_), and how many `some` bodies
  // are being run (inside one, values depend on the element and are not remembered)
  Scratch::NodeValue* values_ = nullptr;
  uint32_t values_epoch_ = 0;
  int bound_ = 0;
};

Tri ToTri(const Val& v) { return !v.known ? Tri::Unknown : (v.lo ? Tri::True : Tri::False); }

Tri And(Tri a, Tri b) {
  if (a == Tri::False || b == Tri::False) return Tri::False;
  if (a == Tri::Unknown || b == Tri::Unknown) return Tri::Unknown;
  return Tri::True;
}
Tri Not(Tri a) { return a == Tri::Unknown ? a : (a == Tri::True ? Tri::False : Tri::True); }

// The civil date of an instant in the imposing jurisdiction's time zone (its calendar's zone; UTC when
// the calendar names none). 23:30 in New York on 30 September is 1 October in Beijing.
int32_t CivilDate(int64_t seconds, const check::Calendar* cal) {
  int64_t offset = 0;
  if (cal && !cal->zone.empty()) {
    // Creating an ICU zone costs microseconds: one per thread, remade when another zone is asked for.
    thread_local std::string zone;
    thread_local std::unique_ptr<icu::TimeZone> tz;
    if (!tz || zone != cal->zone) {
      tz.reset(icu::TimeZone::createTimeZone(icu::UnicodeString::fromUTF8(cal->zone)));
      zone = cal->zone;
    }
    int32_t raw = 0, dst = 0;
    UErrorCode st = U_ZERO_ERROR;
    tz->getOffset(static_cast<UDate>(seconds) * 1000.0, false, raw, dst, st);
    if (U_SUCCESS(st)) offset = (raw + dst) / 1000;
  }
  int64_t local = seconds + offset;
  return static_cast<int32_t>(local >= 0 ? local / 86400 : -((-local + 86399) / 86400));
}

int32_t Today() {
  auto now = std::chrono::system_clock::now();
  return static_cast<int32_t>(std::chrono::duration_cast<std::chrono::hours>(now.time_since_epoch()).count() / 24);
}

}  // namespace

Tri EvalCondition(const ir::Program& prog, const Case& c, int32_t node, int32_t as_of) {
  if (node < 0) return Tri::True;
  std::vector<int> buf(prog.root.slots.size());
  Machine m(prog, c, as_of, buf);
  return ToTri(m.Eval(node));
}

Tri EvalCompiled(const ir::Program& prog, const Case& c, int32_t entry, int32_t as_of) {
  if (entry < 0) return Tri::True;
  std::vector<int> buf(prog.root.slots.size());
  Machine m(prog, c, as_of, buf);
  return m.Run(entry);
}

Val TraceCondition(const ir::Program& prog, const Case& c, int32_t node, int32_t as_of, Tracer& tracer) {
  std::vector<int> buf(prog.root.slots.size());
  Machine m(prog, c, as_of, buf);
  m.SetTracer(&tracer);
  return m.Eval(node);
}

Scratch::Scratch(const ir::Program& prog) {
  const auto& p = *prog.project;
  const size_t n_rules = p.rules.size(), n_rulesets = p.rulesets.size(), n_actions = p.actions.size();
  const size_t n_components = prog.component_rules_begin.empty() ? 0 : prog.component_rules_begin.size() - 1;
  const size_t n_units = prog.unit_rules_begin.empty() ? 0 : prog.unit_rules_begin.size() - 1;
  const size_t n_memo = static_cast<size_t>(prog.memo_count);
  // Two passes over the arrays: the first sizes the block (each array 8-byte aligned), the second
  // points them into it.
  size_t used = 0;
  std::byte* base = nullptr;
  auto place = [&](auto& a, size_t n) {
    using T = std::remove_reference_t<decltype(a[0])>;
    if (base) {
      a.p = reinterpret_cast<T*>(base + used);
      a.n = n;
    }
    used += (n * sizeof(T) + 7) / 8 * 8;
  };
  auto all = [&] {
    used = 0;
    place(unit_surely, n_units);  // 8-byte elements first
    place(unit_maybe, n_units);
    place(governed_by, n_rules);
    place(unit_stamp, n_units);
    place(memo_stamp, n_memo);
    place(rs_applies, n_rulesets);
    place(cond, n_rules);
    place(effect, n_rules);
    place(status, n_rules);
    place(reason, n_rules);
    place(component_seen, n_components);
    place(action_seen, n_actions);
    place(memo_value, n_memo);
    place(eval_slot_mark, prog.root.slots.size());
  };
  all();
  block.reset(new std::byte[used == 0 ? 1 : used]());  // zeroed: False, None, 0
  base = block.get();
  all();
  rs_order.reserve(n_rulesets);
  components.reserve(n_components);
  live.reserve(n_rules);
  touched.reserve(n_rules);
  actions.reserve(n_actions);
  match_of_list.resize(prog.root.slots.size());
}

namespace {

int32_t AsOf(const Case& c, const EvalOptions& opts) { return opts.as_of ? *opts.as_of : (c.date ? *c.date : Today()); }


// Above this many live rules, Precedence indexes the candidates instead of scanning them per rule.
constexpr size_t kPrecedenceScan = 64;

// Step 4 of Core: which live rules are governed by a rule of another ruleset, and why. A rule is
// governed by the first live rule (in s.live order) surely in effect, of another ruleset of its legal
// order that outranks its own, sharing one of its actions. A case has a handful of live rules: each is
// compared with those before it is governed (no sort, nothing allocated); many go through an index by
// (ruleset, action) → earliest position, linear in the rules (a pairwise scan over 10^5 live rules took
// minutes).
void Precedence(const ir::Program& prog, Scratch& s) {
  if (s.live.size() <= kPrecedenceScan) {
    const int32_t* act = prog.rule_actions.data();
    const uint32_t* act_begin = prog.rule_actions_begin.data();
    for (int lo : s.live) {
      const int32_t rsl = prog.rule_ruleset[lo];
      const int32_t order = prog.ruleset_legal_order[rsl];
      for (int hi : s.live) {
        if (s.effect[hi] != Tri::True) continue;
        const int32_t rsh = prog.rule_ruleset[hi];
        if (rsh == rsl || prog.ruleset_legal_order[rsh] != order) continue;
        const uint8_t reason = ir::RulesetOutranks(prog, rsh, rsl);
        if (!reason) continue;
        bool shared = false;
        for (uint32_t k = act_begin[lo]; k < act_begin[lo + 1] && !shared; ++k)
          for (uint32_t j = act_begin[hi]; j < act_begin[hi + 1] && !shared; ++j) shared = act[k] == act[j];
        if (!shared) continue;
        s.governed_by[lo] = hi;
        s.reason[lo] = reason;
        break;
      }
    }
    return;
  }
  const check::Project& p = *prog.project;
  const int64_t n_actions = static_cast<int64_t>(p.actions.size()) + 1;
  s.govern_first.clear();
  s.govern_rulesets.clear();
  for (size_t i = 0; i < s.live.size(); ++i) {
    int hi = s.live[i];
    if (s.effect[hi] != Tri::True) continue;
    const int32_t rsh = prog.rule_ruleset[hi];
    for (uint32_t k = prog.rule_actions_begin[hi]; k < prog.rule_actions_begin[hi + 1]; ++k)
      s.govern_first.emplace_back(rsh * n_actions + prog.rule_actions[k], static_cast<int>(i));
    s.govern_rulesets.push_back(rsh);
  }
  std::sort(s.govern_first.begin(), s.govern_first.end());
  s.govern_first.erase(std::unique(s.govern_first.begin(), s.govern_first.end(),
                                   [](const auto& x, const auto& y) { return x.first == y.first; }),
                       s.govern_first.end());
  std::sort(s.govern_rulesets.begin(), s.govern_rulesets.end());
  s.govern_rulesets.erase(std::unique(s.govern_rulesets.begin(), s.govern_rulesets.end()), s.govern_rulesets.end());
  for (int lo : s.live) {
    const int32_t rsl = prog.rule_ruleset[lo];
    int best = -1;
    uint8_t best_reason = 0;
    for (int rsh : s.govern_rulesets) {
      if (rsh == rsl || prog.ruleset_legal_order[rsl] != prog.ruleset_legal_order[rsh]) continue;
      const uint8_t reason = ir::RulesetOutranks(prog, rsh, rsl);
      if (!reason) continue;
      for (uint32_t k = prog.rule_actions_begin[lo]; k < prog.rule_actions_begin[lo + 1]; ++k) {
        const int a = prog.rule_actions[k];
        auto it = std::lower_bound(s.govern_first.begin(), s.govern_first.end(),
                                   std::pair<int64_t, int>(rsh * n_actions + a, -1));
        if (it == s.govern_first.end() || it->first != rsh * n_actions + a) continue;
        if (best < 0 || it->second < best) {
          best = it->second;
          best_reason = reason;
        }
      }
    }
    if (best >= 0) {
      s.governed_by[lo] = s.live[best];
      s.reason[lo] = best_reason;
    }
  }
}

using IndexEntry = std::vector<std::pair<int64_t, int32_t>>::const_iterator;

// The rulesets keyed by `key` in the ruleset index, ascending: a slice of the dense table when there is
// one (none for a key outside it), else found by binary search.
inline std::pair<IndexEntry, IndexEntry> KeyedRulesets(const ir::Program& prog, int64_t key) {
  IndexEntry it = prog.ruleset_index.begin(), end = it;
  if (!prog.ruleset_index_dense.empty()) {
    if (key >= 0 && key < static_cast<int64_t>(prog.ruleset_index_dense.size()) - 1) {
      it += prog.ruleset_index_dense[static_cast<size_t>(key)];
      end = prog.ruleset_index.begin() + prog.ruleset_index_dense[static_cast<size_t>(key) + 1];
    }
  } else {
    it = std::lower_bound(prog.ruleset_index.begin(), prog.ruleset_index.end(), std::pair<int64_t, int32_t>(key, INT32_MIN));
    for (end = it; end != prog.ruleset_index.end() && end->first == key;) ++end;
  }
  return {it, end};
}

// Step 1 of Core and DecideCore: which rulesets apply (s.rs_applies, s.rs_order).
void TestRulesets(const ir::Program& prog, const Case& c, int32_t as_of, Machine& m, Scratch& s) {
  const check::Project& p = *prog.project;
  // 1. Rulesets in force on the as-of date and applicable to this case. With the ruleset index, only
  // the rulesets keyed by the case's value of the index fact (and the unkeyed ones) are tested. Only the
  // rulesets the previous case tested are reset; s.rs_order lists this case's, ascending.
  for (int32_t i : s.rs_order) s.rs_applies[i] = Tri::False;
  s.rs_order.clear();
  auto test = [&](int32_t i, bool keyed) {
    const auto [effective, expires] = prog.ruleset_in_force[i];
    const int32_t code = keyed && prog.ruleset_applies_keyed_code[i] >= 0 ? prog.ruleset_applies_keyed_code[i]
                                                                          : prog.ruleset_applies_code[i];
    s.rs_applies[i] = (as_of < effective || as_of > expires) ? Tri::False
                      : prog.ruleset_applies[i] < 0         ? Tri::True
                                                            : m.Run(code);
  };
  const int32_t key_slot = prog.ruleset_index_slot;
  const Val key = key_slot >= 0 ? c.Slot(key_slot) : Val{};
  if (key_slot >= 0 && key.known && key.lo == key.hi) {
    for (int32_t i : prog.ruleset_unindexed) test(i, false);
    auto [it, end] = KeyedRulesets(prog, key.lo);
    if (prog.ruleset_unindexed.empty()) {  // no merge: the keyed rulesets ascend
      for (auto k = it; k != end; ++k) {
        test(k->second, true);
        s.rs_order.push_back(k->second);
      }
      return;
    }
    for (auto k = it; k != end; ++k) test(k->second, true);
    // Both lists ascend: merge them into s.rs_order.
    auto u = prog.ruleset_unindexed.begin();
    while (u != prog.ruleset_unindexed.end() || it != end) {
      if (it == end || (u != prog.ruleset_unindexed.end() && *u < it->second)) s.rs_order.push_back(*u++);
      else s.rs_order.push_back((it++)->second);
    }
  } else {
    for (size_t i = 0; i < p.rulesets.size(); ++i) {
      test(static_cast<int32_t>(i), false);
      s.rs_order.push_back(static_cast<int32_t>(i));
    }
  }
}

// Step 4 of Core and DecideCore: nothing is governed unless two live rules of different rulesets share a
// legal order (the common case: one ruleset, or one per legal order). A case's few live rules (up to
// kPrecedenceScan, of up to 8 rulesets) are settled here: each pair of their rulesets is ranked once,
// then each rule takes the first live rule surely in effect of a ruleset that outranks its own and
// shares one of its actions, as Precedence does. More rules or rulesets go through Precedence.
void SettlePrecedence(const ir::Program& prog, Scratch& s) {
  const size_t n = s.live.size();
  if (n < 2) return;
  constexpr int kMaxRulesets = 8;
  int32_t rs_of[kMaxRulesets];
  uint8_t at[kPrecedenceScan];  // s.live[i] is a rule of rs_of[at[i]]
  int n_rs = 0;
  bool shared = false;
  for (size_t i = 0; i < n; ++i) {
    const int32_t rs = prog.rule_ruleset[s.live[i]];
    int k = 0;
    while (k < n_rs && rs_of[k] != rs) ++k;
    if (k == n_rs) {
      if (n_rs == kMaxRulesets) {  // many rulesets: the general pass
        Precedence(prog, s);
        return;
      }
      for (int j = 0; j < n_rs && !shared; ++j)
        shared = prog.ruleset_legal_order[rs_of[j]] == prog.ruleset_legal_order[rs];
      rs_of[n_rs++] = rs;
    }
    if (i < kPrecedenceScan) at[i] = static_cast<uint8_t>(k);
  }
  if (!shared) return;
  if (n > kPrecedenceScan) {
    Precedence(prog, s);
    return;
  }
  uint8_t why[kMaxRulesets][kMaxRulesets];  // why[h][l]: rs_of[h]'s rules govern rs_of[l]'s, and why
  bool governs[kMaxRulesets] = {}, governed[kMaxRulesets] = {};
  for (int h = 0; h < n_rs; ++h)
    for (int l = 0; l < n_rs; ++l) {
      why[h][l] = h != l && prog.ruleset_legal_order[rs_of[h]] == prog.ruleset_legal_order[rs_of[l]]
                      ? ir::RulesetOutranks(prog, rs_of[h], rs_of[l])
                      : 0;
      governs[h] |= why[h][l] != 0;
      governed[l] |= why[h][l] != 0;
    }
  // The live rules that may govern: surely in effect, of a ruleset that outranks another here.
  uint8_t cand[kPrecedenceScan];
  size_t n_cand = 0;
  for (size_t j = 0; j < n; ++j)
    if (governs[at[j]] && s.effect[s.live[j]] == Tri::True) cand[n_cand++] = static_cast<uint8_t>(j);
  if (!n_cand) return;
  for (size_t i = 0; i < n; ++i) {
    if (!governed[at[i]]) continue;
    const int lo = s.live[i];
    for (size_t c = 0; c < n_cand; ++c) {
      const size_t j = cand[c];
      const uint8_t reason = why[at[j]][at[i]];
      if (!reason || !ir::RulesShareAction(prog, lo, s.live[j])) continue;
      s.governed_by[lo] = s.live[j];
      s.reason[lo] = reason;
      break;
    }
  }
}

// Step 2 of Core and DecideCore for an applicable ruleset linked to others by `exception to`: its
// component, listed once per case in s.components (settled after the rulesets of their own); -1 if the
// ruleset has none.
int32_t NoteComponent(const ir::Program& prog, int32_t ruleset, Scratch& s) {
  const int32_t comp = prog.ruleset_component[ruleset];
  if (comp >= 0 && !s.component_seen[comp]) {
    s.component_seen[comp] = 1;
    s.components.push_back(comp);
  }
  return comp;
}

// Step 3 of Core for one touched rule: whether it is live (a finding), and its obligation's status.
inline void LiveAndStatus(const ir::Program& prog, Machine& m, Scratch& s, int r) {
  s.governed_by[r] = -1;
  s.reason[r] = 0;
  const auto modality = static_cast<check::Modality>(prog.rule_modality[r]);
  if (s.effect[r] == Tri::False || modality == check::Modality::Exempt) return;
  s.live.push_back(r);
  s.status[r] = Status::None;
  if (modality == check::Modality::Must) {
    if (prog.rule_satisfied[r] < 0) s.status[r] = Status::Outstanding;
    else {
      Tri st = m.Run(prog.rule_satisfied_code[r]);
      s.status[r] = st == Tri::True ? Status::Satisfied : st == Tri::False ? Status::Outstanding : Status::Unknown;
    }
  }
}

// The verdict flags (ir::DecideDiagrams::Outcome) and the verdict they give: a surely applying
// prohibition, then one that may apply, then an obligation surely in effect, then one that may be.
inline uint8_t VerdictFlags(bool prohibited, bool unknown_prohibition, bool conditional, bool unknown_obligation) {
  return static_cast<uint8_t>(prohibited | unknown_prohibition << 1 | conditional << 2 | unknown_obligation << 3);
}
inline Verdict VerdictOfFlags(uint8_t flags) {
  if (flags & 1) return Verdict::Prohibited;
  if (flags & 2) return Verdict::Indeterminate;
  if (flags & 4) return Verdict::Conditional;
  return flags & 8 ? Verdict::Indeterminate : Verdict::Permitted;
}

// Evaluate's core, allocation-free: which rulesets apply, each rule's condition and its effect after
// exceptions, each live obligation's status, precedence between rulesets, the verdict. Leaves the
// results in `s`; s.live lists the rules with a finding (effect not false, not `exempt`). Every rule of
// an applicable ruleset has its condition run (the decision explains each); effects are settled ruleset
// by ruleset (or component by component) in exception order as the conditions run, as DecideCore does
// without its shortcut, so nothing is sorted per case. s.eval_lifted gets the (rule, exception) pairs
// where the rule's condition holds and the exception applies, in that order.
Verdict Core(const ir::Program& prog, const Case& c, int32_t as_of, Machine& m, Scratch& s) {
  m.UseMemo(s);
  TestRulesets(prog, c, as_of, m, s);
  for (int r : s.touched) s.cond[r] = s.effect[r] = Tri::False;
  s.touched.clear();
  s.eval_lifted.clear();
  const int32_t* exc = prog.rule_exceptions.data();
  const uint32_t* exc_begin = prog.rule_exceptions_begin.data();
  auto settle = [&](int32_t r, Tri a) {
    const Tri cond = And(a, prog.rule_when[r] < 0 ? Tri::True : m.Run(prog.rule_when_code[r]));
    s.cond[r] = cond;
    Tri e = cond;
    for (uint32_t k = exc_begin[r]; k < exc_begin[r + 1]; ++k) {
      const Tri x = s.effect[exc[k]];
      e = And(e, Not(x));
      if (cond == Tri::True && x == Tri::True) s.eval_lifted.emplace_back(r, exc[k]);
    }
    s.effect[r] = e;
  };
  // A ruleset whose exceptions stay inside it: its rules in their precomputed exception order. Rulesets
  // linked to others by `exception to`: once per component, its rules in exception order, those of
  // applicable rulesets (the others' effect stays False). Rulesets and components do not depend on one
  // another, so their order does not matter.
  bool components = false;
  for (int32_t i : s.rs_order) {
    const Tri a = s.rs_applies[i];
    if (a == Tri::False) continue;
    if (NoteComponent(prog, i, s) >= 0) {
      components = true;
      continue;
    }
    for (uint32_t k = prog.ruleset_rule_begin[i]; k < prog.ruleset_rule_begin[i + 1]; ++k)
      settle(prog.ruleset_rules_by_rank[k], a);
  }
  if (components) {
    for (int32_t comp : s.components) {
      for (uint32_t k = prog.component_rules_begin[comp]; k < prog.component_rules_begin[comp + 1]; ++k) {
        const int32_t r = prog.component_rules[k];
        const Tri a = s.rs_applies[prog.rule_ruleset[r]];
        if (a != Tri::False) settle(r, a);
      }
      s.component_seen[comp] = 0;
    }
    s.components.clear();
  }
  // 3. Live findings and the status of obligations, in rule order.
  s.live.clear();
  for (int32_t i : s.rs_order)
    if (s.rs_applies[i] != Tri::False)
      for (uint32_t k = prog.ruleset_rule_begin[i]; k < prog.ruleset_rule_begin[i + 1]; ++k)
        s.touched.push_back(prog.ruleset_rules[k]);
  if (!prog.rulesets_in_rule_order) std::sort(s.touched.begin(), s.touched.end());
  for (int r : s.touched) LiveAndStatus(prog, m, s, r);
  // 4. Precedence between rulesets of one legal order on the same action: higher force, then the more
  // specific jurisdiction, then the later effective date governs. Unrelated legal orders stand side by side.
  // A rule is governed by the first live rule (in s.live order) surely in effect, of another ruleset of
  // its legal order that outranks its own, sharing one of its actions. The reason depends only on the two
  // rulesets, so candidates are indexed by (ruleset, action) → earliest position: linear in the rules
  // (a pairwise scan over the live rules made a file of 10^5 rules take minutes).
  // Nothing is governed unless two live rules of different rulesets share a legal order (the common
  // case: one ruleset, or one per legal order); up to 8 distinct rulesets are checked pairwise, more go
  // through the general scan.
  SettlePrecedence(prog, s);
  // 5. Verdict. Guidance (binding false) is advice: it never decides the verdict.
  bool prohibited = false, unknown_prohibition = false, conditional = false, unknown_obligation = false;
  for (int r : s.live) {
    if (s.governed_by[r] >= 0 || !prog.rule_binding[r]) continue;
    const auto modality = static_cast<check::Modality>(prog.rule_modality[r]);
    if (modality == check::Modality::MustNot) {
      (s.effect[r] == Tri::True ? prohibited : unknown_prohibition) = true;
    } else if (modality == check::Modality::Must && s.status[r] != Status::Satisfied) {
      (s.effect[r] == Tri::True ? conditional : unknown_obligation) = true;
    }
  }
  (void)c;
  return VerdictOfFlags(VerdictFlags(prohibited, unknown_prohibition, conditional, unknown_obligation));
}

// A case's slots usually come from memory the cache has not seen (a batch reads each case once), and
// the conditions read them one after another, each read waiting on the branch before it: ask for every
// cache line the flat code reads (Program::prefetch_slot_begin/end) at once, so the misses overlap.
// (always_inline: GCC finds a function that only prefetches free of side effects and drops its calls.)
[[gnu::always_inline]] inline void PrefetchCase(const ir::Program& prog, const Case& c) {
  // The words of slots [prefetch_slot_begin, prefetch_slot_end), then their known bytes (case.h).
  const size_t end_slot = std::min(static_cast<size_t>(prog.prefetch_slot_end), c.SlotCount());
  const size_t begin_slot = static_cast<size_t>(prog.prefetch_slot_begin);
  if (end_slot <= begin_slot) return;
  const char* p = reinterpret_cast<const char*>(c.Words());
  const size_t end = end_slot * sizeof(uint64_t);
  size_t off = begin_slot * sizeof(uint64_t);
  for (; off + 64 < end; off += 128) {  // two lines a step: half the loop's branches
    __builtin_prefetch(p + off);
    __builtin_prefetch(p + off + 64);
  }
  __builtin_prefetch(p + off);
  __builtin_prefetch(p + end - 1);
  const char* known = reinterpret_cast<const char*>(c.KnownFlags());
  __builtin_prefetch(known + begin_slot);
  __builtin_prefetch(known + end_slot - 1);
}

// Decide's core: the same rs_applies, effect, status, governed_by, reason, live and touched as Core, in
// fewer passes, and with one shortcut Evaluate cannot take: a rule one of whose exceptions surely applies
// has effect False whatever its own condition, so its `when` is not run (its cond is left False unless
// s.every_condition). Effects are settled ruleset by ruleset (or component by component) in exception
// order as each rule's condition is run, then the live rules are listed in rule order as Core lists them.
Verdict DecideCore(const ir::Program& prog, const Case& c, int32_t as_of, Machine& m, Scratch& s) {
  m.UseMemo(s);
  TestRulesets(prog, c, as_of, m, s);
  for (int r : s.touched) s.cond[r] = s.effect[r] = Tri::False;
  s.touched.clear();
  const bool every = s.every_condition;
  const int32_t* exc = prog.rule_exceptions.data();
  const uint32_t* exc_begin = prog.rule_exceptions_begin.data();
  auto settle = [&](int32_t r, Tri a) {
    bool excepted = false, unknown = false;
    for (uint32_t k = exc_begin[r]; k < exc_begin[r + 1]; ++k) {
      const Tri x = s.effect[exc[k]];
      if (x == Tri::True) {
        excepted = true;
        break;
      }
      unknown |= x == Tri::Unknown;
    }
    if (excepted && !every) {
      s.effect[r] = Tri::False;
      return;
    }
    const Tri cond = And(a, prog.rule_when[r] < 0 ? Tri::True : m.Run(prog.rule_when_code[r]));
    s.cond[r] = cond;
    s.effect[r] = excepted ? Tri::False : unknown ? And(cond, Tri::Unknown) : cond;
  };
  // A ruleset whose exception order is its rules' order, met while every ruleset so far was (and the
  // rulesets ascend in rule order): each rule is listed (touched, live, status) as soon as it is
  // settled, in the order Core lists them. Otherwise the listing pass below does it for every ruleset.
  bool components = false;
  bool one_pass = prog.rulesets_in_rule_order;
  s.live.clear();
  for (int32_t i : s.rs_order) {
    const Tri a = s.rs_applies[i];
    if (a == Tri::False) continue;
    if (NoteComponent(prog, i, s) >= 0) {
      components = true;
      one_pass = false;
      continue;
    }
    const uint32_t begin = prog.ruleset_rule_begin[i], end = prog.ruleset_rule_begin[i + 1];
    if (one_pass && prog.ruleset_rank_is_rule_order[i]) {
      for (uint32_t k = begin; k < end; ++k) {
        const int32_t r = prog.ruleset_rules[k];
        settle(r, a);
        s.touched.push_back(r);
        LiveAndStatus(prog, m, s, r);
      }
      continue;
    }
    one_pass = false;
    for (uint32_t k = begin; k < end; ++k) settle(prog.ruleset_rules_by_rank[k], a);
  }
  if (components) {
    for (int32_t comp : s.components) {
      for (uint32_t k = prog.component_rules_begin[comp]; k < prog.component_rules_begin[comp + 1]; ++k) {
        const int32_t r = prog.component_rules[k];
        const Tri a = s.rs_applies[prog.rule_ruleset[r]];
        if (a != Tri::False) settle(r, a);
      }
      s.component_seen[comp] = 0;
    }
    s.components.clear();
  }
  // Live findings in rule order, as Core lists them (unless listed above).
  if (!one_pass) {
    s.live.clear();
    s.touched.clear();
    if (prog.rulesets_in_rule_order) {
      for (int32_t i : s.rs_order) {
        if (s.rs_applies[i] == Tri::False) continue;
        for (uint32_t k = prog.ruleset_rule_begin[i]; k < prog.ruleset_rule_begin[i + 1]; ++k) {
          const int32_t r = prog.ruleset_rules[k];
          s.touched.push_back(r);
          LiveAndStatus(prog, m, s, r);
        }
      }
    } else {
      for (int32_t i : s.rs_order)
        if (s.rs_applies[i] != Tri::False)
          for (uint32_t k = prog.ruleset_rule_begin[i]; k < prog.ruleset_rule_begin[i + 1]; ++k)
            s.touched.push_back(prog.ruleset_rules[k]);
      std::sort(s.touched.begin(), s.touched.end());
      for (int r : s.touched) LiveAndStatus(prog, m, s, r);
    }
  }
  if (s.live.size() > 1) SettlePrecedence(prog, s);  // one live rule governs nothing
  // Verdict, and the obligations still to meet (binding, governing, surely applying, not satisfied) in
  // one pass over the live rules.
  bool prohibited = false, unknown_prohibition = false, conditional = false, unknown_obligation = false;
  s.actions.clear();
  for (int r : s.live) {
    if (s.governed_by[r] >= 0 || !prog.rule_binding[r]) continue;
    const auto modality = static_cast<check::Modality>(prog.rule_modality[r]);
    if (modality == check::Modality::MustNot) {
      (s.effect[r] == Tri::True ? prohibited : unknown_prohibition) = true;
    } else if (modality == check::Modality::Must && s.status[r] != Status::Satisfied) {
      if (s.effect[r] != Tri::True) {
        unknown_obligation = true;
        continue;
      }
      conditional = true;
      for (uint32_t k = prog.rule_actions_begin[r]; k < prog.rule_actions_begin[r + 1]; ++k) {
        const int a = prog.rule_actions[k];
        if (!s.action_seen[a]) {
          s.action_seen[a] = 1;
          s.actions.push_back(a);
        }
      }
    }
  }
  for (int a : s.actions) s.action_seen[a] = 0;
  (void)c;
  if (prohibited) s.actions.clear();
  return VerdictOfFlags(VerdictFlags(prohibited, unknown_prohibition, conditional, unknown_obligation));
}

// The rulesets the fast paths test for a case, ascending: with the ruleset index and the case's single
// value of its fact, those keyed by that value merged with the unkeyed ones (as TestRulesets lists them);
// else every ruleset; or only ruleset `only` (a symbolic run's, which reads no case).
struct RulesetCursor {
  IndexEntry it, end;
  std::vector<int32_t>::const_iterator u, u_end;
  int32_t next_all = 0, n_all = 0;
  bool indexed = false;
  int64_t key = 0;  // the index fact's value, when indexed

  RulesetCursor(const ir::Program& prog, const Case& c, int32_t only = -1)
      : it(prog.ruleset_index.begin()), end(it), u(prog.ruleset_unindexed.begin()), u_end(u) {
    if (only >= 0) {
      next_all = only;
      n_all = only + 1;
      return;
    }
    const Val index_key = prog.ruleset_index_slot >= 0 ? c.Slot(prog.ruleset_index_slot) : Val{};
    indexed = prog.ruleset_index_slot >= 0 && index_key.known && index_key.lo == index_key.hi;
    if (indexed) {
      key = index_key.lo;
      std::tie(it, end) = KeyedRulesets(prog, key);
      u_end = prog.ruleset_unindexed.end();
    } else {
      n_all = static_cast<int32_t>(prog.ruleset_in_force.size());
    }
  }
  // The next ruleset, and whether the index gave it; false at the end.
  [[gnu::always_inline]] bool Next(int32_t& i, bool& keyed) {
    keyed = false;
    if (it != end && (u == u_end || it->second < *u)) {
      i = (it++)->second;
      keyed = true;
    } else if (u != u_end) {
      i = *u++;
    } else if (next_all < n_all) {
      i = next_all++;
    } else {
      return false;
    }
    return true;
  }
};

// The fast path of Decide and Evaluate (ir::Program::decide_rules): the rulesets the ruleset index
// gives for the case, in ascending order as TestRulesets lists them, are tested first (s.rs_applies,
// s.rs_order: the applicable ones). Then each applicable ruleset is settled with its unit (the rulesets
// linked to it by `exception to` or by precedence, ir::Program::ruleset_unit; most rulesets are a unit
// of their own), at once: the unit's rules in exception order, each rule's effect from its condition
// and two bitmasks of the unit's rules already settled (surely in effect, maybe). Then the ruleset's
// rules in effect in rule order, as DecideCore lists them: findings with their status, governed by the
// first rule of the unit surely in effect among their governors (ir::Program::DecideRule::governors,
// which is what SettlePrecedence finds: precedence never crosses units), each live binding rule that
// is not governed adding to the verdict and the actions in the order DecideCore's last pass visits it.
// Leaves s.cond, s.effect, s.live, s.status, s.governed_by and s.reason as DecideCore does, and
// s.rs_applies for the applicable rulesets (s.rs_order lists only those, not every ruleset tested), with s.touched listing the rules whose cond is not False (the ones the next case must reset).
// kFull (Evaluate): every rule's `when` is run, as Core runs it (a rule one of whose exceptions surely
// applies is otherwise skipped), and s.eval_lifted gets Core's (rule, exception) pairs. Returns false,
// and the caller runs DecideCore (Core), for a case that applies a ruleset the plan does not take.
// kSym (DiagramBuilder): a symbolic run of ruleset m.Oracle().ruleset alone, taken to be in force,
// each leaf's value the oracle's; the verdict flags go to m.Oracle().flags.
template <bool kFull, bool kSym = false>
bool FastCore(const ir::Program& prog, const Case& c, int32_t as_of, Machine& m, Scratch& s, Verdict& verdict) {
  RulesetCursor rs(prog, c, kSym ? m.Oracle().ruleset : -1);
  if (!prog.decide_all_fast) {  // a ruleset in force that the fast path does not take: DecideCore
    if (rs.indexed && !prog.ruleset_index_dense.empty()) {  // one flag per key
      const int64_t key = rs.key;
      const bool in_range = key >= 0 && key < static_cast<int64_t>(prog.ruleset_index_dense.size()) - 1;
      if (!(in_range ? prog.ruleset_index_dense_fast[static_cast<size_t>(key)] : prog.ruleset_unindexed_fast)) return false;
    }
    auto slow = [&](int32_t i) {
      return !prog.ruleset_decide_fast[i] && as_of >= prog.ruleset_in_force[i].first && as_of <= prog.ruleset_in_force[i].second;
    };
    for (auto k = rs.it; k != rs.end; ++k)
      if (slow(k->second)) return false;
    for (auto k = rs.u; k != rs.u_end; ++k)
      if (slow(*k)) return false;
    for (int32_t k = rs.next_all; k < rs.n_all; ++k)
      if (slow(k)) return false;
  }
  m.UseMemo(s);
  for (int r : s.touched) s.cond[r] = s.effect[r] = Tri::False;
  s.touched.clear();
  for (int32_t i : s.rs_order) s.rs_applies[i] = Tri::False;
  s.rs_order.clear();
  s.live.clear();
  s.actions.clear();
  if constexpr (kFull) s.eval_lifted.clear();
  // 1. The applicable rulesets.
  bool units = false;  // one of them shares a unit with others
  int32_t i;
  bool keyed;
  while (rs.Next(i, keyed)) {
    if constexpr (!kSym) {
      const auto [effective, expires] = prog.ruleset_in_force[i];
      if (as_of < effective || as_of > expires) continue;
    }
    Tri a = Tri::True;
    if (prog.ruleset_applies[i] >= 0) {
      a = m.RunInlineAs<kSym>(keyed && prog.ruleset_applies_keyed_code[i] >= 0 ? prog.ruleset_applies_keyed_code[i]
                                                                 : prog.ruleset_applies_code[i]);
      if (a == Tri::False) continue;
    }
    if (!prog.ruleset_decide_fast[i]) return false;  // s is as after a case with no applicable rule
    s.rs_applies[i] = a;
    s.rs_order.push_back(i);
    units |= !prog.unit_single[prog.ruleset_unit[i]];
  }
  if (units && ++s.unit_epoch == 0) {  // wrapped: no stamp may match a new case by accident
    std::fill(s.unit_stamp.begin(), s.unit_stamp.end(), 0);
    s.unit_epoch = 1;
  }
  uint64_t seen = 0;  // actions 0..63 already listed (others: s.action_seen)
  bool wide_actions = false;
  bool prohibited = false, unknown_prohibition = false, conditional = false, unknown_obligation = false;
  const ir::Program::DecideRule* rules = prog.decide_rules.data();
  const int32_t* rule_actions = prog.rule_actions.data();
  const int32_t* by_rank = prog.unit_rules_by_rank.data();
  const int32_t* exc = prog.rule_exceptions.data();
  const uint32_t* exc_begin = prog.rule_exceptions_begin.data();
  // 2. Each applicable ruleset, settled with its unit, then listed.
  for (int32_t i : s.rs_order) {
    const int32_t unit = prog.ruleset_unit[i];
    const bool single = prog.unit_single[unit];
    uint64_t surely = 0, maybe = 0;  // bit k: the unit's k-th rule is in effect (surely / maybe)
    if (single || s.unit_stamp[unit] != s.unit_epoch) {
      // The unit's rules in exception order (rule_rank): each rule's effect from its condition and its
      // exceptions, settled before it; a rule of a ruleset that does not apply stays False.
      const Tri a_single = s.rs_applies[i];
      for (uint32_t k = prog.unit_rules_begin[unit]; k < prog.unit_rules_begin[unit + 1]; ++k) {
        const int32_t r = by_rank[k];
        const Tri a = single ? a_single : s.rs_applies[prog.rule_ruleset[r]];
        if (a == Tri::False) continue;
        const ir::Program::DecideRule& d = rules[r];
        if (d.exceptions & surely) {  // lifted whatever its condition: effect False
          if constexpr (kFull) {  // Core runs its `when` all the same (the decision explains it)
            const Tri cond = d.when_code < 0 ? a : And(a, m.RunInlineAs<kSym>(d.when_code));
            if (cond == Tri::False) continue;
            s.touched.push_back(r);
            s.cond[r] = cond;
            if (cond == Tri::True)  // Core's pairs: each exception surely in effect, in its order
              for (uint32_t e = exc_begin[r]; e < exc_begin[r + 1]; ++e)
                if (s.effect[exc[e]] == Tri::True) s.eval_lifted.emplace_back(r, exc[e]);
          }
          continue;  // Decide: its `when` is not run
        }
        const Tri cond = d.when_code < 0 ? a : And(a, m.RunInlineAs<kSym>(d.when_code));
        if (cond == Tri::False) continue;  // cond and effect stay False
        s.touched.push_back(r);  // reset by the next case
        s.cond[r] = cond;
        const Tri e = (d.exceptions & maybe) ? Tri::Unknown : cond;
        (e == Tri::True ? surely : maybe) |= uint64_t{1} << d.bit;
        s.effect[r] = e;
      }
      if (!single) {
        s.unit_stamp[unit] = s.unit_epoch;
        s.unit_surely[unit] = surely;
        s.unit_maybe[unit] = maybe;
      }
    } else {
      surely = s.unit_surely[unit];
      maybe = s.unit_maybe[unit];
    }
    // Then the ruleset's rules in effect in rule order, as DecideCore lists them: findings with their
    // status, precedence, the verdict and the actions still to do.
    const uint32_t begin = prog.ruleset_rule_begin[i], n = prog.ruleset_rule_begin[i + 1] - begin;
    const uint32_t offset = prog.ruleset_unit_offset[i];
    const uint64_t range = n >= 64 ? ~uint64_t{0} : (uint64_t{1} << n) - 1;
    for (uint64_t in_effect = ((surely | maybe) >> offset) & range; in_effect; in_effect &= in_effect - 1) {
      const int32_t r = static_cast<int32_t>(begin) + __builtin_ctzll(in_effect);
      const ir::Program::DecideRule& d = rules[r];
      const Tri e = (surely >> d.bit) & 1 ? Tri::True : Tri::Unknown;
      const auto modality = static_cast<check::Modality>(d.modality);
      if (modality == check::Modality::Exempt) continue;
      s.live.push_back(r);  // a finding: listed with its status, as LiveAndStatus does
      const uint64_t governing = d.governors & surely;
      if (governing) {
        const int32_t g = prog.unit_rules[prog.unit_rules_begin[unit] + static_cast<uint32_t>(__builtin_ctzll(governing))];
        s.governed_by[r] = g;
        s.reason[r] = ir::RulesetOutranks(prog, prog.rule_ruleset[g], i);
      } else {
        s.governed_by[r] = -1;
        s.reason[r] = 0;
      }
      Status status = Status::None;
      if (modality == check::Modality::Must) {
        if (d.satisfied_code < 0) {
          status = Status::Outstanding;
        } else {
          const Tri st = m.RunAs<kSym>(d.satisfied_code);
          status = st == Tri::True ? Status::Satisfied : st == Tri::False ? Status::Outstanding : Status::Unknown;
        }
      }
      s.status[r] = status;
      if (!d.binding || governing) continue;
      if (modality == check::Modality::MustNot) {
        (e == Tri::True ? prohibited : unknown_prohibition) = true;
        continue;
      }
      if (modality != check::Modality::Must || status == Status::Satisfied) continue;
      if (e != Tri::True) {
        unknown_obligation = true;
        continue;
      }
      conditional = true;
      for (uint32_t k = d.actions_begin; k < d.actions_end; ++k) {
        const int act = rule_actions[k];
        if (act < 64) {
          if (seen & (uint64_t{1} << act)) continue;
          seen |= uint64_t{1} << act;
        } else {
          if (s.action_seen[act]) continue;
          s.action_seen[act] = 1;
          wide_actions = true;
        }
        s.actions.push_back(act);
      }
    }
  }
  if (wide_actions)
    for (int act : s.actions) s.action_seen[act] = 0;
  if (prohibited) s.actions.clear();
  const uint8_t flags = VerdictFlags(prohibited, unknown_prohibition, conditional, unknown_obligation);
  if constexpr (kSym) m.Oracle().flags = flags;
  verdict = VerdictOfFlags(flags);
  return true;
}

// Decide's outcome diagrams (ir::DecideDiagrams), built on the first Decide that can use them, per
// ruleset in two stages.
// 1. Steps: the fast path is run symbolically (FastCore<false, true>) from the empty path; where a run
//    meets a condition the path has not fixed, the ruleset's step diagram branches on it and each of its
//    three values is followed in turn; where it meets none, the run's flags and actions are an outcome.
// 2. Leaves: each step's condition (its flat code, through shared blocks) is spliced in, its ends going
//    on to the step's successors. The values of the leaves met so far on a path are known there: a leaf
//    met again (in a later condition, or a shared block) is not tested again, its known branch taken.
// Identical nodes are shared, and a node whose three successors are one is left out. Budgeted: a
// program whose diagrams would be larger keeps the rule-by-rule path (usable stays false).
class DiagramBuilder {
 public:
  // The budget, over all rulesets (a program over it costs a few ms on its first Decide, then Decide
  // settles rules): symbolic runs, splices, and the depth of Splice's recursion (one level per
  // instruction on a path through a ruleset's conditions, which must not exhaust a small thread stack).
  static constexpr int kMaxRuns = 1 << 13;
  static constexpr int kMaxSplices = 1 << 16;
  static constexpr int kMaxDepth = 512;
  static constexpr size_t kMaxNodes = 1 << 16;
  static constexpr uint32_t kMaxLeaves = 32;  // per ruleset: known values as two bits each in one word

  explicit DiagramBuilder(const ir::Program& prog)
      : prog_(prog), s_(prog), m_(prog, empty_, 0, s_.match_of_list, /*reset_matches=*/false) {
    m_.SetOracle(&oracle_);
  }

  bool Build(ir::DecideDiagrams& out) {
    if (!prog_.decide_fast || !prog_.decide_all_fast || prog_.project->actions.size() > 64) return false;
    for (uint8_t single : prog_.unit_single)
      if (!single) return false;
    out_ = &out;
    const int32_t n = static_cast<int32_t>(prog_.ruleset_in_force.size());
    out.entry.assign(static_cast<size_t>(n), 0);
    for (int32_t i = 0; i < n; ++i) {
      oracle_.ruleset = i;
      oracle_.path.clear();
      steps_.clear();
      const int32_t first = Step();
      if (failed_) return false;
      leaf_index_.clear();
      spliced_.clear();
      out.entry[static_cast<size_t>(i)] = StepNode(first, Known{});
      if (failed_) return false;
    }
    out.usable = true;
    return true;
  }

 private:
  struct StepDef {
    int32_t code;     // the condition's entry in Program::code
    int32_t next[3];  // by its value: a step, or ~outcome
  };
  struct Known {       // the values of the ruleset's leaves met on a path
    uint32_t met = 0;  // bit k: leaf k
    uint64_t value = 0;  // bits 2k, 2k + 1: its value
  };

  // Stage 1: the step diagram from the current path on: a step's index, or ~outcome.
  int32_t Step() {
    if (++runs_ > kMaxRuns) failed_ = true;
    if (failed_) return ~0;
    oracle_.needed = -1;
    Verdict v;
    if (!FastCore<false, true>(prog_, empty_, 0, m_, s_, v)) failed_ = true;  // (not under decide_all_fast)
    if (failed_) return ~0;
    if (oracle_.needed < 0) return ~Outcome(oracle_.flags, s_.actions);
    StepDef step{oracle_.needed, {}};
    for (uint8_t t = 0; t < 3; ++t) {
      oracle_.path.emplace_back(step.code, static_cast<Tri>(t));
      step.next[t] = Step();
      oracle_.path.pop_back();
      if (failed_) return ~0;
    }
    if (step.next[0] == step.next[1] && step.next[1] == step.next[2]) return step.next[0];
    steps_.push_back(step);
    return static_cast<int32_t>(steps_.size()) - 1;
  }

  // Stage 2: the diagram that runs step k (or the outcome it is), with the leaves `known`.
  int32_t StepNode(int32_t k, Known known) {
    if (k < 0 || failed_) return k;
    return Splice(steps_[static_cast<size_t>(k)].code, k, known);  // returns_ is empty
  }

  // The flat code at `pc`, run for step k; its ends return to the shared blocks entered (returns_, their
  // Memo instructions), then go on to the step's successors.
  int32_t Splice(int32_t pc, int32_t k, Known known) {
    struct Level {  // one level of the recursion, for its budget
      int& depth;
      explicit Level(int& d) : depth(++d) {}
      ~Level() { --depth; }
    } level(depth_);
    if (++splices_ > kMaxSplices || depth_ > kMaxDepth) failed_ = true;
    if (failed_) return ~0;
    auto key = std::make_tuple(pc, k, known.met, known.value, returns_);
    if (auto it = spliced_.find(key); it != spliced_.end()) return it->second;
    const ir::FInstr& in = prog_.code[static_cast<size_t>(pc)];
    // where value t of this instruction leads, with `now` known
    auto go = [&](uint8_t t, Known now) { return in.next[t] >= 0 ? Splice(in.next[t], k, now) : End(static_cast<uint8_t>(~in.next[t]), k, now); };
    int32_t node;
    if (in.op == ir::FOp::Const) {
      node = go(static_cast<uint8_t>(in.imm), known);
    } else if (in.op == ir::FOp::Memo) {
      returns_.push_back(pc);
      node = Splice(in.b, k, known);
      returns_.pop_back();
    } else {
      const uint32_t leaf = LeafIndex(in);
      if (known.met >> leaf & 1) {
        node = go(static_cast<uint8_t>(known.value >> (2 * leaf) & 3), known);
      } else {
        ir::FInstr n = in;
        for (uint8_t t = 0; t < 3; ++t) {
          Known now = known;
          now.met |= uint32_t{1} << leaf;
          now.value |= uint64_t{t} << (2 * leaf);
          n.next[t] = go(t, now);
        }
        node = n.next[0] == n.next[1] && n.next[1] == n.next[2] ? n.next[0] : Emit(n);
      }
    }
    spliced_.emplace(std::move(key), node);
    return node;
  }

  // The end of a code with value t: back in the shared block's Memo instruction that entered it, or on
  // to the step's successor.
  int32_t End(uint8_t t, int32_t k, Known known) {
    if (returns_.empty()) return StepNode(steps_[static_cast<size_t>(k)].next[t], known);
    const int32_t memo = returns_.back();
    returns_.pop_back();
    const ir::FInstr& m = prog_.code[static_cast<size_t>(memo)];
    const int32_t node = m.next[t] >= 0 ? Splice(m.next[t], k, known) : End(static_cast<uint8_t>(~m.next[t]), k, known);
    returns_.push_back(memo);
    return node;
  }

  int32_t Emit(const ir::FInstr& n) {
    auto [it, fresh] = nodes_.try_emplace(std::tuple_cat(LeafKeyOf(n), std::make_tuple(n.next[0], n.next[1], n.next[2])),
                                          static_cast<int32_t>(out_->nodes.size()));
    if (fresh) {
      if (out_->nodes.size() >= kMaxNodes) failed_ = true;
      ir::DecideDiagrams::Node node = TestOf(n);
      std::copy(n.next, n.next + 3, node.next);
      out_->nodes.push_back(node);
      ir::FInstr alone = n;
      alone.next[0] = ~0, alone.next[1] = ~1, alone.next[2] = ~2;
      out_->leaves.push_back(alone);
    }
    return it->second;
  }

  // The leaf as a test of a known value where it is one (a root slot, or the sum of two, compared with a
  // constant): the values `cmp` (as in ir::Node: == != < <= > >=) holds for against c, as a range.
  static ir::DecideDiagrams::Node TestOf(const ir::FInstr& in) {
    ir::DecideDiagrams::Node t;
    uint8_t cmp;
    int64_t c = in.imm;
    switch (in.op) {
      case ir::FOp::SlotTri: cmp = 1, c = 0; break;  // true: != 0
      case ir::FOp::IEq: case ir::FOp::KEq: cmp = 0; break;
      case ir::FOp::INe: case ir::FOp::KNe: cmp = 1; break;
      case ir::FOp::ILt: cmp = 2; break;
      case ir::FOp::ILe: cmp = 3; break;
      case ir::FOp::IGt: cmp = 4; break;
      case ir::FOp::IGe: cmp = 5; break;
      case ir::FOp::CmpAdd: cmp = in.cmp; break;
      default: return t;
    }
    if (in.var >= 0 || (in.op == ir::FOp::CmpAdd && in.var2 >= 0)) return t;
    int64_t lo = INT64_MIN, hi = INT64_MAX;
    switch (cmp) {
      case 0: case 1: lo = hi = c; break;
      case 2: if (c == INT64_MIN) return t; hi = c - 1; break;
      case 3: hi = c; break;
      case 4: if (c == INT64_MAX) return t; lo = c + 1; break;
      case 5: lo = c; break;
      default: return t;
    }
    t.kind = in.op == ir::FOp::CmpAdd ? ir::DecideDiagrams::kSum : ir::DecideDiagrams::kSlot;
    t.out = cmp == 1;
    t.lo = lo;
    t.span = static_cast<uint64_t>(hi) - static_cast<uint64_t>(lo);
    t.slot = in.a;
    t.slot2 = in.op == ir::FOp::CmpAdd ? in.b : -1;
    return t;
  }

  // Every field of a leaf but its successors: what it tests (the same leaf when they are equal).
  using LeafKey = std::tuple<int64_t, int32_t, int32_t, uint8_t, uint8_t, uint8_t, uint8_t, int8_t, int8_t>;
  static LeafKey LeafKeyOf(const ir::FInstr& in) {
    return {in.imm, in.a, in.b, static_cast<uint8_t>(in.op), in.cmp, in.interval, in.depth, in.var, in.var2};
  }

  // The leaf's index among the ruleset's (the same leaf met again, in another condition too, is one).
  uint32_t LeafIndex(const ir::FInstr& in) {
    auto [it, fresh] = leaf_index_.try_emplace(LeafKeyOf(in), static_cast<uint32_t>(leaf_index_.size()));
    if (fresh && it->second >= kMaxLeaves) failed_ = true;
    return it->second % kMaxLeaves;
  }

  int32_t Outcome(uint8_t flags, const std::vector<int>& actions) {
    std::string key(1, static_cast<char>(flags));
    for (int a : actions) key.append(reinterpret_cast<const char*>(&a), sizeof a);
    auto [it, fresh] = outcomes_.try_emplace(std::move(key), static_cast<int32_t>(out_->outcomes.size()));
    if (fresh) {
      ir::DecideDiagrams::Outcome o;
      o.flags = flags;
      o.actions_begin = static_cast<uint32_t>(out_->actions.size());
      out_->actions.insert(out_->actions.end(), actions.begin(), actions.end());
      o.actions_end = static_cast<uint32_t>(out_->actions.size());
      out_->outcomes.push_back(o);
    }
    return it->second;
  }

  const ir::Program& prog_;
  Case empty_;  // no leaf reads it: the oracle answers for the case
  Scratch s_;
  CondOracle oracle_;
  Machine m_;
  ir::DecideDiagrams* out_ = nullptr;
  std::vector<StepDef> steps_;     // this ruleset's
  std::vector<int32_t> returns_;  // Splice: the shared blocks entered, innermost last
  std::map<std::tuple<int32_t, int32_t, uint32_t, uint64_t, std::vector<int32_t>>, int32_t> spliced_;  // this ruleset's
  std::map<LeafKey, uint32_t> leaf_index_;  // this ruleset's
  std::map<decltype(std::tuple_cat(LeafKey{}, std::tuple<int32_t, int32_t, int32_t>{})), int32_t> nodes_;  // a leaf and its successors
  std::unordered_map<std::string, int32_t> outcomes_;
  int runs_ = 0, splices_ = 0, depth_ = 0;  // depth_: Splice's recursion
  bool failed_ = false;
};

// The program's outcome diagrams, built by the first caller (null: not usable).
const ir::DecideDiagrams* Diagrams(const ir::Program& prog) {
  ir::LazyDecideDiagrams& lazy = *prog.decide_diagrams;
  if (!lazy.built.load(std::memory_order_acquire)) [[unlikely]]
    std::call_once(lazy.once, [&] {
      ir::DecideDiagrams d;
      if (DiagramBuilder(prog).Build(d)) lazy.d = std::move(d);
      lazy.built.store(1, std::memory_order_release);
    });
  return lazy.d.usable ? &lazy.d : nullptr;
}

// Decide from the outcome diagrams: the rulesets in force that the fast path would test, each one's
// diagram run on the case, their flags joined and their actions listed in ruleset order, once each.
Verdict DecideByDiagrams(const ir::Program& prog, const ir::DecideDiagrams& d, const Case& c, int32_t as_of, Machine& m,
                         Scratch& s) {
  RulesetCursor rs(prog, c);
  s.actions.clear();
  uint8_t flags = 0;
  uint64_t seen = 0;
  const ir::DecideDiagrams::Node* nodes = d.nodes.data();
  const ir::FInstr* leaves = d.leaves.data();
  const uint64_t* words = c.Words();
  const uint8_t* known = c.KnownFlags();
  int32_t i;
  bool keyed;  // (the diagrams run the full applicability code either way)
  while (rs.Next(i, keyed)) {
    const auto [effective, expires] = prog.ruleset_in_force[i];
    if (as_of < effective || as_of > expires) continue;
    int32_t pc = d.entry[i];
    while (pc >= 0) {
      const ir::DecideDiagrams::Node& x = nodes[pc];
      uint8_t t;
      if (x.kind == ir::DecideDiagrams::kSlot && known[x.slot]) {
        t = (static_cast<uint64_t>(static_cast<int64_t>(words[x.slot])) - static_cast<uint64_t>(x.lo) <= x.span) != x.out;
      } else if (x.kind == ir::DecideDiagrams::kSum && known[x.slot] && known[x.slot2]) {
        const int64_t sum = SatAdd(static_cast<int64_t>(words[x.slot]), static_cast<int64_t>(words[x.slot2]));
        t = (static_cast<uint64_t>(sum) - static_cast<uint64_t>(x.lo) <= x.span) != x.out;
      } else {
        t = static_cast<uint8_t>(m.RunCode(leaves, pc));  // the leaf itself (ends at once with its value)
      }
      // a branch on t, not a load indexed by it (as in Machine::RunCode)
      if (t == 1) pc = x.next[1];
      else if (t == 0) pc = x.next[0];
      else pc = x.next[2];
    }
    const ir::DecideDiagrams::Outcome& o = d.outcomes[~pc];
    flags |= o.flags;
    for (uint32_t k = o.actions_begin; k < o.actions_end; ++k) {
      const int act = d.actions[k];
      if (seen & (uint64_t{1} << act)) continue;
      seen |= uint64_t{1} << act;
      s.actions.push_back(act);
    }
  }
  if (flags & 1) s.actions.clear();
  return VerdictOfFlags(flags);
}

// The due date of each timing clause of live rule r into f.due, from its anchor: a date of the case, or
// of the list element the rule's own `when` matched. Working days and the rolling of calendar-day
// periods come from the program's table for the ruleset's calendar (ir::CompileDueDates), so neither
// check::Rule nor the calendar's maps are read per case.
// `replay` is a machine without the memo (Evaluate's): the rule's `when` is run again as flat code to learn
// which element matched (with `tree`, on the tree, the reference a test compares it with).
// Inlined into Evaluate's loop over the findings (most rules have one timing clause: no call per finding).
[[gnu::always_inline]] inline void DueDates(const ir::Program& prog, const Case& c, Machine& replay, bool tree, int r,
                                            Finding& f) {
  Machine& m = replay;
  const check::Project& p = *prog.project;
  const uint32_t begin = prog.rule_timing_begin[r], end = prog.rule_timing_begin[r + 1];
  if (f.due.size() != end - begin) f.due.resize(end - begin);
  bool when_evaluated = false;
  for (uint32_t k = begin; k < end; ++k) {
    const ir::Program::TimingInfo& t = prog.rule_timings[k];
    const ir::Anchor& an = t.anchor;
    std::optional<Due>& due = f.due[k - begin];
    int32_t anchor = 0;
    if (an.root_slot >= 0) {
      const Val v = c.Slot(an.root_slot);
      if (!v.known) {
        due.reset();
        continue;
      }
      anchor = prog.root.slots[an.root_slot].type.kind == TypeKind::Timestamp
                   ? CivilDate(v.lo, t.calendar >= 0 ? &p.calendars[t.calendar] : nullptr)
                   : static_cast<int32_t>(v.lo);
      if (!due) due.emplace();
      // an event keeps its name (before transfer); a field anchor shows the field (often already there:
      // the Finding an earlier case left for the same rule)
      const std::string& text = t.event >= 0 ? p.events[t.event] : prog.root.slots[an.root_slot].path;
      if (due->anchor != text) due->anchor.assign(text);
    } else if (an.list_slot >= 0) {
      if (!when_evaluated && prog.rule_when[r] >= 0) {  // re-run to learn which element matched
        // Only a match made by this rule's own `when` counts: an earlier rule's may be left in the slot
        // (when this rule's `some` is unknown or false, it sets none).
        for (uint32_t j = begin; j < end; ++j)
          if (prog.rule_timings[j].anchor.list_slot >= 0) m.ForgetMatch(prog.rule_timings[j].anchor.list_slot);
        if (tree) m.Eval(prog.rule_when[r]);
        else m.Run(prog.rule_when_code[r]);
        when_evaluated = true;
      }
      const int idx = m.MatchOfList(an.list_slot);
      const Val list = c.Slot(an.list_slot);
      if (idx < 0 || !list.known || idx >= list.hi) {
        due.reset();
        continue;
      }
      const Val& v = c.items[list.lo + static_cast<int64_t>(idx) * an.stride + an.elem_slot];
      if (!v.known) {
        due.reset();
        continue;
      }
      const auto& layout = prog.elements.at(prog.root.slots[an.list_slot].elem_record);
      anchor = layout.slots[an.elem_slot].type.kind == TypeKind::Timestamp
                   ? CivilDate(v.lo, t.calendar >= 0 ? &p.calendars[t.calendar] : nullptr)
                   : static_cast<int32_t>(v.lo);
      if (!due) due.emplace();
      due->anchor.assign(prog.root.slots[an.list_slot].path);
      AppendIndex(due->anchor, idx);
      due->anchor.push_back('.');
      due->anchor.append(layout.slots[an.elem_slot].path);
    } else {
      due.reset();
      continue;
    }
    std::vector<int>& years = due->unpublished_years;
    if (t.kind == ast::Timing::Before) {
      due->date = anchor;  // before the event: its date is the due date
      years.clear();
      continue;
    }
    const ir::WorkdayTable& days = t.calendar >= 0 ? prog.calendar_days[t.calendar] : prog.calendar_none;
    if (t.kind == ast::Timing::Within) {
      due->date = days.AddPeriod(anchor, t.n, t.unit, t.roll, years);
    } else if (t.unit == ir::PeriodUnit::WorkingDays) {  // before DATE - N working_days
      due->date = days.SubtractWorkingDays(anchor, t.n, years);
    } else {
      due->date = days.AddPeriod(anchor, -t.n, t.unit, true, years);
    }
  }
}

// A collect step's test (ir::Program::CollectStep::Leaf), as the tree computes it.
// A slot that is a known single value (case.h: known byte 1) is read from its word, as Decode gives it.
inline Tri TestValue(const Case& c, Machine& m, const ir::Program::CollectStep& st) {
  using Step = ir::Program::CollectStep;
  const uint8_t* known = c.KnownFlags();
  const uint64_t* words = c.Words();
  switch (st.leaf) {
    case Step::kSlotConst: {
      if (known[st.a]) {
        const auto w = static_cast<int64_t>(words[st.a]);
        if (st.interval) return static_cast<Tri>(CompareConst(st.cmp, w, w, true, st.imm));
        return (st.cmp == 0 ? w == st.imm : w != st.imm) ? Tri::True : Tri::False;
      }
      const Val x = c.Slot(st.a);
      if (st.interval) return static_cast<Tri>(CompareConst(st.cmp, x.lo, x.hi, x.known, st.imm));
      if (!x.known) return Tri::Unknown;
      return (st.cmp == 0 ? x.lo == st.imm : x.lo != st.imm) ? Tri::True : Tri::False;
    }
    case Step::kAddConst: {
      const Val x = c.Slot(st.a);
      const Val y = c.Slot(st.b);
      return static_cast<Tri>(
          CompareConst(st.cmp, SatAdd(x.lo, y.lo), SatAdd(x.hi, y.hi), x.known && y.known, st.imm));
    }
    case Step::kBool: {
      if (known[st.a]) return words[st.a] ? Tri::True : Tri::False;
      const Val x = c.Slot(st.a);
      return !x.known ? Tri::Unknown : x.lo ? Tri::True : Tri::False;
    }
    default:
      return m.EvalTNode(st.node);
  }
}

// Machine::Collect on the compiled steps of a condition (ir/collect.h): the same facts, pushed in the
// same order. The steps' values are computed first, last step first (an and/or/not's operands follow
// it, so they are known before it), a test's on the tree and an and/or/not's from its operands' with
// Kleene logic; then one loop enters a step other than the root's only when its value is unknown, and
// a test lists its root slots that are not known exactly. The root's own value is never read (it is
// always entered), so it is not computed.
void CollectSteps(const ir::Program& prog, const Case& c, Machine& m, uint32_t begin, FactSink& out) {
  const ir::Program::CollectStep* steps = prog.collect_steps.data();
  const int32_t* slots = prog.collect_slots.data();
  const uint8_t* known = c.KnownFlags();
  const uint64_t* words = c.Words();
  const uint32_t end = steps[begin].end;
  Tri value[ir::kMaxCollectSteps];
  auto v = [&value, begin](uint32_t i) -> Tri& { return value[i - begin]; };  // v(i): step i's value
  for (uint32_t i = end; i-- > begin + 1;) {
    const ir::Program::CollectStep& st = steps[i];
    if (st.test) {
      v(i) = TestValue(c, m, st);
      continue;
    }
    const ir::NOp op = prog.nodes[static_cast<size_t>(st.node)].op;
    bool any_false = false, any_true = false, any_unknown = false;
    for (uint32_t j = i + 1; j < st.end; j = steps[j].end) {
      any_false |= v(j) == Tri::False;
      any_true |= v(j) == Tri::True;
      any_unknown |= v(j) == Tri::Unknown;
    }
    if (op == ir::NOp::Not) v(i) = Not(v(i + 1));
    else if (op == ir::NOp::And) v(i) = any_false ? Tri::False : any_unknown ? Tri::Unknown : Tri::True;
    else v(i) = any_true ? Tri::True : any_unknown ? Tri::Unknown : Tri::False;
  }
  for (uint32_t i = begin; i < end;) {
    const ir::Program::CollectStep& st = steps[i];
    if (st.check && v(i) != Tri::Unknown) {
      i = st.end;
      continue;
    }
    if (!st.test) {
      ++i;
      continue;
    }
    for (uint32_t k = st.slots_begin; k < st.slots_end; ++k) {
      const int32_t slot = slots[k] >> 1;
      if (known[slot]) continue;  // a known single value
      if (words[slot] >= Case::kUnknownCodes) {  // a wide value (else a type's unknown: listed)
        const Val x = c.Slot(slot);
        if (x.known && !((slots[k] & 1) && x.lo != x.hi)) continue;
      }
      out.Root(slot);
    }
    i = st.end;
  }
}

// A new last entry of `v`: a spare one (with the capacity an earlier case gave its strings and
// vectors) if there is one, else a fresh one.
template <class T>
void TakeSpare(std::vector<T>& v, std::vector<T>& spare) {
  if (spare.empty()) {
    v.emplace_back();
    return;
  }
  v.push_back(std::move(spare.back()));
  spare.pop_back();
}

// v.resize(n), the entries past n moved into `spare` instead of freed, up to kMaxSpares of them: one
// case with thousands of findings or missing facts does not stay in a batch thread's memory.
constexpr size_t kMaxSpares = 256;
template <class T>
void KeepSpares(std::vector<T>& v, size_t n, std::vector<T>& spare) {
  if (v.size() <= n) return;  // the usual case: nothing past n (v.begin() + n is not formed: v may be empty)
  const auto from = v.begin() + static_cast<std::ptrdiff_t>(n);
  const size_t room = spare.size() < kMaxSpares ? kMaxSpares - spare.size() : 0;
  const auto to = v.end() - from > static_cast<std::ptrdiff_t>(room) ? from + static_cast<std::ptrdiff_t>(room) : v.end();
  spare.insert(spare.end(), std::make_move_iterator(from), std::make_move_iterator(to));
  v.erase(from, v.end());
}

}  // namespace

int32_t AsOfDate(const Case& c, const EvalOptions& opts) { return AsOf(c, opts); }

Outcome Decide(const ir::Program& prog, const Case& c, const EvalOptions& opts, Scratch& s) {
  PrefetchCase(prog, c);
  const int32_t as_of = AsOf(c, opts);
  Machine m(prog, c, as_of, s.match_of_list, /*reset_matches=*/false);
  Verdict v;
  if (!s.rule_detail && !s.every_condition)
    if (const ir::DecideDiagrams* d = Diagrams(prog)) return Outcome{DecideByDiagrams(prog, *d, c, as_of, m, s), s.actions};
  if (!prog.decide_fast || s.every_condition || !FastCore<false>(prog, c, as_of, m, s, v)) v = DecideCore(prog, c, as_of, m, s);
  return Outcome{v, s.actions};
}

Decision Evaluate(const ir::Program& prog, const Case& c, const EvalOptions& opts) {
  Scratch s(prog);
  Decision d;
  Evaluate(prog, c, opts, s, d);
  return d;
}

void Evaluate(const ir::Program& prog, const Case& c, const EvalOptions& opts, Scratch& s, Decision& d) {
  const check::Project& p = *prog.project;
  d.case_id.assign(c.id);
  d.as_of = AsOf(c, opts);
  d.exempted.clear();
  d.overridden.clear();
  Machine m(prog, c, d.as_of, s.match_of_list);
  // The fast path with every condition run; the reference (tests) and a case it does not take: Core.
  if (!prog.decide_fast || s.eval_reference || !FastCore<true>(prog, c, d.as_of, m, s, d.verdict))
    d.verdict = Core(prog, c, d.as_of, m, s);
  // Which element a `some` matched (`satisfied_by`, a due date's list anchor) is learnt by running the
  // condition's flat code again on a machine without the memo, so that every `some` in it runs as the
  // tree would run it (a shared block's value read from the memo would skip its `some`).
  Machine replay(prog, c, d.as_of, s.match_of_list, /*reset_matches=*/false);
  const bool tree = s.eval_reference;
  // Every ruleset's state: out of force, else not applicable unless this case tested it (s.rs_order) and
  // it applies or may.
  if (d.as_of < s.eval_rulesets_from || d.as_of > s.eval_rulesets_to) {
    // The states for this date, and the dates they hold for: up to the next effective or expiry date.
    s.eval_rulesets.resize(p.rulesets.size());
    int64_t from = INT64_MIN, to = INT64_MAX;
    for (size_t i = 0; i < p.rulesets.size(); ++i) {
      const auto [effective, expires] = prog.ruleset_in_force[i];
      s.eval_rulesets[i] = {static_cast<int>(i), d.as_of < effective ? RulesetState::NotInForce
                                                 : d.as_of > expires ? RulesetState::Expired
                                                                     : RulesetState::NotApplicable};
      if (d.as_of < effective) to = std::min(to, int64_t{effective} - 1);
      else from = std::max(from, int64_t{effective});
      if (d.as_of > expires) from = std::max(from, int64_t{expires} + 1);
      else to = std::min(to, int64_t{expires});
    }
    s.eval_rulesets_from = from;
    s.eval_rulesets_to = to;
  }
  d.rulesets.assign(s.eval_rulesets.begin(), s.eval_rulesets.end());
  for (int32_t i : s.rs_order)
    if (s.rs_applies[i] != Tri::False) d.rulesets[i].state = s.rs_applies[i] == Tri::Unknown ? RulesetState::Unknown : RulesetState::Applied;
  const auto& rs_applies = s.rs_applies;
  const auto& cond = s.cond;
  const auto& effect = s.effect;
  // Exemptions and exceptions in rank order (exceptions before the rules they lift); each rule's pairs
  // are in the order of its exceptions, which a stable sort keeps.
  if (s.eval_lifted.size() > 1)
    std::stable_sort(s.eval_lifted.begin(), s.eval_lifted.end(),
                     [&](const auto& a, const auto& b) { return prog.rule_rank[a.first] < prog.rule_rank[b.first]; });
  for (const auto& [r, x] : s.eval_lifted) {
    if (static_cast<check::Modality>(prog.rule_modality[x]) == check::Modality::Exempt) d.exempted.push_back({r, x});
    else d.overridden.push_back({r, x, Reason::Exception});
  }

  // 3. Findings, in rule order: the live rules. Each reuses an earlier case's Finding (and its strings
  // and vectors) where there is one.
  size_t n_findings = 0;
  if (d.findings.capacity() < s.live.size()) d.findings.reserve(s.live.size());
  for (int r : s.live) {
    if (n_findings == d.findings.size()) TakeSpare(d.findings, s.eval_spare_findings);
    Finding& f = d.findings[n_findings++];
    f.rule = static_cast<int>(r);
    f.applies = effect[r];
    f.status = s.status[r];
    f.governed_by = -1;
    f.reason = Reason::None;
    f.satisfied_by.clear();
    f.message_args.clear();
    if (s.governed_by[r] >= 0) {
      f.governed_by = s.governed_by[r];
      f.reason = static_cast<Reason>(s.reason[r]);
      d.overridden.push_back({f.rule, f.governed_by, f.reason});
    }
    if (f.status == Status::Satisfied) {
      if (!tree && prog.rule_satisfied_fixed[r]) {  // the same whatever the case
        f.satisfied_by.assign(prog.rule_satisfied_text[r]);
      } else {  // run again to learn which element satisfied it
        if (tree) replay.Eval(prog.rule_satisfied[r]);
        else replay.Run(prog.rule_satisfied_code[r]);
        replay.MatchPath(prog.rule_satisfied[r], f.satisfied_by);
      }
    }
    if (prog.rule_timing_begin[r] == prog.rule_timing_begin[r + 1]) f.due.clear();
    else DueDates(prog, c, replay, tree, r, f);
    for (int32_t node : prog.rule_message_args[r]) f.message_args.push_back(m.Eval(node));
  }
  KeepSpares(d.findings, n_findings, s.eval_spare_findings);

  // 6. Missing facts: those that decide whether a finding applies, and those that decide an
  // obligation's status. Nothing is asked once a prohibition is certain. Sorted by fact.
  size_t n_missing = 0;
  if (d.verdict != Verdict::Prohibited) {
    // A condition's missing facts depend only on the case: each condition is collected once per case
    // (a ruleset's applicability is asked about for every finding of the ruleset), as root slots or
    // element paths (Scratch::Fact), and turned into text only when it becomes an entry.
    bool remembering = false;  // the node-value cache, for the tree walk only (a fresh Scratch allocates it)
    s.eval_collected.clear();
    s.eval_facts.clear();
    s.eval_pool_used = 0;
    s.eval_missing_fact.clear();
    auto collected = [&](int32_t node, int32_t steps) -> const Scratch::Collected& {
      for (const auto& got : s.eval_collected)
        if (got.node == node) return got;
      const auto begin = static_cast<uint32_t>(s.eval_facts.size());
      FactSink sink{s, begin};
      if (steps >= 0 && !tree) {
        CollectSteps(prog, c, m, static_cast<uint32_t>(steps), sink);
      } else {
        if (!remembering) m.RememberValues(s);
        remembering = true;
        m.Collect(node, sink);
      }
      return s.eval_collected.emplace_back(Scratch::Collected{node, begin, static_cast<uint32_t>(s.eval_facts.size())});
    };
    FactIndex missing_index;
    if (++s.eval_missing_epoch == 0) {  // wrapped: no mark may match this case by accident
      for (Scratch::SlotMark& mark : s.eval_slot_mark) mark.missing = 0;
      s.eval_missing_epoch = 1;
    }
    const uint32_t missing_epoch = s.eval_missing_epoch;
    auto add = [&](int32_t node, int32_t steps, int rule, bool decides) {
      const Scratch::Collected& got = collected(node, steps);
      for (uint32_t i = got.begin; i < got.end; ++i) {
        const Scratch::Fact fact = s.eval_facts[i];
        size_t k;
        if (fact.slot >= 0) {  // a root fact: its entry from its mark
          Scratch::SlotMark& mark = s.eval_slot_mark[static_cast<size_t>(fact.slot)];
          if (mark.missing != missing_epoch) {
            mark.missing = missing_epoch;
            mark.entry = static_cast<uint32_t>(n_missing);
          }
          k = mark.entry;
        } else {
          k = FindFact(s, s.eval_missing_fact.data(), n_missing, fact, missing_index);
        }
        if (k == n_missing) {
          if (n_missing == d.missing.size()) TakeSpare(d.missing, s.eval_spare_missing);
          Missing& fresh = d.missing[n_missing++];
          fresh.fact.assign(fact.slot >= 0 ? prog.root.slots[fact.slot].path : s.eval_pool[fact.text]);
          fresh.asked_by.clear();
          fresh.decides_verdict = false;
          s.eval_missing_fact.push_back(fact);
        }
        Missing& entry = d.missing[k];
        // A finding's facts are all added before the next finding's (one finding per rule), so a rule
        // already asking for this fact is the last one listed.
        if (entry.asked_by.empty() || entry.asked_by.back() != rule) entry.asked_by.push_back(rule);
        entry.decides_verdict |= decides;
      }
    };
    for (const auto& f : d.findings) {
      // A governed finding yields to another instrument's: nothing about it can change the decision.
      if (f.governed_by >= 0) continue;
      const int32_t ruleset = prog.rule_ruleset[f.rule];
      const bool binding = prog.rule_binding[f.rule];
      // Whether an obligation that is already met applies or not changes nothing.
      if (f.applies == Tri::Unknown && f.status != Status::Satisfied) {
        bool decides = binding && d.verdict == Verdict::Indeterminate;
        int32_t rs_node = prog.ruleset_applies[ruleset];
        if (rs_node >= 0 && rs_applies[ruleset] == Tri::Unknown)
          add(rs_node, prog.ruleset_applies_collect[ruleset], f.rule, decides);
        if (prog.rule_when[f.rule] >= 0 && cond[f.rule] == Tri::Unknown)
          add(prog.rule_when[f.rule], prog.rule_when_collect[f.rule], f.rule, decides);
        for (uint32_t k = prog.rule_exceptions_begin[f.rule]; k < prog.rule_exceptions_begin[f.rule + 1]; ++k) {
          const int x = prog.rule_exceptions[k];
          if (effect[x] == Tri::Unknown && prog.rule_when[x] >= 0)
            add(prog.rule_when[x], prog.rule_when_collect[x], f.rule, decides);
        }
      }
      if (f.status == Status::Unknown && prog.rule_satisfied[f.rule] >= 0)
        add(prog.rule_satisfied[f.rule], prog.rule_satisfied_collect[f.rule], f.rule, false);
    }
    // By fact, as a std::map kept them.
    SortMissing(prog, s, d, n_missing, /*by_text=*/tree);
  }
  KeepSpares(d.missing, n_missing, s.eval_spare_missing);
}

std::vector<std::string> CollectFacts(const ir::Program& prog, const Case& c, int32_t node, int32_t steps, int32_t as_of) {
  Scratch s(prog);
  return CollectFacts(prog, c, node, steps, as_of, s);
}

std::vector<std::string> CollectFacts(const ir::Program& prog, const Case& c, int32_t node, int32_t steps, int32_t as_of,
                                      Scratch& s) {
  std::vector<std::string> out;
  if (node < 0) return out;
  s.eval_facts.clear();
  s.eval_pool_used = 0;
  Machine m(prog, c, as_of, s.match_of_list);
  m.RememberValues(s);
  FactSink sink{s, 0};
  if (steps >= 0) CollectSteps(prog, c, m, static_cast<uint32_t>(steps), sink);
  else m.Collect(node, sink);
  for (const Scratch::Fact& f : s.eval_facts)
    out.push_back(f.slot >= 0 ? prog.root.slots[static_cast<size_t>(f.slot)].path : s.eval_pool[f.text]);
  std::sort(out.begin(), out.end());
  return out;
}

const char* ReasonName(Reason r) {
  switch (r) {
    case Reason::Exception: return "exception";
    case Reason::Force: return "force";
    case Reason::Specificity: return "specificity";
    case Reason::Later: return "later";
    case Reason::None: return "";
  }
  return "";
}

const char* RulesetStateName(RulesetState st) {
  switch (st) {
    case RulesetState::Applied: return "applied";
    case RulesetState::NotApplicable: return "not_applicable";
    case RulesetState::NotInForce: return "not_in_force";
    case RulesetState::Expired: return "expired";
    case RulesetState::Unknown: return "unknown";
  }
  return "unknown";
}

}  // namespace lexgate::eval
