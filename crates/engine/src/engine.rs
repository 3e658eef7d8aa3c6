//! The engine value: the ports it runs on, chosen by whoever wires it.

use std::sync::Arc;
use std::time::Duration;

use tollgate_billing::{
    BillingAdapter, CustomerRepository, EventDecoder, InvoiceRepository, SubscriptionRepository,
};
use tollgate_kernel::{Clock, ClockControl, Timestamp};
use tollgate_plans::{FeatureRepository, OverrideRepository, PlanRepository};
use tollgate_pricing::TokenPriceRepository;
use tollgate_quotas::{CounterStore, LeaseStore};
use tollgate_usage::UsageLog;
use tollgate_wallet::WalletStore;

use crate::audit::{AuditEntry, Caller};
use crate::cache::{ContextCache, Invalidating};
use crate::error::EngineError;
use crate::hot::HotPath;
use crate::ports::{AuditLog, BillingEventLog, MeterReportLog, Reconciler, UsageRecorder};

/// Where quota counters are consumed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CounterMode {
    /// Counters live in the same store as the usage log; the recorder consumes them inside the
    /// usage unit of work (SQL, in-memory).
    InCommit,
    /// Counters live elsewhere (Redis): the engine consumes first, then commits the event, and
    /// refunds the counter when the commit does not write.
    External,
}

/// The adapters an engine runs on.
#[derive(Clone)]
pub struct EngineDeps {
    pub clock: Arc<dyn Clock>,
    /// Present in demo and test mode only: lets the engine step time through due jobs.
    pub clock_control: Option<Arc<dyn ClockControl>>,
    pub features: Arc<dyn FeatureRepository>,
    pub plans: Arc<dyn PlanRepository>,
    pub overrides: Arc<dyn OverrideRepository>,
    pub customers: Arc<dyn CustomerRepository>,
    pub subscriptions: Arc<dyn SubscriptionRepository>,
    pub invoices: Arc<dyn InvoiceRepository>,
    pub counters: Arc<dyn CounterStore>,
    pub counter_mode: CounterMode,
    pub leases: Arc<dyn LeaseStore>,
    pub usage_log: Arc<dyn UsageLog>,
    pub recorder: Arc<dyn UsageRecorder>,
    pub wallet: Arc<dyn WalletStore>,
    pub token_prices: Arc<dyn TokenPriceRepository>,
    pub billing: Arc<dyn BillingAdapter>,
    pub audit: Arc<dyn AuditLog>,
    pub events: Arc<dyn BillingEventLog>,
    /// Store-side reconciliation, when counters and events share a store; otherwise the
    /// engine recomputes from the log through the ports.
    pub reconciler: Option<Arc<dyn Reconciler>>,
}

impl std::fmt::Debug for EngineDeps {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EngineDeps")
            .field("counter_mode", &self.counter_mode)
            .finish_non_exhaustive()
    }
}

/// Tollgate's use cases. Cheap to clone: every field is shared.
#[derive(Clone, Debug)]
pub struct Engine {
    pub(crate) d: EngineDeps,
    /// The Redis hot path, when configured.
    pub(crate) hot: Option<Arc<HotPath>>,
    /// Decodes the raw events of a webhook-driven provider (Stripe) when they are processed.
    pub(crate) decoder: Option<Arc<dyn EventDecoder>>,
    /// Where reported overage is remembered; without it overage is not reported.
    pub(crate) meters: Option<Arc<dyn MeterReportLog>>,
    pub(crate) contexts: Arc<ContextCache>,
    /// Finished days of usage charts (see `usage_history`).
    pub(crate) history: Arc<crate::usage_history::HistoryCache>,
}

impl Engine {
    pub fn new(mut deps: EngineDeps) -> Self {
        let contexts = Arc::new(ContextCache::default());
        deps.audit = Arc::new(Invalidating {
            inner: deps.audit,
            cache: contexts.clone(),
        });
        Self {
            d: deps,
            hot: None,
            decoder: None,
            meters: None,
            contexts,
            history: Arc::default(),
        }
    }

    /// Keeps customer contexts (customer, subscription, resolved entitlements) for up to `ttl`
    /// between decisions. Changes made through this engine are seen at once; changes made by
    /// another process after at most `ttl`. `Duration::ZERO` (the default) turns it off.
    /// Clones of an engine share one cache, and this setting.
    #[must_use]
    pub fn with_context_cache(self, ttl: Duration) -> Self {
        self.contexts.set_ttl(ttl);
        self
    }

    /// Puts quota counters and leases on a fast external store (Redis), fenced by the
    /// durable store's counter authority; see [`HotPath`].
    #[must_use]
    pub fn with_hot_path(mut self, hot: Arc<HotPath>) -> Self {
        self.hot = Some(hot);
        self
    }

    /// Decodes raw events of `decoder.provider()` stored by [`Engine::receive_raw_event`].
    /// Such a provider sends snapshots of its subscriptions: their status follows those
    /// snapshots alone, and its invoice events only record invoices and renewals.
    #[must_use]
    pub fn with_event_decoder(mut self, decoder: Arc<dyn EventDecoder>) -> Self {
        self.decoder = Some(decoder);
        self
    }

    /// Reports soft-limit overage to the billing provider from the jobs, remembering what was
    /// reported in `log` ([`Engine::report_overage`]).
    #[must_use]
    pub fn with_meter_reports(mut self, log: Arc<dyn MeterReportLog>) -> Self {
        self.meters = Some(log);
        self
    }

    /// The hot path, when configured.
    pub fn hot_path(&self) -> Option<&Arc<HotPath>> {
        self.hot.as_ref()
    }

    pub fn deps(&self) -> &EngineDeps {
        &self.d
    }

    pub fn now(&self) -> Timestamp {
        self.d.clock.now()
    }

    /// Journals a change made outside the engine's use cases (API keys, for example).
    ///
    /// # Errors
    /// [`EngineError::Unexpected`] when the journal cannot be written.
    pub async fn record_journal(
        &self,
        caller: &Caller,
        action: &str,
        entity: String,
        before: Option<serde_json::Value>,
        after: Option<serde_json::Value>,
    ) -> Result<(), EngineError> {
        self.journal(caller, action, entity, before, after).await
    }

    /// Writes journal entries for a change that has already happened.
    pub(crate) async fn journal(
        &self,
        caller: &Caller,
        action: &str,
        entity: String,
        before: Option<serde_json::Value>,
        after: Option<serde_json::Value>,
    ) -> Result<(), EngineError> {
        let entry = AuditEntry::new(caller, self.now(), action, entity, before, after);
        self.d.audit.append(&[entry]).await?;
        Ok(())
    }
}

/// Serializes a domain value for the journal; values that cannot be serialized are journaled
/// as `null` rather than failing the change they describe.
pub(crate) fn snapshot<T: serde::Serialize>(value: &T) -> Option<serde_json::Value> {
    serde_json::to_value(value).ok()
}
