//! A harness: the engine on in-memory adapters, the fake provider, a manual clock, and a small
//! catalog whose limits the tests name.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use tollgate_billing_fake::FakeBilling;
use tollgate_engine::memory::MemoryStores;
use tollgate_engine::{Caller, CounterMode, Engine, NewCustomer, RecordUsage};
use tollgate_kernel::{CustomerId, FeatureCode, IdempotencyKey, ManualClock, PlanCode};
use tollgate_plans::Catalog;

pub const CATALOG: &str = r#"
[[features]]
code = "api_calls"
name = "API calls"
kind = "metered"
unit = "call"

[[features]]
code = "ai_queries"
name = "AI queries"
kind = "metered"

[[features]]
code = "ai_tokens"
name = "AI tokens"
kind = "metered"
unit = "token"

[[features]]
code = "storage_bytes"
name = "Storage"
kind = "gauge"
unit = "byte"

[[features]]
code = "jobs"
name = "Concurrent jobs"
kind = "concurrency"

[[features]]
code = "upload_bytes"
name = "Max upload"
kind = "per_request"
unit = "byte"

[[features]]
code = "analytics"
name = "Analytics"
kind = "boolean"

[[features]]
code = "retention_days"
name = "Retention"
kind = "config"
unit = "day"

[[plans]]
code = "free"
name = "Free"
priority = 0
prices = [{ currency = "USD", interval = "month", amount_minor = 0 }]
entitlements = [
  { feature = "api_calls", limit = 100, window = "month" },
  { feature = "storage_bytes", limit = 1000 },
  { feature = "jobs", limit = 1 },
  { feature = "upload_bytes", limit = 100 },
  { feature = "analytics", enabled = false },
  { feature = "retention_days", value = 30 },
]

[[plans]]
code = "pro"
name = "Pro"
priority = 10
trial_days = 14
prices = [
  { currency = "USD", interval = "month", amount_minor = 3000 },
  { currency = "USD", interval = "year", amount_minor = 30000 },
]
entitlements = [
  { feature = "api_calls", limit = 1000, window = "month" },
  { feature = "ai_queries", limit = 10, window = "month", enforcement = "soft", overage = { currency = "USD", unit_amount = "0.50" }, warn_at = [50, 80, 100] },
  { feature = "ai_tokens", limit = "unlimited", window = "month", pay_with = "wallet" },
  { feature = "storage_bytes", limit = 10000 },
  { feature = "jobs", limit = 3 },
  { feature = "upload_bytes", limit = 1000 },
  { feature = "analytics", enabled = true },
  { feature = "retention_days", value = 365 },
]
wallet_grants = [
  { amount_minor = 500, currency = "USD", on = "start" },
  { amount_minor = 200, currency = "USD", on = "renewal", expires_after_days = 40 },
]

[[plans]]
code = "team"
name = "Team"
priority = 20
prices = [{ currency = "USD", interval = "month", amount_minor = 9000 }]
entitlements = [
  { feature = "api_calls", limit = 5000, window = "month" },
  { feature = "jobs", limit = 10 },
  { feature = "analytics", enabled = true },
]
wallet_grants = [{ amount_minor = 1000, currency = "USD", on = "upgrade" }]
"#;

pub fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

pub struct Harness {
    pub engine: Engine,
    pub stores: MemoryStores,
    pub clock: Arc<ManualClock>,
    pub fake: Arc<FakeBilling>,
    pub caller: Caller,
}

pub async fn harness() -> Harness {
    harness_with(CounterMode::InCommit).await
}

pub async fn harness_with(mode: CounterMode) -> Harness {
    let clock = Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2026, 11, 10, 12, 0, 0).unwrap(),
    ));
    let fake = Arc::new(FakeBilling::new("http://tollgate.test"));
    let (engine, stores) = Engine::in_memory(clock.clone(), Some(clock.clone()), fake.clone());
    let engine = if mode == CounterMode::External {
        let mut deps = engine.deps().clone();
        deps.counter_mode = CounterMode::External;
        Engine::new(deps)
    } else {
        engine
    };
    let caller = Caller::new("test");
    let catalog = Catalog::from_toml_str(CATALOG).expect("test catalog");
    engine.seed_catalog(&catalog, &caller).await.unwrap();
    Harness {
        engine,
        stores,
        clock,
        fake,
        caller,
    }
}

pub fn cid(s: &str) -> CustomerId {
    CustomerId::parse(s).unwrap()
}

pub fn fc(s: &str) -> FeatureCode {
    FeatureCode::parse(s).unwrap()
}

pub fn pc(s: &str) -> PlanCode {
    PlanCode::parse(s).unwrap()
}

pub fn usage(customer: &str, feature: &str, quantity: i64, key: &str) -> RecordUsage {
    RecordUsage {
        customer: cid(customer),
        feature: fc(feature),
        quantity,
        idempotency_key: IdempotencyKey::parse(key).unwrap(),
        occurred_at: None,
        properties: None,
    }
}

impl Harness {
    pub async fn customer(&self, id: &str) {
        self.engine
            .create_customer(
                NewCustomer {
                    id: cid(id),
                    name: format!("Customer {id}"),
                    email: None,
                    currency: None,
                },
                &self.caller,
            )
            .await
            .unwrap();
    }

    /// Customer on a paid plan through the fake checkout.
    pub async fn subscribed(&self, id: &str, plan: &str) {
        self.customer(id).await;
        let session = self
            .engine
            .checkout(
                &cid(id),
                &tollgate_engine::StartCheckout {
                    plan: pc(plan),
                    interval: tollgate_kernel::Interval::Month,
                    success_url: "https://app.test/ok".into(),
                    cancel_url: "https://app.test/cancel".into(),
                },
                "k1",
                &self.caller,
            )
            .await
            .unwrap();
        self.pay(&session.id).await;
    }

    pub async fn pay(&self, session_id: &str) {
        let (events, _) = self
            .fake
            .complete_checkout(session_id, self.clock_now())
            .unwrap();
        for e in events {
            self.engine
                .receive_billing_event(&e, &self.caller)
                .await
                .unwrap();
        }
    }

    pub fn clock_now(&self) -> DateTime<Utc> {
        use tollgate_kernel::Clock;
        self.clock.now()
    }
}
