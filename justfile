# Everyday commands. Each is also written as plain cargo in the README.

# run the server on the embedded default (SQLite, fake billing, demo catalog)
run:
    cargo run --release

# the whole test suite (what CI runs)
test:
    cargo test --workspace --all-features

# formatting and lints, as CI checks them
lint:
    cargo fmt --all --check
    cargo clippy --workspace --all-targets --all-features -- -D warnings

# apply the schema migrations to TOLLGATE_DATABASE_URL (default: the SQLite file tollgate.db)
migrate:
    cargo run --release -- migrate

# record-usage throughput on PostgreSQL: one transaction per event vs group commit vs pgbench
bench-ingest:
    cargo bench -p tollgate-store-sql --bench ingest

# everything CI does, services included
ci:
    bash .ci/run

# HTTP throughput of check and usage vs GET /healthz, on a release server (needs wrk)
bench-http backend="sqlite":
    bash bench/http/run.sh {{backend}}

# POST /v1/usage/batch (1,000 events a request) on PostgreSQL vs COPY of the same rows
bench-ingest-http:
    bash bench/ingest/run.sh

# schemathesis against the running server's /openapi.json (what CI runs after the tests)
fuzz-api:
    cargo build -p tollgate-server
    bash .ci/schemathesis

# The Redis hot path vs redis-benchmark of the same scripts (PostgreSQL + Redis, wrk)
bench-hotpath:
    bash bench/hotpath/run.sh

# A Stripe webhook's signature check against one HMAC of the body, and its decoding (criterion)
bench-webhook:
    cargo bench -p tollgate-billing-stripe --bench webhook

# The web UI's pages (pricing, usage dashboard, billing) vs GET /healthz, on a release server (needs wrk)
bench-ui:
    bash bench/ui/run.sh
