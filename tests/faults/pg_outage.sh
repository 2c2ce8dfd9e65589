#!/usr/bin/env bash
# Fault test: PostgreSQL goes away under load and comes back.
# Pages and /healthz must answer 503 within a few seconds during the outage (no
# hang, no crash), and the site must serve again within 10 s of the database
# returning, without restarting selfreg.
# Needs: SELFREG_BIN, PG_BIN, PG_DATA, PG_PORT, PG_SOCKDIR, PG_URL (a database it may use).
set -euo pipefail
: "${SELFREG_BIN:?}" "${PG_BIN:?}" "${PG_DATA:?}" "${PG_PORT:?}" "${PG_SOCKDIR:?}" "${PG_URL:?}"

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
log=$(mktemp)
"$SELFREG_BIN" --database-url "$PG_URL" --bind "127.0.0.1:$port" >"$log" 2>&1 &
pid=$!
cleanup() { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -f "$log"; }
trap cleanup EXIT
pg_start() { su postgres -c "$PG_BIN/pg_ctl -D $PG_DATA -o '-p $PG_PORT -k $PG_SOCKDIR -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=off' -l $PG_DATA/../log -w start" >/dev/null; }
pg_stop() { su postgres -c "$PG_BIN/pg_ctl -D $PG_DATA -m fast -w stop" >/dev/null; }

for _ in $(seq 1 100); do curl -fs "$base/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
curl -fs "$base/healthz" | grep -qx ok

# Background load during the whole test.
( end=$((SECONDS + 25)); while [ $SECONDS -lt $end ]; do curl -s -o /dev/null -m 10 "$base/standards" || true; done ) &
load=$!

pg_stop
fail=0
for path in /healthz /standards /standards/1; do
  out=$(curl -s -o /dev/null -m 8 -w '%{http_code} %{time_total}' "$base$path")
  code=${out% *}; secs=${out#* }
  echo "during outage: $path -> $code in ${secs}s"
  if [ "$code" != 503 ]; then echo "FAIL: expected 503 for $path"; fail=1; fi
  if python3 -c "import sys; sys.exit(0 if float('$secs') <= 5 else 1)"; then :; else echo "FAIL: $path took ${secs}s"; fail=1; fi
done
kill -0 "$pid" || { echo "FAIL: selfreg died during the outage"; exit 1; }

pg_start
t0=$SECONDS
recovered=0
while [ $((SECONDS - t0)) -le 10 ]; do
  code=$(curl -s -o /dev/null -m 5 -w "%{http_code}" "$base/standards" || true); echo "  after restart +$((SECONDS - t0))s: $code"
  if [ "$code" = 200 ]; then recovered=1; took=$((SECONDS - t0)); break; fi
  sleep 0.2
done
wait "$load" || true
if [ $recovered = 1 ]; then echo "serving again ${took}s after PostgreSQL came back"; else echo "FAIL: not serving 10 s after PostgreSQL came back"; fail=1; fi
if grep -q "panicked" "$log"; then echo "FAIL: a panic was logged"; fail=1; fi
[ $fail = 0 ] && echo "pg_outage: 1 passed, 0 failed" || { echo "pg_outage: 0 passed, 1 failed"; exit 1; }
