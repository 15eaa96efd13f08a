// Per-case latency distribution on the shipped rulesets (issue 12: "parsed case in, decision with
// findings, citations and due dates out: median ≤ 1 µs, p99 ≤ 5 µs"). Google Benchmark reports a mean
// over one case; this driver times every call on its own, over many different cases, so the median
// and the tail are those of a realistic mix:
//   - every example case (examples/*.json) that reads against the shipped rules, and
//   - the cases of any JSONL files given (bench/gen_cases.py writes the batch benchmark's mix; lines
//     that do not read are skipped and counted).
// Cases are parsed before timing. Each pass visits them in a new shuffled order (fixed seed) after a
// warm-up pass; before each timed call the case is copied into one working Case, so it is in the cache
// as a case just read is (20,000 cases side by side do not fit in it, and a cache miss per fact is not
// the engine's cost); the timer (steady_clock, read twice per call) costs ~20–30 ns, reported as `clock_ns`
// and not subtracted.
// Usage: latency_bench [cases.jsonl ...] [--passes N] [--only evaluate|decide] [--slowest N]
//   (LEXGATE_HOME defaults to the source tree). --only evaluate times the reused path alone (no fresh
//   Scratch, no Decide: for perf record); --slowest N prints the N case ids whose median is slowest.
// Output: one JSON line per timed path (evaluate = full decision into a reused Scratch and Decision;
// evaluate_fresh = the same with new ones per call; decide = verdict and actions only).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "engine.h"
#include "eval/evaluate.h"

using namespace lexgate;

namespace {

using Clock = std::chrono::steady_clock;

long long Ns(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(b - a).count();
}

std::string Slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct Stats {
  long long median, p90, p99, p999, max;
  double mean;
};

Stats Summarise(std::vector<long long>& lat) {
  std::sort(lat.begin(), lat.end());
  const size_t n = lat.size();
  double sum = 0;
  for (long long l : lat) sum += static_cast<double>(l);
  auto at = [&](double q) { return lat[static_cast<size_t>(q * static_cast<double>(n - 1))]; };
  return {at(0.5), at(0.9), at(0.99), at(0.999), lat.back(), sum / static_cast<double>(n)};
}

void Print(const char* path, size_t cases, size_t calls, const Stats& s, long long clock_ns) {
  std::printf("{\"path\":\"%s\",\"cases\":%zu,\"calls\":%zu,\"median_ns\":%lld,\"p90_ns\":%lld,\"p99_ns\":%lld,"
              "\"p999_ns\":%lld,\"max_ns\":%lld,\"mean_ns\":%.0f,\"clock_ns\":%lld}\n",
              path, cases, calls, s.median, s.p90, s.p99, s.p999, s.max, s.mean, clock_ns);
}

}  // namespace

int main(int argc, char** argv) {
  int passes = 20;
  size_t slowest = 0;
  std::string only;
  std::vector<std::string> files;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--passes") == 0 && i + 1 < argc) passes = std::max(1, std::atoi(argv[++i]));
    else if (std::strcmp(argv[i], "--only") == 0 && i + 1 < argc) only = argv[++i];
    else if (std::strcmp(argv[i], "--slowest") == 0 && i + 1 < argc) slowest = static_cast<size_t>(std::atoi(argv[++i]));
    else files.push_back(argv[i]);
  }
  const std::string root = ShippedRoot();
  LoadResult loaded = LoadRules({root + "/jurisdictions", root + "/rulesets/schema.gate", root + "/rulesets"},
                                LoadOptions{.tests = false});
  if (!loaded.program) {
    std::cerr << diag::RenderText(loaded.diagnostics.all(), *loaded.sources, false);
    return 78;
  }
  const ir::Program& prog = *loaded.program;

  std::vector<eval::Case> cases;
  size_t skipped = 0;
  auto add = [&](std::string_view text) {
    eval::CaseError err;
    if (auto c = eval::ReadCase(prog, text, err)) cases.push_back(std::move(*c));
    else ++skipped;
  };
  std::vector<std::filesystem::path> examples;
  for (const auto& e : std::filesystem::directory_iterator(root + "/examples"))
    if (e.path().extension() == ".json") examples.push_back(e.path());
  std::sort(examples.begin(), examples.end());
  for (const auto& p : examples) add(Slurp(p));
  for (const auto& f : files) {
    std::ifstream in(f);
    if (!in) {
      std::fprintf(stderr, "cannot read %s\n", f.c_str());
      return 66;
    }
    std::string line;
    while (std::getline(in, line))
      if (!line.empty()) add(line);
  }
  if (cases.empty()) {
    std::fprintf(stderr, "no case read\n");
    return 65;
  }
  std::fprintf(stderr, "%zu cases (%zu lines skipped), %d passes, %zu condition nodes\n", cases.size(), skipped, passes,
               prog.nodes.size());

  long long clock_ns;
  {
    std::vector<long long> empty(1000);
    for (auto& e : empty) {
      auto t0 = Clock::now();
      auto t1 = Clock::now();
      e = Ns(t0, t1);
    }
    std::sort(empty.begin(), empty.end());
    clock_ns = empty[empty.size() / 2];
  }

  std::vector<size_t> order(cases.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::mt19937_64 rng(20261127);
  const eval::EvalOptions opts;

  // Full decision: findings with citations, due dates, exemptions, missing facts. "evaluate" reuses one
  // Scratch and Decision as a batch worker or a server thread does; "evaluate_fresh" builds both per call.
  if (only.empty() || only == "evaluate") {
    const bool with_fresh = only.empty();
    std::vector<std::vector<long long>> per_case(slowest ? cases.size() : 0);
    eval::Scratch scratch(prog);
    eval::Decision d;
    eval::Case work;
    std::vector<long long> lat, fresh;
    lat.reserve(cases.size() * static_cast<size_t>(passes));
    fresh.reserve(lat.capacity());
    for (int pass = 0; pass <= passes; ++pass) {
      std::shuffle(order.begin(), order.end(), rng);
      for (size_t i : order) {
        work = cases[i];
        auto t0 = Clock::now();
        eval::Evaluate(prog, work, opts, scratch, d);
        auto t1 = Clock::now();
        if (d.findings.size() > (1u << 30)) std::abort();  // keeps the call
        if (pass > 0) {
          lat.push_back(Ns(t0, t1));
          if (slowest) per_case[i].push_back(Ns(t0, t1));
        }
        if (!with_fresh) continue;
        auto t2 = Clock::now();
        eval::Decision f = eval::Evaluate(prog, work, opts);
        auto t3 = Clock::now();
        if (f.findings.size() != d.findings.size()) std::abort();
        if (pass > 0) fresh.push_back(Ns(t2, t3));
      }
    }
    Stats s = Summarise(lat);
    Print("evaluate", cases.size(), lat.size(), s, clock_ns);
    if (with_fresh) {
      Stats sf = Summarise(fresh);
      Print("evaluate_fresh", cases.size(), fresh.size(), sf, clock_ns);
    }
    if (slowest) {
      std::vector<std::pair<long long, size_t>> med;
      for (size_t i = 0; i < cases.size(); ++i) {
        auto& v = per_case[i];
        std::sort(v.begin(), v.end());
        med.emplace_back(v[v.size() / 2], i);
      }
      std::sort(med.rbegin(), med.rend());
      for (size_t k = 0; k < std::min(slowest, med.size()); ++k)
        std::fprintf(stderr, "slow: %s median %lld ns\n", cases[med[k].second].id.c_str(), med[k].first);
    }
  }
  if (!only.empty() && only != "decide") return 0;
  // Verdict and outstanding actions only (the batch screening hot path).
  {
    eval::Scratch scratch(prog);
    eval::Case work;
    std::vector<long long> lat;
    lat.reserve(cases.size() * static_cast<size_t>(passes));
    for (int pass = 0; pass <= passes; ++pass) {
      std::shuffle(order.begin(), order.end(), rng);
      for (size_t i : order) {
        work = cases[i];
        auto t0 = Clock::now();
        eval::Outcome o = eval::Decide(prog, work, opts, scratch);
        auto t1 = Clock::now();
        if (o.actions.size() > (1u << 30)) std::abort();
        if (pass > 0) lat.push_back(Ns(t0, t1));
      }
    }
    Stats s = Summarise(lat);
    Print("decide", cases.size(), lat.size(), s, clock_ns);
  }
  return 0;
}
