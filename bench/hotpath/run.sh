#!/usr/bin/env bash
# The Redis hot path against its baseline, on this machine, in one run:
#   - redis-benchmark running the server's own Lua scripts by EVALSHA (fenced_read for a check,
#     fenced_consume with a fresh guard for a usage event) against the same Redis;
#   - wrk against one `tollgate serve` on PostgreSQL + Redis: POST /v1/check and POST /v1/usage
#     (durable: answered after the event is committed), spread over 64 customers.
# Prints a markdown table: requests/s, p50/p99/p99.9 in ms, and the ratio to the baseline.
#
# Usage: bash bench/hotpath/run.sh      (or: just bench-hotpath)
#   env: DURATION (10s), CONNECTIONS (64), THREADS (2), REDIS_URL (redis://127.0.0.1:6379)
# Needs wrk (Debian package, installed if missing), redis-benchmark and psql.
set -euo pipefail
cd "$(dirname "$0")/../.."
here="$PWD/bench/hotpath"
duration="${DURATION:-10s}" conns="${CONNECTIONS:-64}" threads="${THREADS:-2}"
redis_host=127.0.0.1 redis_port=6379
command -v wrk >/dev/null || { apt-get install -y -qq wrk >/dev/null || sudo apt-get install -y -qq wrk >/dev/null; }
cargo build --release -q -p tollgate-server
bin="${CARGO_TARGET_DIR:-target}/release/tollgate"
work="$(mktemp -d)"
prefix="tg-bench-$$"
db="tg_bench_hot_$$"
key="tg_admin_bench$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
psql -q -h 127.0.0.1 -U postgres -d test -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
port=18383
TOLLGATE_DATABASE_URL="postgres://postgres@127.0.0.1:5432/$db" TOLLGATE_BIND="127.0.0.1:$port" \
TOLLGATE_REDIS_URL="redis://$redis_host:$redis_port" TOLLGATE_REDIS_PREFIX="$prefix" \
TOLLGATE_ADMIN_KEY="$key" TOLLGATE_JOBS_INTERVAL_SECONDS=0 TOLLGATE_LOG=warn \
  "$bin" serve >"$work/server.log" 2>&1 &
pid=$!
cleanup() {
  kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true
  psql -q -h 127.0.0.1 -U postgres -d test -c "DROP DATABASE IF EXISTS $db" || true
  redis-cli -h $redis_host -p $redis_port --scan --pattern "$prefix:*" | xargs -r -n 500 redis-cli -h $redis_host -p $redis_port UNLINK >/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
base="http://127.0.0.1:$port"
for _ in $(seq 1 120); do curl -fsS "$base/readyz" >/dev/null 2>&1 && break; sleep 0.5; done
curl -fsS "$base/readyz" | grep -q '"counters":"redis"' || { echo "server is not on Redis" >&2; cat "$work/server.log" >&2; exit 1; }
for i in $(seq 0 63); do
  curl -fsS -H "Authorization: Bearer $key" -H "Content-Type: application/json" \
    -d "{\"id\":\"load-$i\",\"name\":\"Load $i\"}" "$base/v1/customers" >/dev/null
  curl -fsS -X PUT -H "Authorization: Bearer $key" -H "Content-Type: application/json" \
    -d '{"overrides":[{"feature":"api_calls","limit":1000000000000}],"addons":[]}' \
    "$base/v1/admin/customers/load-$i/overrides" >/dev/null
  # Loads each customer's counters into Redis (the first use does).
  curl -fsS -H "Authorization: Bearer $key" -H "Content-Type: application/json" \
    -d "{\"customer\":\"load-$i\",\"feature\":\"api_calls\",\"quantity\":1}" "$base/v1/check" >/dev/null
done

# The baseline: the same scripts, loaded the way the server loads them, on a customer of its own.
lua="crates/store-redis/src/lua"
read_sha=$(cat "$lua/fence.lua" "$lua/fenced_read.lua" | redis-cli -h $redis_host -p $redis_port -x SCRIPT LOAD)
consume_sha=$(cat "$lua/int64.lua" "$lua/fence.lua" "$lua/fenced_consume.lua" | redis-cli -h $redis_host -p $redis_port -x SCRIPT LOAD)
month=$(date -u +m%Y%m)
ek="$prefix:{bench}:#epoch" ck="$prefix:{bench}:api_calls:$month"
redis-cli -h $redis_host -p $redis_port SET "$ek" 1 >/dev/null
rb() { redis-benchmark -h $redis_host -p $redis_port -c "$conns" --threads "$threads" --precision 3 -n "$1" -r 1000000000 "${@:2}"; }
summary() { awk '/throughput summary/ {rps=$3} /latency summary/ {getline; getline; print rps, $3, $5}'; }
n=$((200000))
read rb_check rb_check_p50 rb_check_p99 < <(rb $n EVALSHA "$read_sha" 2 "$ek" "$ck" 1 | summary)
read rb_usage rb_usage_p50 rb_usage_p99 < <(rb $n EVALSHA "$consume_sha" 3 "$ek" "$ck" "$prefix:{bench}:#g:__rand_int__" 1 1 "" 0 "" 10000 | summary)

export TG_KEY="$key" TG_BENCH_DIR="$here" TG_CUSTOMERS=64
run_wrk() { wrk -t"$threads" -c"$conns" -d"$duration" -s "$here/$1" "$base" | awk '/Requests\/sec/ {rps=$2} /^PERCENTILES/ {print rps, $2, $3, $4, $5, $6}' | sed 's/p50=//; s/p99=//; s/p999=//; s/errors=//; s/non2xx=//'; }
read check check_p50 check_p99 check_p999 check_err check_non2xx < <(run_wrk check.lua)
read usage usage_p50 usage_p99 usage_p999 usage_err usage_non2xx < <(run_wrk usage.lua)

events=$(psql -qtA -h 127.0.0.1 -U postgres -d "$db" -c "SELECT count(*) FROM usage_events")
echo
echo "| what | requests/s | p50 ms | p99 ms | p99.9 ms | vs baseline |"
echo "|---|---:|---:|---:|---:|---:|"
printf '| redis-benchmark EVALSHA fenced_read (baseline of a check) | %.0f | %s | %s | | 1.00 |\n' "$rb_check" "$rb_check_p50" "$rb_check_p99"
printf '| HTTP POST /v1/check | %.0f | %s | %s | %s | %.2f |\n' "$check" "$check_p50" "$check_p99" "$check_p999" "$(echo "$check / $rb_check" | bc -l)"
printf '| redis-benchmark EVALSHA fenced_consume (baseline of a usage event) | %.0f | %s | %s | | 1.00 |\n' "$rb_usage" "$rb_usage_p50" "$rb_usage_p99"
printf '| HTTP POST /v1/usage (durable, PostgreSQL group commit) | %.0f | %s | %s | %s | %.2f |\n' "$usage" "$usage_p50" "$usage_p99" "$usage_p999" "$(echo "$usage / $rb_usage" | bc -l)"
echo
echo "connections $conns, wrk/redis-benchmark threads $threads, $(nproc) cores shared by the load generator, the server, Redis and PostgreSQL"
echo "errors: check $check_err/$check_non2xx non-2xx, usage $usage_err/$usage_non2xx non-2xx; usage events stored: $events (64 loads excluded: checks store nothing)"
