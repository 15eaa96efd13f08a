// Fuzz target: one case as JSON text → ReadCase → Evaluate → render (JSON and text), on the shipped rules:
// what `lexgate check CASE` does after loading.
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
  auto kase = eval::ReadCase(prog, std::string_view(reinterpret_cast<const char*>(data), size), err);
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
