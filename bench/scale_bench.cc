// How load time and evaluation cost grow with the number of rules loaded. Generated rulesets (20 rules
// each, one applicability test each) are added to the shipped jurisdictions and schema; every case
// matches exactly one generated ruleset, so the rules that apply stay at 20 while the rules loaded go from
// 100 to 10,000. Evaluation should grow with the former, not the latter (issue: performance).
#include <benchmark/benchmark.h>

#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "engine.h"
#include "eval/case.h"
#include "eval/evaluate.h"
#include "syntax/parse.h"

namespace {

constexpr int kRulesPerRuleset = 20;

std::string Root() { return lexgate::ShippedRoot(); }

std::string Read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Ruleset i applies to transfers of exactly i * 1000 + 100 personal records.
std::string Generated(int rules) {
  std::string s;
  for (int i = 0; i * kRulesPerRuleset < rules; ++i) {
    const long volume = i * 1000L + 100;
    s += "ruleset gen.r" + std::to_string(i) + " {\n  title en \"Generated " + std::to_string(i) +
         "\"\n  authority GEN\n  jurisdiction CN\n  force law\n  effective 2000-01-01\n"
         "  applies to transfer where data.subjects.personal == " + std::to_string(volume) + "\n}\n";
    for (int k = 0; k < kRulesPerRuleset; ++k) {
      s += "rule g" + std::to_string(i) + "_" + std::to_string(k) + " {\n  cite art " + std::to_string(k + 1) +
           "\n  when data.subjects.sensitive_personal > " + std::to_string(k * 10) +
           " or (recipient.jurisdiction in EU and not notice_given)\n  then must pia before transfer\n"
           "  satisfied when pia_done\n}\n";
    }
  }
  return s;
}

const lexgate::LoadResult& Loaded(int rules) {
  static std::map<int, lexgate::LoadResult> cache;
  auto it = cache.find(rules);
  if (it == cache.end()) {
    std::vector<std::pair<std::string, std::string>> src = {
        {Root() + "/jurisdictions/iso3166.gate", Read(Root() + "/jurisdictions/iso3166.gate")},
        {Root() + "/jurisdictions/groups.gate", Read(Root() + "/jurisdictions/groups.gate")},
        {Root() + "/rulesets/schema.gate", Read(Root() + "/rulesets/schema.gate")},
        {"generated.gate", Generated(rules)}};
    it = cache.emplace(rules, lexgate::LoadSources(src)).first;
    if (!it->second.program) {
      std::fprintf(stderr, "generated rules did not load (%zu diagnostics)\n", it->second.diagnostics.all().size());
      std::abort();
    }
  }
  return it->second;
}

lexgate::eval::Case CaseFor(const lexgate::ir::Program& prog, int ruleset) {
  std::string json = R"({"id":"g","kind":"transfer","date":"2025-06-10",
    "exporter":{"jurisdiction":"CN"},"recipient":{"jurisdiction":"DE"},
    "data":{"subjects":{"personal":)" + std::to_string(ruleset * 1000L + 100) +
                     R"(,"sensitive_personal":15}},"notice_given":true,"pia_done":false})";
  lexgate::eval::CaseError err;
  auto c = lexgate::eval::ReadCase(prog, json, err);
  if (!c) {
    std::fprintf(stderr, "generated case rejected: %s\n", err.message.c_str());
    std::abort();
  }
  return *c;
}

void BM_LoadGenerated(benchmark::State& state) {
  const int rules = static_cast<int>(state.range(0));
  std::vector<std::pair<std::string, std::string>> src = {
      {"iso3166.gate", Read(Root() + "/jurisdictions/iso3166.gate")},
      {"groups.gate", Read(Root() + "/jurisdictions/groups.gate")},
      {"schema.gate", Read(Root() + "/rulesets/schema.gate")},
      {"generated.gate", Generated(rules)}};
  for (auto _ : state) {
    auto r = lexgate::LoadSources(src);
    if (!r.program) state.SkipWithError("did not load");
    benchmark::DoNotOptimize(r.program);
  }
  state.counters["rules"] = rules;
}
// Loading parses on several threads (syntax::ParseFiles): CPU time is the whole process's, Time is wall.
BENCHMARK(BM_LoadGenerated)->Arg(100)->Arg(1000)->Arg(10000)->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime();
// The same, CPU time of the calling thread only: the thread that also does all the serial work (reading,
// checking, lowering), so on an otherwise idle machine this is about the wall time.
void BM_LoadGeneratedMainThread(benchmark::State& state) { BM_LoadGenerated(state); }
BENCHMARK(BM_LoadGeneratedMainThread)->Arg(10000)->Unit(benchmark::kMillisecond);

// Parsing alone (syntax::ParseFiles) of the generated file, on 1 or 2 threads, and with the file not cut
// into pieces (piece_bytes 0 — one tree of the whole file, as before session 4).
void BM_ParseGenerated(benchmark::State& state) {
  const int rules = static_cast<int>(state.range(0));
  lexgate::SourceManager sm;
  std::vector<uint32_t> ids = {sm.Add("generated.gate", Generated(rules))};
  lexgate::syntax::ParseOptions options;
  options.threads = static_cast<unsigned>(state.range(1));
  if (state.range(2) == 0) options.piece_bytes = 0;
  for (auto _ : state) {
    lexgate::diag::DiagnosticSink sink;
    auto asts = lexgate::syntax::ParseFiles(sm, ids, sink, options);
    if (sink.HasErrors()) state.SkipWithError("did not parse");
    benchmark::DoNotOptimize(asts);
  }
  state.counters["rules"] = rules;
}
BENCHMARK(BM_ParseGenerated)
    ->ArgNames({"rules", "threads", "pieces"})
    ->Args({10000, 1, 0})
    ->Args({10000, 1, 1})
    ->Args({10000, 2, 1})
    ->Unit(benchmark::kMillisecond)
    ->MeasureProcessCPUTime();

void BM_DecideGenerated(benchmark::State& state) {
  const int rules = static_cast<int>(state.range(0));
  const auto& prog = *Loaded(rules).program;
  auto c = CaseFor(prog, 0);
  lexgate::eval::Scratch scratch(prog);
  for (auto _ : state) benchmark::DoNotOptimize(lexgate::eval::Decide(prog, c, {}, scratch).verdict);
  state.counters["rules"] = rules;
}
BENCHMARK(BM_DecideGenerated)->Arg(100)->Arg(1000)->Arg(10000);

void BM_EvaluateGenerated(benchmark::State& state) {
  const int rules = static_cast<int>(state.range(0));
  const auto& prog = *Loaded(rules).program;
  auto c = CaseFor(prog, 0);
  for (auto _ : state) benchmark::DoNotOptimize(lexgate::eval::Evaluate(prog, c, {}));
  state.counters["rules"] = rules;
}
BENCHMARK(BM_EvaluateGenerated)->Arg(100)->Arg(1000)->Arg(10000);

}  // namespace

BENCHMARK_MAIN();
