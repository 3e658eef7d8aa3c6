//! The subscription state machine: every change is a [`Transition`], applied by
//! [`Subscription::apply`], which answers a new value or says why not.

use crate::{
    GRACE_PERIOD, ProviderSnapshot, ScheduledChange, Subscription, SubscriptionStatus,
    TransitionError,
};
use tollgate_kernel::{Interval, Period, PlanCode, Timestamp};

use SubscriptionStatus::{Active, Canceled, Incomplete, Locked, PastDue, Trialing};

/// Every way a subscription can change. The doc of each variant lists the statuses it applies
/// to; from any other status [`Subscription::apply`] answers [`TransitionError::NotAllowed`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transition {
    /// Checkout started again: incomplete or canceled → incomplete, on `plan`/`interval`, with a
    /// provisional period from now.
    BeginCheckout { plan: PlanCode, interval: Interval },
    /// A free trial starts: incomplete or canceled → trialing; the period is the trial.
    StartTrial {
        plan: PlanCode,
        interval: Interval,
        period: Period,
    },
    /// First payment (checkout completed): incomplete, trialing or canceled → active for the
    /// paid `period`.
    Activate { period: Period },
    /// The trial reached `trial_end` (not before). With `cancel_at_period_end` → canceled.
    /// Else `converted` (a payment method is on file and the provider charges it) → active for
    /// one interval from `trial_end`, applying a due scheduled change. Else → **canceled**:
    /// the trial expires (Stripe's default `missing_payment_method: cancel`); no grace, since
    /// no payment was ever promised. The customer comes back through a new checkout.
    TrialEnded { converted: bool },
    /// A payment succeeded. Active, past_due, locked → active, grace cleared; incomplete →
    /// active only with a `period`. A `period` starting at or after the current end renews it
    /// (like [`Transition::PeriodEnded`]); one starting inside the current period replaces it;
    /// an older one is ignored (a late payment of a past invoice never moves time back).
    PaymentSucceeded { period: Option<Period> },
    /// A payment failed. Active → past_due with grace until now + [`GRACE_PERIOD`]; trialing →
    /// past_due the same way, moving to the post-trial period if the trial has ended. Past_due
    /// and locked stay as they are (the first grace end holds: retries do not extend it).
    PaymentFailed,
    /// Past_due whose `grace_ends_at` has come → locked (read-only).
    GraceExpired,
    /// Immediately: any status but canceled → canceled now. At period end: trialing, active,
    /// past_due, locked → flag set; the end of the period (or trial) cancels.
    Cancel { at_period_end: bool },
    /// Withdraws a pending cancel-at-period-end before the period ends.
    Reactivate,
    /// Schedules a change (a downgrade at period end): trialing, active, past_due.
    ScheduleChange(ScheduledChange),
    /// Drops the scheduled change; an error if there is none.
    ClearScheduledChange,
    /// An upgrade applied now (the provider prorates): active or trialing. Clears a scheduled
    /// change. Changing the interval restarts the billing period at now, as Stripe does; a
    /// trial keeps its period.
    ChangePlanNow { plan: PlanCode, interval: Interval },
    /// The current period ended (not before): active, past_due, locked. With
    /// `cancel_at_period_end` → canceled at the period end. Else a scheduled change due by then
    /// applies and `next` (which must start at the current end) becomes the period; the status
    /// is unchanged (the renewal payment moves it).
    PeriodEnded { next: Period },
    /// Adopt the provider's view, from any status, unless it is older than the newest applied
    /// (→ [`TransitionError::StaleSnapshot`]). A provider `past_due` never unlocks a
    /// subscription our grace already locked; entering past_due starts grace at the snapshot's
    /// time, so replays converge.
    SyncFromProvider(ProviderSnapshot),
    /// Records the provider's customer and/or subscription ids (any status).
    LinkProvider {
        customer_id: Option<String>,
        subscription_id: Option<String>,
    },
}

impl Transition {
    /// The snake_case name used in errors and audit entries.
    pub fn name(&self) -> &'static str {
        match self {
            Transition::BeginCheckout { .. } => "begin_checkout",
            Transition::StartTrial { .. } => "start_trial",
            Transition::Activate { .. } => "activate",
            Transition::TrialEnded { .. } => "trial_ended",
            Transition::PaymentSucceeded { .. } => "payment_succeeded",
            Transition::PaymentFailed => "payment_failed",
            Transition::GraceExpired => "grace_expired",
            Transition::Cancel { .. } => "cancel",
            Transition::Reactivate => "reactivate",
            Transition::ScheduleChange(_) => "schedule_change",
            Transition::ClearScheduledChange => "clear_scheduled_change",
            Transition::ChangePlanNow { .. } => "change_plan_now",
            Transition::PeriodEnded { .. } => "period_ended",
            Transition::SyncFromProvider(_) => "sync_from_provider",
            Transition::LinkProvider { .. } => "link_provider",
        }
    }
}

impl Subscription {
    /// Applies `t` at `now` and answers the new value (`version + 1`, `updated_at = now`);
    /// `self` is left as it was, so a refused transition changes nothing.
    ///
    /// # Errors
    /// - [`TransitionError::NotAllowed`] when `t` is not defined from the current status or its
    ///   precondition fails (the message names the status, the transition and why).
    /// - [`TransitionError::NotDue`] when a time-driven transition runs before its instant.
    /// - [`TransitionError::StaleSnapshot`] for a provider snapshot older than the applied one.
    /// - [`TransitionError::Invalid`] for inconsistent input (a `next` period that does not
    ///   follow the current one, a scheduled change in the past, nothing to link).
    pub fn apply(&self, t: Transition, now: Timestamp) -> Result<Subscription, TransitionError> {
        let name = t.name();
        let deny = |reason: &str| TransitionError::NotAllowed {
            from: self.status,
            transition: name,
            reason: reason.to_owned(),
        };
        let mut s = self.clone();
        match t {
            Transition::BeginCheckout { plan, interval } => {
                if !matches!(s.status, Incomplete | Canceled) {
                    return Err(deny(
                        "a live subscription changes plan, it does not check out again",
                    ));
                }
                s.restart(
                    Incomplete,
                    plan,
                    interval,
                    Period::months_from(now, interval.months()),
                );
            }
            Transition::StartTrial {
                plan,
                interval,
                period,
            } => {
                if !matches!(s.status, Incomplete | Canceled) {
                    return Err(deny(
                        "only a new or canceled subscription can start a trial",
                    ));
                }
                if period.end <= now {
                    return Err(TransitionError::Invalid(
                        "the trial period is already over".into(),
                    ));
                }
                s.restart(Trialing, plan, interval, period);
                s.trial_end = Some(period.end);
            }
            Transition::Activate { period } => {
                if !matches!(s.status, Incomplete | Trialing | Canceled) {
                    return Err(deny(
                        "already paid: renewals and recoveries are payment_succeeded",
                    ));
                }
                if s.status == Canceled {
                    s.canceled_at = None;
                    s.cancel_at_period_end = false;
                }
                s.status = Active;
                s.current_period = period;
                s.grace_ends_at = None;
            }
            Transition::TrialEnded { converted } => {
                if s.status != Trialing {
                    return Err(deny("not in a trial"));
                }
                let trial_end = s.trial_end.unwrap_or(s.current_period.end);
                if now < trial_end {
                    return Err(TransitionError::NotDue {
                        transition: name,
                        due_at: trial_end,
                    });
                }
                if s.cancel_at_period_end || !converted {
                    s.cancel(trial_end);
                } else {
                    s.roll_period(s.next_period());
                    s.status = Active;
                }
            }
            Transition::PaymentSucceeded { period } => {
                match (s.status, period) {
                    (Trialing, _) => {
                        return Err(deny(
                            "a payment during a trial converts it through activate",
                        ));
                    }
                    (Canceled, _) => return Err(deny("canceled: a new checkout starts it again")),
                    (Incomplete, None) => {
                        return Err(deny("the first payment must carry its period"));
                    }
                    (Incomplete, Some(p)) => s.current_period = p,
                    (_, Some(p)) if p.start >= s.current_period.end => s.roll_period(p),
                    (_, Some(p)) if p.start >= s.current_period.start => s.current_period = p,
                    _ => {}
                }
                s.status = Active;
                s.grace_ends_at = None;
            }
            Transition::PaymentFailed => match s.status {
                Active => s.enter_past_due(now + GRACE_PERIOD),
                Trialing => {
                    let trial_end = s.trial_end.unwrap_or(s.current_period.end);
                    if now >= trial_end {
                        s.roll_period(s.next_period());
                    }
                    s.enter_past_due(now + GRACE_PERIOD);
                }
                PastDue | Locked => {}
                Incomplete => {
                    return Err(deny("the first payment failed: checkout stays incomplete"));
                }
                Canceled => return Err(deny("nothing is charged on a canceled subscription")),
            },
            Transition::GraceExpired => {
                if s.status != PastDue {
                    return Err(deny("only a past_due subscription has a grace period"));
                }
                let Some(grace_end) = s.grace_ends_at else {
                    return Err(deny("no grace period is running"));
                };
                if now < grace_end {
                    return Err(TransitionError::NotDue {
                        transition: name,
                        due_at: grace_end,
                    });
                }
                s.status = Locked;
            }
            Transition::Cancel {
                at_period_end: false,
            } => {
                if s.status == Canceled {
                    return Err(deny("already canceled"));
                }
                s.cancel(now);
            }
            Transition::Cancel {
                at_period_end: true,
            } => {
                if !matches!(s.status, Trialing | Active | PastDue | Locked) {
                    return Err(deny("no running period to end: cancel now instead"));
                }
                s.cancel_at_period_end = true;
            }
            Transition::Reactivate => {
                if s.status == Canceled {
                    return Err(deny("already canceled: a new checkout starts it again"));
                }
                if !s.cancel_at_period_end {
                    return Err(deny("no cancellation is pending"));
                }
                if now >= s.current_period.end {
                    return Err(deny("the period has ended"));
                }
                s.cancel_at_period_end = false;
            }
            Transition::ScheduleChange(change) => {
                if !matches!(s.status, Trialing | Active | PastDue) {
                    return Err(deny("only a running subscription can schedule a change"));
                }
                if change.plan == s.plan && change.interval == s.interval {
                    return Err(deny("already on that plan and interval"));
                }
                if change.at <= now {
                    return Err(TransitionError::Invalid(
                        "a scheduled change must be in the future".into(),
                    ));
                }
                s.scheduled_change = Some(change);
            }
            Transition::ClearScheduledChange => {
                if s.scheduled_change.take().is_none() {
                    return Err(deny("no change is scheduled"));
                }
            }
            Transition::ChangePlanNow { plan, interval } => {
                if !matches!(s.status, Active | Trialing) {
                    return Err(deny(
                        "only an active or trialing subscription changes plan now (settle unpaid invoices first)",
                    ));
                }
                if plan == s.plan && interval == s.interval {
                    return Err(deny("already on that plan and interval"));
                }
                if s.status == Active && interval != s.interval {
                    s.current_period = Period::months_from(now, interval.months());
                }
                s.plan = plan;
                s.interval = interval;
                s.scheduled_change = None;
            }
            Transition::PeriodEnded { next } => {
                if !matches!(s.status, Active | PastDue | Locked) {
                    return Err(deny(
                        "no paid period is running (a trial ends through trial_ended)",
                    ));
                }
                let end = s.current_period.end;
                if now < end {
                    return Err(TransitionError::NotDue {
                        transition: name,
                        due_at: end,
                    });
                }
                if next.start != end {
                    return Err(TransitionError::Invalid(format!(
                        "the next period must start at the current end {end}, not {}",
                        next.start
                    )));
                }
                if s.cancel_at_period_end {
                    s.cancel(end);
                } else {
                    s.roll_period(next);
                }
            }
            Transition::SyncFromProvider(snapshot) => s.sync(snapshot)?,
            Transition::LinkProvider {
                customer_id,
                subscription_id,
            } => {
                if customer_id.is_none() && subscription_id.is_none() {
                    return Err(TransitionError::Invalid("nothing to link".into()));
                }
                s.provider_customer_id = customer_id.or(s.provider_customer_id);
                s.provider_subscription_id = subscription_id.or(s.provider_subscription_id);
            }
        }
        s.version += 1;
        s.updated_at = now;
        Ok(s)
    }

    fn restart(
        &mut self,
        status: SubscriptionStatus,
        plan: PlanCode,
        interval: Interval,
        period: Period,
    ) {
        self.status = status;
        self.plan = plan;
        self.interval = interval;
        self.current_period = period;
        self.canceled_at = None;
        self.cancel_at_period_end = false;
        self.scheduled_change = None;
        self.grace_ends_at = None;
    }

    fn cancel(&mut self, at: Timestamp) {
        self.status = Canceled;
        self.canceled_at = Some(at);
        self.cancel_at_period_end = false;
        self.scheduled_change = None;
        self.grace_ends_at = None;
    }

    fn enter_past_due(&mut self, grace_end: Timestamp) {
        if self.status != PastDue || self.grace_ends_at.is_none() {
            self.grace_ends_at = Some(grace_end);
        }
        self.status = PastDue;
    }

    /// Moves to `next`, applying a scheduled change due by the end of the current period.
    fn roll_period(&mut self, next: Period) {
        let boundary = match (self.status, self.trial_end) {
            (Trialing, Some(trial_end)) => trial_end,
            _ => self.current_period.end,
        };
        if let Some(change) = self.scheduled_change_due(boundary).cloned() {
            self.plan = change.plan;
            self.interval = change.interval;
            self.scheduled_change = None;
        }
        self.current_period = next;
    }
}

#[cfg(test)]
mod tests;
