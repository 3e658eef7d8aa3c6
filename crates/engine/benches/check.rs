//! In-process throughput of the hot path on the in-memory adapters: `Engine::check` (consumes
//! nothing) and `Engine::record_usage` (each event with its own idempotency key), one caller at
//! a time on a current-thread runtime. Criterion reports time per call; 1 s ÷ that time is
//! calls per second for one core.
//!
//! ```sh
//! cargo bench -p tollgate-engine --bench check             # about 20 s
//! cargo bench -p tollgate-engine --bench check -- --quick  # a few seconds
//! cargo bench -p tollgate-engine --bench check -- check    # only the check group
//! ```
//!
//! Setup: `Engine::in_memory`, the demo catalog (`fixtures/catalogs/saas.toml`), one customer
//! on the default plan (Hobby: `api_calls` metered, 1,000 a month, hard). For `record_usage`
//! the customer's `api_calls` limit is overridden to unlimited, so every event is accepted
//! however many iterations criterion runs.

#![allow(clippy::expect_used, missing_docs)]

use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use tokio::runtime::Runtime;
use tollgate_billing_fake::FakeBilling;
use tollgate_engine::{Caller, Engine, NewCustomer, RecordUsage};
use tollgate_kernel::{CustomerId, FeatureCode, SystemClock};
use tollgate_plans::{CustomerOverrides, Override};

const CATALOG: &str = include_str!("../../../fixtures/catalogs/saas.toml");
const CUSTOMER: &str = "bench-co";
const FEATURE: &str = "api_calls";

fn runtime() -> Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime")
}

/// An in-memory engine with the demo catalog and one customer on the default plan.
async fn bench_engine(unlimited: bool) -> Engine {
    let clock = Arc::new(SystemClock::new());
    let billing = Arc::new(FakeBilling::new("http://localhost:8080"));
    let (engine, _stores) = Engine::in_memory(clock.clone(), Some(clock), billing);
    let catalog = tollgate_plans::Catalog::from_toml_str(CATALOG).expect("demo catalog parses");
    let caller = Caller::new("bench");
    engine
        .seed_catalog(&catalog, &caller)
        .await
        .expect("catalog seeded");
    let id: CustomerId = CUSTOMER.parse().expect("customer id");
    engine
        .create_customer(
            NewCustomer {
                id: id.clone(),
                name: "Bench Co".into(),
                email: None,
                currency: None,
            },
            &caller,
        )
        .await
        .expect("customer created");
    if unlimited {
        let mut o = Override::new(FEATURE.parse().expect("feature code"));
        o.limit = Some(None);
        engine
            .put_overrides(
                &id,
                CustomerOverrides {
                    overrides: vec![o],
                    addons: vec![],
                },
                &caller,
            )
            .await
            .expect("override stored");
    }
    engine
}

fn bench_check(c: &mut Criterion) {
    let rt = runtime();
    let engine = rt.block_on(bench_engine(false));
    let customer: CustomerId = CUSTOMER.parse().expect("customer id");
    let feature: FeatureCode = FEATURE.parse().expect("feature code");
    let first = rt
        .block_on(engine.check(&customer, &feature, 1))
        .expect("check answers");
    assert!(first.allowed, "{first:?}");

    // As the server runs it: resolved entitlements reused for a second. (An engine of its own:
    // clones of an engine share their context cache.)
    let cached = rt
        .block_on(bench_engine(false))
        .with_context_cache(Duration::from_secs(1));
    let mut g = c.benchmark_group("check");
    g.throughput(Throughput::Elements(1));
    g.bench_function("metered api_calls, quantity 1", |b| {
        b.to_async(&rt).iter(|| async {
            let a = engine
                .check(black_box(&customer), black_box(&feature), 1)
                .await
                .expect("check answers");
            black_box(a)
        });
    });
    g.bench_function("metered api_calls, quantity 1, context cache", |b| {
        b.to_async(&rt).iter(|| async {
            let a = cached
                .check(black_box(&customer), black_box(&feature), 1)
                .await
                .expect("check answers");
            black_box(a)
        });
    });
    g.finish();
}

fn bench_record_usage(c: &mut Criterion) {
    let rt = runtime();
    let engine = rt.block_on(bench_engine(true));
    let customer: CustomerId = CUSTOMER.parse().expect("customer id");
    let feature: FeatureCode = FEATURE.parse().expect("feature code");
    let caller = Caller::new("bench");
    let seq = AtomicU64::new(0);

    let mut g = c.benchmark_group("record_usage");
    g.throughput(Throughput::Elements(1));
    g.bench_function("metered api_calls, distinct keys", |b| {
        b.to_async(&rt).iter(|| async {
            let n = seq.fetch_add(1, Ordering::Relaxed);
            let req = RecordUsage {
                customer: customer.clone(),
                feature: feature.clone(),
                quantity: 1,
                idempotency_key: format!("bench-{n}").parse().expect("idempotency key"),
                occurred_at: None,
                properties: None,
            };
            let (answer, created) = engine
                .record_usage(black_box(req), &caller)
                .await
                .expect("usage recorded");
            assert!(created);
            black_box(answer)
        });
    });
    g.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4))
        .sample_size(50)
}

criterion_group! {
    name = benches;
    config = config();
    targets = bench_check, bench_record_usage
}
criterion_main!(benches);
