// Stage 3 output: the compiled program the evaluator runs. Facts live in numbered slots (a case is a
// flat array of values, laid out once from the schema); conditions are nodes in one flat array that
// refer to their operands by index; identical sub-expressions are stored once (hash-consed), so a
// condition shared by several rules is one node. Jurisdiction containment is an ancestor table and
// group membership a per-(group, jurisdiction) list of validity intervals. Immutable after Lower(),
// shared by any number of threads.
//
// Every root condition (ruleset applicability, rule `when`, `satisfied when`) is also compiled to flat
// code (Program::code, see FInstr): a decision DAG of leaves per condition, each leaf with a successor
// per result (false, true, unknown), so Kleene and/or/not are jumps and cost nothing of their own; fused
// leaves for the common shapes (fact vs constant for each comparison kind, fact + fact vs constant, fact
// in set / in jurisdiction as a bitset, group membership; a fact of the case or of a `some` element),
// and `some` over a list of the case as a loop over its body's code. Decide and Evaluate run that code, with no recursion and
// no Val returned through memory on the common path; any other sub-expression (list membership,
// arithmetic beyond one addition, `some` over a nested list) is one `Tree` instruction that hands its node to the tree
// interpreter. An and/or block that several conditions contain is compiled as a memo block (FOp::Memo),
// computed once per case. The node tree stays the reference: explanations and tracing walk it (so does
// missing-fact collection for a condition with a `some`; the others have collect steps, ir/collect.h),
// and a unit test checks that the code gives the tree's value on every condition of the shipped rules.
#pragma once
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "check/project.h"
#include "ir/collect.h"
#include "ir/workdays.h"

namespace lexgate::ir {

// A value: an interval [lo, hi] for numbers and dates (unknown = the whole range the type allows, so a
// count known only from below still decides `>= 100_000`), or a single lo for everything else.
struct Val {
  int64_t lo = 0;
  int64_t hi = 0;
  bool known = false;
};

enum class NOp : uint8_t { Const, Slot, Not, And, Or, Cmp, InJuris, InGroup, InSet, InList, Add, Sub, Neg, Some, Known };

struct Node {
  NOp op;
  uint8_t cmp = 0;
  check::TypeKind type = check::TypeKind::Bool;
  int8_t var = -1;         // Slot: -1 = case root, else `some` depth; Some: depth of its variable
  int32_t slot = 0;        // Slot: slot index (in the root, or in the element record)
  uint32_t kids = 0;       // first index into Program::kid_list
  uint32_t nkids = 0;
  int64_t imm = 0;         // Const value, InJuris jurisdiction, InGroup group, Some element stride
  uint32_t set = 0, nset = 0;  // InSet: range in Program::sets
};

// Flat condition code (see the comment at the top), as a decision DAG: every instruction is a leaf
// (a test giving false, true or unknown) with one successor per result, `next[t]`; a negative successor
// ends the condition with the value ~next (-1 false, -2 true, -3 unknown). Kleene and/or/not have no
// instructions of their own: they are the successors (an and's operand that is false goes to the and's
// false target; one that is unknown goes on to a copy of the remaining operands that ends in unknown
// instead of true), so a condition runs one dispatch per leaf it evaluates, in the tree's order.
enum class FOp : uint8_t {
  Tree,       // t = the tree interpreter's value of node a
  Const,      // t = imm (0 false, 1 true); only a condition that is a constant as a whole
  SlotTri,    // t = slot a as a truth value
  // slot a compared with the constant imm; I* for interval types (numbers, dates), K* for the rest
  IEq, INe, ILt, ILe, IGt, IGe, KEq, KNe,
  CmpAdd,     // slot a + slot b compared with imm (cmp as in Node, interval type)
  CmpSlots,   // slot a compared with slot b (cmp, interval as in Node)
  KEqSlots,   // slot a == slot b, slot a != slot b (not interval types)
  KNeSlots,
  InBits,     // slot a's value is a set bit of code_bits[b …], imm bits (out of range: false)
  InList,     // slot a's value is one of sets[b, b + imm)
  InGroup,    // slot a's jurisdiction is in group imm on the as-of date
  KnownSlot,  // t = slot a is known
  Some,       // some element of root list slot a (stride imm, variable `depth`) makes the body true; the
              // body is the condition code at b
  // A block shared by several conditions (an and/or the hash-consed node DAG holds once but several
  // conditions contain), computed once per case: when memo slot a was stored for this case, t = its
  // value; else t = the block's code at b, kept in slot a.
  Memo,
};

struct FInstr {
  int64_t imm = 0;
  int32_t a = 0;         // slot, node (Tree), memo slot
  int32_t b = 0;         // second slot, bitset, set or body entry
  int32_t next[3] = {-1, -2, -3};  // successor when the leaf is false, true, unknown (negative: end, ~next)
  FOp op = FOp::Const;
  uint8_t cmp = 0;       // CmpAdd, CmpSlots: comparison kind as in Node
  uint8_t interval = 0;  // CmpSlots: interval type
  uint8_t depth = 0;     // Some: its variable
  int8_t var = -1;       // slot a is in the case (-1) or in the element of `some` variable var
  int8_t var2 = -1;      // the same for slot b (CmpAdd, CmpSlots)
};

constexpr int kMaxCodeDepth = 32;  // deeper and/or nests are left to the tree interpreter
constexpr int kMaxPrefetchBytes = 1024;  // Program::prefetch_slot_begin/end, as 8-byte words
constexpr int kMaxCodeLength = 4096;  // instructions per condition; a larger DAG runs on the tree
constexpr int kMaxCodeVars = 8;  // the evaluator's limit on nested `some` variables
constexpr int64_t kMaxDenseIndexKey = 1 << 16;  // Program::ruleset_index_dense

struct SlotInfo {
  std::string path;     // e.g. exporter.jurisdiction
  check::Type type;
  int elem_stride = 0;  // lists of records: slots per element
  int elem_record = -1;
};

struct Layout {  // the slots of one record, flattened depth-first
  std::vector<SlotInfo> slots;
};

// Where a timing clause reads its start date: a slot of the case, or a slot of the element of a root
// list that the rule's `some` matched.
struct Anchor {
  int32_t root_slot = -1;
  int32_t list_slot = -1;
  int32_t elem_slot = -1;
  int32_t stride = 0;
};

// Per ruleset, the whole of what Decide's fast path concludes from it, compiled into one decision
// diagram over the leaves of its conditions (its applicability, its rules' `when` and `satisfied`, in the
// order the fast path runs them) to an outcome: the verdict flags and the actions the ruleset adds. Its
// nodes are the conditions' leaves (ir::FInstr, each as it is in Program::code), and a leaf is tested at
// most once on any path. Decide runs one diagram per ruleset in
// force instead of running conditions and settling rules (the exceptions, the effects, precedence and
// the listing of actions are all decided in advance). Built by eval/evaluate.cc's DiagramBuilder from a
// symbolic run of the fast path; identical nodes are shared. Taken only where every unit is a single
// ruleset, the actions number at most 64, and the diagrams stay within a budget; else `usable` is false
// and Decide settles rules as before.
struct DecideDiagrams {
  bool usable = false;
  struct Node {
    // The test of a known value that most leaves are, taken without the flat code's dispatch: the
    // value (root slot `slot`'s, or with kSum the saturated sum of slots `slot` and `slot2`) is in
    // [lo, lo + span] (unsigned arithmetic), or with `out` not in it. kLeaf: none; the leaf is run.
    int64_t lo = 0;
    uint64_t span = 0;
    int32_t slot = -1, slot2 = -1;
    int32_t next[3] = {~0, ~0, ~0};  // by the leaf's value (false, true, unknown): a node, or ~outcome
    uint8_t kind = 0;                // kLeaf, kSlot, kSum
    uint8_t out = 0;
  };
  static constexpr uint8_t kLeaf = 0, kSlot = 1, kSum = 2;
  std::vector<Node> nodes;      // every diagram's
  std::vector<FInstr> leaves;   // per node: its leaf (as in Program::code), ending at once (next: ~value)
  std::vector<int32_t> entry;  // per ruleset: its first node, or ~outcome when it tests nothing
  struct Outcome {
    uint8_t flags = 0;  // bit 0 prohibited, 1 prohibited or not, 2 conditional, 3 an obligation or not
    uint32_t actions_begin = 0, actions_end = 0;  // actions[begin, end), the ruleset's, in order
  };
  std::vector<Outcome> outcomes;
  std::vector<int32_t> actions;
};
struct LazyDecideDiagrams {
  std::once_flag once;
  std::atomic<uint8_t> built{0};  // 1 once `d` is built (read first: call_once costs a call per Decide)
  DecideDiagrams d;
};

struct Program {
  std::shared_ptr<const check::Project> project;
  std::vector<Node> nodes;
  std::vector<uint32_t> kid_list;
  std::vector<int64_t> sets;
  std::vector<std::string> strings;  // string constants; a case's equal strings get the same id
  Layout root;
  std::map<int, Layout> elements;    // record id → layout of one list element
  std::vector<int32_t> rule_when;    // node index per rule, -1 = always
  std::vector<int32_t> rule_satisfied;
  std::vector<int32_t> ruleset_applies;  // node per ruleset (kind test and `where`)
  std::vector<std::vector<Anchor>> rule_anchors;  // per rule, per timing clause
  std::vector<std::vector<int32_t>> rule_message_args;  // per rule: a node per `with` argument
  std::vector<int32_t> rule_order;
  std::vector<int32_t> rule_rank;           // rule → its position in rule_order
  std::vector<uint32_t> ruleset_rule_begin;  // ruleset i's rules are ruleset_rules[begin[i], begin[i+1])
  std::vector<int32_t> ruleset_rules;
  std::vector<std::pair<int32_t, int32_t>> ruleset_in_force;  // per ruleset: effective, expires (days)
  // Ruleset index (as OPA indexes rules): most rulesets apply under a conjunction holding
  // `fact == constant` for one fact (the case kind, or whichever fact splits the rulesets most). A case
  // that gives that fact is tested only against the rulesets keyed by its value and those without such
  // a conjunct; for every other ruleset the conjunct is false, and so is its applicability.
  int32_t ruleset_index_slot = -1;
  std::vector<std::pair<int64_t, int32_t>> ruleset_index;  // (constant, ruleset), sorted
  std::vector<int32_t> ruleset_unindexed;                  // ascending
  // When every key is in [0, kMaxDenseIndexKey): key k's rulesets are
  // ruleset_index[dense[k], dense[k + 1]) for k < dense.size() - 1, none for any other value (empty: no
  // such table, binary search ruleset_index).
  std::vector<uint32_t> ruleset_index_dense;
  // A ruleset whose applicability has a conjunct `fact in J` / `fact in GROUP` / `fact in { … }` on the
  // index fact is keyed too, by every value for which that conjunct can be true on some date (a
  // group's members over all its history): for any other value the conjunct is false.
  std::vector<int32_t> ruleset_legal_order;  // per ruleset: its top-level jurisdiction, or -2 - group id   // rules so that every rule comes after its exceptions
  std::vector<std::vector<int32_t>> ancestors;  // jurisdiction → itself and its ancestors
  // membership[g][j]: validity intervals during which jurisdiction j is a member of group g
  std::vector<std::vector<std::vector<std::pair<int32_t, int32_t>>>> membership;
  // The same flattened for the evaluator: the intervals during which jurisdiction j or one of its
  // ancestors is a member of group g are group_spans[group_span_begin[g * (J + 1) + j], … [… + j + 1])
  // (J jurisdictions), one short contiguous list instead of a walk over the ancestors.
  std::vector<uint32_t> group_span_begin;
  std::vector<std::pair<int32_t, int32_t>> group_spans;
  int32_t kind_slot = -1, date_slot = -1, id_slot = -1;

  // Flat code of every root condition (see FInstr); the entries are -1 exactly where the node is -1.
  std::vector<FInstr> code;
  std::vector<uint64_t> code_bits;  // InBits bitsets
  std::vector<int32_t> rule_when_code, rule_satisfied_code, ruleset_applies_code;
  int32_t memo_count = 0;  // memo slots of FOp::Memo
  // Root slots [prefetch_slot_begin, prefetch_slot_end) hold every root slot the flat code (and the
  // ruleset index) reads, at most kMaxPrefetchBytes / 8 from the first: Decide prefetches their words
  // and known bytes (eval/case.h).
  int32_t prefetch_slot_begin = 0, prefetch_slot_end = 0;
  // For a ruleset found through the index (its key conjunct is then true): its applicability without
  // that conjunct; -1 when not keyed.
  std::vector<int32_t> ruleset_applies_keyed_code;
  // Per rule, copied out of check::Rule so that the core reads small arrays instead of the large Rule:
  std::vector<int32_t> rule_ruleset;
  std::vector<uint8_t> rule_modality;   // check::Modality
  std::vector<uint8_t> rule_binding;    // its ruleset is binding
  std::vector<uint32_t> rule_exceptions_begin;  // rule r's exceptions: rule_exceptions[begin[r], begin[r+1])
  std::vector<int32_t> rule_exceptions;
  std::vector<uint32_t> rule_actions_begin;     // the same for its actions
  std::vector<int32_t> rule_actions;
  // per ruleset: 1 when an `exception to` links one of its rules with a rule of another ruleset
  std::vector<uint8_t> ruleset_cross_linked;
  // Rulesets linked by such exceptions form components (ruleset_component, -1 for an unlinked
  // ruleset); component c's rules, all in exception order (rule_rank), are
  // component_rules[component_rules_begin[c], component_rules_begin[c + 1]).
  std::vector<int32_t> ruleset_component;
  std::vector<uint32_t> component_rules_begin;
  std::vector<int32_t> component_rules;
  // Per ruleset, what precedence between rulesets compares: force, depth of its jurisdiction, effective.
  std::vector<int32_t> ruleset_force_rank, ruleset_depth, ruleset_effective;
  // Precomputed orders for the evaluator's core, so that a case sorts nothing:
  // ruleset i's rules in exception order (rule_rank), in the ranges of ruleset_rule_begin;
  std::vector<int32_t> ruleset_rules_by_rank;
  // per ruleset: 1 when that order is its rules' own order (ruleset_rules), as when every exception is
  // declared before the rules it lifts: Decide then settles and lists them in one pass.
  std::vector<uint8_t> ruleset_rank_is_rule_order;
  // Effects are computed ruleset by ruleset in that order, or component by component (below).
  // true when the rules of ruleset i all come before those of ruleset i + 1 (then visiting rulesets in
  // ascending order touches rules in ascending order).
  bool rulesets_in_rule_order = true;
  // Due dates (ir::CompileDueDates): per calendar (project->calendars), its working days as a table, so
  // that Evaluate computes a due date in constant time (ir/workdays.h); calendar_none for rulesets
  // without a calendar. Rule r's timing clauses, copied out of check::Rule with their anchors, are
  // rule_timings[rule_timing_begin[r], rule_timing_begin[r + 1]).
  std::vector<WorkdayTable> calendar_days;
  WorkdayTable calendar_none;
  struct TimingInfo {
    uint8_t kind = 0;  // ast::Timing::Kind
    PeriodUnit unit = PeriodUnit::Days;
    bool roll = true;
    int32_t event = -1;
    int32_t calendar = -1;  // the rule's ruleset's
    int64_t n = 0;
    Anchor anchor;
  };
  std::vector<uint32_t> rule_timing_begin;
  std::vector<TimingInfo> rule_timings;
  // Missing-fact collection (ir/collect.h): per root condition, the index of its first step in
  // collect_steps, or -1 where it is collected on the tree (or there is no condition).
  struct CollectStep {
    int32_t node = 0;   // whose value decides whether the step is entered
    uint32_t end = 0;   // the index after the step's own (its operands' steps are in between)
    uint32_t slots_begin = 0, slots_end = 0;  // a test: its root slots, collect_slots[begin, end)
    uint8_t test = 0;   // 1: a test (comparison, membership, fact); 0: and/or/not
    uint8_t check = 0;  // 1: entered only when the node's value is unknown (every step but the root's)
    // A test's value: kTree, the tree's value of `node`; else from root slots a (and b) and imm, as the
    // tree computes it: kSlotConst slot a <cmp> imm (cmp as in Node; `interval` for numbers and dates),
    // kAddConst slot a + slot b <cmp> imm (numbers), kBool slot a as a truth value.
    enum Leaf : uint8_t { kTree, kSlotConst, kAddConst, kBool };
    uint8_t leaf = kTree, cmp = 0, interval = 0;
    int32_t a = 0, b = 0;
    int64_t imm = 0;
  };
  std::vector<CollectStep> collect_steps;
  std::vector<int32_t> collect_slots;  // slot * 2 + 1 when the slot is of an interval type, else slot * 2
  // Per root slot, the rank of its path among the root slots' paths in string order, so that missing
  // facts that are root slots sort without comparing strings.
  std::vector<int32_t> root_path_rank;
  std::vector<int32_t> rule_when_collect, rule_satisfied_collect, ruleset_applies_collect;
  // `satisfied_by` of a met obligation where it does not depend on the case (a fact's path: `satisfied
  // when pia_done`, `… in { granted, not_needed }`): per rule, 1 and the text; 0 where it names the
  // element a `some` matched or an and/or's operand that holds (ir::CompileSatisfiedBy).
  std::vector<uint8_t> rule_satisfied_fixed;
  std::vector<std::string> rule_satisfied_text;

  // Decide's fast path (eval/evaluate.cc FastCore, built by BuildDecidePlan at the end of Lower): an
  // applicable ruleset is settled at once, its rules' effects kept as two bitmasks (surely in effect,
  // maybe), then its rules in effect add to the verdict and actions, with no per-case lists to merge.
  // It takes a ruleset whose unit (below) has at most 64 rules (ruleset_decide_fast); a case that meets
  // another ruleset goes to DecideCore. Evaluate takes the same path with every condition run.
  struct DecideRule {
    uint64_t exceptions = 0;     // bit k: the k-th rule of its unit (below) is an exception to it
    // bit k: the k-th rule of its unit may govern it by precedence (another ruleset of its legal order
    // that outranks its own, not `exempt`, sharing one of its actions); the first such rule surely in
    // effect does
    uint64_t governors = 0;
    int32_t when_code = -1;      // rule_when_code (-1: always)
    int32_t satisfied_code = -1; // rule_satisfied_code (-1: none)
    uint32_t actions_begin = 0, actions_end = 0;  // its actions: rule_actions[begin, end)
    uint8_t modality = 0;        // check::Modality
    uint8_t binding = 0;
    uint8_t bit = 0;             // its position in its unit
  };
  std::vector<DecideRule> decide_rules;       // per rule
  // Units: the rulesets that must be settled together, connected by an `exception to` between their
  // rules or by precedence (a rule of one may govern a rule of the other). A unit's rules are numbered
  // (bits) in rule order, ruleset by ruleset, so each ruleset's rules are a contiguous range of bits
  // from ruleset_unit_offset; unit u's rules are unit_rules[unit_rules_begin[u], …[u + 1]) in that
  // order and unit_rules_by_rank in exception order (rule_rank). A unit of more than 64 rules is not
  // taken (its rulesets are not ruleset_decide_fast). Precedence never crosses units, so the fast path
  // settles it inside one. unit_single[u]: one ruleset (settled and listed at once).
  std::vector<int32_t> ruleset_unit;
  std::vector<uint8_t> ruleset_unit_offset;
  std::vector<uint32_t> unit_rules_begin;
  std::vector<int32_t> unit_rules, unit_rules_by_rank;
  std::vector<uint8_t> unit_single;
  std::vector<uint8_t> ruleset_decide_fast;   // per ruleset
  bool decide_fast = false;                   // rulesets_in_rule_order (ruleset_rules is then the identity)
  bool decide_all_fast = false;               // every ruleset_decide_fast is 1
  // Per key k of the dense ruleset index: 1 when every ruleset keyed by k and every unkeyed one is
  // ruleset_decide_fast (0: the case goes to DecideCore at once); the same for the unkeyed ones alone.
  std::vector<uint8_t> ruleset_index_dense_fast;
  bool ruleset_unindexed_fast = false;

  // Decide's outcome diagrams (eval/evaluate.cc DiagramBuilder::Build), built on the first Decide that can
  // use them, since only Decide reads them (a `check` does not pay for them).
  std::shared_ptr<LazyDecideDiagrams> decide_diagrams = std::make_shared<LazyDecideDiagrams>();

  int SlotOf(int record, const std::vector<int>& chain) const;
};

// Why ruleset h's rule governs ruleset l's of the same legal order: 1 force, 2 specificity (deeper
// jurisdiction), 3 later effective date; 0 not.
inline uint8_t RulesetOutranks(const Program& prog, int32_t h, int32_t l) {
  const int32_t fh = prog.ruleset_force_rank[h], fl = prog.ruleset_force_rank[l];
  if (fh != fl) return fh > fl ? 1 : 0;
  const int32_t dh = prog.ruleset_depth[h], dl = prog.ruleset_depth[l];
  if (dh != dl) return dh > dl ? 2 : 0;
  return prog.ruleset_effective[h] > prog.ruleset_effective[l] ? 3 : 0;
}

// Whether rules a and b name an action in common (precedence applies only then).
inline bool RulesShareAction(const Program& prog, int32_t a, int32_t b) {
  const int32_t* act = prog.rule_actions.data();
  const uint32_t* begin = prog.rule_actions_begin.data();
  for (uint32_t k = begin[a]; k < begin[a + 1]; ++k)
    for (uint32_t j = begin[b]; j < begin[b + 1]; ++j)
      if (act[k] == act[j]) return true;
  return false;
}

// Number of slots a record takes when flattened.
int LeafCount(const check::Project& p, int record);

std::string Dump(const Program& p);

}  // namespace lexgate::ir
