#!/usr/bin/env bash
# Bounded libFuzzer run over lexgate's four fuzz targets (fuzz/): rule source, case JSON, JSONL batch
# stream, HTTP API. Usage: scripts/fuzz.sh [SECONDS_TOTAL] [TARGET…]   (default 120 s, all four targets)
# Builds only the fuzz targets with clang (build-fuzz/, ccache when present), generates seed corpora from
# the shipped rulesets/, jurisdictions/ and examples/ plus fuzz/seeds/, and runs the targets two at a
# time (2 cores). Prints executions, exec/s and corpus size per target; exits 1 if any target found a
# crash, a leak, a timeout or an out-of-memory (the input is saved under build-fuzz/artifacts/TARGET/).
# A longer run: see SECURITY.md.
set -euo pipefail
cd "$(dirname "$0")/.."
total=${1:-120}
shift || true
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(fuzz_rules fuzz_case fuzz_batch fuzz_serve)
out=${LEXGATE_FUZZ_DIR:-build-fuzz}
jobs=${JOBS:-2}
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)

t0=$(date +%s)
# Line tables only (-gline-tables-only): crash reports name file:line; full debug info only slowed the build.
CC=clang CXX=clang++ cmake -S . -B "$out" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLEXGATE_FUZZ=ON \
  "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O2 -gline-tables-only -DNDEBUG" \
  -DLEXGATE_TESTS=OFF "${launcher[@]}" >/dev/null
cmake --build "$out" -j "$jobs" --target "${targets[@]}" >/dev/null
t1=$(date +%s)
echo "fuzz: built ${targets[*]} in $((t1 - t0)) s"

# ---- seed corpora, generated from the tree (nothing copied into git)
seeds=$out/seeds
rm -rf "$seeds"
mkdir -p "$seeds"/{fuzz_rules,fuzz_case,fuzz_batch,fuzz_serve}
i=0
for f in $(find rulesets jurisdictions -name '*.gate' | sort); do  # same names in several dirs: number them
  cp "$f" "$seeds/fuzz_rules/$((i++))-$(basename "$f")"
done
cp fuzz/seeds/rules/* "$seeds/fuzz_rules/"
cp examples/*.json fuzz/seeds/case/* "$seeds/fuzz_case/"
for f in examples/*.json; do tr -d '\n' <"$f"; echo; done >"$seeds/fuzz_batch/examples.jsonl"
for f in examples/*.json; do tr -d '\n' <"$f" >"$seeds/fuzz_batch/$(basename "$f" .json).jsonl"; echo >>"$seeds/fuzz_batch/$(basename "$f" .json).jsonl"; done
cp fuzz/seeds/batch/* "$seeds/fuzz_batch/"
for f in examples/*.json; do
  b=$(basename "$f" .json)
  { printf 'POST /v1/check?as_of=2025-06-10&locale=zh_CN\nBearer t0ken\n'; cat "$f"; } >"$seeds/fuzz_serve/check-$b"
done
{ printf 'POST /v1/batch\nBearer t0ken\n['; first=1; for f in examples/*.json; do [ $first = 1 ] || printf ','; first=0; cat "$f"; done; printf ']'; } \
  >"$seeds/fuzz_serve/batch-all"
cp fuzz/seeds/serve/* "$seeds/fuzz_serve/"

# The rule language's keywords (English and Chinese) and punctuation, read from the lexer grammar.
dict=$out/rules.dict
python3 - grammar/LexgateLexer.g4 "$dict" <<'PY'
import re, sys
words = set()
for line in open(sys.argv[1], encoding="utf-8"):  # token rules only: NAME : 'kw' | 'kw' ;
    if re.match(r"^[A-Z_]+\s*:", line) and not line.startswith(("STRING", "UNTERMINATED")):
        words.update(w for w in re.findall(r"'([^'\n]+)'", line) if len(w) <= 24)
words = sorted(words)
def esc(w):  # libFuzzer dictionaries: printable ASCII as is, every other byte as \xNN
    w = w.encode().decode("unicode_escape").encode() if "\\u" in w else w.encode()
    return "".join(chr(b) if 32 <= b < 127 and b not in (34, 92) else "\\x%02X" % b for b in w)
open(sys.argv[2], "w").write("".join('"%s"\n' % esc(w) for w in words))
PY

# ---- run: the time is shared equally; two targets at a time
per=$(( total * jobs / ${#targets[@]} ))
[ "$per" -lt 5 ] && per=5
declare -A maxlen=([fuzz_rules]=16384 [fuzz_case]=8192 [fuzz_batch]=16384 [fuzz_serve]=16384)
run_one() {
  local t=$1 corpus=$out/corpus/$1 art=$out/artifacts/$1/
  mkdir -p "$corpus" "$art"
  local extra=()
  [ "$t" = fuzz_rules ] && extra=(-dict="$dict")
  ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    "$out/fuzz/$t" "$corpus" "$seeds/$t" -max_total_time="$per" -timeout=20 -rss_limit_mb=2560 \
    -max_len="${maxlen[$t]}" -artifact_prefix="$art" -print_final_stats=1 "${extra[@]}" >"$out/$t.log" 2>&1
}
pids=()
status=0
for t in "${targets[@]}"; do
  run_one "$t" & pids+=($!)
  if [ ${#pids[@]} -ge "$jobs" ]; then wait "${pids[0]}" || status=1; pids=("${pids[@]:1}"); fi
done
for p in "${pids[@]}"; do wait "$p" || status=1; done

printf '%-11s %12s %9s %8s %s\n' target inputs exec/s corpus result
for t in "${targets[@]}"; do
  log=$out/$t.log
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  eps=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  corpus=$(ls "$out/corpus/$t" | wc -l)
  found=$(ls "$out/artifacts/$t" 2>/dev/null | wc -l)
  res=ok
  [ "$found" -gt 0 ] && res="FOUND $found: $(ls "$out/artifacts/$t" | tr '\n' ' ')" && status=1
  grep -q -E '^==[0-9]+==ERROR|runtime error:|ERROR: libFuzzer' "$log" && [ "$res" = ok ] && res="ERROR (see $log)" && status=1
  printf '%-11s %12s %9s %8s %s\n' "$t" "${execs:-?}" "${eps:-?}" "$corpus" "$res"
done
echo "fuzz: $(( $(date +%s) - t0 )) s in all"
exit $status
