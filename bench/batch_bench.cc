// Google Benchmark: the per-line stages of `lexgate batch` on the shipped rulesets, each over the same
// lines: reading a case (the RapidJSON fast path and the nlohmann path it falls back on), evaluating,
// and rendering the full decision JSON or the compact record. Lines: the first 2,000 of the JSONL file
// in LEXGATE_BATCH_CASES (e.g. from bench/gen_cases.py), else every example case.
// Run: build/bench/batch_bench [--benchmark_filter=…]
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "engine.h"
#include "eval/render.h"

namespace {

using namespace lexgate;

const LoadResult& Loaded() {
  static LoadResult r = LoadRules({ShippedRoot() + "/jurisdictions", ShippedRoot() + "/rulesets/schema.gate", ShippedRoot() + "/rulesets"},
                                  LoadOptions{.tests = false});
  return r;
}

const std::vector<std::string>& Lines() {
  static std::vector<std::string> lines = [] {
    std::vector<std::string> out;
    if (const char* f = std::getenv("LEXGATE_BATCH_CASES")) {
      std::ifstream in(f);
      std::string line;
      while (out.size() < 2000 && std::getline(in, line)) out.push_back(line);
      return out;
    }
    for (const auto& e : std::filesystem::directory_iterator(ShippedRoot() + "/examples")) {
      if (e.path().extension() != ".json") continue;
      std::ifstream in(e.path());
      std::stringstream ss;
      ss << in.rdbuf();
      out.push_back(ss.str());
    }
    return out;
  }();
  return lines;
}

std::vector<eval::Case> Cases() {
  std::vector<eval::Case> cases;
  for (const auto& l : Lines()) {
    eval::CaseError err;
    if (auto c = eval::ReadCase(*Loaded().program, l, err)) cases.push_back(std::move(*c));
  }
  return cases;
}

void BM_ReadCase(benchmark::State& state) {
  const auto& prog = *Loaded().program;
  for (auto _ : state)
    for (const auto& l : Lines()) {
      eval::CaseError err;
      benchmark::DoNotOptimize(eval::ReadCase(prog, l, err));
    }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(Lines().size()));
  state.counters["slots"] = static_cast<double>(prog.root.slots.size());
  state.counters["strings"] = static_cast<double>(prog.strings.size());
}
BENCHMARK(BM_ReadCase)->Unit(benchmark::kMillisecond);

void BM_ReadCaseNlohmann(benchmark::State& state) {
  const auto& prog = *Loaded().program;
  for (auto _ : state)
    for (const auto& l : Lines()) {
      eval::CaseError err;
      benchmark::DoNotOptimize(eval::ReadCaseSlow(prog, l, err));
    }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(Lines().size()));
}
BENCHMARK(BM_ReadCaseNlohmann)->Unit(benchmark::kMillisecond);

void BM_Evaluate(benchmark::State& state) {
  const auto& prog = *Loaded().program;
  auto cases = Cases();
  for (auto _ : state)
    for (const auto& c : cases) benchmark::DoNotOptimize(eval::Evaluate(prog, c, {}));
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(cases.size()));
}
BENCHMARK(BM_Evaluate)->Unit(benchmark::kMillisecond);

// The same decisions into one reused Scratch and Decision, as batch's workers, the API and serve do.
void BM_EvaluateReused(benchmark::State& state) {
  const auto& prog = *Loaded().program;
  auto cases = Cases();
  eval::Scratch scratch(prog);
  eval::Decision d;
  for (auto _ : state)
    for (const auto& c : cases) {
      eval::Evaluate(prog, c, {}, scratch, d);
      benchmark::DoNotOptimize(d.findings.data());
    }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(cases.size()));
}
BENCHMARK(BM_EvaluateReused)->Unit(benchmark::kMillisecond);

// Reading into one reused Case, as batch's workers do.
void BM_ReadCaseInto(benchmark::State& state) {
  const auto& prog = *Loaded().program;
  eval::Case c;
  for (auto _ : state)
    for (const auto& l : Lines()) {
      eval::CaseError err;
      benchmark::DoNotOptimize(eval::ReadCaseInto(prog, l, c, err));
    }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(Lines().size()));
}
BENCHMARK(BM_ReadCaseInto)->Unit(benchmark::kMillisecond);

std::vector<eval::Decision> Decisions() {
  std::vector<eval::Decision> ds;
  for (const auto& c : Cases()) ds.push_back(eval::Evaluate(*Loaded().program, c, {}));
  return ds;
}

void BM_RenderCompact(benchmark::State& state) {
  const auto& prog = *Loaded().program;
  auto ds = Decisions();
  std::string out;
  for (auto _ : state)
    for (const auto& d : ds) {
      out.clear();
      eval::RenderCompact(prog, d, out);
      benchmark::DoNotOptimize(out.data());
    }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(ds.size()));
}
BENCHMARK(BM_RenderCompact)->Unit(benchmark::kMillisecond);

void BM_RenderJson(benchmark::State& state) {
  const auto& prog = *Loaded().program;
  auto ds = Decisions();
  eval::RenderOptions ro;
  ro.compact = true;
  for (auto _ : state)
    for (const auto& d : ds) benchmark::DoNotOptimize(eval::RenderJson(prog, d, ro));
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(ds.size()));
}
BENCHMARK(BM_RenderJson)->Unit(benchmark::kMillisecond);

// The one-line decision JSON appended to one reused buffer, as batch's workers do.
void BM_RenderJsonInto(benchmark::State& state) {
  const auto& prog = *Loaded().program;
  auto ds = Decisions();
  eval::RenderOptions ro;
  ro.compact = true;
  std::string out;
  for (auto _ : state)
    for (const auto& d : ds) {
      out.clear();
      eval::RenderJsonInto(prog, d, ro, out);
      benchmark::DoNotOptimize(out.data());
    }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(ds.size()));
}
BENCHMARK(BM_RenderJsonInto)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
