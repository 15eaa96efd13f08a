// Missing-fact collection compiled (issue 12: per-case latency). Evaluate lists the facts whose being
// unknown decides a finding: for an unknown condition it walks the node tree, descending into the
// operands of and/or/not whose value is unknown and, below them, into every operand of a comparison
// or membership test, listing each fact that is not known exactly (eval's Machine::Collect, the
// reference). CompileCollect writes that walk down once per root condition, as steps in pre-order
// (Program::collect_steps): an and/or/not is a step whose operands follow it, a comparison or other
// test is one step holding the root slots it reads (Program::collect_slots), and every step but the
// root's is entered only when its node's value is unknown, else skipped to its end. Collecting is then
// one loop over an array with no recursion and no per-level evaluation of a fact. Conditions with a
// `some` (element facts have paths that depend on the element), with and/or/not inside a comparison,
// or larger than kMaxCollectSteps keep the tree walk (their entry is -1). A unit test compares both
// on every shipped condition over many cases.
#pragma once
#include <cstdint>

namespace lexgate::ir {

struct Program;

constexpr uint32_t kMaxCollectSteps = 256;  // per condition

// Fills Program::rule_satisfied_fixed and rule_satisfied_text: the text eval's Machine::MatchPath
// writes for a rule's `satisfied when`, where it reads no value of the case (ir::Lower calls it last).
void CompileSatisfiedBy(Program& prog);

// Fills Program::collect_steps, collect_slots and the rule_when/rule_satisfied/ruleset_applies entries
// (ir::Lower calls it last).
void CompileCollect(Program& prog);

}  // namespace lexgate::ir
