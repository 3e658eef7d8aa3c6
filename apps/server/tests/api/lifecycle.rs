//! The whole life of a subscription through HTTP, driven by the clock: trial → checkout →
//! upgrade (prorated) → scheduled downgrade → renewal → failed payment → past_due with grace →
//! locked (402) → payment → active.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{TestApp, spawn_app};

const DAY: i64 = 86_400;

#[tokio::test]
async fn trial_checkout_upgrade_downgrade_renewal_failure_lock_and_recovery() {
    let app = spawn_app().await;
    app.add_business_plan().await;
    app.customer("acme").await;
    let server = app.server();

    // Trial of Pro, without a card.
    let r = app
        .post("/v1/customers/acme/trial", server, &json!({"plan": "pro"}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    assert_eq!(
        (r.body["plan"].as_str(), r.body["status"].as_str()),
        (Some("pro"), Some("trialing"))
    );
    assert!(r.body["trial_end"].is_string());

    // Checkout for Pro, paid on the fake page.
    let sub = app.subscribe("acme", "pro", "month").await;
    assert_eq!(sub.status, StatusCode::OK, "{sub:?}");
    assert_eq!(sub.body["plan"], "pro");
    assert!(
        matches!(sub.body["status"].as_str(), Some("active" | "trialing")),
        "{sub:?}"
    );
    // Let any remaining trial run out so Pro is paid.
    if sub.body["status"] == "trialing" {
        app.advance(15 * DAY).await;
    }
    let sub = app.get("/v1/customers/acme/subscription", server).await;
    assert_eq!(sub.body["status"], "active", "{sub:?}");

    // Upgrade to Business now, prorated: the preview says what is due and the change agrees.
    app.advance(10 * DAY).await;
    let preview = app
        .get(
            "/v1/customers/acme/subscription/change/preview?plan=business",
            server,
        )
        .await;
    assert_eq!(preview.status, StatusCode::OK, "{preview:?}");
    assert_eq!(preview.body["kind"], "upgrade");
    let due = preview.body["amount_due_now"]["minor"]
        .as_i64()
        .or_else(|| preview.body["amount_due_now"]["amount_minor"].as_i64());
    let due = due.expect("amount due in minor units");
    assert!(
        due > 0 && due < 9900 - 4900 + 1,
        "prorated, not the full difference or more: {due}"
    );
    let invoices_before = app.get("/v1/customers/acme/invoices", server).await;
    let n_before = invoices_before.body["invoices"]
        .as_array()
        .map_or(0, Vec::len);
    let r = app
        .post(
            "/v1/customers/acme/subscription/change",
            server,
            &json!({"plan": "business"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(r.body["plan"], "business");
    let invoices = app.get("/v1/customers/acme/invoices", server).await;
    let list = invoices.body["invoices"]
        .as_array()
        .expect("invoices")
        .clone();
    assert_eq!(
        list.len(),
        n_before + 1,
        "one proration invoice: {invoices:?}"
    );
    assert_eq!(
        list[0]["amount_due"].as_i64(),
        Some(due),
        "invoice matches the preview"
    );

    // Downgrade to Pro: scheduled for the period end, Business stays until then.
    let r = app
        .post(
            "/v1/customers/acme/subscription/change",
            server,
            &json!({"plan": "pro"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(r.body["plan"], "business");
    assert_eq!(r.body["scheduled_change"]["plan"], "pro");
    let period_end = r.body["current_period_end"]
        .as_str()
        .expect("period end")
        .to_owned();

    // Renewal: the period ends, the downgrade applies, a Pro invoice is paid.
    app.advance(31 * DAY).await;
    let sub = app.get("/v1/customers/acme/subscription", server).await;
    assert_eq!(
        (sub.body["plan"].as_str(), sub.body["status"].as_str()),
        (Some("pro"), Some("active")),
        "{sub:?}"
    );
    assert!(sub.body["scheduled_change"].is_null());
    assert_ne!(sub.body["current_period_start"].as_str(), None);
    assert!(sub.body["current_period_start"].as_str().unwrap() >= period_end.as_str());

    // The card starts failing: the next renewal fails → past_due with a 3-day grace.
    let r = app
        .post(
            "/v1/admin/fake-billing/customers/acme/payment-method",
            app.admin(),
            &json!({"fails": true}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let next_end =
        chrono::DateTime::parse_from_rfc3339(sub.body["current_period_end"].as_str().unwrap())
            .unwrap();
    let to_end = (next_end.timestamp() - app.clock_now().timestamp()) + 60;
    app.advance(to_end).await;
    let sub = app.get("/v1/customers/acme/subscription", server).await;
    assert_eq!(sub.body["status"], "past_due", "{sub:?}");
    assert!(sub.body["grace_ends_at"].is_string(), "{sub:?}");
    // During grace usage still works.
    let r = app.usage("acme", "api_calls", 1, "grace-1").await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");

    // Grace over: locked, read-only.
    app.advance(3 * DAY + 60).await;
    let r = app.usage("acme", "api_calls", 1, "locked-1").await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::PAYMENT_REQUIRED, "account_locked"),
        "{r:?}"
    );
    let r = app
        .post(
            "/v1/leases",
            server,
            &json!({"customer": "acme", "feature": "concurrent_jobs", "ttl_seconds": 60}),
        )
        .await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::PAYMENT_REQUIRED, "account_locked"),
        "{r:?}"
    );
    let reads = app.get("/v1/customers/acme/entitlements", server).await;
    assert_eq!(reads.status, StatusCode::OK, "reads still work when locked");

    // Payment (the card is fixed, the open invoice is paid): active again, usage works.
    let r = app
        .post(
            "/v1/admin/fake-billing/customers/acme/payment-method",
            app.admin(),
            &json!({"fails": false}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let sub = app.get("/v1/customers/acme/subscription", server).await;
    assert_eq!(sub.body["status"], "active", "{sub:?}");
    assert!(sub.body["grace_ends_at"].is_null());
    let r = app.usage("acme", "api_calls", 1, "after-pay").await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");

    // Every step is journaled.
    let audit = app
        .get(
            "/v1/admin/audit?entity=subscription:acme&limit=1000",
            app.admin(),
        )
        .await;
    let actions: Vec<&str> = audit.body["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert!(actions.len() >= 6, "{actions:?}");
    // And the webhook log holds the provider's events, each processed once.
    let log = app.get("/v1/admin/webhooks?limit=1000", app.admin()).await;
    let events = log.body["events"].as_array().expect("events");
    assert!(
        events.iter().any(|e| e["type"] == "invoice.payment_failed"),
        "{log:?}"
    );
    assert!(events.iter().all(|e| e["attempts"].as_i64() >= Some(1)));
}

impl TestApp {
    pub fn clock_now(&self) -> chrono::DateTime<chrono::Utc> {
        use tollgate_kernel::Clock;
        self.clock.now()
    }
}
