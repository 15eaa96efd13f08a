// Google Benchmark: per-case cost on the shipped rulesets (full decision and JSON, and the verdict-only
// hot path), and loading + compiling every shipped ruleset (the bulk of a cold `lexgate check`).
// Run: build/bench/eval_bench [--benchmark_filter=…]   (LEXGATE_HOME defaults to the source tree)
#include <benchmark/benchmark.h>

#include <fstream>
#include <sstream>

#include "engine.h"
#include "eval/render.h"

namespace {

std::string Root() { return lexgate::ShippedRoot(); }

std::vector<std::string> Paths() {
  return {Root() + "/jurisdictions", Root() + "/rulesets/schema.gate", Root() + "/rulesets"};
}

const lexgate::LoadResult& Loaded() {
  static lexgate::LoadResult r = lexgate::LoadRules(Paths());
  return r;
}

lexgate::eval::Case ExampleCase(const std::string& name) {
  std::ifstream in(Root() + "/examples/" + name);
  std::stringstream ss;
  ss << in.rdbuf();
  lexgate::eval::CaseError err;
  return *lexgate::eval::ReadCase(*Loaded().program, ss.str(), err);
}

// What `lexgate check` loads: the shipped rules without their in-language tests.
void BM_LoadAndCompileShipped(benchmark::State& state) {
  for (auto _ : state) {
    auto r = lexgate::LoadRules(Paths(), lexgate::LoadOptions{.tests = false});
    benchmark::DoNotOptimize(r.program);
  }
}
BENCHMARK(BM_LoadAndCompileShipped)->Unit(benchmark::kMillisecond);

// What `lexgate test` loads: the rules and every in-language test beside them.
void BM_LoadAndCompileShippedWithTests(benchmark::State& state) {
  for (auto _ : state) {
    auto r = lexgate::LoadRules(Paths());
    benchmark::DoNotOptimize(r.program);
  }
}
BENCHMARK(BM_LoadAndCompileShippedWithTests)->Unit(benchmark::kMillisecond);

void BM_EvaluateAndRenderShipped(benchmark::State& state) {
  const auto& prog = *Loaded().program;
  auto c = ExampleCase("cn-transfer-120k-scc.json");
  lexgate::eval::RenderOptions ro;
  ro.compact = true;
  for (auto _ : state) {
    auto d = lexgate::eval::Evaluate(prog, c, {});
    benchmark::DoNotOptimize(lexgate::eval::RenderJson(prog, d, ro));
  }
}
BENCHMARK(BM_EvaluateAndRenderShipped)->Unit(benchmark::kMicrosecond);

void BM_EvaluateShipped(benchmark::State& state) {
  const auto& prog = *Loaded().program;
  auto c = ExampleCase("cn-transfer-120k-scc.json");
  for (auto _ : state) benchmark::DoNotOptimize(lexgate::eval::Evaluate(prog, c, {}));
}
BENCHMARK(BM_EvaluateShipped)->Unit(benchmark::kMicrosecond);

void BM_DecideShipped(benchmark::State& state) {
  const auto& prog = *Loaded().program;
  auto c = ExampleCase("cn-transfer-120k-scc.json");
  lexgate::eval::Scratch scratch(prog);
  for (auto _ : state) benchmark::DoNotOptimize(lexgate::eval::Decide(prog, c, {}, scratch).verdict);
}
BENCHMARK(BM_DecideShipped)->Unit(benchmark::kNanosecond);

}  // namespace

BENCHMARK_MAIN();
