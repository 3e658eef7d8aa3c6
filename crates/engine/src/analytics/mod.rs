//! The operator's business view (`GET /v1/admin/analytics`): recurring revenue, subscriptions
//! by status and plan, churn and conversion over the last 30 days.
//!
//! Counts and MRR describe the live (not deleted) customers now. The 30-day rates compare each
//! customer's subscription at the window start with the states it took since, rebuilt from the
//! audit journal ([`timeline`]); deleted customers count there too (a deleted paying customer
//! churned). What "paying" and MRR mean is defined once, in the `revenue` module: MRR counts
//! active and past-due subscriptions at their plan's monthly price (yearly / 12, rounded
//! half-even), and a customer is paying when that is above zero.

mod timeline;

use std::collections::HashMap;

use chrono::Duration;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};
use tollgate_billing::{CustomerStatus, Subscription, SubscriptionStatus};
use tollgate_kernel::{CustomerId, Money, PlanCode, Timestamp};
use tollgate_plans::Plan;

use crate::audit::AuditQuery;
use crate::engine::Engine;
use crate::error::EngineError;
use crate::revenue::{add_to, is_paying, mrr};
use crate::subscriptions::{ChangeKind, classify};
use crate::tenants::plan_in_force;
use timeline::Timeline;

/// The length of the window churn and conversion look back over.
pub const ANALYTICS_WINDOW_DAYS: i64 = 30;

/// `count ÷ base` over the window.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WindowRate {
    /// `count / base` rounded half-even to 4 decimal places (`"0.6667"`); `null` when `base`
    /// is 0.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<tollgate_kernel::DecimalString>))]
    pub rate: Option<Decimal>,
    pub count: u64,
    pub base: u64,
}

impl WindowRate {
    fn new(count: u64, base: u64) -> Self {
        let rate = Decimal::from(count)
            .checked_div(Decimal::from(base))
            .map(|r| {
                let mut r = r.round_dp_with_strategy(4, RoundingStrategy::MidpointNearestEven);
                r.rescale(4);
                r
            });
        Self { rate, count, base }
    }
}

/// One plan's share of the customers and the revenue.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanAnalytics {
    pub plan: PlanCode,
    /// Live customers whose entitlements come from this plan (a customer without a running
    /// subscription counts on the free plan).
    pub customers: u64,
    pub active: u64,
    pub trialing: u64,
    /// MRR per currency, in currency order; currencies with no revenue are absent.
    pub mrr: Vec<Money>,
}

/// `GET /v1/admin/analytics`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Analytics {
    /// The engine clock when computed: the window's end.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub as_of: Timestamp,
    /// `as_of` minus [`ANALYTICS_WINDOW_DAYS`].
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub window_start: Timestamp,
    /// Live customers.
    pub customers: u64,
    /// MRR of the live customers per currency, in currency order; currencies with no revenue
    /// are absent.
    pub mrr: Vec<Money>,
    /// Live customers' subscriptions by status now.
    pub active: u64,
    pub trialing: u64,
    pub past_due: u64,
    pub locked: u64,
    pub canceled: u64,
    pub incomplete: u64,
    /// Base: customers paying at the window start (active or past due on a plan with a
    /// non-zero price). Count: those of them whose subscription became `canceled` within the
    /// window (a cancel at period end counts once the period has ended; a customer who came
    /// back on a new subscription still counts as churned).
    pub churn: WindowRate,
    /// Base: customers that existed at the window start on free or trial terms (no
    /// subscription, or one that was trialing, incomplete, canceled, or on a free plan).
    /// Count: those of them that were paying at some point within the window.
    pub upgrade_conversion: WindowRate,
    /// Base: the churn base (paying at the window start). Count: those of them that moved to
    /// a higher tier within the window while paying (a higher-priority plan, or the same plan
    /// from monthly to yearly).
    pub paid_upgrades: WindowRate,
    /// Every active plan, and every archived one that still has customers, by priority.
    pub by_plan: Vec<PlanAnalytics>,
}

fn plan_row<'a>(rows: &'a mut Vec<PlanAnalytics>, code: &PlanCode) -> &'a mut PlanAnalytics {
    let at = match rows.iter().position(|r| &r.plan == code) {
        Some(i) => i,
        None => {
            rows.push(PlanAnalytics {
                plan: code.clone(),
                customers: 0,
                active: 0,
                trialing: 0,
                mrr: Vec::new(),
            });
            rows.len() - 1
        }
    };
    &mut rows[at]
}

/// Free or trial terms: nothing paid, and not locked out for not paying.
fn on_free_terms(sub: Option<&Subscription>, plans: &HashMap<PlanCode, Plan>) -> bool {
    match sub {
        None => true,
        Some(s) => match s.status {
            SubscriptionStatus::Trialing
            | SubscriptionStatus::Incomplete
            | SubscriptionStatus::Canceled => true,
            SubscriptionStatus::Active | SubscriptionStatus::PastDue => !is_paying(s, plans),
            SubscriptionStatus::Locked => false,
        },
    }
}

/// Whether, between two paying states, the customer moved up a tier.
fn upgraded_while_paying(t: &Timeline, plans: &HashMap<PlanCode, Plan>) -> bool {
    let mut prev = t.at_start.as_ref();
    for next in &t.in_window {
        if let Some(p) = prev
            && is_paying(p, plans)
            && is_paying(next, plans)
            && (p.plan != next.plan || p.interval != next.interval)
            && let (Some(from), Some(to)) = (plans.get(&p.plan), plans.get(&next.plan))
            && classify(from, p.interval, to, next.interval) == ChangeKind::Upgrade
        {
            return true;
        }
        prev = Some(next);
    }
    false
}

impl Engine {
    /// Revenue, subscription counts and 30-day rates (see [`Analytics`] for each definition).
    ///
    /// Reads every customer, subscription and plan, and the journal's subscription changes
    /// and customer deletions: meant for the operator's dashboard, not for a hot path.
    ///
    /// # Errors
    /// Only on store failure.
    pub async fn analytics(&self) -> Result<Analytics, EngineError> {
        let as_of = self.now();
        let window_start = as_of - Duration::days(ANALYTICS_WINDOW_DAYS);
        let catalog = self.d.plans.list_plans().await?;
        let free = self.free_plan().await?;
        let plans: HashMap<PlanCode, Plan> = catalog
            .iter()
            .map(|p| (p.code.clone(), p.clone()))
            .collect();
        let subs: HashMap<CustomerId, Subscription> = self
            .d
            .subscriptions
            .list()
            .await?
            .into_iter()
            .map(|s| (s.customer.clone(), s))
            .collect();
        let everyone = self.d.customers.list().await?;
        let journal = |action: &str| AuditQuery {
            action: Some(action.to_owned()),
            ..AuditQuery::default()
        };
        let changes = self.d.audit.list(&journal("subscription.")).await?;
        let mut deleted_at: HashMap<String, Timestamp> = HashMap::new();
        for e in self.d.audit.list(&journal("customer.deleted")).await? {
            if let Some(id) = e.entity.strip_prefix("customer:") {
                let at = deleted_at.entry(id.to_owned()).or_insert(e.ts);
                *at = (*at).min(e.ts);
            }
        }
        let timelines = timeline::timelines(&changes, &subs, window_start);

        let mut a = Analytics {
            as_of,
            window_start,
            ..Analytics::default()
        };
        for p in &catalog {
            plan_row(&mut a.by_plan, &p.code);
        }
        let (mut churned, mut paying_at_start) = (0, 0);
        let (mut converted, mut free_at_start) = (0, 0);
        let mut upgraded = 0;
        let none = Timeline::default();
        for c in &everyone {
            let t = timelines.get(&c.id).unwrap_or(&none);
            let existed_at_start = c.created_at <= window_start
                && (c.status != CustomerStatus::Deleted
                    || deleted_at
                        .get(c.id.as_str())
                        .is_some_and(|at| *at > window_start));
            if t.at_start.as_ref().is_some_and(|s| is_paying(s, &plans)) {
                paying_at_start += 1;
                if t.in_window
                    .iter()
                    .any(|s| s.status == SubscriptionStatus::Canceled)
                {
                    churned += 1;
                }
                if upgraded_while_paying(t, &plans) {
                    upgraded += 1;
                }
            } else if existed_at_start && on_free_terms(t.at_start.as_ref(), &plans) {
                free_at_start += 1;
                if t.in_window.iter().any(|s| is_paying(s, &plans)) {
                    converted += 1;
                }
            }

            if c.status == CustomerStatus::Deleted {
                continue;
            }
            a.customers += 1;
            let sub = subs.get(&c.id);
            if let Some(code) = plan_in_force(sub, free.as_ref()) {
                plan_row(&mut a.by_plan, &code).customers += 1;
            }
            let Some(s) = sub else { continue };
            match s.status {
                SubscriptionStatus::Active => a.active += 1,
                SubscriptionStatus::Trialing => a.trialing += 1,
                SubscriptionStatus::PastDue => a.past_due += 1,
                SubscriptionStatus::Locked => a.locked += 1,
                SubscriptionStatus::Canceled => a.canceled += 1,
                SubscriptionStatus::Incomplete => a.incomplete += 1,
            }
            let row = plan_row(&mut a.by_plan, &s.plan);
            match s.status {
                SubscriptionStatus::Active => row.active += 1,
                SubscriptionStatus::Trialing => row.trialing += 1,
                _ => {}
            }
            let revenue = mrr(s, &plans);
            if revenue.minor > 0 {
                add_to(&mut row.mrr, revenue);
                add_to(&mut a.mrr, revenue);
            }
        }
        a.by_plan.retain(|r| {
            plans.get(&r.plan).is_some_and(|p| p.active)
                || r.customers + r.active + r.trialing > 0
                || !r.mrr.is_empty()
        });
        a.churn = WindowRate::new(churned, paying_at_start);
        a.upgrade_conversion = WindowRate::new(converted, free_at_start);
        a.paid_upgrades = WindowRate::new(upgraded, paying_at_start);
        Ok(a)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_have_four_places_and_no_rate_without_a_base() {
        let json = |r: WindowRate| serde_json::to_value(r).ok();
        assert_eq!(
            json(WindowRate::new(2, 3)),
            Some(serde_json::json!({"rate": "0.6667", "count": 2, "base": 3}))
        );
        assert_eq!(
            WindowRate::new(1, 2).rate.map(|r| r.to_string()),
            Some("0.5000".into())
        );
        assert_eq!(
            WindowRate::new(0, 7).rate.map(|r| r.to_string()),
            Some("0.0000".into())
        );
        assert_eq!(
            WindowRate::new(3, 3).rate.map(|r| r.to_string()),
            Some("1.0000".into())
        );
        // 1/32 = 0.03125 → half-even at 4 places
        assert_eq!(
            WindowRate::new(1, 32).rate.map(|r| r.to_string()),
            Some("0.0312".into())
        );
        assert_eq!(
            json(WindowRate::new(0, 0)),
            Some(serde_json::json!({"rate": null, "count": 0, "base": 0}))
        );
    }
}
