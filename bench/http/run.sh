#!/usr/bin/env bash
# HTTP load against a release server on a fresh database, with wrk (Debian package `wrk`).
# Reports requests/s of POST /v1/usage and POST /v1/check, each as a ratio to GET /healthz of
# the same server in the same run (the cost of HTTP itself).
# Usage: bench/http/run.sh [sqlite|postgres]   env: DURATION (10s), CONNECTIONS (64), THREADS (2)
set -euo pipefail
cd "$(dirname "$0")/../.."
backend="${1:-sqlite}"
bin="${CARGO_TARGET_DIR:-target}/release/tollgate"
[ -x "$bin" ] || cargo build --release -p tollgate-server
duration="${DURATION:-10s}" conns="${CONNECTIONS:-64}" threads="${THREADS:-2}"
work="$(mktemp -d)"
port=18282
key="tg_admin_bench$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
case "$backend" in
  sqlite) url="sqlite://$work/bench.db?mode=rwc" ;;
  postgres)
    db="tg_bench_$$"
    psql -q -h 127.0.0.1 -U postgres -d test -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
    url="postgres://postgres@127.0.0.1:5432/$db" ;;
  *) echo "sqlite or postgres" >&2; exit 2 ;;
esac
TOLLGATE_DATABASE_URL="$url" TOLLGATE_BIND="127.0.0.1:$port" TOLLGATE_ADMIN_KEY="$key" \
TOLLGATE_JOBS_INTERVAL_SECONDS=0 TOLLGATE_LOG=warn "$bin" serve >"$work/server.log" 2>&1 &
pid=$!
cleanup() {
  kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true
  [ "$backend" = postgres ] && psql -q -h 127.0.0.1 -U postgres -d test -c "DROP DATABASE IF EXISTS $db" || true
  rm -rf "$work"
}
trap cleanup EXIT
base="http://127.0.0.1:$port"
for _ in $(seq 1 60); do curl -fsS "$base/readyz" >/dev/null 2>&1 && break; sleep 0.5; done
# 64 customers with a limit high enough that nothing is refused.
for i in $(seq 0 63); do
  curl -fsS -H "Authorization: Bearer $key" -H "Content-Type: application/json" \
    -d "{\"id\":\"load-$i\",\"name\":\"Load $i\"}" "$base/v1/customers" >/dev/null
  curl -fsS -X PUT -H "Authorization: Bearer $key" -H "Content-Type: application/json" \
    -d '{"overrides":[{"feature":"api_calls","limit":null}],"addons":[]}' \
    "$base/v1/admin/customers/load-$i/overrides" >/dev/null
done
rps() { awk '/Requests\/sec/ {print $2}'; }
export TG_KEY="$key"
healthz=$(wrk -t"$threads" -c"$conns" -d"$duration" "$base/healthz" | rps)
check=$(wrk -t"$threads" -c"$conns" -d"$duration" -s bench/http/check.lua "$base" | rps)
usage_out=$(wrk -t"$threads" -c"$conns" -d"$duration" -s bench/http/usage.lua "$base" --latency)
usage=$(echo "$usage_out" | rps)
p99=$(echo "$usage_out" | awk '$1=="99%" {print $2}')
stored=$(curl -fsS -H "Authorization: Bearer $key" "$base/v1/admin/customers" | python3 -c 'import json,sys; print(sum(u["used"] for c in json.load(sys.stdin)["customers"] for u in c["usage"] if u["feature"]=="api_calls"))')
printf '%-28s %12s %8s\n' "route ($backend, $conns conns)" "requests/s" "ratio"
printf '%-28s %12s %8s\n' "GET /healthz (baseline)" "$healthz" "1.00"
printf '%-28s %12s %8.2f\n' "POST /v1/check" "$check" "$(echo "$check / $healthz" | bc -l)"
printf '%-28s %12s %8.2f   p99 %s\n' "POST /v1/usage" "$usage" "$(echo "$usage / $healthz" | bc -l)" "$p99"
echo "api_calls counted across customers after the run: $stored"
