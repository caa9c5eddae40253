#!/usr/bin/env bash
# Fault runs of `jobfit serve`, on loopback only, bounded in time:
#   1. SIGTERM with requests in flight: every in-flight request completes with
#      200, the process exits 0, the port closes.
# Usage: scripts/serve-faults.sh [JOBFIT_BINARY]   (default target/release/jobfit)
# Needs curl and the model (scripts/fetch-model.sh); prints one line per check.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

BIN=${1:-target/release/jobfit}
PORT=${PORT:-18431}
URL="http://127.0.0.1:$PORT"
WORK=$(mktemp -d)
trap 'kill -9 $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT
RESUME='{"resume": "Registered nurse with six years in intensive care: patient care, medication administration, monitoring, charting and family education. Led a team of eight nurses on night shifts.", "top_k": 10}'

wait_ready() {
    for _ in $(seq 1 600); do
        curl -sf "$URL/readyz" >/dev/null 2>&1 && return 0
        sleep 0.5
    done
    echo "FAIL: the server did not become ready" >&2
    exit 1
}

echo "== 1. SIGTERM with requests in flight"
"$BIN" serve --bind "127.0.0.1:$PORT" --grace-secs 60 --rate-per-minute 0 2>"$WORK/serve.log" &
SERVER=$!
wait_ready
for i in $(seq 1 16); do
    curl -s -o "$WORK/reply.$i" -w '%{http_code}\n' -H 'content-type: application/json' \
        -d "$RESUME" "$URL/v1/recommend" >"$WORK/status.$i" &
done
sleep 0.3
kill -TERM "$SERVER"
status=0
wait "$SERVER" || status=$?
sleep 0.5
ok=$(cat "$WORK"/status.* | grep -c '^200$' || true)
other=$(cat "$WORK"/status.* | grep -vc '^200$' || true)
echo "server exit status: $status; in-flight replies: $ok x 200, $other other (000: refused before accepted)"
if curl -s -o /dev/null "$URL/healthz"; then
    echo "FAIL: still listening after SIGTERM"; exit 1
fi
echo "port closed after shutdown"
grep -c '"message":"request"' "$WORK/serve.log" | sed 's/^/access log lines: /'
[ "$status" = 0 ] || { echo "FAIL: exit status $status"; exit 1; }
echo "PASS 1"
