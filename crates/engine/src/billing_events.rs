//! Applying billing events (from webhooks, the fake provider, or a provider call's answer):
//! each event is logged once by id, processed from the log, and converges whatever the order
//! of arrival — an older snapshot never overwrites a newer one.

use serde::{Deserialize, Serialize};
use tollgate_billing::{
    BillingError, BillingEvent, BillingEventKind, Customer, Decoded, Invoice, InvoiceStatus,
    ProviderDirectory, Subscription, SubscriptionStatus, Transition,
};
use tollgate_kernel::{CustomerId, GrantTrigger, Interval, Period, PlanCode};

use crate::audit::Caller;
use crate::engine::{Engine, snapshot};
use crate::error::EngineError;
use crate::ports::{BillingEventRecord, EventStatus, WebhookQuery};

/// The engine's answers to a decoder's questions.
struct Directory<'a>(&'a Engine);

#[async_trait::async_trait]
impl ProviderDirectory for Directory<'_> {
    async fn customer_by_provider_id(
        &self,
        provider_customer_id: &str,
    ) -> Result<Option<Customer>, BillingError> {
        self.0
            .d
            .customers
            .find_by_provider_customer(provider_customer_id)
            .await
            .map_err(|e| BillingError::Unexpected(Box::new(e)))
    }

    async fn plan_by_provider_price(
        &self,
        provider_price_id: &str,
    ) -> Result<Option<(PlanCode, Interval)>, BillingError> {
        let plans = self
            .0
            .d
            .plans
            .list_plans()
            .await
            .map_err(|e| BillingError::Unexpected(Box::new(e)))?;
        Ok(plans.into_iter().find_map(|plan| {
            plan.prices
                .iter()
                .find(|p| p.stripe_price_id.as_deref() == Some(provider_price_id))
                .map(|p| (plan.code.clone(), p.interval))
        }))
    }
}

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
        let event = match self.decode(provider, record.payload).await {
            Ok(Decoded::Event(e)) => *e,
            Ok(Decoded::Ignored(why)) => {
                self.d
                    .events
                    .finish(
                        provider,
                        event_id,
                        EventStatus::Ignored,
                        Some(why.clone()),
                        self.now(),
                    )
                    .await?;
                return Ok(ApplyOutcome::Ignored(why));
            }
            Err(msg) => {
                tracing::warn!(event_id, provider, error = %msg, "billing event not decoded");
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

    /// Logs a provider's raw event (a verified Stripe webhook body) once by
    /// `(provider, event_id)`, as `received`; [`Engine::process_billing_event`] decodes and
    /// applies it. Answers whether it was new.
    ///
    /// # Errors
    /// Event-log failures only.
    pub async fn receive_raw_event(
        &self,
        provider: &str,
        event_id: &str,
        event_type: &str,
        payload: serde_json::Value,
    ) -> Result<bool, EngineError> {
        let record = BillingEventRecord {
            provider: provider.to_owned(),
            event_id: event_id.to_owned(),
            event_type: event_type.to_owned(),
            received_at: self.now(),
            status: EventStatus::Received,
            attempts: 0,
            error: None,
            processed_at: None,
            payload,
        };
        Ok(self.d.events.insert(&record).await?)
    }

    /// A stored payload as a [`BillingEvent`]: as stored when it is one, else (a provider's
    /// raw event) through the provider's decoder.
    async fn decode(&self, provider: &str, payload: serde_json::Value) -> Result<Decoded, String> {
        // Events answered by provider calls are stored already decoded.
        let stored = BillingEvent::deserialize(&payload);
        match (stored, &self.decoder) {
            (Ok(event), _) => Ok(Decoded::Event(Box::new(event))),
            (Err(_), Some(decoder)) if decoder.provider() == provider => decoder
                .decode(&payload, &Directory(self))
                .await
                .map_err(|e| e.to_string()),
            (Err(e), _) => Err(format!("stored event unreadable: {e}")),
        }
    }

    /// Whether `provider` sends snapshots of its subscriptions (it has a decoder): then a
    /// subscription's status follows those snapshots alone.
    fn snapshot_driven(&self, provider: &str) -> bool {
        self.decoder
            .as_ref()
            .is_some_and(|d| d.provider() == provider)
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
                    self.grant_start_credits(customer, &plan, period, caller)
                        .await?;
                }
                Ok(Effect::Applied)
            }
            BillingEventKind::SubscriptionUpdated {
                customer,
                provider_subscription_id,
                plan,
                period,
                started,
                status,
                ..
            } => {
                let effect = self.apply_snapshot(event, caller).await?;
                // The plan a subscription started on is credited from its creation event even
                // when newer news already moved the state on (not one created unpaid).
                if *started
                    && status.grants_access()
                    && let (Some(plan), Some(period)) = (plan, period)
                    && self
                        .d
                        .subscriptions
                        .get(customer)
                        .await?
                        .is_some_and(|s| s.provider_subscription_id == *provider_subscription_id)
                {
                    let plan = self.plan(plan).await?;
                    self.grant_start_credits(customer, &plan, period, caller)
                        .await?;
                }
                Ok(effect)
            }
            BillingEventKind::SubscriptionDeleted {
                customer,
                provider_subscription_id,
            } => {
                let Some(current) = self.d.subscriptions.get(customer).await? else {
                    return Ok(Effect::Ignored("no subscription for this customer".into()));
                };
                if let (Some(ours), Some(theirs)) =
                    (&current.provider_subscription_id, provider_subscription_id)
                    && ours != theirs
                {
                    return Ok(Effect::Ignored(format!(
                        "about subscription {theirs}; the customer's is {ours}"
                    )));
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
                if self.snapshot_driven(&event.provider) {
                    return self.grant_renewal(customer, invoice, caller).await;
                }
                self.on_payment(customer, invoice, true, caller).await
            }
            BillingEventKind::InvoicePaymentFailed { customer, invoice } => {
                self.store_invoice(customer, invoice, caller).await?;
                if self.snapshot_driven(&event.provider) {
                    // The provider's subscription snapshot (past_due) moves the status.
                    return Ok(Effect::Applied);
                }
                self.on_payment(customer, invoice, false, caller).await
            }
            BillingEventKind::PaymentActionRequired { customer, invoice } => {
                self.store_invoice(customer, invoice, caller).await?;
                Ok(Effect::Applied)
            }
        }
    }

    /// Records an invoice of a known customer; a settled one (paid, void, uncollectible) is
    /// never taken back to draft or open by a late delivery of an older event about it.
    async fn store_invoice(
        &self,
        customer: &CustomerId,
        invoice: &Invoice,
        caller: &Caller,
    ) -> Result<(), EngineError> {
        let settled = |s: InvoiceStatus| {
            matches!(
                s,
                InvoiceStatus::Paid | InvoiceStatus::Void | InvoiceStatus::Uncollectible
            )
        };
        self.live_customer(customer).await?;
        let stored = self.d.invoices.list(customer).await?;
        if let Some(known) = stored.iter().find(|i| i.id == invoice.id)
            && (known == invoice || (settled(known.status) && !settled(invoice.status)))
        {
            return Ok(());
        }
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

    /// A provider's snapshot of the subscription: adopted, applied, or ignored when older than
    /// the one applied or about another subscription.
    async fn apply_snapshot(
        &self,
        event: &BillingEvent,
        caller: &Caller,
    ) -> Result<Effect, EngineError> {
        let BillingEventKind::SubscriptionUpdated {
            customer,
            provider_updated_at,
            provider_subscription_id,
            plan,
            status,
            ..
        } = &event.kind
        else {
            return Err(EngineError::unexpected("not a snapshot"));
        };
        // Everything that can fail is checked before anything changes.
        if let Some(code) = plan {
            self.plan(code).await?;
        }
        let Some(current) = self.d.subscriptions.get(customer).await? else {
            return self.adopt_subscription(event, None, caller).await;
        };
        match (&current.provider_subscription_id, provider_subscription_id) {
            (Some(ours), Some(theirs)) if ours != theirs => {
                // A new subscription at the provider after ours ended replaces it;
                // news of another one while ours runs is not ours to apply.
                let newer = current
                    .provider_updated_at
                    .is_none_or(|seen| *provider_updated_at > seen);
                return if current.status == SubscriptionStatus::Canceled
                    && *status != SubscriptionStatus::Canceled
                    && newer
                {
                    self.adopt_subscription(event, Some(current), caller).await
                } else {
                    Ok(Effect::Ignored(format!(
                        "about subscription {theirs}; the customer's is {ours}"
                    )))
                };
            }
            (None, Some(_))
                if *status != SubscriptionStatus::Canceled
                    || current.status == SubscriptionStatus::Canceled =>
            {
                // A local trial (or a lapsed local subscription) gives way to the
                // provider's subscription.
                return self.adopt_subscription(event, Some(current), caller).await;
            }
            _ => {}
        }
        // Strictly older snapshots lose.
        if current
            .provider_updated_at
            .is_some_and(|seen| seen > *provider_updated_at)
        {
            return Ok(Effect::Ignored(
                "older than the state already applied".into(),
            ));
        }
        let mut kind = event.kind.clone();
        // An equal instant is a replay, or another state of the same second: a provider that
        // can say which is newer is asked for the subscription as it is now.
        if current.provider_updated_at == Some(*provider_updated_at)
            && let (Some(decoder), Some(sub_id)) = (&self.decoder, provider_subscription_id)
            && decoder.provider() == event.provider
            && let Some(fresh) = decoder
                .refresh(sub_id, customer, *provider_updated_at, &Directory(self))
                .await?
        {
            if let BillingEventKind::SubscriptionUpdated {
                plan: Some(code), ..
            } = &fresh.kind
            {
                self.plan(code).await?;
            }
            kind = fresh.kind;
        }
        let before_plan = current.plan.clone();
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

    /// The plan's start grant for a provider subscription, keyed by its first period's start:
    /// a subscription's creation event and the snapshot that started it credit once between
    /// them, whichever comes first.
    async fn grant_start_credits(
        &self,
        customer: &CustomerId,
        plan: &tollgate_plans::Plan,
        period: &Period,
        caller: &Caller,
    ) -> Result<(), EngineError> {
        let occasion = period.start.timestamp().to_string();
        self.grant_plan_credits(customer, plan, GrantTrigger::Start, &occasion, caller)
            .await
    }

    /// A paid invoice of a period after the subscription's first credits the plan's renewal
    /// grant, once per period.
    async fn grant_renewal(
        &self,
        customer: &CustomerId,
        invoice: &Invoice,
        caller: &Caller,
    ) -> Result<Effect, EngineError> {
        let Some(sub) = self.d.subscriptions.get(customer).await? else {
            return Err(EngineError::Conflict(
                "invoice paid before its subscription is known; retried later".into(),
            ));
        };
        self.renewal_credit(&sub, invoice.period, caller).await?;
        Ok(Effect::Applied)
    }

    /// Every paid period after the subscription's first is a renewal; the grant is keyed by
    /// the period start, so the same period never credits twice.
    async fn renewal_credit(
        &self,
        sub: &Subscription,
        paid: Option<Period>,
        caller: &Caller,
    ) -> Result<(), EngineError> {
        if let Some(p) = paid.filter(|p| p.start > sub.created_at) {
            let plan = self.plan(&sub.plan).await?;
            self.grant_plan_credits(
                &sub.customer,
                &plan,
                GrantTrigger::Renewal,
                &p.start.timestamp().to_string(),
                caller,
            )
            .await?;
        }
        Ok(())
    }

    /// The provider's subscription, first seen in one of its snapshots (a subscription made
    /// at the provider, or news that came before the checkout's): built through the state
    /// machine and stored in place of `replacing`, if any.
    async fn adopt_subscription(
        &self,
        event: &BillingEvent,
        replacing: Option<Subscription>,
        caller: &Caller,
    ) -> Result<Effect, EngineError> {
        let Some(snap) = event.provider_snapshot() else {
            return Err(EngineError::unexpected("only snapshots can be adopted"));
        };
        let mut customer = self.live_customer(event.customer()).await?;
        if let BillingEventKind::SubscriptionUpdated {
            provider_customer_id: Some(linked),
            ..
        } = &event.kind
            && customer.provider_customer_id.is_none()
        {
            customer.provider_customer_id = Some(linked.clone());
            self.d.customers.update(&customer).await?;
        }
        let (Some(plan), Some(interval), Some(_)) = (&snap.plan, snap.interval, snap.period) else {
            return Err(EngineError::invalid(
                "the provider's subscription names no known plan or period; map its price to a plan (tollgate stripe sync)",
            ));
        };
        let plan = self.plan(plan).await?;
        let now = self.now();
        let mut next = Subscription::incomplete(
            customer.id.clone(),
            plan.code.clone(),
            interval,
            customer.currency,
            now,
        )
        .apply(Transition::SyncFromProvider(snap.clone()), now)?
        .apply(
            Transition::LinkProvider {
                customer_id: customer.provider_customer_id.clone(),
                subscription_id: snap.provider_subscription_id.clone(),
            },
            now,
        )?;
        next.version = replacing.as_ref().map_or(1, |s| s.version + 1);
        self.d
            .subscriptions
            .save(&next, replacing.as_ref().map(|s| s.version))
            .await?;
        self.journal(
            caller,
            "subscription.adopted",
            format!("subscription:{}", customer.id),
            replacing.as_ref().and_then(snapshot),
            snapshot(&next),
        )
        .await?;
        Ok(Effect::Applied)
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
            self.renewal_credit(&updated, period, caller).await?;
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
