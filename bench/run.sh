#!/usr/bin/env bash
# Side-by-side benchmark on the peer workload (shared/bench/peers): the hand-written C++ baseline, CLIPS
# 6.30 and lexgate, run in ONE invocation on the same requests, reported as ratios. Node-based peers
# (Cedar-wasm, json-rules-engine) take ~20 minutes; run shared/bench/peers/run_all.sh for them.
# Usage: bash bench/run.sh [BUILD_DIR=build]    env: N=100000 SEED=20240101 REPS=5 WARMUP=10000 PEERS=../shared/bench/peers
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BUILD="${1:-$ROOT/build}"
PEERS="${PEERS:-$ROOT/../shared/bench/peers}"
N="${N:-100000}"; SEED="${SEED:-20240101}"; REPS="${REPS:-5}"; WARMUP="${WARMUP:-10000}"
OUT="${OUT:-/tmp/lexgate-bench}"
mkdir -p "$OUT"
[ -f "$PEERS/baseline.cpp" ] || { echo "peer workload not found at $PEERS"; exit 2; }
need=()
for p in clips libclips-dev time; do dpkg -s "$p" >/dev/null 2>&1 || need+=("$p"); done
if [ ${#need[@]} -gt 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null; fi
cmake --build "$BUILD" --target peer_bench >/dev/null
g++ -O2 -std=c++17 -o "$OUT/baseline" "$PEERS/baseline.cpp"
gcc -O2 -I/usr/include/clips -o "$OUT/clips_bench" "$PEERS/clips_bench.c" /usr/lib/libclips.a -lm
node "$PEERS/gen_requests.js" "$N" "$SEED" > "$OUT/requests.csv"
run() {  # name cmd...
  local name="$1"; shift
  /usr/bin/time -v -o "$OUT/$name.time" "$@" > "$OUT/$name.json" 2> "$OUT/$name.err" || { cat "$OUT/$name.err"; exit 1; }
  local rss; rss=$(awk -F: '/Maximum resident set size/ {gsub(/ /,"",$2); print $2}' "$OUT/$name.time")
  echo "$(cat "$OUT/$name.json") peak_rss_kb=$rss sha256=$(sha256sum "$OUT/out_$name.txt" | cut -c1-16)" | tee "$OUT/$name.line"
}
echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs) x $(nproc), load $(cut -d' ' -f1-3 /proc/loadavg)"
run cpp_baseline "$OUT/baseline" "$OUT/requests.csv" "$OUT/out_cpp_baseline.txt" 5 "$WARMUP"
run clips "$OUT/clips_bench" "$PEERS/transfer.clp" "$OUT/requests.csv" "$OUT/out_clips.txt" "$REPS" "$WARMUP"
run lexgate "$BUILD/bench/peer_bench" "$ROOT" "$OUT/requests.csv" "$OUT/out_lexgate.txt" "$REPS" "$WARMUP"
python3 - "$OUT" <<'PY'
import json, sys, hashlib
out = sys.argv[1]
res = {n: json.loads(open(f"{out}/{n}.json").read()) for n in ("cpp_baseline", "clips", "lexgate")}
h = {n: hashlib.sha256(open(f"{out}/out_{n}.txt", "rb").read()).hexdigest() for n in res}
same = len(set(h.values())) == 1
lx = res["lexgate"]["dps_median"]
print(f"outputs identical: {same} ({h['lexgate'][:16]})")
print(f"lexgate {lx:,.0f} decisions/s (median {res['lexgate']['lat_median_ns']} ns, p99 {res['lexgate']['lat_p99_ns']} ns)")
print(f"  vs CLIPS 6.30:   {lx / res['clips']['dps_median']:.1f}x the decisions/s of CLIPS ({res['clips']['dps_median']:,.0f}/s)")
print(f"  vs C++ baseline: {res['cpp_baseline']['dps_median'] / lx:.1f}x slower than the baseline ({res['cpp_baseline']['dps_median']:,.0f}/s)")
sys.exit(0 if same else 1)
PY
