#!/usr/bin/env bash
# The PostgreSQL state backend, against a throwaway server this script starts (initdb into a temporary
# directory, Unix socket only, stopped at the end even on failure):
#   1. the state module's GoogleTests (state_test) with every test on a database of its own;
#   2. the CLI on a postgresql:// ledger: cumulative thresholds across runs (60,000 + 50,000 crosses
#      100,000), year boundary, 12-month window, idempotent re-record, due/done/audit, tamper, a newer
#      schema refused, a server that is not there — with the same outputs as on a SQLite file;
#   3. four `check --record` processes recording the same case ids at once: each case counted once;
#   4. two `serve --state postgresql://…` processes on one ledger: same answers, no double counting.
# Usage: state_pg.sh LEXGATE_BINARY STATE_TEST_BINARY SOURCE_ROOT. Without PostgreSQL's server binaries
# it fails (it does not skip): install the Debian package postgresql (scripts/install-deps.sh).
set -u
LEXGATE=${1:?usage: state_pg.sh LEXGATE_BINARY STATE_TEST_BINARY SOURCE_ROOT}
STATE_TEST=${2:?usage: state_pg.sh LEXGATE_BINARY STATE_TEST_BINARY SOURCE_ROOT}
ROOT=${3:?usage: state_pg.sh LEXGATE_BINARY STATE_TEST_BINARY SOURCE_ROOT}
export LEXGATE_HOME="$ROOT"
unset LC_ALL LC_MESSAGES LANG LANGUAGE PGHOST PGPORT PGUSER PGDATABASE PGPASSWORD PGSERVICE
for tool in jq curl; do command -v $tool >/dev/null || { echo "FAIL: $tool is not installed (scripts/install-deps.sh)"; exit 1; }; done

# ---------------------------------------------------------------- the throwaway server
PG_BIN=${LEXGATE_PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
if [ -z "$PG_BIN" ] || [ ! -x "$PG_BIN/initdb" ] || [ ! -x "$PG_BIN/pg_ctl" ] || [ ! -x "$PG_BIN/psql" ]; then
  echo "FAIL: PostgreSQL server binaries (initdb, pg_ctl, psql) not found under /usr/lib/postgresql/*/bin;"
  echo "      install the Debian package postgresql (scripts/install-deps.sh) or set LEXGATE_PG_BIN"
  exit 1
fi
TMP=$(mktemp -d "${TMPDIR:-/tmp}/lexgate-pg.XXXXXX")
as_pg=()
if [ "$(id -u)" = 0 ]; then
  # PostgreSQL refuses to run as root: the server runs as the postgres user the Debian package creates.
  if ! id postgres >/dev/null 2>&1; then echo "FAIL: running as root and there is no postgres user to run the server"; exit 1; fi
  chown postgres "$TMP"
  as_pg=(runuser -u postgres --)
fi
PGDATA="$TMP/data"
PORT=$((20000 + RANDOM % 20000))  # only names the socket file in $TMP: no TCP listener
# The serve processes' ids: start_server runs inside $(…), a subshell, so they are kept in a file.
cleanup() {
  local p servers=()
  [ -f "$TMP/servers.pids" ] && mapfile -t servers <"$TMP/servers.pids"
  for p in "${servers[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${servers[@]}"; do  # SIGTERM finishes requests in flight; after 20 s, SIGKILL
    local i=0
    while kill -0 "$p" 2>/dev/null && [ $((i += 1)) -le 200 ]; do sleep 0.1; done
    kill -9 "$p" 2>/dev/null
  done
  [ -f "$PGDATA/postmaster.pid" ] && "${as_pg[@]}" "$PG_BIN/pg_ctl" -D "$PGDATA" -m immediate -w stop >/dev/null 2>&1
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
if ! "${as_pg[@]}" "$PG_BIN/initdb" -D "$PGDATA" -U postgres -A trust -E UTF8 --locale=C --no-sync >"$TMP/initdb.log" 2>&1; then
  echo "FAIL: initdb failed:"; cat "$TMP/initdb.log"; exit 1
fi
if ! "${as_pg[@]}" "$PG_BIN/pg_ctl" -D "$PGDATA" -l "$TMP/server.log" -w -t 60 \
     -o "-k $TMP -p $PORT -c listen_addresses= -c fsync=off -c max_connections=60" start >/dev/null 2>&1; then
  echo "FAIL: the PostgreSQL server did not start:"; cat "$TMP/server.log"; exit 1
fi
echo "PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on socket $TMP port $PORT"
uri() { echo "postgresql:///$1?host=$TMP&port=$PORT&user=postgres"; }
psql_() { local db=$1; shift; "$PG_BIN/psql" -X -q -A -t -v ON_ERROR_STOP=1 "$(uri "$db")" "$@"; }
createdb_() { psql_ postgres -c "CREATE DATABASE $1" >/dev/null; }
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"


# ---------------------------------------------------------------- 1. the module's tests on PostgreSQL
if LEXGATE_TEST_PG_HOST="$TMP" LEXGATE_TEST_PG_PORT="$PORT" LEXGATE_TEST_PG_USER=postgres "$STATE_TEST" --gtest_brief=1 >"$TMP/gtest.log" 2>&1; then
  ok "state_test on PostgreSQL ($(grep -o '[0-9]* tests\? from' "$TMP/gtest.log" | tail -n 1 | awk '{print $1}') tests)"
else
  fail "state_test on PostgreSQL" "$(grep -E 'FAILED|Failure|error' "$TMP/gtest.log" | head -n 20)"
fi

# ---------------------------------------------------------------- 2. the CLI on a postgresql:// ledger
createdb_ cli
DB=$(uri cli)
run check "$(cn x-1 2025-03-01 60000 'Exporter X')" --state "$DB" --record --format json
[ "$rc" -le 3 ] && [ "$(psql_ cli -c "SELECT count(*) FROM cases")" = 1 ] && ok "record 60,000 for X on 2025-03-01 (postgresql://)" \
  || fail "record first case" "exit $rc: $(cat "$TMP/err")"
run check "$(cn x-2 2025-06-01 50000 'Exporter X')" --state "$DB" --format json
has_rule contract_by_volume && [ "$(jq -r '.history_source["history.since_year_start.personal"]' "$TMP/out")" = ledger ] \
  && ok "60,000 + 50,000 since 1 January crosses 100,000: contract tier, history from the ledger" || fail "cumulative" "$(jq -c '[.findings[].rule]' "$TMP/out")"
run check "$TMP/x-2.json" --state "$DB" --record --format json
run check "$(cn x-3 2026-02-01 50000 'Exporter X')" --state "$DB" --format json
has_rule contract_by_volume && fail "year boundary: 2026 does not count 2025" || ok "year boundary: 2026 does not count 2025"
run check "$TMP/x-1.json" --state "$DB" --record --format json
[ "$rc" -le 3 ] && grep -q "already recorded" "$TMP/err" && [ "$(psql_ cli -c "SELECT count(*) FROM ledger WHERE case_id = 'x-1'")" = 1 ] \
  && [ "$(psql_ cli -c "SELECT count(*) FROM audit")" = 2 ] && ok "recording the same case id twice changes nothing" || fail "idempotent" "$(cat "$TMP/err")"
run check "$(us g-1 2025-05-01 600)" --state "$DB" --record --format json
run check "$(us g-2 2026-03-01 600)" --state "$DB" --format json
has_rule brokerage_prohibited && ok "12-month window: 1,200 geolocation records over the bulk threshold" || fail "12-month window in" "$(jq -c '[.findings[].rule]' "$TMP/out")"
run check "$(us g-3 2026-05-15 600)" --state "$DB" --format json
has_rule brokerage_prohibited && fail "12-month window: older rows do not count" || ok "12-month window: rows older than 12 months do not count"
run check "$(cn z-1 2025-06-10 150000 'Exporter Z')" --state "$DB" --record --format json
run due --state "$DB" --as-of 2025-06-10 --within "5 working_days" --format json
n=$(jq '(.due | length) + (.undated | length)' "$TMP/out" 2>/dev/null)
[ "$rc" -eq 0 ] && [ "${n:-0}" -gt 0 ] && ok "due lists the outstanding obligations ($n)" || fail "due" "exit $rc: $(cat "$TMP/err")"
id=$(psql_ cli -c "SELECT min(id) FROM obligations WHERE status = 'outstanding'")
run done "$id" --state "$DB" --on 2025-06-12
[ "$rc" -eq 0 ] && [ "$(psql_ cli -c "SELECT status FROM obligations WHERE id = $id")" = done ] && ok "done marks one met" || fail "done" "exit $rc: $(cat "$TMP/err")"
run done 99999 --state "$DB"
expect_rc "done with an unknown id: 66" 66
run audit verify --state "$DB"
expect_rc "audit verify: intact (0)" 0
run audit export --state "$DB"
[ "$rc" -eq 0 ] && [ "$(wc -l <"$TMP/out")" = "$(psql_ cli -c "SELECT count(*) FROM audit")" ] && ok "audit export: one JSON line per entry" || fail "audit export" "exit $rc"

# The same commands on a SQLite file give the same outputs (timestamps and hashes aside).
SQ="$TMP/same.db"
createdb_ same
same_decisions=1
for f in x-1 x-2 g-1 z-1 x-1; do
  "$LEXGATE" check "$TMP/$f.json" --state "$SQ" --record --format json >"$TMP/sq.$f" 2>/dev/null
  "$LEXGATE" check "$TMP/$f.json" --state "$(uri same)" --record --format json >"$TMP/pg.$f" 2>/dev/null
  [ -s "$TMP/sq.$f" ] && cmp -s "$TMP/sq.$f" "$TMP/pg.$f" || { same_decisions=0; fail "same decision on SQLite and PostgreSQL ($f)"; }
done
[ $same_decisions = 1 ] && ok "check --state --record: same decisions on SQLite and PostgreSQL"
"$LEXGATE" done 1 --state "$SQ" --on 2025-06-12 >/dev/null 2>&1; "$LEXGATE" done 1 --state "$(uri same)" --on 2025-06-12 >/dev/null 2>&1
same() {
  local label=$1 a b; shift
  a=$("$LEXGATE" "$@" --state "$SQ" 2>&1); b=$("$LEXGATE" "$@" --state "$(uri same)" 2>&1)
  [ "$a" = "$b" ] && [ -n "$a" ] && ok "same output on SQLite and PostgreSQL: $label" || fail "same output: $label" "$(diff <(echo "$a") <(echo "$b") | head -n 5)"
}
same "due (JSON)" due --as-of 2025-06-10 --within "5 working_days" --format json
same "due (zh_CN)" due --as-of 2025-06-10 --locale zh_CN
same "audit verify" audit verify
strip='del(.at, .hash, .prev_hash)'
a=$("$LEXGATE" audit export --state "$SQ" | jq -c "$strip"); b=$("$LEXGATE" audit export --state "$(uri same)" | jq -c "$strip")
[ "$a" = "$b" ] && [ -n "$a" ] && ok "same audit export on SQLite and PostgreSQL (timestamps and hashes aside)" || fail "same audit export" "$(diff <(echo "$a") <(echo "$b") | head -c 300)"

# Tampering, a newer schema, a server that is not there.
psql_ cli -c "UPDATE audit SET case_id = 'forged' WHERE seq = 2" >/dev/null
run audit verify --state "$DB"
[ "$rc" -eq 1 ] && grep -q "entry 2" "$TMP/out" && ok "audit verify names the altered entry (exit 1)" || fail "tamper" "exit $rc: $(cat "$TMP/out" "$TMP/err")"
psql_ cli -c "UPDATE meta SET value = '99' WHERE key = 'schema_version'" >/dev/null
run check "$TMP/x-2.json" --state "$DB" --record
[ "$rc" -eq 70 ] && grep -q "newer lexgate" "$TMP/err" && ok "a newer schema version is refused (70)" || fail "newer" "exit $rc: $(cat "$TMP/err")"
run check "$TMP/x-2.json" --state "postgresql:///nothere?host=$TMP/nosuchdir&port=$PORT&connect_timeout=2" --record
[ "$rc" -eq 70 ] && grep -q "cannot connect to PostgreSQL" "$TMP/err" && ! grep -qi "sanitizer\|terminate" "$TMP/err" \
  && ok "no server there: clear error, exit 70" || fail "no server" "exit $rc: $(cat "$TMP/err")"
run due --state "postgresql://lexgate:secret@127.0.0.1:1/x?connect_timeout=2"
[ "$rc" -eq 70 ] && ! grep -q secret "$TMP/err" && ok "connection errors do not print the password" || fail "password in message" "$(cat "$TMP/err")"
run check "$TMP/x-2.json" --state "$(uri nosuchdb)"
[ "$rc" -eq 70 ] && grep -q "does not exist" "$TMP/err" && ok "a database that does not exist: clear error, exit 70" || fail "no database" "exit $rc: $(cat "$TMP/err")"

# A database another application uses is refused; a schema of lexgate's own in it works.
createdb_ shared
psql_ shared -c "CREATE TABLE other_app(x int); CREATE SCHEMA lexgate" >/dev/null
run check "$TMP/x-1.json" --state "$(uri shared)" --record
[ "$rc" -eq 70 ] && grep -q "other application" "$TMP/err" && ok "a database holding other tables is refused (70)" || fail "foreign database" "exit $rc: $(cat "$TMP/err")"
run check "$TMP/x-1.json" --state "$(uri shared)&options=-csearch_path%3Dlexgate" --record
[ "$rc" -le 3 ] && [ "$(psql_ shared -c "SELECT count(*) FROM lexgate.cases")" = 1 ] && ok "?options=-csearch_path%3Dlexgate keeps the state in schema lexgate" \
  || fail "search_path schema" "exit $rc: $(cat "$TMP/err")"

# ---------------------------------------------------------------- 3. concurrent writer processes (CLI)
createdb_ conc
mkdir -p "$TMP/w"
for i in $(seq 1 6); do cn "w/c$i" 2025-08-01 1000 'Exporter W' >/dev/null; done
pids=()
for p in 1 2 3 4; do
  ( for i in $(seq 1 6 | shuf); do "$LEXGATE" check "$TMP/w/c$i.json" --state "$(uri conc)" --record --format json >/dev/null 2>>"$TMP/conc.$p.err" || { rc=$?; [ $rc -le 3 ] || echo "exit $rc" >>"$TMP/conc.$p.err"; }; done ) &
  pids+=($!)
done
for p in "${pids[@]}"; do wait "$p"; done
cases=$(psql_ conc -c "SELECT count(*) FROM cases"); rows=$(psql_ conc -c "SELECT count(*) FROM ledger WHERE category = 'personal'")
sum=$(psql_ conc -c "SELECT sum(count) FROM ledger"); audits=$(psql_ conc -c "SELECT count(*) FROM audit")
[ "$cases" = 6 ] && [ "$rows" = 6 ] && [ "$sum" = 6000 ] && [ "$audits" = 6 ] && ! grep -q "exit" "$TMP"/conc.*.err \
  && ok "4 processes × 6 overlapping case ids: each case counted once" || fail "concurrent writers" "cases=$cases rows=$rows sum=$sum audit=$audits $(cat "$TMP"/conc.*.err | grep -v 'already recorded' | head -n 3)"
run audit verify --state "$(uri conc)"
expect_rc "after concurrent writers the audit chain verifies" 0

# ---------------------------------------------------------------- 4. two serve processes on one ledger
createdb_ served
S=$(uri served)
start_server() {
  "$LEXGATE" serve --listen 127.0.0.1:0 --state "$S" >"$TMP/serve.$1.log" 2>&1 &
  echo $! >>"$TMP/servers.pids"
  local i
  for i in $(seq 1 100); do
    grep -q "listening on" "$TMP/serve.$1.log" && break
    sleep 0.1
  done
  sed -n 's/.*listening on http:\/\/127.0.0.1:\([0-9]*\).*/\1/p' "$TMP/serve.$1.log" | head -n 1
}
PA=$(start_server a); PB=$(start_server b)
if [ -z "$PA" ] || [ -z "$PB" ]; then
  fail "two serve processes start" "$(cat "$TMP"/serve.*.log)"
else
  ok "two serve processes on one PostgreSQL ledger (ports $PA, $PB)"
  post() { curl -s -o "$TMP/body.$3" -D "$TMP/hdr.$3" -w '%{http_code}' --data-binary @"$2" "http://127.0.0.1:$1/v1/check$4"; }
  code=$(post "$PA" "$TMP/x-1.json" 1 "?record=true")
  [ "$code" = 200 ] && grep -qi "x-lexgate-recorded: true" "$TMP/hdr.1" && ok "server A records x-1 (record=true)" || fail "record via A" "$code $(cat "$TMP/body.1")"
  code=$(post "$PB" "$TMP/x-1.json" 2 "?record=true")
  [ "$code" = 200 ] && grep -qi "x-lexgate-recorded: false" "$TMP/hdr.2" && ok "server B: x-1 already recorded, nothing written" || fail "re-record via B" "$code $(cat "$TMP/hdr.2")"
  post "$PA" "$TMP/x-2.json" 3 "" >/dev/null; post "$PB" "$TMP/x-2.json" 4 "" >/dev/null
  has_rule contract_by_volume "$TMP/body.4" && cmp -s "$TMP/body.3" "$TMP/body.4" \
    && ok "both servers give the same answer, from the shared ledger (60,000 + 50,000)" || fail "same answers" "$(diff "$TMP/body.3" "$TMP/body.4" | head -n 5)"
  "$LEXGATE" check "$TMP/x-2.json" --state "$S" --format json >"$TMP/cli.x-2" 2>/dev/null
  cmp -s "$TMP/cli.x-2" "$TMP/body.4" && ok "serve answers byte-identical to check --state" || fail "serve vs check" "$(diff "$TMP/cli.x-2" "$TMP/body.4" | head -n 5)"
  code=$(curl -s -o "$TMP/body.5" -w '%{http_code}' --data-binary @"$TMP/x-2.json" "http://127.0.0.1:$PA/v1/check?record=maybe")
  [ "$code" = 400 ] && jq -e '.error.code == 64' "$TMP/body.5" >/dev/null && ok "record=maybe: 400, code 64" || fail "bad record param" "$code"
  jq 'del(.id)' "$TMP/x-2.json" >"$TMP/noid.json"
  code=$(curl -s -o "$TMP/body.6" -w '%{http_code}' --data-binary @"$TMP/noid.json" "http://127.0.0.1:$PA/v1/check?record=true")
  [ "$code" = 400 ] && jq -e '.error.code == 65' "$TMP/body.6" >/dev/null && ok "record=true without a case id: 400, code 65" || fail "no id" "$code"
  # Both servers, many clients, overlapping case ids.
  mkdir -p "$TMP/s"
  for i in $(seq 1 10); do cn "s/c$i" 2025-09-01 2000 'Exporter S' >/dev/null; done
  cpids=()
  for c in 1 2 3 4; do
    port=$([ $((c % 2)) = 0 ] && echo "$PA" || echo "$PB")
    ( for i in $(seq 1 10 | shuf); do
        code=$(curl -s -o /dev/null -w '%{http_code}' --data-binary @"$TMP/s/c$i.json" "http://127.0.0.1:$port/v1/check?record=true")
        [ "$code" = 200 ] || echo "HTTP $code" >>"$TMP/clients.err"
      done ) &
    cpids+=($!)
  done
  for p in "${cpids[@]}"; do wait "$p"; done
  cases=$(psql_ served -c "SELECT count(*) FROM cases WHERE exporter = 'Exporter S'"); sum=$(psql_ served -c "SELECT sum(count) FROM ledger WHERE exporter = 'Exporter S'")
  [ "$cases" = 10 ] && [ "$sum" = 20000 ] && [ ! -s "$TMP/clients.err" ] \
    && ok "4 clients × 10 overlapping cases over both servers: each counted once" || fail "serve concurrency" "cases=$cases sum=$sum $(head -n 3 "$TMP/clients.err" 2>/dev/null)"
  run audit verify --state "$S"
  expect_rc "audit chain written by two servers verifies" 0
  curl -s -X POST --data-binary '[' "http://127.0.0.1:$PA/v1/batch" >/dev/null
  code=$(curl -s -o "$TMP/body.7" -w '%{http_code}' --data-binary "[$(cat "$TMP/x-2.json"), $(cat "$TMP/x-3.json")]" "http://127.0.0.1:$PB/v1/batch")
  [ "$code" = 200 ] && jq -e '.[0].history_source and (.[0].findings | map(select(.rule | endswith("contract_by_volume")) | .applies) == ["yes"])' "$TMP/body.7" >/dev/null \
    && ok "batch reads the shared ledger too" || fail "batch with state" "$code $(head -c 300 "$TMP/body.7")"
  before=$(psql_ served -c "SELECT count(*) FROM cases")
  code=$(curl -s -o "$TMP/body.8" -w '%{http_code}' --data-binary "[$(cat "$TMP/x-3.json"), $(cat "$TMP/z-1.json"), $(cat "$TMP/x-1.json")]" "http://127.0.0.1:$PA/v1/batch?record=true")
  after=$(psql_ served -c "SELECT count(*) FROM cases")
  [ "$code" = 200 ] && [ $((after - before)) = 2 ] && ok "batch?record=true records the new cases (x-1 was there already)" || fail "batch record" "$code, $before → $after"
  # The database goes away and comes back: a clear 503 meanwhile, then the servers reconnect by themselves.
  "${as_pg[@]}" "$PG_BIN/pg_ctl" -D "$PGDATA" -m fast -w stop >/dev/null 2>&1
  code=$(curl -s -o "$TMP/body.9" -w '%{http_code}' --data-binary @"$TMP/x-2.json" "http://127.0.0.1:$PA/v1/check")
  [ "$code" = 503 ] && jq -e '.error.code == 70' "$TMP/body.9" >/dev/null && ok "database down: 503, code 70" || fail "database down" "$code $(cat "$TMP/body.9")"
  "${as_pg[@]}" "$PG_BIN/pg_ctl" -D "$PGDATA" -l "$TMP/server.log" -w -t 60 -o "-k $TMP -p $PORT -c listen_addresses= -c fsync=off -c max_connections=60" start >/dev/null 2>&1
  codes=""
  for port in "$PA" "$PB" "$PA" "$PB"; do codes+="$(curl -s -o "$TMP/body.10" -w '%{http_code}' --data-binary @"$TMP/x-2.json" "http://127.0.0.1:$port/v1/check") "; done
  [ "$codes" = "200 200 200 200 " ] && ok "database back: the servers reconnect ($codes)" || fail "reconnect" "$codes"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
