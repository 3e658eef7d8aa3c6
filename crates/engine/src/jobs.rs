//! Time-driven work: provider renewals and charges (for clock-driven providers), trial ends,
//! grace expiry, period ends. `advance_clock` steps through every due instant in order, like a
//! Stripe test clock, so a month of lifecycle runs in one call.

use chrono::Duration;
use serde::{Deserialize, Serialize};
use tollgate_billing::{DueJob, Subscription, SubscriptionStatus, Transition};
use tollgate_kernel::Timestamp;

use crate::audit::Caller;
use crate::billing_events::ApplyOutcome;
use crate::engine::Engine;
use crate::error::EngineError;
use crate::ports::{EventStatus, WebhookQuery};

/// Longest single clock move: five years.
const MAX_ADVANCE_SECONDS: i64 = 5 * 366 * 24 * 3600;
/// Guard against a job that never stops falling due.
const MAX_STEPS: usize = 10_000;
/// Failed billing events are retried this many times by the jobs; after that, replay by hand.
const MAX_EVENT_ATTEMPTS: i32 = 5;
/// A `received` event this old was not taken up by the request that logged it.
const STUCK_AFTER_SECONDS: i64 = 60;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct JobReport {
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub now: Option<Timestamp>,
    pub billing_events: usize,
    pub transitions: usize,
    pub retried_events: usize,
    /// Usage events whose soft-limit overage was reported to the billing provider.
    #[serde(default)]
    pub overage_reported: usize,
    pub failures: Vec<String>,
}

impl JobReport {
    fn merge(&mut self, other: JobReport) {
        self.now = other.now;
        self.billing_events += other.billing_events;
        self.transitions += other.transitions;
        self.retried_events += other.retried_events;
        self.overage_reported += other.overage_reported;
        self.failures.extend(other.failures);
    }
}

/// The local transition a due job calls for. Provider-managed subscriptions get their trial
/// ends and renewals from the provider's events; only grace expiry is always ours.
fn local_transition(sub: &Subscription, job: DueJob) -> Option<Transition> {
    let provider_managed = sub.provider_subscription_id.is_some();
    match job {
        DueJob::GraceExpiry => Some(Transition::GraceExpired),
        DueJob::TrialEnd if !provider_managed => Some(Transition::TrialEnded { converted: false }),
        DueJob::PeriodEnd if !provider_managed || sub.cancel_at_period_end => {
            Some(Transition::PeriodEnded {
                next: sub.next_period(),
            })
        }
        _ => None,
    }
}

impl Engine {
    /// Runs everything due at the engine's current instant.
    ///
    /// # Errors
    /// Store failures; individual job failures are reported in [`JobReport::failures`].
    pub async fn run_due(&self, caller: &Caller) -> Result<JobReport, EngineError> {
        let now = self.now();
        let mut report = JobReport {
            now: Some(now),
            ..JobReport::default()
        };
        match self.d.billing.due_events(now).await {
            Ok(events) => {
                for event in events {
                    report.billing_events += 1;
                    if let ApplyOutcome::Failed(why) =
                        self.receive_billing_event(&event, caller).await?
                    {
                        report.failures.push(format!("{}: {why}", event.id));
                    }
                }
            }
            Err(e) => report.failures.push(format!("billing provider: {e}")),
        }
        for sub in self.d.subscriptions.due_before(now).await? {
            for (_, job) in sub.due_jobs(now) {
                let Some(t) = local_transition(&sub, job) else {
                    continue;
                };
                let action = match job {
                    DueJob::GraceExpiry => "subscription.locked",
                    DueJob::TrialEnd => "subscription.trial_ended",
                    DueJob::PeriodEnd => "subscription.period_ended",
                };
                let result = self
                    .update_subscription(&sub.customer, action, caller, |s| {
                        // Re-check on the fresh copy: another worker may have done it.
                        Ok(s.due_jobs(now)
                            .iter()
                            .any(|(_, j)| *j == job)
                            .then(|| t.clone()))
                    })
                    .await;
                match result {
                    Ok(_) => report.transitions += 1,
                    Err(e) => report.failures.push(format!("{}: {e}", sub.customer)),
                }
            }
        }
        let failed = self
            .d
            .events
            .list(&WebhookQuery {
                status: Some(EventStatus::Failed),
                ..WebhookQuery::default()
            })
            .await?;
        for rec in failed
            .into_iter()
            .filter(|r| r.attempts < MAX_EVENT_ATTEMPTS)
        {
            let backoff = Duration::seconds(30 * 2_i64.pow(rec.attempts.clamp(0, 10) as u32));
            let last = rec.processed_at.unwrap_or(rec.received_at);
            if now >= last + backoff {
                report.retried_events += 1;
                if let Err(e) = self
                    .process_billing_event(&rec.provider, &rec.event_id, true, caller)
                    .await
                {
                    report.failures.push(format!("{}: {e}", rec.event_id));
                }
            }
        }
        match self.report_overage().await {
            Ok(n) => report.overage_reported += n,
            Err(e) => report.failures.push(format!("overage reporting: {e}")),
        }
        // Received but never processed (the process stopped between logging a webhook and
        // applying it): taken up once they are clearly not in flight.
        let stuck = self
            .d
            .events
            .list(&WebhookQuery {
                status: Some(EventStatus::Received),
                ..WebhookQuery::default()
            })
            .await?;
        for rec in stuck
            .into_iter()
            .filter(|r| now >= r.received_at + Duration::seconds(STUCK_AFTER_SECONDS))
        {
            report.retried_events += 1;
            if let Err(e) = self
                .process_billing_event(&rec.provider, &rec.event_id, false, caller)
                .await
            {
                report.failures.push(format!("{}: {e}", rec.event_id));
            }
        }
        Ok(report)
    }

    /// Moves the engine clock forward by `seconds`, running every job that falls due on the way
    /// at its own instant, in order. Demo and test mode only.
    ///
    /// # Errors
    /// [`EngineError::Invalid`] without clock control (production) or for an out-of-range step.
    pub async fn advance_clock(
        &self,
        seconds: i64,
        caller: &Caller,
    ) -> Result<JobReport, EngineError> {
        let control = self.d.clock_control.clone().ok_or_else(|| {
            EngineError::invalid("the clock can only be moved in demo and test mode")
        })?;
        if !(1..=MAX_ADVANCE_SECONDS).contains(&seconds) {
            return Err(EngineError::invalid(format!(
                "seconds must be between 1 and {MAX_ADVANCE_SECONDS}"
            )));
        }
        let target = self.now() + Duration::seconds(seconds);
        let mut report = JobReport::default();
        for _ in 0..MAX_STEPS {
            let now = self.now();
            let next = self
                .d
                .subscriptions
                .list()
                .await?
                .iter()
                .filter(|s| s.status != SubscriptionStatus::Canceled)
                .filter_map(Subscription::next_due_at)
                .filter(|t| *t > now && *t <= target)
                .min();
            let Some(step) = next else { break };
            control.advance_to(step);
            report.merge(self.run_due(caller).await?);
        }
        control.advance_to(target);
        report.merge(self.run_due(caller).await?);
        Ok(report)
    }
}
