//! A production server against localstripe (a stateful fake Stripe server): its signed
//! webhook deliveries reach `POST /v1/webhooks/stripe`, are verified, logged and applied, and
//! Tollgate's cancel and reactivate go to it.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};
use tollgate_billing_stripe::testing::LocalStripe;
use tollgate_server::Mode;
use tollgate_server::config::Secret;

use crate::helpers::{TestApp, spawn_app_with};

const SECRET: &str = "whsec_localstripe_tollgate";

async fn log(app: &TestApp) -> Vec<Value> {
    let r = app.get("/v1/admin/webhooks", app.admin()).await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    r.body["events"].as_array().unwrap().clone()
}

/// Waits (localstripe delivers about a second after the call) until the log holds an event
/// of `kind` that is no longer `received`; answers it.
async fn wait_for(app: &TestApp, kind: &str) -> Value {
    for _ in 0..300 {
        if let Some(e) = log(app)
            .await
            .into_iter()
            .find(|e| e["type"] == kind && e["status"] != "received")
        {
            return e;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no {kind} delivered: {:?}", log(app).await);
}

/// The engine's (manual) clock to the wall clock, as in production.
fn now(app: &TestApp) {
    app.clock.set(chrono::Utc::now());
}

#[tokio::test]
async fn localstripe_deliveries_are_verified_and_applied_and_lifecycle_calls_reach_it() {
    let stripe = LocalStripe::start().await;
    let (url, key) = (stripe.url.clone(), stripe.secret_key.clone());
    let app = spawn_app_with(|c| {
        c.mode = Mode::Production;
        c.stripe_secret_key = Some(Secret::new(key));
        c.stripe_api_base = Some(url);
        c.stripe_webhook_secret = Some(Secret::new(SECRET));
    })
    .await;
    now(&app);
    app.customer("acme").await;
    stripe
        .register_webhook(
            "tollgate",
            &format!("{}/v1/webhooks/stripe", app.base),
            SECRET,
        )
        .await;

    // At Stripe: a plan (a price, for an older API version) tagged as Tollgate's sync tags it,
    // a customer with a card, and a subscription made by checkout (tagged with our customer).
    stripe
        .post_form(
            "/v1/plans",
            &[
                ("id", "tollgate_pro_usd_month_4900"),
                ("amount", "4900"),
                ("currency", "usd"),
                ("interval", "month"),
                ("product[name]", "Pro"),
                ("metadata[tollgate_plan]", "pro"),
                ("metadata[tollgate_interval]", "month"),
            ],
        )
        .await;
    let customer = stripe
        .post_form(
            "/v1/customers",
            &[
                ("name", "acme Inc"),
                ("metadata[tollgate_customer]", "acme"),
            ],
        )
        .await;
    let cus = customer["id"].as_str().unwrap();
    stripe.give_card(cus).await;
    let sub = stripe
        .create_subscription(
            cus,
            "tollgate_pro_usd_month_4900",
            &[("tollgate_customer", "acme")],
        )
        .await;
    assert_eq!(sub["status"], "active", "{sub}");

    let created = wait_for(&app, "customer.subscription.created").await;
    assert_eq!(created["status"], "processed", "{created}");
    let ours = app
        .get("/v1/customers/acme/subscription", app.server())
        .await;
    assert_eq!(ours.body["plan"], "pro", "{ours:?}");
    assert_eq!(ours.body["status"], "active");
    assert_eq!(ours.body["provider_subscription_id"], sub["id"]);
    let linked = app.get("/v1/customers/acme", app.server()).await;
    assert_eq!(linked.body["provider_customer_id"], cus);

    // localstripe sends the paid invoice before the subscription: it names a Stripe customer
    // not linked yet, fails, and a replay (as the jobs' retry would) records it.
    let paid = wait_for(&app, "invoice.payment_succeeded").await;
    if paid["status"] == "failed" {
        let id = paid["event_id"].as_str().unwrap();
        let r = app
            .post(
                &format!("/v1/admin/webhooks/{id}/replay"),
                app.admin(),
                &json!({}),
            )
            .await;
        assert_eq!(r.body["outcome"], "processed", "{r:?}");
    } else {
        assert_eq!(paid["status"], "processed", "{paid}");
    }
    let invoices = app.get("/v1/customers/acme/invoices", app.server()).await;
    assert_eq!(
        invoices.body["invoices"][0]["status"], "paid",
        "{invoices:?}"
    );
    assert_eq!(invoices.body["invoices"][0]["amount_paid"], 4900);
    // Types Tollgate does not act on are logged as ignored.
    let other = wait_for(&app, "invoice.created").await;
    assert_eq!(other["status"], "ignored", "{other}");

    // Cancel at period end, then reactivate: the calls reach Stripe.
    now(&app);
    let r = app
        .post(
            "/v1/customers/acme/subscription/cancel",
            app.server(),
            &json!({"at_period_end": true}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(r.body["cancel_at_period_end"], true);
    let at_stripe = stripe
        .get(
            &format!("/v1/subscriptions/{}", sub["id"].as_str().unwrap()),
            &[],
        )
        .await;
    assert_eq!(at_stripe["cancel_at_period_end"], true, "{at_stripe}");
    now(&app);
    let r = app
        .post(
            "/v1/customers/acme/subscription/reactivate",
            app.server(),
            &json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(r.body["cancel_at_period_end"], false);
    let at_stripe = stripe
        .get(
            &format!("/v1/subscriptions/{}", sub["id"].as_str().unwrap()),
            &[],
        )
        .await;
    assert_eq!(at_stripe["cancel_at_period_end"], false, "{at_stripe}");

    // Cancel now: Stripe deletes it and says so by webhook, which converges on the same state.
    now(&app);
    let r = app
        .post(
            "/v1/customers/acme/subscription/cancel",
            app.server(),
            &json!({"at_period_end": false}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(r.body["status"], "canceled");
    let deleted = wait_for(&app, "customer.subscription.deleted").await;
    assert!(
        deleted["status"] == "processed" || deleted["status"] == "ignored",
        "{deleted}"
    );
    let ours = app
        .get("/v1/customers/acme/subscription", app.server())
        .await;
    assert_eq!(ours.body["status"], "canceled", "{ours:?}");
}
