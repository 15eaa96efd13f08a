// Stage 4: Program + Case → Decision. Evaluate() computes, for every ruleset in force on the as-of date
// and applicable to the case, each rule's three-valued applicability (true / false / unknown), lifts
// rules whose exceptions apply, settles conflicts between rulesets by force, then specificity of
// jurisdiction, then later effective date, and derives the verdict of decisions.md. Unknown facts are
// collected only where they decide a rule's outcome. The Program is never modified: any number of
// threads may evaluate on one Program at once.
//
// Two interpreters, one semantics. The hot path (Decide, and the core Evaluate shares with it) runs the
// flat code ir::Lower compiles for every root condition (ir::FInstr: a decision DAG of fused leaves,
// each with a successor per result, so and/or/not cost no instruction and no Val is returned through
// memory per node); explanations,
// tracing walk the node tree, which stays the reference (a
// unit test compares the two on every shipped condition). Evaluate collects missing facts on compiled
// steps per condition (ir/collect.h) and learns which element a `some` matched by running the flat code
// again; conditions with a `some` are collected on the tree (evaluate_paths_test compares both ways). The core sorts nothing per case: each
// ruleset's rules (or each component of rulesets linked by cross-ruleset exceptions) come in exception
// order from ir::Lower, only the rulesets a case tested are reset, and precedence between rulesets runs
// only when two live rulesets share a legal order.
//
// Shared sub-expressions are computed once per case. The node DAG is hash-consed, but flat code is one
// array per condition, so an and/or that several conditions contain (`cum_personal + data.personal >=
// 100_000 or …` in two rules) would run in each. ir::Lower compiles such a block, when it reads no `some`
// variable, as one leaf (ir::FOp::Memo) that runs the block's own code: its three-valued result goes to a memo slot of the Scratch,
// stamped with the case's epoch, and a later condition of the same case reads it instead of running the
// block. The epoch moves on at every case (Core), so nothing is cleared per case; a memo holds a Kleene
// value like any other operand, so unknowns behave exactly as in the tree. Evaluate gets the same.
//
// Decide has its own core (DecideCore), giving the same verdict, actions, effects, statuses and
// precedence as Core in fewer passes: each applicable ruleset's rules are settled in exception order as
// their conditions run, and a rule one of whose exceptions surely applies has effect False whatever its
// own condition, so its `when` is not run at all (Scratch::every_condition turns that off for explain,
// which reads every cond); the verdict and the outstanding actions come from one pass over the live rules
// (actions de-duplicated through a per-action flag, not a search).
//
// Both take a fast path first (FastCore, ir::Program::decide_rules): rulesets linked by `exception to`
// or by precedence form a unit of at most 64 rules, settled at once in exception order with bitmasks
// (surely in effect, maybe), precedence inside the unit from each rule's mask of possible governors; a
// case that meets a ruleset of a larger unit goes to DecideCore / Core. Evaluate runs it with every
// condition (the decision explains each rule) and keeps Core as the reference (Scratch::eval_reference).
#pragma once
#include <cstddef>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "eval/case.h"
#include "ir/program.h"

namespace lexgate::eval {

enum class Tri : uint8_t { False, True, Unknown };
enum class Verdict : uint8_t { Permitted = 0, Conditional = 1, Prohibited = 2, Indeterminate = 3 };
enum class Status : uint8_t { None, Satisfied, Outstanding, Unknown };

const char* VerdictName(Verdict v);
// An obligation's status as decisions are written: satisfied, outstanding, unknown ("" for none).
const char* StatusName(Status s);

// Why a rule yields to another: an exception lifted it, or another ruleset's rule governs it by force,
// specificity of jurisdiction or a later effective date. Values 1–3 are Scratch::reason's codes.
enum class Reason : uint8_t { None = 0, Force = 1, Specificity = 2, Later = 3, Exception = 4 };
// exception | force | specificity | later ("" for none), as decisions are written.
const char* ReasonName(Reason r);

// A ruleset's state on the as-of date for a case.
enum class RulesetState : uint8_t { Applied, NotApplicable, NotInForce, Expired, Unknown };
// applied | not_applicable | not_in_force | expired | unknown, as decisions are written.
const char* RulesetStateName(RulesetState s);

struct Due {
  int32_t date = 0;
  std::string anchor;  // the fact the period ran from, e.g. safeguards[0].effective
  std::vector<int> unpublished_years;
};

struct Finding {
  int rule = -1;
  Tri applies = Tri::True;
  Status status = Status::None;
  std::string satisfied_by;
  int governed_by = -1;         // another finding's rule that takes precedence over this one
  Reason reason = Reason::None; // force | specificity | later (ReasonName)
  std::vector<std::optional<Due>> due;  // per timing clause
  std::vector<ir::Val> message_args;    // per `with` argument (numbers known only from below: their minimum)
};

struct Exempted {
  int rule;
  int by;
};

struct Overridden {
  int rule;
  int by;
  Reason reason;  // exception | force | specificity | later (ReasonName)
};

struct Missing {
  std::string fact;
  std::vector<int> asked_by;  // rules
  bool decides_verdict = false;
};

struct RulesetUse {
  int ruleset;
  RulesetState state;  // applied | not_applicable | not_in_force | expired | unknown (RulesetStateName)
};

struct Decision {
  std::string case_id;
  Verdict verdict = Verdict::Permitted;
  int32_t as_of = 0;
  std::vector<Finding> findings;
  std::vector<Exempted> exempted;
  std::vector<Overridden> overridden;
  std::vector<Missing> missing;
  std::vector<RulesetUse> rulesets;
};

struct EvalOptions {
  std::optional<int32_t> as_of;  // default: the case's date, else today
};

struct Scratch;

// Full decision: findings with citations, due dates, exemptions, missing facts. Allocates a Scratch and
// a Decision per call; the form below reuses both.
Decision Evaluate(const ir::Program& prog, const Case& c, const EvalOptions& opts);
// The same decision into `out`, reusing `scratch` (one per thread and Program) and the capacity of
// `out`'s vectors and strings (cleared, not freed): after a few cases, a case like earlier ones
// allocates little or nothing. `out` holds exactly what Evaluate(prog, c, opts) returns, whatever it
// held before (a unit test renders both on every example, in varying orders).
void Evaluate(const ir::Program& prog, const Case& c, const EvalOptions& opts, Scratch& scratch, Decision& out);

// A fixed-size array of a Scratch, in the one block Scratch's constructor allocates for all of them
// (a fresh Scratch costs one allocation instead of one per array); zeroed at construction.
template <class T>
struct ScratchArray {
  T* p = nullptr;
  size_t n = 0;
  T& operator[](size_t i) { return p[i]; }
  const T& operator[](size_t i) const { return p[i]; }
  size_t size() const { return n; }
  bool empty() const { return n == 0; }
  T* data() { return p; }
  const T* data() const { return p; }
  T* begin() { return p; }
  T* end() { return p + n; }
  const T* begin() const { return p; }
  const T* end() const { return p + n; }
};

// Per-thread working memory for Decide, sized once for a program: after construction, Decide does not
// allocate (but for the program's outcome diagrams, built once per Program by the first Decide that can
// use them). One Scratch per thread; the Program is shared. Movable, not copyable.
struct Scratch {
  explicit Scratch(const ir::Program& prog);
  std::unique_ptr<std::byte[]> block;  // every ScratchArray below
  ScratchArray<Tri> rs_applies, cond, effect;
  std::vector<int32_t> rs_order;  // ascending: the rulesets this case tested (DecideCore), or only the applicable ones (the fast path); only they are reset next time
  ScratchArray<uint8_t> component_seen;  // per component of cross-linked rulesets (ir::Program), all 0 between cases
  std::vector<int32_t> components;
  ScratchArray<Status> status;
  ScratchArray<int> governed_by;
  ScratchArray<uint8_t> reason;  // 1 force, 2 specificity, 3 later
  std::vector<int> live;        // rules with a finding
  // The rules of applicable rulesets, whose cond/effect this case set (ascending, and in exception
  // order); every other rule's cond and effect stay False, so a case costs what applies to it.
  std::vector<int> touched;
  std::vector<int> actions;
  ScratchArray<uint8_t> action_seen;  // per action, all 0 between cases (Decide's de-duplication)
  // Decide skips the `when` of a rule one of whose exceptions surely applies (its effect is False
  // whatever the condition) and leaves its cond False; true: run every condition, as Evaluate does
  // (explain reads cond to tell "excepted" from "condition false").
  bool every_condition = false;
  // Decide normally answers from the program's outcome diagrams (ir::DecideDiagrams), which give the
  // verdict and the actions only; true: settle the rules, so that cond, effect, status, live and
  // governed_by above hold this case's values afterwards (questions and tests read them).
  bool rule_detail = false;
  std::vector<int> match_of_list;
  // The fast path's units of several rulesets (ir::Program::ruleset_unit) settled in this case: unit u's
  // masks are unit_surely[u], unit_maybe[u] when unit_stamp[u] == unit_epoch (moved on per case).
  ScratchArray<uint32_t> unit_stamp;
  ScratchArray<uint64_t> unit_surely, unit_maybe;
  uint32_t unit_epoch = 0;
  // Shared blocks of flat code (ir::FOp::Memo): slot k holds a value for this case when
  // memo_stamp[k] == memo_epoch; the epoch moves on with every case, so nothing is cleared per case.
  ScratchArray<uint32_t> memo_stamp;
  ScratchArray<uint8_t> memo_value;
  uint32_t memo_epoch = 0;
  // Step 4 (precedence): for each (ruleset, action), the earliest live rule surely in effect; the
  // rulesets among them. Reused between cases, so the hot path stays allocation-free.
  std::vector<std::pair<int64_t, int>> govern_first;
  std::vector<int> govern_rulesets;
  // Evaluate's own working memory (not Decide's), reused from case to case so that a case like earlier
  // ones allocates nothing:
  // the (rule, exception) pairs where the rule's condition holds and the exception applies, in the
  // order the core settled them (Evaluate lists them by rank as exemptions or overrides);
  std::vector<std::pair<int32_t, int32_t>> eval_lifted;
  // the facts a condition is missing, as root slots (slot >= 0: the slot's path) or element paths
  // (slot < 0: eval_pool[text], strings whose capacity is kept); per condition asked about in this case,
  // its facts are eval_facts[begin, end);
  struct Fact {
    int32_t slot;
    uint32_t text;
  };
  std::vector<Fact> eval_facts;
  std::vector<std::string> eval_pool;
  uint32_t eval_pool_used = 0;
  struct Collected {
    int32_t node;
    uint32_t begin, end;
  };
  std::vector<Collected> eval_collected;
  std::vector<Fact> eval_missing_fact;  // per entry of Decision::missing while it is built
  // Per root slot, so that a missing root fact is de-duplicated without searching a list: `sink` ==
  // eval_sink_epoch when the slot is among the facts of the condition being collected (FactSink);
  // `missing` == eval_missing_epoch when it is entry `entry` of the Decision::missing being built. The
  // epochs move on per condition and per case (all marks cleared when one wraps), so nothing is cleared
  // per case.
  struct SlotMark {
    uint32_t sink, missing, entry;
  };
  ScratchArray<SlotMark> eval_slot_mark;
  uint32_t eval_sink_epoch = 0, eval_missing_epoch = 0;
  // Every ruleset's state by the as-of date alone (in force, not yet, expired; not applicable), valid
  // for as-of dates in [eval_rulesets_from, eval_rulesets_to] (none at first): Decision::rulesets starts
  // as a copy, and is computed again only for a date outside the range.
  std::vector<RulesetUse> eval_rulesets;
  int64_t eval_rulesets_from = 1, eval_rulesets_to = 0;
  // Node values while missing facts are collected (Machine::RememberValues): a direct-mapped cache by
  // node index, an entry valid when its epoch is this case's (the epoch moves on with every case);
  // allocated on first use, the same size whatever the program.
  struct NodeValue {
    int32_t node = -1;
    uint32_t epoch = 0;
    ir::Val value;
  };
  static constexpr uint32_t kNodeValues = 256;
  std::vector<NodeValue> eval_values;
  uint32_t eval_values_epoch = 0;
  // Findings and missing-fact entries a Decision no longer holds (an earlier case had more), kept with
  // their strings' and vectors' capacity for the next case instead of being freed.
  std::vector<Finding> eval_spare_findings;
  std::vector<Missing> eval_spare_missing;
  // Tests only: Evaluate takes the reference paths (Core instead of the fast path; matched elements and
  // missing facts on the node tree instead of their compiled forms); the decision must be the same.
  bool eval_reference = false;
};

struct Outcome {
  Verdict verdict;
  const std::vector<int>& actions;  // action ids still to be done (binding, governing, applying, not met)
};

// The verdict and outstanding actions only — the hot path for batch screening and benchmarks. Gives the
// same verdict as Evaluate (a test checks it on every example). Where the program has outcome diagrams
// (ir::DecideDiagrams; built on the first call, thread-safe), it answers from them and leaves the
// per-rule arrays of `scratch` as they were, unless scratch.rule_detail or every_condition is set.
// `actions` is the scratch's list, valid until its next Decide.
Outcome Decide(const ir::Program& prog, const Case& c, const EvalOptions& opts, Scratch& scratch);

// The three-valued value of one node, for explanations and tests.
Tri EvalCondition(const ir::Program& prog, const Case& c, int32_t node, int32_t as_of);

// The same value through the flat code (ir::FInstr) starting at `entry` (Program::rule_when_code etc.),
// as Decide and Evaluate run it; a test compares it with EvalCondition on every shipped condition.
Tri EvalCompiled(const ir::Program& prog, const Case& c, int32_t entry, int32_t as_of);

// The facts whose being unknown decides root condition `node`, as Evaluate lists them (a root fact's
// path or an element's, e.g. safeguards[1].status; sorted): from the condition's compiled collect steps
// `steps` (Program::rule_when_collect etc.), or with steps -1 by the tree walk, the reference; a test
// compares the two on every shipped condition.
std::vector<std::string> CollectFacts(const ir::Program& prog, const Case& c, int32_t node, int32_t steps, int32_t as_of);
// The same with a Scratch reused from call to call.
std::vector<std::string> CollectFacts(const ir::Program& prog, const Case& c, int32_t node, int32_t steps, int32_t as_of,
                                      Scratch& scratch);

// Observes an evaluation node by node (lexgate explain, eval/explain.h): Enter before a node is
// evaluated, Leave with its value after. A node may be entered again inside itself (a logic node asked
// for as a value); the evaluator's hot paths run with no tracer at all.
class Tracer {
 public:
  virtual ~Tracer() = default;
  virtual void Enter(int32_t node) = 0;
  virtual void Leave(int32_t node, const ir::Val& value) = 0;
};

// The value of one node, as EvalCondition computes it, with every node evaluated reported to `tracer`.
ir::Val TraceCondition(const ir::Program& prog, const Case& c, int32_t node, int32_t as_of, Tracer& tracer);
// The as-of date Evaluate and Decide use: the option, else the case's date, else today.
int32_t AsOfDate(const Case& c, const EvalOptions& opts);

}  // namespace lexgate::eval
