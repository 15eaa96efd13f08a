#!/usr/bin/env bash
# Load run against `lexgate serve` (not run in CI): starts a server on 127.0.0.1 (free port), then N
# keep-alive connections POST example cases to /v1/check for a fixed time and report requests/s and
# latency p50/p99. Bounded: DURATION seconds (default 10), CONNS connections (default 2).
#   usage: bench/serve_load.sh [LEXGATE] [DURATION] [CONNS]      e.g. bench/serve_load.sh build/cli/lexgate 10 2
# Needs python3 (standard library only). Run on a Release build; results depend on the machine.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
lexgate=${1:-$root/build/cli/lexgate} duration=${2:-10} conns=${3:-2}
tmp=$(mktemp -d)
LEXGATE_HOME=${LEXGATE_HOME:-$root} "$lexgate" serve --listen 127.0.0.1:0 2>"$tmp/log" &
pid=$!
trap 'kill -TERM $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$tmp"' EXIT
for _ in $(seq 100); do grep -q 'listening on' "$tmp/log" && break; sleep 0.1; done
port=$(grep -o 'listening on http://127.0.0.1:[0-9]*' "$tmp/log" | sed 's/.*://')
python3 - "$port" "$duration" "$conns" "$root"/examples/*.json <<'PY'
import http.client, sys, threading, time
port, duration, conns, files = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), sys.argv[4:]
bodies = [open(f, "rb").read() for f in files]
lat, errors, lock = [], [0], threading.Lock()
def worker(k):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    mine, i, end = [], k, time.monotonic() + duration
    while time.monotonic() < end:
        t = time.perf_counter()
        c.request("POST", "/v1/check", body=bodies[i % len(bodies)], headers={"Content-Type": "application/json"})
        r = c.getresponse(); r.read()
        mine.append(time.perf_counter() - t)
        if r.status != 200:
            errors[0] += 1
        i += 1
    with lock:
        lat.extend(mine)
ts = [threading.Thread(target=worker, args=(k,)) for k in range(conns)]
start = time.monotonic()
for t in ts: t.start()
for t in ts: t.join()
elapsed = time.monotonic() - start
lat.sort()
pct = lambda p: lat[min(len(lat) - 1, int(p * len(lat)))] * 1000
print(f"{len(lat)} requests in {elapsed:.1f} s over {conns} connections: {len(lat)/elapsed:.0f} req/s, "
      f"p50 {pct(0.50):.2f} ms, p99 {pct(0.99):.2f} ms, non-200: {errors[0]}")
PY
