//! Reconciliation: counters are derived data; recompute them from the usage log, report any
//! drift, and optionally repair it.

use tollgate_kernel::CustomerId;
use tollgate_quotas::CounterKey;
use tollgate_usage::{DriftReport, compare};

use crate::audit::Caller;
use crate::engine::{Engine, snapshot};
use crate::error::EngineError;

impl Engine {
    /// Compares every counter of `customer` (or of everyone) with the sum of its events'
    /// deltas. With `repair`, drifting counters are set to the recomputed value and the repair
    /// is journaled.
    ///
    /// # Errors
    /// Store failures only.
    pub async fn reconcile(
        &self,
        customer: Option<&CustomerId>,
        repair: bool,
        caller: &Caller,
    ) -> Result<DriftReport, EngineError> {
        if let Some(reconciler) = &self.d.reconciler {
            let report = reconciler.reconcile(customer, repair).await?;
            if repair && !report.is_clean() {
                self.journal_repair(customer, &report, caller).await?;
            }
            return Ok(report);
        }
        let expected = self.d.usage_log.counter_totals(customer).await?;
        let keys: Vec<CounterKey> = expected
            .iter()
            .map(|t| CounterKey {
                customer: t.customer.clone(),
                feature: t.feature.clone(),
                window_key: t.window_key.clone(),
                resets_at: None,
            })
            .collect();
        let stored = self.d.counters.get_many(&keys).await?;
        let report = compare(&expected, &stored);
        if repair && !report.is_clean() {
            for d in &report.drifts {
                let key = CounterKey {
                    customer: d.customer.clone(),
                    feature: d.feature.clone(),
                    window_key: d.window_key.clone(),
                    resets_at: None,
                };
                self.d.counters.set(&key, d.expected).await?;
            }
            self.journal_repair(customer, &report, caller).await?;
        }
        Ok(report)
    }

    async fn journal_repair(
        &self,
        customer: Option<&CustomerId>,
        report: &DriftReport,
        caller: &Caller,
    ) -> Result<(), EngineError> {
        self.journal(
            caller,
            "counters.repaired",
            customer.map_or_else(|| "counters".to_owned(), |c| format!("customer:{c}")),
            None,
            snapshot(report),
        )
        .await
    }
}
