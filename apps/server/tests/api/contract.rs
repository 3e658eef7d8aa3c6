//! The v1 contract of DESIGN ("HTTP API (v1)" and "Core JSON shapes"), one test per row:
//! fixed paths, status codes and core fields. (`GET /v1/admin/customers`,
//! `GET /v1/admin/analytics` and `POST /v1/webhooks/stripe` are covered elsewhere.)

use chrono::{DateTime, Duration, Utc};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{Answer, assert_error, spawn_app, start_time};

const DAY: i64 = 86_400;
/// The first instant of the month after [`start_time`]: where monthly windows reset.
const NEXT_MONTH: &str = "2026-12-01T00:00:00Z";

fn ts(v: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(v.as_str().unwrap_or_else(|| panic!("timestamp: {v}")))
        .unwrap_or_else(|e| panic!("timestamp {v}: {e}"))
        .with_timezone(&Utc)
}

fn keys_of(v: &Value) -> Vec<String> {
    let mut k: Vec<String> = v
        .as_object()
        .unwrap_or_else(|| panic!("object: {v}"))
        .keys()
        .cloned()
        .collect();
    k.sort();
    k
}

#[track_caller]
fn assert_has_fields(v: &Value, fields: &[&str]) {
    let obj = v.as_object().unwrap_or_else(|| panic!("object: {v}"));
    for f in fields {
        assert!(obj.contains_key(*f), "field {f} missing in {v}");
    }
}

fn codes(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap_or_else(|| panic!("array: {list}"))
        .iter()
        .map(|p| p["code"].as_str().expect("code").to_owned())
        .collect()
}

/// DESIGN's plan example under another code (the demo catalog already has `pro`).
fn team_plan() -> Value {
    json!({"code": "team", "name": "Team", "description": "For growing teams", "priority": 25,
     "trial_days": 14, "active": true, "public": true,
     "prices": [{"currency": "USD", "interval": "month", "amount_minor": 4900, "stripe_price_id": null}],
     "entitlements": [
       {"feature": "api_calls", "limit": 10000, "window": "month", "enforcement": "hard"},
       {"feature": "ai_queries", "limit": 1000, "window": "month", "enforcement": "soft",
        "overage": {"currency": "USD", "unit_amount": "0.003"}},
       {"feature": "storage_bytes", "limit": 10_737_418_240_i64, "enforcement": "hard"},
       {"feature": "concurrent_jobs", "limit": 3},
       {"feature": "max_upload_bytes", "limit": 209_715_200},
       {"feature": "analytics", "enabled": true},
       {"feature": "retention_days", "value": 365}],
     "wallet_grants": [{"amount_minor": 500, "currency": "USD", "on": "start", "expires_after_days": 30}]})
}

/// Every key given in `given` is answered with the same value (entitlements item by item).
#[track_caller]
fn assert_plan_echoes(answer: &Value, given: &Value) {
    for (key, value) in given.as_object().expect("plan") {
        if key == "entitlements" {
            continue;
        }
        assert_eq!(&answer[key], value, "{key} of {answer}");
    }
    let written = answer["entitlements"].as_array().expect("entitlements");
    let given = given["entitlements"].as_array().expect("entitlements");
    assert_eq!(written.len(), given.len(), "{answer}");
    for (w, g) in written.iter().zip(given) {
        for (key, value) in g.as_object().expect("entitlement") {
            assert_eq!(&w[key], value, "{key} of {w}");
        }
    }
}

#[tokio::test]
async fn operations_health_readiness_metrics_and_openapi() {
    let app = spawn_app().await;
    let r = app.get("/healthz", None).await;
    assert_eq!(
        (r.status, &r.body["status"]),
        (StatusCode::OK, &json!("ok"))
    );
    let r = app.get("/readyz", None).await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(r.body["database"], "ok");
    let r = app.get("/metrics", None).await;
    assert_eq!(r.status, StatusCode::OK);
    let ct = r.headers["content-type"].to_str().unwrap_or_default();
    assert!(ct.starts_with("text/plain"), "{ct}");
    let text = r.body.as_str().expect("text");
    assert!(
        text.contains("tollgate_http_request_duration_seconds"),
        "{text}"
    );
    let r = app.get("/openapi.json", None).await;
    assert_eq!(r.status, StatusCode::OK);
    let ct = r.headers["content-type"].to_str().unwrap_or_default();
    assert!(ct.starts_with("application/json"), "{ct}");
    assert!(r.body.is_object(), "{r:?}");
    assert!(
        r.body["openapi"]
            .as_str()
            .is_some_and(|v| v.starts_with('3')),
        "{r:?}"
    );
}

#[tokio::test]
async fn public_plans_list_only_active_public_plans_without_a_key() {
    let app = spawn_app().await;
    let r = app.get("/v1/plans", None).await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let plans = &r.body["plans"];
    assert_eq!(codes(plans), ["hobby", "pro", "enterprise"], "by priority");
    for p in plans.as_array().expect("plans") {
        assert_has_fields(
            p,
            &[
                "code",
                "name",
                "description",
                "priority",
                "trial_days",
                "active",
                "public",
                "prices",
                "entitlements",
                "wallet_grants",
            ],
        );
        assert_eq!((&p["active"], &p["public"]), (&json!(true), &json!(true)));
        for price in p["prices"].as_array().expect("prices") {
            assert_eq!(
                keys_of(price),
                ["amount_minor", "currency", "interval", "stripe_price_id"]
            );
        }
    }
    let pro = &plans[1];
    assert_eq!(pro["trial_days"], 14);
    assert!(
        pro["prices"]
            .as_array()
            .expect("prices")
            .iter()
            .any(|p| p["currency"] == "USD"
                && p["interval"] == "month"
                && p["amount_minor"] == 4900),
        "{pro}"
    );
    let api_calls = pro["entitlements"]
        .as_array()
        .expect("entitlements")
        .iter()
        .find(|e| e["feature"] == "api_calls")
        .expect("api_calls");
    assert_eq!(
        (
            &api_calls["limit"],
            &api_calls["window"],
            &api_calls["enforcement"]
        ),
        (&json!(100_000), &json!("month"), &json!("hard"))
    );
    let enterprise = &plans[2];
    let unlimited = enterprise["entitlements"]
        .as_array()
        .expect("entitlements")
        .iter()
        .find(|e| e["feature"] == "api_calls")
        .expect("api_calls");
    assert!(
        unlimited["limit"].is_null(),
        "unlimited is null: {unlimited}"
    );

    // A private plan and an inactive plan are not listed; the operator's list has them.
    let mut private = team_plan();
    private["code"] = json!("private");
    private["public"] = json!(false);
    let mut inactive = team_plan();
    inactive["code"] = json!("legacy");
    inactive["active"] = json!(false);
    for p in [&private, &inactive] {
        let r = app.post("/v1/admin/plans", app.admin(), p).await;
        assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    }
    let r = app.get("/v1/plans", None).await;
    assert_eq!(codes(&r.body["plans"]), ["hobby", "pro", "enterprise"]);
    let all = app.get("/v1/admin/plans", app.admin()).await;
    assert_eq!(all.status, StatusCode::OK);
    let all = codes(&all.body["plans"]);
    assert!(
        all.contains(&"private".to_owned()) && all.contains(&"legacy".to_owned()),
        "{all:?}"
    );
}

#[tokio::test]
async fn plans_create_duplicate_update_and_archive() {
    let app = spawn_app().await;
    let plan = team_plan();
    let r = app.post("/v1/admin/plans", app.admin(), &plan).await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    assert_plan_echoes(&r.body, &plan);
    let listed = app.get("/v1/plans", None).await;
    let team = listed.body["plans"]
        .as_array()
        .expect("plans")
        .iter()
        .find(|p| p["code"] == "team")
        .expect("team is listed")
        .clone();
    assert_plan_echoes(&team, &plan);
    assert_eq!(
        codes(&listed.body["plans"]),
        ["hobby", "pro", "team", "enterprise"],
        "by priority"
    );

    // The same code again is a conflict, and changes nothing.
    let mut again = plan.clone();
    again["name"] = json!("Another team");
    let r = app.post("/v1/admin/plans", app.admin(), &again).await;
    assert_error(&r, StatusCode::CONFLICT, "conflict");

    // Update: the answer and the public list carry the new values.
    let mut updated = plan.clone();
    updated["name"] = json!("Team Plus");
    updated["prices"][0]["amount_minor"] = json!(5900);
    updated["entitlements"][0]["limit"] = json!(20000);
    let r = app.put("/v1/admin/plans/team", app.admin(), &updated).await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_plan_echoes(&r.body, &updated);
    let listed = app.get("/v1/plans", None).await;
    let team = listed.body["plans"]
        .as_array()
        .expect("plans")
        .iter()
        .find(|p| p["code"] == "team")
        .expect("team")
        .clone();
    assert_eq!(team["name"], "Team Plus");
    assert_eq!(team["prices"][0]["amount_minor"], 5900);
    let mut unknown = updated.clone();
    unknown["code"] = json!("nope");
    let r = app.put("/v1/admin/plans/nope", app.admin(), &unknown).await;
    assert_error(&r, StatusCode::NOT_FOUND, "not_found");
    let r = app.put("/v1/admin/plans/pro", app.admin(), &updated).await;
    assert_error(&r, StatusCode::BAD_REQUEST, "invalid_request");

    // Archive: answered with active false, gone from the public list, kept for the operator.
    let r = app.delete("/v1/admin/plans/team", app.admin()).await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(
        (&r.body["code"], &r.body["active"]),
        (&json!("team"), &json!(false))
    );
    let listed = app.get("/v1/plans", None).await;
    assert_eq!(codes(&listed.body["plans"]), ["hobby", "pro", "enterprise"]);
    let all = app.get("/v1/admin/plans", app.admin()).await;
    let archived = all.body["plans"]
        .as_array()
        .expect("plans")
        .iter()
        .find(|p| p["code"] == "team")
        .expect("archived plan kept")
        .clone();
    assert_eq!(archived["active"], false);
    // An archived plan cannot be sold.
    app.customer("acme").await;
    let r = app
        .post(
            "/v1/customers/acme/checkout",
            app.server(),
            &json!({"plan": "team", "interval": "month",
                    "success_url": "https://a.example/ok", "cancel_url": "https://a.example/no"}),
        )
        .await;
    assert_error(&r, StatusCode::BAD_REQUEST, "invalid_request");
    let r = app.delete("/v1/admin/plans/nope", app.admin()).await;
    assert_error(&r, StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test]
async fn features_list_create_update_and_kind_is_fixed() {
    let app = spawn_app().await;
    let r = app.get("/v1/admin/features", app.admin()).await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let features = r.body["features"].as_array().expect("features");
    let api_calls = features
        .iter()
        .find(|f| f["code"] == "api_calls")
        .expect("api_calls");
    assert_eq!(
        api_calls,
        &json!({"code": "api_calls", "name": "API calls", "kind": "metered", "unit": "call"})
    );
    for kind in [
        "boolean",
        "metered",
        "gauge",
        "concurrency",
        "per_request",
        "config",
    ] {
        assert!(features.iter().any(|f| f["kind"] == kind), "{kind}");
    }

    let new = json!({"code": "exports", "name": "Exports", "kind": "metered", "unit": "export"});
    let r = app.post("/v1/admin/features", app.admin(), &new).await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    assert_eq!(r.body, new);
    let r = app.post("/v1/admin/features", app.admin(), &new).await;
    assert_eq!(r.status, StatusCode::OK, "the same feature again: {r:?}");
    let renamed =
        json!({"code": "exports", "name": "Data exports", "kind": "metered", "unit": "export"});
    let r = app.post("/v1/admin/features", app.admin(), &renamed).await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(r.body, renamed);

    let other_kind =
        json!({"code": "exports", "name": "Exports", "kind": "gauge", "unit": "export"});
    let r = app
        .post("/v1/admin/features", app.admin(), &other_kind)
        .await;
    assert_error(&r, StatusCode::CONFLICT, "conflict");
    let r = app.get("/v1/admin/features", app.admin()).await;
    let exports = r.body["features"]
        .as_array()
        .expect("features")
        .iter()
        .find(|f| f["code"] == "exports")
        .expect("exports")
        .clone();
    assert_eq!(exports, renamed, "the refused change wrote nothing");
}

#[tokio::test]
async fn overrides_change_the_customers_entitlements() {
    let app = spawn_app().await;
    app.customer("acme").await;
    app.customer("globex").await;
    assert_eq!(app.entitlement("acme", "api_calls").await["limit"], 1000);
    let body = json!({"overrides": [
        {"feature": "api_calls", "limit": 5},
        {"feature": "analytics", "enabled": true},
        {"feature": "retention_days", "value": 90}], "addons": []});
    let r = app
        .put("/v1/admin/customers/acme/overrides", app.admin(), &body)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(r.body, body);
    let r = app
        .get("/v1/admin/customers/acme/overrides", app.admin())
        .await;
    assert_eq!((r.status, &r.body), (StatusCode::OK, &body));

    let calls = app.entitlement("acme", "api_calls").await;
    assert_eq!(
        (&calls["limit"], &calls["remaining"]),
        (&json!(5), &json!(5))
    );
    assert_eq!(app.entitlement("acme", "analytics").await["enabled"], true);
    assert_eq!(app.entitlement("acme", "retention_days").await["value"], 90);
    // Another customer keeps the plan's values.
    assert_eq!(app.entitlement("globex", "api_calls").await["limit"], 1000);
    // And the override is enforced.
    for i in 0..5 {
        let r = app.usage("acme", "api_calls", 1, &format!("o-{i}")).await;
        assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    }
    let r = app.usage("acme", "api_calls", 1, "o-5").await;
    assert_error(&r, StatusCode::TOO_MANY_REQUESTS, "quota_exceeded");
    // Unlimited by override.
    app.overrides("acme", json!([{"feature": "api_calls", "limit": null}]))
        .await;
    let calls = app.entitlement("acme", "api_calls").await;
    assert!(
        calls["limit"].is_null() && calls["remaining"].is_null(),
        "{calls}"
    );
    let r = app.usage("acme", "api_calls", 1, "o-6").await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");

    let r = app
        .put("/v1/admin/customers/nobody/overrides", app.admin(), &body)
        .await;
    assert_error(&r, StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test]
async fn customers_create_idempotent_on_id_get_and_delete() {
    let app = spawn_app().await;
    let new = json!({"id": "acme", "name": "Acme Inc", "email": "billing@acme.example", "currency": "EUR"});
    let r = app.post("/v1/customers", app.server(), &new).await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    assert_has_fields(&r.body, &["id", "name", "email", "currency", "status"]);
    assert_eq!(
        (
            &r.body["id"],
            &r.body["name"],
            &r.body["email"],
            &r.body["currency"],
            &r.body["status"]
        ),
        (
            &json!("acme"),
            &json!("Acme Inc"),
            &json!("billing@acme.example"),
            &json!("EUR"),
            &json!("active")
        )
    );
    let first = r.body.clone();
    // Idempotent on id: 200 with the stored customer, even when the body differs.
    let r = app.post("/v1/customers", app.server(), &new).await;
    assert_eq!((r.status, &r.body), (StatusCode::OK, &first));
    let r = app
        .post(
            "/v1/customers",
            app.server(),
            &json!({"id": "acme", "name": "Other name"}),
        )
        .await;
    assert_eq!((r.status, &r.body), (StatusCode::OK, &first));
    let audit = app
        .get("/v1/admin/audit?entity=customer:acme", app.admin())
        .await;
    assert_eq!(
        audit.body["entries"].as_array().map(Vec::len),
        Some(1),
        "created once, journaled once: {audit:?}"
    );
    // Defaults: USD, no email.
    let r = app
        .post(
            "/v1/customers",
            app.server(),
            &json!({"id": "globex", "name": "Globex"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    assert_eq!(
        (&r.body["currency"], &r.body["email"]),
        (&json!("USD"), &Value::Null)
    );

    let r = app.get("/v1/customers/acme", app.server()).await;
    assert_eq!((r.status, &r.body), (StatusCode::OK, &first));
    let r = app.get("/v1/customers/nobody", app.server()).await;
    assert_error(&r, StatusCode::NOT_FOUND, "not_found");

    let r = app.delete("/v1/customers/acme", app.server()).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{r:?}");
    assert!(r.body.is_null(), "204 has no body: {r:?}");
    let r = app.get("/v1/customers/acme", app.server()).await;
    assert_error(&r, StatusCode::NOT_FOUND, "not_found");
    let r = app.delete("/v1/customers/acme", app.server()).await;
    assert_error(&r, StatusCode::NOT_FOUND, "not_found");
    // A deleted id is not reused.
    let r = app.post("/v1/customers", app.server(), &new).await;
    assert_error(&r, StatusCode::CONFLICT, "conflict");
    // Globex is untouched.
    let r = app.get("/v1/customers/globex", app.server()).await;
    assert_eq!(r.status, StatusCode::OK);
}

/// Real clocks have sub-microsecond digits that the store does not keep: the first POST must
/// still be the one that creates (201, journaled once) and every repeat a 200.
#[tokio::test]
async fn customers_created_at_a_sub_microsecond_instant_are_created_once() {
    let app = spawn_app().await;
    for (i, nanos) in [1_500_i64, 999, 123_456_789].into_iter().enumerate() {
        app.clock.set(start_time() + Duration::nanoseconds(nanos));
        let id = format!("sub-{i}");
        let body = json!({"id": id, "name": "Sub"});
        let r = app.post("/v1/customers", app.server(), &body).await;
        assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
        let r = app.post("/v1/customers", app.server(), &body).await;
        assert_eq!(r.status, StatusCode::OK, "{r:?}");
        let audit = app
            .get(
                &format!("/v1/admin/audit?entity=customer:{id}&action=customer.created"),
                app.admin(),
            )
            .await;
        assert_eq!(
            audit.body["entries"].as_array().map(Vec::len),
            Some(1),
            "{audit:?}"
        );
    }
}

#[tokio::test]
async fn sessions_answer_token_url_and_expiry_and_the_token_works() {
    let app = spawn_app().await;
    app.customer("acme").await;
    let r = app
        .post(
            "/v1/customers/acme/sessions",
            app.server(),
            &json!({"user_id": "u-1", "role": "admin"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    assert_eq!(keys_of(&r.body), ["expires_at", "token", "url"]);
    let token = r.body["token"].as_str().expect("token");
    assert!(token.starts_with("tgs_"), "{token}");
    let url = r.body["url"].as_str().expect("url");
    assert!(url.starts_with(&app.base), "{url}");
    // The UI link carries a sign-in token of its own (not the API token).
    assert!(
        url.contains("/app?session=tgl_") && !url.contains(token),
        "{url}"
    );
    // The lifetime runs on the engine clock (default one hour).
    assert_eq!(
        ts(&r.body["expires_at"]),
        start_time() + Duration::seconds(3600)
    );
    let me = app.get("/v1/customers/acme", Some(token)).await;
    assert_eq!(me.status, StatusCode::OK, "{me:?}");
    assert_eq!(me.body["id"], "acme");
    // It expires with the engine clock.
    app.advance(3601).await;
    let r = app.get("/v1/customers/acme", Some(token)).await;
    assert_error(&r, StatusCode::UNAUTHORIZED, "unauthenticated");

    let r = app
        .post(
            "/v1/customers/nobody/sessions",
            app.server(),
            &json!({"user_id": "u-1", "role": "owner"}),
        )
        .await;
    assert_error(&r, StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test]
async fn checkout_page_pay_and_redirect_after_the_subscription_exists() {
    let app = spawn_app().await;
    app.add_business_plan().await;
    app.customer("acme").await;
    let r = app
        .post(
            "/v1/customers/acme/checkout",
            app.server(),
            &json!({"plan": "business", "interval": "month",
                    "success_url": "https://app.example.com/welcome?x=1",
                    "cancel_url": "https://app.example.com/pricing"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    assert_eq!(keys_of(&r.body), ["session_id", "url"]);
    let session = r.body["session_id"].as_str().expect("session").to_owned();
    let url = r.body["url"].as_str().expect("url").to_owned();
    assert_eq!(url, format!("{}/fake-billing/checkout/{session}", app.base));
    // Nothing is subscribed until paid.
    let r = app
        .get("/v1/customers/acme/subscription", app.server())
        .await;
    assert_error(&r, StatusCode::NOT_FOUND, "not_found");

    let page = app.client.get(&url).send().await.expect("page");
    assert_eq!(page.status(), StatusCode::OK);
    let ct = page.headers()["content-type"]
        .to_str()
        .unwrap_or_default()
        .to_owned();
    assert!(ct.starts_with("text/html"), "{ct}");
    let html = page.text().await.expect("html");
    assert!(html.contains("<form") && html.contains("Pay"), "{html}");
    assert!(
        html.contains(&format!("action=\"/fake-billing/checkout/{session}/pay\"")),
        "the Pay button posts to the pay route: {html}"
    );
    assert!(html.contains("business"), "{html}");

    let pay = app
        .client
        .post(format!("{}/fake-billing/checkout/{session}/pay", app.base))
        .send()
        .await
        .expect("pay");
    assert_eq!(pay.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        pay.headers()["location"],
        "https://app.example.com/welcome?x=1"
    );
    // The subscription was written before the redirect.
    let sub = app
        .get("/v1/customers/acme/subscription", app.server())
        .await;
    assert_eq!(sub.status, StatusCode::OK, "{sub:?}");
    assert_eq!(
        (
            &sub.body["plan"],
            &sub.body["status"],
            &sub.body["interval"]
        ),
        (&json!("business"), &json!("active"), &json!("month"))
    );
    assert_eq!(app.entitlement("acme", "api_calls").await["limit"], 500_000);
    // The page now says it is complete; paying twice does not pay twice.
    assert_eq!(
        app.pay(&session).await,
        StatusCode::SEE_OTHER,
        "a paid session redirects again"
    );
    let page = app.client.get(&url).send().await.expect("page");
    let html = page.text().await.expect("html");
    assert!(
        html.contains("complete") && !html.contains("id=\"pay\""),
        "{html}"
    );
    let invoices = app.get("/v1/customers/acme/invoices", app.server()).await;
    assert_eq!(
        invoices.body["invoices"].as_array().map(Vec::len),
        Some(1),
        "{invoices:?}"
    );

    let r = app
        .client
        .get(format!("{}/fake-billing/checkout/cs_nope", app.base))
        .send()
        .await
        .expect("unknown page");
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn portal_answers_a_url_serving_an_html_page() {
    let app = spawn_app().await;
    app.add_business_plan().await;
    app.customer("acme").await;
    app.subscribe("acme", "business", "month").await;
    let r = app
        .post("/v1/customers/acme/portal", app.server(), &json!({}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    assert_eq!(keys_of(&r.body), ["url"]);
    let url = r.body["url"].as_str().expect("url");
    assert!(
        url.starts_with(&format!("{}/fake-billing/portal/", app.base)),
        "{url}"
    );
    let page = app.client.get(url).send().await.expect("portal page");
    assert_eq!(page.status(), StatusCode::OK);
    let ct = page.headers()["content-type"]
        .to_str()
        .unwrap_or_default()
        .to_owned();
    assert!(ct.starts_with("text/html"), "{ct}");
    let html = page.text().await.expect("html");
    assert!(html.contains("acme") && html.contains("business"), "{html}");
    // The body is optional.
    let r = app
        .raw(
            Method::POST,
            "/v1/customers/acme/portal",
            app.server(),
            Vec::new(),
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    let r = app
        .post("/v1/customers/nobody/portal", app.server(), &json!({}))
        .await;
    assert_error(&r, StatusCode::NOT_FOUND, "not_found");
}

const SUBSCRIPTION_FIELDS: &[&str] = &[
    "customer",
    "plan",
    "interval",
    "status",
    "current_period_start",
    "current_period_end",
    "trial_end",
    "cancel_at_period_end",
    "scheduled_change",
    "grace_ends_at",
];

#[tokio::test]
async fn subscription_has_the_design_shape() {
    let app = spawn_app().await;
    app.add_business_plan().await;
    app.customer("acme").await;
    let r = app
        .get("/v1/customers/acme/subscription", app.server())
        .await;
    assert_error(&r, StatusCode::NOT_FOUND, "not_found");
    let sub = app.subscribe("acme", "business", "month").await;
    assert_eq!(sub.status, StatusCode::OK, "{sub:?}");
    assert_has_fields(&sub.body, SUBSCRIPTION_FIELDS);
    let b = &sub.body;
    assert_eq!(
        (&b["customer"], &b["plan"], &b["interval"], &b["status"]),
        (
            &json!("acme"),
            &json!("business"),
            &json!("month"),
            &json!("active")
        )
    );
    assert_eq!(ts(&b["current_period_start"]), start_time());
    let end = ts(&b["current_period_end"]);
    assert!(
        end > start_time() + Duration::days(27) && end <= start_time() + Duration::days(31),
        "one month: {end}"
    );
    assert!(b["trial_end"].is_null());
    assert_eq!(b["cancel_at_period_end"], false);
    assert!(b["scheduled_change"].is_null());
    assert!(b["grace_ends_at"].is_null());
}

#[tokio::test]
async fn change_and_preview_upgrade_now_downgrade_at_period_end() {
    let app = spawn_app().await;
    app.add_business_plan().await;
    app.customer("acme").await;
    let pro = app.subscribe("acme", "pro", "month").await;
    assert_eq!(pro.body["plan"], "pro", "{pro:?}");
    if pro.body["status"] == "trialing" {
        app.advance(15 * DAY).await;
    }
    let sub = app
        .get("/v1/customers/acme/subscription", app.server())
        .await;
    assert_eq!(sub.body["status"], "active", "{sub:?}");
    app.advance(5 * DAY).await;

    let preview = app
        .get(
            "/v1/customers/acme/subscription/change/preview?plan=business",
            app.server(),
        )
        .await;
    assert_eq!(preview.status, StatusCode::OK, "{preview:?}");
    assert_has_fields(
        &preview.body,
        &["kind", "plan", "interval", "effective_at", "amount_due_now"],
    );
    assert_eq!(
        (&preview.body["kind"], &preview.body["plan"]),
        (&json!("upgrade"), &json!("business"))
    );
    let due = preview.body["amount_due_now"]["minor"]
        .as_i64()
        .expect("minor");
    assert!(due > 0 && due < 9900 - 4900, "prorated: {due}");
    // A preview changes nothing.
    let again = app
        .get("/v1/customers/acme/subscription", app.server())
        .await;
    assert_eq!(again.body, sub.body);

    let r = app
        .post(
            "/v1/customers/acme/subscription/change",
            app.server(),
            &json!({"plan": "business"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_has_fields(&r.body, SUBSCRIPTION_FIELDS);
    assert_eq!(
        (&r.body["plan"], &r.body["status"]),
        (&json!("business"), &json!("active"))
    );
    assert_eq!(
        app.entitlement("acme", "api_calls").await["limit"],
        500_000,
        "now"
    );

    let preview = app
        .get(
            "/v1/customers/acme/subscription/change/preview?plan=hobby",
            app.server(),
        )
        .await;
    assert_eq!(preview.status, StatusCode::OK, "{preview:?}");
    assert_eq!(preview.body["kind"], "downgrade");
    assert_eq!(preview.body["amount_due_now"]["minor"], 0);
    let r = app
        .post(
            "/v1/customers/acme/subscription/change",
            app.server(),
            &json!({"plan": "hobby", "interval": "month"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(
        r.body["plan"], "business",
        "a downgrade waits for the period end"
    );
    assert_eq!(r.body["scheduled_change"]["plan"], "hobby", "{r:?}");
    assert_eq!(
        ts(&r.body["scheduled_change"]["at"]),
        ts(&r.body["current_period_end"])
    );
    assert_eq!(
        ts(&preview.body["effective_at"]),
        ts(&r.body["current_period_end"])
    );

    let r = app
        .get(
            "/v1/customers/acme/subscription/change/preview?plan=nope",
            app.server(),
        )
        .await;
    assert_error(&r, StatusCode::NOT_FOUND, "not_found");
    let r = app
        .post(
            "/v1/customers/acme/subscription/change",
            app.server(),
            &json!({"plan": "nope"}),
        )
        .await;
    assert_error(&r, StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test]
async fn cancel_at_period_end_reactivate_cancel_now_and_trial() {
    let app = spawn_app().await;
    app.add_business_plan().await;
    app.customer("acme").await;
    app.subscribe("acme", "business", "month").await;

    let r = app
        .post(
            "/v1/customers/acme/subscription/cancel",
            app.server(),
            &json!({"at_period_end": true}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_has_fields(&r.body, SUBSCRIPTION_FIELDS);
    assert_eq!(
        (&r.body["status"], &r.body["cancel_at_period_end"]),
        (&json!("active"), &json!(true))
    );
    let r = app
        .post(
            "/v1/customers/acme/subscription/reactivate",
            app.server(),
            &json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(
        (
            &r.body["status"],
            &r.body["cancel_at_period_end"],
            &r.body["plan"]
        ),
        (&json!("active"), &json!(false), &json!("business"))
    );
    // Nothing to reactivate now.
    let r = app
        .post(
            "/v1/customers/acme/subscription/reactivate",
            app.server(),
            &json!({}),
        )
        .await;
    assert_error(&r, StatusCode::CONFLICT, "conflict");

    // Cancel now: canceled at once, back on the free plan's limits.
    let r = app
        .post(
            "/v1/customers/acme/subscription/cancel",
            app.server(),
            &json!({"at_period_end": false}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(r.body["status"], "canceled", "{r:?}");
    assert_eq!(app.entitlement("acme", "api_calls").await["limit"], 1000);

    // A trial of Pro for a new customer, without a card.
    app.customer("globex").await;
    let r = app
        .post(
            "/v1/customers/globex/trial",
            app.server(),
            &json!({"plan": "pro"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    assert_has_fields(&r.body, SUBSCRIPTION_FIELDS);
    assert_eq!(
        (&r.body["plan"], &r.body["status"], &r.body["customer"]),
        (&json!("pro"), &json!("trialing"), &json!("globex"))
    );
    assert_eq!(ts(&r.body["trial_end"]), start_time() + Duration::days(14));
    assert_eq!(
        app.entitlement("globex", "api_calls").await["limit"],
        100_000
    );
    let r = app
        .post(
            "/v1/customers/globex/trial",
            app.server(),
            &json!({"plan": "pro"}),
        )
        .await;
    assert_error(&r, StatusCode::CONFLICT, "conflict");
    let r = app
        .post(
            "/v1/customers/nobody/trial",
            app.server(),
            &json!({"plan": "pro"}),
        )
        .await;
    assert_error(&r, StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test]
async fn entitlements_have_every_field_and_all_four_states() {
    let app = spawn_app().await;
    app.customer("acme").await;
    app.overrides(
        "acme",
        json!([
            {"feature": "api_calls", "limit": 10},
            {"feature": "ai_queries", "limit": 2, "enforcement": "soft"}
        ]),
    )
    .await;
    let r = app
        .get("/v1/customers/acme/entitlements", app.server())
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(r.body["customer"], "acme");
    let list = r.body["entitlements"].as_array().expect("entitlements");
    for e in list {
        assert_has_fields(
            e,
            &[
                "feature",
                "kind",
                "limit",
                "used",
                "remaining",
                "percent",
                "window",
                "resets_at",
                "enforcement",
                "state",
            ],
        );
    }
    let calls = app.entitlement("acme", "api_calls").await;
    assert_eq!(
        calls,
        json!({
            "feature": "api_calls", "kind": "metered", "limit": 10, "used": 0, "remaining": 10,
            "percent": 0, "window": "month", "resets_at": NEXT_MONTH, "enforcement": "hard",
            "state": "ok",
            "name": calls["name"], "unit": calls["unit"], "enabled": calls["enabled"],
            "value": calls["value"], "overage": calls["overage"],
        })
    );
    let storage = app.entitlement("acme", "storage_bytes").await;
    assert_eq!(
        (
            &storage["kind"],
            &storage["limit"],
            &storage["window"],
            &storage["resets_at"]
        ),
        (
            &json!("gauge"),
            &json!(1_073_741_824),
            &Value::Null,
            &Value::Null
        )
    );

    // ok → approaching (80 %) → at_limit.
    let r = app.usage("acme", "api_calls", 8, "e-1").await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    let calls = app.entitlement("acme", "api_calls").await;
    assert_eq!(
        (
            &calls["used"],
            &calls["remaining"],
            &calls["percent"],
            &calls["state"]
        ),
        (&json!(8), &json!(2), &json!(80), &json!("approaching"))
    );
    let r = app.usage("acme", "api_calls", 2, "e-2").await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    let calls = app.entitlement("acme", "api_calls").await;
    assert_eq!(
        (
            &calls["used"],
            &calls["remaining"],
            &calls["percent"],
            &calls["state"]
        ),
        (&json!(10), &json!(0), &json!(100), &json!("at_limit"))
    );
    // A soft limit lets usage pass it: over.
    let r = app.usage("acme", "ai_queries", 3, "e-3").await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    assert_eq!(r.body["state"], "over");
    let ai = app.entitlement("acme", "ai_queries").await;
    assert_eq!(
        (
            &ai["used"],
            &ai["limit"],
            &ai["remaining"],
            &ai["enforcement"],
            &ai["state"]
        ),
        (
            &json!(3),
            &json!(2),
            &json!(0),
            &json!("soft"),
            &json!("over")
        )
    );
    assert!(ai["percent"].as_u64().is_some_and(|p| p >= 100), "{ai}");

    // The window resets with the calendar month.
    app.advance(15 * DAY).await;
    let calls = app.entitlement("acme", "api_calls").await;
    assert_eq!((&calls["used"], &calls["state"]), (&json!(0), &json!("ok")));
    assert_eq!(calls["resets_at"], "2027-01-01T00:00:00Z");

    let r = app
        .get("/v1/customers/nobody/entitlements", app.server())
        .await;
    assert_error(&r, StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test]
async fn check_consumes_nothing_for_every_kind() {
    let app = spawn_app().await;
    app.customer("acme").await;
    app.overrides("acme", json!([{"feature": "api_calls", "limit": 10}]))
        .await;
    app.usage("acme", "api_calls", 4, "c-1").await;
    let app = &app;
    let check = |feature: &str, quantity: i64| {
        let body = json!({"customer": "acme", "feature": feature, "quantity": quantity});
        async move { app.post("/v1/check", app.server(), &body).await }
    };

    let r = check("api_calls", 5).await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_has_fields(
        &r.body,
        &["allowed", "feature", "limit", "used", "remaining", "state"],
    );
    assert_eq!(
        (
            &r.body["allowed"],
            &r.body["feature"],
            &r.body["limit"],
            &r.body["used"],
            &r.body["remaining"],
            &r.body["state"]
        ),
        (
            &json!(true),
            &json!("api_calls"),
            &json!(10),
            &json!(4),
            &json!(6),
            &json!("ok")
        )
    );
    // Asking many times consumes nothing.
    for _ in 0..3 {
        check("api_calls", 6).await;
    }
    assert_eq!(app.entitlement("acme", "api_calls").await["used"], 4);
    // Over the limit: a 200 saying no, not a 429.
    let r = check("api_calls", 7).await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(r.body["allowed"], false);
    assert_eq!(r.body["used"], 4);

    // Boolean: whether the feature is on.
    let r = check("analytics", 1).await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(
        (&r.body["allowed"], &r.body["feature"]),
        (&json!(false), &json!("analytics"))
    );
    app.overrides("acme", json!([{"feature": "analytics", "enabled": true}]))
        .await;
    let r = check("analytics", 1).await;
    assert_eq!(r.body["allowed"], true, "{r:?}");

    // Per request: the quantity is the request's value, against the cap (10 MiB on Hobby).
    let r = check("max_upload_bytes", 5 * 1024 * 1024).await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(
        (&r.body["allowed"], &r.body["limit"]),
        (&json!(true), &json!(10_485_760))
    );
    let r = check("max_upload_bytes", 20 * 1024 * 1024).await;
    assert_eq!(r.body["allowed"], false, "{r:?}");
    assert_eq!(app.entitlement("acme", "max_upload_bytes").await["used"], 0);

    // A gauge and a concurrency feature answer the same shape.
    for feature in ["storage_bytes", "concurrent_jobs"] {
        let r = check(feature, 1).await;
        assert_eq!(r.status, StatusCode::OK, "{r:?}");
        assert_eq!(r.body["allowed"], true, "{r:?}");
    }
    assert_eq!(app.entitlement("acme", "storage_bytes").await["used"], 0);
    assert_eq!(app.entitlement("acme", "concurrent_jobs").await["used"], 0);

    let r = app
        .post(
            "/v1/check",
            app.server(),
            &json!({"customer": "nobody", "feature": "api_calls", "quantity": 1}),
        )
        .await;
    assert_error(&r, StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test]
async fn usage_accepts_deduplicates_and_refuses_with_retry_after() {
    let app = spawn_app().await;
    app.customer("acme").await;
    app.overrides("acme", json!([{"feature": "api_calls", "limit": 100}]))
        .await;
    let r = app.usage("acme", "api_calls", 10, "u-1").await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    assert_has_fields(
        &r.body,
        &[
            "id",
            "accepted",
            "duplicate",
            "feature",
            "used",
            "limit",
            "remaining",
            "resets_at",
            "state",
            "cost",
        ],
    );
    let b = &r.body;
    assert!(
        b["id"].as_str().is_some_and(|id| id.starts_with("evt_")),
        "{b}"
    );
    assert_eq!(
        (
            &b["accepted"],
            &b["duplicate"],
            &b["feature"],
            &b["used"],
            &b["limit"],
            &b["remaining"],
            &b["resets_at"],
            &b["state"]
        ),
        (
            &json!(true),
            &json!(false),
            &json!("api_calls"),
            &json!(10),
            &json!(100),
            &json!(90),
            &json!(NEXT_MONTH),
            &json!("ok")
        )
    );
    assert!(b["cost"].is_null(), "no cost without a price: {b}");
    let first = r.body.clone();

    // More usage in between; the duplicate still answers the first answer.
    let r = app.usage("acme", "api_calls", 5, "u-2").await;
    assert_eq!(
        (r.status, &r.body["used"]),
        (StatusCode::CREATED, &json!(15))
    );
    for _ in 0..3 {
        let r = app.usage("acme", "api_calls", 10, "u-1").await;
        assert_eq!(r.status, StatusCode::OK, "{r:?}");
        let mut expected = first.clone();
        expected["duplicate"] = json!(true);
        assert_eq!(r.body, expected);
    }
    assert_eq!(app.entitlement("acme", "api_calls").await["used"], 15);

    // Past the hard limit: 429 with the details and Retry-After to the window reset.
    let r = app.usage("acme", "api_calls", 86, "u-3").await;
    assert_error(&r, StatusCode::TOO_MANY_REQUESTS, "quota_exceeded");
    let d = &r.body["error"]["details"];
    assert_eq!(
        (&d["feature"], &d["limit"], &d["used"], &d["resets_at"]),
        (
            &json!("api_calls"),
            &json!(100),
            &json!(15),
            &json!(NEXT_MONTH)
        )
    );
    let to_reset = (ts(&json!(NEXT_MONTH)) - start_time()).num_seconds();
    assert_eq!(
        r.headers.get("retry-after").and_then(|v| v.to_str().ok()),
        Some(to_reset.to_string().as_str()),
        "{r:?}"
    );
    assert_eq!(app.entitlement("acme", "api_calls").await["used"], 15);
    // Exactly to the limit is fine.
    let r = app.usage("acme", "api_calls", 85, "u-4").await;
    assert_eq!(
        (r.status, &r.body["state"]),
        (StatusCode::CREATED, &json!("at_limit"))
    );
    let r = app.usage("acme", "api_calls", 1, "u-5").await;
    assert_error(&r, StatusCode::TOO_MANY_REQUESTS, "quota_exceeded");
    assert_eq!(r.body["error"]["details"]["used"], 100);

    // The same key is per customer.
    app.customer("globex").await;
    let r = app.usage("globex", "api_calls", 1, "u-1").await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");

    // occurred_at and properties are accepted.
    let r = app
        .post(
            "/v1/usage",
            app.server(),
            &json!({"customer": "globex", "feature": "api_calls", "quantity": 1,
                    "idempotency_key": "u-6", "occurred_at": "2026-11-16T09:00:00Z",
                    "properties": {"endpoint": "/search"}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");

    let r = app.usage("nobody", "api_calls", 1, "u-7").await;
    assert_error(&r, StatusCode::NOT_FOUND, "not_found");
    let r = app.usage("acme", "nope", 1, "u-8").await;
    assert_error(&r, StatusCode::NOT_FOUND, "not_found");
}

fn token_prices() -> Value {
    json!({"prices": [{"provider": "openai", "model": "gpt-4o-mini", "currency": "USD",
                       "input_per_million": "0.15", "output_per_million": "0.60"}]})
}

#[tokio::test]
async fn token_prices_get_and_put_and_the_cost_of_a_token_event() {
    let app = spawn_app().await;
    let r = app.get("/v1/admin/token-prices", app.admin()).await;
    assert_eq!(
        (r.status, &r.body),
        (StatusCode::OK, &json!({"prices": []}))
    );
    let r = app
        .put("/v1/admin/token-prices", app.admin(), &token_prices())
        .await;
    assert_eq!(
        (r.status, &r.body),
        (StatusCode::OK, &token_prices()),
        "{r:?}"
    );
    let r = app.get("/v1/admin/token-prices", app.admin()).await;
    assert_eq!((r.status, &r.body), (StatusCode::OK, &token_prices()));

    // ai_tokens is the demo catalog's token feature; Pro includes it (a trial is enough).
    app.customer("acme").await;
    let r = app
        .post(
            "/v1/customers/acme/trial",
            app.server(),
            &json!({"plan": "pro"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    let r = app
        .post(
            "/v1/usage",
            app.server(),
            &json!({"customer": "acme", "feature": "ai_tokens", "quantity": 1500,
                    "idempotency_key": "tok-1",
                    "properties": {"provider": "openai", "model": "gpt-4o-mini",
                                   "input_tokens": 1000, "output_tokens": 500}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    assert_eq!(
        r.body["cost"],
        json!({"currency": "USD", "amount": "0.000450"})
    );
    assert_eq!(r.body["used"], 1500);

    // Replacing the table replaces it.
    let r = app
        .put(
            "/v1/admin/token-prices",
            app.admin(),
            &json!({"prices": []}),
        )
        .await;
    assert_eq!(
        (r.status, &r.body),
        (StatusCode::OK, &json!({"prices": []}))
    );
    let r = app.get("/v1/admin/token-prices", app.admin()).await;
    assert_eq!(r.body, json!({"prices": []}));
}

#[tokio::test]
async fn usage_batch_answers_per_event_results_in_order() {
    let app = spawn_app().await;
    app.customer("acme").await;
    app.overrides("acme", json!([{"feature": "api_calls", "limit": 3}]))
        .await;
    let ev = |key: &str, q: i64| json!({"customer": "acme", "feature": "api_calls", "quantity": q, "idempotency_key": key});
    let r = app
        .post(
            "/v1/usage/batch",
            app.server(),
            &json!({"events": [
                ev("b-1", 2),
                ev("b-2", 5),
                {"customer": "acme", "feature": "api_calls", "quantity": "x", "idempotency_key": "b-3"},
                ev("b-1", 2),
                ev("b-4", 1),
                ev("b-5", 1),
                ev("b-6", -1),
            ]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let results = r.body["results"].as_array().expect("results");
    let statuses: Vec<i64> = results
        .iter()
        .map(|x| x["status"].as_i64().expect("status"))
        .collect();
    assert_eq!(statuses, [201, 429, 400, 200, 201, 429, 400], "{r:?}");
    assert_eq!(
        (
            &results[0]["usage"]["used"],
            &results[0]["usage"]["duplicate"]
        ),
        (&json!(2), &json!(false))
    );
    assert_eq!(results[1]["error"]["code"], "quota_exceeded");
    assert_eq!(
        (
            &results[1]["error"]["details"]["feature"],
            &results[1]["error"]["details"]["limit"],
            &results[1]["error"]["details"]["used"]
        ),
        (&json!("api_calls"), &json!(3), &json!(2))
    );
    assert_eq!(results[2]["error"]["code"], "invalid_request");
    let mut dup = results[0]["usage"].clone();
    dup["duplicate"] = json!(true);
    assert_eq!(
        results[3]["usage"], dup,
        "a duplicate answers the first answer"
    );
    assert_eq!(results[4]["usage"]["used"], 3);
    assert_eq!(results[5]["error"]["code"], "quota_exceeded");
    assert_eq!(results[6]["error"]["code"], "invalid_request");
    for x in results {
        let has_usage = x.get("usage").is_some();
        let has_error = x.get("error").is_some();
        assert!(has_usage != has_error, "usage xor error: {x}");
        if has_error {
            assert!(
                x["error"]["message"].is_string() && x["error"]["details"].is_object(),
                "{x}"
            );
        }
    }
    assert_eq!(app.entitlement("acme", "api_calls").await["used"], 3);

    let r = app
        .post("/v1/usage/batch", app.server(), &json!({"events": []}))
        .await;
    assert_error(&r, StatusCode::BAD_REQUEST, "invalid_request");
}

#[tokio::test]
async fn leases_up_to_the_limit_then_429_release_204_then_404() {
    let app = spawn_app().await;
    app.customer("acme").await;
    app.overrides("acme", json!([{"feature": "concurrent_jobs", "limit": 2}]))
        .await;
    let body = json!({"customer": "acme", "feature": "concurrent_jobs", "ttl_seconds": 60});
    let a = app.post("/v1/leases", app.server(), &body).await;
    assert_eq!(a.status, StatusCode::CREATED, "{a:?}");
    assert_has_fields(
        &a.body,
        &[
            "lease_id",
            "customer",
            "feature",
            "expires_at",
            "held",
            "limit",
        ],
    );
    assert_eq!(
        ts(&a.body["expires_at"]),
        start_time() + Duration::seconds(60)
    );
    let b = app.post("/v1/leases", app.server(), &body).await;
    assert_eq!(b.status, StatusCode::CREATED, "{b:?}");
    assert_eq!((&b.body["held"], &b.body["limit"]), (&json!(2), &json!(2)));
    assert_ne!(a.body["lease_id"], b.body["lease_id"]);
    let c = app.post("/v1/leases", app.server(), &body).await;
    assert_error(&c, StatusCode::TOO_MANY_REQUESTS, "quota_exceeded");
    assert_eq!(
        (
            &c.body["error"]["details"]["feature"],
            &c.body["error"]["details"]["limit"],
            &c.body["error"]["details"]["used"]
        ),
        (&json!("concurrent_jobs"), &json!(2), &json!(2))
    );
    assert!(c.headers.get("retry-after").is_some(), "{c:?}");
    assert_eq!(app.entitlement("acme", "concurrent_jobs").await["used"], 2);

    let id = a.body["lease_id"].as_str().expect("lease id");
    let r = app.delete(&format!("/v1/leases/{id}"), app.server()).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{r:?}");
    let r = app.delete(&format!("/v1/leases/{id}"), app.server()).await;
    assert_error(&r, StatusCode::NOT_FOUND, "not_found");
    let r = app.post("/v1/leases", app.server(), &body).await;
    assert_eq!(r.status, StatusCode::CREATED, "a slot is free again: {r:?}");
    // An expired lease frees its slot.
    app.advance(61).await;
    let r = app.post("/v1/leases", app.server(), &body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    let r = app
        .delete("/v1/leases/lse~acme~concurrent_jobs~nope", app.server())
        .await;
    assert_error(&r, StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test]
async fn wallet_grants_debits_and_insufficient_credits() {
    let app = spawn_app().await;
    app.customer("acme").await;
    let r = app.get("/v1/customers/acme/wallet", app.server()).await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(r.body["customer"], "acme");
    assert!(
        r.body["balances"].is_array() && r.body["entries"].is_array(),
        "{r:?}"
    );
    let r = app
        .post(
            "/v1/admin/customers/acme/wallet/grants",
            app.admin(),
            &json!({"amount_minor": 500, "currency": "USD", "description": "welcome"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    let w = app.get("/v1/customers/acme/wallet", app.server()).await;
    assert_eq!(
        w.body["balances"],
        json!([{"currency": "USD", "amount": "5.000000"}]),
        "{w:?}"
    );
    assert_eq!(w.body["entries"].as_array().map(Vec::len), Some(1));

    // ai_tokens on Pro is paid from the wallet. A trial of Pro may grant its own credits, so
    // the debit is measured against the balance after the trial starts.
    app.put(
        "/v1/admin/token-prices",
        app.admin(),
        &json!({"prices": [
        {"provider": "openai", "model": "gpt-4o-mini", "currency": "USD",
         "input_per_million": "0.15", "output_per_million": "0.60"},
        {"provider": "acme-ai", "model": "huge", "currency": "USD",
         "input_per_million": "1000", "output_per_million": "1000"}]}),
    )
    .await;
    let r = app
        .post(
            "/v1/customers/acme/trial",
            app.server(),
            &json!({"plan": "pro"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    let before = app.get("/v1/customers/acme/wallet", app.server()).await;
    let balance = |w: &Answer| -> rust_decimal::Decimal {
        w.body["balances"][0]["amount"]
            .as_str()
            .expect("balance")
            .parse()
            .expect("decimal")
    };
    let b0 = balance(&before);
    assert!(b0 >= rust_decimal::Decimal::new(5, 0), "{before:?}");
    let token_event = |key: &str, model: &str, input: i64| {
        json!({"customer": "acme", "feature": "ai_tokens", "quantity": input + 500,
               "idempotency_key": key,
               "properties": {"provider": if model == "huge" { "acme-ai" } else { "openai" },
                              "model": model, "input_tokens": input, "output_tokens": 500}})
    };
    let r = app
        .post(
            "/v1/usage",
            app.server(),
            &token_event("w-1", "gpt-4o-mini", 1000),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    assert_eq!(r.body["cost"]["amount"], "0.000450");
    let after = app.get("/v1/customers/acme/wallet", app.server()).await;
    assert_eq!(
        balance(&after),
        b0 - rust_decimal::Decimal::new(45, 5),
        "{after:?}"
    );
    assert_eq!(
        after.body["balances"][0]["amount"]
            .as_str()
            .map(|s| s.split('.').nth(1).map_or(0, str::len)),
        Some(6),
        "six fractional digits: {after:?}"
    );
    // The duplicate is not debited twice.
    let r = app
        .post(
            "/v1/usage",
            app.server(),
            &token_event("w-1", "gpt-4o-mini", 1000),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let again = app.get("/v1/customers/acme/wallet", app.server()).await;
    assert_eq!(balance(&again), balance(&after));

    // An event costing more than the balance is refused with 402 and changes nothing.
    let used = app.entitlement("acme", "ai_tokens").await["used"].clone();
    let r = app
        .post(
            "/v1/usage",
            app.server(),
            &token_event("w-2", "huge", 100_000),
        )
        .await;
    assert_error(&r, StatusCode::PAYMENT_REQUIRED, "insufficient_credits");
    let after = app.get("/v1/customers/acme/wallet", app.server()).await;
    assert_eq!(balance(&after), balance(&again));
    assert_eq!(app.entitlement("acme", "ai_tokens").await["used"], used);

    let r = app
        .post(
            "/v1/admin/customers/nobody/wallet/grants",
            app.admin(),
            &json!({"amount_minor": 500, "currency": "USD"}),
        )
        .await;
    assert_error(&r, StatusCode::NOT_FOUND, "not_found");
    let r = app.get("/v1/customers/nobody/wallet", app.server()).await;
    assert_error(&r, StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test]
async fn invoices_after_a_paid_checkout() {
    let app = spawn_app().await;
    app.add_business_plan().await;
    app.customer("acme").await;
    let r = app.get("/v1/customers/acme/invoices", app.server()).await;
    assert_eq!(
        (r.status, &r.body),
        (StatusCode::OK, &json!({"invoices": []}))
    );
    app.subscribe("acme", "business", "month").await;
    let r = app.get("/v1/customers/acme/invoices", app.server()).await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let list = r.body["invoices"].as_array().expect("invoices");
    assert_eq!(list.len(), 1, "{r:?}");
    let inv = &list[0];
    assert_has_fields(
        inv,
        &[
            "id",
            "customer",
            "status",
            "currency",
            "amount_due",
            "amount_paid",
            "lines",
            "created_at",
        ],
    );
    assert_eq!(
        (
            &inv["customer"],
            &inv["status"],
            &inv["currency"],
            &inv["amount_due"],
            &inv["amount_paid"]
        ),
        (
            &json!("acme"),
            &json!("paid"),
            &json!("USD"),
            &json!(9900),
            &json!(9900)
        )
    );
    let r = app.get("/v1/customers/nobody/invoices", app.server()).await;
    assert_error(&r, StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test]
async fn webhook_log_and_replay_without_double_effects() {
    let app = spawn_app().await;
    app.customer("acme").await;
    // Pro: a trial, then the first paid period through the due jobs, with Pro's credits.
    app.subscribe("acme", "pro", "month").await;
    app.advance(15 * DAY).await;
    let log = app.get("/v1/admin/webhooks?limit=1000", app.admin()).await;
    assert_eq!(log.status, StatusCode::OK, "{log:?}");
    let events = log.body["events"].as_array().expect("events").clone();
    assert!(!events.is_empty(), "{log:?}");
    for e in &events {
        assert_has_fields(
            e,
            &[
                "event_id",
                "type",
                "status",
                "received_at",
                "attempts",
                "error",
            ],
        );
        assert_eq!(
            (&e["status"], &e["attempts"], &e["error"]),
            (&json!("processed"), &json!(1), &Value::Null),
            "{e}"
        );
    }
    assert!(
        events.iter().any(|e| e["type"] == "invoice.paid"),
        "an invoice.paid event: {events:?}"
    );
    let filtered = app
        .get(
            "/v1/admin/webhooks?type=invoice.paid&status=processed",
            app.admin(),
        )
        .await;
    assert_eq!(filtered.status, StatusCode::OK, "{filtered:?}");
    assert!(
        filtered.body["events"]
            .as_array()
            .expect("events")
            .iter()
            .all(|e| e["type"] == "invoice.paid"),
        "{filtered:?}"
    );

    let invoices = app.get("/v1/customers/acme/invoices", app.server()).await;
    let sub = app
        .get("/v1/customers/acme/subscription", app.server())
        .await;
    let wallet = app.get("/v1/customers/acme/wallet", app.server()).await;
    assert_eq!(sub.body["status"], "active", "{sub:?}");
    assert!(
        invoices.body["invoices"]
            .as_array()
            .is_some_and(|l| !l.is_empty()),
        "{invoices:?}"
    );
    assert!(
        wallet.body["entries"]
            .as_array()
            .is_some_and(|l| !l.is_empty()),
        "Pro's credits were granted: {wallet:?}"
    );
    for e in &events {
        let id = e["event_id"].as_str().expect("event id");
        let r = app
            .post(
                &format!("/v1/admin/webhooks/{id}/replay"),
                app.admin(),
                &json!({}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{r:?}");
        assert_eq!(r.body["event_id"], id);
        assert!(
            matches!(r.body["outcome"].as_str(), Some("processed" | "ignored")),
            "{r:?}"
        );
    }
    let r = app.get("/v1/customers/acme/invoices", app.server()).await;
    assert_eq!(r.body, invoices.body, "replays do not add invoices");
    let r = app
        .get("/v1/customers/acme/subscription", app.server())
        .await;
    assert_eq!(
        (
            &r.body["plan"],
            &r.body["status"],
            &r.body["current_period_end"]
        ),
        (
            &sub.body["plan"],
            &sub.body["status"],
            &sub.body["current_period_end"]
        )
    );
    let r = app.get("/v1/customers/acme/wallet", app.server()).await;
    assert_eq!(r.body, wallet.body, "no credit granted twice");
    let log = app.get("/v1/admin/webhooks?limit=1000", app.admin()).await;
    assert_eq!(
        log.body["events"].as_array().map(Vec::len),
        Some(events.len())
    );

    let r = app
        .post(
            "/v1/admin/webhooks/evt_nope/replay",
            app.admin(),
            &json!({}),
        )
        .await;
    assert_error(&r, StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test]
async fn audit_entries_carry_actor_action_entity_and_the_request_id() {
    let app = spawn_app().await;
    // A caller-supplied request id.
    let r = app
        .call(
            Method::POST,
            "/v1/customers",
            app.server(),
            Some(&json!({"id": "acme", "name": "Acme"})),
            &[("x-request-id", "req-audit-1")],
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    assert_eq!(r.headers["x-request-id"], "req-audit-1");
    let audit = app
        .get(
            "/v1/admin/audit?entity=customer:acme&limit=1000",
            app.admin(),
        )
        .await;
    assert_eq!(audit.status, StatusCode::OK, "{audit:?}");
    let entries = audit.body["entries"].as_array().expect("entries");
    assert_eq!(entries.len(), 1, "{audit:?}");
    let e = &entries[0];
    assert_has_fields(
        e,
        &[
            "ts",
            "actor",
            "action",
            "entity",
            "before",
            "after",
            "correlation_id",
        ],
    );
    let prefix = &app.server_key[.."tg_server_".len() + 6];
    assert_eq!(
        (
            &e["actor"],
            &e["action"],
            &e["entity"],
            &e["correlation_id"]
        ),
        (
            &json!(format!("server:{prefix}")),
            &json!("customer.created"),
            &json!("customer:acme"),
            &json!("req-audit-1")
        )
    );
    assert!(e["before"].is_null() && e["after"]["id"] == "acme", "{e}");
    assert_eq!(ts(&e["ts"]), start_time());

    // A generated request id is the one answered in x-request-id.
    let r = app
        .post(
            "/v1/admin/customers/acme/wallet/grants",
            app.admin(),
            &json!({"amount_minor": 100, "currency": "USD"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    let rid = r.headers["x-request-id"]
        .to_str()
        .expect("request id")
        .to_owned();
    let audit = app
        .get("/v1/admin/audit?action=wallet.&limit=10", app.admin())
        .await;
    let e = &audit.body["entries"][0];
    assert_eq!(
        (
            &e["actor"],
            &e["action"],
            &e["entity"],
            &e["correlation_id"]
        ),
        (
            &json!("operator:env"),
            &json!("wallet.granted"),
            &json!("customer:acme"),
            &json!(rid)
        )
    );
    // Filters: by actor, newest first, limit.
    let audit = app
        .get(
            &format!("/v1/admin/audit?actor=server:{prefix}"),
            app.admin(),
        )
        .await;
    assert!(
        audit.body["entries"]
            .as_array()
            .expect("entries")
            .iter()
            .all(|e| e["actor"] == format!("server:{prefix}")),
        "{audit:?}"
    );
    let audit = app.get("/v1/admin/audit?limit=1", app.admin()).await;
    assert_eq!(audit.body["entries"].as_array().map(Vec::len), Some(1));
    assert_eq!(
        audit.body["entries"][0]["action"], "wallet.granted",
        "newest first"
    );
}

#[tokio::test]
async fn clock_advance_answers_now_and_the_report() {
    let app = spawn_app().await;
    let r = app
        .post(
            "/v1/admin/clock/advance",
            app.admin(),
            &json!({"seconds": 3600}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_has_fields(&r.body, &["now", "report"]);
    assert_eq!(ts(&r.body["now"]), start_time() + Duration::seconds(3600));
    assert!(r.body["report"].is_object(), "{r:?}");

    // Due jobs run on the way: a Pro trial ends into an active subscription (card on file).
    app.customer("acme").await;
    app.subscribe("acme", "pro", "month").await;
    let r = app.advance(15 * DAY).await;
    assert_eq!(
        ts(&r.body["now"]),
        start_time() + Duration::seconds(3600 + 15 * DAY)
    );
    let sub = app
        .get("/v1/customers/acme/subscription", app.server())
        .await;
    assert_eq!(sub.body["status"], "active", "{sub:?}");
}

#[tokio::test]
async fn fake_billing_payment_method_failing_card_makes_the_renewal_past_due() {
    let app = spawn_app().await;
    app.add_business_plan().await;
    app.customer("acme").await;
    app.subscribe("acme", "business", "month").await;
    let r = app
        .post(
            "/v1/admin/fake-billing/customers/acme/payment-method",
            app.admin(),
            &json!({"fails": true}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(
        (&r.body["customer"], &r.body["fails"]),
        (&json!("acme"), &json!(true))
    );
    app.advance(32 * DAY).await;
    let sub = app
        .get("/v1/customers/acme/subscription", app.server())
        .await;
    assert_eq!(sub.body["status"], "past_due", "{sub:?}");
    assert!(sub.body["grace_ends_at"].is_string());
    let r = app
        .post(
            "/v1/admin/fake-billing/customers/acme/payment-method",
            app.admin(),
            &json!({"fails": false}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let sub = app
        .get("/v1/customers/acme/subscription", app.server())
        .await;
    assert_eq!(sub.body["status"], "active", "{sub:?}");
    let r = app
        .post(
            "/v1/admin/fake-billing/customers/nobody/payment-method",
            app.admin(),
            &json!({"fails": true}),
        )
        .await;
    assert_error(&r, StatusCode::NOT_FOUND, "not_found");
}
