//! Operations routes, request ids, idempotent replays.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::spawn_app;

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
