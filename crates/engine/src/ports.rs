//! Ports the engine needs beyond the domain crates': the usage unit of work, the audit journal
//! and the log of billing events (webhooks).

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use tollgate_kernel::CustomerId;
use tollgate_kernel::{Amount, Currency, Decimal, Timestamp};
use tollgate_quotas::{Consume, Consumption, CounterError};
use tollgate_usage::{DriftReport, UsageEvent, UsageLogError};
use tollgate_wallet::{Debit, WalletError};

use crate::audit::{AuditEntry, AuditQuery};

type Source = Box<dyn std::error::Error + Send + Sync>;

/// What is derived from the counter's value once it is known inside the unit of work.
#[derive(Debug, Clone, PartialEq)]
pub struct Finalized {
    /// The first answer, stored with the event and returned verbatim for duplicates.
    pub answer: serde_json::Value,
    pub cost: Option<Amount>,
    pub billable: bool,
    /// Journal entries written with the event (threshold warnings).
    pub audit: Vec<AuditEntry>,
}

/// Derives the answer, cost and warnings from the consumption. Pure: the recorder may call it
/// inside a transaction.
pub type FinalizeFn = Box<dyn Fn(&Consumption) -> Finalized + Send + Sync>;

/// The counter part of a usage commit.
#[derive(Debug, Clone)]
pub enum CounterStep {
    /// Counters live in the same store as the log: consume inside the unit of work.
    Consume(Consume),
    /// Already consumed elsewhere (the Redis hot path), or nothing to count (`per_request`).
    Consumed(Consumption),
}

/// Everything one accepted usage event writes, together.
pub struct UsageCommit {
    /// The event; `delta`, `answer`, `cost` and `billable` are filled in from `finalize`.
    pub event: UsageEvent,
    pub counter: CounterStep,
    /// Debit the finalized cost from the prepaid wallet (features with `pay_with: wallet`).
    pub pay_from_wallet: bool,
    pub finalize: FinalizeFn,
}

impl UsageCommit {
    /// Applies `finalize` to the event and builds the wallet debit, if any. Every recorder
    /// calls this once it knows the consumption, so all of them derive the same values.
    pub fn complete(
        &self,
        consumption: &Consumption,
    ) -> (UsageEvent, Option<Debit>, Vec<AuditEntry>) {
        let f = (self.finalize)(consumption);
        let mut event = self.event.clone();
        event.delta = consumption.applied;
        event.answer = f.answer;
        event.cost = f.cost;
        event.billable = f.billable;
        let debit = match (self.pay_from_wallet, f.cost) {
            (true, Some(cost)) if cost.amount > Decimal::ZERO => Some(Debit {
                customer: event.customer.clone(),
                amount: cost,
                // Keyed by the idempotency key, not the event id: two racing attempts of one
                // event can only ever debit once.
                reference: format!("usage:{}", event.idempotency_key),
                at: event.recorded_at,
                allow_negative: false,
                description: format!("{} × {}", event.quantity, event.feature),
            }),
            _ => None,
        };
        (event, debit, f.audit)
    }
}

impl std::fmt::Debug for UsageCommit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UsageCommit")
            .field("event", &self.event)
            .field("counter", &self.counter)
            .field("pay_from_wallet", &self.pay_from_wallet)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone)]
pub enum CommitOutcome {
    /// Written: the stored event (with its answer) and the counter after it.
    Inserted {
        event: UsageEvent,
        consumption: Consumption,
    },
    /// The idempotency key was already used: the first event, nothing written.
    Duplicate(UsageEvent),
    /// The hard limit would be passed (in-commit counters only): nothing written.
    Refused(Consumption),
}

#[derive(Debug, thiserror::Error)]
pub enum CommitError {
    #[error("insufficient credits: balance {balance} {currency}, needed {needed}")]
    InsufficientCredits {
        currency: Currency,
        balance: Decimal,
        needed: Decimal,
    },
    #[error("{0}")]
    Invalid(String),
    #[error("counter store: {0}")]
    Counter(#[from] CounterError),
    #[error("store unavailable: {0}")]
    Unavailable(String),
    #[error("unexpected: {0}")]
    Unexpected(#[source] Source),
}

impl From<WalletError> for CommitError {
    fn from(e: WalletError) -> Self {
        match e {
            WalletError::InsufficientCredits {
                currency,
                balance,
                needed,
            } => Self::InsufficientCredits {
                currency,
                balance,
                needed,
            },
            WalletError::Invalid(msg) => Self::Invalid(msg),
            WalletError::Unavailable(msg) => Self::Unavailable(msg),
            other => Self::Unexpected(Box::new(other)),
        }
    }
}

/// Records one usage event as a single unit of work: dedupe on `(customer, idempotency_key)`,
/// the counter step, the event, the wallet debit and the audit entries — all or nothing.
#[async_trait]
pub trait UsageRecorder: Send + Sync {
    /// # Errors
    /// - [`CommitError::InsufficientCredits`] when the debit would take the wallet below zero;
    ///   nothing is written.
    /// - [`CommitError::Counter`], [`CommitError::Unavailable`], [`CommitError::Unexpected`]
    ///   on infrastructure failure; nothing is written.
    async fn commit(&self, commit: UsageCommit) -> Result<CommitOutcome, CommitError>;
}

#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error("audit journal unavailable: {0}")]
    Unavailable(String),
    #[error("unexpected: {0}")]
    Unexpected(#[source] Source),
}

/// The append-only journal of changes.
#[async_trait]
pub trait AuditLog: Send + Sync {
    /// # Errors
    /// [`AuditError`] when the journal cannot be written.
    async fn append(&self, entries: &[AuditEntry]) -> Result<(), AuditError>;
    /// Newest first, filtered.
    ///
    /// # Errors
    /// [`AuditError`] when the journal cannot be read.
    async fn list(&self, query: &AuditQuery) -> Result<Vec<AuditEntry>, AuditError>;
}

/// Processing state of a received billing event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum EventStatus {
    Received,
    Processed,
    Failed,
    Ignored,
}

/// One billing event as received, with its processing history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BillingEventRecord {
    pub provider: String,
    pub event_id: String,
    #[serde(rename = "type")]
    pub event_type: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub received_at: Timestamp,
    pub status: EventStatus,
    pub attempts: i32,
    pub error: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub processed_at: Option<Timestamp>,
    /// The event as the engine understands it (a `BillingEvent`), for replay.
    pub payload: serde_json::Value,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookQuery {
    pub provider: Option<String>,
    pub status: Option<EventStatus>,
    pub event_type: Option<String>,
    pub limit: Option<usize>,
}

#[derive(Debug, thiserror::Error)]
pub enum EventLogError {
    #[error("event log unavailable: {0}")]
    Unavailable(String),
    #[error("unexpected: {0}")]
    Unexpected(#[source] Source),
}

/// The webhook log: every billing event once, by `(provider, event_id)`.
#[async_trait]
pub trait BillingEventLog: Send + Sync {
    /// Stores a new event. Returns `false` (and stores nothing) when it is already there.
    ///
    /// # Errors
    /// [`EventLogError`] on infrastructure failure.
    async fn insert(&self, record: &BillingEventRecord) -> Result<bool, EventLogError>;
    /// # Errors
    /// [`EventLogError`] on infrastructure failure.
    async fn get(
        &self,
        provider: &str,
        event_id: &str,
    ) -> Result<Option<BillingEventRecord>, EventLogError>;
    /// Moves a `received` or `failed` event to `processing` by bumping `attempts`, so that two
    /// workers never apply the same event at once. Returns the claimed record, or `None` when
    /// another worker holds it or it is already processed.
    ///
    /// # Errors
    /// [`EventLogError`] on infrastructure failure.
    async fn claim(
        &self,
        provider: &str,
        event_id: &str,
        replay: bool,
    ) -> Result<Option<BillingEventRecord>, EventLogError>;
    /// Records the outcome of processing.
    ///
    /// # Errors
    /// [`EventLogError`] on infrastructure failure.
    async fn finish(
        &self,
        provider: &str,
        event_id: &str,
        status: EventStatus,
        error: Option<String>,
        at: Timestamp,
    ) -> Result<(), EventLogError>;
    /// Newest first.
    ///
    /// # Errors
    /// [`EventLogError`] on infrastructure failure.
    async fn list(&self, query: &WebhookQuery) -> Result<Vec<BillingEventRecord>, EventLogError>;
}

/// Recomputes counters from the usage log where both live in one store, so that counters
/// with no events at all are checked too and a repair happens under the counters' locks.
#[async_trait]
pub trait Reconciler: Send + Sync {
    /// Every counter of `customer` (or of everyone) against the sum of its events; with
    /// `repair`, drifted counters are set to the recomputed value.
    ///
    /// # Errors
    /// [`UsageLogError`] when the store cannot be read or written.
    async fn reconcile(
        &self,
        customer: Option<&CustomerId>,
        repair: bool,
    ) -> Result<DriftReport, UsageLogError>;
}
