//! Stripe's webhook events in Tollgate's terms. Subscription events and completed checkouts
//! become snapshots of the subscription, ordered by the event's `created`: an older one never
//! overwrites a newer one, so any delivery order converges.

use serde::de::DeserializeOwned;
use serde_json::Value;
use tollgate_billing::{
    BillingError, BillingEvent, BillingEventKind, Decoded, EventDecoder, ProviderDirectory,
};
use tollgate_kernel::{CustomerId, Interval, PlanCode, Timestamp};

use crate::objects::{
    self, CheckoutSession, Event, META_CUSTOMER, META_INTERVAL, META_PLAN, StripeInvoice,
};
use crate::{PROVIDER, StripeBilling};

fn read<T: DeserializeOwned>(what: &str, v: &Value) -> Result<T, BillingError> {
    T::deserialize(v).map_err(|e| BillingError::Invalid(format!("unreadable Stripe {what}: {e}")))
}

fn instant(seconds: i64) -> Result<Timestamp, BillingError> {
    objects::at(seconds)
        .ok_or_else(|| BillingError::Invalid(format!("timestamp {seconds} out of range")))
}

/// The Stripe subscription `sub` as a `SubscriptionUpdated` snapshot for `customer`, stamped
/// `at`; `plan` is the plan and interval it is on when known.
pub(crate) fn snapshot_event(
    id: String,
    at: Timestamp,
    customer: CustomerId,
    sub: &objects::Subscription,
    plan: Option<(PlanCode, Interval)>,
) -> Result<BillingEvent, BillingError> {
    let raw = sub.status.as_deref().unwrap_or("");
    let status = sub.status().ok_or_else(|| {
        BillingError::Invalid(format!("unknown Stripe subscription status {raw:?}"))
    })?;
    let (plan, interval) = match plan {
        Some((p, i)) => (Some(p), Some(i)),
        None => (None, None),
    };
    Ok(BillingEvent {
        id,
        provider: PROVIDER.to_owned(),
        occurred_at: at,
        kind: BillingEventKind::SubscriptionUpdated {
            customer,
            provider_customer_id: sub.customer.as_ref().map(|c| c.id().to_owned()),
            started: false,
            provider_subscription_id: Some(sub.id.clone()),
            plan,
            interval,
            status,
            period: sub.period(),
            trial_end: sub.trial_end.and_then(objects::at),
            cancel_at_period_end: sub.cancels_at_period_end(),
            provider_updated_at: at,
        },
    })
}

impl StripeBilling {
    /// The Tollgate customer an object is about: the id Tollgate tagged it with, else the one
    /// linked to its Stripe customer.
    async fn customer(
        &self,
        directory: &dyn ProviderDirectory,
        tagged: &[Option<&str>],
        stripe_customer: Option<&str>,
    ) -> Result<CustomerId, BillingError> {
        if let Some(id) = tagged.iter().flatten().find(|s| !s.is_empty()) {
            let tagged = CustomerId::parse(*id)
                .map_err(|e| BillingError::Invalid(format!("tagged customer id: {e}")))?;
            // The tag must agree with the Stripe customer's link, when there is one.
            if let Some(cus) = stripe_customer
                && let Some(linked) = directory.customer_by_provider_id(cus).await?
                && linked.id != tagged
            {
                return Err(BillingError::Invalid(format!(
                    "the object is tagged for customer {tagged}, but Stripe customer {cus} is {}",
                    linked.id
                )));
            }
            return Ok(tagged);
        }
        let Some(cus) = stripe_customer else {
            return Err(BillingError::Invalid("the object names no customer".into()));
        };
        match directory.customer_by_provider_id(cus).await? {
            Some(c) => Ok(c.id),
            None => Err(BillingError::Invalid(format!(
                "Stripe customer {cus} is not linked to a Tollgate customer (yet)"
            ))),
        }
    }

    /// The plan a subscription is on: the catalog price with its price id, else the plan
    /// Tollgate tagged the price or the subscription with.
    async fn plan(
        &self,
        directory: &dyn ProviderDirectory,
        sub: &objects::Subscription,
    ) -> Result<Option<(PlanCode, Interval)>, BillingError> {
        let price = sub.first_item().and_then(|i| i.price());
        if let Some(p) = price {
            if let Some(found) = directory.plan_by_provider_price(&p.id).await? {
                return Ok(Some(found));
            }
            if let Some((plan, Some(interval))) = p.tagged_plan() {
                return Ok(Some((plan, interval)));
            }
        }
        let tagged = sub.meta(META_PLAN).and_then(|p| PlanCode::parse(p).ok());
        let interval = sub
            .meta(META_INTERVAL)
            .and_then(objects::interval)
            .or(price.and_then(|p| p.interval()));
        match (tagged.zip(interval), price) {
            (Some(found), _) => Ok(Some(found)),
            // A price no plan maps to (a portal switch to an unsynced price) must not leave the
            // customer on the old plan's entitlements while Stripe bills the new one.
            (None, Some(p)) => Err(BillingError::Invalid(format!(
                "Stripe price {} belongs to no plan; run `tollgate stripe sync` or set the catalog's stripe_price_id",
                p.id
            ))),
            (None, None) => Ok(None),
        }
    }

    async fn subscription_event(
        &self,
        event: &Event,
        sub: &objects::Subscription,
        directory: &dyn ProviderDirectory,
    ) -> Result<BillingEvent, BillingError> {
        let customer = self
            .customer(
                directory,
                &[sub.meta(META_CUSTOMER)],
                sub.customer.as_ref().map(objects::Ref::id),
            )
            .await?;
        let plan = self.plan(directory, sub).await?;
        snapshot_event(
            event.id.clone(),
            instant(event.created)?,
            customer,
            sub,
            plan,
        )
    }

    async fn invoice_event(
        &self,
        event: &Event,
        directory: &dyn ProviderDirectory,
        kind: fn(CustomerId, tollgate_billing::Invoice) -> BillingEventKind,
    ) -> Result<BillingEvent, BillingError> {
        let invoice: StripeInvoice = read("invoice", &event.data.object)?;
        let customer = self
            .customer(
                directory,
                &[invoice.tagged_customer()],
                invoice.customer.as_ref().map(objects::Ref::id),
            )
            .await?;
        let ours = invoice
            .to_invoice(customer.clone())
            .ok_or_else(|| BillingError::Invalid("invoice without id, currency or date".into()))?;
        Ok(BillingEvent {
            id: event.id.clone(),
            provider: PROVIDER.to_owned(),
            occurred_at: instant(event.created)?,
            kind: kind(customer, ours),
        })
    }
}

#[async_trait::async_trait]
impl EventDecoder for StripeBilling {
    fn provider(&self) -> &'static str {
        PROVIDER
    }

    async fn refresh(
        &self,
        provider_subscription_id: &str,
        customer: &CustomerId,
        at: Timestamp,
        directory: &dyn ProviderDirectory,
    ) -> Result<Option<BillingEvent>, BillingError> {
        let sub = self.retrieve_subscription(provider_subscription_id).await?;
        let plan = self.plan(directory, &sub).await?;
        snapshot_event(
            format!("refresh:{provider_subscription_id}:{}", at.timestamp()),
            at,
            customer.clone(),
            &sub,
            plan,
        )
        .map(Some)
    }

    async fn decode(
        &self,
        raw: &Value,
        directory: &dyn ProviderDirectory,
    ) -> Result<Decoded, BillingError> {
        let event: Event = read("event", raw)?;
        let object = &event.data.object;
        let decoded = match event.kind.as_str() {
            "checkout.session.completed" => {
                let session: CheckoutSession = read("checkout session", object)?;
                if session.mode.as_deref() != Some("subscription") {
                    return Ok(Decoded::Ignored("not a subscription checkout".into()));
                }
                let Some(sub_id) = session.subscription.as_ref().map(objects::Ref::id) else {
                    return Ok(Decoded::Ignored("the session has no subscription".into()));
                };
                // The session does not say the period: the subscription itself does, as it
                // is now (newer than the event, which the snapshot order tolerates).
                let sub = self.retrieve_subscription(sub_id).await?;
                let tagged = session
                    .metadata
                    .as_ref()
                    .and_then(|m| m.get(META_CUSTOMER))
                    .map(String::as_str);
                let customer = self
                    .customer(
                        directory,
                        &[
                            tagged,
                            session.client_reference_id.as_deref(),
                            sub.meta(META_CUSTOMER),
                        ],
                        session.customer.as_ref().map(objects::Ref::id),
                    )
                    .await?;
                let plan = self.plan(directory, &sub).await?;
                snapshot_event(
                    event.id.clone(),
                    instant(event.created)?,
                    customer,
                    &sub,
                    plan,
                )?
            }
            "customer.subscription.created"
            | "customer.subscription.updated"
            | "customer.subscription.deleted"
            | "customer.subscription.paused"
            | "customer.subscription.resumed" => {
                let sub: objects::Subscription = read("subscription", object)?;
                let mut snapshot = self.subscription_event(&event, &sub, directory).await?;
                if let BillingEventKind::SubscriptionUpdated { started, .. } = &mut snapshot.kind {
                    *started = event.kind == "customer.subscription.created";
                }
                snapshot
            }
            "customer.subscription.trial_will_end" => {
                let sub: objects::Subscription = read("subscription", object)?;
                let snap = self.subscription_event(&event, &sub, directory).await?;
                let Some(trial_end) = sub.trial_end.and_then(objects::at) else {
                    return Ok(Decoded::Ignored("no trial end on the subscription".into()));
                };
                BillingEvent {
                    kind: BillingEventKind::TrialWillEnd {
                        customer: snap.customer().clone(),
                        trial_end,
                    },
                    ..snap
                }
            }
            "invoice.paid" | "invoice.payment_succeeded" => {
                self.invoice_event(&event, directory, |customer, invoice| {
                    BillingEventKind::InvoicePaid { customer, invoice }
                })
                .await?
            }
            "invoice.payment_failed" => {
                self.invoice_event(&event, directory, |customer, invoice| {
                    BillingEventKind::InvoicePaymentFailed { customer, invoice }
                })
                .await?
            }
            "invoice.payment_action_required" => {
                self.invoice_event(&event, directory, |customer, invoice| {
                    BillingEventKind::PaymentActionRequired { customer, invoice }
                })
                .await?
            }
            other => {
                return Ok(Decoded::Ignored(format!(
                    "Tollgate does not act on {other}"
                )));
            }
        };
        Ok(Decoded::Event(Box::new(decoded)))
    }
}
