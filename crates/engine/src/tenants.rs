//! The operator's list of tenants (`GET /v1/admin/customers`): each live customer with its
//! plan, subscription, monthly recurring revenue and usage against its limits.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use tollgate_billing::{Customer, Subscription, SubscriptionStatus};
use tollgate_kernel::{CustomerId, FeatureCode, FeatureKind, Interval, Money, PlanCode};
use tollgate_plans::Plan;
use tollgate_quotas::QuotaState;

use crate::context::plan_applies;
use crate::engine::Engine;
use crate::error::EngineError;
use crate::revenue;

/// One counted feature of a tenant: how much is used of what the plan allows.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsageSummary {
    pub feature: FeatureCode,
    /// `metered` or `gauge`.
    pub kind: FeatureKind,
    pub used: i64,
    /// `null` is unlimited.
    pub limit: Option<i64>,
    pub percent: Option<u32>,
    pub state: QuotaState,
}

/// One line of `GET /v1/admin/customers`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerSummary {
    pub customer: Customer,
    /// The plan whose entitlements apply: the subscription's while it carries one (trialing,
    /// active, past due, locked), otherwise the catalog's free plan; `null` when there is
    /// neither.
    pub plan: Option<PlanCode>,
    /// The subscription's status; `null` when the customer never subscribed.
    pub status: Option<SubscriptionStatus>,
    pub interval: Option<Interval>,
    /// Monthly recurring revenue in the subscription's (the customer's) currency, minor units:
    /// the plan's monthly price, or its yearly price / 12 rounded half-even, for an active or
    /// past-due subscription; 0 otherwise (trialing, locked, canceled, free, none). The full
    /// definition is in the engine's `revenue` module.
    pub mrr: Money,
    /// Read-only after an unpaid grace period.
    pub locked: bool,
    /// Metered and gauge features, in catalog order. Features the plan does not include and
    /// that have no usage (limit 0, nothing used) are left out.
    pub usage: Vec<UsageSummary>,
}

/// The plan in force for a subscription (or its absence), given the catalog's free plan.
pub(crate) fn plan_in_force(sub: Option<&Subscription>, free: Option<&Plan>) -> Option<PlanCode> {
    match sub {
        Some(s) if plan_applies(s.status) => Some(s.plan.clone()),
        _ => free.map(|p| p.code.clone()),
    }
}

impl Engine {
    /// Every plan of the catalog by code, archived ones included (subscribers keep them).
    pub(crate) async fn plans_by_code(&self) -> Result<HashMap<PlanCode, Plan>, EngineError> {
        Ok(self
            .d
            .plans
            .list_plans()
            .await?
            .into_iter()
            .map(|p| (p.code.clone(), p))
            .collect())
    }

    /// Every live customer, ordered by id, with plan, subscription, MRR and usage.
    ///
    /// Reads each customer's entitlements in turn (one customer's counters at a time): meant
    /// for the operator's list, not for a hot path.
    ///
    /// # Errors
    /// Only on store failure.
    pub async fn customer_summaries(&self) -> Result<Vec<CustomerSummary>, EngineError> {
        let plans = self.plans_by_code().await?;
        let free = self.free_plan().await?;
        let subscriptions: HashMap<_, _> = self
            .d
            .subscriptions
            .list()
            .await?
            .into_iter()
            .map(|s| (s.customer.clone(), s))
            .collect();
        let mut customers = self.customers().await?;
        customers.sort_by(|a, b| a.id.cmp(&b.id));
        let mut out = Vec::with_capacity(customers.len());
        for customer in customers {
            let sub = subscriptions.get(&customer.id);
            match self.summary_of(customer, sub, &plans, free.as_ref()).await {
                Ok(s) => out.push(s),
                // Deleted since the list was read.
                Err(EngineError::NotFound { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(out)
    }

    /// One live customer's line of [`Engine::customer_summaries`], read on its own (the
    /// operator's customer page).
    ///
    /// # Errors
    /// [`EngineError::NotFound`] for an unknown or deleted customer; otherwise only on store
    /// failure.
    pub async fn customer_summary(&self, id: &CustomerId) -> Result<CustomerSummary, EngineError> {
        let customer = self.customer(id).await?;
        let plans = self.plans_by_code().await?;
        let free = self.free_plan().await?;
        let sub = self.d.subscriptions.get(id).await?;
        self.summary_of(customer, sub.as_ref(), &plans, free.as_ref())
            .await
    }

    /// A customer's summary from its subscription (if any), the catalog and the free plan.
    async fn summary_of(
        &self,
        customer: Customer,
        sub: Option<&Subscription>,
        plans: &HashMap<PlanCode, Plan>,
        free: Option<&Plan>,
    ) -> Result<CustomerSummary, EngineError> {
        let usage = self
            .entitlements(&customer.id)
            .await?
            .into_iter()
            .filter(|e| matches!(e.kind, FeatureKind::Metered | FeatureKind::Gauge))
            .filter(|e| !(e.limit == Some(0) && e.used == 0))
            .map(|e| UsageSummary {
                feature: e.feature,
                kind: e.kind,
                used: e.used,
                limit: e.limit,
                percent: e.percent,
                state: e.state,
            })
            .collect();
        Ok(CustomerSummary {
            plan: plan_in_force(sub, free),
            status: sub.map(|s| s.status),
            interval: sub.map(|s| s.interval),
            mrr: sub.map_or(Money::zero(customer.currency), |s| revenue::mrr(s, plans)),
            locked: sub.is_some_and(|s| s.status == SubscriptionStatus::Locked),
            usage,
            customer,
        })
    }
}
