// Fuzz target: one case as JSON text → ReadCase → Evaluate → render (JSON and text), on the shipped rules:
// what `lexgate check CASE` does after loading; and the direct reading path checked against the nlohmann one.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "eval/case.h"
#include "eval/evaluate.h"
#include "eval/render.h"
#include "fuzz_common.h"

using namespace lexgate;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const ir::Program& prog = *fuzz::Shipped().program;
  eval::CaseError err;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  // The direct path (batch's first try) reads a line exactly as the nlohmann path does, or gives up.
  eval::Case direct;
  if (eval::ReadCaseDirect(prog, text, direct)) {
    eval::CaseError slow_err;
    auto slow = eval::ReadCaseSlow(prog, text, slow_err);
    if (!slow || slow->strings != direct.strings || slow->id != direct.id || slow->date != direct.date ||
        slow->SlotCount() != direct.SlotCount() || slow->items.size() != direct.items.size())
      __builtin_trap();
    const std::vector<ir::Val> a = slow->SlotValues(), b = direct.SlotValues();
    for (size_t i = 0; i < a.size(); ++i)
      if (a[i].lo != b[i].lo || a[i].hi != b[i].hi || a[i].known != b[i].known) __builtin_trap();
    for (size_t i = 0; i < slow->items.size(); ++i)
      if (slow->items[i].lo != direct.items[i].lo || slow->items[i].hi != direct.items[i].hi || slow->items[i].known != direct.items[i].known)
        __builtin_trap();
  }
  auto kase = eval::ReadCase(prog, text, err);
  if (!kase) {
    if (err.message.empty()) __builtin_trap();  // an error must say what is wrong
    return 0;
  }
  eval::Decision d = eval::Evaluate(prog, *kase, eval::EvalOptions{});
  eval::RenderOptions ro;
  (void)eval::RenderJson(prog, d, ro);
  ro.locale = "zh_CN";
  (void)eval::RenderText(prog, d, ro);
  return 0;
}
