//! The subscription record, its statuses and how a provider's statuses map onto them.

use crate::TransitionError;
use chrono::TimeDelta;
use serde::{Deserialize, Serialize};
use std::fmt;
use tollgate_kernel::{Currency, CustomerId, Interval, Period, PlanCode, Timestamp};

/// How long a past-due subscription keeps full access before it is locked.
pub const GRACE_PERIOD: TimeDelta = TimeDelta::days(3);

/// Where a subscription is in its lifecycle:
/// `incomplete → trialing → active → past_due → (grace) → locked → canceled`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SubscriptionStatus {
    /// Checkout started, nothing paid yet: no access.
    Incomplete,
    /// In a free trial: full access until `trial_end`.
    Trialing,
    /// Paid: full access.
    Active,
    /// A payment failed: full access until `grace_ends_at`.
    PastDue,
    /// Grace ran out unpaid: read-only (emergency mode) until a payment succeeds.
    Locked,
    /// Over: no access. A new checkout or trial starts it again.
    Canceled,
}

impl SubscriptionStatus {
    pub fn as_str(&self) -> &'static str {
        match self {
            SubscriptionStatus::Incomplete => "incomplete",
            SubscriptionStatus::Trialing => "trialing",
            SubscriptionStatus::Active => "active",
            SubscriptionStatus::PastDue => "past_due",
            SubscriptionStatus::Locked => "locked",
            SubscriptionStatus::Canceled => "canceled",
        }
    }

    /// Whether the plan's entitlements apply in full (usage may be recorded).
    /// `locked` is not: it only reads (see [`SubscriptionStatus::is_read_only`]).
    pub fn grants_access(&self) -> bool {
        matches!(
            self,
            SubscriptionStatus::Trialing | SubscriptionStatus::Active | SubscriptionStatus::PastDue
        )
    }

    /// Read-only emergency mode: data stays visible, new usage is refused (402
    /// `account_locked`).
    pub fn is_read_only(&self) -> bool {
        matches!(self, SubscriptionStatus::Locked)
    }
}

impl fmt::Display for SubscriptionStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Maps a provider's (Stripe's) subscription status onto ours; `None` for an unknown word.
///
/// | provider | ours | why |
/// |---|---|---|
/// | `trialing` | trialing | |
/// | `active` | active | |
/// | `past_due` | past_due | our 3-day grace starts when we first see it |
/// | `unpaid` | locked | Stripe gave up retrying: read-only until paid |
/// | `canceled` | canceled | |
/// | `incomplete` | incomplete | first payment pending |
/// | `incomplete_expired` | canceled | the first payment never came: over |
/// | `paused` | locked | a trial ended without a payment method under Stripe's `pause` behaviour: keep the data, stop usage |
pub fn map_provider_status(raw: &str) -> Option<SubscriptionStatus> {
    Some(match raw {
        "trialing" => SubscriptionStatus::Trialing,
        "active" => SubscriptionStatus::Active,
        "past_due" => SubscriptionStatus::PastDue,
        "unpaid" | "paused" => SubscriptionStatus::Locked,
        "canceled" | "incomplete_expired" => SubscriptionStatus::Canceled,
        "incomplete" => SubscriptionStatus::Incomplete,
        _ => return None,
    })
}

/// A plan change that waits for a future instant (a downgrade at period end).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ScheduledChange {
    pub plan: PlanCode,
    pub interval: Interval,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub at: Timestamp,
}

/// The provider's view of a subscription, adopted by [`crate::Transition::SyncFromProvider`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderSnapshot {
    pub status: SubscriptionStatus,
    pub plan: Option<PlanCode>,
    pub interval: Option<Interval>,
    pub period: Option<Period>,
    pub trial_end: Option<Timestamp>,
    pub cancel_at_period_end: bool,
    pub canceled_at: Option<Timestamp>,
    pub provider_subscription_id: Option<String>,
    /// When the provider produced this view (Stripe: the event's `created`); orders snapshots.
    pub provider_updated_at: Timestamp,
}

/// A customer's subscription. Change it only through [`Subscription::apply`], which keeps the
/// lifecycle rules, bumps `version` and stamps `updated_at`; the fields are public so that
/// adapters can store and load it.
///
/// JSON: the fields below, with `current_period` flattened into `current_period_start` and
/// `current_period_end` as in the API's subscription shape.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Subscription {
    pub customer: CustomerId,
    pub plan: PlanCode,
    pub interval: Interval,
    pub currency: Currency,
    pub status: SubscriptionStatus,
    /// The paid period (the trial while trialing; provisional while incomplete).
    #[serde(flatten, with = "current_period")]
    #[cfg_attr(feature = "openapi", schema(value_type = current_period::Flat, inline))]
    pub current_period: Period,
    /// Kept after the trial as history; only read while trialing.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub trial_end: Option<Timestamp>,
    /// Pending cancellation at the end of the current period (or trial).
    pub cancel_at_period_end: bool,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub canceled_at: Option<Timestamp>,
    pub scheduled_change: Option<ScheduledChange>,
    /// Set on entering past_due; kept while locked (when it locked); cleared on payment.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub grace_ends_at: Option<Timestamp>,
    pub provider_customer_id: Option<String>,
    pub provider_subscription_id: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: Timestamp,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub updated_at: Timestamp,
    /// +1 per change; repositories save only over the version that was read (optimistic).
    pub version: i64,
    /// The newest provider timestamp applied; older provider snapshots are refused.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub provider_updated_at: Option<Timestamp>,
}

impl Subscription {
    fn new(
        customer: CustomerId,
        plan: PlanCode,
        interval: Interval,
        currency: Currency,
        status: SubscriptionStatus,
        period: Period,
        now: Timestamp,
    ) -> Self {
        Self {
            customer,
            plan,
            interval,
            currency,
            status,
            current_period: period,
            trial_end: None,
            cancel_at_period_end: false,
            canceled_at: None,
            scheduled_change: None,
            grace_ends_at: None,
            provider_customer_id: None,
            provider_subscription_id: None,
            created_at: now,
            updated_at: now,
            version: 1,
            provider_updated_at: None,
        }
    }

    /// A trial of `trial_days` days from `now`: the current period is the trial.
    ///
    /// # Errors
    /// [`TransitionError::Invalid`] when `trial_days` is 0.
    pub fn trial(
        customer: CustomerId,
        plan: PlanCode,
        interval: Interval,
        currency: Currency,
        trial_days: u32,
        now: Timestamp,
    ) -> Result<Self, TransitionError> {
        let period = Period::new(now, now + TimeDelta::days(i64::from(trial_days)))
            .map_err(|_| TransitionError::Invalid("a trial needs at least one day".into()))?;
        let mut s = Self::new(
            customer,
            plan,
            interval,
            currency,
            SubscriptionStatus::Trialing,
            period,
            now,
        );
        s.trial_end = Some(period.end);
        Ok(s)
    }

    /// Checkout started, nothing paid: no access. The period is provisional (one interval from
    /// `now`); activation replaces it with the paid one.
    pub fn incomplete(
        customer: CustomerId,
        plan: PlanCode,
        interval: Interval,
        currency: Currency,
        now: Timestamp,
    ) -> Self {
        let period = Period::months_from(now, interval.months());
        Self::new(
            customer,
            plan,
            interval,
            currency,
            SubscriptionStatus::Incomplete,
            period,
            now,
        )
    }

    /// A paid subscription for `period`.
    pub fn active(
        customer: CustomerId,
        plan: PlanCode,
        interval: Interval,
        currency: Currency,
        period: Period,
        now: Timestamp,
    ) -> Self {
        Self::new(
            customer,
            plan,
            interval,
            currency,
            SubscriptionStatus::Active,
            period,
            now,
        )
    }

    /// The scheduled change if it takes effect by `at` (normally the current period's end).
    pub fn scheduled_change_due(&self, at: Timestamp) -> Option<&ScheduledChange> {
        self.scheduled_change.as_ref().filter(|c| c.at <= at)
    }

    /// The period that follows the current one (or the trial), in the interval that will then
    /// be in force (a scheduled change due by then may switch month ↔ year), stepped the way
    /// Stripe steps months. What [`crate::Transition::PeriodEnded`] expects as `next`.
    pub fn next_period(&self) -> Period {
        let end = match (self.status, self.trial_end) {
            (SubscriptionStatus::Trialing, Some(trial_end)) => trial_end,
            _ => self.current_period.end,
        };
        let interval = self
            .scheduled_change_due(end)
            .map_or(self.interval, |c| c.interval);
        Period::months_from(end, interval.months())
    }
}

/// `current_period` as two flat fields, `current_period_start` and `current_period_end`.
mod current_period {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use tollgate_kernel::{Period, Timestamp};

    #[derive(Serialize, Deserialize)]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub(super) struct Flat {
        #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
        current_period_start: Timestamp,
        #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
        current_period_end: Timestamp,
    }

    pub fn serialize<S: Serializer>(p: &Period, s: S) -> Result<S::Ok, S::Error> {
        Flat {
            current_period_start: p.start,
            current_period_end: p.end,
        }
        .serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Period, D::Error> {
        let flat = Flat::deserialize(d)?;
        Period::new(flat.current_period_start, flat.current_period_end)
            .map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, Utc};

    fn ts(s: &str) -> Timestamp {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn access_by_status() {
        use SubscriptionStatus::*;
        let grants: Vec<_> = [Incomplete, Trialing, Active, PastDue, Locked, Canceled]
            .iter()
            .map(|s| (s.grants_access(), s.is_read_only()))
            .collect();
        assert_eq!(
            grants,
            [
                (false, false),
                (true, false),
                (true, false),
                (true, false),
                (false, true),
                (false, false)
            ]
        );
        assert_eq!(serde_json::to_string(&PastDue).unwrap(), "\"past_due\"");
    }

    #[test]
    fn provider_statuses_map_as_documented() {
        use SubscriptionStatus::*;
        for (raw, ours) in [
            ("trialing", Trialing),
            ("active", Active),
            ("past_due", PastDue),
            ("unpaid", Locked),
            ("canceled", Canceled),
            ("incomplete", Incomplete),
            ("incomplete_expired", Canceled),
            ("paused", Locked),
        ] {
            assert_eq!(map_provider_status(raw), Some(ours), "{raw}");
        }
        assert_eq!(map_provider_status("Active"), None);
        assert_eq!(map_provider_status("ended"), None);
    }

    #[test]
    fn trial_constructor_and_json_shape() {
        let now = ts("2026-11-01T10:00:00Z");
        let s = Subscription::trial(
            CustomerId::parse("acme").unwrap(),
            PlanCode::parse("pro").unwrap(),
            Interval::Month,
            Currency::USD,
            14,
            now,
        )
        .unwrap();
        assert_eq!(s.status, SubscriptionStatus::Trialing);
        assert_eq!(s.trial_end, Some(ts("2026-11-15T10:00:00Z")));
        assert_eq!(s.current_period.end, ts("2026-11-15T10:00:00Z"));
        assert_eq!(
            s.next_period(),
            Period::months_from(ts("2026-11-15T10:00:00Z"), 1)
        );
        let json = serde_json::to_value(&s).unwrap();
        assert_eq!(json["status"], "trialing");
        assert_eq!(json["current_period_end"], "2026-11-15T10:00:00Z");
        assert!(json.get("current_period").is_none());
        assert_eq!(serde_json::from_value::<Subscription>(json).unwrap(), s);
        assert!(
            Subscription::trial(
                s.customer.clone(),
                s.plan.clone(),
                Interval::Month,
                Currency::USD,
                0,
                now
            )
            .is_err()
        );
    }

    #[test]
    fn grace_is_three_days() {
        assert_eq!(GRACE_PERIOD.num_seconds(), 3 * 24 * 3600);
    }
}
