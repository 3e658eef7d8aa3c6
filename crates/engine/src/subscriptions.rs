//! Selling and changing plans: trials, checkout, the portal, upgrades (now, prorated),
//! downgrades (at period end), cancel and reactivate. Provider calls come first; their events
//! go through the same path as webhooks; the local transition then makes sure our state says
//! what the caller asked for, whichever order things arrived in.

use serde::{Deserialize, Serialize};
use tollgate_billing::{
    CancelRequest, ChangeMode, ChangePlanRequest, CheckoutRequest, CheckoutSession, Customer,
    PortalRequest, PortalSession, ReactivateRequest, ScheduledChange, Subscription,
    SubscriptionStatus, Transition,
};
use tollgate_kernel::{CustomerId, GrantTrigger, Interval, Money, PlanCode, Timestamp};
use tollgate_plans::{Plan, PlanChange, compare};
use tollgate_pricing::Proration;

use crate::audit::Caller;
use crate::engine::{Engine, snapshot};
use crate::error::EngineError;

/// Whether a change applies now or at the end of the period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    Upgrade,
    Downgrade,
}

/// `GET …/subscription/change/preview`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChangePreview {
    pub kind: ChangeKind,
    pub plan: PlanCode,
    pub interval: Interval,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub effective_at: Timestamp,
    /// Credit for the unused part of the old price and charge for the rest of the period
    /// (upgrades of a paid subscription only).
    pub proration: Option<Proration>,
    pub amount_due_now: Money,
    pub new_price: Money,
}

/// `POST /v1/customers/{id}/checkout`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct StartCheckout {
    pub plan: PlanCode,
    pub interval: Interval,
    pub success_url: String,
    pub cancel_url: String,
}

const MAX_URL: usize = 2048;
const SAVE_ATTEMPTS: usize = 8;

fn validate_url(name: &str, url: &str) -> Result<(), EngineError> {
    let ok = url.len() <= MAX_URL
        && (url.starts_with("https://") || url.starts_with("http://"))
        && !url.chars().any(char::is_whitespace);
    if ok {
        Ok(())
    } else {
        Err(EngineError::invalid(format!(
            "{name} must be an http(s) URL of at most {MAX_URL} characters"
        )))
    }
}

fn price_of(plan: &Plan, customer: &Customer, interval: Interval) -> Result<Money, EngineError> {
    if plan.custom {
        return Err(EngineError::invalid(format!(
            "plan {} is sold by contact, not self-serve",
            plan.code
        )));
    }
    plan.price(customer.currency, interval)
        .map(|p| Money::new(p.amount_minor, customer.currency))
        .ok_or_else(|| {
            EngineError::invalid(format!(
                "plan {} has no {} price per {}",
                plan.code, customer.currency, interval
            ))
        })
}

fn provider_price_id(plan: &Plan, customer: &Customer, interval: Interval) -> Option<String> {
    plan.price(customer.currency, interval)
        .and_then(|p| p.stripe_price_id.clone())
}

/// Upgrade when the target ranks higher, or the same plan moves from monthly to yearly.
pub(crate) fn classify(
    from: &Plan,
    from_interval: Interval,
    to: &Plan,
    to_interval: Interval,
) -> ChangeKind {
    match compare(from, to) {
        PlanChange::Upgrade => ChangeKind::Upgrade,
        PlanChange::Downgrade => ChangeKind::Downgrade,
        PlanChange::Same if to_interval.months() > from_interval.months() => ChangeKind::Upgrade,
        PlanChange::Same => ChangeKind::Downgrade,
    }
}

impl Engine {
    /// The customer's subscription.
    ///
    /// # Errors
    /// [`EngineError::NotFound`] when the customer is unknown or has never subscribed.
    pub async fn subscription(&self, id: &CustomerId) -> Result<Subscription, EngineError> {
        self.live_customer(id).await?;
        self.d
            .subscriptions
            .get(id)
            .await?
            .ok_or_else(|| EngineError::not_found("subscription", id))
    }

    /// Applies `step` to the stored subscription with optimistic concurrency, retrying when
    /// another writer got there first. `step` returning `None` means nothing to do.
    pub(crate) async fn update_subscription<F>(
        &self,
        customer: &CustomerId,
        action: &str,
        caller: &Caller,
        step: F,
    ) -> Result<Subscription, EngineError>
    where
        F: Fn(&Subscription) -> Result<Option<Transition>, EngineError>,
    {
        for _ in 0..SAVE_ATTEMPTS {
            let current = self
                .d
                .subscriptions
                .get(customer)
                .await?
                .ok_or_else(|| EngineError::not_found("subscription", customer))?;
            let Some(t) = step(&current)? else {
                return Ok(current);
            };
            let next = current.apply(t, self.now())?;
            match self
                .d
                .subscriptions
                .save(&next, Some(current.version))
                .await
            {
                Ok(()) => {
                    self.journal(
                        caller,
                        action,
                        format!("subscription:{customer}"),
                        snapshot(&current),
                        snapshot(&next),
                    )
                    .await?;
                    return Ok(next);
                }
                Err(tollgate_billing::BillingStoreError::Conflict(_)) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(EngineError::Conflict(format!(
            "subscription of {customer} is changing concurrently; retry"
        )))
    }

    /// Stores a brand-new subscription, replacing a canceled one if there is one.
    pub(crate) async fn insert_subscription(
        &self,
        mut sub: Subscription,
        action: &str,
        caller: &Caller,
    ) -> Result<Subscription, EngineError> {
        let existing = self.d.subscriptions.get(&sub.customer).await?;
        let expected = match &existing {
            Some(old) if old.status != SubscriptionStatus::Canceled => {
                return Err(EngineError::Conflict(format!(
                    "customer {} already has a {} subscription",
                    sub.customer,
                    serde_json::to_value(old.status)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_owned))
                        .unwrap_or_default()
                )));
            }
            Some(old) => {
                sub.version = old.version + 1;
                Some(old.version)
            }
            None => None,
        };
        self.d.subscriptions.save(&sub, expected).await?;
        self.journal(
            caller,
            action,
            format!("subscription:{}", sub.customer),
            existing.as_ref().and_then(snapshot),
            snapshot(&sub),
        )
        .await?;
        Ok(sub)
    }

    /// Starts the plan's free trial, with no payment method.
    ///
    /// # Errors
    /// [`EngineError::Invalid`] when the plan has no trial or no price in the customer's
    /// currency; [`EngineError::Conflict`] when the customer already has a subscription.
    pub async fn start_trial(
        &self,
        id: &CustomerId,
        plan: &PlanCode,
        caller: &Caller,
    ) -> Result<Subscription, EngineError> {
        let customer = self.live_customer(id).await?;
        let plan = self.sellable_plan(plan).await?;
        if plan.trial_days == 0 {
            return Err(EngineError::invalid(format!(
                "plan {} has no trial",
                plan.code
            )));
        }
        price_of(&plan, &customer, Interval::Month)?;
        let sub = Subscription::trial(
            id.clone(),
            plan.code.clone(),
            Interval::Month,
            customer.currency,
            plan.trial_days,
            self.now(),
        )?;
        let sub = self
            .insert_subscription(sub, "subscription.trial_started", caller)
            .await?;
        self.grant_plan_credits(id, &plan, GrantTrigger::Start, "trial", caller)
            .await?;
        Ok(sub)
    }

    /// Opens a hosted checkout for a plan. Card data never reaches Tollgate.
    ///
    /// # Errors
    /// [`EngineError::Invalid`] for bad URLs, a custom plan or a missing price;
    /// [`EngineError::Conflict`] when a paid subscription is already running (use a plan
    /// change); [`EngineError::BillingUnavailable`] when the provider is down.
    pub async fn checkout(
        &self,
        id: &CustomerId,
        req: &StartCheckout,
        idempotency_key: &str,
        caller: &Caller,
    ) -> Result<CheckoutSession, EngineError> {
        let (interval, success_url, cancel_url) = (req.interval, &req.success_url, &req.cancel_url);
        validate_url("success_url", success_url)?;
        validate_url("cancel_url", cancel_url)?;
        let mut customer = self.live_customer(id).await?;
        let plan = self.sellable_plan(&req.plan).await?;
        let price = price_of(&plan, &customer, interval)?;
        let existing = self.d.subscriptions.get(id).await?;
        if let Some(s) = &existing {
            let paid_running = s.provider_subscription_id.is_some()
                && !matches!(
                    s.status,
                    SubscriptionStatus::Canceled | SubscriptionStatus::Incomplete
                );
            if paid_running {
                return Err(EngineError::Conflict(
                    "customer already has a paid subscription; change its plan instead".into(),
                ));
            }
        }
        self.ensure_provider_customer(&mut customer).await?;
        let trial_days = if existing.is_some() {
            0
        } else {
            plan.trial_days
        };
        let session = self
            .d
            .billing
            .create_checkout(&CheckoutRequest {
                customer: customer.clone(),
                plan: plan.code.clone(),
                interval,
                price,
                provider_price_id: provider_price_id(&plan, &customer, interval),
                trial_days,
                success_url: success_url.clone(),
                cancel_url: cancel_url.clone(),
                idempotency_key: format!("checkout:{id}:{idempotency_key}"),
            })
            .await?;
        self.journal(
            caller,
            "checkout.created",
            format!("customer:{id}"),
            None,
            Some(serde_json::json!({
                "session_id": session.id, "plan": plan.code, "interval": interval,
            })),
        )
        .await?;
        Ok(session)
    }

    /// Opens the provider's customer portal.
    ///
    /// # Errors
    /// [`EngineError::Invalid`] for a bad return URL; [`EngineError::BillingUnavailable`].
    pub async fn portal(
        &self,
        id: &CustomerId,
        return_url: &str,
    ) -> Result<PortalSession, EngineError> {
        validate_url("return_url", return_url)?;
        let mut customer = self.live_customer(id).await?;
        self.ensure_provider_customer(&mut customer).await?;
        Ok(self
            .d
            .billing
            .create_portal(&PortalRequest {
                customer,
                return_url: return_url.to_owned(),
            })
            .await?)
    }

    async fn ensure_provider_customer(&self, customer: &mut Customer) -> Result<(), EngineError> {
        if customer.provider_customer_id.is_none() {
            let provider_id = self.d.billing.ensure_customer(customer).await?;
            customer.provider_customer_id = Some(provider_id);
            self.d.customers.update(customer).await?;
        }
        Ok(())
    }

    async fn change_request(
        &self,
        id: &CustomerId,
        plan: &PlanCode,
        interval: Option<Interval>,
        idempotency_key: &str,
    ) -> Result<(Subscription, Plan, Plan, ChangePlanRequest, ChangeKind), EngineError> {
        let customer = self.live_customer(id).await?;
        let sub = self.subscription(id).await?;
        match sub.status {
            SubscriptionStatus::Active | SubscriptionStatus::Trialing => {}
            SubscriptionStatus::Locked => return Err(EngineError::AccountLocked),
            SubscriptionStatus::PastDue => {
                return Err(EngineError::Conflict(
                    "the last payment failed; settle it before changing plan".into(),
                ));
            }
            SubscriptionStatus::Incomplete | SubscriptionStatus::Canceled => {
                return Err(EngineError::Conflict(
                    "no running subscription; start one through checkout".into(),
                ));
            }
        }
        let interval = interval.unwrap_or(sub.interval);
        let from = self.plan(&sub.plan).await?;
        let to = self.sellable_plan(plan).await?;
        if from.code == to.code && interval == sub.interval {
            return Err(EngineError::Conflict(format!(
                "already on plan {}",
                to.code
            )));
        }
        let price = price_of(&to, &customer, interval)?;
        let old_price = from
            .price(sub.currency, sub.interval)
            .map(|p| Money::new(p.amount_minor, sub.currency))
            .unwrap_or(Money::zero(sub.currency));
        let kind = classify(&from, sub.interval, &to, interval);
        let req = ChangePlanRequest {
            subscription: sub.clone(),
            plan: to.code.clone(),
            interval,
            price,
            old_price,
            provider_price_id: provider_price_id(&to, &customer, interval),
            mode: match kind {
                ChangeKind::Upgrade => ChangeMode::Immediate,
                ChangeKind::Downgrade => ChangeMode::AtPeriodEnd,
            },
            idempotency_key: format!("change:{id}:{idempotency_key}"),
            at: self.now(),
        };
        Ok((sub, from, to, req, kind))
    }

    /// What a change would cost now and when it would apply.
    ///
    /// # Errors
    /// As [`Engine::change_plan`], without side effects.
    pub async fn preview_change(
        &self,
        id: &CustomerId,
        plan: &PlanCode,
        interval: Option<Interval>,
    ) -> Result<ChangePreview, EngineError> {
        let (sub, _, _, req, kind) = self.change_request(id, plan, interval, "preview").await?;
        let paid =
            sub.provider_subscription_id.is_some() && sub.status == SubscriptionStatus::Active;
        let (proration, effective_at) = match kind {
            ChangeKind::Upgrade if paid => {
                (Some(self.d.billing.preview_change(&req).await?), req.at)
            }
            ChangeKind::Upgrade => (None, req.at),
            ChangeKind::Downgrade => (None, sub.current_period.end),
        };
        Ok(ChangePreview {
            kind,
            plan: req.plan.clone(),
            interval: req.interval,
            effective_at,
            amount_due_now: proration.as_ref().map_or(Money::zero(sub.currency), |p| {
                Money::new(p.total.minor.max(0), sub.currency)
            }),
            proration,
            new_price: req.price,
        })
    }

    /// Upgrades now (prorated by the provider) or schedules a downgrade for the period end.
    ///
    /// # Errors
    /// [`EngineError::NotFound`], [`EngineError::Invalid`] (custom plan, missing price),
    /// [`EngineError::Conflict`] (same plan, payment outstanding), [`EngineError::AccountLocked`],
    /// [`EngineError::BillingUnavailable`] (nothing changes then).
    pub async fn change_plan(
        &self,
        id: &CustomerId,
        plan: &PlanCode,
        interval: Option<Interval>,
        idempotency_key: &str,
        caller: &Caller,
    ) -> Result<Subscription, EngineError> {
        let (sub, _from, to, req, kind) = self
            .change_request(id, plan, interval, idempotency_key)
            .await?;
        let provider_managed = sub.provider_subscription_id.is_some();
        if provider_managed {
            let events = self.d.billing.change_plan(&req).await?;
            self.apply_provider_events(events, caller).await?;
        }
        let (new_plan, new_interval) = (req.plan.clone(), req.interval);
        // The provider's events may already have applied the change; the local step makes
        // sure our state says what was asked, and the intent is journaled either way.
        let (action, updated) = match kind {
            ChangeKind::Upgrade => {
                let updated = self
                    .update_subscription(id, "subscription.changed", caller, |s| {
                        Ok((s.plan != new_plan || s.interval != new_interval).then(|| {
                            Transition::ChangePlanNow {
                                plan: new_plan.clone(),
                                interval: new_interval,
                            }
                        }))
                    })
                    .await?;
                // Same occasion as the provider's event for this change: credited once.
                let occasion = updated.current_period.start.timestamp().to_string();
                self.grant_plan_credits(id, &to, GrantTrigger::Upgrade, &occasion, caller)
                    .await?;
                ("subscription.upgraded", updated)
            }
            ChangeKind::Downgrade => {
                let at = sub.current_period.end;
                let updated = self
                    .update_subscription(id, "subscription.changed", caller, |s| {
                        let wanted = ScheduledChange {
                            plan: new_plan.clone(),
                            interval: new_interval,
                            at,
                        };
                        Ok((s.scheduled_change.as_ref() != Some(&wanted))
                            .then_some(Transition::ScheduleChange(wanted)))
                    })
                    .await?;
                ("subscription.downgrade_scheduled", updated)
            }
        };
        self.journal(
            caller,
            action,
            format!("subscription:{id}"),
            snapshot(&sub),
            snapshot(&updated),
        )
        .await?;
        Ok(updated)
    }

    /// Cancels now, or at the end of the period (reversible until then).
    ///
    /// # Errors
    /// [`EngineError::NotFound`], [`EngineError::Conflict`] when already canceled,
    /// [`EngineError::BillingUnavailable`].
    pub async fn cancel_subscription(
        &self,
        id: &CustomerId,
        at_period_end: bool,
        caller: &Caller,
    ) -> Result<Subscription, EngineError> {
        let sub = self.subscription(id).await?;
        if sub.status == SubscriptionStatus::Canceled {
            return Err(EngineError::Conflict(
                "subscription is already canceled".into(),
            ));
        }
        if sub.provider_subscription_id.is_some() {
            let events = self
                .d
                .billing
                .cancel(&CancelRequest {
                    subscription: sub.clone(),
                    at_period_end,
                    idempotency_key: format!("cancel:{id}:{}:{at_period_end}", sub.version),
                    at: self.now(),
                })
                .await?;
            self.apply_provider_events(events, caller).await?;
        }
        self.update_subscription(id, "subscription.canceled", caller, |s| {
            let done = if at_period_end {
                s.cancel_at_period_end || s.status == SubscriptionStatus::Canceled
            } else {
                s.status == SubscriptionStatus::Canceled
            };
            Ok((!done).then_some(Transition::Cancel { at_period_end }))
        })
        .await
    }

    /// Undoes a cancel-at-period-end before the period ends.
    ///
    /// # Errors
    /// [`EngineError::Conflict`] when nothing is scheduled to cancel or it is already canceled.
    pub async fn reactivate(
        &self,
        id: &CustomerId,
        caller: &Caller,
    ) -> Result<Subscription, EngineError> {
        let sub = self.subscription(id).await?;
        if !sub.cancel_at_period_end || sub.status == SubscriptionStatus::Canceled {
            return Err(EngineError::Conflict(
                "subscription is not scheduled to cancel; nothing to reactivate".into(),
            ));
        }
        if sub.provider_subscription_id.is_some() {
            let events = self
                .d
                .billing
                .reactivate(&ReactivateRequest {
                    subscription: sub.clone(),
                    idempotency_key: format!("reactivate:{id}:{}", sub.version),
                    at: self.now(),
                })
                .await?;
            self.apply_provider_events(events, caller).await?;
        }
        self.update_subscription(id, "subscription.reactivated", caller, |s| {
            Ok(s.cancel_at_period_end.then_some(Transition::Reactivate))
        })
        .await
    }
}
