//! Loading what a decision about one customer needs: the customer, the subscription, the plan
//! in force and the effective entitlements.

use std::sync::Arc;

use tollgate_billing::{Customer, CustomerStatus, Subscription, SubscriptionStatus};
use tollgate_kernel::{CustomerId, PlanCode};
use tollgate_plans::{Entitlements, FeatureCatalog, Plan, resolve};

use crate::engine::Engine;
use crate::error::EngineError;

/// One customer's situation at a point in time.
#[derive(Debug, Clone)]
pub(crate) struct CustomerContext {
    pub customer: Customer,
    pub subscription: Option<Subscription>,
    pub entitlements: Entitlements,
}

impl CustomerContext {
    pub fn is_locked(&self) -> bool {
        self.subscription
            .as_ref()
            .is_some_and(|s| s.status == SubscriptionStatus::Locked)
    }
}

impl Engine {
    /// A live (not deleted) customer.
    pub(crate) async fn live_customer(&self, id: &CustomerId) -> Result<Customer, EngineError> {
        match self.d.customers.get(id).await? {
            Some(c) if c.status != CustomerStatus::Deleted => Ok(c),
            _ => Err(EngineError::not_found("customer", id)),
        }
    }

    pub(crate) async fn plan(&self, code: &PlanCode) -> Result<Plan, EngineError> {
        self.d
            .plans
            .get_plan(code)
            .await?
            .ok_or_else(|| EngineError::not_found("plan", code))
    }

    /// A plan that can be sold: exists and is active.
    pub(crate) async fn sellable_plan(&self, code: &PlanCode) -> Result<Plan, EngineError> {
        let plan = self.plan(code).await?;
        if !plan.active {
            return Err(EngineError::invalid(format!(
                "plan {code} is archived and cannot be chosen"
            )));
        }
        Ok(plan)
    }

    pub(crate) async fn feature_catalog(&self) -> Result<FeatureCatalog, EngineError> {
        let features = self.d.features.list_features().await?;
        Ok(FeatureCatalog::new(features)?)
    }

    /// The plan a customer without a paying subscription gets: the lowest-priority active,
    /// public, self-serve plan whose prices are all zero. `None` when the catalog has no free
    /// plan (then nothing is included until the customer subscribes).
    pub(crate) async fn free_plan(&self) -> Result<Option<Plan>, EngineError> {
        let mut plans: Vec<Plan> = self
            .d
            .plans
            .list_plans()
            .await?
            .into_iter()
            .filter(|p| {
                p.active
                    && p.public
                    && !p.custom
                    && !p.prices.is_empty()
                    && p.prices.iter().all(|pr| pr.amount_minor == 0)
            })
            .collect();
        plans.sort_by_key(|p| p.priority);
        Ok(plans.into_iter().next())
    }

    /// [`Self::context`], served from the context cache when it is on (the hot path).
    pub(crate) async fn cached_context(
        &self,
        id: &CustomerId,
    ) -> Result<Arc<CustomerContext>, EngineError> {
        if !self.contexts.enabled() {
            return Ok(Arc::new(self.context(id).await?));
        }
        if let Some(ctx) = self.contexts.get(id) {
            return Ok(ctx);
        }
        let generation = self.contexts.generation();
        let ctx = Arc::new(self.context(id).await?);
        self.contexts.put(generation, ctx.clone());
        Ok(ctx)
    }

    pub(crate) async fn context(&self, id: &CustomerId) -> Result<CustomerContext, EngineError> {
        let customer = self.live_customer(id).await?;
        let subscription = self.d.subscriptions.get(id).await?;
        // The plan whose entitlements apply: the subscription's while it carries one (locked
        // accounts keep their plan but are read-only), otherwise the catalog's free plan.
        let plan = match subscription.as_ref() {
            Some(s) if plan_applies(s.status) => Some(self.plan(&s.plan).await?),
            _ => self.free_plan().await?,
        };
        let features = self.feature_catalog().await?;
        let overrides = self.d.overrides.get_overrides(id).await?;
        let mut addons = Vec::with_capacity(overrides.addons.len());
        for sel in &overrides.addons {
            if let Some(addon) = self.d.plans.get_addon(&sel.code).await? {
                addons.push((addon, sel.quantity));
            }
        }
        let entitlements = resolve(plan.as_ref(), &features, &addons, &overrides);
        Ok(CustomerContext {
            customer,
            subscription,
            entitlements,
        })
    }
}

/// Whether a subscription in this status still carries its plan's entitlements.
pub(crate) fn plan_applies(status: SubscriptionStatus) -> bool {
    matches!(
        status,
        SubscriptionStatus::Trialing
            | SubscriptionStatus::Active
            | SubscriptionStatus::PastDue
            | SubscriptionStatus::Locked
    )
}
