//! Soft-limit overage reported to the billing provider (Stripe meter events): a job reads the
//! usage log of every provider-managed subscription, and reports each event's units above the
//! soft limit once, with the event's id as the provider's identifier.

use chrono::Duration;
use tollgate_billing::{BillingError, MeterReport, SubscriptionStatus};
use tollgate_usage::{UsageEvent, UsageQuery};

use crate::engine::Engine;
use crate::error::EngineError;

/// How far before the current period's start the job still looks for unreported events (an
/// outage across a renewal).
const LOOK_BACK_DAYS: i64 = 3;
const PAGE: usize = 1_000;

/// The units of `e` above its soft limit: the answer's overage in the window after the event,
/// capped by the event's own units.
pub(crate) fn overage_units(e: &UsageEvent) -> i64 {
    if !e.billable {
        return 0;
    }
    let overage = e
        .answer
        .get("overage")
        .and_then(serde_json::Value::as_i64)
        .unwrap_or(0);
    overage.min(e.delta).max(0)
}

impl Engine {
    /// Reports every unreported overage of provider-managed subscriptions; answers how many
    /// events were reported. A provider failure stops the run (the rest waits for the next).
    ///
    /// # Errors
    /// Store failures, and the provider's when nothing could be reported.
    pub async fn report_overage(&self) -> Result<usize, EngineError> {
        let Some(log) = &self.meters else {
            return Ok(0);
        };
        let mut reported = 0;
        for sub in self.d.subscriptions.list().await? {
            if sub.provider_subscription_id.is_none() || sub.status == SubscriptionStatus::Canceled
            {
                continue;
            }
            let Some(customer) = self.d.customers.get(&sub.customer).await? else {
                continue;
            };
            let mut query = UsageQuery {
                from: Some(sub.current_period.start - Duration::days(LOOK_BACK_DAYS)),
                limit: Some(PAGE),
                ..UsageQuery::for_customer(sub.customer.clone())
            };
            loop {
                let page = self.d.usage_log.list(&query).await?;
                let due: Vec<&UsageEvent> = page.iter().filter(|e| overage_units(e) > 0).collect();
                let ids: Vec<String> = due.iter().map(|e| e.id.clone()).collect();
                let done = log.reported(&ids).await?;
                for e in due.into_iter().filter(|e| !done.contains(&e.id)) {
                    let units = overage_units(e);
                    let sent = self
                        .d
                        .billing
                        .report_usage(&MeterReport {
                            customer: customer.clone(),
                            feature: e.feature.clone(),
                            quantity: units,
                            event_id: e.id.clone(),
                            at: e.occurred_at,
                        })
                        .await;
                    match sent {
                        Ok(()) => {
                            log.record(&e.id, &customer.id, units, self.now()).await?;
                            reported += 1;
                        }
                        // The provider is down: the rest waits for the next run.
                        Err(err @ BillingError::Unavailable(_)) => return Err(err.into()),
                        // Refused (no meter for the feature, too old…): the others go on; this
                        // one is tried again next run, and logged each time.
                        Err(err) => {
                            tracing::warn!(event_id = %e.id, customer = %customer.id, error = %err, "overage not reported");
                        }
                    }
                }
                if page.len() < PAGE {
                    break;
                }
                query.after_id = page.last().map(|e| e.id.clone());
            }
        }
        Ok(reported)
    }
}
