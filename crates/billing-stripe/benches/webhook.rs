//! The CPU cost of a Stripe webhook in Tollgate: verifying `Stripe-Signature` on the raw body
//! (before anything is stored) against computing one HMAC-SHA256 of the same bytes (the floor),
//! and decoding the event into a billing event (when it is processed).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use tollgate_billing::{BillingError, Customer, EventDecoder, ProviderDirectory};
use tollgate_billing_stripe::{RetryPolicy, StripeBilling, StripeConfig, signature};
use tollgate_kernel::{Interval, PlanCode};

const SECRET: &str = "whsec_bench";

fn payload() -> Vec<u8> {
    std::fs::read(format!(
        "{}/../../fixtures/stripe/events/life_04_upgraded.json",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

#[derive(Debug)]
struct Nobody;

#[async_trait::async_trait]
impl ProviderDirectory for Nobody {
    async fn customer_by_provider_id(&self, _: &str) -> Result<Option<Customer>, BillingError> {
        Ok(None)
    }
    async fn plan_by_provider_price(
        &self,
        _: &str,
    ) -> Result<Option<(PlanCode, Interval)>, BillingError> {
        Ok(None)
    }
}

fn bench(c: &mut Criterion) {
    let body = payload();
    let t = 1_800_000_000;
    let header = signature::sign(&body, SECRET, t);
    let secrets = vec!["whsec_other".to_owned(), SECRET.to_owned()];
    let mut g = c.benchmark_group("webhook");
    g.throughput(criterion::Throughput::Bytes(body.len() as u64));
    g.bench_function("hmac_sha256_floor", |b| {
        b.iter(|| signature::sign(black_box(&body), SECRET, t))
    });
    g.bench_function("verify_two_secrets", |b| {
        b.iter(|| {
            signature::verify(Some(black_box(&header)), black_box(&body), &secrets, t, 300).unwrap()
        })
    });
    let stripe = StripeBilling::new(&StripeConfig {
        secret_key: "sk_test_bench".into(),
        api_base: Some("http://127.0.0.1:9".into()),
        retry: RetryPolicy::default(),
    })
    .unwrap();
    let raw: serde_json::Value = serde_json::from_slice(&body).unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    g.bench_function("decode_subscription_updated", |b| {
        b.iter(|| {
            rt.block_on(stripe.decode(black_box(&raw), &Nobody))
                .unwrap()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
