#!/usr/bin/env bash
# Batch throughput (issue 12): `lexgate batch` on N generated cases (bench/gen_cases.py), both output
# formats, reporting cases/s (from lexgate's own summary), user+sys CPU per case and peak RSS.
# Wall-clock cases/s depends on what else runs on the machine; CPU per case does much less.
# Usage: bash bench/batch.sh [BUILD_DIR=build]    env: N=100000 THREADS=2 OUT=/tmp/lexgate-batch KEEP=0
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BUILD="${1:-$ROOT/build}"
N="${N:-100000}"; THREADS="${THREADS:-2}"; OUT="${OUT:-/tmp/lexgate-batch}"
mkdir -p "$OUT"
cmake --build "$BUILD" --target lexgate >/dev/null
python3 "$ROOT/bench/gen_cases.py" "$N" > "$OUT/cases.jsonl"
echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs) x $(nproc), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "input: $N cases, $(du -h "$OUT/cases.jsonl" | cut -f1)"
for format in compact json; do
  /usr/bin/time -f "%U %S %M" -o "$OUT/$format.time" "$BUILD/cli/lexgate" batch "$OUT/cases.jsonl" --threads "$THREADS" \
    --format "$format" --out "$OUT/$format.jsonl" 2> "$OUT/$format.err" || [ $? = 65 ]  # 65: the generated bad lines
  summary=$(grep "cases in" "$OUT/$format.err")
  read -r user sys rss < <(tail -1 "$OUT/$format.time")
  python3 - "$format" "$summary" "$user" "$sys" "$rss" "$N" "$(stat -c %s "$OUT/$format.jsonl")" <<'PY'
import re, sys
fmt, summary, user, sys_, rss, n, size = sys.argv[1:]
rate = re.search(r"\(([0-9]+) cases/s", summary).group(1)
cpu_us = (float(user) + float(sys_)) / int(n) * 1e6
print(f"{fmt:8} {int(rate):>9,} cases/s  {cpu_us:6.1f} us CPU/case  peak RSS {int(rss) / 1024:.0f} MiB  output {int(size) / 1e6:.0f} MB")
PY
done
[ "${KEEP:-0}" = 1 ] || rm -f "$OUT/cases.jsonl" "$OUT/compact.jsonl" "$OUT/json.jsonl"
