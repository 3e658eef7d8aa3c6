//! Time-driven work on a subscription: what falls due, and when.

use crate::{Subscription, SubscriptionStatus};
use serde::{Deserialize, Serialize};
use tollgate_kernel::Timestamp;

/// A job the engine runs when its instant comes. At the same instant they run in this order:
/// a trial ends, then grace expires, then the period rolls over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DueJob {
    /// Trialing and `trial_end` reached → [`crate::Transition::TrialEnded`].
    TrialEnd,
    /// Past_due and `grace_ends_at` reached → [`crate::Transition::GraceExpired`].
    GraceExpiry,
    /// Active, past_due or locked and the period's end reached →
    /// [`crate::Transition::PeriodEnded`] (cancel at period end, scheduled change, renewal).
    PeriodEnd,
}

impl Subscription {
    /// Every pending job with its instant, earliest first, whether due yet or not.
    /// Incomplete and canceled subscriptions have none. A scheduled change has no job of its
    /// own: it applies when the period ends.
    pub fn scheduled_jobs(&self) -> Vec<(Timestamp, DueJob)> {
        let mut jobs = Vec::new();
        match self.status {
            SubscriptionStatus::Trialing => {
                jobs.push((
                    self.trial_end.unwrap_or(self.current_period.end),
                    DueJob::TrialEnd,
                ));
            }
            SubscriptionStatus::PastDue => {
                if let Some(grace_end) = self.grace_ends_at {
                    jobs.push((grace_end, DueJob::GraceExpiry));
                }
                jobs.push((self.current_period.end, DueJob::PeriodEnd));
            }
            SubscriptionStatus::Active | SubscriptionStatus::Locked => {
                jobs.push((self.current_period.end, DueJob::PeriodEnd));
            }
            SubscriptionStatus::Incomplete | SubscriptionStatus::Canceled => {}
        }
        jobs.sort();
        jobs
    }

    /// The jobs due at or before `now`, earliest first. Applying the first may change what is
    /// due next (a lock, a new period), so the engine re-reads after each.
    pub fn due_jobs(&self, now: Timestamp) -> Vec<(Timestamp, DueJob)> {
        self.scheduled_jobs()
            .into_iter()
            .filter(|(at, _)| *at <= now)
            .collect()
    }

    /// The earliest pending job's instant, if any; what a scheduler sleeps until.
    pub fn next_due_at(&self) -> Option<Timestamp> {
        self.scheduled_jobs().first().map(|(at, _)| *at)
    }
}
