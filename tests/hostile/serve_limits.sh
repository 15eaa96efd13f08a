#!/usr/bin/env bash
# Safe defaults of `lexgate serve` (issue 11): it binds loopback unless told otherwise; with
# --max-connections N it holds at most N client sockets (+1 being accepted) however many clients connect (the rest wait in
# the kernel's backlog), and serves again once idle clients time out (--timeout); a request with the
# wrong method on a known route gets 405, an unknown route 404 (both from Route(), the fuzzed handler).
# usage: serve_limits.sh LEXGATE SOURCE_DIR        (exit 77 = skipped: no curl)
set -uo pipefail
lexgate=$1 root=$2
export LEXGATE_HOME=$root
command -v curl >/dev/null || { echo "curl not installed: skipped"; exit 77; }
tmp=$(mktemp -d)
pid= holder=
cleanup() { [[ -n $pid ]] && kill -KILL "$pid" 2>/dev/null; [[ -n $holder ]] && kill -KILL "$holder" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
fail=0
ok() { echo "ok   $1"; }
bad() { echo "FAIL $1"; fail=1; }

# Default address: loopback. (Port 8080 may be taken on a shared machine; either way the log names it.)
LC_ALL=C timeout 3 "$lexgate" serve 2>"$tmp/default.log" >/dev/null
grep -q -E 'listening on http://127\.0\.0\.1:8080|cannot listen on 127\.0\.0\.1:8080' "$tmp/default.log" &&
  ok "default listen address is 127.0.0.1:8080" || { bad "default listen address"; cat "$tmp/default.log"; }

LC_ALL=C "$lexgate" serve --listen 127.0.0.1:0 --max-connections 4 --timeout 2 2>"$tmp/log" &
pid=$!
port=
for _ in $(seq 300); do
  port=$(grep -o 'listening on http://127.0.0.1:[0-9]*' "$tmp/log" 2>/dev/null | sed 's/.*://')
  [[ -n $port ]] && break
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
[[ -n $port ]] || { echo "FAIL the server did not start"; cat "$tmp/log"; exit 1; }
url=http://127.0.0.1:$port
code() { curl -s -m 10 -o "$tmp/body" -w '%{http_code}' "$@"; }
[[ $(code "$url/healthz") == 200 ]] && ok "healthz" || bad "healthz"
[[ $(code "$url/v1/check") == 405 ]] && ok "GET /v1/check → 405" || bad "GET /v1/check → $(code "$url/v1/check")"
c=$(code -X POST -d '{}' "$url/v1/nope"); [[ $c == 404 ]] && ok "POST /v1/nope → 404" || bad "POST /v1/nope → $c"
sockets() { ls -l /proc/"$pid"/fd 2>/dev/null | grep -c 'socket:'; }
base=$(sockets)
# 40 clients connect and send nothing.
python3 - "$port" 40 <<'PY' &
import socket, sys, time
port, n = int(sys.argv[1]), int(sys.argv[2])
conns = []
for _ in range(n):
    s = socket.socket(); s.setblocking(False)
    try: s.connect(("127.0.0.1", port))
    except BlockingIOError: pass
    conns.append(s)
time.sleep(1.5)
PY
holder=$!
sleep 1
held=$(sockets)
# At most 4 held connections, plus the one the accept loop has taken and waits to hand over.
if (( held - base <= 5 )); then ok "40 idle clients hold $((held - base)) sockets (≤ 4 + 1)"; else bad "40 idle clients hold $((held - base)) sockets (> 5)"; fi
wait "$holder"; holder=
# Once the idle clients are gone (closed, or timed out after --timeout 2 s), the server answers again.
[[ $(curl -s -m 20 -o /dev/null -w '%{http_code}' "$url/healthz") == 200 ]] && ok "serves again after the idle clients" || bad "no answer after the idle clients"
kill -TERM "$pid"; wait "$pid"; rc=$?; pid=
[[ $rc == 0 ]] && ok "SIGTERM exits 0" || bad "SIGTERM exit $rc"
exit $fail
