#!/usr/bin/env bash
# `lexgate serve` over HTTP (curl), on 127.0.0.1 with a free port the server picks (--listen :0, read
# back from its log): decisions byte-identical to `lexgate check`, batch order, bad JSON 400, too large
# 413, missing/wrong token 401, SIGHUP with a broken rule file (refused, old answers), SIGHUP with the
# file fixed (new rules), SIGTERM exits 0. Bounded: every curl has a timeout, the whole test < 30 s.
# usage: serve_test.sh LEXGATE SOURCE_DIR        (exit 77 = skipped: no curl)
set -uo pipefail
lexgate=$1 root=$2
command -v curl >/dev/null || { echo "curl not installed: skipped"; exit 77; }
tmp=$(mktemp -d)
pid=
cleanup() { [[ -n $pid ]] && kill -KILL "$pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
fail=0
ok() { echo "ok   $1"; }
bad() { echo "FAIL $1"; fail=1; }
expect() { [[ $2 == "$3" ]] && ok "$1" || bad "$1: got '$2', want '$3'"; }

# A rules dir of our own: a copy of the shipped rulesets, plus one file we break and fix.
mkdir -p "$tmp/rules" && cp -r "$root/rulesets/." "$tmp/rules/" && rm "$tmp/rules/schema.gate"  # the schema is always loaded from the shipped root
echo "s3cret-token" >"$tmp/token"
case1=$root/examples/cn-transfer-120k-scc.json

LC_ALL=C "$lexgate" serve --listen 127.0.0.1:0 --token-file "$tmp/token" --max-body 100000 --rules "$tmp/rules" \
  --locale en 2>"$tmp/log" &
pid=$!
port=
for _ in $(seq 100); do
  port=$(grep -o 'listening on http://127.0.0.1:[0-9]*' "$tmp/log" 2>/dev/null | sed 's/.*://')
  [[ -n $port ]] && break
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
[[ -n $port ]] || { echo "FAIL the server did not start"; cat "$tmp/log"; exit 1; }
url=http://127.0.0.1:$port
auth=(-H "Authorization: Bearer s3cret-token")
c() { curl -s -m 10 "$@"; }
code() { curl -s -m 10 -o "$tmp/body" -w '%{http_code}' "$@"; }

expect "healthz without token" "$(code "$url/healthz")" 200
expect "no token → 401" "$(code -X POST --data-binary @"$case1" "$url/v1/check")" 401
expect "wrong token → 401" "$(code -H 'Authorization: Bearer s3cret-tokeN' -X POST --data-binary @"$case1" "$url/v1/check")" 401
expect "token prefix → 401" "$(code -H 'Authorization: Bearer s3cret' "$url/v1/rulesets")" 401
expect "rulesets" "$(code "${auth[@]}" "$url/v1/rulesets")" 200
grep -q '"cn.cac_cross_border_2024"' "$tmp/body" && ok "rulesets list" || bad "rulesets list"
expect "openapi" "$(code "${auth[@]}" "$url/v1/openapi.json")" 200
grep -q '"openapi": "3' "$tmp/body" && ok "openapi 3 document" || bad "openapi document"

# Every example: same bytes as the CLI, HTTP 200.
n=0
for f in "$root"/examples/*.json; do
  LC_ALL=C "$lexgate" check "$f" --format json --locale en --rules "$tmp/rules" >"$tmp/want" 2>/dev/null
  st=$(code "${auth[@]}" -X POST --data-binary @"$f" "$url/v1/check")
  if [[ $st != 200 ]] || ! cmp -s "$tmp/want" "$tmp/body"; then bad "check $(basename "$f"): HTTP $st"; fi
  n=$((n + 1))
done
ok "$n examples identical to lexgate check"
LC_ALL=C "$lexgate" check "$case1" --format json --locale en --rules "$tmp/rules" >"$tmp/want1"
expect "zh locale" "$(code "${auth[@]}" -X POST --data-binary @"$case1" "$url/v1/check?locale=zh_CN")" 200
LC_ALL=C "$lexgate" check "$case1" --format json --locale zh_CN --rules "$tmp/rules" >"$tmp/wantzh"
cmp -s "$tmp/wantzh" "$tmp/body" && ok "zh decision identical" || bad "zh decision differs"

# Batch: order kept, errors in place.
{ printf '['; cat "$root/examples/us-genomic-vendor-cn-prohibited.json"; printf ',\n"no",'; cat "$case1"; printf ']'; } >"$tmp/batch"
expect "batch" "$(code "${auth[@]}" -X POST --data-binary @"$tmp/batch" "$url/v1/batch")" 200
python3 - "$tmp/body" <<'PY' && ok "batch order and errors" || bad "batch order and errors"
import json, sys
a = json.load(open(sys.argv[1]))
assert len(a) == 3, a
assert a[0]["verdict"] == "prohibited", a[0]["verdict"]
assert a[1]["error"]["code"] == 65 and a[1]["error"]["index"] == 1, a[1]
assert a[2]["case"] and a[2]["verdict"] == "conditional", a[2]["verdict"]
PY

# Errors.
expect "bad JSON → 400" "$(code "${auth[@]}" -X POST --data-binary '{"kind": ' "$url/v1/check")" 400
grep -q '"code": 65' "$tmp/body" && grep -q '"path": "\$' "$tmp/body" && ok "bad JSON error body" || bad "bad JSON error body: $(cat "$tmp/body")"
expect "bad case → 400" "$(code "${auth[@]}" -X POST --data-binary '{"kind": 5}' "$url/v1/check")" 400
expect "bad as_of → 400" "$(code "${auth[@]}" -X POST --data-binary @"$case1" "$url/v1/check?as_of=2025-02-30")" 400
expect "batch not an array → 400" "$(code "${auth[@]}" -X POST --data-binary '{}' "$url/v1/batch")" 400
head -c 200000 /dev/zero | tr '\0' ' ' >"$tmp/big"
expect "too large → 413" "$(code "${auth[@]}" -X POST --data-binary @"$tmp/big" "$url/v1/check")" 413
expect "unknown route → 404" "$(code "${auth[@]}" "$url/v1/nope")" 404

# SIGHUP with a broken rule file: refused, the old rules keep answering the same.
before_log=$(wc -l <"$tmp/log")
printf 'ruleset zz.broken {\n  this is not a rule\n' >"$tmp/rules/zz-reload.gate"
kill -HUP "$pid"
for _ in $(seq 100); do grep -q 'reload refused' "$tmp/log" && break; sleep 0.1; done
grep -q 'reload refused' "$tmp/log" && ok "broken reload refused" || bad "broken reload not reported: $(tail -n +"$before_log" "$tmp/log")"
grep -q 'zz-reload.gate' "$tmp/log" && ok "broken reload diagnostics logged" || bad "no diagnostics for the broken file"
expect "still serving" "$(code "${auth[@]}" -X POST --data-binary @"$case1" "$url/v1/check")" 200
cmp -s "$tmp/want1" "$tmp/body" && ok "old rules answer unchanged" || bad "answer changed after a refused reload"

# SIGHUP with the file fixed: a new ruleset is served.
# The fix: a copy of an existing ruleset under a new id (the simplest valid ruleset we can be sure of).
src=$(grep -rl '^ruleset cn.pipl' "$tmp/rules" | grep -v /tests/ | head -1)
if [[ -n $src ]]; then
  sed 's/^ruleset cn\.pipl\b/ruleset zz.reloaded/' "$src" >"$tmp/rules/zz-reload.gate"
fi
kill -HUP "$pid"
for _ in $(seq 150); do grep -q 'rules reloaded' "$tmp/log" && break; sleep 0.1; done
grep -q 'rules reloaded' "$tmp/log" && ok "fixed reload accepted" || bad "fixed reload not accepted: $(tail -5 "$tmp/log")"
expect "rulesets after reload" "$(code "${auth[@]}" "$url/v1/rulesets")" 200
grep -q '"zz.reloaded"' "$tmp/body" && ok "new rules take effect" || bad "new ruleset not listed"
LC_ALL=C "$lexgate" check "$case1" --format json --locale en --rules "$tmp/rules" >"$tmp/want2" 2>/dev/null
code "${auth[@]}" -X POST --data-binary @"$case1" "$url/v1/check" >/dev/null
cmp -s "$tmp/want2" "$tmp/body" && ok "answers follow the new rules (same as lexgate check)" || bad "answer after reload differs from check"
grep -q 'zz.reloaded' "$tmp/body" && ok "decision names the new ruleset" || bad "decision does not use the new ruleset"

# SIGTERM: exit 0.
kill -TERM "$pid"
rc=124
for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || { wait "$pid"; rc=$?; break; }; sleep 0.1; done
pid=
expect "SIGTERM exit code" "$rc" 0
exit $fail
