// Evaluate's compiled paths against the node tree they replace (issue 12: per-case latency):
//   - missing facts collected on a condition's compiled steps (ir/collect.h) against the tree walk
//     (CollectFacts with steps -1), for every root condition of the shipped rules;
//   - the whole decision with the compiled paths (which element a `some` matched, for `satisfied_by`
//     and due-date list anchors, learnt from the flat code; `satisfied_by` written at load where it is
//     a fact's path; missing facts from the steps) against the
//     reference paths (Scratch::eval_reference: all on the tree), field by field.
// Over every example and in-language test case, and variants of the examples with one or two root
// facts unknown (counts also known only from below), with a list's elements reversed or another put
// first, and with one list element's field unknown, so that
// the Kleene paths, `some` over elements and element anchors are all met. Scratches and Decisions are
// reused from case to case, as a batch reuses them.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "engine.h"
#include "eval/evaluate.h"

namespace lexgate {
namespace {

struct Input {
  std::string name;
  eval::Case kase;
  int32_t as_of;
};

const LoadResult& Shipped() {
  static LoadResult r = LoadRules({ShippedRoot() + "/jurisdictions", ShippedRoot() + "/rulesets/schema.gate", ShippedRoot() + "/rulesets"});
  return r;
}

bool IntervalKind(check::TypeKind k) {
  return k == check::TypeKind::Int || k == check::TypeKind::Count || k == check::TypeKind::Decimal ||
         k == check::TypeKind::Date || k == check::TypeKind::Timestamp;
}

// Examples, in-language test cases, and their variants (see the top).
std::vector<Input> Inputs(const ir::Program& prog) {
  std::vector<Input> base;
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(ShippedRoot() + "/examples"))
    if (e.path().extension() == ".json") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  for (const auto& path : files) {
    std::ifstream f(path);
    std::stringstream ss;
    ss << f.rdbuf();
    eval::CaseError err;
    auto c = eval::ReadCase(prog, ss.str(), err);
    EXPECT_TRUE(c) << path << ": " << err.message;
    if (!c) continue;
    const int32_t as_of = eval::AsOfDate(*c, {});
    base.push_back({path.filename().string(), std::move(*c), as_of});
  }
  const size_t examples = base.size();
  for (const auto& t : prog.project->tests) {
    eval::CaseError err;
    auto c = eval::ReadCaseValue(prog, t.case_value, err);
    if (!c) continue;
    const int32_t as_of = eval::AsOfDate(*c, eval::EvalOptions{t.as_of});
    base.push_back({t.name, std::move(*c), as_of});
  }
  std::vector<Input> out = base;
  auto unknown = [&](eval::Case& c, size_t s) {
    const auto& info = prog.root.slots[s];
    if (info.type.list) c.SetSlot(s, {0, 0, false});
    else if (info.type.kind == check::TypeKind::Count) c.SetSlot(s, {0, INT64_MAX, false});
    else if (IntervalKind(info.type.kind)) c.SetSlot(s, {INT64_MIN, INT64_MAX, false});
    else c.SetSlot(s, {0, 0, false});
  };
  std::mt19937 rng(20261127);
  for (size_t e = 0; e < examples; ++e) {
    const Input& ex = base[e];
    std::vector<size_t> known;
    for (size_t s = 0; s < prog.root.slots.size(); ++s)
      if (ex.kase.SlotKnown(s)) known.push_back(s);
    for (size_t s : known) {
      Input v{ex.name + " with " + prog.root.slots[s].path + " unknown", ex.kase, ex.as_of};
      unknown(v.kase, s);
      out.push_back(v);
      if (prog.root.slots[s].type.kind == check::TypeKind::Count && !prog.root.slots[s].type.list) {
        v.name = ex.name + " with " + prog.root.slots[s].path + " known from below";
        v.kase.SetSlot(s, {ex.kase.Slot(s).lo, INT64_MAX, false});
        out.push_back(std::move(v));
      }
    }
    for (int k = 0; k < 60 && known.size() > 1; ++k) {  // two facts unknown
      const size_t a = known[rng() % known.size()], b = known[rng() % known.size()];
      Input v{ex.name + " with " + prog.root.slots[a].path + " and " + prog.root.slots[b].path + " unknown", ex.kase,
              ex.as_of};
      unknown(v.kase, a);
      unknown(v.kase, b);
      out.push_back(std::move(v));
    }
    for (size_t s = 0; s < prog.root.slots.size(); ++s) {  // a list's elements in reverse order
      const ir::Val list = ex.kase.Slot(s);
      const int64_t stride = prog.root.slots[s].elem_stride;
      if (!prog.root.slots[s].type.list || !list.known || list.hi < 1 || stride <= 0) continue;
      if (list.hi >= 2) {
        Input v{ex.name + " with " + prog.root.slots[s].path + " reversed", ex.kase, ex.as_of};
        for (int64_t i = 0; i < list.hi; ++i)
          for (int64_t f = 0; f < stride; ++f)
            v.kase.items[static_cast<size_t>(list.lo + i * stride + f)] =
                ex.kase.items[static_cast<size_t>(list.lo + (list.hi - 1 - i) * stride + f)];
        out.push_back(std::move(v));
      }
      // an element with every field unknown (or a copy of the last one) put first
      for (bool copy : {false, true}) {
        Input v{ex.name + " with " + prog.root.slots[s].path + (copy ? " last element" : " an unknown element") + " first",
                ex.kase, ex.as_of};
        auto& items = v.kase.items;
        const auto at = static_cast<int64_t>(items.size());
        for (int64_t f = 0; f < stride; ++f)
          items.push_back(copy ? ex.kase.items[static_cast<size_t>(list.lo + (list.hi - 1) * stride + f)]
                               : ir::Val{INT64_MIN, INT64_MAX, false});
        for (int64_t i = 0; i < list.hi * stride; ++i) items.push_back(ex.kase.items[static_cast<size_t>(list.lo + i)]);
        v.kase.SetSlot(s, {at, list.hi + 1, true});
        out.push_back(std::move(v));
      }
    }
    for (size_t i = 0; i < ex.kase.items.size(); ++i) {  // one element field unknown
      if (!ex.kase.items[i].known) continue;
      Input v{ex.name + " with item " + std::to_string(i) + " unknown", ex.kase, ex.as_of};
      v.kase.items[i] = {INT64_MIN, INT64_MAX, false};
      out.push_back(std::move(v));
    }
  }
  return out;
}

std::string Tri(eval::Tri t) { return t == eval::Tri::True ? "T" : t == eval::Tri::False ? "F" : "U"; }

// Every field of a decision, as text.
std::string Dump(const eval::Decision& d) {
  std::string s = d.case_id + " " + eval::VerdictName(d.verdict) + " " + std::to_string(d.as_of) + "\n";
  for (const auto& f : d.findings) {
    s += "finding " + std::to_string(f.rule) + " " + Tri(f.applies) + " " + eval::StatusName(f.status) + " by=" +
         f.satisfied_by + " gov=" + std::to_string(f.governed_by) + " " + eval::ReasonName(f.reason) + "\n";
    for (const auto& due : f.due) {
      if (!due) s += "  due -\n";
      else {
        s += "  due " + std::to_string(due->date) + " " + due->anchor;
        for (int y : due->unpublished_years) s += " " + std::to_string(y);
        s += "\n";
      }
    }
    for (const auto& v : f.message_args)
      s += "  arg " + std::to_string(v.lo) + " " + std::to_string(v.hi) + " " + std::to_string(v.known) + "\n";
  }
  for (const auto& e : d.exempted) s += "exempted " + std::to_string(e.rule) + " " + std::to_string(e.by) + "\n";
  for (const auto& o : d.overridden)
    s += "overridden " + std::to_string(o.rule) + " " + std::to_string(o.by) + " " + eval::ReasonName(o.reason) + "\n";
  for (const auto& m : d.missing) {
    s += "missing " + m.fact + " " + std::to_string(m.decides_verdict);
    for (int r : m.asked_by) s += " " + std::to_string(r);
    s += "\n";
  }
  for (const auto& r : d.rulesets) s += "ruleset " + std::to_string(r.ruleset) + " " + eval::RulesetStateName(r.state) + "\n";
  return s;
}

TEST(EvaluatePaths, CollectStepsListTheTreesFacts) {
  ASSERT_TRUE(Shipped().program);
  const ir::Program& prog = *Shipped().program;
  // Most conditions are compiled (most others have a `some` and stay on the tree).
  int conditions = 0, compiled = 0;
  auto count = [&](const std::vector<int32_t>& nodes, const std::vector<int32_t>& steps) {
    ASSERT_EQ(nodes.size(), steps.size());
    for (size_t i = 0; i < nodes.size(); ++i) {
      if (nodes[i] < 0) continue;
      ++conditions;
      compiled += steps[i] >= 0;
    }
  };
  count(prog.rule_when, prog.rule_when_collect);
  count(prog.rule_satisfied, prog.rule_satisfied_collect);
  count(prog.ruleset_applies, prog.ruleset_applies_collect);
  EXPECT_GT(compiled, conditions / 2) << compiled << " of " << conditions;
  long compared = 0, nonempty = 0;
  eval::Scratch scratch(prog);  // reused, as Evaluate reuses it
  for (const Input& in : Inputs(prog)) {
    auto cmp = [&](const char* what, size_t i, int32_t node, int32_t steps) {
      if (node < 0 || steps < 0) return;
      const auto tree = eval::CollectFacts(prog, in.kase, node, -1, in.as_of, scratch);
      const auto code = eval::CollectFacts(prog, in.kase, node, steps, in.as_of, scratch);
      EXPECT_EQ(tree, code) << in.name << ": " << what << " " << i << " (node " << node << ")";
      ++compared;
      nonempty += !tree.empty();
    };
    for (size_t r = 0; r < prog.rule_when.size(); ++r) {
      cmp("when of rule", r, prog.rule_when[r], prog.rule_when_collect[r]);
      cmp("satisfied of rule", r, prog.rule_satisfied[r], prog.rule_satisfied_collect[r]);
    }
    for (size_t i = 0; i < prog.ruleset_applies.size(); ++i)
      cmp("ruleset", i, prog.ruleset_applies[i], prog.ruleset_applies_collect[i]);
    if (::testing::Test::HasFailure()) return;  // one case's report is enough
  }
  EXPECT_GT(compared, 100000);
  EXPECT_GT(nonempty, 10000);
  std::printf("compared %ld collections (%ld with facts), %d of %d conditions compiled\n", compared, nonempty, compiled,
              conditions);
}

TEST(EvaluatePaths, DecisionsEqualTheReferencePaths) {
  ASSERT_TRUE(Shipped().program);
  const ir::Program& prog = *Shipped().program;
  // `satisfied_by` written at load where it is the same for every case (a fact's path), else found
  // by running the condition again: both kinds are met.
  int fixed = 0, satisfied = 0;
  for (size_t r = 0; r < prog.rule_satisfied.size(); ++r) {
    satisfied += prog.rule_satisfied[r] >= 0;
    fixed += prog.rule_satisfied_fixed[r];
  }
  EXPECT_GT(fixed, 10);
  EXPECT_GT(satisfied - fixed, 5);
  std::printf("satisfied_by fixed at load for %d of %d rules\n", fixed, satisfied);
  eval::Scratch fast(prog), reference(prog);
  reference.eval_reference = true;
  eval::Decision a, b;
  long cases = 0, matched_by = 0, later_element = 0, element_anchors = 0, missing = 0;
  for (const Input& in : Inputs(prog)) {
    const eval::EvalOptions opts{in.as_of};
    eval::Evaluate(prog, in.kase, opts, fast, a);
    eval::Evaluate(prog, in.kase, opts, reference, b);
    const std::string da = Dump(a);
    ASSERT_EQ(da, Dump(b)) << in.name;
    if (cases % 16 == 0) {
      ASSERT_EQ(da, Dump(eval::Evaluate(prog, in.kase, opts))) << in.name << " (fresh)";
    }
    ++cases;
    for (const auto& f : a.findings) {
      matched_by += f.satisfied_by.find('[') != std::string::npos;
      later_element += f.satisfied_by.find('[') != std::string::npos && f.satisfied_by.find("[0]") == std::string::npos;
      for (const auto& due : f.due) element_anchors += due && due->anchor.find('[') != std::string::npos;
    }
    missing += static_cast<long>(a.missing.size());
  }
  EXPECT_GT(cases, 3000);
  EXPECT_GT(matched_by, 100);       // `satisfied_by` an element
  EXPECT_GT(later_element, 10);     // … other than the first
  EXPECT_GT(element_anchors, 100);  // due dates from an element's date
  EXPECT_GT(missing, 10000);
  std::printf("%ld cases: %ld satisfied by an element (%ld not the first), %ld element anchors, %ld missing facts\n",
              cases, matched_by, later_element, element_anchors, missing);
}

}  // namespace
}  // namespace lexgate
