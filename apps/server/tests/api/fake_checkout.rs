//! Demo mode's Pay button (DESIGN "Demo and test mode"): the subscription is updated before the
//! 303, however often and however fast Pay is pressed, and a failed payment can be retried.

use std::sync::Arc;

use reqwest::StatusCode;
use sea_orm_migration::sea_orm::ConnectionTrait;
use serde_json::Value;

use crate::helpers::{TestApp, spawn_app};

const DAY: i64 = 86_400;

async fn invoices(app: &TestApp, customer: &str) -> usize {
    let r = app
        .get(&format!("/v1/customers/{customer}/invoices"), app.server())
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    r.body["invoices"].as_array().map_or(0, Vec::len)
}

/// The fake provider's events in the webhook log: (id, status) pairs.
async fn fake_events(app: &TestApp) -> Vec<(String, String)> {
    let r = app
        .get("/v1/admin/webhooks?provider=fake&limit=1000", app.admin())
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let mut events: Vec<(String, String)> = r.body["events"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| {
            (
                e["event_id"].as_str().unwrap_or_default().to_owned(),
                e["status"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    events.sort();
    events
}

async fn subscription(app: &TestApp, customer: &str) -> Value {
    let r = app
        .get(
            &format!("/v1/customers/{customer}/subscription"),
            app.server(),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "subscribed: {r:?}");
    r.body
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn pay_pressed_several_times_at_once_subscribes_once_and_every_redirect_follows_it() {
    let app = Arc::new(spawn_app().await);
    app.add_business_plan().await;
    app.customer("acme").await;
    let session = app.checkout("acme", "business", "month").await;

    // Each press is answered 303, and only once the subscription exists.
    let mut presses = Vec::new();
    for _ in 0..4 {
        let app = app.clone();
        let session = session.clone();
        presses.push(tokio::spawn(async move {
            let status = app.pay(&session).await;
            let sub = app
                .get("/v1/customers/acme/subscription", app.server())
                .await;
            (status, sub)
        }));
    }
    for press in presses {
        let (status, sub) = press.await.expect("press");
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert_eq!(
            (sub.status, &sub.body["plan"]),
            (StatusCode::OK, &Value::from("business")),
            "subscribed before the redirect: {sub:?}"
        );
    }
    assert_eq!(invoices(&app, "acme").await, 1, "charged once");
    let events = fake_events(&app).await;
    assert_eq!(
        events.len(),
        2,
        "checkout and invoice, once each: {events:?}"
    );
    assert!(events.iter().all(|(_, s)| s == "processed"), "{events:?}");
    let sub = subscription(&app, "acme").await;

    // Pressed again a day later: redirected, nothing doubled or moved.
    app.advance(DAY).await;
    assert_eq!(app.pay(&session).await, StatusCode::SEE_OTHER);
    assert_eq!(invoices(&app, "acme").await, 1);
    assert_eq!(fake_events(&app).await, events);
    let again = subscription(&app, "acme").await;
    assert_eq!(
        (&again["status"], &again["current_period_start"]),
        (&sub["status"], &sub["current_period_start"])
    );
}

#[tokio::test]
async fn pay_retried_after_a_failure_applies_what_the_first_attempt_lost() {
    let app = spawn_app().await;
    app.add_business_plan().await;
    app.customer("acme").await;
    let session = app.checkout("acme", "business", "month").await;

    // The provider completes the session, then the engine cannot log its events.
    let db = app.state.store.db();
    db.execute_unprepared("ALTER TABLE billing_events RENAME TO billing_events_away")
        .await
        .expect("hide the webhook log");
    assert_eq!(app.pay(&session).await, StatusCode::INTERNAL_SERVER_ERROR);
    db.execute_unprepared("ALTER TABLE billing_events_away RENAME TO billing_events")
        .await
        .expect("restore the webhook log");
    let r = app
        .get("/v1/customers/acme/subscription", app.server())
        .await;
    assert_eq!(
        r.status,
        StatusCode::NOT_FOUND,
        "nothing applied yet: {r:?}"
    );

    // The retry gets the completed session's events again and applies them.
    assert_eq!(app.pay(&session).await, StatusCode::SEE_OTHER);
    let sub = subscription(&app, "acme").await;
    assert_eq!(
        (&sub["plan"], &sub["status"]),
        (&Value::from("business"), &Value::from("active"))
    );
    assert_eq!(invoices(&app, "acme").await, 1);
    assert_eq!(app.pay(&session).await, StatusCode::SEE_OTHER);
    assert_eq!(invoices(&app, "acme").await, 1);
    assert_eq!(fake_events(&app).await.len(), 2);
}

#[tokio::test]
async fn a_demo_invoice_page_opens_for_the_customers_owner_and_admin_only() {
    let app = spawn_app().await;
    app.customer("acme").await;
    app.customer("globex").await;
    app.subscribe("acme", "pro", "month").await;
    app.advance(15 * 86_400).await; // the trial converts: a paid invoice
    let list = app.get("/v1/customers/acme/invoices", app.server()).await;
    let invoice = list.body["invoices"]
        .as_array()
        .and_then(|a| a.iter().find(|i| i["amount_due"].as_i64() > Some(0)))
        .cloned()
        .expect("a paid invoice");
    let url = invoice["hosted_url"]
        .as_str()
        .expect("hosted_url")
        .to_owned();
    assert!(url.starts_with("/fake-billing/invoices/"), "{url}");
    let open = |token: Option<String>| {
        let mut req = app.client.get(format!("{}{url}", app.base));
        if let Some(t) = token {
            req = req.header("cookie", format!("tg_session={t}"));
        }
        async move { req.send().await.expect("invoice page") }
    };

    let owner = open(Some(app.ui_session("acme", "owner").await)).await;
    assert_eq!(owner.status(), StatusCode::OK);
    let html = owner.text().await.expect("html");
    let number = invoice["number"].as_str().expect("number");
    assert!(
        html.contains(number) && html.contains("49.00 USD"),
        "{html}"
    );
    assert_eq!(
        open(Some(app.ui_session("acme", "admin").await))
            .await
            .status(),
        StatusCode::OK
    );
    for token in [
        None,
        Some(app.ui_session("acme", "member").await),
        Some(app.ui_session("globex", "owner").await),
    ] {
        assert_eq!(open(token).await.status(), StatusCode::NOT_FOUND);
    }
}
