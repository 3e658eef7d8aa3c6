#!/usr/bin/env bash
# Usage ingest through HTTP (POST /v1/usage/batch) against PostgreSQL's own COPY of the same rows
# into the same table: how far the server's ingest path is from the database's bulk-load rate.
#
# Usage:  bash bench/ingest/run.sh            (or: just bench-ingest-http)
#   env:  EVENTS (200000)       events sent, and rows copied
#         BATCH (1000)          events per request (the server's maximum is 1,000)
#         CONCURRENCY (32)      requests in flight at once
#         PGHOST/PGPORT/PGUSER  PostgreSQL (127.0.0.1 / 5432 / postgres, trust auth)
#
# What it does, in order:
#   1. builds the release server (`cargo build --release -p tollgate-server`, CARGO_TARGET_DIR
#      honoured) and a Python venv at bench/.venv with aiohttp, if missing;
#   2. creates a fresh database tg_bench_ingest_<pid> (dropped on exit, whatever happens) and
#      starts `tollgate serve` on it: demo mode, demo catalog, background jobs off;
#   3. creates one customer (default plan) with its `api_calls` limit overridden to unlimited;
#   4. bench/ingest/load.py sends EVENTS events in requests of BATCH, each event with its own
#      idempotency key, CONCURRENCY requests at a time; every event must answer 201;
#   5. checks that usage_events holds exactly EVENTS rows and the customer's counter EVENTS units;
#   6. stops the server (the baseline gets the machine to itself), writes EVENTS rows shaped like
#      the first stored event (same columns and JSON, distinct id and idempotency key) to a CSV
#      file, empties usage_events, and times `\copy usage_events FROM` that file (one psql
#      session, indexes in place: the same table the server wrote to, from empty); then checks
#      the row count again;
#   7. prints a markdown table: method, events, seconds, events/s, ratio to COPY.
#
# The HTTP timing is the load program's: first request sent to last answer read (request bodies
# are built before). The COPY timing is psql's wall time, connection included.
# The load generator, the server and PostgreSQL share the machine: read the ratio, not the
# absolute numbers, and run it on an otherwise idle machine.
set -euo pipefail
cd "$(dirname "$0")/../.."

events="${EVENTS:-200000}" batch="${BATCH:-1000}" concurrency="${CONCURRENCY:-32}"
export PGHOST="${PGHOST:-127.0.0.1}" PGPORT="${PGPORT:-5432}" PGUSER="${PGUSER:-postgres}"
fail() { echo "bench/ingest: FAILED: $*" >&2; exit 1; }

cargo build --release -p tollgate-server
bin="${CARGO_TARGET_DIR:-target}/release/tollgate"
[ -x "$bin" ] || fail "no server binary at $bin"

venv=bench/.venv
if ! "$venv/bin/python" -c 'import aiohttp' 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "aiohttp>=3.9,<4"
fi

work="$(mktemp -d)"
db="tg_bench_ingest_$$"
port=18283
key="tg_admin_bench$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
customer="ingest"
pid=""
psql_db() { psql -X -q -v ON_ERROR_STOP=1 -d "$db" "$@"; }
stop_server() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; pid=""; fi
}
cleanup() {
  stop_server
  psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" || true
  rm -rf "$work"
}
trap cleanup EXIT

psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
TOLLGATE_DATABASE_URL="postgres://$PGUSER@$PGHOST:$PGPORT/$db" TOLLGATE_BIND="127.0.0.1:$port" \
TOLLGATE_ADMIN_KEY="$key" TOLLGATE_JOBS_INTERVAL_SECONDS=0 TOLLGATE_LOG=warn \
  "$bin" serve >"$work/server.log" 2>&1 &
pid=$!
base="http://127.0.0.1:$port"
for _ in $(seq 1 120); do curl -fsS "$base/readyz" >/dev/null 2>&1 && break; sleep 0.5; done
curl -fsS "$base/readyz" >/dev/null || { cat "$work/server.log" >&2; fail "server not ready"; }

auth=(-H "Authorization: Bearer $key" -H "Content-Type: application/json")
curl -fsS "${auth[@]}" -d "{\"id\":\"$customer\",\"name\":\"Ingest bench\"}" "$base/v1/customers" >/dev/null
curl -fsS -X PUT "${auth[@]}" -d '{"overrides":[{"feature":"api_calls","limit":null}],"addons":[]}' \
  "$base/v1/admin/customers/$customer/overrides" >/dev/null

echo "bench/ingest: $events events, $batch per request, $concurrency in flight -> $base" >&2
if ! http_json=$("$venv/bin/python" bench/ingest/load.py --base "$base" --key "$key" \
    --customer "$customer" --events "$events" --batch "$batch" --concurrency "$concurrency"); then
  echo "$http_json" >&2; tail -20 "$work/server.log" >&2; fail "load program"
fi
field() { python3 -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$http_json" "$1"; }
http_s=$(field seconds) http_accepted=$(field accepted) p50=$(field p50_ms) p99=$(field p99_ms)

rows=$(psql_db -At -c "SELECT count(*) FROM usage_events")
[ "$rows" = "$events" ] || fail "usage_events holds $rows rows after sending $events events"
[ "$http_accepted" = "$events" ] || fail "$http_accepted of $events events answered 201"
used=$(curl -fsS "${auth[@]}" "$base/v1/customers/$customer/entitlements" |
  python3 -c 'import json,sys; print(next(e["used"] for e in json.load(sys.stdin)["entitlements"] if e["feature"]=="api_calls"))')
[ "$used" = "$events" ] || fail "the api_calls counter holds $used after $events events"
stop_server

# The baseline's rows: the first stored event, EVENTS times, with distinct id and key.
cols="id, customer, feature, quantity, delta, window_key, occurred_at, recorded_at, idempotency_key, properties, answer, billable, cost_amount, cost_currency"
psql_db -c "\\copy (SELECT t.id || '-c' || g, t.customer, t.feature, t.quantity, t.delta, t.window_key, t.occurred_at, t.recorded_at, t.idempotency_key || '-c' || g, t.properties, jsonb_set(t.answer, '{id}', to_jsonb(t.id || '-c' || g)), t.billable, t.cost_amount, t.cost_currency FROM (SELECT * FROM usage_events ORDER BY id LIMIT 1) t, generate_series(1, $events) g) TO '$work/rows.csv' WITH (FORMAT csv)"
psql_db -c "TRUNCATE usage_events" -c "CHECKPOINT"
t0=$(date +%s.%N)
psql_db -c "\\copy usage_events ($cols) FROM '$work/rows.csv' WITH (FORMAT csv)"
t1=$(date +%s.%N)
copy_s=$(echo "$t1 - $t0" | bc -l)
rows=$(psql_db -At -c "SELECT count(*) FROM usage_events")
[ "$rows" = "$events" ] || fail "usage_events holds $rows rows after copying $events"

rate() { echo "$events / $1" | bc -l; }
http_rate=$(rate "$http_s") copy_rate=$(rate "$copy_s")
echo
echo "| method | events | seconds | events/s | ratio to COPY | p50 / p99 per request |"
echo "|---|---|---|---|---|---|"
printf '| HTTP POST /v1/usage/batch (%s per request, %s in flight) | %s | %.2f | %.0f | %.3f | %s ms / %s ms |\n' \
  "$batch" "$concurrency" "$events" "$http_s" "$http_rate" "$(echo "$http_rate / $copy_rate" | bc -l)" "$p50" "$p99"
printf '| PostgreSQL COPY into usage_events (baseline) | %s | %.2f | %.0f | 1.000 | |\n' \
  "$events" "$copy_s" "$copy_rate"
echo
echo "Checked: $events events answered 201, usage_events held $events rows after each method, the api_calls counter $used."
