#!/usr/bin/env bash
# The web UI's pages under load, on a release server over a fresh SQLite file, with wrk
# (Debian package `wrk`). Reports requests/s of each page as a ratio to GET /healthz of the
# same server in the same run (the cost of HTTP itself) and to GET /v1/plans (the catalog the
# pricing page shows, as JSON: the database reads without the page), and the HTML size of each.
# The usage dashboard is measured for a customer with USAGE_EVENTS events this month (its
# charts read the usage log grouped per day).
# Usage: bench/ui/run.sh     env: DURATION (10s), CONNECTIONS (32), THREADS (2), USAGE_EVENTS (20000)
set -euo pipefail
cd "$(dirname "$0")/../.."
bin="${CARGO_TARGET_DIR:-target}/release/tollgate"
[ -x "$bin" ] || cargo build --release -p tollgate-server
duration="${DURATION:-10s}" conns="${CONNECTIONS:-32}" threads="${THREADS:-2}" events="${USAGE_EVENTS:-20000}"
work="$(mktemp -d)"
port=18283
key="tg_admin_bench$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
TOLLGATE_DATABASE_URL="sqlite://$work/bench.db?mode=rwc" TOLLGATE_BIND="127.0.0.1:$port" \
TOLLGATE_ADMIN_KEY="$key" TOLLGATE_JOBS_INTERVAL_SECONDS=0 TOLLGATE_LOG=warn "$bin" serve >"$work/server.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -rf "$work"' EXIT
base="http://127.0.0.1:$port"
for _ in $(seq 1 60); do curl -fsS "$base/readyz" >/dev/null 2>&1 && break; sleep 0.5; done
json=(-H "Content-Type: application/json" -H "Authorization: Bearer $key")
curl -fsS "${json[@]}" -d '{"id":"bench","name":"Bench Inc"}' "$base/v1/customers" >/dev/null
curl -fsS -X PUT "${json[@]}" -d '{"overrides":[{"feature":"api_calls","limit":null}],"addons":[]}' \
  "$base/v1/admin/customers/bench/overrides" >/dev/null
# The month's usage, in batches of 1,000.
python3 - "$base" "$key" "$events" <<'PY'
import json, sys, urllib.request
base, key, total = sys.argv[1], sys.argv[2], int(sys.argv[3])
sent = 0
while sent < total:
    n = min(1000, total - sent)
    body = {"events": [{"customer": "bench", "feature": "api_calls", "quantity": 1,
                        "idempotency_key": f"ui-bench-{sent + i}"} for i in range(n)]}
    req = urllib.request.Request(f"{base}/v1/usage/batch", data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {key}"})
    urllib.request.urlopen(req).read()
    sent += n
PY
link=$(curl -fsS "${json[@]}" -d '{"user_id":"bench-owner","role":"owner"}' "$base/v1/customers/bench/sessions" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["url"])')
cookie=$(curl -fsS -o /dev/null -D - "$link" | awk -F'[ ;]' 'tolower($1)=="set-cookie:" && $2 ~ /^tg_session=/ {print $2}')
[ -n "$cookie" ] || { echo "no session cookie from the link" >&2; exit 1; }
rps() { awk '/Requests\/sec/ {print $2}'; }
size() { curl -fsS -H "Cookie: $cookie" "$base$1" | wc -c; }
healthz=$(wrk -t"$threads" -c"$conns" -d"$duration" "$base/healthz" | rps)
plans=$(wrk -t"$threads" -c"$conns" -d"$duration" "$base/v1/plans" | rps)
printf '%-30s %12s %10s %10s %10s\n' "page ($conns conns)" "requests/s" "/healthz" "/v1/plans" "HTML bytes"
printf '%-30s %12s %10s %10s %10s\n' "GET /healthz" "$healthz" "1.00" "-" "-"
printf '%-30s %12s %10.3f %10s %10s\n' "GET /v1/plans (JSON)" "$plans" "$(echo "$plans / $healthz" | bc -l)" "1.00" "-"
for page in /pricing /app/usage /app/billing; do
  r=$(wrk -t"$threads" -c"$conns" -d"$duration" -H "Cookie: $cookie" "$base$page" | rps)
  printf '%-30s %12s %10.3f %10.2f %10s\n' "GET $page" "$r" "$(echo "$r / $healthz" | bc -l)" "$(echo "$r / $plans" | bc -l)" "$(size "$page")"
done
echo "usage events of the dashboard's customer this month: $events"
