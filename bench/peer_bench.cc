// lexgate on the peer workload (shared/bench/peers/WORKLOAD.md), timed with the same protocol as the
// peers' common.h: requests are read and turned into lexgate cases before timing (the "parsed request");
// the timed region is evaluation to a verdict and the action set; warm-up on the first WARMUP requests,
// then REPS throughput passes (each INNER times over all requests), then one per-call latency pass.
// Output: one line per request, `id,verdict,action+action` (sorted, de-duplicated, empty when
// prohibited), and a JSON summary on stdout in the peers' format, plus dps_cpu_median: the throughput
// passes timed in this thread's CPU time, steadier than wall time when other jobs share the cores.
// Usage: peer_bench RULES_ROOT requests.csv out.txt [reps=5] [warmup=10000]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "engine.h"
#include "eval/evaluate.h"

using namespace lexgate;

namespace {

const char* const kActionNames[7] = {"cisa_security_requirements", "pia", "scc", "security_assessment",
                                     "separate_consent", "standard_contract_or_certification", "tia"};

long long CpuNs() {  // this thread's CPU time: steadier than wall time on a shared machine
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<long long>(ts.tv_sec) * 1000000000LL + ts.tv_nsec;
}

long long NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: %s RULES_ROOT requests.csv out.txt [reps] [warmup]\n", argv[0]);
    return 2;
  }
  std::string root = argv[1];
  int reps = argc > 4 ? std::atoi(argv[4]) : 5;
  size_t warm = argc > 5 ? static_cast<size_t>(std::atoll(argv[5])) : 10000;
  LoadResult loaded = LoadRules({root + "/jurisdictions/iso3166.gate", root + "/jurisdictions/groups.gate", root + "/bench/peer"});
  if (!loaded.program) {
    std::cerr << diag::RenderText(loaded.diagnostics.all(), *loaded.sources, false);
    return 78;
  }
  const ir::Program& prog = *loaded.program;
  // action id in the program → bit in the peers' alphabetical order
  std::vector<int> bit(prog.project->actions.size(), 0);
  for (size_t a = 0; a < prog.project->actions.size(); ++a)
    for (int b = 0; b < 7; ++b)
      if (prog.project->actions[a] == kActionNames[b]) bit[a] = 1 << b;

  std::ifstream in(argv[2]);
  std::vector<std::string> ids;
  std::vector<eval::Case> rows;  // the parsed requests; their ids apart, as the baseline keeps its requests
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> f;
    std::stringstream ss(line);
    std::string cell;
    while (std::getline(ss, cell, ',')) f.push_back(cell);
    if (f.size() != 13) { std::fprintf(stderr, "bad line: %s\n", line.c_str()); return 2; }
    std::string json = "{\"id\":\"" + f[0] + "\",\"kind\":\"transfer\",\"date\":\"2025-06-10\",\"exporter\":{\"jurisdiction\":\"" + f[1] +
                       "\",\"ciio\":" + (f[2] == "1" ? "true" : "false") + "},\"recipient\":{\"jurisdiction\":\"" + f[3] +
                       "\",\"adequacy\":" + (f[4] == "1" ? "true" : "false") + ",\"concern\":" + (f[5] == "1" ? "true" : "false") +
                       "},\"data\":{\"personal\":" + f[6] + ",\"sensitive\":" + f[7] + ",\"important\":" + (f[8] == "1" ? "true" : "false") +
                       ",\"genomic\":" + f[9] + "},\"cum_personal\":" + f[10] + ",\"cum_sensitive\":" + f[11] + ",\"purpose\":\"" + f[12] + "\"}";
    eval::CaseError err;
    auto c = eval::ReadCase(prog, json, err);
    if (!c) { std::fprintf(stderr, "bad request %s: %s %s\n", f[0].c_str(), err.path.c_str(), err.message.c_str()); return 65; }
    ids.push_back(f[0]);
    rows.push_back(std::move(*c));
  }
  // The parsed requests side by side in memory, as the peers keep theirs (one array of structs): each
  // case's slot block was allocated amid the JSON reader's temporaries, so copy them out in order once,
  // the slot blocks first (a Case's other vectors, which Decide does not read, would come between them).
  {
    std::vector<eval::Case> packed(rows.size());
    for (size_t i = 0; i < rows.size(); ++i) packed[i].AssignSlots(rows[i]);
    for (size_t i = 0; i < rows.size(); ++i) packed[i] = rows[i];  // the rest (the slot block keeps its place)
    rows.swap(packed);
  }
  const size_t n = rows.size();
  std::vector<int> verdict(n), actions(n);
  eval::EvalOptions opts;
  eval::Scratch scratch(prog);
  auto decide = [&](size_t i) {
    eval::Outcome o = eval::Decide(prog, rows[i], opts, scratch);
    int a = 0;
    for (int act : o.actions) a |= bit[act];
    verdict[i] = o.verdict == eval::Verdict::Prohibited ? 2 : (a ? 1 : 0);
    actions[i] = o.verdict == eval::Verdict::Prohibited ? 0 : a;
  };
  if (warm > n) warm = n;
  for (size_t i = 0; i < warm; ++i) decide(i);
  const int inner = 5;
  std::vector<double> rates, cpu_rates;
  for (int rep = 0; rep < reps; ++rep) {
    long long t0 = NowNs(), c0 = CpuNs();
    for (int k = 0; k < inner; ++k)
      for (size_t i = 0; i < n; ++i) decide(i);
    long long t1 = NowNs(), c1 = CpuNs();
    rates.push_back(static_cast<double>(n) * inner / ((t1 - t0) / 1e9));
    cpu_rates.push_back(static_cast<double>(n) * inner / ((c1 - c0) / 1e9));
  }
  std::vector<long long> lat(n);
  for (size_t i = 0; i < n; ++i) {
    long long t0 = NowNs();
    decide(i);
    lat[i] = NowNs() - t0;
  }
  FILE* out = std::fopen(argv[3], "w");
  static const char* const kVerdicts[3] = {"permitted", "conditional", "prohibited"};
  for (size_t i = 0; i < n; ++i) {
    std::fprintf(out, "%s,%s,", ids[i].c_str(), kVerdicts[verdict[i]]);
    bool first = true;
    for (int b = 0; b < 7; ++b)
      if (actions[i] & (1 << b)) { std::fprintf(out, "%s%s", first ? "" : "+", kActionNames[b]); first = false; }
    std::fputc('\n', out);
  }
  std::fclose(out);
  std::sort(lat.begin(), lat.end());
  std::sort(rates.begin(), rates.end());
  std::sort(cpu_rates.begin(), cpu_rates.end());
  double sum = 0;
  for (auto l : lat) sum += static_cast<double>(l);
  std::printf("{\"engine\":\"lexgate\",\"n\":%zu,\"dps_median\":%.0f,\"dps_best\":%.0f,\"lat_median_ns\":%lld,"
              "\"lat_p99_ns\":%lld,\"lat_p999_ns\":%lld,\"lat_mean_ns\":%.0f,\"lat_max_ns\":%lld,\"dps_cpu_median\":%.0f}\n",
              n, rates[rates.size() / 2], rates.back(), lat[(n - 1) / 2], lat[static_cast<size_t>(0.99 * (n - 1))],
              lat[static_cast<size_t>(0.999 * (n - 1))], sum / n, lat[n - 1], cpu_rates[cpu_rates.size() / 2]);
  return 0;
}
