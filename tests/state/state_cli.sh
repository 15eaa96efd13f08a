#!/usr/bin/env bash
# The state file through the CLI: cumulative thresholds across runs (2024 CAC provisions, year boundary),
# the 12-month window (28 CFR 202), due/done/audit, kill -9 while recording, read-only and foreign files.
# Usage: state_cli.sh LEXGATE_BINARY SOURCE_ROOT. Prints one line per check; exits non-zero on a failure.
set -u
LEXGATE=${1:?usage: state_cli.sh LEXGATE_BINARY SOURCE_ROOT}
ROOT=${2:?usage: state_cli.sh LEXGATE_BINARY SOURCE_ROOT}
export LEXGATE_HOME="$ROOT"
unset LC_ALL LC_MESSAGES LANG LANGUAGE
command -v jq >/dev/null || { echo "SKIP: jq not installed"; exit 77; }

TMP=$(mktemp -d "${TMPDIR:-/tmp}/lexgate-state.XXXXXX")
trap 'chmod -R u+w "$TMP" 2>/dev/null; rm -rf "$TMP"' EXIT
chmod 755 "$TMP"

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# ---------------------------------------------------------------- kill -9 while recording
# Runs in the background while the other checks run (its own file); results are collected at the end.
kill_test() {
  local KDB="$TMP/kill.db" start=$SECONDS rounds=0 i pid
  mkdir -p "$TMP/k"
  for i in $(seq 1 30); do cn "k/$i" 2025-07-01 $((1000 + i)) 'Exporter K' >/dev/null; done
  while [ $((SECONDS - start)) -lt 14 ] && [ $rounds -lt 12 ]; do
    rounds=$((rounds + 1))
    setsid bash -c 'for f in "$@"; do "'"$LEXGATE"'" check "$f" --state "'"$KDB"'" --record --format json >/dev/null 2>&1; done' _ "$TMP"/k/*.json &
    pid=$!
    sleep "$(( RANDOM % 3 )).$(( RANDOM % 10 ))$(( RANDOM % 10 ))"
    kill -9 -- -"$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
  done
  if [ ! -s "$KDB" ]; then echo "FAIL kill -9 — nothing was recorded in $rounds rounds"; return; fi
  "$LEXGATE" audit verify --state "$KDB" >/dev/null 2>&1 && echo "PASS after $rounds kill -9 rounds: audit verify passes" \
    || echo "FAIL after $rounds kill -9 rounds: audit verify fails"
  local half orphans cases
  half=$(sqlite3 "$KDB" "SELECT count(*) FROM cases c WHERE (SELECT count(*) FROM ledger l WHERE l.case_id = c.case_id) <> 1
                         OR NOT EXISTS (SELECT 1 FROM audit a WHERE a.case_id = c.case_id)")
  orphans=$(sqlite3 "$KDB" "SELECT count(*) FROM ledger WHERE case_id NOT IN (SELECT case_id FROM cases)")
  cases=$(sqlite3 "$KDB" "SELECT count(*) FROM cases")
  [ "$half" = 0 ] && [ "$orphans" = 0 ] && echo "PASS every case wholly recorded or not at all ($cases cases)" \
    || echo "FAIL all-or-nothing — half=$half orphans=$orphans"
}
kill_test >"$TMP/kill.log" 2>&1 &
kill_pid=$!

DB="$TMP/state.db"
# ---------------------------------------------------------------- cumulative since 1 January
run check "$(cn x-1 2025-03-01 60000 'Exporter X')" --state "$DB" --record --format json
[ "$rc" -le 3 ] && [ -s "$DB" ] && ok "record 60,000 for X on 2025-03-01" || fail "record first case" "exit $rc: $(cat "$TMP/err")"
run check "$(cn x-2 2025-06-01 50000 'Exporter X')" --state "$DB" --format json
if has_rule contract_by_volume; then ok "110,000 since 1 January: contract tier applies"; else fail "contract tier" "$(jq -c '[.findings[].rule]' "$TMP/out")"; fi
[ "$(jq -r '.history_source["history.since_year_start.personal"]' "$TMP/out")" = ledger ] && ok "history_source says ledger" || fail "history_source" "$(jq -c .history_source "$TMP/out")"
run check "$(cn x-2 2025-06-01 50000 'Exporter X')" --format json
has_rule contract_by_volume && fail "without --state the ledger is not used" || ok "without --state the ledger is not used"
jq -e 'has("history_source") | not' "$TMP/out" >/dev/null && ok "no history_source without --state" || fail "no history_source without --state"
run check "$(cn y-1 2025-06-01 50000 'Exporter Y')" --state "$DB" --format json
has_rule contract_by_volume && fail "another exporter's rows do not count" || ok "another exporter's rows do not count"
run check "$(cn x-3 2026-02-01 50000 'Exporter X')" --state "$DB" --format json
has_rule contract_by_volume && fail "year boundary: 2026 does not count 2025" || ok "year boundary: 2026 does not count 2025"
# the case's own history wins over the ledger
jq '.history = {since_year_start: {personal: 0, sensitive_personal: 0}}' "$TMP/x-2.json" >"$TMP/x-2h.json"
run check "$TMP/x-2h.json" --state "$DB" --format json
! has_rule contract_by_volume && [ "$(jq -r '.history_source["history.since_year_start.personal"]' "$TMP/out")" = case ] \
  && ok "a case's own history overrides the ledger" || fail "own history overrides" "$(jq -c .history_source "$TMP/out")"
# recording twice is a no-op
run check "$TMP/x-1.json" --state "$DB" --record --format json
n=$(sqlite3 "$DB" "SELECT count(*) FROM ledger WHERE case_id = 'x-1'")
[ "$n" = 1 ] && grep -q "already recorded" "$TMP/err" && ok "recording the same case id twice is a no-op" || fail "idempotent" "rows=$n"
# a bad case with --record writes nothing
echo '{"id": "bad", "kind": "transfer", "date": "2025-02-30"}' >"$TMP/bad.json"
before=$(sqlite3 "$DB" "SELECT count(*) FROM audit")
run check "$TMP/bad.json" --state "$DB" --record
after=$(sqlite3 "$DB" "SELECT count(*) FROM audit")
[ "$rc" -eq 65 ] && [ "$before" = "$after" ] && ok "bad case with --record: exit 65, nothing written" || fail "bad case" "exit $rc, audit $before→$after"
jq 'del(.id)' "$TMP/x-2.json" >"$TMP/noid.json"
run check "$TMP/noid.json" --state "$DB" --record
expect_rc "a case without id cannot be recorded (65)" 65

# ---------------------------------------------------------------- the 12-month window (28 CFR 202)
US="$TMP/us.db"
run check "$(us g-1 2025-05-01 600)" --state "$US" --record --format json
[ "$rc" -le 3 ] && ok "record 600 geolocation on 2025-05-01" || fail "record US case" "exit $rc: $(cat "$TMP/err")"
run check "$(us g-2 2026-03-01 600)" --state "$US" --format json
has_rule brokerage_prohibited && ok "1,200 in the last 12 months: over the bulk threshold" || fail "12-month window in" "$(jq -c '[.findings[].rule]' "$TMP/out")"
run check "$(us g-3 2026-05-15 600)" --state "$US" --format json
has_rule brokerage_prohibited && fail "12-month window: 2025-05-01 is out of it by 2026-05-15" || ok "12-month window: rows older than 12 months do not count"

# ---------------------------------------------------------------- due, done, audit
run check "$(cn z-1 2025-06-10 150000 'Exporter Z')" --state "$DB" --record --format json
has_rule contract_by_volume && ok "150,000 for Z recorded with an outstanding contract obligation" || fail "z-1" "$(jq -c '[.findings[] | [.rule, .applies, .status]]' "$TMP/out")"
run due --state "$DB" --as-of 2025-06-10 --within "5 working_days" --format json
n=$(jq '.due | length + 0' "$TMP/out" 2>/dev/null)
m=$(jq '.undated | length + 0' "$TMP/out" 2>/dev/null)
[ "$rc" -eq 0 ] && [ $((n + m)) -gt 0 ] && ok "due lists outstanding obligations ($n dated, $m undated)" || fail "due" "exit $rc: $(cat "$TMP/out" "$TMP/err")"
run due --state "$DB" --as-of 2025-06-10 --locale zh_CN
[ "$rc" -eq 0 ] && grep -q "到期" "$TMP/out" && ok "due headings are localised (zh)" || fail "due zh" "$(cat "$TMP/out" "$TMP/err")"
id=$(sqlite3 "$DB" "SELECT min(id) FROM obligations WHERE status = 'outstanding'")
run done "$id" --state "$DB" --on 2025-06-12
[ "$rc" -eq 0 ] && [ "$(sqlite3 "$DB" "SELECT status FROM obligations WHERE id = $id")" = done ] \
  && [ "$(sqlite3 "$DB" "SELECT count(*) FROM audit WHERE event = 'done'")" = 1 ] && ok "done marks one met and logs it" || fail "done" "exit $rc: $(cat "$TMP/err")"
run done 99999 --state "$DB"
expect_rc "done with an unknown id: 66" 66
run audit verify --state "$DB"
expect_rc "audit verify: intact (0)" 0
run audit export --state "$DB"
lines=$(wc -l <"$TMP/out"); entries=$(sqlite3 "$DB" "SELECT count(*) FROM audit")
[ "$rc" -eq 0 ] && [ "$lines" = "$entries" ] && jq -e -s 'all(.[]; has("hash") and has("prev_hash"))' "$TMP/out" >/dev/null \
  && ok "audit export: one JSON line per entry ($lines)" || fail "audit export" "exit $rc, $lines lines, $entries entries"
cp "$DB" "$TMP/tamper.db"; sqlite3 "$DB" "PRAGMA wal_checkpoint" >/dev/null; cp "$DB" "$TMP/tamper.db"
sqlite3 "$TMP/tamper.db" "UPDATE audit SET case_id = 'forged' WHERE seq = 2"
run audit verify --state "$TMP/tamper.db"
[ "$rc" -eq 1 ] && grep -q "entry 2" "$TMP/out" && ok "audit verify names the altered entry (exit 1)" || fail "tamper" "exit $rc: $(cat "$TMP/out" "$TMP/err")"

# ---------------------------------------------------------------- files we cannot use
run due --state "$TMP/nope.db"
expect_rc "missing state file for a read-only command: 66" 66
echo "not a database at all, just text that goes on for a while ........................................" >"$TMP/text.db"
run check "$TMP/x-2.json" --state "$TMP/text.db" --record
[ "$rc" -eq 70 ] && grep -q "not a lexgate state file" "$TMP/err" && ok "a text file is refused (70)" || fail "text file" "exit $rc: $(cat "$TMP/err")"
cp "$DB" "$TMP/newer.db"; sqlite3 "$TMP/newer.db" "UPDATE meta SET value = '99' WHERE key = 'schema_version'"
run audit verify --state "$TMP/newer.db"
[ "$rc" -eq 70 ] && grep -q "newer lexgate" "$TMP/err" && ok "a newer schema version is refused (70)" || fail "newer" "exit $rc: $(cat "$TMP/err")"
# read-only: as root, permissions do not stop writes; run as nobody then.
RO="$TMP/ro"; mkdir -p "$RO"; cp "$DB" "$RO/state.db"; sqlite3 "$RO/state.db" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
cp "$TMP/x-2.json" "$RO/case.json"; chmod 555 "$RO"; chmod 444 "$RO/state.db" "$RO/case.json"
as=()
if [ "$(id -u)" = 0 ]; then
  if command -v setpriv >/dev/null && setpriv --reuid=65534 --regid=65534 --clear-groups test -r "$RO/state.db" 2>/dev/null \
     && setpriv --reuid=65534 --regid=65534 --clear-groups test -x "$LEXGATE" 2>/dev/null; then
    as=(setpriv --reuid=65534 --regid=65534 --clear-groups)
  fi
fi
if [ "$(id -u)" != 0 ] || [ ${#as[@]} -gt 0 ]; then
  "${as[@]}" "$LEXGATE" check "$RO/case.json" --state "$RO/state.db" --record >"$TMP/out" 2>"$TMP/err" </dev/null; rc=$?
  [ "$rc" -eq 70 ] && grep -q "read-only" "$TMP/err" && ! grep -qi "sanitizer\|internal error" "$TMP/err" \
    && ok "read-only state file: clear error, exit 70" || fail "read-only" "exit $rc: $(cat "$TMP/err")"
else
  echo "SKIP read-only state file (root, and cannot switch to nobody)"
fi
chmod 755 "$RO"

wait "$kill_pid"
while IFS= read -r line; do
  echo "$line"
  case "$line" in PASS*) passed=$((passed + 1)) ;; FAIL*) failed=$((failed + 1)) ;; esac
done <"$TMP/kill.log"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
