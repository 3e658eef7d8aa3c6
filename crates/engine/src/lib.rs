//! The use cases of Tollgate, written against the domain ports only: create customers, sell and
//! change plans, apply billing events, check and record usage, hold leases, grant credits, run
//! the jobs that fall due, and journal every change.
//!
//! The engine never names a database, a cache or a payment provider: adapters are handed in as
//! `Arc<dyn Port>` through [`EngineDeps`]. [`Engine::in_memory`] wires the in-memory adapters so
//! the whole engine runs (and races) in one process, for tests and for embedding.
//!
//! ```
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use std::sync::Arc;
//! use tollgate_billing_fake::FakeBilling;
//! use tollgate_engine::{Caller, Engine, NewCustomer, RecordUsage};
//! use tollgate_kernel::SystemClock;
//!
//! let clock = Arc::new(SystemClock::new());
//! let billing = Arc::new(FakeBilling::new("http://localhost:8080"));
//! let (engine, _stores) = Engine::in_memory(clock.clone(), Some(clock), billing);
//! let catalog = tollgate_plans::Catalog::from_toml_str(include_str!(
//!     "../../../fixtures/catalogs/saas.toml"
//! ))?;
//! let caller = Caller::new("my-service");
//! engine.seed_catalog(&catalog, &caller).await?;
//! engine
//!     .create_customer(
//!         NewCustomer { id: "acme".parse()?, name: "Acme".into(), email: None, currency: None },
//!         &caller,
//!     )
//!     .await?;
//! let (answer, created) = engine
//!     .record_usage(
//!         RecordUsage {
//!             customer: "acme".parse()?,
//!             feature: "api_calls".parse()?,
//!             quantity: 1,
//!             idempotency_key: "req-1".parse()?,
//!             occurred_at: None,
//!             properties: None,
//!         },
//!         &caller,
//!     )
//!     .await?;
//! assert!(created);
//! assert_eq!((answer.used, answer.limit), (1, Some(1_000))); // Hobby: 1,000 calls a month
//! # Ok(())
//! # }
//! # tokio::runtime::Runtime::new().unwrap().block_on(demo()).unwrap();
//! ```

mod access;
mod analytics;
mod audit;
mod billing_events;
mod cache;
mod catalog;
#[cfg(feature = "conformance")]
pub mod conformance;
mod context;
mod customers;
mod engine;
mod error;
mod history;
mod hot;
mod jobs;
mod leases;
pub mod memory;
mod metering;
mod ports;
mod reconcile;
mod revenue;
mod subscriptions;
mod tenants;
mod usage;
mod usage_history;
mod wallet;

pub use access::{
    AccessError, AccessStore, ApiKeyRecord, IdempotencyBegin, KeyRole, Member, StoredResponse,
    hash_secret,
};
pub use analytics::{ANALYTICS_WINDOW_DAYS, Analytics, PlanAnalytics, WindowRate};
pub use audit::{AuditEntry, AuditQuery, Caller};
pub use billing_events::ApplyOutcome;
pub use customers::NewCustomer;
pub use engine::{CounterMode, Engine, EngineDeps};
pub use error::EngineError;
pub use history::{AUDIT_DEFAULT_LIMIT, AUDIT_MAX_LIMIT};
pub use hot::{HotDrift, HotPath, HotPathStats, HotRebuildReport};
pub use jobs::JobReport;
pub use leases::Lease;
pub use ports::{
    AuditError, AuditLog, BillingEventLog, BillingEventRecord, CommitError, CommitOutcome,
    CounterAuthority, CounterHome, CounterStep, EventLogError, EventStatus, Fence, FinalizeFn,
    Finalized, MeterReportLog, Reconciler, UsageCommit, UsageRecorder, WebhookQuery,
};
pub use subscriptions::{ChangeKind, ChangePreview, StartCheckout};
pub use tenants::{CustomerSummary, UsageSummary};
pub use usage::{CheckAnswer, EntitlementStatus, RecordUsage, UsageAnswer};
pub use usage_history::{DayUsage, MAX_HISTORY_DAYS, UsageHistory, history_days};
pub use wallet::WalletView;
