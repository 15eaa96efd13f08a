#include "ir/lower.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include <functional>
#include <tuple>
#include <unordered_map>

namespace lexgate::ir {

using check::Op;
using check::TypeKind;

int LeafCount(const check::Project& p, int record) {
  int n = 0;
  for (auto& f : p.records[record].fields)
    n += (f.type.kind == TypeKind::Record && !f.type.list) ? LeafCount(p, f.type.id) : 1;
  return n;
}

int Program::SlotOf(int record, const std::vector<int>& chain) const {
  int slot = 0;
  for (int f : chain) {
    const auto& fields = project->records[record].fields;
    for (int i = 0; i < f; ++i)
      slot += (fields[i].type.kind == TypeKind::Record && !fields[i].type.list) ? LeafCount(*project, fields[i].type.id) : 1;
    if (fields[f].type.kind == TypeKind::Record && !fields[f].type.list) record = fields[f].type.id;
  }
  return slot;
}

namespace {

void Flatten(const check::Project& p, int record, const std::string& prefix, Layout& out,
             std::map<int, Layout>& elements) {
  for (auto& f : p.records[record].fields) {
    std::string path = prefix.empty() ? f.name : prefix + "." + f.name;
    if (f.type.kind == TypeKind::Record && !f.type.list) {
      Flatten(p, f.type.id, path, out, elements);
      continue;
    }
    SlotInfo s{path, f.type, 0, -1};
    if (f.type.list && f.type.kind == TypeKind::Record) {
      s.elem_record = f.type.id;
      s.elem_stride = LeafCount(p, f.type.id);
      if (!elements.count(f.type.id)) {
        Layout l;
        elements[f.type.id] = l;
        Flatten(p, f.type.id, "", l, elements);
        elements[f.type.id] = std::move(l);
      }
    }
    out.slots.push_back(std::move(s));
  }
}

class Lowerer {
 public:
  explicit Lowerer(Program& prog) : prog_(prog), p_(*prog.project) {}

  int32_t Lower(const check::TExpr& e, const std::vector<int>& var_records) {
    Node n{};
    n.type = e.type.kind;
    std::vector<uint32_t> kids;
    switch (e.op) {
      case Op::Const:
        n.op = NOp::Const;
        n.imm = e.type.kind == TypeKind::String ? StringId(e.str) : e.ival;
        break;
      case Op::Field: {
        n.op = NOp::Slot;
        n.var = static_cast<int8_t>(e.var);
        int rec = e.var < 0 ? p_.root : var_records[e.var];
        n.slot = rec < 0 ? 0 : prog_.SlotOf(rec, e.chain);
        if (e.type.list) n.type = e.type.kind;
        break;
      }
      case Op::Not: n.op = NOp::Not; break;
      case Op::And: n.op = NOp::And; break;
      case Op::Or: n.op = NOp::Or; break;
      case Op::Cmp: n.op = NOp::Cmp; n.cmp = static_cast<uint8_t>(e.cmp); n.type = e.kids[0]->type.kind; break;
      case Op::InJuris: n.op = NOp::InJuris; n.imm = e.ival; break;
      case Op::InGroup: n.op = NOp::InGroup; n.imm = e.ival; break;
      case Op::InSet: {
        n.op = NOp::InSet;
        n.type = e.kids[0]->type.kind;
        n.set = static_cast<uint32_t>(prog_.sets.size());
        n.nset = static_cast<uint32_t>(e.set.size());
        prog_.sets.insert(prog_.sets.end(), e.set.begin(), e.set.end());
        break;
      }
      case Op::InList: n.op = NOp::InList; n.type = e.kids[0]->type.kind; break;
      case Op::Add: n.op = NOp::Add; break;
      case Op::Sub: n.op = NOp::Sub; break;
      case Op::Neg: n.op = NOp::Neg; break;
      case Op::Known: n.op = NOp::Known; break;
      case Op::Some: {
        n.op = NOp::Some;
        n.var = static_cast<int8_t>(e.var);
        kids.push_back(static_cast<uint32_t>(Lower(*e.kids[0], var_records)));
        auto inner = var_records;
        inner.resize(static_cast<size_t>(e.var) + 1, -1);
        inner[static_cast<size_t>(e.var)] = e.kids[0]->type.kind == TypeKind::Record ? e.kids[0]->type.id : -1;
        n.imm = inner[static_cast<size_t>(e.var)] >= 0 ? LeafCount(p_, inner[static_cast<size_t>(e.var)]) : 1;
        kids.push_back(static_cast<uint32_t>(Lower(*e.kids[1], inner)));
        return Intern(n, kids);
      }
    }
    for (auto& k : e.kids) kids.push_back(static_cast<uint32_t>(Lower(*k, var_records)));
    return Intern(n, kids);
  }

 private:
  int64_t StringId(const std::string& s) {
    for (size_t i = 0; i < prog_.strings.size(); ++i)
      if (prog_.strings[i] == s) return static_cast<int64_t>(i);
    prog_.strings.push_back(s);
    return static_cast<int64_t>(prog_.strings.size() - 1);
  }

  // Hash-consing: an identical node with identical operands is stored once.
  // The signature is built in one reused buffer and looked up in a hash table (a std::map of vectors
  // was ~10 % of a load from the cache: lowering runs on every load).
  int32_t Intern(Node n, const std::vector<uint32_t>& kids) {
    sig_.assign({static_cast<int64_t>(n.op), n.cmp, static_cast<int64_t>(n.type), n.var, n.slot, n.imm});
    for (uint32_t i = 0; i < n.nset; ++i) sig_.push_back(prog_.sets[n.set + i]);
    sig_.push_back(-1);
    for (auto k : kids) sig_.push_back(k);
    auto it = seen_.find(sig_);
    if (it != seen_.end()) return it->second;
    n.kids = static_cast<uint32_t>(prog_.kid_list.size());
    n.nkids = static_cast<uint32_t>(kids.size());
    prog_.kid_list.insert(prog_.kid_list.end(), kids.begin(), kids.end());
    prog_.nodes.push_back(n);
    int32_t id = static_cast<int32_t>(prog_.nodes.size() - 1);
    seen_.emplace(sig_, id);
    return id;
  }

  struct SigHash {
    size_t operator()(const std::vector<int64_t>& v) const noexcept {
      uint64_t h = 0x9e3779b97f4a7c15ULL ^ v.size();
      for (int64_t x : v) h = (h ^ static_cast<uint64_t>(x)) * 0xff51afd7ed558ccdULL, h ^= h >> 32;
      return static_cast<size_t>(h);
    }
  };

  Program& prog_;
  const check::Project& p_;
  std::unordered_map<std::vector<int64_t>, int32_t, SigHash> seen_;
  std::vector<int64_t> sig_;
};

}  // namespace


namespace {

// For each ruleset, the `slot == constant` conjuncts at the top of its applicability condition.
std::vector<std::pair<int32_t, int64_t>> EqualityConjuncts(const Program& prog, int32_t node) {
  std::vector<std::pair<int32_t, int64_t>> out;
  std::vector<int32_t> stack = {node};
  while (!stack.empty()) {
    const Node& n = prog.nodes[stack.back()];
    stack.pop_back();
    const uint32_t* k = prog.kid_list.data() + n.kids;
    if (n.op == NOp::And) {
      for (uint32_t i = 0; i < n.nkids; ++i) stack.push_back(static_cast<int32_t>(k[i]));
    } else if (n.op == NOp::Cmp && n.cmp == 0) {
      const Node& a = prog.nodes[k[0]];
      const Node& b = prog.nodes[k[1]];
      if (a.op == NOp::Slot && a.var < 0 && b.op == NOp::Const) out.emplace_back(a.slot, b.imm);
    }
  }
  return out;
}

// The first membership conjunct (`slot in J`, `slot in GROUP`, `slot in { … }`) on root slot `slot` at the
// top of a condition, as the values for which it can be true on some date; nullopt when there is none.
std::optional<std::vector<int64_t>> MembershipKeys(const Program& prog, int32_t node, int32_t slot) {
  std::vector<int32_t> stack = {node};
  while (!stack.empty()) {
    const Node& n = prog.nodes[stack.back()];
    stack.pop_back();
    const uint32_t* k = prog.kid_list.data() + n.kids;
    if (n.op == NOp::And) {
      for (uint32_t i = n.nkids; i-- > 0;) stack.push_back(static_cast<int32_t>(k[i]));
      continue;
    }
    if (n.op != NOp::InJuris && n.op != NOp::InGroup && n.op != NOp::InSet) continue;
    const Node& a = prog.nodes[k[0]];
    if (a.op != NOp::Slot || a.var >= 0 || a.slot != slot) continue;
    std::vector<int64_t> keys;
    if (n.op == NOp::InSet) {
      keys.assign(prog.sets.begin() + n.set, prog.sets.begin() + n.set + n.nset);
    } else {
      for (size_t j = 0; j < prog.ancestors.size(); ++j) {
        bool in = false;
        for (int32_t anc : prog.ancestors[j])
          in |= n.op == NOp::InJuris ? anc == n.imm : !prog.membership[static_cast<size_t>(n.imm)][anc].empty();
        if (in) keys.push_back(static_cast<int64_t>(j));
      }
    }
    std::sort(keys.begin(), keys.end());
    keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
    return keys;
  }
  return std::nullopt;
}

void BuildRulesetIndex(Program& prog) {
  const size_t n = prog.ruleset_applies.size();
  std::vector<std::vector<std::pair<int32_t, int64_t>>> eqs(n);
  std::map<int32_t, std::set<int64_t>> distinct;  // slot → the constants rulesets compare it with
  for (size_t i = 0; i < n; ++i) {
    if (prog.ruleset_applies[i] < 0) continue;
    eqs[i] = EqualityConjuncts(prog, prog.ruleset_applies[i]);
    for (auto [slot, c] : eqs[i]) distinct[slot].insert(c);
  }
  size_t best = 1;
  for (const auto& [slot, cs] : distinct)
    if (cs.size() > best) {
      best = cs.size();
      prog.ruleset_index_slot = slot;
    }
  for (size_t i = 0; i < n; ++i) {
    bool keyed = false;
    for (auto [slot, c] : eqs[i])
      if (slot == prog.ruleset_index_slot && !keyed) {
        prog.ruleset_index.emplace_back(c, static_cast<int32_t>(i));
        keyed = true;
      }
    if (!keyed && prog.ruleset_index_slot >= 0 && prog.ruleset_applies[i] >= 0)
      if (auto keys = MembershipKeys(prog, prog.ruleset_applies[i], prog.ruleset_index_slot)) {
        for (int64_t c : *keys) prog.ruleset_index.emplace_back(c, static_cast<int32_t>(i));
        keyed = true;
      }
    if (!keyed) prog.ruleset_unindexed.push_back(static_cast<int32_t>(i));
  }
  std::sort(prog.ruleset_index.begin(), prog.ruleset_index.end());
  // Small non-negative keys (jurisdictions, enum values): a direct table instead of a binary search.
  if (!prog.ruleset_index.empty() && prog.ruleset_index.front().first >= 0 &&
      prog.ruleset_index.back().first < kMaxDenseIndexKey) {
    const size_t keys = static_cast<size_t>(prog.ruleset_index.back().first) + 1;
    prog.ruleset_index_dense.assign(keys + 1, 0);
    size_t pos = 0;
    for (size_t k = 0; k <= keys; ++k) {
      while (pos < prog.ruleset_index.size() && prog.ruleset_index[pos].first < static_cast<int64_t>(k)) ++pos;
      prog.ruleset_index_dense[k] = static_cast<uint32_t>(pos);
    }
  }
}

// Flat condition code (program.h): compiles one root condition to a decision DAG of leaves.
class CodeGen {
 public:
  // `memo`: per node, its memo index (a block shared by several conditions, see SharedBlocks) or -1;
  // empty: no memo blocks (the counting pass).
  explicit CodeGen(Program& prog, std::vector<int32_t> memo = {})
      : prog_(prog), memo_(std::move(memo)), blocks_(prog.nodes.size(), 0), counted_(prog.nodes.size(), 0) {}

  // `skip`: a conjunct `root slot == constant` known to be true (the ruleset index's key), left out of
  // the and-chain at the top of the condition. `count`: count this condition's blocks (SharedBlocks).
  int32_t Compile(int32_t node, std::optional<std::pair<int32_t, int64_t>> skip = std::nullopt, bool count = true) {
    if (node < 0) return -1;
    const int32_t entry = static_cast<int32_t>(prog_.code.size());
    skip_ = skip;
    count_ = count;
    ++condition_;
    done_.clear();
    overflow_ = false;
    limit_ = prog_.code.size() + static_cast<size_t>(kMaxCodeLength);
    int32_t start = Gen(static_cast<uint32_t>(node), kTrue, kFalse, kUnknown, 0, true);
    if (overflow_) {  // too large a DAG: the whole condition on the tree
      prog_.code.resize(static_cast<size_t>(entry));
      for (auto it = bodies_.begin(); it != bodies_.end();)
        it = it->second >= entry ? bodies_.erase(it) : std::next(it);
      start = Leaf(FOp::Tree, kTrue, kFalse, kUnknown, node);
    }
    // The entry is an instruction: a condition that is a constant as a whole becomes one Const leaf.
    if (start < 0) start = Leaf(FOp::Const, kTrue, kFalse, kUnknown, 0, 0, start == kTrue ? 1 : 0);
    return start;
  }

  // After compiling every condition: the and/or nodes compiled as a block of their own in more than
  // one condition, reading no `some` variable and containing no `some` (whose matched element Evaluate
  // reads), each numbered as a memo slot; the others -1. `count` is set to the number of memo slots.
  std::vector<int32_t> SharedBlocks(int32_t& count) {
    std::vector<int32_t> memo(prog_.nodes.size(), -1);
    std::vector<int8_t> pure(prog_.nodes.size(), -1);
    count = 0;
    for (size_t i = 0; i < prog_.nodes.size(); ++i)
      if (blocks_[i] > 1 && Pure(static_cast<uint32_t>(i), pure)) memo[i] = count++;
    return memo;
  }

 private:
  static constexpr int32_t kFalse = -1, kTrue = -2, kUnknown = -3;  // ends: the value is ~target

  bool Pure(uint32_t id, std::vector<int8_t>& pure) const {
    if (pure[id] >= 0) return pure[id] != 0;
    const Node& n = N(id);
    bool ok = n.op != NOp::Some && !(n.op == NOp::Slot && n.var >= 0);
    for (uint32_t i = 0; i < n.nkids && ok; ++i) ok = Pure(prog_.kid_list[n.kids + i], pure);
    pure[id] = ok ? 1 : 0;
    return ok;
  }
  bool Memo(uint32_t id) const { return !memo_.empty() && memo_[id] >= 0; }
  static bool Interval(check::TypeKind k) {
    return k == TypeKind::Int || k == TypeKind::Count || k == TypeKind::Decimal || k == TypeKind::Date ||
           k == TypeKind::Timestamp;
  }
  const Node& N(uint32_t id) const { return prog_.nodes[id]; }
  bool RootSlot(uint32_t id) const { return N(id).op == NOp::Slot && N(id).var < 0; }
  // A slot of the case or of a `some` element the flat code can address.
  bool VarSlot(uint32_t id) const { return N(id).op == NOp::Slot && N(id).var < kMaxCodeVars; }
  // One leaf whose successors are the targets for true, false and unknown; returns its index.
  int32_t Leaf(FOp op, int32_t tt, int32_t ff, int32_t uu, int32_t a = 0, int32_t b = 0, int64_t imm = 0,
               uint8_t cmp = 0, uint8_t interval = 0, int8_t var = -1, int8_t var2 = -1, uint8_t depth = 0) {
    if (prog_.code.size() >= limit_) overflow_ = true;
    FInstr in;
    in.op = op;
    in.a = a;
    in.b = b;
    in.imm = imm;
    in.cmp = cmp;
    in.interval = interval;
    in.var = var;
    in.var2 = var2;
    in.depth = depth;
    in.next[0] = ff;
    in.next[1] = tt;
    in.next[2] = uu;
    prog_.code.push_back(in);
    return static_cast<int32_t>(prog_.code.size() - 1);
  }
  // A bitset of `nbits` bits in code_bits; returns its first word.
  int32_t Bits(const std::vector<int64_t>& members, int64_t nbits) {
    const int32_t first = static_cast<int32_t>(prog_.code_bits.size());
    prog_.code_bits.resize(prog_.code_bits.size() + static_cast<size_t>((nbits + 63) / 64), 0);
    for (int64_t v : members) prog_.code_bits[static_cast<size_t>(first + v / 64)] |= uint64_t{1} << (v % 64);
    return first;
  }

  bool Skipped(uint32_t id) const {
    if (!skip_) return false;
    const Node& n = N(id);
    if (n.op != NOp::Cmp || n.cmp != 0) return false;
    const uint32_t* k = prog_.kid_list.data() + n.kids;
    return RootSlot(k[0]) && N(k[0]).slot == skip_->first && N(k[1]).op == NOp::Const && N(k[1]).imm == skip_->second;
  }
  // The operands of an and (or) with nested ands (ors) spliced in: Kleene and/or are associative and
  // the operands stay in their order, so the same leaves are evaluated. `top`: this and-chain is at the
  // top of the condition, where the skipped conjunct is left out.
  void Operands(uint32_t id, NOp op, bool top, std::vector<uint32_t>& out) const {
    const Node& n = N(id);
    for (uint32_t i = 0; i < n.nkids; ++i) {
      const uint32_t kid = prog_.kid_list[n.kids + i];
      if (top && op == NOp::And && Skipped(kid)) continue;
      if (N(kid).op == op && N(kid).nkids > 0 && !Memo(kid)) Operands(kid, op, top, out);
      else out.push_back(kid);
    }
  }

  // Code of a sub-condition run on its own (a memo block's or a `some` body's), ending in its value;
  // compiled once and shared by every condition that contains it.
  int32_t Body(uint32_t id, bool block) {
    auto key = std::make_pair(id, block);
    if (auto it = bodies_.find(key); it != bodies_.end()) return it->second;
    const auto saved = done_;
    done_.clear();
    int32_t start = block ? GenLogic(id, kTrue, kFalse, kUnknown, 0, false) : Gen(id, kTrue, kFalse, kUnknown, 0, false);
    done_ = saved;
    if (start < 0) start = Leaf(FOp::Const, kTrue, kFalse, kUnknown, 0, 0, start == kTrue ? 1 : 0);
    bodies_[key] = start;
    return start;
  }

  // Node `id` with its successors: tt when true, ff when false, uu when unknown. Returns the entry
  // (an instruction index, or a target itself when the node is a constant).
  int32_t Gen(uint32_t id, int32_t tt, int32_t ff, int32_t uu, int depth, bool top = false) {
    if (overflow_) return tt;
    if (top && Skipped(id)) return tt;
    const auto key = std::make_tuple(id, tt, ff, uu, top);
    if (auto it = done_.find(key); it != done_.end()) return it->second;
    const int32_t entry = GenNode(id, tt, ff, uu, depth, top);
    done_[key] = entry;
    return entry;
  }

  // An and/or with its operands as successors of one another (see FInstr).
  int32_t GenLogic(uint32_t id, int32_t tt, int32_t ff, int32_t uu, int depth, bool top) {
    const Node& n = N(id);
    const bool is_and = n.op == NOp::And;
    std::vector<uint32_t> ops;
    Operands(id, n.op, top && is_and, ops);
    if (ops.empty()) return tt;  // every conjunct skipped: true
    if (ops.size() == 1) return Gen(ops[0], tt, ff, uu, depth + 1);
    if (count_ && counted_[id] != condition_) {
      counted_[id] = condition_;
      ++blocks_[id];
    }
    // From the last operand back: `c` runs the remaining operands when none so far was unknown, `u`
    // when one was (the and then ends in unknown where it would have been true; the or, false).
    int32_t c = is_and ? tt : ff, u = uu;
    for (size_t i = ops.size(); i-- > 0;) {
      const int32_t nc = is_and ? Gen(ops[i], c, ff, u, depth + 1) : Gen(ops[i], tt, c, u, depth + 1);
      int32_t nu = nc;
      if (i > 0 && c != u) nu = is_and ? Gen(ops[i], u, ff, u, depth + 1) : Gen(ops[i], tt, u, u, depth + 1);
      c = nc;
      u = nu;
    }
    return c;
  }

  int32_t GenNode(uint32_t id, int32_t tt, int32_t ff, int32_t uu, int depth, bool top) {
    const Node& n = N(id);
    const uint32_t* k = prog_.kid_list.data() + n.kids;
    auto leaf = [&](uint32_t x, FOp op, int32_t a, int32_t b = 0, int64_t imm = 0, uint8_t cmp = 0, uint8_t interval = 0) {
      return Leaf(op, tt, ff, uu, a, b, imm, cmp, interval, N(x).var);
    };
    switch (n.op) {
      case NOp::And:
      case NOp::Or: {
        if (n.nkids == 0 || depth >= kMaxCodeDepth) break;
        // A shared block: its value is kept per case; a later condition reads it instead of running it.
        if (Memo(id) && !top) return Leaf(FOp::Memo, tt, ff, uu, memo_[id], Body(id, true));
        return GenLogic(id, tt, ff, uu, depth, top);
      }
      case NOp::Not:
        if (depth >= kMaxCodeDepth) break;
        return Gen(k[0], ff, tt, uu, depth + 1);
      case NOp::Const:
        return n.imm ? tt : ff;
      case NOp::Slot:
        if (VarSlot(id)) return leaf(id, FOp::SlotTri, n.slot);
        break;
      case NOp::Known:
        if (VarSlot(k[0])) return leaf(k[0], FOp::KnownSlot, N(k[0]).slot);
        break;
      case NOp::Cmp: {
        const Node& a = N(k[0]);
        const Node& b = N(k[1]);
        const bool interval = Interval(n.type);
        if (VarSlot(k[0]) && b.op == NOp::Const) {
          static constexpr FOp kI[6] = {FOp::IEq, FOp::INe, FOp::ILt, FOp::ILe, FOp::IGt, FOp::IGe};
          if (interval && n.cmp < 6) return leaf(k[0], kI[n.cmp], a.slot, 0, b.imm);
          if (!interval) return leaf(k[0], n.cmp == 0 ? FOp::KEq : FOp::KNe, a.slot, 0, b.imm);
        }
        if (interval && a.op == NOp::Add && b.op == NOp::Const && VarSlot(prog_.kid_list[a.kids]) &&
            VarSlot(prog_.kid_list[a.kids + 1])) {
          const uint32_t x = prog_.kid_list[a.kids], y = prog_.kid_list[a.kids + 1];
          return Leaf(FOp::CmpAdd, tt, ff, uu, N(x).slot, N(y).slot, b.imm, n.cmp, 1, N(x).var, N(y).var);
        }
        if (VarSlot(k[0]) && VarSlot(k[1]) && !interval && n.cmp <= 1)
          return Leaf(n.cmp == 0 ? FOp::KEqSlots : FOp::KNeSlots, tt, ff, uu, a.slot, b.slot, 0, 0, 0, a.var, b.var);
        if (VarSlot(k[0]) && VarSlot(k[1]))
          return Leaf(FOp::CmpSlots, tt, ff, uu, a.slot, b.slot, 0, n.cmp, interval ? 1 : 0, a.var, b.var);
        break;
      }
      case NOp::InJuris: {
        if (!VarSlot(k[0])) break;
        std::vector<int64_t> members;
        for (size_t j = 0; j < prog_.ancestors.size(); ++j)
          for (int32_t anc : prog_.ancestors[j])
            if (anc == n.imm) members.push_back(static_cast<int64_t>(j));
        const int64_t nbits = static_cast<int64_t>(prog_.ancestors.size());
        return leaf(k[0], FOp::InBits, N(k[0]).slot, Bits(members, nbits), nbits);
      }
      case NOp::InSet: {
        if (!VarSlot(k[0])) break;
        std::vector<int64_t> members(prog_.sets.begin() + n.set, prog_.sets.begin() + n.set + n.nset);
        int64_t max = -1;
        bool small = true;
        for (int64_t v : members) {
          small &= v >= 0 && v < 4096;
          max = std::max(max, v);
        }
        if (small) return leaf(k[0], FOp::InBits, N(k[0]).slot, Bits(members, max + 1), max + 1);
        return leaf(k[0], FOp::InList, N(k[0]).slot, static_cast<int32_t>(n.set), n.nset);
      }
      case NOp::InGroup:
        if (VarSlot(k[0])) return leaf(k[0], FOp::InGroup, N(k[0]).slot, 0, n.imm);
        break;
      case NOp::Some: {
        // Over a list of the case: the body is its own code, run per element.
        if (!RootSlot(k[0]) || n.var < 0 || n.var >= kMaxCodeVars) break;
        const int32_t body = Body(k[1], false);
        return Leaf(FOp::Some, tt, ff, uu, N(k[0]).slot, body, n.imm, 0, 0, -1, -1, static_cast<uint8_t>(n.var));
      }
      default:
        break;
    }
    return Leaf(FOp::Tree, tt, ff, uu, static_cast<int32_t>(id));
  }

  Program& prog_;
  std::vector<int32_t> memo_;
  std::vector<uint32_t> blocks_;   // per node: in how many counted conditions it was compiled as a block
  std::vector<uint32_t> counted_;  // per node: the last condition that counted it
  uint32_t condition_ = 0;
  std::map<std::tuple<uint32_t, int32_t, int32_t, int32_t, bool>, int32_t> done_;  // this condition's code so far
  std::map<std::pair<uint32_t, bool>, int32_t> bodies_;  // memo blocks (true) and `some` bodies (false)
  std::optional<std::pair<int32_t, int64_t>> skip_;
  bool count_ = true;
  bool overflow_ = false;
  size_t limit_ = 0;
};

}  // namespace

namespace {

// Disjoint sets over rulesets, for the components (Lower) and the units (BuildDecidePlan): Find with path
// halving; Unite makes the smaller index the root. Callers number the sets in first-ruleset order.
class RulesetSets {
 public:
  explicit RulesetSets(size_t n) : parent_(n) {
    for (size_t i = 0; i < n; ++i) parent_[i] = static_cast<int32_t>(i);
  }
  int32_t Find(int32_t x) {
    while (parent_[x] != x) x = parent_[x] = parent_[parent_[x]];
    return x;
  }
  void Unite(int32_t a, int32_t b) {
    a = Find(a);
    b = Find(b);
    if (a != b) parent_[std::max(a, b)] = std::min(a, b);
  }
  // Unites the rulesets linked by a cross-ruleset `exception to`.
  void UniteExceptions(const check::Project& p) {
    for (const auto& r : p.rules)
      for (int x : r.exceptions) Unite(r.ruleset, p.rules[x].ruleset);
  }

 private:
  std::vector<int32_t> parent_;
};

// Program::decide_rules and ruleset_decide_fast (see program.h), from the per-rule arrays Lower built.
void BuildDecidePlan(Program& prog) {
  const check::Project& p = *prog.project;
  const size_t n_rules = p.rules.size(), n_rulesets = p.rulesets.size();
  prog.decide_rules.assign(n_rules, {});
  for (size_t r = 0; r < n_rules; ++r) {
    Program::DecideRule& d = prog.decide_rules[r];
    d.when_code = prog.rule_when[r] < 0 ? -1 : prog.rule_when_code[r];
    d.satisfied_code = prog.rule_satisfied[r] < 0 ? -1 : prog.rule_satisfied_code[r];
    d.actions_begin = prog.rule_actions_begin[r];
    d.actions_end = prog.rule_actions_begin[r + 1];
    d.modality = prog.rule_modality[r];
    d.binding = prog.rule_binding[r];
  }
  // Units (union-find over rulesets): linked by a cross-ruleset `exception to`, or by precedence: two
  // rulesets of one legal order with rules sharing an action, one outranking the other. Rulesets are
  // grouped by (legal order, action) first, so only those are compared pairwise; a group of more than
  // 64 rulesets is one unit (over 64 rules: not taken), so this stays linear in the rules.
  RulesetSets sets(n_rulesets);
  sets.UniteExceptions(p);
  {
    std::vector<std::tuple<int32_t, int32_t, int32_t>> by_action;  // (legal order, action, ruleset)
    for (size_t r = 0; r < n_rules; ++r)
      for (uint32_t k = prog.rule_actions_begin[r]; k < prog.rule_actions_begin[r + 1]; ++k) {
        const int32_t rs = p.rules[r].ruleset;
        by_action.emplace_back(prog.ruleset_legal_order[rs], prog.rule_actions[k], rs);
      }
    std::sort(by_action.begin(), by_action.end());
    by_action.erase(std::unique(by_action.begin(), by_action.end()), by_action.end());
    for (size_t b = 0; b < by_action.size();) {
      size_t e = b + 1;
      while (e < by_action.size() && std::get<0>(by_action[e]) == std::get<0>(by_action[b]) &&
             std::get<1>(by_action[e]) == std::get<1>(by_action[b]))
        ++e;
      if (e - b > 64) {
        for (size_t x = b + 1; x < e; ++x) sets.Unite(std::get<2>(by_action[b]), std::get<2>(by_action[x]));
      } else {
        for (size_t x = b; x < e; ++x)
          for (size_t y = x + 1; y < e; ++y) {
            const int32_t rx = std::get<2>(by_action[x]), ry = std::get<2>(by_action[y]);
            if (RulesetOutranks(prog, rx, ry) || RulesetOutranks(prog, ry, rx)) sets.Unite(rx, ry);
          }
      }
      b = e;
    }
  }
  // Number the units in ruleset order; each unit's rules ruleset by ruleset.
  prog.ruleset_unit.assign(n_rulesets, -1);
  prog.ruleset_unit_offset.assign(n_rulesets, 0);
  std::vector<int32_t> unit_of_root(n_rulesets, -1);
  std::vector<std::vector<int32_t>> unit_rulesets;
  for (size_t i = 0; i < n_rulesets; ++i) {
    const int32_t root = sets.Find(static_cast<int32_t>(i));
    if (unit_of_root[root] < 0) {
      unit_of_root[root] = static_cast<int32_t>(unit_rulesets.size());
      unit_rulesets.emplace_back();
    }
    prog.ruleset_unit[i] = unit_of_root[root];
    unit_rulesets[unit_of_root[root]].push_back(static_cast<int32_t>(i));
  }
  prog.ruleset_decide_fast.assign(n_rulesets, 0);
  prog.unit_rules_begin.assign(1, 0);
  prog.unit_rules.clear();
  prog.unit_rules_by_rank.clear();
  prog.unit_single.clear();
  for (const auto& members : unit_rulesets) {
    const size_t first = prog.unit_rules.size();
    for (int32_t i : members)
      for (uint32_t k = prog.ruleset_rule_begin[i]; k < prog.ruleset_rule_begin[i + 1]; ++k)
        prog.unit_rules.push_back(prog.ruleset_rules[k]);
    const size_t n = prog.unit_rules.size() - first;
    prog.unit_rules_by_rank.insert(prog.unit_rules_by_rank.end(), prog.unit_rules.begin() + static_cast<ptrdiff_t>(first),
                                   prog.unit_rules.end());
    std::sort(prog.unit_rules_by_rank.begin() + static_cast<ptrdiff_t>(first), prog.unit_rules_by_rank.end(),
              [&](int32_t a, int32_t b) { return prog.rule_rank[a] < prog.rule_rank[b]; });
    prog.unit_rules_begin.push_back(static_cast<uint32_t>(prog.unit_rules.size()));
    prog.unit_single.push_back(members.size() == 1 ? 1 : 0);
    if (n > 64) continue;  // not taken: DecideCore
    {
      uint32_t offset = 0;
      for (int32_t i : members) {
        prog.ruleset_unit_offset[i] = static_cast<uint8_t>(offset);
        prog.ruleset_decide_fast[i] = 1;
        offset += prog.ruleset_rule_begin[i + 1] - prog.ruleset_rule_begin[i];
      }
    }
    for (size_t k = 0; k < n; ++k) prog.decide_rules[prog.unit_rules[first + k]].bit = static_cast<uint8_t>(k);
    for (size_t k = 0; k < n; ++k) {
      const int32_t lo = prog.unit_rules[first + k];
      Program::DecideRule& d = prog.decide_rules[lo];
      for (uint32_t e = prog.rule_exceptions_begin[lo]; e < prog.rule_exceptions_begin[lo + 1]; ++e)
        d.exceptions |= uint64_t{1} << prog.decide_rules[prog.rule_exceptions[e]].bit;  // in this unit
      if (members.size() == 1) continue;
      const int32_t rsl = prog.rule_ruleset[lo];
      for (size_t j = 0; j < n; ++j) {
        const int32_t hi = prog.unit_rules[first + j];
        const int32_t rsh = prog.rule_ruleset[hi];
        if (rsh == rsl || prog.ruleset_legal_order[rsh] != prog.ruleset_legal_order[rsl] ||
            static_cast<check::Modality>(prog.rule_modality[hi]) == check::Modality::Exempt || !RulesetOutranks(prog, rsh, rsl))
          continue;
        if (RulesShareAction(prog, lo, hi)) d.governors |= uint64_t{1} << j;
      }
    }
  }
  prog.decide_fast = prog.rulesets_in_rule_order;
  prog.decide_all_fast =
      std::find(prog.ruleset_decide_fast.begin(), prog.ruleset_decide_fast.end(), 0) == prog.ruleset_decide_fast.end();
  prog.ruleset_unindexed_fast = true;
  for (int32_t i : prog.ruleset_unindexed) prog.ruleset_unindexed_fast &= prog.ruleset_decide_fast[i] != 0;
  prog.ruleset_index_dense_fast.assign(prog.ruleset_index_dense.size(), prog.ruleset_unindexed_fast ? 1 : 0);
  for (size_t k = 0; k + 1 < prog.ruleset_index_dense.size(); ++k)
    for (uint32_t j = prog.ruleset_index_dense[k]; j < prog.ruleset_index_dense[k + 1]; ++j)
      if (!prog.ruleset_decide_fast[prog.ruleset_index[j].second]) prog.ruleset_index_dense_fast[k] = 0;
}

}  // namespace

std::shared_ptr<const Program> Lower(std::shared_ptr<const check::Project> project) {
  auto prog = std::make_shared<Program>();
  prog->project = project;
  const check::Project& p = *project;
  if (p.root >= 0) Flatten(p, p.root, "", prog->root, prog->elements);
  auto root_slot = [&](const char* name) -> int32_t {
    if (p.root < 0) return -1;
    int f = p.records[p.root].FieldIndex(name);
    return f < 0 ? -1 : prog->SlotOf(p.root, {f});
  };
  prog->kind_slot = root_slot("kind");
  prog->date_slot = root_slot("date");
  prog->id_slot = root_slot("id");

  Lowerer lw(*prog);
  for (auto& rs : p.rulesets) {
    // applicability = kind == K and where
    int32_t node = -1;
    std::vector<uint32_t> parts;
    if (rs.applies_kind >= 0 && prog->kind_slot >= 0) {
      check::TExpr cmp;
      cmp.op = Op::Cmp;
      cmp.type = check::Type{TypeKind::Bool, -1, false};
      auto a = std::make_unique<check::TExpr>();
      a->op = Op::Field;
      a->chain = {p.records[p.root].FieldIndex("kind")};
      a->type = p.records[p.root].fields[a->chain[0]].type;
      auto b = std::make_unique<check::TExpr>();
      b->op = Op::Const;
      b->type = a->type;
      b->ival = rs.applies_kind;
      cmp.kids.push_back(std::move(a));
      cmp.kids.push_back(std::move(b));
      parts.push_back(static_cast<uint32_t>(lw.Lower(cmp, {})));
    }
    if (rs.applies_where) parts.push_back(static_cast<uint32_t>(lw.Lower(*rs.applies_where, {})));
    if (parts.size() == 1) node = static_cast<int32_t>(parts[0]);
    else if (parts.size() == 2) {
      Node n{};  // an And over the two already-lowered parts
      n.op = NOp::And;
      n.kids = static_cast<uint32_t>(prog->kid_list.size());
      n.nkids = 2;
      prog->kid_list.insert(prog->kid_list.end(), parts.begin(), parts.end());
      prog->nodes.push_back(n);
      node = static_cast<int32_t>(prog->nodes.size() - 1);
    }
    prog->ruleset_applies.push_back(node);
  }
  for (auto& r : p.rules) {
    std::vector<Anchor> anchors;
    for (auto& t : r.timings) {
      Anchor a;
      if (t.event >= 0 && !p.event_dates[t.event].empty()) a.root_slot = prog->SlotOf(p.root, p.event_dates[t.event]);
      else if (t.anchor && t.anchor->op == Op::Field && t.anchor->var < 0) a.root_slot = prog->SlotOf(p.root, t.anchor->chain);
      else if (t.anchor && t.anchor->op == Op::Field && t.anchor_list && t.anchor_list->var < 0 &&
               t.anchor_list->type.kind == TypeKind::Record) {
        a.list_slot = prog->SlotOf(p.root, t.anchor_list->chain);
        a.elem_slot = prog->SlotOf(t.anchor_list->type.id, t.anchor->chain);
        a.stride = LeafCount(p, t.anchor_list->type.id);
      }
      anchors.push_back(a);
    }
    prog->rule_anchors.push_back(std::move(anchors));
    prog->rule_when.push_back(r.when ? lw.Lower(*r.when, {}) : -1);
    prog->rule_satisfied.push_back(r.satisfied ? lw.Lower(*r.satisfied, {}) : -1);
    std::vector<int32_t> args;
    for (auto& [name, e] : r.message_args) args.push_back(lw.Lower(*e, {}));
    prog->rule_message_args.push_back(std::move(args));
  }
  // Exceptions first: a rule's effect depends on whether its exceptions apply.
  std::vector<int> state(p.rules.size(), 0);
  std::function<void(int)> visit = [&](int r) {
    if (state[r]) return;
    state[r] = 1;
    for (int e : p.rules[r].exceptions) visit(e);
    prog->rule_order.push_back(r);
  };
  for (size_t i = 0; i < p.rules.size(); ++i) visit(static_cast<int>(i));
  prog->rule_rank.resize(p.rules.size());
  for (size_t i = 0; i < prog->rule_order.size(); ++i) prog->rule_rank[prog->rule_order[i]] = static_cast<int32_t>(i);
  // Each ruleset's rules, ascending, so that evaluation touches only the rules of applicable rulesets.
  prog->ruleset_rule_begin.assign(p.rulesets.size() + 1, 0);
  for (const auto& r : p.rules) ++prog->ruleset_rule_begin[r.ruleset + 1];
  for (size_t i = 0; i < p.rulesets.size(); ++i) prog->ruleset_rule_begin[i + 1] += prog->ruleset_rule_begin[i];
  for (const auto& rs : p.rulesets) prog->ruleset_in_force.emplace_back(rs.effective, rs.expires);
  prog->ruleset_rules.resize(p.rules.size());
  {
    std::vector<uint32_t> next(prog->ruleset_rule_begin.begin(), prog->ruleset_rule_begin.end() - 1);
    for (size_t r = 0; r < p.rules.size(); ++r) prog->ruleset_rules[next[p.rules[r].ruleset]++] = static_cast<int32_t>(r);
  }

  // Precedence applies inside one legal order: a ruleset's top-level country, or its group (the EU).
  for (const auto& rs : p.rulesets) {
    int32_t order = -1;
    if (rs.jurisdiction >= 0) {
      order = rs.jurisdiction;
      while (p.jurisdictions[order].parent >= 0) order = p.jurisdictions[order].parent;
    } else if (rs.group >= 0) {
      order = -2 - rs.group;
    }
    prog->ruleset_legal_order.push_back(order);
  }
  prog->ancestors.resize(p.jurisdictions.size());
  for (size_t j = 0; j < p.jurisdictions.size(); ++j)
    for (int32_t a = static_cast<int32_t>(j); a >= 0; a = p.jurisdictions[a].parent) prog->ancestors[j].push_back(a);
  prog->membership.resize(p.groups.size());
  for (size_t g = 0; g < p.groups.size(); ++g) {
    prog->membership[g].resize(p.jurisdictions.size());
    for (auto& m : p.groups[g].members) prog->membership[g][m.jurisdiction].push_back({m.from, m.until});
  }
  for (size_t g = 0; g < p.groups.size(); ++g)
    for (size_t j = 0; j <= p.jurisdictions.size(); ++j) {
      prog->group_span_begin.push_back(static_cast<uint32_t>(prog->group_spans.size()));
      if (j == p.jurisdictions.size()) break;
      for (int32_t a : prog->ancestors[j])
        prog->group_spans.insert(prog->group_spans.end(), prog->membership[g][a].begin(), prog->membership[g][a].end());
    }
  BuildRulesetIndex(*prog);  // after `ancestors` and `membership`, which membership keys read

  // Flat code for every root condition (after `ancestors`, which jurisdiction bitsets read).
  // Twice: the first pass counts how often each and/or is compiled as a block of its own; the second
  // compiles those met more than once (and free of `some` variables) as memo blocks (FOp::Memo).
  auto compile_all = [&](CodeGen& cg) {
    prog->code.clear();
    prog->code_bits.clear();
    prog->ruleset_applies_code.clear();
    prog->rule_when_code.clear();
    prog->rule_satisfied_code.clear();
    for (int32_t node : prog->ruleset_applies) prog->ruleset_applies_code.push_back(cg.Compile(node));
    prog->ruleset_applies_keyed_code.assign(p.rulesets.size(), -1);
    for (const auto& [key, rs] : prog->ruleset_index)
      for (auto [slot, c] : EqualityConjuncts(*prog, prog->ruleset_applies[rs]))
        if (slot == prog->ruleset_index_slot && c == key) {  // keyed by this equality: compile without it
          // (not counted: a case runs either the keyed or the plain code of a ruleset, never both)
          prog->ruleset_applies_keyed_code[rs] = cg.Compile(prog->ruleset_applies[rs], std::make_pair(slot, c), false);
          break;
        }
    for (int32_t node : prog->rule_when) prog->rule_when_code.push_back(cg.Compile(node));
    for (int32_t node : prog->rule_satisfied) prog->rule_satisfied_code.push_back(cg.Compile(node));
  };
  {
    CodeGen counting(*prog);
    compile_all(counting);
    CodeGen cg(*prog, counting.SharedBlocks(prog->memo_count));
    compile_all(cg);
  }
  {  // the root slots the flat code reads, for Decide's prefetch
    int32_t lo = prog->ruleset_index_slot, hi = prog->ruleset_index_slot;
    auto note = [&](int32_t slot) {
      if (lo < 0 || slot < lo) lo = slot;
      if (slot > hi) hi = slot;
    };
    for (const FInstr& in : prog->code) {
      switch (in.op) {
        case FOp::Tree:
        case FOp::Const:
        case FOp::Memo:
          break;
        case FOp::Some:
          note(in.a);
          break;
        default:
          if (in.var < 0) note(in.a);
          if ((in.op == FOp::CmpAdd || in.op == FOp::CmpSlots || in.op == FOp::KEqSlots || in.op == FOp::KNeSlots) &&
              in.var2 < 0)
            note(in.b);
      }
    }
    if (lo >= 0) {
      prog->prefetch_slot_begin = lo;
      prog->prefetch_slot_end = std::min(hi + 1, lo + kMaxPrefetchBytes / 8);
    }
  }
  // Orders the core would otherwise sort per case.
  prog->ruleset_rules_by_rank = prog->ruleset_rules;
  for (size_t i = 0; i < p.rulesets.size(); ++i)
    std::sort(prog->ruleset_rules_by_rank.begin() + prog->ruleset_rule_begin[i],
              prog->ruleset_rules_by_rank.begin() + prog->ruleset_rule_begin[i + 1],
              [&](int32_t a, int32_t b) { return prog->rule_rank[a] < prog->rule_rank[b]; });
  prog->ruleset_rank_is_rule_order.assign(p.rulesets.size(), 1);
  for (size_t i = 0; i < p.rulesets.size(); ++i)
    for (uint32_t k = prog->ruleset_rule_begin[i]; k < prog->ruleset_rule_begin[i + 1]; ++k)
      if (prog->ruleset_rules_by_rank[k] != prog->ruleset_rules[k]) prog->ruleset_rank_is_rule_order[i] = 0;
  prog->ruleset_cross_linked.assign(p.rulesets.size(), 0);
  for (const auto& r : p.rules)
    for (int x : r.exceptions)
      if (p.rules[x].ruleset != r.ruleset) prog->ruleset_cross_linked[r.ruleset] = prog->ruleset_cross_linked[p.rules[x].ruleset] = 1;
  {  // components of cross-linked rulesets (union-find), each with its rules in rank order
    RulesetSets sets(p.rulesets.size());
    sets.UniteExceptions(p);
    prog->ruleset_component.assign(p.rulesets.size(), -1);
    std::map<int32_t, int32_t> ids;
    for (size_t i = 0; i < p.rulesets.size(); ++i)
      if (prog->ruleset_cross_linked[i]) {
        auto [it, fresh] = ids.emplace(sets.Find(static_cast<int32_t>(i)), static_cast<int32_t>(ids.size()));
        prog->ruleset_component[i] = it->second;
      }
    for (size_t c = 0; c < ids.size(); ++c) {
      prog->component_rules_begin.push_back(static_cast<uint32_t>(prog->component_rules.size()));
      for (int32_t r : prog->rule_order)
        if (prog->ruleset_component[p.rules[r].ruleset] == static_cast<int32_t>(c)) prog->component_rules.push_back(r);
    }
    prog->component_rules_begin.push_back(static_cast<uint32_t>(prog->component_rules.size()));
  }
  for (const auto& rs : p.rulesets) {
    prog->ruleset_force_rank.push_back(rs.force_rank);
    prog->ruleset_depth.push_back(rs.jurisdiction >= 0 ? p.jurisdictions[rs.jurisdiction].depth : 0);
    prog->ruleset_effective.push_back(rs.effective);
  }
  for (const auto& r : p.rules) {
    prog->rule_ruleset.push_back(r.ruleset);
    prog->rule_modality.push_back(static_cast<uint8_t>(r.modality));
    prog->rule_binding.push_back(p.rulesets[r.ruleset].binding ? 1 : 0);
    prog->rule_exceptions_begin.push_back(static_cast<uint32_t>(prog->rule_exceptions.size()));
    prog->rule_exceptions.insert(prog->rule_exceptions.end(), r.exceptions.begin(), r.exceptions.end());
    prog->rule_actions_begin.push_back(static_cast<uint32_t>(prog->rule_actions.size()));
    prog->rule_actions.insert(prog->rule_actions.end(), r.actions.begin(), r.actions.end());
  }
  prog->rule_exceptions_begin.push_back(static_cast<uint32_t>(prog->rule_exceptions.size()));
  prog->rule_actions_begin.push_back(static_cast<uint32_t>(prog->rule_actions.size()));
  for (size_t k = 1; k < prog->ruleset_rules.size(); ++k)
    if (prog->ruleset_rules[k] < prog->ruleset_rules[k - 1]) prog->rulesets_in_rule_order = false;
  BuildDecidePlan(*prog);
  CompileDueDates(*prog);
  CompileCollect(*prog);
  CompileSatisfiedBy(*prog);
  return prog;
}

std::string Dump(const Program& p) {
  static const char* const kOps[] = {"const", "slot", "not", "and", "or", "cmp", "in_juris", "in_group", "in_set",
                                     "in_list", "add", "sub", "neg", "some", "known"};
  std::string out;
  for (size_t i = 0; i < p.nodes.size(); ++i) {
    const Node& n = p.nodes[i];
    out += "%" + std::to_string(i) + " = " + kOps[static_cast<int>(n.op)];
    if (n.op == NOp::Slot) out += " " + (n.var < 0 ? std::string("$") : "v" + std::to_string(n.var)) + "[" + std::to_string(n.slot) + "]";
    if (n.op == NOp::Const || n.op == NOp::InJuris || n.op == NOp::InGroup) out += " " + std::to_string(n.imm);
    if (n.op == NOp::Cmp) out += " op" + std::to_string(n.cmp);
    for (uint32_t k = 0; k < n.nkids; ++k) out += " %" + std::to_string(p.kid_list[n.kids + k]);
    out += "\n";
  }
  return out;
}

}  // namespace lexgate::ir
