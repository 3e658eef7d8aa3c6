//! Applying billing events (from webhooks, the fake provider, or a provider call's answer):
//! each event is logged once by id, processed from the log, and converges whatever the order
//! of arrival — an older snapshot never overwrites a newer one.

use serde::{Deserialize, Serialize};
use tollgate_billing::{
    BillingEvent, BillingEventKind, Invoice, Subscription, SubscriptionStatus, Transition,
};
use tollgate_kernel::{CustomerId, GrantTrigger, Period};

use crate::audit::Caller;
use crate::engine::{Engine, snapshot};
use crate::error::EngineError;
use crate::ports::{BillingEventRecord, EventStatus, WebhookQuery};

/// What happened to one delivered event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case", tag = "outcome", content = "detail")]
pub enum ApplyOutcome {
    Processed,
    /// Seen before (or being processed by another worker): no effect.
    Duplicate,
    /// Understood but not relevant (unknown subscription, stale snapshot).
    Ignored(String),
    /// Processing failed; kept as `failed` with the error, for retry or replay.
    Failed(String),
}

/// Why an event had no effect.
enum Effect {
    Applied,
    Ignored(String),
}

fn kind_name(kind: &BillingEventKind) -> &'static str {
    match kind {
        BillingEventKind::CheckoutCompleted { .. } => "checkout.session.completed",
        BillingEventKind::SubscriptionUpdated { .. } => "customer.subscription.updated",
        BillingEventKind::SubscriptionDeleted { .. } => "customer.subscription.deleted",
        BillingEventKind::TrialWillEnd { .. } => "customer.subscription.trial_will_end",
        BillingEventKind::InvoicePaid { .. } => "invoice.paid",
        BillingEventKind::InvoicePaymentFailed { .. } => "invoice.payment_failed",
        BillingEventKind::PaymentActionRequired { .. } => "invoice.payment_action_required",
    }
}

impl Engine {
    /// Logs an event once by `(provider, id)` and processes it.
    ///
    /// # Errors
    /// Only when the event log itself fails; a processing failure is an
    /// [`ApplyOutcome::Failed`] kept in the log.
    pub async fn receive_billing_event(
        &self,
        event: &BillingEvent,
        caller: &Caller,
    ) -> Result<ApplyOutcome, EngineError> {
        let record = BillingEventRecord {
            provider: event.provider.clone(),
            event_id: event.id.clone(),
            event_type: kind_name(&event.kind).to_owned(),
            received_at: self.now(),
            status: EventStatus::Received,
            attempts: 0,
            error: None,
            processed_at: None,
            payload: serde_json::to_value(event)
                .map_err(|e| EngineError::unexpected(format!("event not serializable: {e}")))?,
        };
        self.d.events.insert(&record).await?;
        self.process_billing_event(&event.provider, &event.id, false, caller)
            .await
    }

    /// Processes a logged event: the first time, after a failure, or as an operator's replay
    /// (`replay` also re-applies a processed event, which converges to the same state).
    ///
    /// # Errors
    /// [`EngineError::NotFound`] for an unknown event; event-log failures.
    pub async fn process_billing_event(
        &self,
        provider: &str,
        event_id: &str,
        replay: bool,
        caller: &Caller,
    ) -> Result<ApplyOutcome, EngineError> {
        let Some(record) = self.d.events.claim(provider, event_id, replay).await? else {
            return match self.d.events.get(provider, event_id).await? {
                Some(_) => Ok(ApplyOutcome::Duplicate),
                None => Err(EngineError::not_found("billing event", event_id)),
            };
        };
        let event: BillingEvent = match serde_json::from_value(record.payload) {
            Ok(e) => e,
            Err(e) => {
                let msg = format!("stored event unreadable: {e}");
                self.d
                    .events
                    .finish(
                        provider,
                        event_id,
                        EventStatus::Failed,
                        Some(msg.clone()),
                        self.now(),
                    )
                    .await?;
                return Ok(ApplyOutcome::Failed(msg));
            }
        };
        let (status, error, outcome) = match self.apply_event(&event, caller).await {
            Ok(Effect::Applied) => (EventStatus::Processed, None, ApplyOutcome::Processed),
            Ok(Effect::Ignored(why)) => (
                EventStatus::Ignored,
                Some(why.clone()),
                ApplyOutcome::Ignored(why),
            ),
            Err(e) => {
                tracing::warn!(event_id, provider, error = %e, "billing event failed");
                let msg = e.to_string();
                (
                    EventStatus::Failed,
                    Some(msg.clone()),
                    ApplyOutcome::Failed(msg),
                )
            }
        };
        self.d
            .events
            .finish(provider, event_id, status, error, self.now())
            .await?;
        Ok(outcome)
    }

    /// The webhook log, newest first.
    ///
    /// # Errors
    /// Event-log failures only.
    pub async fn billing_events(
        &self,
        query: &WebhookQuery,
    ) -> Result<Vec<BillingEventRecord>, EngineError> {
        Ok(self.d.events.list(query).await?)
    }

    /// Events a provider call answered with go through the normal path; a failure stays in the
    /// log for replay and does not undo the provider's change.
    pub(crate) async fn apply_provider_events(
        &self,
        events: Vec<BillingEvent>,
        caller: &Caller,
    ) -> Result<(), EngineError> {
        for event in events {
            if let ApplyOutcome::Failed(why) = self.receive_billing_event(&event, caller).await? {
                tracing::warn!(event_id = %event.id, %why, "provider event failed; replayable");
            }
        }
        Ok(())
    }

    async fn apply_event(
        &self,
        event: &BillingEvent,
        caller: &Caller,
    ) -> Result<Effect, EngineError> {
        let caller = &Caller {
            actor: format!("billing:{}", event.provider),
            correlation_id: caller
                .correlation_id
                .clone()
                .or_else(|| Some(event.id.clone())),
        };
        match &event.kind {
            BillingEventKind::CheckoutCompleted {
                customer,
                plan,
                interval,
                currency,
                provider_customer_id,
                provider_subscription_id,
                period,
                trial_end,
                ..
            } => {
                let plan = self.plan(plan).await?;
                let existing = self.d.subscriptions.get(customer).await?;
                let now = self.now();
                // The provider's subscription, built through the state machine: incomplete →
                // trialing (checkout with a trial) or active (paid), linked to its provider ids.
                let fresh = |version: i64| -> Result<Subscription, EngineError> {
                    let start = match trial_end {
                        Some(end) => Transition::StartTrial {
                            plan: plan.code.clone(),
                            interval: *interval,
                            period: Period::new(period.start, *end)?,
                        },
                        None => Transition::Activate { period: *period },
                    };
                    let mut s = Subscription::incomplete(
                        customer.clone(),
                        plan.code.clone(),
                        *interval,
                        *currency,
                        now,
                    )
                    .apply(start, now)?
                    .apply(
                        Transition::LinkProvider {
                            customer_id: provider_customer_id.clone(),
                            subscription_id: provider_subscription_id.clone(),
                        },
                        now,
                    )?;
                    s.version = version;
                    Ok(s)
                };
                // Whether this checkout starts a plan the customer was not already on.
                let starts_plan = match existing {
                    Some(s)
                        if s.provider_subscription_id.is_some()
                            && s.provider_subscription_id == *provider_subscription_id =>
                    {
                        return Ok(Effect::Ignored("subscription already recorded".into()));
                    }
                    Some(s) if s.status != SubscriptionStatus::Canceled => {
                        // A trial or a lapsed account paid through checkout: replace it with
                        // the provider's subscription.
                        let next = fresh(s.version + 1)?;
                        self.d.subscriptions.save(&next, Some(s.version)).await?;
                        self.journal(
                            caller,
                            "subscription.activated",
                            format!("subscription:{customer}"),
                            snapshot(&s),
                            snapshot(&next),
                        )
                        .await?;
                        s.plan != plan.code
                    }
                    _ => {
                        self.live_customer(customer).await?;
                        // Replacing a canceled subscription bumps its version there.
                        let new = fresh(1)?;
                        self.insert_subscription(new, "subscription.started", caller)
                            .await?;
                        true
                    }
                };
                if starts_plan {
                    self.grant_plan_credits(
                        customer,
                        &plan,
                        GrantTrigger::Start,
                        &period.start.timestamp().to_string(),
                        caller,
                    )
                    .await?;
                }
                Ok(Effect::Applied)
            }
            BillingEventKind::SubscriptionUpdated {
                customer,
                provider_updated_at,
                plan,
                ..
            } => {
                let Some(current) = self.d.subscriptions.get(customer).await? else {
                    return Ok(Effect::Ignored("no subscription for this customer".into()));
                };
                // Everything that can fail is checked before anything changes.
                if let Some(code) = plan {
                    self.plan(code).await?;
                }
                // Strictly older snapshots lose; an equal one (a replay) re-applies and
                // converges to the same state.
                if current
                    .provider_updated_at
                    .is_some_and(|seen| seen > *provider_updated_at)
                {
                    return Ok(Effect::Ignored(
                        "older than the state already applied".into(),
                    ));
                }
                let before_plan = current.plan.clone();
                let kind = event.kind.clone();
                let updated = self
                    .update_subscription(customer, "subscription.synced", caller, |s| {
                        Ok(Some(Transition::from_provider_event(s, &kind)?))
                    })
                    .await?;
                if updated.plan != before_plan {
                    let from = self.plan(&before_plan).await?;
                    let to = self.plan(&updated.plan).await?;
                    if tollgate_plans::compare(&from, &to) == tollgate_plans::PlanChange::Upgrade {
                        self.grant_plan_credits(
                            customer,
                            &to,
                            GrantTrigger::Upgrade,
                            &updated.current_period.start.timestamp().to_string(),
                            caller,
                        )
                        .await?;
                    }
                }
                Ok(Effect::Applied)
            }
            BillingEventKind::SubscriptionDeleted { customer, .. } => {
                if self.d.subscriptions.get(customer).await?.is_none() {
                    return Ok(Effect::Ignored("no subscription for this customer".into()));
                }
                self.update_subscription(customer, "subscription.canceled", caller, |s| {
                    Ok(
                        (s.status != SubscriptionStatus::Canceled).then_some(Transition::Cancel {
                            at_period_end: false,
                        }),
                    )
                })
                .await?;
                Ok(Effect::Applied)
            }
            BillingEventKind::TrialWillEnd {
                customer,
                trial_end,
            } => {
                self.journal(
                    caller,
                    "subscription.trial_will_end",
                    format!("subscription:{customer}"),
                    None,
                    Some(serde_json::json!({ "trial_end": trial_end })),
                )
                .await?;
                Ok(Effect::Applied)
            }
            BillingEventKind::InvoicePaid { customer, invoice } => {
                self.store_invoice(customer, invoice, caller).await?;
                self.on_payment(customer, invoice, true, caller).await
            }
            BillingEventKind::InvoicePaymentFailed { customer, invoice } => {
                self.store_invoice(customer, invoice, caller).await?;
                self.on_payment(customer, invoice, false, caller).await
            }
            BillingEventKind::PaymentActionRequired { customer, invoice } => {
                self.store_invoice(customer, invoice, caller).await?;
                Ok(Effect::Applied)
            }
        }
    }

    async fn store_invoice(
        &self,
        customer: &CustomerId,
        invoice: &Invoice,
        caller: &Caller,
    ) -> Result<(), EngineError> {
        self.d.invoices.upsert(invoice).await?;
        self.journal(
            caller,
            "invoice.recorded",
            format!("customer:{customer}"),
            None,
            snapshot(invoice),
        )
        .await
    }

    /// A payment outcome moves the subscription unless the invoice is for a period older than
    /// the current one (a late delivery must not undo newer state).
    async fn on_payment(
        &self,
        customer: &CustomerId,
        invoice: &Invoice,
        paid: bool,
        caller: &Caller,
    ) -> Result<Effect, EngineError> {
        let Some(sub) = self.d.subscriptions.get(customer).await? else {
            return Ok(Effect::Ignored("no subscription for this customer".into()));
        };
        if let Some(p) = invoice.period
            && p.end <= sub.current_period.start
        {
            return Ok(Effect::Ignored("invoice for an earlier period".into()));
        }
        if paid {
            let period = invoice.period;
            let updated = self
                .update_subscription(customer, "subscription.payment_succeeded", caller, |s| {
                    let recovering = matches!(
                        s.status,
                        SubscriptionStatus::PastDue | SubscriptionStatus::Locked
                    );
                    let newer = period.filter(|p| p.start > s.current_period.start);
                    Ok((recovering || newer.is_some())
                        .then_some(Transition::PaymentSucceeded { period: newer }))
                })
                .await?;
            // Every paid period after the subscription's first is a renewal; the grant is
            // keyed by the period start, so the same period never credits twice.
            if let Some(p) = period.filter(|p| p.start > updated.created_at) {
                let plan = self.plan(&updated.plan).await?;
                self.grant_plan_credits(
                    customer,
                    &plan,
                    GrantTrigger::Renewal,
                    &p.start.timestamp().to_string(),
                    caller,
                )
                .await?;
            }
        } else {
            self.update_subscription(customer, "subscription.payment_failed", caller, |s| {
                Ok(matches!(
                    s.status,
                    SubscriptionStatus::Active | SubscriptionStatus::Trialing
                )
                .then_some(Transition::PaymentFailed))
            })
            .await?;
        }
        Ok(Effect::Applied)
    }
}
