#!/usr/bin/env bash
# Two selfreg instances on one PostgreSQL behind nginx (round-robin), the app
# connecting as a role without DDL rights; then tests/deploy/check.py drives
# them through nginx (sign-in and actions across instances, upload and
# download across instances, a change seen through both within a second, one
# instance killed under load).
# Needs: SELFREG_BIN, nginx on the PATH (or /usr/sbin), PostgreSQL reachable as
# the superuser `postgres` without a password at PG_HOST:PG_PORT (default 127.0.0.1:5432).
set -euo pipefail
: "${SELFREG_BIN:?}"
PG_HOST="${PG_HOST:-127.0.0.1}"
PG_PORT="${PG_PORT:-5432}"
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
HERE="$(cd "$(dirname "$0")" && pwd)"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
psql_su() { psql -X -q -v ON_ERROR_STOP=1 -h "$PG_HOST" -p "$PG_PORT" -U postgres "$@"; }

DIR=$(mktemp -d /tmp/selfreg-deploy.XXXXXX)
chmod 755 "$DIR"
mkdir -p "$DIR/tmp"; chmod 777 "$DIR/tmp"
DB="selfreg_deploy_$$"
OWNER="selfreg_owner_$$"
APP="selfreg_app_$$"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  psql_su -c "DROP DATABASE IF EXISTS $DB" -c "DROP ROLE IF EXISTS $APP" -c "DROP ROLE IF EXISTS $OWNER" >/dev/null 2>&1 || true
  if [ "${KEEP_DEPLOY_DIR:-}" = 1 ]; then echo "left in $DIR"; else rm -rf "$DIR"; fi
}
trap cleanup EXIT

echo "-- roles: $OWNER owns the schema; $APP reads and writes rows only"
psql_su -c "CREATE ROLE $OWNER LOGIN" -c "CREATE ROLE $APP LOGIN" -c "CREATE DATABASE $DB OWNER $OWNER"
psql_su -d "$DB" -c "REVOKE CREATE ON SCHEMA public FROM PUBLIC" -c "ALTER SCHEMA public OWNER TO $OWNER"
OWNER_URL="postgres://$OWNER@$PG_HOST:$PG_PORT/$DB"
APP_URL="postgres://$APP@$PG_HOST:$PG_PORT/$DB"
export SELFREG_SECRET_KEY="deploy-test-secret-key-0123456789abcdef"

echo "-- migrations as the owner"
if "$SELFREG_BIN" migrate --help >/dev/null 2>&1; then
  "$SELFREG_BIN" --database-url "$OWNER_URL" migrate
fi
# The demo data (accounts, pledges, periods) for the journeys: one start as the owner on loopback.
# (Before `selfreg migrate` existed this start was also what applied the migrations.)
port=$(free_port)
"$SELFREG_BIN" --database-url "$OWNER_URL" --bind "127.0.0.1:$port" >"$DIR/owner.log" 2>&1 &
owner=$!
for _ in $(seq 1 300); do curl -fs -o /dev/null "http://127.0.0.1:$port/healthz" && break; sleep 0.1; done
curl -fs -o /dev/null "http://127.0.0.1:$port/healthz" || { cat "$DIR/owner.log"; echo "FAIL: the owner's start failed"; exit 1; }
kill "$owner"; wait "$owner" || true

echo "-- grants to the app role (and to tables later migrations create)"
psql_su -d "$DB" <<SQL
GRANT CONNECT ON DATABASE $DB TO $APP;
GRANT USAGE ON SCHEMA public TO $APP;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO $APP;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO $APP;
ALTER DEFAULT PRIVILEGES FOR ROLE $OWNER IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO $APP;
ALTER DEFAULT PRIVILEGES FOR ROLE $OWNER IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO $APP;
SQL
if psql -X -q -h "$PG_HOST" -p "$PG_PORT" -U "$APP" -d "$DB" -c "CREATE TABLE deploy_probe (i int)" >/dev/null 2>&1; then
  echo "FAIL: the app role can create tables"; exit 1
fi

echo "-- two instances as the app role"
PORT_A=$(free_port); PORT_B=$(free_port); PORT_N=$(free_port)
for inst in a b; do
  p=$PORT_A; [ $inst = b ] && p=$PORT_B
  "$SELFREG_BIN" --database-url "$APP_URL" --bind "127.0.0.1:$p" --no-demo --trust-proxy \
      --public-url "http://127.0.0.1:$PORT_N" --workers 2 --db-pool-size 6 >"$DIR/$inst.log" 2>&1 &
  pids+=($!)
  echo $! >"$DIR/$inst.pid"
done
for p in $PORT_A $PORT_B; do
  for _ in $(seq 1 300); do curl -fs -o /dev/null "http://127.0.0.1:$p/healthz" && break; sleep 0.1; done
  curl -fs -o /dev/null "http://127.0.0.1:$p/healthz" || { cat "$DIR"/a.log "$DIR"/b.log; echo "FAIL: an instance did not start as the app role"; exit 1; }
done

echo "-- nginx round-robin on 127.0.0.1:$PORT_N"
sed -e "s|@DIR@|$DIR|g" -e "s|@PORT@|$PORT_N|g" -e "s|@A@|127.0.0.1:$PORT_A|g" -e "s|@B@|127.0.0.1:$PORT_B|g" \
    "$HERE/nginx.conf.in" >"$DIR/nginx.conf"
"$NGINX" -p "$DIR" -c "$DIR/nginx.conf" -g "daemon off;" &
pids+=($!)
# The instance killed under load is gone already when cleanup runs.
disown "$(cat "$DIR/b.pid")"
for _ in $(seq 1 100); do curl -fs -o /dev/null "http://127.0.0.1:$PORT_N/healthz" && break; sleep 0.1; done

fail=0
NGINX_URL="http://127.0.0.1:$PORT_N" A_URL="127.0.0.1:$PORT_A" B_URL="127.0.0.1:$PORT_B" B_PID=$(cat "$DIR/b.pid") \
    python3 "$HERE/check.py" || fail=1
if grep -q "panicked" "$DIR/a.log" "$DIR/b.log"; then echo "FAIL: a panic was logged"; fail=1; fi
if [ $fail = 0 ]; then
  echo "deploy: 1 passed, 0 failed"
else
  echo "--- instance a log (tail)"; tail -n 30 "$DIR/a.log"; echo "--- instance b log (tail)"; tail -n 30 "$DIR/b.log"
  echo "--- nginx error log (tail)"; tail -n 20 "$DIR/nginx-error.log" 2>/dev/null || true
  echo "deploy: 0 passed, 1 failed"; exit 1
fi
