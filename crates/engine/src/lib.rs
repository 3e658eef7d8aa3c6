//! The use cases of Tollgate, written against the domain ports only: create customers, sell and
//! change plans, apply billing events, check and record usage, hold leases, grant credits, run
//! the jobs that fall due, and journal every change.
//!
//! The engine never names a database, a cache or a payment provider: adapters are handed in as
//! `Arc<dyn Port>` through [`EngineDeps`]. [`Engine::in_memory`] wires the in-memory adapters so
//! the whole engine runs (and races) in one process, for tests and for embedding.

mod audit;
mod billing_events;
mod catalog;
mod context;
mod customers;
mod engine;
mod error;
mod jobs;
mod leases;
pub mod memory;
mod ports;
mod reconcile;
mod subscriptions;
mod usage;
mod wallet;

pub use audit::{AuditEntry, AuditQuery, Caller};
pub use billing_events::ApplyOutcome;
pub use customers::NewCustomer;
pub use engine::{CounterMode, Engine, EngineDeps};
pub use error::EngineError;
pub use jobs::JobReport;
pub use leases::Lease;
pub use ports::{
    AuditError, AuditLog, BillingEventLog, BillingEventRecord, CommitError, CommitOutcome,
    CounterStep, EventLogError, EventStatus, FinalizeFn, Finalized, UsageCommit, UsageRecorder,
    WebhookQuery,
};
pub use subscriptions::{ChangeKind, ChangePreview, StartCheckout};
pub use usage::{CheckAnswer, EntitlementStatus, RecordUsage, UsageAnswer};
pub use wallet::WalletView;
