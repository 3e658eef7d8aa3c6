//! Ports the engine needs beyond the domain crates': the usage unit of work, the audit journal
//! and the log of billing events (webhooks).

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use tollgate_kernel::CustomerId;
use tollgate_kernel::{Amount, Currency, Decimal, Timestamp};
use tollgate_quotas::{Consume, Consumption, CounterError, CounterKey};
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

/// Which store is the authority over one customer's counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CounterHome {
    /// The fast external store (Redis): consumed there first, the commit only logs the event.
    External,
    /// The durable store itself: consumed inside the usage unit of work.
    Store,
}

/// The authority over one customer's counters, as recorded in the durable store. A commit
/// carrying a fence is written only while the fence is still the current one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Fence {
    pub home: CounterHome,
    pub epoch: i64,
}

/// Everything one accepted usage event writes, together.
pub struct UsageCommit {
    /// The event; `delta`, `answer`, `cost` and `billable` are filled in from `finalize`.
    pub event: UsageEvent,
    pub counter: CounterStep,
    /// The counter authority this commit was decided under; `None` where there is only one
    /// counter store (no external store configured). A commit whose fence is no longer the
    /// customer's current one is refused with [`CommitError::Fenced`] and writes nothing.
    pub fence: Option<Fence>,
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
            .field("fence", &self.fence)
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
    /// The commit's [`Fence`] is not the customer's current one: another process moved the
    /// counters' authority since the decision. Nothing was written; decide again.
    #[error("counter authority moved (now {current:?})")]
    Fenced { current: Option<Fence> },
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

/// Where the authority over each customer's counters lives, kept in the durable store next to
/// the usage log so that moving it and committing events exclude each other.
#[async_trait]
pub trait CounterAuthority: Send + Sync {
    /// The customer's current fence; `None` when it was never set.
    ///
    /// # Errors
    /// [`CommitError::Unavailable`] / [`CommitError::Unexpected`] on infrastructure failure.
    async fn current(&self, customer: &CustomerId) -> Result<Option<Fence>, CommitError>;

    /// Makes `home` the authority over the customer's counters under a new epoch (one more than
    /// the last, 1 for the first), once every commit fenced on the previous fence has finished;
    /// from then on such commits are refused with [`CommitError::Fenced`].
    ///
    /// In the same transaction, with `home == Store`, the store's own counters of the customer
    /// are rebuilt from the usage log (they were not kept while the external store was the
    /// authority). Returns the new fence and the log's totals (sum of `delta`) of `keys`, in
    /// order, for loading the external store.
    ///
    /// # Errors
    /// [`CommitError::Unavailable`] / [`CommitError::Unexpected`] on infrastructure failure.
    async fn take_over(
        &self,
        customer: &CustomerId,
        home: CounterHome,
        keys: &[CounterKey],
    ) -> Result<(Fence, Vec<i64>), CommitError>;

    /// Every customer with a fence or with usage events, for an eager rebuild.
    ///
    /// # Errors
    /// [`CommitError::Unavailable`] / [`CommitError::Unexpected`] on infrastructure failure.
    async fn customers(&self) -> Result<Vec<CustomerId>, CommitError>;
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

/// Which usage events' overage has been reported to the billing provider (Stripe meter
/// events), so each is reported once.
#[async_trait]
pub trait MeterReportLog: Send + Sync + std::fmt::Debug {
    /// Of `event_ids`, those already reported.
    ///
    /// # Errors
    /// [`EventLogError`] on infrastructure failure.
    async fn reported(
        &self,
        event_ids: &[String],
    ) -> Result<std::collections::HashSet<String>, EventLogError>;

    /// Records that `event_id`'s `quantity` overage units were reported at `at` (a second
    /// record of the same event changes nothing).
    ///
    /// # Errors
    /// [`EventLogError`] on infrastructure failure.
    async fn record(
        &self,
        event_id: &str,
        customer: &CustomerId,
        quantity: i64,
        at: Timestamp,
    ) -> Result<(), EventLogError>;
}
