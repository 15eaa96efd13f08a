// Stage 3 output: the compiled program the evaluator runs. Facts live in numbered slots (a case is a
// flat array of values, laid out once from the schema); conditions are nodes in one flat array that
// refer to their operands by index; identical sub-expressions are stored once (hash-consed), so a
// condition shared by several rules is one node. Jurisdiction containment is an ancestor table and
// group membership a per-(group, jurisdiction) list of validity intervals. Immutable after Lower(),
// shared by any number of threads.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "check/project.h"

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
  std::vector<int32_t> ruleset_legal_order;  // per ruleset: its top-level jurisdiction, or -2 - group id   // rules so that every rule comes after its exceptions
  std::vector<std::vector<int32_t>> ancestors;  // jurisdiction → itself and its ancestors
  // membership[g][j]: validity intervals during which jurisdiction j is a member of group g
  std::vector<std::vector<std::vector<std::pair<int32_t, int32_t>>>> membership;
  int32_t kind_slot = -1, date_slot = -1, id_slot = -1;

  int SlotOf(int record, const std::vector<int>& chain) const;
};

// Number of slots a record takes when flattened.
int LeafCount(const check::Project& p, int record);

std::string Dump(const Program& p);

}  // namespace lexgate::ir
