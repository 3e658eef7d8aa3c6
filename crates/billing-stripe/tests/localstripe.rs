//! The Stripe adapter against localstripe, a stateful fake Stripe server (one per test, started
//! by `testing::LocalStripe`), for what localstripe implements: customers, cancel and reactivate,
//! invoice lists, event decoding of its (2017-08-15 format) events, and signed webhooks.
//!
//! localstripe has no prices, Checkout, customer portal, subscription schedules or meter
//! events, refuses `items[][price]` on previews, and answers 500 to `proration_behavior` on a
//! subscription update: checkout, portal, plan changes, previews and usage reports are covered
//! against an HTTP double instead. Plans here are legacy plans, whose ids stand where price ids
//! go.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::time::Duration;

use serde_json::Value;
use tollgate_billing::{
    BillingAdapter, BillingError, BillingEvent, BillingEventKind, CancelRequest, Customer, Decoded,
    EventDecoder, InvoiceStatus, ProviderDirectory, ReactivateRequest, Subscription,
    SubscriptionStatus,
};
use tollgate_billing_stripe::testing::{LocalStripe, WebhookReceiver};
use tollgate_billing_stripe::{DEFAULT_TOLERANCE_SECONDS, StripeBilling, signature};
use tollgate_kernel::{Currency, CustomerId, Interval, Period, PlanCode, Timestamp};

const PLAN_ID: &str = "tollgate-pro-month";

fn at(seconds: &Value) -> Timestamp {
    chrono::DateTime::from_timestamp(seconds.as_i64().expect("a unix timestamp"), 0).unwrap()
}

fn acme() -> CustomerId {
    CustomerId::parse("acme").unwrap()
}

fn pro() -> PlanCode {
    PlanCode::parse("pro").unwrap()
}

fn new_customer() -> Customer {
    let mut c = Customer::new(acme(), "Acme Inc", Currency::USD, chrono::Utc::now());
    c.email = Some("billing@acme.test".into());
    c
}

/// What Tollgate knows: acme is linked to its Stripe customer, and the plan id is pro monthly.
#[derive(Debug)]
struct Directory {
    customer: Customer,
    plans: HashMap<String, (PlanCode, Interval)>,
}

#[async_trait::async_trait]
impl ProviderDirectory for Directory {
    async fn customer_by_provider_id(&self, id: &str) -> Result<Option<Customer>, BillingError> {
        Ok((self.customer.provider_customer_id.as_deref() == Some(id))
            .then(|| self.customer.clone()))
    }

    async fn plan_by_provider_price(
        &self,
        id: &str,
    ) -> Result<Option<(PlanCode, Interval)>, BillingError> {
        Ok(self.plans.get(id).cloned())
    }
}

/// acme at localstripe (made by the adapter) with a card, on pro monthly ($49), paid.
struct Subscribed {
    local: LocalStripe,
    stripe: StripeBilling,
    /// With its Stripe customer id.
    customer: Customer,
    /// localstripe's subscription as created.
    sub: Value,
}

impl Subscribed {
    async fn start(metadata: &[(&str, &str)]) -> Self {
        let local = LocalStripe::start().await;
        let stripe = StripeBilling::new(&local.config()).unwrap();
        let mut customer = new_customer();
        let cus = stripe.ensure_customer(&customer).await.unwrap();
        customer.provider_customer_id = Some(cus.clone());
        local.give_card(&cus).await;
        local
            .create_plan(PLAN_ID, 4_900, "usd", "month", "Tollgate Pro")
            .await;
        let sub = local.create_subscription(&cus, PLAN_ID, metadata).await;
        assert_eq!(sub["status"], "active", "{sub:#}");
        Self {
            local,
            stripe,
            customer,
            sub,
        }
    }

    fn sub_id(&self) -> &str {
        self.sub["id"].as_str().unwrap()
    }

    fn cus_id(&self) -> &str {
        self.customer.provider_customer_id.as_deref().unwrap()
    }

    fn period(&self) -> Period {
        Period::new(
            at(&self.sub["current_period_start"]),
            at(&self.sub["current_period_end"]),
        )
        .unwrap()
    }

    /// Tollgate's side of the same subscription.
    fn tollgate_subscription(&self) -> Subscription {
        let mut s = Subscription::active(
            acme(),
            pro(),
            Interval::Month,
            Currency::USD,
            self.period(),
            chrono::Utc::now(),
        );
        s.provider_customer_id = Some(self.cus_id().to_owned());
        s.provider_subscription_id = Some(self.sub_id().to_owned());
        s
    }

    fn directory(&self) -> Directory {
        Directory {
            customer: self.customer.clone(),
            plans: HashMap::from([(PLAN_ID.to_owned(), (pro(), Interval::Month))]),
        }
    }

    async fn stripe_subscription(&self) -> Value {
        self.local
            .get(&format!("/v1/subscriptions/{}", self.sub_id()), &[])
            .await
    }

    /// The one event of `kind` localstripe has.
    async fn event(&self, kind: &str) -> Value {
        let mut events = self.local.events_of(kind).await;
        assert_eq!(events.len(), 1, "{kind}: {events:#?}");
        events.remove(0)
    }

    /// The fields of a subscription snapshot every answer and event here shares.
    fn assert_snapshot(&self, event: &BillingEvent, status: SubscriptionStatus, cancels: bool) {
        assert_eq!(event.provider, "stripe");
        match &event.kind {
            BillingEventKind::SubscriptionUpdated {
                customer,
                provider_customer_id,
                provider_subscription_id,
                plan,
                interval,
                status: got_status,
                period,
                trial_end,
                cancel_at_period_end,
                provider_updated_at,
                started: _,
            } => {
                assert_eq!(customer, &acme());
                assert_eq!(provider_customer_id.as_deref(), Some(self.cus_id()));
                assert_eq!(provider_subscription_id.as_deref(), Some(self.sub_id()));
                assert_eq!(plan.as_ref(), Some(&pro()));
                assert_eq!(*interval, Some(Interval::Month));
                assert_eq!(*got_status, status);
                assert_eq!(*period, Some(self.period()));
                assert_eq!(*trial_end, None);
                assert_eq!(*cancel_at_period_end, cancels);
                assert_eq!(*provider_updated_at, event.occurred_at);
            }
            other => panic!("expected a subscription snapshot, got {other:?}"),
        }
    }
}

fn decoded_event(decoded: Decoded) -> BillingEvent {
    match decoded {
        Decoded::Event(e) => *e,
        Decoded::Ignored(why) => panic!("ignored: {why}"),
    }
}

#[tokio::test]
async fn ensure_customer_creates_a_tagged_customer_and_reuses_a_linked_one() {
    let local = LocalStripe::start().await;
    let stripe = StripeBilling::new(&local.config()).unwrap();
    let customer = new_customer();

    let id = stripe.ensure_customer(&customer).await.unwrap();
    assert!(id.starts_with("cus_"), "{id}");
    let created = local.get(&format!("/v1/customers/{id}"), &[]).await;
    assert_eq!(created["metadata"]["tollgate_customer"], "acme");
    assert_eq!(created["name"], "Acme Inc");
    assert_eq!(created["email"], "billing@acme.test");

    // Linked already: answered from the customer, nothing sent (localstripe does not even know
    // the second id).
    let linked = Customer {
        provider_customer_id: Some(id.clone()),
        ..customer.clone()
    };
    assert_eq!(stripe.ensure_customer(&linked).await.unwrap(), id);
    let elsewhere = Customer {
        provider_customer_id: Some("cus_linkedBeforeThisTest".into()),
        ..customer
    };
    assert_eq!(
        stripe.ensure_customer(&elsewhere).await.unwrap(),
        "cus_linkedBeforeThisTest"
    );
    let all = local.get("/v1/customers", &[("limit", "100")]).await;
    assert_eq!(all["data"].as_array().unwrap().len(), 1, "{all:#}");
    assert_eq!(local.events_of("customer.created").await.len(), 1);
    assert!(local.events_of("customer.updated").await.is_empty());
}

#[tokio::test]
async fn cancel_at_period_end_then_reactivate_then_cancel_now() {
    let s = Subscribed::start(&[
        ("tollgate_customer", "acme"),
        ("tollgate_plan", "pro"),
        ("tollgate_interval", "month"),
    ])
    .await;
    let mut sub = s.tollgate_subscription();
    let now = chrono::Utc::now();

    let answered = s
        .stripe
        .cancel(&CancelRequest {
            subscription: sub.clone(),
            at_period_end: true,
            idempotency_key: "tollgate:cancel:acme:1".into(),
            at: now,
        })
        .await
        .unwrap();
    assert_eq!(answered.len(), 1, "{answered:?}");
    assert_eq!(answered[0].id, "call:tollgate:cancel:acme:1");
    s.assert_snapshot(&answered[0], SubscriptionStatus::Active, true);
    let at_stripe = s.stripe_subscription().await;
    assert_eq!(at_stripe["cancel_at_period_end"], true);
    assert_eq!(at_stripe["status"], "active");
    sub.cancel_at_period_end = true;

    let answered = s
        .stripe
        .reactivate(&ReactivateRequest {
            subscription: sub.clone(),
            idempotency_key: "tollgate:reactivate:acme:2".into(),
            at: now,
        })
        .await
        .unwrap();
    assert_eq!(answered.len(), 1, "{answered:?}");
    assert_eq!(answered[0].id, "call:tollgate:reactivate:acme:2");
    s.assert_snapshot(&answered[0], SubscriptionStatus::Active, false);
    assert_eq!(s.stripe_subscription().await["cancel_at_period_end"], false);
    sub.cancel_at_period_end = false;

    let answered = s
        .stripe
        .cancel(&CancelRequest {
            subscription: sub,
            at_period_end: false,
            idempotency_key: "tollgate:cancel:acme:3".into(),
            at: now,
        })
        .await
        .unwrap();
    assert_eq!(answered.len(), 1, "{answered:?}");
    s.assert_snapshot(&answered[0], SubscriptionStatus::Canceled, false);
    assert_eq!(s.stripe_subscription().await["status"], "canceled");
}

#[tokio::test]
async fn list_invoices_maps_the_paid_first_invoice() {
    let s = Subscribed::start(&[]).await;

    let invoices = s.stripe.list_invoices(&s.customer).await.unwrap();
    assert_eq!(invoices.len(), 1, "{invoices:#?}");
    let invoice = &invoices[0];
    let latest = s.sub["latest_invoice"].as_str().unwrap();
    assert_eq!(invoice.id, latest);
    assert_eq!(invoice.provider_invoice_id.as_deref(), Some(latest));
    assert_eq!(invoice.customer, acme());
    assert_eq!(invoice.status, InvoiceStatus::Paid);
    assert_eq!(invoice.currency, Currency::USD);
    assert_eq!(invoice.amount_due, 4_900);
    assert_eq!(invoice.amount_paid, 4_900);
    assert_eq!(invoice.period, Some(s.period()));
    assert_eq!(invoice.lines.len(), 1, "{:?}", invoice.lines);
    assert_eq!(invoice.lines[0].amount_minor, 4_900);
    assert_eq!(invoice.lines[0].description, "Tollgate Pro");
    assert!(!invoice.lines[0].proration);
    assert_eq!(invoice.lines_total(), invoice.amount_due);
    let at_stripe = s.local.get(&format!("/v1/invoices/{latest}"), &[]).await;
    assert_eq!(invoice.created_at, at(&at_stripe["created"]));

    // Not at Stripe yet: no invoices, and nothing asked.
    assert_eq!(
        s.stripe.list_invoices(&new_customer()).await.unwrap(),
        vec![]
    );
}

#[tokio::test]
async fn localstripes_events_decode_into_tollgates_terms() {
    // No Tollgate metadata on the subscription (as one made in Stripe's dashboard): the
    // directory names the customer and the plan.
    let s = Subscribed::start(&[]).await;
    let directory = s.directory();

    let created = s.event("customer.subscription.created").await;
    assert_eq!(created["api_version"], "2017-08-15");
    let event = decoded_event(s.stripe.decode(&created, &directory).await.unwrap());
    assert_eq!(event.id, created["id"].as_str().unwrap());
    assert_eq!(event.occurred_at, at(&created["created"]));
    s.assert_snapshot(&event, SubscriptionStatus::Active, false);

    let paid = s.event("invoice.payment_succeeded").await;
    let event = decoded_event(s.stripe.decode(&paid, &directory).await.unwrap());
    assert_eq!(event.id, paid["id"].as_str().unwrap());
    assert_eq!(event.occurred_at, at(&paid["created"]));
    match &event.kind {
        BillingEventKind::InvoicePaid { customer, invoice } => {
            assert_eq!(customer, &acme());
            assert_eq!(invoice.customer, acme());
            assert_eq!(invoice.id, s.sub["latest_invoice"].as_str().unwrap());
            assert_eq!(invoice.status, InvoiceStatus::Paid);
            assert_eq!(invoice.currency, Currency::USD);
            assert_eq!(invoice.amount_paid, 4_900);
            assert_eq!(invoice.period, Some(s.period()));
        }
        other => panic!("expected invoice_paid, got {other:?}"),
    }

    // Ended at once: the deletion is a snapshot with status canceled.
    s.local
        .json("DELETE", &format!("/v1/subscriptions/{}", s.sub_id()), &[])
        .await;
    let deleted = s.event("customer.subscription.deleted").await;
    let event = decoded_event(s.stripe.decode(&deleted, &directory).await.unwrap());
    s.assert_snapshot(&event, SubscriptionStatus::Canceled, false);

    // What Tollgate does not act on is understood and ignored.
    for kind in [
        "customer.created",
        "plan.created",
        "payment_intent.succeeded",
    ] {
        let raw = s.event(kind).await;
        match s.stripe.decode(&raw, &directory).await.unwrap() {
            Decoded::Ignored(_) => {}
            Decoded::Event(e) => panic!("{kind} decoded to {e:?}"),
        }
    }

    // A customer Tollgate has not linked yet fails (and is retried later), not guessed.
    let strangers = Directory {
        customer: new_customer(),
        plans: HashMap::new(),
    };
    assert!(matches!(
        s.stripe.decode(&created, &strangers).await,
        Err(BillingError::Invalid(_))
    ));
}

#[tokio::test]
async fn localstripes_webhooks_verify_with_our_signature_check_and_decode() {
    const SECRET: &str = "whsec_tollgate_localstripe";
    let local = LocalStripe::start().await;
    let mut receiver = WebhookReceiver::start().await;
    local
        .register_webhook("tollgate", &receiver.url, SECRET)
        .await;
    let stripe = StripeBilling::new(&local.config()).unwrap();
    let mut customer = new_customer();
    let cus = stripe.ensure_customer(&customer).await.unwrap();
    customer.provider_customer_id = Some(cus.clone());
    local.give_card(&cus).await;
    local
        .create_plan(PLAN_ID, 4_900, "usd", "month", "Tollgate Pro")
        .await;
    let sub = local.create_subscription(&cus, PLAN_ID, &[]).await;
    let directory = Directory {
        customer,
        plans: HashMap::from([(PLAN_ID.to_owned(), (pro(), Interval::Month))]),
    };

    // Deliveries leave about a second after each call, one task per event, in no promised
    // order: collect until the subscription's own has arrived.
    let mut seen = Vec::new();
    let delivery = loop {
        let d = receiver
            .next(Duration::from_secs(15))
            .await
            .unwrap_or_else(|| panic!("no customer.subscription.created delivery; saw {seen:?}"));
        let raw: Value = serde_json::from_slice(&d.body).unwrap();
        let kind = raw["type"].as_str().unwrap().to_owned();
        let header = d.signature.clone().expect("a Stripe-Signature header");
        let t = signature::verify(
            Some(&header),
            &d.body,
            &[SECRET.to_owned()],
            chrono::Utc::now().timestamp(),
            DEFAULT_TOLERANCE_SECONDS,
        )
        .unwrap_or_else(|e| panic!("{kind} refused: {e}"));
        assert_eq!(
            t,
            raw["created"].as_i64().unwrap(),
            "signed at the event's creation"
        );
        assert_eq!(d.path, "/webhooks/stripe");
        seen.push(kind.clone());
        if kind == "customer.subscription.created" {
            break (d, raw);
        }
    };
    let (d, raw) = delivery;

    // The bytes are what is signed: the same event re-serialised is not.
    let compact = serde_json::to_vec(&raw).unwrap();
    assert_ne!(compact, d.body);
    assert_eq!(
        signature::verify(
            d.signature.as_deref(),
            &compact,
            &[SECRET.to_owned()],
            chrono::Utc::now().timestamp(),
            DEFAULT_TOLERANCE_SECONDS,
        ),
        Err(signature::SignatureError::Mismatch)
    );
    assert_eq!(
        signature::verify(
            d.signature.as_deref(),
            &d.body,
            &["whsec_someone_else".to_owned()],
            chrono::Utc::now().timestamp(),
            DEFAULT_TOLERANCE_SECONDS,
        ),
        Err(signature::SignatureError::Mismatch)
    );

    let event = decoded_event(stripe.decode(&raw, &directory).await.unwrap());
    match &event.kind {
        BillingEventKind::SubscriptionUpdated {
            customer,
            provider_subscription_id,
            plan,
            status,
            ..
        } => {
            assert_eq!(customer, &acme());
            assert_eq!(provider_subscription_id.as_deref(), sub["id"].as_str());
            assert_eq!(plan.as_ref(), Some(&pro()));
            assert_eq!(*status, SubscriptionStatus::Active);
        }
        other => panic!("expected a subscription snapshot, got {other:?}"),
    }
}
