//! Operations routes, request ids, idempotent replays.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{spawn_app, spawn_replica};

#[tokio::test]
async fn health_readiness_metrics_and_request_ids() {
    let app = spawn_app().await;
    let r = app.get("/healthz", None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.headers.get("x-request-id").is_some());
    let r = app.get("/readyz", None).await;
    assert_eq!(
        (r.status, r.body["database"].as_str()),
        (StatusCode::OK, Some("ok"))
    );
    // A sane caller-supplied id is echoed.
    let r = app
        .call(
            Method::GET,
            "/healthz",
            None,
            None,
            &[("x-request-id", "trace-42")],
        )
        .await;
    assert_eq!(r.headers["x-request-id"], "trace-42");
    app.customer("acme").await;
    app.usage("acme", "api_calls", 1, "k1").await;
    let metrics = app.get("/metrics", None).await;
    let text = metrics.body.as_str().unwrap_or_default().to_owned();
    assert!(
        text.contains("tollgate_http_request_duration_seconds_bucket"),
        "{text}"
    );
    assert!(text.contains("route=\"/v1/usage\""), "{text}");
    assert!(
        text.contains("tollgate_usage_events_total{feature=\"api_calls\",outcome=\"accepted\"} 1"),
        "{text}"
    );
}

#[tokio::test]
async fn unknown_routes_answer_the_fixed_error_body() {
    let app = spawn_app().await;
    let r = app.get("/v1/nope", app.server()).await;
    assert_eq!((r.status, r.code()), (StatusCode::NOT_FOUND, "not_found"));
}

#[tokio::test]
async fn idempotency_key_replays_the_first_answer_and_refuses_a_different_body() {
    let app = spawn_app().await;
    app.customer("acme").await;
    let grant = json!({"amount_minor": 500, "currency": "USD"});
    let path = "/v1/admin/customers/acme/wallet/grants";
    let hdr = [("idempotency-key", "grant-1")];
    let first = app
        .call(Method::POST, path, app.admin(), Some(&grant), &hdr)
        .await;
    assert_eq!(first.status, StatusCode::CREATED, "{first:?}");
    let again = app
        .call(Method::POST, path, app.admin(), Some(&grant), &hdr)
        .await;
    assert_eq!(again.status, StatusCode::CREATED);
    assert_eq!(again.body, first.body);
    assert_eq!(again.headers["idempotent-replayed"], "true");
    let wallet = app.get("/v1/customers/acme/wallet", app.server()).await;
    assert_eq!(
        wallet.body["balances"][0]["amount"], "5.000000",
        "{wallet:?}"
    );
    let other = json!({"amount_minor": 900, "currency": "USD"});
    let clash = app
        .call(Method::POST, path, app.admin(), Some(&other), &hdr)
        .await;
    assert_eq!(
        (clash.status, clash.code()),
        (StatusCode::CONFLICT, "conflict")
    );
    let wallet = app.get("/v1/customers/acme/wallet", app.server()).await;
    assert_eq!(wallet.body["entries"].as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn admin_customers_show_plan_usage_and_mrr_and_analytics_count_them() {
    let app = spawn_app().await;
    app.customer("acme").await;
    app.customer("globex").await;
    let sub = app.subscribe("acme", "pro", "month").await;
    assert_eq!(sub.body["plan"], "pro", "{sub:?}");
    // Pro has a 14-day trial: paying starts after it.
    app.advance(15 * 86_400).await;
    app.usage("globex", "api_calls", 7, "g-1").await;

    let r = app.get("/v1/admin/customers", app.admin()).await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let list = r.body["customers"].as_array().expect("customers");
    let find = |id: &str| {
        list.iter()
            .find(|c| c["customer"]["id"] == id)
            .unwrap_or_else(|| panic!("{id} listed: {r:?}"))
            .clone()
    };
    let acme = find("acme");
    assert_eq!(
        (acme["plan"].as_str(), acme["status"].as_str()),
        (Some("pro"), Some("active"))
    );
    assert_eq!(acme["mrr"]["minor"], 4900);
    let globex = find("globex");
    assert_eq!(globex["plan"], "hobby");
    assert_eq!(globex["mrr"]["minor"], 0);
    let calls = globex["usage"]
        .as_array()
        .expect("usage")
        .iter()
        .find(|u| u["feature"] == "api_calls")
        .expect("api_calls usage")
        .clone();
    assert_eq!(
        (calls["used"].as_i64(), calls["limit"].as_i64()),
        (Some(7), Some(1000))
    );

    let a = app.get("/v1/admin/analytics", app.admin()).await;
    assert_eq!(a.status, StatusCode::OK, "{a:?}");
    assert_eq!(a.body["active"], 1, "{a:?}");
    assert_eq!(a.body["mrr"][0]["minor"], 4900, "{a:?}");
    let pro = a.body["by_plan"]
        .as_array()
        .expect("by_plan")
        .iter()
        .find(|p| p["plan"] == "pro")
        .expect("pro row")
        .clone();
    assert_eq!(pro["active"], 1);
    // Only the operator sees tenants.
    let r = app.get("/v1/admin/customers", app.server()).await;
    assert_eq!((r.status, r.code()), (StatusCode::FORBIDDEN, "forbidden"));
}

/// Demo mode keeps the fake provider's records: after a restart on the same database, the
/// subscription still renews (the provider still knows it) and old checkout pages still load.
#[tokio::test]
async fn fake_billing_state_survives_a_restart() {
    use tollgate_kernel::Clock;

    let app = spawn_app().await;
    app.customer("acme").await;
    let sub = app.subscribe("acme", "pro", "month").await;
    let first_end = sub.body["current_period_end"]
        .as_str()
        .expect("end")
        .to_owned();
    app.customer("globex").await;
    let session_page = app
        .post(
            "/v1/customers/globex/checkout",
            app.server(),
            &json!({"plan": "pro", "interval": "year",
                    "success_url": "https://app.example.com/ok",
                    "cancel_url": "https://app.example.com/cancel"}),
        )
        .await;
    let page_url = session_page.body["url"]
        .as_str()
        .unwrap_or_else(|| panic!("{session_page:?}"))
        .to_owned();

    // A second server on the same database, with a fresh fake provider restored from it.
    let base = spawn_replica(&app.state.config.database_url, app.clock.now()).await;
    let page = app
        .client
        .get(page_url.replace(&app.base, &base))
        .send()
        .await
        .expect("page");
    assert_eq!(
        page.status(),
        StatusCode::OK,
        "the old session's page is still there"
    );

    let advance = app
        .client
        .post(format!("{base}/v1/admin/clock/advance"))
        .bearer_auth(crate::helpers::ADMIN_KEY)
        .json(&json!({"seconds": 46 * 86_400}))
        .send()
        .await
        .expect("advance");
    assert_eq!(advance.status(), StatusCode::OK);
    let sub: serde_json::Value = app
        .client
        .get(format!("{base}/v1/customers/acme/subscription"))
        .bearer_auth(crate::helpers::ADMIN_KEY)
        .send()
        .await
        .expect("subscription")
        .json()
        .await
        .expect("json");
    assert_eq!(sub["status"], "active", "{sub}");
    assert!(
        sub["current_period_start"].as_str().expect("start") >= first_end.as_str(),
        "renewed by the restored provider: {sub}"
    );
}

/// Metric labels come from closed sets: made-up methods and unknown features from callers do
/// not mint new series.
#[tokio::test]
async fn callers_cannot_mint_metric_series() {
    let app = spawn_app().await;
    app.customer("acme").await;
    let odd = Method::from_bytes(b"FOO1").expect("method");
    app.call(odd, "/healthz", None, None, &[]).await;
    app.usage("acme", "zz_made_up_1", 1, "m-1").await;
    let text = app
        .get("/metrics", None)
        .await
        .body
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(!text.contains("FOO1"), "{text}");
    assert!(text.contains("method=\"other\""), "{text}");
    assert!(!text.contains("zz_made_up_1"), "{text}");
    assert!(text.contains("feature=\"_invalid\""), "{text}");
}
