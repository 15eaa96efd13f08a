#!/usr/bin/env bash
# The compiled-rules cache (issue 12) as a user meets it. Every shipped example decided with the cache
# off, cold (the run writes the entry) and warm (the run reads it) gives the same bytes and exit code:
# all of them through one `batch` per mode, three of them through `check` (json and text), `explain` and
# `deadline`. --no-cache and LEXGATE_NO_CACHE=1 neither read nor write; a corrupt entry is ignored and
# rewritten; an unwritable cache directory changes nothing; `lexgate test` and `lint` never write one.
# Usage: cache_cli.sh LEXGATE_BINARY SOURCE_ROOT
set -u
LEXGATE=${1:?usage: cache_cli.sh LEXGATE_BINARY SOURCE_ROOT}
ROOT=${2:?usage: cache_cli.sh LEXGATE_BINARY SOURCE_ROOT}
export LEXGATE_HOME="$ROOT"
unset LC_ALL LC_MESSAGES LANG LANGUAGE LEXGATE_NO_CACHE
TMP=$(mktemp -d "${TMPDIR:-/tmp}/lexgate-cache.XXXXXX")
trap 'chmod -R u+w "$TMP"; rm -rf "$TMP"' EXIT
export LEXGATE_CACHE_DIR="$TMP/cache"
passed=0
failed=0
ok()   { passed=$((passed + 1)); echo "PASS $1"; }
fail() { failed=$((failed + 1)); echo "FAIL $1${2:+ — $2}"; }
entries() { ls "$LEXGATE_CACHE_DIR"/*.lgc 2>/dev/null | wc -l; }
# mode NAME ARGS... : runs lexgate in the three modes, compares stdout and exit code
modes() {
  local name=$1; shift
  rm -rf "$LEXGATE_CACHE_DIR"
  "$LEXGATE" "$@" --no-cache >"$TMP/off" 2>"$TMP/off.err"; local off=$?
  [ "$(entries)" = 0 ] || fail "$name: --no-cache wrote the cache"
  LEXGATE_NO_CACHE=1 "$LEXGATE" "$@" >"$TMP/env" 2>/dev/null; local env=$?
  [ "$(entries)" = 0 ] || fail "$name: LEXGATE_NO_CACHE=1 wrote the cache"
  "$LEXGATE" "$@" >"$TMP/cold" 2>"$TMP/cold.err"; local cold=$?
  [ "$(entries)" = 1 ] || fail "$name: the cold run wrote no entry"
  "$LEXGATE" "$@" >"$TMP/warm" 2>"$TMP/warm.err"; local warm=$?
  if [ "$off $env $cold" = "$warm $warm $warm" ] && cmp -s "$TMP/off" "$TMP/cold" && cmp -s "$TMP/off" "$TMP/warm" &&
     cmp -s "$TMP/off" "$TMP/env" && [ -s "$TMP/off" ]; then ok "$name: off, cold and warm identical (exit $warm)"
  else fail "$name: outputs differ" "exit $off/$env/$cold/$warm; $(cmp "$TMP/off" "$TMP/warm" 2>&1 | head -1)"; fi
}

python3 -c 'import json, sys
for f in sorted(sys.argv[1:]): print(json.dumps(json.load(open(f, encoding="utf-8")), ensure_ascii=False))' \
  "$ROOT"/examples/*.json >"$TMP/all.jsonl"
n=$(wc -l <"$TMP/all.jsonl")
[ "$n" -gt 30 ] || fail "examples" "only $n examples under $ROOT/examples"
modes "batch of every example ($n)" batch "$TMP/all.jsonl" --threads 1
for ex in cn-transfer-120k-scc us-genomic-vendor-cn-prohibited eu-transfer-us-dpf-adequacy; do
  modes "check $ex json" check "$ROOT/examples/$ex.json" --format json
  modes "check $ex text" check "$ROOT/examples/$ex.json" --format text --locale zh_CN
done
modes "explain" explain "$ROOT/examples/cn-transfer-120k-scc.json" cn.cac_cross_border_2024/contract_by_volume --format text
modes "deadline" deadline --from 2025-09-29 --add "10 working_days" --calendar CN --explain

# Rules that load with a warning (LG3002, no citation): the warning is kept in the entry and printed
# the same, as text and as JSON, by a warm run.
mkdir -p "$TMP/warnrules"
cp "$ROOT/tests/lint/LG3002-no-citation.gate" "$TMP/warnrules/"
for d in text json; do
  rm -rf "$LEXGATE_CACHE_DIR"
  "$LEXGATE" check "$ROOT/examples/cn-transfer-120k-scc.json" --rules "$TMP/warnrules" --diagnostics $d >"$TMP/o1" 2>"$TMP/e1"; rc1=$?
  "$LEXGATE" check "$ROOT/examples/cn-transfer-120k-scc.json" --rules "$TMP/warnrules" --diagnostics $d >"$TMP/o2" 2>"$TMP/e2"; rc2=$?
  if [ "$(entries)" = 1 ] && [ "$rc1" = "$rc2" ] && cmp -s "$TMP/o1" "$TMP/o2" && cmp -s "$TMP/e1" "$TMP/e2" && grep -q LG3002 "$TMP/e2"
  then ok "warning ($d) printed the same by a warm run"
  else fail "warning ($d)" "exit $rc1/$rc2; $(diff "$TMP/e1" "$TMP/e2" | head -3 | tr '\n' ' ')"; fi
done

# A corrupt entry (truncated, then garbage) is ignored with the right answer and rewritten.
rm -rf "$LEXGATE_CACHE_DIR"
"$LEXGATE" check "$ROOT/examples/cn-transfer-120k-scc.json" >"$TMP/want"; want_rc=$?
entry=$(ls "$LEXGATE_CACHE_DIR"/*.lgc)
cp "$entry" "$TMP/good"
for how in truncate garbage empty; do
  case $how in
    truncate) head -c 1000 "$TMP/good" >"$entry" ;;
    garbage) head -c "$(wc -c <"$TMP/good")" /dev/urandom >"$entry" ;;
    empty) : >"$entry" ;;
  esac
  "$LEXGATE" check "$ROOT/examples/cn-transfer-120k-scc.json" >"$TMP/out"; rc=$?
  if [ "$rc" = "$want_rc" ] && cmp -s "$TMP/out" "$TMP/want" && cmp -s "$entry" "$TMP/good"; then ok "$how entry ignored and rewritten"
  else fail "$how entry" "exit $rc, want $want_rc; $(cmp "$TMP/out" "$TMP/want" 2>&1 | head -1)"; fi
done

# An unwritable cache directory (below a regular file) changes nothing but speed.
: >"$TMP/file"
LEXGATE_CACHE_DIR="$TMP/file/cache" "$LEXGATE" check "$ROOT/examples/cn-transfer-120k-scc.json" >"$TMP/out" 2>"$TMP/err"; rc=$?
if [ "$rc" = "$want_rc" ] && cmp -s "$TMP/out" "$TMP/want" && [ ! -s "$TMP/err" ]; then ok "unwritable cache directory: same decision, no message"
else fail "unwritable cache directory" "exit $rc; $(head -c 200 "$TMP/err")"; fi

# Commands that do not decide cases leave the cache alone.
rm -rf "$LEXGATE_CACHE_DIR"
"$LEXGATE" test "$ROOT/rulesets/cn" >/dev/null 2>&1
"$LEXGATE" lint "$ROOT/rulesets/cn" >/dev/null 2>&1
if [ "$(entries)" = 0 ]; then ok "test and lint write no cache entry"; else fail "test or lint wrote the cache"; fi

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
