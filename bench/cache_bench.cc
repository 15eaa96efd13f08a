// Google Benchmark: the parts of a warm-cache load of the shipped rules (issue 12) — the whole load
// (read + hash the files, read + check + decode the entry, lower), decoding alone, lowering alone.
// Run: build/bench/cache_bench   (LEXGATE_HOME defaults to the source tree)
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "cache/cache.h"
#include "engine.h"
#include "ir/lower.h"
#include "syntax/parse.h"

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
// The same, CPU time of the calling thread only (it does all the serial work too): about the wall time
// on an otherwise idle machine.
void BM_LoadShippedNoCacheMainThread(benchmark::State& state) { BM_LoadShippedNoCache(state); }
BENCHMARK(BM_LoadShippedNoCacheMainThread)->Unit(benchmark::kMillisecond);

// Parsing alone (syntax::ParseFiles) of the shipped files, on 1 or 2 threads (whole process's CPU time).
void BM_ParseShipped(benchmark::State& state) {
  std::string error;
  lexgate::SourceManager sm;
  std::vector<uint32_t> ids;
  for (const auto& f : lexgate::GateFiles(Paths(), error, lexgate::LoadOptions{.tests = false})) {
    std::ifstream in(f, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    ids.push_back(sm.Add(f, ss.str()));
  }
  lexgate::syntax::ParseOptions options;
  options.threads = static_cast<unsigned>(state.range(0));
  for (auto _ : state) {
    lexgate::diag::DiagnosticSink sink;
    benchmark::DoNotOptimize(lexgate::syntax::ParseFiles(sm, ids, sink, options));
  }
  state.counters["files"] = static_cast<double>(ids.size());
}
BENCHMARK(BM_ParseShipped)->ArgName("threads")->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime();

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
