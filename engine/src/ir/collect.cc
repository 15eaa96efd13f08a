#include "ir/collect.h"

#include <algorithm>
#include <string>
#include <vector>

#include "ir/program.h"

namespace lexgate::ir {

namespace {

using check::TypeKind;

bool IntervalKind(TypeKind k) {
  return k == TypeKind::Int || k == TypeKind::Count || k == TypeKind::Decimal || k == TypeKind::Date ||
         k == TypeKind::Timestamp;
}

class Builder {
 public:
  explicit Builder(Program& p) : p_(p) {}

  // The steps of root condition `node` (-1: none), or -1 when it is left to the tree walk.
  int32_t Compile(int32_t node) {
    if (node < 0) return -1;
    // a condition several rules share (the node DAG holds it once) is compiled once
    if (done_.empty()) done_.assign(p_.nodes.size(), -2);
    int32_t& done = done_[static_cast<size_t>(node)];
    if (done != -2) return done;
    done = Fresh(node);
    return done;
  }

 private:
  int32_t Fresh(int32_t node) {
    const size_t steps = p_.collect_steps.size(), slots = p_.collect_slots.size();
    begin_ = static_cast<uint32_t>(steps);
    slots_begin_ = slots;
    ok_ = true;
    Step(node, false);
    if (!ok_) {  // nothing half-written
      p_.collect_steps.resize(steps);
      p_.collect_slots.resize(slots);
      return -1;
    }
    return static_cast<int32_t>(steps);
  }

  static bool Logic(NOp op) { return op == NOp::And || op == NOp::Or || op == NOp::Not; }

  void Step(int32_t id, bool check) {
    if (!ok_ || p_.collect_steps.size() - begin_ >= kMaxCollectSteps) {
      ok_ = false;
      return;
    }
    const Node& n = p_.nodes[static_cast<size_t>(id)];
    const size_t at = p_.collect_steps.size();
    Program::CollectStep st;
    st.node = id;
    st.check = check ? 1 : 0;
    p_.collect_steps.push_back(st);
    if (Logic(n.op)) {
      for (uint32_t k = 0; k < n.nkids; ++k) Step(static_cast<int32_t>(p_.kid_list[n.kids + k]), true);
    } else {
      if (n.op == NOp::Some) ok_ = false;
      const auto slots_begin = static_cast<uint32_t>(p_.collect_slots.size());
      Test(id);
      LeafOf(n, p_.collect_steps[at]);
      p_.collect_steps[at].test = 1;
      p_.collect_steps[at].slots_begin = slots_begin;
      p_.collect_steps[at].slots_end = static_cast<uint32_t>(p_.collect_slots.size());
    }
    p_.collect_steps[at].end = static_cast<uint32_t>(p_.collect_steps.size());
  }

  bool RootSlot(uint32_t id) const { return p_.nodes[id].op == NOp::Slot && p_.nodes[id].var < 0; }

  // How the collector computes a test's value: the common shapes from the slots, the rest on the tree.
  void LeafOf(const Node& n, Program::CollectStep& st) const {
    const uint32_t* k = p_.kid_list.data() + n.kids;
    if (n.op == NOp::Slot && n.var < 0) {
      st.leaf = Program::CollectStep::kBool;
      st.a = n.slot;
      return;
    }
    if (n.op != NOp::Cmp || n.nkids != 2) return;
    const Node& x = p_.nodes[k[0]];
    const Node& c = p_.nodes[k[1]];
    if (c.op != NOp::Const || n.cmp >= 6) return;
    st.cmp = n.cmp;
    st.interval = IntervalKind(n.type) ? 1 : 0;
    st.imm = c.imm;
    if (RootSlot(k[0])) {
      st.leaf = Program::CollectStep::kSlotConst;
      st.a = x.slot;
    } else if (st.interval && x.op == NOp::Add && x.nkids == 2 && RootSlot(p_.kid_list[x.kids]) &&
               RootSlot(p_.kid_list[x.kids + 1])) {
      st.leaf = Program::CollectStep::kAddConst;
      st.a = p_.nodes[p_.kid_list[x.kids]].slot;
      st.b = p_.nodes[p_.kid_list[x.kids + 1]].slot;
    }
  }

  // A test's facts: every root slot below it, in the tree walk's order (the walk collects every
  // operand of a node that is not and/or/not, whatever its value).
  void Test(int32_t id) {
    if (!ok_) return;
    const Node& n = p_.nodes[static_cast<size_t>(id)];
    switch (n.op) {
      case NOp::Const: return;
      case NOp::Slot:
        if (n.var >= 0) {  // an element's fact: only inside a `some`
          ok_ = false;
          return;
        }
        p_.collect_slots.push_back(n.slot * 2 + (IntervalKind(n.type) ? 1 : 0));
        return;
      case NOp::And: case NOp::Or: case NOp::Not: case NOp::Some:
        ok_ = false;  // the tree walk would look at values below a test
        return;
      default:
        if (p_.collect_slots.size() - slots_begin_ > 4 * kMaxCollectSteps) {  // this condition's slots
          ok_ = false;
          return;
        }
        for (uint32_t k = 0; k < n.nkids; ++k) Test(static_cast<int32_t>(p_.kid_list[n.kids + k]));
        return;
    }
  }

  Program& p_;
  std::vector<int32_t> done_;  // per node: its steps' index, -1 (tree walk), -2 (not compiled yet)
  uint32_t begin_ = 0;
  size_t slots_begin_ = 0;  // collect_slots.size() when this condition began
  bool ok_ = true;
};

}  // namespace

namespace {

// What Machine::MatchPath(id, out) appends to `out` and returns, where that reads no value of the case:
// 1 true, 0 false; -1 when it would (a `some` over a list of the case names the element it matched; an
// and/or, the first operand that holds).
int StaticMatch(const Program& p, uint32_t id, std::string& out) {
  const Node& n = p.nodes[id];
  const uint32_t* k = p.kid_list.data() + n.kids;
  if (n.op == NOp::Some) {
    const Node& list = p.nodes[k[0]];
    if (list.var < 0 && n.var >= 0 && n.var < kMaxCodeVars) return -1;
  }
  if (n.op == NOp::Slot && n.var < 0) {
    out.append(p.root.slots[static_cast<size_t>(n.slot)].path);
    return !p.root.slots[static_cast<size_t>(n.slot)].path.empty();
  }
  if (n.op == NOp::And || n.op == NOp::Or) return n.nkids > 0 ? -1 : 0;
  if (n.op == NOp::Cmp || n.op == NOp::InSet || n.op == NOp::Known)
    for (uint32_t i = 0; i < n.nkids; ++i) {
      const int r = StaticMatch(p, k[i], out);
      if (r != 0) return r;
    }
  return 0;
}

}  // namespace

void CompileSatisfiedBy(Program& prog) {
  prog.rule_satisfied_fixed.assign(prog.rule_satisfied.size(), 0);
  prog.rule_satisfied_text.assign(prog.rule_satisfied.size(), std::string());
  for (size_t r = 0; r < prog.rule_satisfied.size(); ++r) {
    if (prog.rule_satisfied[r] < 0) continue;
    std::string text;
    if (StaticMatch(prog, static_cast<uint32_t>(prog.rule_satisfied[r]), text) < 0) continue;
    prog.rule_satisfied_fixed[r] = 1;
    prog.rule_satisfied_text[r] = std::move(text);
  }
}

void CompileCollect(Program& prog) {
  {
    const auto& slots = prog.root.slots;
    std::vector<int32_t> by_path(slots.size());
    for (size_t i = 0; i < by_path.size(); ++i) by_path[i] = static_cast<int32_t>(i);
    std::sort(by_path.begin(), by_path.end(), [&](int32_t a, int32_t b) { return slots[a].path < slots[b].path; });
    prog.root_path_rank.assign(slots.size(), 0);
    for (size_t k = 0; k < by_path.size(); ++k)  // equal paths (none expected) get equal ranks
      prog.root_path_rank[by_path[k]] =
          k > 0 && slots[by_path[k]].path == slots[by_path[k - 1]].path ? prog.root_path_rank[by_path[k - 1]]
                                                                         : static_cast<int32_t>(k);
  }
  Builder b(prog);
  prog.rule_when_collect.reserve(prog.rule_when.size());
  prog.rule_satisfied_collect.reserve(prog.rule_satisfied.size());
  for (int32_t node : prog.rule_when) prog.rule_when_collect.push_back(b.Compile(node));
  for (int32_t node : prog.rule_satisfied) prog.rule_satisfied_collect.push_back(b.Compile(node));
  prog.ruleset_applies_collect.reserve(prog.ruleset_applies.size());
  for (int32_t node : prog.ruleset_applies) prog.ruleset_applies_collect.push_back(b.Compile(node));
}

}  // namespace lexgate::ir
