// Google Benchmark: the parts of a warm-cache load of the shipped rules (issue 12) — the whole load
// (read + hash the files, read + check + decode the entry, lower), decoding alone, lowering alone.
// Run: build/bench/cache_bench   (LEXGATE_HOME defaults to the source tree)
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <filesystem>

#include "cache/cache.h"
#include "engine.h"
#include "ir/lower.h"

namespace {

std::vector<std::string> Paths() {
  const std::string root = lexgate::ShippedRoot();
  return {root + "/jurisdictions", root + "/rulesets/schema.gate", root + "/rulesets"};
}

const std::string& CacheDir() {
  static const std::string dir = [] {
    std::string t = (std::filesystem::temp_directory_path() / "lexgate-cache-bench.XXXXXX").string();
    return std::string(mkdtemp(t.data()));
  }();
  return dir;
}

lexgate::LoadOptions Options() { return lexgate::LoadOptions{.tests = false, .cache_dir = CacheDir()}; }

void BM_LoadShippedWarmCache(benchmark::State& state) {
  lexgate::LoadRules(Paths(), Options());  // writes the entry
  for (auto _ : state) {
    auto r = lexgate::LoadRules(Paths(), Options());
    benchmark::DoNotOptimize(r.program);
  }
}
BENCHMARK(BM_LoadShippedWarmCache)->Unit(benchmark::kMillisecond);

void BM_LoadShippedNoCache(benchmark::State& state) {
  for (auto _ : state) {
    auto r = lexgate::LoadRules(Paths(), lexgate::LoadOptions{.tests = false});
    benchmark::DoNotOptimize(r.program);
  }
}
// Parsing uses several threads (syntax::ParseFiles): CPU time is the whole process's, Time is wall.
BENCHMARK(BM_LoadShippedNoCache)->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime();

void BM_DecodeShippedProject(benchmark::State& state) {
  auto r = lexgate::LoadRules(Paths(), lexgate::LoadOptions{.tests = false});
  std::string bytes;
  lexgate::cache::EncodeProject(*r.program->project, {}, bytes);
  state.counters["bytes"] = static_cast<double>(bytes.size());
  for (auto _ : state) {
    lexgate::check::Project p;
    std::vector<lexgate::diag::Diagnostic> d;
    benchmark::DoNotOptimize(lexgate::cache::DecodeProject(bytes, p, d));
  }
}
BENCHMARK(BM_DecodeShippedProject)->Unit(benchmark::kMillisecond);

void BM_LowerShipped(benchmark::State& state) {
  auto r = lexgate::LoadRules(Paths(), lexgate::LoadOptions{.tests = false});
  for (auto _ : state) benchmark::DoNotOptimize(lexgate::ir::Lower(r.program->project));
}
BENCHMARK(BM_LowerShipped)->Unit(benchmark::kMillisecond);

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  std::error_code ec;
  std::filesystem::remove_all(CacheDir(), ec);
  return 0;
}
