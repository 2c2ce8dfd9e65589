#!/usr/bin/env bash
# Concurrent writes on PostgreSQL: the data stamp in one row (before) against
# the data stamp in sixteen slots (after). See bench/README.md.
#
# Every change in selfreg ends the same way: the changed record's row, an
# audit row, and the data stamp that tells every instance its kept pages are
# stale, all in one transaction. Before, the stamp was one row of `settings`
# that every write updated, so on PostgreSQL every write in every area held
# that row's lock until its commit and all writes queued there. Now a write
# moves one of sixteen slots chosen by the changed record's id.
#
# The script starts its own PostgreSQL cluster with the default durability
# settings (fsync on: a commit waits for the disk, which is how long the hot
# row stays locked), builds the tables of that transaction, and runs pgbench
# with each shape: writers on different records, as in normal use. It prints
# transactions per second and latency for each. Nothing else is started.
#
# Knobs: BENCH_PG_CLIENTS (32), BENCH_PG_SECONDS (15), BENCH_PG_RECORDS (10000).
set -euo pipefail
cd "$(dirname "$0")/.."

CLIENTS=${BENCH_PG_CLIENTS:-32}
SECONDS_EACH=${BENCH_PG_SECONDS:-15}
RECORDS=${BENCH_PG_RECORDS:-10000}

PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$PG_BIN" ] || [ ! -x "$PG_BIN/pgbench" ]; then
  echo "bench/pg_writes.sh: needs PostgreSQL's server and pgbench (Debian: apt-get install postgresql)"
  exit 1
fi
RUN_AS=()
if [ "$(id -u)" = 0 ]; then RUN_AS=(runuser -u postgres --); fi

WORK=$(mktemp -d /tmp/selfreg-pgbench.XXXXXX)
chmod 777 "$WORK"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
stop() {
  "${RUN_AS[@]}" "$PG_BIN/pg_ctl" -D "$WORK/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap stop EXIT
"${RUN_AS[@]}" "$PG_BIN/initdb" -D "$WORK/data" -A trust -U postgres -E UTF8 --locale=C.UTF-8 >/dev/null
"${RUN_AS[@]}" "$PG_BIN/pg_ctl" -D "$WORK/data" -l "$WORK/log" -w \
  -o "-p $PORT -k $WORK -c listen_addresses=127.0.0.1 -c max_connections=$((CLIENTS + 10))" start >/dev/null
PSQL=("$PG_BIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -q -v ON_ERROR_STOP=1)

"${PSQL[@]}" <<SQL
CREATE TABLE records (id BIGINT PRIMARY KEY, version INTEGER NOT NULL DEFAULT 1);
INSERT INTO records (id) SELECT g FROM generate_series(1, $RECORDS) g;
CREATE TABLE audit_log (
  id BIGSERIAL PRIMARY KEY, at TIMESTAMP NOT NULL, object_id BIGINT,
  action TEXT NOT NULL, after_json TEXT
);
CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT INTO settings VALUES ('dashboard_stamp', '0');
CREATE TABLE data_stamps (slot INTEGER PRIMARY KEY, n BIGINT NOT NULL DEFAULT 0);
INSERT INTO data_stamps (slot) SELECT g FROM generate_series(0, 15) g;
SQL

cat >"$WORK/one_row.sql" <<'SQL'
\set id random(1, :records)
BEGIN;
UPDATE records SET version = version + 1 WHERE id = :id;
INSERT INTO audit_log (at, object_id, action, after_json) VALUES (now(), :id, 'update', '{"state":"draft"}');
UPDATE settings SET value = (value::bigint + 1)::text WHERE key = 'dashboard_stamp';
END;
SQL
cat >"$WORK/slots.sql" <<'SQL'
\set id random(1, :records)
BEGIN;
UPDATE records SET version = version + 1 WHERE id = :id;
INSERT INTO audit_log (at, object_id, action, after_json) VALUES (now(), :id, 'update', '{"state":"draft"}');
UPDATE data_stamps SET n = n + 1 WHERE slot = :id % 16;
END;
SQL

run() {
  local name=$1 file=$2 out
  out=$("$PG_BIN/pgbench" -h 127.0.0.1 -p "$PORT" -U postgres -n -c "$CLIENTS" -j 2 -T "$SECONDS_EACH" \
    -D records="$RECORDS" -f "$file" postgres 2>&1)
  local tps lat
  tps=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' <<<"$out" | head -n 1)
  lat=$(sed -n 's/^latency average = \([0-9.]*\) ms/\1/p' <<<"$out")
  printf '%-34s %10s %14s\n' "$name" "$tps" "$lat"
}

echo "PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}'), $CLIENTS clients, ${SECONDS_EACH}s each, writers on $RECORDS records, fsync on"
printf '%-34s %10s %14s\n' "data stamp" "writes/s" "latency ms"
run "one row in settings (before)" "$WORK/one_row.sql"
run "sixteen slots (after)" "$WORK/slots.sql"
