#!/usr/bin/env bash
# Runs the lexgate CLI as a user does and checks exit codes, stdout and stderr.
# Usage: run_cli_tests.sh LEXGATE_BINARY SOURCE_ROOT
# Prints one line per check, then "N passed, M failed"; exits non-zero on any failure.
set -u
LEXGATE=${1:?usage: run_cli_tests.sh LEXGATE_BINARY SOURCE_ROOT}
ROOT=${2:?usage: run_cli_tests.sh LEXGATE_BINARY SOURCE_ROOT}
export LEXGATE_HOME="$ROOT"
# Messages are localised from LC_ALL/LC_MESSAGES/LANG: pin the default (English) locale.
unset LC_ALL LC_MESSAGES LANG LANGUAGE

TMP=$(mktemp -d "${TMPDIR:-/tmp}/lexgate-cli.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
# The compiled-rules cache: one of this run's own, never the user's (the first check writes it).
export LEXGATE_CACHE_DIR="$TMP/cache"
unset LEXGATE_NO_CACHE
passed=0
failed=0
ok()   { passed=$((passed + 1)); echo "PASS $1"; }
fail() { failed=$((failed + 1)); echo "FAIL $1${2:+ — $2}"; }

# run NAME STDIN_FILE ARGS... : runs lexgate, leaves $TMP/out, $TMP/err and $rc
run() {
  local input=$1; shift
  if [ "$input" = "-" ]; then "$LEXGATE" "$@" >"$TMP/out" 2>"$TMP/err" </dev/null
  else "$LEXGATE" "$@" >"$TMP/out" 2>"$TMP/err" <"$input"; fi
  rc=$?
}

# ---------------------------------------------------------------- (a) examples against their goldens
shopt -s nullglob
examples=("$ROOT"/examples/*.json)
[ ${#examples[@]} -gt 0 ] || fail "examples" "no examples found under $ROOT/examples"
for ex in "${examples[@]}"; do
  name=$(basename "$ex" .json)
  golden="$ROOT/tests/golden/decisions/$name.json"
  want_rc=$(cat "$ROOT/tests/golden/decisions/$name.exit" 2>/dev/null)
  if [ "${LEXGATE_UPDATE_GOLDEN:-}" = 1 ]; then  # intended changes: rewrite the goldens, then review the diff
    run - check "$ex" --format json
    cp "$TMP/out" "$golden"; echo "$rc" > "$ROOT/tests/golden/decisions/$name.exit"; want_rc=$rc
  fi
  if [ ! -f "$golden" ] || [ -z "$want_rc" ]; then fail "example $name" "no golden decision or exit code"; continue; fi
  run - check "$ex" --format json
  if [ "$rc" != "$want_rc" ]; then fail "example $name: exit code" "got $rc, want $want_rc"
  else ok "example $name: exit code $rc"; fi
  if cmp -s "$TMP/out" "$golden"; then ok "example $name: decision identical to golden"
  else fail "example $name: decision differs from golden" "$(diff "$golden" "$TMP/out" | head -5 | tr '\n' ' ')"; fi
  cp "$TMP/out" "$TMP/first"
  run - check "$ex" --format json
  if cmp -s "$TMP/out" "$TMP/first"; then ok "example $name: deterministic (two runs identical)"
  else fail "example $name: two runs differ"; fi
  run "$ex" check - --format json
  if [ "$rc" = "$want_rc" ] && cmp -s "$TMP/out" "$golden"; then ok "example $name: same decision from stdin (-)"
  else fail "example $name: stdin" "exit $rc, want $want_rc; output $(cmp "$TMP/out" "$golden" 2>&1 | head -1)"; fi
done
# without --format, output that is not a terminal is JSON
run - check "$ROOT/examples/cn-transfer-120k-scc.json"
if cmp -s "$TMP/out" "$ROOT/tests/golden/decisions/cn-transfer-120k-scc.json"; then ok "default format off a terminal is json"
else fail "default format off a terminal is json"; fi

# ---------------------------------------------------------------- (b) bad case data: exit 65, path on stderr, empty stdout
BASE='"kind":"transfer","date":"2025-06-10","exporter":{"jurisdiction":"CN-BJ"},"recipient":{"jurisdiction":"DE"}'
# bad NAME EXPECTED_STDERR_SUBSTRING  (case bytes in $TMP/case)
bad() {
  local name=$1 want=$2
  run "$TMP/case" check - --format json
  if [ "$rc" != 65 ]; then fail "bad input: $name" "exit $rc, want 65"; return; fi
  if [ -s "$TMP/out" ]; then fail "bad input: $name" "something was written to stdout"; return; fi
  if ! grep -qF -- "$want" "$TMP/err"; then fail "bad input: $name" "stderr does not name '$want': $(head -c 200 "$TMP/err")"; return; fi
  ok "bad input: $name → 65, stderr names $want"
}
printf '{"kind":"transfer",' > "$TMP/case";                                     bad "malformed JSON" '$'
printf '{%s,"pia_done":"yes"}' "$BASE" > "$TMP/case";                           bad "wrong type" '$.pia_done'
printf '{%s,"pia_dnoe":true}' "$BASE" > "$TMP/case";                            bad "unknown field" '$.pia_dnoe'
grep -qF "did you mean 'pia_done'" "$TMP/err" && ok "unknown field: suggestion given" || fail "unknown field: suggestion" "$(cat "$TMP/err")"
printf '{%s,"data":{"subjects":{"personl":1}}}' "$BASE" > "$TMP/case";          bad "unknown nested field" '$.data.subjects.personl'
printf '{%s,"purpose":"shoping"}' "$BASE" > "$TMP/case";                        bad "unknown enum value" '$.purpose'
printf '{"kind":"transfer","date":"2025-06-10","exporter":{"jurisdiction":"XX"},"recipient":{"jurisdiction":"DE"}}' > "$TMP/case"
                                                                                bad "unknown jurisdiction code" '$.exporter.jurisdiction'
printf '{%s,"data":{"subjects":{"personal":-5}}}' "$BASE" > "$TMP/case";        bad "negative count" '$.data.subjects.personal'
printf '{"kind":"transfer","date":"2025-02-30"}' > "$TMP/case";                 bad "impossible date 2025-02-30" '$.date'
printf '{%s,"data":{"subjects":{"personal":18446744073709551616}}}' "$BASE" > "$TMP/case"
                                                                                bad "number beyond 64 bits" '$.data.subjects.personal'
printf '{%s,"data":{"subjects":{"personal":99999999999999999999999}}}' "$BASE" > "$TMP/case"
                                                                                bad "number far beyond 64 bits" '$.data.subjects.personal'
python3 -c "import sys; sys.stdout.write('{\"ext\":' + '['*100000 + ']'*100000 + '}')" > "$TMP/case"
                                                                                bad "deep nesting (10^5 levels)" '$'
python3 -c "import sys; sys.stdout.write('['*100000 + ']'*100000)" > "$TMP/case"
                                                                                bad "deep nesting of bare arrays" '$'
printf '{"kind":"transfer","id":"tx-\xff\xfe"}' > "$TMP/case";                  bad "invalid UTF-8" '$'
printf '{"kind":"transfer","kind":"transfer"}' > "$TMP/case";                   bad "duplicate keys" "'kind' appears twice"
printf '{%s,"data":{"subjects":{"personal":5,"sensitive_personal":6}}}' "$BASE" > "$TMP/case"
                                                                                bad "sensitive_personal > personal" '$.data.subjects.sensitive_personal'
printf '[{%s}]' "$BASE" > "$TMP/case";                                          bad "a JSON array instead of an object" '$'
: > "$TMP/case";                                                                bad "empty input" '$'
printf '{"kind":"transfer","id":"a\x00b"}' > "$TMP/case";                       bad "NUL byte inside a string" '$'
printf '{"kind":"transfer",\x00"id":"x"}' > "$TMP/case";                        bad "NUL byte between members" '$'
# the same bad input named as a file rather than stdin
printf '{%s,"pia_done":"yes"}' "$BASE" > "$TMP/bad-file.json"
run - check "$TMP/bad-file.json" --format json
if [ "$rc" = 65 ] && [ ! -s "$TMP/out" ] && grep -qF '$.pia_done' "$TMP/err" && grep -qF 'bad-file.json' "$TMP/err"; then
  ok "bad input in a file: 65, stderr names the file and the path"
else fail "bad input in a file" "exit $rc; $(head -c 200 "$TMP/err")"; fi

# ---------------------------------------------------------------- (c) other exits and commands
run - check "$TMP/does-not-exist.json"
[ "$rc" = 66 ] && [ ! -s "$TMP/out" ] && [ -s "$TMP/err" ] && ok "missing case file → 66" || fail "missing case file" "exit $rc, want 66"
run - check "$ROOT/examples/cn-transfer-120k-scc.json" --no-such-option
[ "$rc" = 64 ] && [ ! -s "$TMP/out" ] && ok "bad option → 64" || fail "bad option" "exit $rc, want 64"
run - frobnicate
[ "$rc" = 64 ] && ok "unknown subcommand → 64" || fail "unknown subcommand" "exit $rc, want 64"
run - check "$ROOT/examples/cn-transfer-120k-scc.json" --format yaml
[ "$rc" = 64 ] && ok "bad --format value → 64" || fail "bad --format value" "exit $rc, want 64"
run - check "$ROOT/examples/cn-transfer-120k-scc.json" --as-of 2025-13-01
[ "$rc" = 64 ] && [ ! -s "$TMP/out" ] && grep -qF -- "--as-of" "$TMP/err" && ok "--as-of not a date → 64" || fail "--as-of not a date" "exit $rc, want 64"
run - check "$ROOT/examples/cn-transfer-120k-scc.json" --as-of yesterday
[ "$rc" = 64 ] && ok "--as-of a word → 64" || fail "--as-of a word" "exit $rc, want 64"

mkdir -p "$TMP/badrules"
cat > "$TMP/badrules/broken.gate" <<'GATE'
ruleset cli_check.broken {
  title en "Broken"
  authority CN.CAC
  jurisdiction CN
  force law
  effective 2024-01-01
  applies to transfer where exporter.jurisdiction in CN
}

rule reads_a_missing_field {
  cite art 1
  when data.no_such_field > 0
  then must pia before transfer
  says en "x"
}
GATE
run - check "$ROOT/examples/cn-transfer-120k-scc.json" --rules "$TMP/badrules"
if [ "$rc" = 78 ] && [ ! -s "$TMP/out" ] && grep -qF "broken.gate:12" "$TMP/err" && grep -qF "no_such_field" "$TMP/err"; then
  ok "--rules with a broken rule → 78, diagnostic on stderr"
else fail "--rules with a broken rule" "exit $rc, want 78; $(head -c 300 "$TMP/err")"; fi

# 2025-09-29 (Mon) + 10 working days on the CN calendar (shared/legal/cn-calendar.md): day 1 is 09-30;
# 10-01..10-08 holiday; 10-09 (2), 10-10 (3), Sat 10-11 make-up working day (4), 10-13..10-17 (5–9),
# weekend 10-18/19, Mon 10-20 (10). (The 09-28 make-up day is before the start.)
run - deadline --from 2025-09-29 --add "10 working_days" --calendar CN
[ "$rc" = 0 ] && [ "$(cat "$TMP/out")" = "2025-10-20" ] && ok "deadline 2025-09-29 + 10 working_days (CN) = 2025-10-20" \
  || fail "deadline 2025-09-29 + 10 working_days" "exit $rc, printed '$(cat "$TMP/out")', want 2025-10-20"
run - deadline --from 2025-09-31 --add "10 working_days" --calendar CN
[ "$rc" = 64 ] && ok "deadline --from not a date → 64" || fail "deadline --from not a date" "exit $rc, want 64"

run - --help
[ "$rc" = 0 ] && grep -q "65" "$TMP/out" && ok "--help exits 0 and documents the exit codes" || fail "--help" "exit $rc"
# ---------------------------------------------------------------- the README's first example is real output
python3 - "$ROOT/README.md" > "$TMP/readme_example" <<'PY'
import sys
text = open(sys.argv[1], encoding="utf-8").read()
start = text.index("$ build/cli/lexgate check examples/cn-transfer-120k-scc.json --format text\n") 
block = text[start:].split("\n", 1)[1]
print(block[: block.index("$ echo $?")], end="")
PY
run - check "$ROOT/examples/cn-transfer-120k-scc.json" --format text
if [ "$rc" = 1 ] && cmp -s "$TMP/out" "$TMP/readme_example"; then ok "README's first example shows the real output and exit code"
else fail "README example" "$(diff "$TMP/readme_example" "$TMP/out" | head -5 | tr '\n' ' ')"; fi

# ---------------------------------------------------------------- batch: JSONL in, JSONL out, in order
for ex in "$ROOT"/examples/cn-transfer-*.json; do tr -d '\n' < "$ex"; echo; done > "$TMP/batch.jsonl"
echo '{"id": "bad", "kind": "transfer", "data": {"subjects": {"personal": -1}}}' >> "$TMP/batch.jsonl"
for ex in "$ROOT"/examples/cn-bj-*.json; do tr -d '\n' < "$ex"; echo; done >> "$TMP/batch.jsonl"
lines=$(wc -l < "$TMP/batch.jsonl")
"$LEXGATE" batch "$TMP/batch.jsonl" --threads 1 > "$TMP/b1" 2>"$TMP/b1.err"; rc1=$?
"$LEXGATE" batch "$TMP/batch.jsonl" --threads 2 --out "$TMP/b2" 2>"$TMP/b2.err"; rc2=$?
[ "$rc1" = 65 ] && [ "$rc2" = 65 ] && ok "batch with a bad line exits 65" || fail "batch exit" "$rc1 $rc2"
[ "$(wc -l < "$TMP/b1")" = "$lines" ] && cmp -s "$TMP/b1" "$TMP/b2" \
  && ok "batch: one output line per input line, same bytes on 1 and 2 threads" || fail "batch output" "$(wc -l < "$TMP/b1") lines"
bad_line=$(grep -n '"id": "bad"' "$TMP/batch.jsonl" | cut -d: -f1)
sed -n "${bad_line}p" "$TMP/b1" | grep -q '"error":{"code":65,"path":"$.data.subjects.personal"' \
  && ok "batch: the bad line gets an error record with its JSON path, in place" || fail "batch error record" "$(sed -n "${bad_line}p" "$TMP/b1")"
i=0; order_ok=1
for ex in "$ROOT"/examples/cn-transfer-*.json; do
  i=$((i + 1))
  want=$("$LEXGATE" check "$ex" --format json | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin), ensure_ascii=False, separators=(",", ":")))')
  got=$(sed -n "${i}p" "$TMP/b1")
  [ "$want" = "$got" ] || order_ok=0
done
[ "$order_ok" = 1 ] && ok "batch: each decision equals lexgate check's, in input order" || fail "batch vs check" "line $i differs"
grep -q "errors" "$TMP/b1.err" && ok "batch prints a summary to stderr" || fail "batch summary" "$(cat "$TMP/b1.err")"
# --out to a pipe or a device (/dev/null) is written in place: never replaced by a renamed .partial file.
mkfifo "$TMP/fifo"
timeout 20 cat "$TMP/fifo" > "$TMP/fifo.out" & catpid=$!
timeout 20 "$LEXGATE" batch "$TMP/batch.jsonl" --threads 2 --out "$TMP/fifo" 2>/dev/null
wait $catpid
[ -p "$TMP/fifo" ] && [ ! -e "$TMP/fifo.partial" ] && cmp -s "$TMP/fifo.out" "$TMP/b1" \
  && ok "batch --out a FIFO writes into it, which stays a FIFO" || fail "batch --out FIFO" "$(ls -l "$TMP/fifo"*)"
# A write that fails (a full disk) is reported, not left as a short file that looks complete.
if [ -w /dev/full ]; then
  "$LEXGATE" batch "$TMP/batch.jsonl" --threads 2 --out /dev/full 2>"$TMP/full.err"; rc=$?
  [ "$rc" = 70 ] && grep -q "cannot write '/dev/full'" "$TMP/full.err" && ok "batch --out /dev/full: the failed write is reported (exit 70)" \
    || fail "batch --out /dev/full" "exit $rc: $(cat "$TMP/full.err")"
fi
"$LEXGATE" batch "$TMP" --out "$TMP/dir.out" 2>/dev/null; rc=$?
[ "$rc" = 66 ] && [ ! -e "$TMP/dir.out" ] && ok "batch on a directory → 66" || fail "batch on a directory" "exit $rc"
# Standard input and output that another program made non-blocking (O_NONBLOCK): batch waits for them
# (a read or write that would block used to end the run with 66 or 70). The input comes in pieces with
# pauses, the output is read late, so both would block; the bytes and exit code are those of a file run.
python3 - "$LEXGATE" "$TMP/batch.jsonl" "$TMP/nonblock" <<'PY' && ok "batch on non-blocking stdin/stdout waits for them" || fail "batch non-blocking" "$(cat "$TMP/nonblock.err")"
import fcntl, os, subprocess, sys, threading, time
lexgate, cases, tmp = sys.argv[1:]
data = open(cases, "rb").read() * 8
with open(tmp + ".jsonl", "wb") as f:
    f.write(data)
want = subprocess.run([lexgate, "batch", tmp + ".jsonl", "--threads", "2"], capture_output=True)
r_in, w_in = os.pipe()
r_out, w_out = os.pipe()
for fd in (r_in, w_out):
    fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) | os.O_NONBLOCK)
with open(tmp + ".err", "wb") as err:
    p = subprocess.Popen([lexgate, "batch", "-", "--threads", "2"], stdin=r_in, stdout=w_out, stderr=err)
os.close(r_in)
os.close(w_out)
def feed():
    for i in range(0, len(data), 20000):
        time.sleep(0.02)
        view = memoryview(data)[i:i + 20000]  # blocking writes on our side
        while view:
            view = view[os.write(w_in, view):]
    os.close(w_in)
t = threading.Thread(target=feed)
t.start()
time.sleep(0.3)  # the output pipe fills meanwhile
got = b""
while chunk := os.read(r_out, 65536):
    got += chunk
t.join()
rc = p.wait(timeout=60)
sys.exit(0 if rc == want.returncode == 65 and got == want.stdout and len(got) > 65536 else 1)
PY
"$LEXGATE" batch "$TMP/batch.jsonl" --threads 2 --format compact --out "$TMP/bc" 2>/dev/null; rcc=$?
[ "$rcc" = 65 ] && python3 - "$TMP/b1" "$TMP/bc" <<'PY' && ok "batch --format compact: each record agrees with the full decision; error records identical" || fail "batch compact" "exit $rcc"
import json, sys
full = open(sys.argv[1], encoding="utf-8").read().splitlines()
compact = open(sys.argv[2], encoding="utf-8").read().splitlines()
assert len(full) == len(compact), (len(full), len(compact))
for f, c in zip(full, compact):
    fd, cd = json.loads(f), json.loads(c)
    if "error" in fd:
        assert f == c, (f, c)
        continue
    for k in ("case", "verdict", "as_of"):
        assert fd[k] == cd[k], k
    assert [x["rule"] for x in fd["findings"]] == [x["rule"] for x in cd["findings"]]
    for x, y in zip(fd["findings"], cd["findings"]):
        assert x["applies"] == y["applies"] and x.get("status") == y.get("status") and x["modality"] == y["modality"]
        assert x.get("governed_by") == y.get("governed_by")
        assert x.get("timing", {}).get("due") == (y.get("due") or [None])[-1]
    assert [m["fact"] for m in fd["missing"]] == cd["missing"]
    assert "rulesets" not in cd and "message" not in c
PY

# ---------------------------------------------------------------- jurisdictions: ICU names and collation
run - jurisdictions --group EU --locale zh
[ "$rc" = 0 ] && [ "$(head -3 "$TMP/out" | awk '{print $NF}' | tr '\n' ' ')" = "IE EE AT " ] \
  && ok "jurisdictions --locale zh: EU members in pinyin order (爱尔兰, 爱沙尼亚, 奥地利)" || fail "jurisdictions zh" "$(head -3 "$TMP/out" | tr '\n' ' ')"
run - jurisdictions --group EU --locale de
[ "$rc" = 0 ] && [ "$(head -4 "$TMP/out" | awk '{print $NF}' | tr '\n' ' ')" = "BE BG DK DE " ] \
  && ok "jurisdictions --locale de: German order (Dänemark before Deutschland)" || fail "jurisdictions de" "$(head -4 "$TMP/out" | tr '\n' ' ')"
run - jurisdictions --group EU_ADEQUATE --as-of 2023-07-09 --locale en
! grep -q "  US$" "$TMP/out" && ok "EU_ADEQUATE as of 2023-07-09 has no US (DPF decision 2023-07-10)" || fail "adequacy as of" "US listed"
run - jurisdictions --group EU_ADEQUATE --as-of 2023-07-10 --locale en
grep -q "  US$" "$TMP/out" && ok "EU_ADEQUATE as of 2023-07-10 has the US" || fail "adequacy as of" "US missing"
run - jurisdictions --group NOPE
[ "$rc" = 64 ] && ok "unknown group → 64" || fail "unknown group" "exit $rc"

for sub in check test deadline jurisdictions batch explain ask; do
  run - $sub --help
  [ "$rc" = 0 ] && grep -q "Example" "$TMP/out" && ok "$sub --help exits 0 with an example" || fail "$sub --help" "exit $rc"
done

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
