//! [`BillingAdapter`] over Stripe.

use std::collections::{BTreeMap, HashMap};

use serde::Deserialize;
use stripe::StripeRequest;
use stripe_billing::billing_portal_session::CreateBillingPortalSession;
use stripe_billing::invoice::{
    CreatePreviewInvoice, CreatePreviewInvoiceSubscriptionDetails,
    CreatePreviewInvoiceSubscriptionDetailsItems,
    CreatePreviewInvoiceSubscriptionDetailsProrationBehavior, ListInvoice,
};
use stripe_billing::subscription::{
    CancelSubscription, RetrieveSubscription, UpdateSubscription, UpdateSubscriptionItems,
    UpdateSubscriptionPaymentBehavior, UpdateSubscriptionProrationBehavior,
};
use stripe_checkout::CheckoutSessionMode;
use stripe_checkout::checkout_session::{
    CreateCheckoutSession, CreateCheckoutSessionLineItems, CreateCheckoutSessionSubscriptionData,
};
use stripe_client_core::StripeMethod;
use stripe_core::customer::CreateCustomer;
use tollgate_billing::{
    BillingAdapter, BillingError, BillingEvent, CancelRequest, ChangeMode, ChangePlanRequest,
    CheckoutRequest, CheckoutSession, Customer, Invoice, MeterReport, PortalRequest, PortalSession,
    ReactivateRequest, Subscription,
};
use tollgate_kernel::{CustomerId, Interval, Money, PlanCode, Timestamp};
use tollgate_pricing::Proration;

use crate::StripeBilling;
use crate::api::Api;
use crate::decode::snapshot_event;
use crate::objects::{self, META_CUSTOMER, META_INTERVAL, META_PLAN, StripeInvoice};

#[derive(Debug, Deserialize)]
struct IdOnly {
    id: String,
}

#[derive(Debug, Deserialize)]
struct UrlOnly {
    url: String,
}

#[derive(Debug, Default, Deserialize)]
struct SchedulePhase {
    #[serde(default)]
    start_date: Option<i64>,
}

#[derive(Debug, Deserialize)]
struct Schedule {
    id: String,
    #[serde(default)]
    phases: Vec<SchedulePhase>,
    #[serde(default)]
    current_phase: Option<SchedulePhase>,
}

/// The metadata Tollgate puts on checkout sessions and subscriptions, read back by webhooks.
fn tags(customer: &CustomerId, plan: &PlanCode, interval: Interval) -> HashMap<String, String> {
    HashMap::from([
        (META_CUSTOMER.to_owned(), customer.to_string()),
        (META_PLAN.to_owned(), plan.to_string()),
        (META_INTERVAL.to_owned(), interval.as_str().to_owned()),
    ])
}

fn provider_customer(c: &Customer) -> Result<&str, BillingError> {
    c.provider_customer_id.as_deref().ok_or_else(|| {
        BillingError::Invalid(format!("customer {} has no Stripe customer yet", c.id))
    })
}

fn provider_subscription(s: &Subscription) -> Result<&str, BillingError> {
    s.provider_subscription_id.as_deref().ok_or_else(|| {
        BillingError::Invalid(format!(
            "the subscription of {} is not managed by Stripe",
            s.customer
        ))
    })
}

fn price_id<'a>(
    id: &'a Option<String>,
    plan: &PlanCode,
    interval: Interval,
    price: &Money,
) -> Result<&'a str, BillingError> {
    id.as_deref().ok_or_else(|| {
        BillingError::Invalid(format!(
            "plan {plan} has no Stripe price for {} per {interval}; run `tollgate stripe sync`",
            price.currency
        ))
    })
}

/// Pages of 100 read for one invoice list (10,000 invoices).
const MAX_INVOICE_PAGES: usize = 100;

/// Whole seconds: Stripe's events carry seconds, and an equal instant re-applies.
fn seconds(at: Timestamp) -> Timestamp {
    objects::at(at.timestamp()).unwrap_or(at)
}

impl StripeBilling {
    pub(crate) async fn retrieve_subscription(
        &self,
        id: &str,
    ) -> Result<objects::Subscription, BillingError> {
        self.api
            .send("retrieve subscription", None, || {
                RetrieveSubscription::new(id).build()
            })
            .await
    }

    /// The snapshot event of a subscription Stripe answered a call with, named after the call.
    fn answer_event(
        &self,
        key: &str,
        sub: &objects::Subscription,
        current: &Subscription,
        plan: (PlanCode, Interval),
        at: Timestamp,
    ) -> Result<BillingEvent, BillingError> {
        snapshot_event(
            format!("call:{key}"),
            seconds(at),
            current.customer.clone(),
            sub,
            Some(plan),
        )
    }

    /// Releases the subscription schedule of a pending downgrade, if any: Stripe refuses to
    /// change the cancellation or the price of a subscription a schedule manages, and an
    /// upgrade or a cancellation supersedes the downgrade.
    async fn release_schedule(
        &self,
        current: &objects::Subscription,
        key: &str,
    ) -> Result<(), BillingError> {
        let Some(schedule) = &current.schedule else {
            return Ok(());
        };
        let _: IdOnly = self
            .api
            .send(
                "release subscription schedule",
                Some(&format!("{key}:release")),
                || {
                    Api::raw(
                        StripeMethod::Post,
                        &format!("/subscription_schedules/{}/release", schedule.id()),
                        &BTreeMap::new(),
                    )
                },
            )
            .await?;
        Ok(())
    }

    /// [`Self::answer_event`] for a call that keeps the plan (cancel, reactivate).
    fn unchanged_plan_event(
        &self,
        key: &str,
        sub: &objects::Subscription,
        current: &Subscription,
        at: Timestamp,
    ) -> Result<BillingEvent, BillingError> {
        let plan = (current.plan.clone(), current.interval);
        self.answer_event(key, sub, current, plan, at)
    }

    async fn schedule_downgrade(
        &self,
        req: &ChangePlanRequest,
        sub_id: &str,
        current: &objects::Subscription,
        new_price: &str,
    ) -> Result<(), BillingError> {
        let old_price = current
            .first_item()
            .and_then(|i| i.price())
            .map(|p| p.id.clone())
            .ok_or_else(|| BillingError::Invalid("the Stripe subscription has no item".into()))?;
        let period = current
            .period()
            .ok_or_else(|| BillingError::Invalid("the Stripe subscription has no period".into()))?;
        let key = &req.idempotency_key;
        let schedule: Schedule = match &current.schedule {
            Some(existing) => {
                self.api
                    .send("retrieve subscription schedule", None, || {
                        Api::raw(
                            StripeMethod::Get,
                            &format!("/subscription_schedules/{}", existing.id()),
                            &BTreeMap::new(),
                        )
                    })
                    .await?
            }
            None => {
                let form = BTreeMap::from([("from_subscription".to_owned(), sub_id.to_owned())]);
                self.api
                    .send(
                        "create subscription schedule",
                        Some(&format!("{key}:schedule")),
                        || Api::raw(StripeMethod::Post, "/subscription_schedules", &form),
                    )
                    .await?
            }
        };
        let start = schedule
            .current_phase
            .as_ref()
            .or(schedule.phases.first())
            .and_then(|p| p.start_date)
            .unwrap_or(period.start.timestamp());
        let mut form = BTreeMap::new();
        let mut put = |k: &str, v: String| {
            form.insert(k.to_owned(), v);
        };
        put("end_behavior", "release".into());
        put("proration_behavior", "none".into());
        put("phases[0][items][0][price]", old_price);
        put("phases[0][items][0][quantity]", "1".into());
        put("phases[0][start_date]", start.to_string());
        put("phases[0][end_date]", period.end.timestamp().to_string());
        put("phases[1][items][0][price]", new_price.to_owned());
        put("phases[1][items][0][quantity]", "1".into());
        for (k, v) in tags(&req.subscription.customer, &req.plan, req.interval) {
            put(&format!("phases[1][metadata][{k}]"), v);
        }
        let _: IdOnly = self
            .api
            .send(
                "schedule the downgrade",
                Some(&format!("{key}:phases")),
                || {
                    Api::raw(
                        StripeMethod::Post,
                        &format!("/subscription_schedules/{}", schedule.id),
                        &form,
                    )
                },
            )
            .await?;
        Ok(())
    }
}

#[async_trait::async_trait]
impl BillingAdapter for StripeBilling {
    async fn ensure_customer(&self, customer: &Customer) -> Result<String, BillingError> {
        if let Some(id) = &customer.provider_customer_id {
            return Ok(id.clone());
        }
        let meta = HashMap::from([(META_CUSTOMER.to_owned(), customer.id.to_string())]);
        let created: IdOnly = self
            .api
            .send(
                "create customer",
                Some(&format!("tollgate:customer:{}", customer.id)),
                || {
                    let mut req = CreateCustomer::new()
                        .name(customer.name.clone())
                        .metadata(meta.clone());
                    if let Some(email) = &customer.email {
                        req = req.email(email.clone());
                    }
                    req.build()
                },
            )
            .await?;
        Ok(created.id)
    }

    async fn create_checkout(
        &self,
        req: &CheckoutRequest,
    ) -> Result<CheckoutSession, BillingError> {
        let price = price_id(&req.provider_price_id, &req.plan, req.interval, &req.price)?;
        let customer = provider_customer(&req.customer)?;
        let meta = tags(&req.customer.id, &req.plan, req.interval);
        let session: objects::CheckoutSession = self
            .api
            .send(
                "create checkout session",
                Some(&req.idempotency_key),
                || {
                    let mut item = CreateCheckoutSessionLineItems::new();
                    item.price = Some(price.to_owned());
                    item.quantity = Some(1);
                    let mut data = CreateCheckoutSessionSubscriptionData::new();
                    data.metadata = Some(meta.clone());
                    if req.trial_days > 0 {
                        data.trial_period_days = Some(req.trial_days);
                    }
                    CreateCheckoutSession::new()
                        .mode(CheckoutSessionMode::Subscription)
                        .customer(customer)
                        .client_reference_id(req.customer.id.to_string())
                        .line_items(vec![item])
                        .success_url(req.success_url.clone())
                        .cancel_url(req.cancel_url.clone())
                        .subscription_data(data)
                        .metadata(meta.clone())
                        .build()
                },
            )
            .await?;
        let url = session.url.ok_or_else(|| {
            BillingError::Unexpected("Stripe answered a checkout session without a url".into())
        })?;
        Ok(CheckoutSession {
            id: session.id,
            url,
        })
    }

    async fn create_portal(&self, req: &PortalRequest) -> Result<PortalSession, BillingError> {
        let customer = provider_customer(&req.customer)?;
        // No operation id of ours: one key per call still makes its retries one session.
        let key = format!("tollgate:portal:{}", uuid::Uuid::new_v4());
        let session: UrlOnly = self
            .api
            .send("create portal session", Some(&key), || {
                CreateBillingPortalSession::new()
                    .customer(customer)
                    .return_url(req.return_url.clone())
                    .build()
            })
            .await?;
        Ok(PortalSession { url: session.url })
    }

    async fn change_plan(
        &self,
        req: &ChangePlanRequest,
    ) -> Result<Vec<BillingEvent>, BillingError> {
        let sub_id = provider_subscription(&req.subscription)?;
        let price = price_id(&req.provider_price_id, &req.plan, req.interval, &req.price)?;
        let current = self.retrieve_subscription(sub_id).await?;
        match req.mode {
            ChangeMode::Immediate => {
                let item = current
                    .first_item()
                    .and_then(|i| i.id.clone())
                    .ok_or_else(|| {
                        BillingError::Invalid("the Stripe subscription has no item".into())
                    })?;
                self.release_schedule(&current, &req.idempotency_key)
                    .await?;
                let meta = tags(&req.subscription.customer, &req.plan, req.interval);
                let updated: objects::Subscription = self
                    .api
                    .send("upgrade subscription", Some(&req.idempotency_key), || {
                        let mut it = UpdateSubscriptionItems::new();
                        it.id = Some(item.clone());
                        it.price = Some(price.to_owned());
                        UpdateSubscription::new(sub_id)
                            .items(vec![it])
                            .proration_behavior(UpdateSubscriptionProrationBehavior::AlwaysInvoice)
                            // A declined proration charge changes nothing at Stripe.
                            .payment_behavior(UpdateSubscriptionPaymentBehavior::ErrorIfIncomplete)
                            .metadata(meta.clone())
                            .build()
                    })
                    .await?;
                Ok(vec![self.answer_event(
                    &req.idempotency_key,
                    &updated,
                    &req.subscription,
                    (req.plan.clone(), req.interval),
                    req.at,
                )?])
            }
            ChangeMode::AtPeriodEnd => {
                self.schedule_downgrade(req, sub_id, &current, price)
                    .await?;
                // Stripe moves the subscription at the period's end and says so in a webhook.
                Ok(vec![])
            }
        }
    }

    async fn preview_change(&self, req: &ChangePlanRequest) -> Result<Proration, BillingError> {
        let sub_id = provider_subscription(&req.subscription)?;
        let customer = req
            .subscription
            .provider_customer_id
            .as_deref()
            .ok_or_else(|| {
                BillingError::Invalid("no Stripe customer on the subscription".into())
            })?;
        let price = price_id(&req.provider_price_id, &req.plan, req.interval, &req.price)?;
        let current = self.retrieve_subscription(sub_id).await?;
        let item = current.first_item().and_then(|i| i.id.clone());
        let preview: StripeInvoice = self
            .api
            .send("preview invoice", None, || {
                let mut it = CreatePreviewInvoiceSubscriptionDetailsItems::new();
                it.id = item.clone();
                it.price = Some(price.to_owned());
                let mut details = CreatePreviewInvoiceSubscriptionDetails::new();
                details.items = Some(vec![it]);
                details.proration_behavior =
                    Some(CreatePreviewInvoiceSubscriptionDetailsProrationBehavior::AlwaysInvoice);
                details.proration_date = Some(req.at.timestamp());
                CreatePreviewInvoice::new()
                    .customer(customer)
                    .subscription(sub_id)
                    .subscription_details(details)
                    .build()
            })
            .await?;
        let currency = req.price.currency;
        // Our own arithmetic gives the fraction; Stripe's lines give the money.
        let mut proration = tollgate_pricing::prorate(
            req.old_price,
            req.price,
            current.period().unwrap_or(req.subscription.current_period),
            req.at,
        )
        .map_err(|e| BillingError::Invalid(e.to_string()))?;
        let lines = preview
            .lines
            .as_ref()
            .map_or(&[][..], |l| l.data.as_slice());
        let prorated = lines.iter().filter(|l| l.is_proration());
        let (credit, charge) = prorated.fold((0_i64, 0_i64), |(c, d), l| {
            if l.amount < 0 {
                (c.saturating_add(l.amount), d)
            } else {
                (c, d.saturating_add(l.amount))
            }
        });
        proration.unused_credit = Money::new(credit, currency);
        proration.remaining_charge = Money::new(charge, currency);
        proration.total = Money::new(credit.saturating_add(charge), currency);
        Ok(proration)
    }

    async fn cancel(&self, req: &CancelRequest) -> Result<Vec<BillingEvent>, BillingError> {
        let sub_id = provider_subscription(&req.subscription)?;
        let key = &req.idempotency_key;
        let current = self.retrieve_subscription(sub_id).await?;
        self.release_schedule(&current, key).await?;
        let answered: objects::Subscription = if req.at_period_end {
            self.api
                .send("cancel at period end", Some(key), || {
                    UpdateSubscription::new(sub_id)
                        .cancel_at_period_end(true)
                        .build()
                })
                .await?
        } else {
            self.api
                .send("cancel subscription", Some(key), || {
                    CancelSubscription::new(sub_id).build()
                })
                .await?
        };
        Ok(vec![self.unchanged_plan_event(
            key,
            &answered,
            &req.subscription,
            req.at,
        )?])
    }

    async fn reactivate(&self, req: &ReactivateRequest) -> Result<Vec<BillingEvent>, BillingError> {
        let sub_id = provider_subscription(&req.subscription)?;
        let key = &req.idempotency_key;
        let answered: objects::Subscription = self
            .api
            .send("reactivate subscription", Some(key), || {
                UpdateSubscription::new(sub_id)
                    .cancel_at_period_end(false)
                    .build()
            })
            .await?;
        Ok(vec![self.unchanged_plan_event(
            key,
            &answered,
            &req.subscription,
            req.at,
        )?])
    }

    async fn report_usage(&self, req: &MeterReport) -> Result<(), BillingError> {
        let customer = provider_customer(&req.customer)?;
        let form = BTreeMap::from([
            ("event_name".to_owned(), req.feature.to_string()),
            ("identifier".to_owned(), req.event_id.clone()),
            (
                "payload[stripe_customer_id]".to_owned(),
                customer.to_owned(),
            ),
            ("payload[value]".to_owned(), req.quantity.to_string()),
            ("timestamp".to_owned(), req.at.timestamp().to_string()),
        ]);
        let _: serde_json::Value = self
            .api
            .send(
                "report meter event",
                Some(&format!("tollgate:meter:{}", req.event_id)),
                || Api::raw(StripeMethod::Post, "/billing/meter_events", &form),
            )
            .await?;
        Ok(())
    }

    async fn list_invoices(&self, customer: &Customer) -> Result<Vec<Invoice>, BillingError> {
        let Some(stripe_customer) = customer.provider_customer_id.as_deref() else {
            return Ok(vec![]);
        };
        let mut invoices: Vec<Invoice> = Vec::new();
        let mut after: Option<String> = None;
        for _ in 0..MAX_INVOICE_PAGES {
            let page: objects::List<StripeInvoice> = self
                .api
                .send("list invoices", None, || {
                    let mut req = ListInvoice::new().customer(stripe_customer).limit(100);
                    if let Some(last) = &after {
                        req = req.starting_after(last.clone());
                    }
                    req.build()
                })
                .await?;
            after = page.data.last().and_then(|i| i.id.clone());
            invoices.extend(
                page.data
                    .iter()
                    .filter_map(|i| i.to_invoice(customer.id.clone())),
            );
            if !page.has_more || after.is_none() {
                break;
            }
        }
        invoices.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.id.cmp(&a.id)));
        Ok(invoices)
    }

    async fn due_events(&self, _now: Timestamp) -> Result<Vec<BillingEvent>, BillingError> {
        // Stripe tells us by webhook.
        Ok(vec![])
    }
}
