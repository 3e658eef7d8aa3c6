//! See the module of the same name under src/ui: the operator console at `/admin`.

use reqwest::header::{LOCATION, SET_COOKIE};
use reqwest::{Response, StatusCode};
use serde_json::json;

use crate::helpers::{ADMIN_KEY, TestApp, spawn_app};

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// Signs the console in with `key`; answers the `cookie` header value for later requests.
async fn sign_in(app: &TestApp, key: &str) -> String {
    let r = no_redirects()
        .post(format!("{}/admin/sign-in", app.base))
        .form(&[("key", key)])
        .send()
        .await
        .expect("sign in");
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let set = r.headers()[SET_COOKIE].to_str().expect("cookie").to_owned();
    set.split(';').next().expect("pair").to_owned()
}

async fn get(app: &TestApp, cookie: Option<&str>, path: &str) -> (StatusCode, String) {
    let mut req = no_redirects().get(format!("{}{path}", app.base));
    if let Some(c) = cookie {
        req = req.header("cookie", c);
    }
    let r = req.send().await.expect("page");
    let status = r.status();
    (status, r.text().await.expect("html"))
}

async fn post(app: &TestApp, cookie: Option<&str>, path: &str, form: &[(&str, &str)]) -> Response {
    let mut req = no_redirects()
        .post(format!("{}{path}", app.base))
        .form(form);
    if let Some(c) = cookie {
        req = req.header("cookie", c);
    }
    req.send().await.expect("post")
}

/// The page's form token.
fn csrf(html: &str) -> String {
    let at = html.find(r#"name="csrf" value=""#).expect("a csrf field") + 19;
    html[at..].split('"').next().expect("value").to_owned()
}

/// The value of the page's input `name` (its `value` attribute right after the name), as a
/// browser would post it.
fn input_value(html: &str, name: &str) -> String {
    let marker = format!(r#"name="{name}" value=""#);
    let at = html
        .find(&marker)
        .unwrap_or_else(|| panic!("an input {name}: {html}"))
        + marker.len();
    let raw = html[at..].split('"').next().expect("value");
    raw.replace("&#34;", "\"")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

async fn console(app: &TestApp) -> (String, String) {
    let cookie = sign_in(app, ADMIN_KEY).await;
    let (status, html) = get(app, Some(&cookie), "/admin").await;
    assert_eq!(status, StatusCode::OK);
    let token = csrf(&html);
    (cookie, token)
}

async fn plan_codes(app: &TestApp, path: &str) -> Vec<String> {
    let r = app.get(path, app.admin()).await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    r.body["plans"]
        .as_array()
        .expect("plans")
        .iter()
        .map(|p| p["code"].as_str().expect("code").to_owned())
        .collect()
}

#[tokio::test]
async fn ui_admin_pages_need_the_console_session_and_posts_without_it_write_nothing() {
    let app = spawn_app().await;
    let (status, html) = get(&app, None, "/admin").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(r#"data-testid="admin-key""#), "{html}");
    assert!(!html.contains("kpi-mrr"));
    for path in [
        "/admin/customers",
        "/admin/plans",
        "/admin/webhooks",
        "/admin/audit",
    ] {
        let (status, html) = get(&app, None, path).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{path}");
        assert!(html.contains(r#"data-testid="admin-key""#), "{path}");
        assert!(
            html.contains(&format!(r#"name="next" value="{path}""#)),
            "{path}"
        );
    }
    let before = app.state.engine.now();
    let r = post(&app, None, "/admin/clock", &[("csrf", "x"), ("days", "3")]).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(app.state.engine.now(), before);
    let r = post(
        &app,
        None,
        "/admin/plans",
        &[
            ("csrf", "x"),
            ("code", "sneaky"),
            ("name", "Sneaky"),
            ("priority", "5"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert!(
        !plan_codes(&app, "/v1/admin/plans")
            .await
            .contains(&"sneaky".to_owned())
    );
}

#[tokio::test]
async fn ui_admin_sign_in_sets_an_http_only_cookie_only_for_the_operator_key() {
    let app = spawn_app().await;
    let wrong = post(&app, None, "/admin/sign-in", &[("key", "tg_admin_nope")]).await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert!(wrong.headers().get(SET_COOKIE).is_none());
    let html = wrong.text().await.expect("html");
    assert!(
        html.contains(r#"data-testid="admin-sign-in-error""#),
        "{html}"
    );
    // A server key is a key, but not the operator's.
    let server = post(&app, None, "/admin/sign-in", &[("key", &app.server_key)]).await;
    assert_eq!(server.status(), StatusCode::UNAUTHORIZED);
    assert!(server.headers().get(SET_COOKIE).is_none());

    let right = post(
        &app,
        None,
        "/admin/sign-in",
        &[("key", ADMIN_KEY), ("next", "/admin/plans")],
    )
    .await;
    assert_eq!(right.status(), StatusCode::SEE_OTHER);
    assert_eq!(right.headers()[LOCATION], "/admin/plans");
    let set = right.headers()[SET_COOKIE]
        .to_str()
        .expect("cookie")
        .to_owned();
    assert!(set.starts_with("tg_admin=tga_"), "{set}");
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(set.contains(attribute), "{attribute} in {set}");
    }
    assert!(
        !set.contains(ADMIN_KEY),
        "the key itself never goes into the cookie"
    );
    let cookie = set.split(';').next().expect("pair").to_owned();
    let (status, html) = get(&app, Some(&cookie), "/admin").await;
    assert_eq!(status, StatusCode::OK);
    for testid in [
        "kpi-mrr",
        "kpi-churn",
        "kpi-conversion",
        "mrr-by-plan",
        "incidents",
        "demo-clock",
    ] {
        assert!(
            html.contains(&format!(r#"data-testid="{testid}""#)),
            "{testid}"
        );
    }
    assert!(html.contains("chart-empty"), "no revenue, no bars");

    // An offsite `next` is ignored.
    let offsite = post(
        &app,
        None,
        "/admin/sign-in",
        &[("key", ADMIN_KEY), ("next", "//evil.test/x")],
    )
    .await;
    assert_eq!(offsite.headers()[LOCATION], "/admin");

    // Sign-out needs the page's token, then removes the cookie.
    let token = csrf(&html);
    let foreign = post(
        &app,
        Some(&cookie),
        "/admin/sign-out",
        &[("csrf", "forged")],
    )
    .await;
    assert_eq!(foreign.status(), StatusCode::FORBIDDEN);
    let out = post(&app, Some(&cookie), "/admin/sign-out", &[("csrf", &token)]).await;
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    let removal = out.headers()[SET_COOKIE]
        .to_str()
        .expect("cookie")
        .to_owned();
    assert!(
        removal.starts_with("tg_admin=;") && removal.contains("Max-Age=0"),
        "{removal}"
    );
}

#[tokio::test]
async fn ui_admin_a_revoked_admin_key_signs_its_console_out() {
    let app = spawn_app().await;
    let key = app
        .post(
            "/v1/admin/keys",
            app.admin(),
            &json!({"name": "ops", "role": "admin"}),
        )
        .await;
    assert_eq!(key.status, StatusCode::CREATED, "{key:?}");
    let secret = key.body["secret"].as_str().expect("secret").to_owned();
    let id = key.body["id"].as_str().expect("id").to_owned();
    let cookie = sign_in(&app, &secret).await;
    let (status, html) = get(&app, Some(&cookie), "/admin/customers").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("customers"), "{html}");
    let token = csrf(&html);

    let revoked = app
        .delete(&format!("/v1/admin/keys/{id}"), app.admin())
        .await;
    assert_eq!(revoked.status, StatusCode::NO_CONTENT, "{revoked:?}");
    let (status, html) = get(&app, Some(&cookie), "/admin/customers").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(html.contains(r#"data-testid="admin-key""#));
    let r = post(
        &app,
        Some(&cookie),
        "/admin/clock",
        &[("csrf", &token), ("days", "1")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
}

fn plan_form<'a>(token: &'a str, code: &'a str, priority: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("csrf", token),
        ("code", code),
        ("name", "Team"),
        ("description", "For small teams"),
        ("priority", priority),
        ("trial_days", "0"),
        ("public", "on"),
        ("price.0.currency", "USD"),
        ("price.0.interval", "month"),
        ("price.0.amount", "29.50"),
        ("price.1.currency", "USD"),
        ("price.1.interval", "year"),
        ("price.1.amount", ""),
        ("ent.api_calls.included", "on"),
        ("ent.api_calls.limit", "50,000"),
        ("ent.api_calls.window", "month"),
        ("ent.api_calls.enforcement", "hard"),
        ("ent.analytics.included", "on"),
        ("ent.analytics.enabled", "on"),
        ("ent.members.limit", "9"),
    ]
}

#[tokio::test]
async fn ui_admin_a_plan_made_in_the_editor_is_sold_and_bad_input_writes_nothing() {
    let app = spawn_app().await;
    let (cookie, token) = console(&app).await;
    let (status, html) = get(&app, Some(&cookie), "/admin/plans/new").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains(r#"name="ent.retention_days.value""#),
        "a row per feature"
    );

    let r = post(
        &app,
        Some(&cookie),
        "/admin/plans",
        &plan_form(&token, "team", "15"),
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()[LOCATION], "/admin/plans?done=created:team");
    let plans = app.get("/v1/plans", None).await;
    let team = plans.body["plans"]
        .as_array()
        .expect("plans")
        .iter()
        .find(|p| p["code"] == "team")
        .unwrap_or_else(|| panic!("team is sold: {plans:?}"))
        .clone();
    assert_eq!(
        team["prices"],
        json!([{"currency": "USD", "interval": "month", "amount_minor": 2950, "stripe_price_id": null}])
    );
    let ents = team["entitlements"].as_array().expect("entitlements");
    assert_eq!(ents.len(), 2, "only the ticked features: {ents:?}");
    assert_eq!(ents[0]["limit"], 50_000);
    assert_eq!(ents[0]["window"], "month");
    assert_eq!(ents[1], json!({"feature": "analytics", "enabled": true}));
    let (status, listing) = get(&app, Some(&cookie), "/admin/plans?done=created:team").await;
    assert_eq!(status, StatusCode::OK);
    assert!(listing.contains(r#"data-plan="team""#) && listing.contains(r#"role="status""#));
    // The public pricing page lists it.
    let (status, pricing) = get(&app, None, "/pricing").await;
    assert_eq!(status, StatusCode::OK);
    assert!(pricing.contains(r#"data-testid="plan-team""#), "{pricing}");

    // Form errors (a priority that is no number) and engine refusals (overage on a hard
    // limit) answer 400 with the reasons and the typed values; nothing is stored.
    let audit = app.audit_count().await;
    let r = post(
        &app,
        Some(&cookie),
        "/admin/plans",
        &plan_form(&token, "broken", "high"),
    )
    .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let html = r.text().await.expect("html");
    assert!(
        html.contains(r#"data-testid="plan-errors""#) && html.contains("priority"),
        "{html}"
    );
    assert!(html.contains(r#"value="broken""#), "typed values come back");
    let mut soft = plan_form(&token, "broken", "15");
    soft.push(("ent.api_calls.overage", "0.01"));
    let r = post(&app, Some(&cookie), "/admin/plans", &soft).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    // A taken code with other fields is refused (the same fields again are a double submit).
    let taken = post(
        &app,
        Some(&cookie),
        "/admin/plans",
        &plan_form(&token, "team", "25"),
    )
    .await;
    assert_eq!(taken.status(), StatusCode::CONFLICT);
    assert!(
        !plan_codes(&app, "/v1/admin/plans")
            .await
            .contains(&"broken".to_owned())
    );
    assert_eq!(app.audit_count().await, audit, "nothing written");

    // Editing keeps the code; archiving takes the plan off sale.
    let mut edit = plan_form(&token, "ignored", "16");
    edit.retain(|(k, _)| *k != "public");
    let r = post(&app, Some(&cookie), "/admin/plans/team", &edit).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let all = app.get("/v1/admin/plans", app.admin()).await;
    let team = all.body["plans"]
        .as_array()
        .expect("plans")
        .iter()
        .find(|p| p["code"] == "team")
        .expect("team")
        .clone();
    assert_eq!(
        (team["priority"].as_i64(), team["public"].as_bool()),
        (Some(16), Some(false))
    );
    let r = post(
        &app,
        Some(&cookie),
        "/admin/plans/team/archive",
        &[("csrf", &token)],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let all = app.get("/v1/admin/plans", app.admin()).await;
    let team = all.body["plans"]
        .as_array()
        .expect("plans")
        .iter()
        .find(|p| p["code"] == "team")
        .expect("team")
        .clone();
    assert_eq!(team["active"], false);
}

#[tokio::test]
async fn ui_admin_overrides_change_entitlements_and_a_foreign_token_changes_nothing() {
    let app = spawn_app().await;
    app.customer("acme").await;
    let (cookie, token) = console(&app).await;
    assert_eq!(app.entitlement("acme", "api_calls").await["limit"], 1000);
    let (status, html) = get(&app, Some(&cookie), "/admin/customers/acme").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains(r#"data-testid="override-api_calls""#),
        "{html}"
    );

    let forged = post(
        &app,
        Some(&cookie),
        "/admin/customers/acme/overrides",
        &[("csrf", "forged"), ("limit.api_calls", "5")],
    )
    .await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.entitlement("acme", "api_calls").await["limit"], 1000);

    let bad = post(
        &app,
        Some(&cookie),
        "/admin/customers/acme/overrides",
        &[("csrf", &token), ("limit.api_calls", "lots")],
    )
    .await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    assert_eq!(app.entitlement("acme", "api_calls").await["limit"], 1000);

    let r = post(
        &app,
        Some(&cookie),
        "/admin/customers/acme/overrides",
        &[
            ("csrf", &token),
            ("limit.api_calls", "5"),
            ("limit.storage_bytes", "unlimited"),
            ("enabled.white_label", "on"),
            ("value.retention_days", "90"),
            ("limit.members", ""),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        r.headers()[LOCATION],
        "/admin/customers/acme?done=overrides"
    );
    assert_eq!(app.entitlement("acme", "api_calls").await["limit"], 5);
    assert!(app.entitlement("acme", "storage_bytes").await["limit"].is_null());
    assert_eq!(
        app.entitlement("acme", "white_label").await["enabled"],
        true
    );
    assert_eq!(app.entitlement("acme", "retention_days").await["value"], 90);
    assert_eq!(
        app.entitlement("acme", "members").await["limit"],
        5,
        "blank keeps the plan's"
    );
    let (_, html) = get(&app, Some(&cookie), "/admin/customers/acme?done=overrides").await;
    assert!(
        html.contains(r#"value="5" placeholder"#),
        "the override shows: {html}"
    );
    assert!(
        html.contains("customer.overrides_changed"),
        "recent audit lists it"
    );

    // A credit grant in the customer's currency, once per form.
    let grant = [
        ("csrf", token.as_str()),
        ("amount", "12.50"),
        ("reference", "ui_test_1"),
    ];
    for _ in 0..2 {
        let r = post(&app, Some(&cookie), "/admin/customers/acme/credits", &grant).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
    }
    let wallet = app.get("/v1/customers/acme/wallet", app.server()).await;
    assert_eq!(
        wallet.body["balances"][0]["amount"]
            .as_str()
            .map(|a| a.starts_with("12.50")),
        Some(true),
        "{wallet:?}"
    );
}

#[tokio::test]
async fn ui_admin_replay_reapplies_a_billing_event() {
    let app = spawn_app().await;
    app.customer("acme").await;
    let sub = app.subscribe("acme", "pro", "month").await;
    assert_eq!(sub.status, StatusCode::OK, "{sub:?}");
    let log = app.get("/v1/admin/webhooks", app.admin()).await;
    let event = log.body["events"][0].clone();
    let id = event["event_id"]
        .as_str()
        .expect("an event after checkout")
        .to_owned();
    let attempts = event["attempts"].as_i64().expect("attempts");
    let (cookie, token) = console(&app).await;
    let (_, html) = get(&app, Some(&cookie), "/admin/webhooks").await;
    assert!(html.contains(&format!(r#"data-event="{id}""#)), "{html}");

    let forged = post(
        &app,
        Some(&cookie),
        &format!("/admin/webhooks/{id}/replay"),
        &[("csrf", "nope")],
    )
    .await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let r = post(
        &app,
        Some(&cookie),
        &format!("/admin/webhooks/{id}/replay"),
        &[("csrf", &token), ("back", "status=processed")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let to = r.headers()[LOCATION].to_str().expect("location").to_owned();
    assert!(
        to.starts_with("/admin/webhooks?status=processed&replayed="),
        "{to}"
    );
    assert!(
        !to.contains("outcome=") && !to.contains("error="),
        "the address names the event only: {to}"
    );
    let (_, html) = get(&app, Some(&cookie), &to).await;
    assert!(
        html.contains(r#"data-testid="replay-result""#) && html.contains(&id),
        "{html}"
    );
    let log = app.get("/v1/admin/webhooks", app.admin()).await;
    let again = log.body["events"]
        .as_array()
        .expect("events")
        .iter()
        .find(|e| e["event_id"] == id.as_str())
        .expect("event")
        .clone();
    assert_eq!(again["attempts"].as_i64(), Some(attempts + 1), "{again}");
    let said = match again["status"].as_str() {
        Some("processed") => "processed.",
        Some("ignored") => "ignored (nothing to change).",
        other => panic!("replayed to {other:?}"),
    };
    assert!(html.contains(said), "the outcome read from the log: {html}");
}

#[tokio::test]
async fn ui_admin_customers_sort_by_mrr_both_ways() {
    let app = spawn_app().await;
    app.add_business_plan().await;
    let starter = json!({"code": "starter", "name": "Starter", "priority": 10,
        "prices": [{"currency": "USD", "interval": "month", "amount_minor": 1900}],
        "entitlements": [{"feature": "api_calls", "limit": 5000, "window": "month"}]});
    let r = app.post("/v1/admin/plans", app.admin(), &starter).await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    for (id, plan) in [
        ("alpha", None),
        ("bravo", Some("business")),
        ("charlie", Some("starter")),
    ] {
        app.customer(id).await;
        if let Some(plan) = plan {
            let sub = app.subscribe(id, plan, "month").await;
            assert_eq!(sub.body["status"], "active", "{sub:?}");
        }
    }
    let (cookie, _) = console(&app).await;
    let order = |html: &str| -> Vec<String> {
        html.split(r#"data-testid="customer-row" data-customer=""#)
            .skip(1)
            .map(|s| s.split('"').next().expect("id").to_owned())
            .collect()
    };
    let (status, html) = get(&app, Some(&cookie), "/admin/customers?sort=mrr&dir=desc").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(order(&html), ["bravo", "charlie", "alpha"]);
    assert!(html.contains(r#"aria-sort="descending""#));
    assert!(html.contains("$99.00"), "{html}");
    assert!(html.contains(r#"role="progressbar""#), "usage bars");
    let (_, html) = get(&app, Some(&cookie), "/admin/customers?sort=mrr&dir=asc").await;
    assert_eq!(order(&html), ["alpha", "charlie", "bravo"]);
    assert!(html.contains(r#"aria-sort="ascending""#));
    let (_, html) = get(&app, Some(&cookie), "/admin/customers").await;
    assert_eq!(
        order(&html),
        ["alpha", "bravo", "charlie"],
        "by name by default"
    );
}

#[tokio::test]
async fn ui_admin_clock_and_audit_pages() {
    let app = spawn_app().await;
    app.customer("acme").await;
    let (cookie, token) = console(&app).await;
    let (_, html) = get(&app, Some(&cookie), "/admin").await;
    let from = input_value(&html, "from");
    let before = app.state.engine.now();
    let bad = post(
        &app,
        Some(&cookie),
        "/admin/clock",
        &[("csrf", &token), ("from", &from), ("days", "-3")],
    )
    .await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    assert_eq!(app.state.engine.now(), before);
    let r = post(
        &app,
        Some(&cookie),
        "/admin/clock",
        &[("csrf", &token), ("from", &from), ("days", "2")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!((app.state.engine.now() - before).num_days(), 2);

    let (status, html) = get(&app, Some(&cookie), "/admin/audit?subject=acme").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("customer.created"), "{html}");
    let (_, html) = get(&app, Some(&cookie), "/admin/audit?action=plan.").await;
    assert!(!html.contains("customer.created"), "filtered by action");
    let (_, html) = get(&app, Some(&cookie), "/admin/audit?from=2030-01-01").await;
    assert!(
        html.contains(r#"data-testid="audit-empty""#),
        "nothing after 2030"
    );
    let (status, _) = get(&app, Some(&cookie), "/admin/audit?from=yesterday").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn ui_admin_the_clock_form_posted_twice_moves_the_clock_once() {
    let app = spawn_app().await;
    let (cookie, token) = console(&app).await;
    let (_, html) = get(&app, Some(&cookie), "/admin").await;
    let from = input_value(&html, "from");
    assert_eq!(
        from,
        app.state.engine.now().timestamp().to_string(),
        "the page's time"
    );
    let before = app.state.engine.now();
    let form = [("csrf", token.as_str()), ("from", &from), ("days", "3")];
    for _ in 0..2 {
        let r = post(&app, Some(&cookie), "/admin/clock", &form).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert_eq!(r.headers()[LOCATION], "/admin?done=clock");
    }
    assert_eq!(
        (app.state.engine.now() - before).num_days(),
        3,
        "moved once"
    );
    let (_, html) = get(&app, Some(&cookie), "/admin?done=clock").await;
    assert!(html.contains(r#"role="status""#), "the same flash: {html}");

    // A fresh page moves it again; a form without its time moves nothing.
    let from = input_value(&html, "from");
    let r = post(
        &app,
        Some(&cookie),
        "/admin/clock",
        &[("csrf", &token), ("from", &from), ("days", "1")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!((app.state.engine.now() - before).num_days(), 4);
    let moved = app.state.engine.now();
    let r = post(
        &app,
        Some(&cookie),
        "/admin/clock",
        &[("csrf", &token), ("days", "1")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(app.state.engine.now(), moved);
}

#[tokio::test]
async fn ui_admin_a_plan_form_submitted_twice_creates_it_once_and_answers_the_same() {
    let app = spawn_app().await;
    let (cookie, token) = console(&app).await;
    let audit = app.audit_count().await;
    let form = plan_form(&token, "team", "15");
    for _ in 0..2 {
        let r = post(&app, Some(&cookie), "/admin/plans", &form).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert_eq!(r.headers()[LOCATION], "/admin/plans?done=created:team");
    }
    assert_eq!(app.audit_count().await, audit + 1, "one plan.created");
    // Other fields under the taken code are still refused, and change nothing.
    let r = post(
        &app,
        Some(&cookie),
        "/admin/plans",
        &plan_form(&token, "team", "16"),
    )
    .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let html = r.text().await.expect("html");
    assert!(html.contains(r#"data-testid="plan-errors""#), "{html}");
    assert_eq!(app.audit_count().await, audit + 1);
}

#[tokio::test]
async fn ui_admin_config_strings_that_look_like_numbers_stay_strings_on_save() {
    let app = spawn_app().await;
    app.customer("acme").await;
    let (cookie, token) = console(&app).await;

    // A plan whose config value is the string "30", made in the editor by typing it quoted.
    let mut form = plan_form(&token, "team", "15");
    form.push(("ent.retention_days.included", "on"));
    form.push(("ent.retention_days.value", r#""30""#));
    let r = post(&app, Some(&cookie), "/admin/plans", &form).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let retention = |plans: &serde_json::Value| {
        plans["plans"]
            .as_array()
            .expect("plans")
            .iter()
            .find(|p| p["code"] == "team")
            .expect("team")["entitlements"]
            .as_array()
            .expect("entitlements")
            .iter()
            .find(|e| e["feature"] == "retention_days")
            .expect("retention")["value"]
            .clone()
    };
    let plans = app.get("/v1/admin/plans", app.admin()).await;
    assert_eq!(retention(&plans.body), json!("30"));
    // The editor shows it quoted; saving the page unchanged keeps a string.
    let (_, html) = get(&app, Some(&cookie), "/admin/plans/team").await;
    let shown = input_value(&html, "ent.retention_days.value");
    assert_eq!(shown, r#""30""#);
    let mut unchanged = plan_form(&token, "team", "15");
    unchanged.push(("ent.retention_days.included", "on"));
    unchanged.push(("ent.retention_days.value", &shown));
    let r = post(&app, Some(&cookie), "/admin/plans/team", &unchanged).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let plans = app.get("/v1/admin/plans", app.admin()).await;
    assert_eq!(retention(&plans.body), json!("30"), "still a string");

    // The same for a customer's override: "true" and "30" set through the API.
    for value in ["30", "true", "null"] {
        app.overrides(
            "acme",
            json!([{"feature": "retention_days", "value": value}]),
        )
        .await;
        let (_, html) = get(&app, Some(&cookie), "/admin/customers/acme").await;
        let shown = input_value(&html, "value.retention_days");
        assert_eq!(shown, format!("\"{value}\""));
        let r = post(
            &app,
            Some(&cookie),
            "/admin/customers/acme/overrides",
            &[("csrf", token.as_str()), ("value.retention_days", &shown)],
        )
        .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert_eq!(
            app.entitlement("acme", "retention_days").await["value"],
            json!(value),
            "{value} stays a string"
        );
    }
    // Plain words still need no quotes, and numbers typed bare are numbers.
    app.overrides(
        "acme",
        json!([{"feature": "retention_days", "value": "forever"}]),
    )
    .await;
    let (_, html) = get(&app, Some(&cookie), "/admin/customers/acme").await;
    assert_eq!(input_value(&html, "value.retention_days"), "forever");
}

#[tokio::test]
async fn ui_admin_result_banners_come_from_stored_state_not_the_address() {
    let app = spawn_app().await;
    app.customer("acme").await;
    let sub = app.subscribe("acme", "pro", "month").await;
    assert_eq!(sub.status, StatusCode::OK, "{sub:?}");
    let (cookie, token) = console(&app).await;

    // Plans and features: a banner only for one that exists, named as the catalog has it.
    let (_, html) = get(&app, Some(&cookie), "/admin/plans?done=created:pro").await;
    assert!(html.contains(r#"role="status""#), "{html}");
    for spoof in [
        "/admin/plans?done=created:Your%20account%20is%20suspended",
        "/admin/plans?done=archived:nope",
        "/admin/features?done=created:Call%20us%20now",
        "/admin/features?done=updated:nope",
    ] {
        let (status, html) = get(&app, Some(&cookie), spoof).await;
        assert_eq!(status, StatusCode::OK, "{spoof}");
        assert!(!html.contains(r#"role="status""#), "{spoof}: {html}");
        assert!(
            !html.contains(">Your account") && !html.contains(">Call us"),
            "{html}"
        );
    }
    let (_, html) = get(
        &app,
        Some(&cookie),
        "/admin/features?done=created:api_calls",
    )
    .await;
    assert!(html.contains(r#"role="status""#), "{html}");

    // Webhooks: an unknown event shows nothing, whatever the address says.
    let (status, html) = get(
        &app,
        Some(&cookie),
        "/admin/webhooks?replayed=evt_nope&outcome=processed&error=Refund%20issued",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(!html.contains(r#"data-testid="replay-result""#), "{html}");
    assert!(!html.contains("> Refund issued") && !html.contains("— Refund issued"));
    let (status, html) = get(
        &app,
        Some(&cookie),
        "/admin/webhooks?replayed=evt_nope&outcome=%3Cscript%3Ebad",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(!html.contains("replay-result") && !html.contains("\u{2047}"));

    // A real replay: the banner says what the log says, not what the address claims.
    let log = app.get("/v1/admin/webhooks", app.admin()).await;
    let id = log.body["events"][0]["event_id"]
        .as_str()
        .expect("an event")
        .to_owned();
    let r = post(
        &app,
        Some(&cookie),
        &format!("/admin/webhooks/{id}/replay"),
        &[("csrf", &token)],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let forged = format!("/admin/webhooks?replayed={id}&outcome=failed&error=Card%20stolen");
    let (_, html) = get(&app, Some(&cookie), &forged).await;
    assert!(html.contains(r#"data-testid="replay-result""#), "{html}");
    let banner = html
        .split(r#"data-testid="replay-result""#)
        .nth(1)
        .and_then(|b| b.split("</div>").next())
        .expect("banner");
    assert!(
        (banner.contains("processed.") || banner.contains("ignored (nothing to change)."))
            && !banner.contains("failed.")
            && !banner.contains("Card stolen"),
        "{banner}"
    );
}

/// Adds `count` journal entries at the newest entry's time, straight in the table.
async fn bulk_audit(app: &TestApp, count: usize) {
    use sea_orm_migration::sea_orm::ConnectionTrait;
    let sql = format!(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {count}) \
         INSERT INTO audit_entries (id, ts, actor, action, entity, \"before\", \"after\", correlation_id) \
         SELECT 'aud_bulk_' || i, newest.ts, 'tests', 'test.bulk', 'test:' || i, NULL, NULL, NULL \
         FROM n, (SELECT ts FROM audit_entries ORDER BY ts DESC LIMIT 1) AS newest"
    );
    app.state
        .store
        .db()
        .execute_unprepared(&sql)
        .await
        .expect("bulk journal");
}

#[tokio::test]
async fn ui_admin_the_audit_page_says_when_a_date_filter_hit_the_read_cap() {
    let app = spawn_app().await;
    app.customer("acme").await;
    let (cookie, _) = console(&app).await;
    let (status, html) = get(&app, Some(&cookie), "/admin/audit?from=2026-01-01").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        !html.contains(r#"data-testid="audit-capped""#),
        "few entries: {html}"
    );
    assert!(html.contains("customer.created"));

    bulk_audit(&app, 1000).await;
    let (status, html) = get(&app, Some(&cookie), "/admin/audit?from=2026-01-01").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(r#"data-testid="audit-capped""#), "{html}");
    assert!(
        html.contains("Only the newest 1,000 entries were searched"),
        "{html}"
    );
    let (_, html) = get(&app, Some(&cookie), "/admin/audit?from=2026-01-01&lang=de").await;
    assert!(html.contains("Nur die neuesten 1.000 Einträge"), "{html}");
    // Undated pages and windows whose start the read reached need no note.
    let (_, html) = get(&app, Some(&cookie), "/admin/audit").await;
    assert!(!html.contains("audit-capped"));
    let (_, html) = get(&app, Some(&cookie), "/admin/audit?from=2030-01-01").await;
    assert!(!html.contains("audit-capped") && html.contains("audit-empty"));
}
