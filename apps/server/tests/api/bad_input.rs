//! DESIGN guarantee 6: bad input gets a clear 4xx JSON error and writes nothing.
//!
//! Every write route gets malformed JSON, wrong types, unknown fields, bad numbers, unknown
//! references, bad codes and strings, oversized bodies and bad `Idempotency-Key` headers. Each
//! answer must carry the fixed error body with the expected status and code, and after each
//! request the observable state (audit log, customers, counters, wallet, subscription, catalog,
//! keys, clock, ...) must be exactly what it was.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{ADMIN_KEY, TestApp, spawn_app};

const MIB: usize = 1024 * 1024;
const I64_OVERFLOW: &str = "9223372036854775808";

struct Case {
    what: String,
    method: Method,
    path: String,
    key: Option<String>,
    body: Vec<u8>,
    headers: Vec<(String, String)>,
    status: StatusCode,
    code: &'static str,
}

/// Whose key a case is sent with.
#[derive(Clone, Copy)]
enum As {
    Server,
    Operator,
}

fn key(app: &TestApp, who: As) -> Option<String> {
    match who {
        As::Server => app.server().map(str::to_owned),
        As::Operator => app.admin().map(str::to_owned),
    }
}

const BAD: StatusCode = StatusCode::BAD_REQUEST;
const NOT_FOUND: StatusCode = StatusCode::NOT_FOUND;
const INVALID: &str = "invalid_request";

/// A route under test with a valid body; cases are variations of it.
struct Target<'a> {
    app: &'a TestApp,
    method: Method,
    path: String,
    who: As,
    valid: Value,
    cases: Vec<Case>,
}

impl<'a> Target<'a> {
    fn new(app: &'a TestApp, method: Method, path: &str, who: As, valid: Value) -> Self {
        Self {
            app,
            method,
            path: path.to_owned(),
            who,
            valid,
            cases: Vec::new(),
        }
    }

    fn raw(
        &mut self,
        what: &str,
        body: Vec<u8>,
        status: StatusCode,
        code: &'static str,
    ) -> &mut Self {
        self.raw_with(what, body, &[], status, code)
    }

    fn raw_with(
        &mut self,
        what: &str,
        body: Vec<u8>,
        headers: &[(&str, &str)],
        status: StatusCode,
        code: &'static str,
    ) -> &mut Self {
        self.cases.push(Case {
            what: what.to_owned(),
            method: self.method.clone(),
            path: self.path.clone(),
            key: key(self.app, self.who),
            body,
            headers: headers
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            status,
            code,
        });
        self
    }

    /// The valid body with `field` set to a JSON fragment (raw, so numbers can overflow).
    fn set(
        &mut self,
        field: &str,
        raw_value: &str,
        status: StatusCode,
        code: &'static str,
    ) -> &mut Self {
        let body = with_raw(&self.valid, field, raw_value);
        self.raw(&format!("{field} = {raw_value}"), body, status, code)
    }

    /// The valid body without `field`.
    fn without(&mut self, field: &str) -> &mut Self {
        let mut v = self.valid.clone();
        remove(&mut v, field);
        let body = serde_json::to_vec(&v).expect("json");
        self.raw(&format!("without {field}"), body, BAD, INVALID)
    }

    /// The body-shape cases every JSON route must refuse.
    fn shapes(&mut self, body_required: bool) -> &mut Self {
        let valid = serde_json::to_string(&self.valid).expect("json");
        let oversized = padded(&self.valid, MIB + 1);
        self.raw("malformed JSON", b"{\"a\": ".to_vec(), BAD, INVALID)
            .raw(
                "truncated JSON",
                valid.as_bytes()[..valid.len() - 1].to_vec(),
                BAD,
                INVALID,
            )
            .raw(
                "trailing garbage",
                format!("{valid} x").into_bytes(),
                BAD,
                INVALID,
            )
            .raw("an array", b"[]".to_vec(), BAD, INVALID)
            .raw("a string", b"\"hello\"".to_vec(), BAD, INVALID)
            .raw("a number", b"42".to_vec(), BAD, INVALID)
            .raw("not UTF-8", vec![b'{', 0xff, 0xfe, b'}'], BAD, INVALID)
            .raw(
                "over 1 MiB",
                oversized,
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
            );
        let mut unknown = self.valid.clone();
        unknown["bogus_field"] = json!(1);
        self.raw(
            "an unknown field",
            serde_json::to_vec(&unknown).expect("json"),
            BAD,
            INVALID,
        );
        if body_required {
            self.raw("an empty body", Vec::new(), BAD, INVALID)
                .raw("null", b"null".to_vec(), BAD, INVALID)
                .raw_with(
                    "not declared as JSON",
                    valid.clone().into_bytes(),
                    &[("content-type", "text/plain")],
                    BAD,
                    INVALID,
                );
        }
        self
    }
}

/// `value` as JSON with an extra `pad` field making the body at least `size` bytes.
fn padded(value: &Value, size: usize) -> Vec<u8> {
    let mut v = value.clone();
    v["pad"] = json!("");
    let text = serde_json::to_string(&v).expect("json");
    let fill = "a".repeat(size.saturating_sub(text.len()));
    text.replacen("\"pad\":\"\"", &format!("\"pad\":\"{fill}\""), 1)
        .into_bytes()
}

/// Sets a (possibly nested: `prices.0.amount_minor`) field to a raw JSON fragment.
fn with_raw(valid: &Value, field: &str, raw: &str) -> Vec<u8> {
    const MARK: &str = "__raw_value_marker__";
    let mut v = valid.clone();
    let mut at = &mut v;
    for part in field.split('.') {
        at = match part.parse::<usize>() {
            Ok(i) => &mut at[i],
            Err(_) => &mut at[part],
        };
    }
    *at = json!(MARK);
    serde_json::to_string(&v)
        .expect("json")
        .replacen(&format!("\"{MARK}\""), raw, 1)
        .into_bytes()
}

fn remove(v: &mut Value, field: &str) {
    let (parent, last) = match field.rsplit_once('.') {
        Some((p, l)) => (Some(p), l),
        None => (None, field),
    };
    let mut at = v;
    if let Some(p) = parent {
        for part in p.split('.') {
            at = match part.parse::<usize>() {
                Ok(i) => &mut at[i],
                Err(_) => &mut at[part],
            };
        }
    }
    if let Some(o) = at.as_object_mut() {
        o.remove(last);
    }
}

fn s(n: usize) -> String {
    format!("\"{}\"", "a".repeat(n))
}

/// Customers whose existence is checked after every case.
const PROBES: &[&str] = &["acme", "fresh", "newco", "nobody"];

/// Everything a bad request could have written, as one value to compare.
async fn world(app: &TestApp) -> Value {
    let mut customers = serde_json::Map::new();
    for id in PROBES {
        let r = app.get(&format!("/v1/customers/{id}"), app.server()).await;
        customers.insert((*id).to_owned(), json!([r.status.as_u16(), r.body]));
    }
    let get = |path: &'static str| async move {
        let r = app.get(path, app.admin()).await;
        json!([r.status.as_u16(), r.body])
    };
    json!({
        "audit": app.audit_count().await,
        "customers": customers,
        "acme_entitlements": get("/v1/customers/acme/entitlements").await,
        "acme_wallet": get("/v1/customers/acme/wallet").await,
        "acme_subscription": get("/v1/customers/acme/subscription").await,
        "acme_invoices": get("/v1/customers/acme/invoices").await,
        "acme_overrides": get("/v1/admin/customers/acme/overrides").await,
        "fresh_subscription": get("/v1/customers/fresh/subscription").await,
        "fresh_entitlements": get("/v1/customers/fresh/entitlements").await,
        "plans": get("/v1/admin/plans").await,
        "features": get("/v1/admin/features").await,
        "token_prices": get("/v1/admin/token-prices").await,
        "keys": get("/v1/admin/keys").await,
        "webhooks": get("/v1/admin/webhooks?limit=1000").await,
        "now": app.clock_now().to_rfc3339(),
    })
}

/// Which top-level parts of the world differ.
fn diff(a: &Value, b: &Value) -> Vec<String> {
    let (Some(a), Some(b)) = (a.as_object(), b.as_object()) else {
        return vec!["world".to_owned()];
    };
    a.iter()
        .filter(|(k, v)| b.get(*k) != Some(v))
        .map(|(k, v)| format!("{k}: {v} → {}", b.get(k).cloned().unwrap_or(Value::Null)))
        .collect()
}

/// acme: on a Pro trial, with credits, a lease and usage; fresh: no subscription.
async fn setup() -> TestApp {
    let app = spawn_app().await;
    app.customer("acme").await;
    app.customer("fresh").await;
    let r = app
        .post(
            "/v1/customers/acme/trial",
            app.server(),
            &json!({"plan": "pro"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    let r = app
        .put(
            "/v1/admin/token-prices",
            app.admin(),
            &json!({"prices": [{"provider": "openai", "model": "gpt-4o-mini", "currency": "USD",
                "input_per_million": "0.15", "output_per_million": "0.60"}]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let r = app
        .post(
            "/v1/admin/customers/acme/wallet/grants",
            app.admin(),
            &json!({"amount_minor": 300, "currency": "USD"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    let r = app.usage("acme", "api_calls", 7, "setup-1").await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    app
}

/// Sends every case; each must be refused with its status and code and change nothing.
async fn run(app: &TestApp, cases: Vec<Case>) {
    assert!(!cases.is_empty());
    let mut before = world(app).await;
    let mut failures = Vec::new();
    let n = cases.len();
    for c in cases {
        let headers: Vec<(&str, &str)> = c
            .headers
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let r = app
            .raw(
                c.method.clone(),
                &c.path,
                c.key.as_deref(),
                c.body,
                &headers,
            )
            .await;
        let what: String = c.what.chars().take(60).collect();
        let line = format!("{} {} [{what}]", c.method, c.path);
        let shape_ok = r.body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty())
            && r.body["error"]["details"].is_object()
            && r.body.as_object().is_some_and(|o| o.len() == 1);
        if r.status != c.status || r.code() != c.code || !shape_ok {
            let shown: String = format!("{r:?}").chars().take(300).collect();
            failures.push(format!(
                "{line}: expected {} {}, got {shown}",
                c.status, c.code
            ));
        }
        let after = world(app).await;
        let changed = diff(&before, &after);
        if !changed.is_empty() {
            let parts: Vec<&str> = changed
                .iter()
                .map(|c| c.split(':').next().unwrap_or(""))
                .collect();
            let shown = parts.join(", ");
            failures.push(format!("{line}: WROTE {shown}"));
            before = after;
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {n} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

fn plan_body() -> Value {
    json!({"code": "newplan", "name": "New plan", "description": "d", "priority": 40,
        "trial_days": 0, "active": true, "public": true,
        "prices": [{"currency": "USD", "interval": "month", "amount_minor": 1900, "stripe_price_id": null}],
        "entitlements": [
            {"feature": "api_calls", "limit": 100, "window": "month", "enforcement": "hard"},
            {"feature": "analytics", "enabled": true}],
        "wallet_grants": [{"amount_minor": 100, "currency": "USD", "on": "start", "expires_after_days": 30}]})
}

#[tokio::test]
async fn catalog_writes_refuse_bad_input_and_write_nothing() {
    let app = setup().await;
    let mut cases = Vec::new();

    let mut t = Target::new(
        &app,
        Method::POST,
        "/v1/admin/plans",
        As::Operator,
        plan_body(),
    );
    t.shapes(true)
        .set("code", "\"\"", BAD, INVALID)
        .set("code", &s(65), BAD, INVALID)
        .set("code", "\"has space\"", BAD, INVALID)
        .set("code", "\"a/b\"", BAD, INVALID)
        .set("code", "7", BAD, INVALID)
        .set("name", "\"\"", BAD, INVALID)
        .set("name", "\"   \"", BAD, INVALID)
        .set("name", &s(10_000), BAD, INVALID)
        .set("description", &s(100_000), BAD, INVALID)
        .set("priority", "\"high\"", BAD, INVALID)
        .set("priority", "1.5", BAD, INVALID)
        .set("priority", "2147483648", BAD, INVALID)
        .set("trial_days", "-1", BAD, INVALID)
        .set("trial_days", "1.5", BAD, INVALID)
        .set("active", "\"yes\"", BAD, INVALID)
        .set("prices", "{}", BAD, INVALID)
        .set("prices.0.amount_minor", "-100", BAD, INVALID)
        .set("prices.0.amount_minor", "19.99", BAD, INVALID)
        .set("prices.0.amount_minor", I64_OVERFLOW, BAD, INVALID)
        .set("prices.0.amount_minor", "\"1900\"", BAD, INVALID)
        .set("prices.0.currency", "\"XXX\"", BAD, INVALID)
        .set("prices.0.currency", "\"US\"", BAD, INVALID)
        .set("prices.0.currency", "\"\"", BAD, INVALID)
        .set("prices.0.currency", "840", BAD, INVALID)
        .set("prices.0.interval", "\"fortnight\"", BAD, INVALID)
        .set("prices.0.bogus", "1", BAD, INVALID)
        .set("entitlements.0.feature", "\"nope\"", BAD, INVALID)
        .set("entitlements.0.feature", "\"\"", BAD, INVALID)
        .set("entitlements.0.limit", "-5", BAD, INVALID)
        .set("entitlements.0.limit", "2.5", BAD, INVALID)
        .set("entitlements.0.limit", I64_OVERFLOW, BAD, INVALID)
        .set("entitlements.0.window", "\"decade\"", BAD, INVALID)
        .set("entitlements.0.enforcement", "\"strict\"", BAD, INVALID)
        .set("entitlements.0.enabled", "true", BAD, INVALID)
        .set("entitlements.0.bogus", "1", BAD, INVALID)
        .set("entitlements.1.enabled", "\"yes\"", BAD, INVALID)
        .set("entitlements.1.feature", "\"api_calls\"", BAD, INVALID)
        .set("wallet_grants.0.amount_minor", "0", BAD, INVALID)
        .set("wallet_grants.0.amount_minor", "-1", BAD, INVALID)
        .set("wallet_grants.0.currency", "\"XXX\"", BAD, INVALID)
        .set("wallet_grants.0.on", "\"birthday\"", BAD, INVALID)
        .set("wallet_grants.0.expires_after_days", "0", BAD, INVALID)
        .without("code")
        .without("name")
        .without("priority");
    // A duplicate of an existing plan.
    let mut dup = plan_body();
    dup["code"] = json!("pro");
    t.raw(
        "an existing code",
        serde_json::to_vec(&dup).expect("json"),
        StatusCode::CONFLICT,
        "conflict",
    );
    cases.append(&mut t.cases);

    let mut hobby = plan_body();
    hobby["code"] = json!("hobby");
    let mut t = Target::new(
        &app,
        Method::PUT,
        "/v1/admin/plans/hobby",
        As::Operator,
        hobby,
    );
    t.shapes(true)
        .set("code", "\"pro\"", BAD, INVALID)
        .set("name", "\"\"", BAD, INVALID)
        .set("name", &s(10_000), BAD, INVALID)
        .set("prices.0.amount_minor", "-1", BAD, INVALID)
        .set("entitlements.0.feature", "\"nope\"", BAD, INVALID);
    cases.append(&mut t.cases);
    let mut t = Target::new(&app, Method::PUT, "/v1/admin/plans/nope", As::Operator, {
        let mut p = plan_body();
        p["code"] = json!("nope");
        p
    });
    t.raw(
        "an unknown plan",
        serde_json::to_vec(&t.valid).expect("json"),
        NOT_FOUND,
        "not_found",
    );
    cases.append(&mut t.cases);
    let mut t = Target::new(
        &app,
        Method::PUT,
        "/v1/admin/plans/bad%20code",
        As::Operator,
        plan_body(),
    );
    t.raw(
        "a bad code in the path",
        serde_json::to_vec(&t.valid).expect("json"),
        BAD,
        INVALID,
    );
    cases.append(&mut t.cases);
    for (path, status, code) in [
        ("/v1/admin/plans/nope", NOT_FOUND, "not_found"),
        ("/v1/admin/plans/bad%20code", BAD, INVALID),
    ] {
        let mut t = Target::new(&app, Method::DELETE, path, As::Operator, Value::Null);
        t.raw("archive", Vec::new(), status, code);
        cases.append(&mut t.cases);
    }

    let feature =
        json!({"code": "newfeat", "name": "New feature", "kind": "metered", "unit": "thing"});
    let mut t = Target::new(
        &app,
        Method::POST,
        "/v1/admin/features",
        As::Operator,
        feature,
    );
    t.shapes(true)
        .set("code", "\"\"", BAD, INVALID)
        .set("code", &s(65), BAD, INVALID)
        .set("code", "\"new feat\"", BAD, INVALID)
        .set("name", "\"\"", BAD, INVALID)
        .set("name", "\"  \"", BAD, INVALID)
        .set("name", &s(10_000), BAD, INVALID)
        .set("name", "5", BAD, INVALID)
        .set("unit", "\"\"", BAD, INVALID)
        .set("unit", &s(10_000), BAD, INVALID)
        .set("description", &s(100_000), BAD, INVALID)
        .set("kind", "\"counter\"", BAD, INVALID)
        .set("kind", "\"Metered\"", BAD, INVALID)
        .without("kind")
        .without("name");
    // An existing feature with another kind.
    t.raw(
        "a kind change",
        serde_json::to_vec(
            &json!({"code": "api_calls", "name": "API calls", "kind": "gauge", "unit": "call"}),
        )
        .expect("json"),
        StatusCode::CONFLICT,
        "conflict",
    );
    // An existing feature with a bad name is refused too (not only new ones).
    t.raw(
        "an existing feature renamed to nothing",
        serde_json::to_vec(
            &json!({"code": "api_calls", "name": "", "kind": "metered", "unit": "call"}),
        )
        .expect("json"),
        BAD,
        INVALID,
    );
    cases.append(&mut t.cases);

    let prices = json!({"prices": [{"provider": "anthropic", "model": "claude", "currency": "USD",
        "input_per_million": "3", "output_per_million": "15"}]});
    let mut t = Target::new(
        &app,
        Method::PUT,
        "/v1/admin/token-prices",
        As::Operator,
        prices,
    );
    t.shapes(true)
        .set("prices", "{}", BAD, INVALID)
        .set("prices", "null", BAD, INVALID)
        .set("prices.0.provider", "\"\"", BAD, INVALID)
        .set("prices.0.model", "\"  \"", BAD, INVALID)
        .set("prices.0.model", &s(10_000), BAD, INVALID)
        .set("prices.0.currency", "\"XXX\"", BAD, INVALID)
        .set("prices.0.input_per_million", "3", BAD, INVALID)
        .set("prices.0.input_per_million", "0.15", BAD, INVALID)
        .set("prices.0.input_per_million", "\"-1\"", BAD, INVALID)
        .set("prices.0.input_per_million", "\"abc\"", BAD, INVALID)
        .set(
            "prices.0.output_per_million",
            "\"1000000001\"",
            BAD,
            INVALID,
        )
        .set("prices.0.bogus", "1", BAD, INVALID)
        .without("prices.0.currency");
    let twice = json!({"prices": [
        {"provider": "a", "model": "m", "currency": "USD", "input_per_million": "1", "output_per_million": "1"},
        {"provider": "a", "model": "m", "currency": "USD", "input_per_million": "2", "output_per_million": "2"}]});
    t.raw(
        "a model twice",
        serde_json::to_vec(&twice).expect("json"),
        BAD,
        INVALID,
    );
    cases.append(&mut t.cases);

    run(&app, cases).await;
}

#[tokio::test]
async fn customer_writes_refuse_bad_input_and_write_nothing() {
    let app = setup().await;
    let mut cases = Vec::new();

    let new =
        json!({"id": "newco", "name": "New Co", "email": "a@newco.example", "currency": "EUR"});
    let mut t = Target::new(&app, Method::POST, "/v1/customers", As::Server, new);
    t.shapes(true)
        .set("id", "\"\"", BAD, INVALID)
        .set("id", &s(129), BAD, INVALID)
        .set("id", "\"new co\"", BAD, INVALID)
        .set("id", "\"acme/../x\"", BAD, INVALID)
        .set("id", "42", BAD, INVALID)
        .set("id", "null", BAD, INVALID)
        .set("name", "\"\"", BAD, INVALID)
        .set("name", "\"   \"", BAD, INVALID)
        .set("name", &s(201), BAD, INVALID)
        .set("name", "[\"New\"]", BAD, INVALID)
        .set("email", "\"not-an-email\"", BAD, INVALID)
        .set("email", "\"a b@c.example\"", BAD, INVALID)
        .set(
            "email",
            &format!("\"{}@x.example\"", "a".repeat(260)),
            BAD,
            INVALID,
        )
        .set("email", "7", BAD, INVALID)
        .set("currency", "\"XXX\"", BAD, INVALID)
        .set("currency", "\"EURO\"", BAD, INVALID)
        .set("currency", "\"\"", BAD, INVALID)
        .set("currency", "978", BAD, INVALID)
        .without("id")
        .without("name");
    cases.append(&mut t.cases);

    for (path, status, code) in [
        ("/v1/customers/nobody", NOT_FOUND, "not_found"),
        ("/v1/customers/bad%20id", BAD, INVALID),
    ] {
        let mut t = Target::new(&app, Method::DELETE, path, As::Server, Value::Null);
        t.raw("delete", Vec::new(), status, code);
        cases.append(&mut t.cases);
    }

    let session = json!({"user_id": "u-1", "role": "admin"});
    let mut t = Target::new(
        &app,
        Method::POST,
        "/v1/customers/acme/sessions",
        As::Server,
        session.clone(),
    );
    t.shapes(true)
        .set("role", "\"superuser\"", BAD, INVALID)
        .set("role", "\"Owner\"", BAD, INVALID)
        .set("role", "1", BAD, INVALID)
        .set("user_id", "\"\"", BAD, INVALID)
        .set("user_id", "\"has space\"", BAD, INVALID)
        .set("user_id", &s(201), BAD, INVALID)
        .set("user_id", "12", BAD, INVALID)
        .without("role");
    cases.append(&mut t.cases);
    let mut t = Target::new(
        &app,
        Method::POST,
        "/v1/customers/nobody/sessions",
        As::Server,
        session,
    );
    t.raw(
        "an unknown customer",
        serde_json::to_vec(&t.valid).expect("json"),
        NOT_FOUND,
        "not_found",
    );
    cases.append(&mut t.cases);

    let overrides = json!({"overrides": [{"feature": "api_calls", "limit": 10}], "addons": [{"code": "storage_10gb", "quantity": 1}]});
    let mut t = Target::new(
        &app,
        Method::PUT,
        "/v1/admin/customers/acme/overrides",
        As::Operator,
        overrides.clone(),
    );
    t.shapes(true)
        .set("overrides", "{}", BAD, INVALID)
        .set("overrides.0.feature", "\"nope\"", BAD, INVALID)
        .set("overrides.0.feature", "\"\"", BAD, INVALID)
        .set("overrides.0.limit", "-1", BAD, INVALID)
        .set("overrides.0.limit", "1.5", BAD, INVALID)
        .set("overrides.0.limit", I64_OVERFLOW, BAD, INVALID)
        .set("overrides.0.limit", "\"ten\"", BAD, INVALID)
        .set("overrides.0.enforcement", "\"strict\"", BAD, INVALID)
        .set("overrides.0.bogus", "1", BAD, INVALID)
        .set("addons.0.code", "\"nope\"", NOT_FOUND, "not_found")
        .set("addons.0.quantity", "-1", BAD, INVALID)
        .set("addons.0.quantity", "4294967296", BAD, INVALID)
        .without("overrides.0.limit");
    let both = json!({"overrides": [{"feature": "api_calls", "limit": 10, "enabled": true}]});
    t.raw(
        "limit and enabled",
        serde_json::to_vec(&both).expect("json"),
        BAD,
        INVALID,
    );
    let gate_limit = json!({"overrides": [{"feature": "analytics", "limit": 10}]});
    t.raw(
        "a limit on a gate",
        serde_json::to_vec(&gate_limit).expect("json"),
        BAD,
        INVALID,
    );
    let metered_enabled = json!({"overrides": [{"feature": "api_calls", "enabled": true}]});
    t.raw(
        "enabled on a counter",
        serde_json::to_vec(&metered_enabled).expect("json"),
        BAD,
        INVALID,
    );
    cases.append(&mut t.cases);
    let mut t = Target::new(
        &app,
        Method::PUT,
        "/v1/admin/customers/nobody/overrides",
        As::Operator,
        overrides,
    );
    t.raw(
        "an unknown customer",
        serde_json::to_vec(&t.valid).expect("json"),
        NOT_FOUND,
        "not_found",
    );
    cases.append(&mut t.cases);

    let grant = json!({"amount_minor": 500, "currency": "USD", "expires_after_days": 30,
        "description": "welcome", "reference": "bad-grant-1"});
    let mut t = Target::new(
        &app,
        Method::POST,
        "/v1/admin/customers/acme/wallet/grants",
        As::Operator,
        grant.clone(),
    );
    t.shapes(true)
        .set("amount_minor", "0", BAD, INVALID)
        .set("amount_minor", "-500", BAD, INVALID)
        .set("amount_minor", "5.5", BAD, INVALID)
        .set("amount_minor", I64_OVERFLOW, BAD, INVALID)
        .set("amount_minor", "\"500\"", BAD, INVALID)
        .set("currency", "\"XXX\"", BAD, INVALID)
        .set("currency", "\"EUR\"", BAD, INVALID)
        .set("currency", "null", BAD, INVALID)
        .set("expires_after_days", "0", BAD, INVALID)
        .set("expires_after_days", "-1", BAD, INVALID)
        .set("expires_after_days", "4294967296", BAD, INVALID)
        .set("description", &s(501), BAD, INVALID)
        .set("reference", "\"\"", BAD, INVALID)
        .set("reference", &s(256), BAD, INVALID)
        .without("amount_minor")
        .without("currency");
    cases.append(&mut t.cases);
    let mut t = Target::new(
        &app,
        Method::POST,
        "/v1/admin/customers/nobody/wallet/grants",
        As::Operator,
        grant,
    );
    t.raw(
        "an unknown customer",
        serde_json::to_vec(&t.valid).expect("json"),
        NOT_FOUND,
        "not_found",
    );
    cases.append(&mut t.cases);

    run(&app, cases).await;
    let r = app
        .post_raw(
            "/v1/customers",
            app.server(),
            b"{\"id\": \"newco\",".to_vec(),
        )
        .await;
    assert_eq!((r.status, r.code()), (BAD, INVALID), "{r:?}");
    let r = app.get("/v1/customers/newco", app.server()).await;
    assert_eq!(r.status, NOT_FOUND);
}

fn checkout_body() -> Value {
    json!({"plan": "pro", "interval": "month",
        "success_url": "https://app.example.com/ok", "cancel_url": "https://app.example.com/no"})
}

#[tokio::test]
async fn subscription_writes_refuse_bad_input_and_write_nothing() {
    let app = setup().await;
    let mut cases = Vec::new();

    // fresh has no subscription, so a valid request would act: only the defect stops it.
    let mut t = Target::new(
        &app,
        Method::POST,
        "/v1/customers/fresh/checkout",
        As::Server,
        checkout_body(),
    );
    t.shapes(true)
        .set("plan", "\"nope\"", NOT_FOUND, "not_found")
        .set("plan", "\"\"", BAD, INVALID)
        .set("plan", "\"enterprise\"", BAD, INVALID)
        .set("interval", "\"week\"", BAD, INVALID)
        .set("interval", "\"Month\"", BAD, INVALID)
        .set("success_url", "\"javascript:alert(1)\"", BAD, INVALID)
        .set("success_url", "\"not a url\"", BAD, INVALID)
        .set(
            "success_url",
            &format!("\"https://x.example/{}\"", "a".repeat(3000)),
            BAD,
            INVALID,
        )
        .set("cancel_url", "\"\"", BAD, INVALID)
        .set("cancel_url", "5", BAD, INVALID)
        .without("cancel_url")
        .without("interval");
    cases.append(&mut t.cases);
    let mut t = Target::new(
        &app,
        Method::POST,
        "/v1/customers/nobody/checkout",
        As::Server,
        checkout_body(),
    );
    t.raw(
        "an unknown customer",
        serde_json::to_vec(&t.valid).expect("json"),
        NOT_FOUND,
        "not_found",
    );
    cases.append(&mut t.cases);

    let mut t = Target::new(
        &app,
        Method::POST,
        "/v1/customers/acme/portal",
        As::Server,
        json!({"return_url": "https://app.example.com/"}),
    );
    t.shapes(false).set("return_url", "5", BAD, INVALID).set(
        "return_url",
        "\"javascript:alert(1)\"",
        BAD,
        INVALID,
    );
    cases.append(&mut t.cases);
    let mut t = Target::new(
        &app,
        Method::POST,
        "/v1/customers/nobody/portal",
        As::Server,
        json!({}),
    );
    t.raw("an unknown customer", Vec::new(), NOT_FOUND, "not_found");
    cases.append(&mut t.cases);

    // acme is on a Pro trial: a valid change to Hobby would schedule a downgrade.
    let mut t = Target::new(
        &app,
        Method::POST,
        "/v1/customers/acme/subscription/change",
        As::Server,
        json!({"plan": "hobby", "interval": "month"}),
    );
    t.shapes(true)
        .set("plan", "\"nope\"", NOT_FOUND, "not_found")
        .set("plan", "\"\"", BAD, INVALID)
        .set("plan", "null", BAD, INVALID)
        .set("interval", "\"daily\"", BAD, INVALID)
        .set("interval", "12", BAD, INVALID)
        .without("plan");
    cases.append(&mut t.cases);
    let mut t = Target::new(
        &app,
        Method::POST,
        "/v1/customers/nobody/subscription/change",
        As::Server,
        json!({"plan": "hobby"}),
    );
    t.raw(
        "an unknown customer",
        serde_json::to_vec(&t.valid).expect("json"),
        NOT_FOUND,
        "not_found",
    );
    cases.append(&mut t.cases);

    let mut t = Target::new(
        &app,
        Method::POST,
        "/v1/customers/acme/subscription/cancel",
        As::Server,
        json!({"at_period_end": true}),
    );
    t.shapes(false)
        .set("at_period_end", "\"yes\"", BAD, INVALID)
        .set("at_period_end", "1", BAD, INVALID)
        .set("at_period_end", "null", BAD, INVALID);
    cases.append(&mut t.cases);
    for path in [
        "/v1/customers/nobody/subscription/cancel",
        "/v1/customers/nobody/subscription/reactivate",
        "/v1/customers/fresh/subscription/cancel",
    ] {
        let mut t = Target::new(&app, Method::POST, path, As::Server, Value::Null);
        t.raw("nothing to act on", Vec::new(), NOT_FOUND, "not_found");
        cases.append(&mut t.cases);
    }
    // A trial while subscribed, and a reactivation of what is not canceling: conflicts.
    let mut t = Target::new(
        &app,
        Method::POST,
        "/v1/customers/acme/subscription/reactivate",
        As::Server,
        Value::Null,
    );
    t.raw(
        "not canceling",
        Vec::new(),
        StatusCode::CONFLICT,
        "conflict",
    );
    cases.append(&mut t.cases);

    let mut t = Target::new(
        &app,
        Method::POST,
        "/v1/customers/fresh/trial",
        As::Server,
        json!({"plan": "pro"}),
    );
    t.shapes(true)
        .set("plan", "\"nope\"", NOT_FOUND, "not_found")
        .set("plan", "\"\"", BAD, INVALID)
        .set("plan", "\"enterprise\"", BAD, INVALID)
        .set("plan", "[\"pro\"]", BAD, INVALID)
        .without("plan");
    cases.append(&mut t.cases);
    let mut t = Target::new(
        &app,
        Method::POST,
        "/v1/customers/acme/trial",
        As::Server,
        json!({"plan": "pro"}),
    );
    t.raw(
        "already subscribed",
        serde_json::to_vec(&t.valid).expect("json"),
        StatusCode::CONFLICT,
        "conflict",
    );
    cases.append(&mut t.cases);

    // The preview is a read, but its query is input too.
    for (query, status, code) in [
        ("", BAD, INVALID),
        ("?plan=", BAD, INVALID),
        ("?plan=nope", NOT_FOUND, "not_found"),
        ("?plan=hobby&interval=week", BAD, INVALID),
        ("?plan=hobby&bogus=1", BAD, INVALID),
    ] {
        let mut t = Target::new(
            &app,
            Method::GET,
            &format!("/v1/customers/acme/subscription/change/preview{query}"),
            As::Server,
            Value::Null,
        );
        t.raw("preview", Vec::new(), status, code);
        cases.append(&mut t.cases);
    }

    run(&app, cases).await;
}

fn usage_body() -> Value {
    json!({"customer": "acme", "feature": "api_calls", "quantity": 3, "idempotency_key": "bad-usage-1",
        "occurred_at": "2026-11-16T09:00:00Z", "properties": {"endpoint": "/x"}})
}

#[tokio::test]
async fn usage_check_and_lease_writes_refuse_bad_input_and_write_nothing() {
    let app = setup().await;
    let mut cases = Vec::new();

    let mut t = Target::new(&app, Method::POST, "/v1/usage", As::Server, usage_body());
    t.shapes(true)
        .set("quantity", "0", BAD, INVALID)
        .set("quantity", "-1", BAD, INVALID)
        .set("quantity", "1.5", BAD, INVALID)
        .set("quantity", "1e3", BAD, INVALID)
        .set("quantity", I64_OVERFLOW, BAD, INVALID)
        .set("quantity", "-9223372036854775809", BAD, INVALID)
        .set("quantity", "\"3\"", BAD, INVALID)
        .set("quantity", "null", BAD, INVALID)
        .set("idempotency_key", "\"\"", BAD, INVALID)
        .set("idempotency_key", &s(256), BAD, INVALID)
        .set("idempotency_key", "\"has space\"", BAD, INVALID)
        .set("idempotency_key", "17", BAD, INVALID)
        .set("customer", "\"\"", BAD, INVALID)
        .set("customer", "\"nobody\"", NOT_FOUND, "not_found")
        .set("feature", "\"\"", BAD, INVALID)
        .set("feature", "\"nope\"", NOT_FOUND, "not_found")
        .set("feature", "\"analytics\"", BAD, INVALID)
        .set("feature", "\"retention_days\"", BAD, INVALID)
        .set("feature", "\"concurrent_jobs\"", BAD, INVALID)
        .set("occurred_at", "\"yesterday\"", BAD, INVALID)
        .set("occurred_at", "\"2026-11-18T09:00:00Z\"", BAD, INVALID)
        .set("occurred_at", "\"2026-09-01T00:00:00Z\"", BAD, INVALID)
        .set("occurred_at", "1763283600", BAD, INVALID)
        .set("properties", "\"str\"", BAD, INVALID)
        .set("properties", "[1]", BAD, INVALID)
        .set(
            "properties",
            &format!("{{\"blob\": {}}}", s(17 * 1024)),
            BAD,
            INVALID,
        )
        .set(
            "properties",
            "{\"provider\": \"openai\", \"model\": \"gpt-4o-mini\", \"input_tokens\": -5}",
            BAD,
            INVALID,
        )
        .set(
            "properties",
            "{\"provider\": \"openai\", \"model\": \"gpt-4o-mini\", \"input_tokens\": 1.5}",
            BAD,
            INVALID,
        )
        .set(
            "properties",
            "{\"provider\": \"\", \"model\": \"gpt-4o-mini\"}",
            BAD,
            INVALID,
        )
        .without("idempotency_key")
        .without("quantity")
        .without("customer");
    // An unpriced model on a wallet-paid feature cannot be charged.
    let unpriced = json!({"customer": "acme", "feature": "ai_tokens", "quantity": 10, "idempotency_key": "bad-tok",
        "properties": {"provider": "openai", "model": "unknown-model", "input_tokens": 5, "output_tokens": 5}});
    t.raw(
        "an unpriced model",
        serde_json::to_vec(&unpriced).expect("json"),
        BAD,
        INVALID,
    );
    // A per-request value over its cap is a refusal, not a write.
    let upload = json!({"customer": "acme", "feature": "max_upload_bytes", "quantity": 300 * MIB, "idempotency_key": "bad-up"});
    t.raw(
        "over the per-request cap",
        serde_json::to_vec(&upload).expect("json"),
        StatusCode::TOO_MANY_REQUESTS,
        "quota_exceeded",
    );
    cases.append(&mut t.cases);

    let mut t = Target::new(
        &app,
        Method::POST,
        "/v1/check",
        As::Server,
        json!({"customer": "acme", "feature": "api_calls", "quantity": 2}),
    );
    t.shapes(true)
        .set("quantity", "-1", BAD, INVALID)
        .set("quantity", "0", BAD, INVALID)
        .set("quantity", "2.5", BAD, INVALID)
        .set("quantity", I64_OVERFLOW, BAD, INVALID)
        .set("quantity", "\"2\"", BAD, INVALID)
        .set("customer", "\"nobody\"", NOT_FOUND, "not_found")
        .set("customer", "\"\"", BAD, INVALID)
        .set("feature", "\"nope\"", NOT_FOUND, "not_found")
        .set("feature", "\"a b\"", BAD, INVALID)
        .without("feature");
    cases.append(&mut t.cases);

    let lease = json!({"customer": "acme", "feature": "concurrent_jobs", "ttl_seconds": 60});
    let mut t = Target::new(&app, Method::POST, "/v1/leases", As::Server, lease);
    t.shapes(true)
        .set("ttl_seconds", "0", BAD, INVALID)
        .set("ttl_seconds", "-60", BAD, INVALID)
        .set("ttl_seconds", "1.5", BAD, INVALID)
        .set("ttl_seconds", I64_OVERFLOW, BAD, INVALID)
        .set("ttl_seconds", "86401", BAD, INVALID)
        .set("ttl_seconds", "\"60\"", BAD, INVALID)
        .set("feature", "\"api_calls\"", BAD, INVALID)
        .set("feature", "\"nope\"", NOT_FOUND, "not_found")
        .set("customer", "\"nobody\"", NOT_FOUND, "not_found")
        .set("customer", "\"\"", BAD, INVALID)
        .without("ttl_seconds");
    cases.append(&mut t.cases);
    for id in ["nope", "lse~acme~concurrent_jobs~nope", "lse~a~b~c~d"] {
        let mut t = Target::new(
            &app,
            Method::DELETE,
            &format!("/v1/leases/{id}"),
            As::Server,
            Value::Null,
        );
        t.raw("an unknown lease", Vec::new(), NOT_FOUND, "not_found");
        cases.append(&mut t.cases);
    }

    // The batch body itself.
    let mut t = Target::new(
        &app,
        Method::POST,
        "/v1/usage/batch",
        As::Server,
        json!({"events": [usage_body()]}),
    );
    t.raw("malformed JSON", b"{\"events\": [".to_vec(), BAD, INVALID)
        .raw("an array", b"[]".to_vec(), BAD, INVALID)
        .raw("an empty body", Vec::new(), BAD, INVALID)
        .set("events", "{}", BAD, INVALID)
        .set("events", "[]", BAD, INVALID)
        .set("events", "null", BAD, INVALID)
        .set("bogus", "1", BAD, INVALID)
        .without("events");
    let many: Vec<Value> = (0..1001)
        .map(|i| {
            let mut e = usage_body();
            e["idempotency_key"] = json!(format!("many-{i}"));
            e["quantity"] = json!(1);
            e
        })
        .collect();
    t.raw(
        "1001 events",
        serde_json::to_vec(&json!({"events": many})).expect("json"),
        BAD,
        INVALID,
    );
    cases.append(&mut t.cases);

    run(&app, cases).await;

    // A batch of only bad events answers 200 with a 4xx per event, and writes nothing.
    let before = world(&app).await;
    let events: Vec<Value> = vec![
        json!({"customer": "acme", "feature": "api_calls", "quantity": -1, "idempotency_key": "bb-1"}),
        json!({"customer": "acme", "feature": "api_calls", "quantity": 1.5, "idempotency_key": "bb-2"}),
        json!({"customer": "acme", "feature": "api_calls", "quantity": 1, "idempotency_key": ""}),
        json!({"customer": "nobody", "feature": "api_calls", "quantity": 1, "idempotency_key": "bb-3"}),
        json!({"customer": "acme", "feature": "nope", "quantity": 1, "idempotency_key": "bb-4"}),
        json!({"customer": "acme", "feature": "api_calls", "quantity": 1, "idempotency_key": "bb-5", "bogus": 1}),
        json!("not an event"),
        json!(["acme", "api_calls", 1, "bb-7", null, null]),
        json!({"customer": "acme", "feature": "api_calls", "quantity": 1e30, "idempotency_key": "bb-6"}),
    ];
    let r = app
        .post("/v1/usage/batch", app.server(), &json!({"events": events}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let statuses: Vec<(i64, String)> = r.body["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|x| {
            (
                x["status"].as_i64().expect("status"),
                x["error"]["code"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    let expected: Vec<(i64, String)> = [400, 400, 400, 404, 404, 400, 400, 400, 400]
        .iter()
        .map(|s| (*s, if *s == 400 { INVALID } else { "not_found" }.to_owned()))
        .collect();
    assert_eq!(statuses, expected, "{r:?}");
    assert_eq!(diff(&before, &world(&app).await), Vec::<String>::new());
}

#[tokio::test]
async fn operator_writes_refuse_bad_input_and_write_nothing() {
    let app = setup().await;
    let mut cases = Vec::new();

    let mut t = Target::new(
        &app,
        Method::POST,
        "/v1/admin/clock/advance",
        As::Operator,
        json!({"seconds": 60}),
    );
    t.shapes(true)
        .set("seconds", "0", BAD, INVALID)
        .set("seconds", "-3600", BAD, INVALID)
        .set("seconds", "1.5", BAD, INVALID)
        .set("seconds", "\"60\"", BAD, INVALID)
        .set("seconds", I64_OVERFLOW, BAD, INVALID)
        .set("seconds", "9223372036854775807", BAD, INVALID)
        .without("seconds");
    cases.append(&mut t.cases);

    let mut t = Target::new(
        &app,
        Method::POST,
        "/v1/admin/fake-billing/customers/acme/payment-method",
        As::Operator,
        json!({"fails": true}),
    );
    t.shapes(true)
        .set("fails", "\"yes\"", BAD, INVALID)
        .set("fails", "1", BAD, INVALID)
        .without("fails");
    cases.append(&mut t.cases);
    let mut t = Target::new(
        &app,
        Method::POST,
        "/v1/admin/fake-billing/customers/nobody/payment-method",
        As::Operator,
        json!({"fails": true}),
    );
    t.raw(
        "an unknown customer",
        serde_json::to_vec(&t.valid).expect("json"),
        NOT_FOUND,
        "not_found",
    );
    cases.append(&mut t.cases);

    let mut t = Target::new(
        &app,
        Method::POST,
        "/v1/admin/keys",
        As::Operator,
        json!({"name": "ci", "role": "server"}),
    );
    t.shapes(true)
        .set("name", "\"\"", BAD, INVALID)
        .set("name", "\"   \"", BAD, INVALID)
        .set("name", &s(101), BAD, INVALID)
        .set("name", "1", BAD, INVALID)
        .set("role", "\"root\"", BAD, INVALID)
        .set("role", "\"owner\"", BAD, INVALID)
        .without("name");
    cases.append(&mut t.cases);
    for (method, path) in [
        (Method::DELETE, "/v1/admin/keys/key_nope"),
        (Method::POST, "/v1/admin/webhooks/evt_nope/replay"),
    ] {
        let mut t = Target::new(&app, method, path, As::Operator, Value::Null);
        t.raw("unknown", Vec::new(), NOT_FOUND, "not_found");
        cases.append(&mut t.cases);
    }
    for query in ["?limit=-1", "?limit=x", "?bogus=1", "?status=weird"] {
        let mut t = Target::new(
            &app,
            Method::GET,
            &format!("/v1/admin/webhooks{query}"),
            As::Operator,
            Value::Null,
        );
        t.raw("webhook filter", Vec::new(), BAD, INVALID);
        cases.append(&mut t.cases);
    }
    for query in ["?limit=-1", "?limit=x", "?bogus=1"] {
        let mut t = Target::new(
            &app,
            Method::GET,
            &format!("/v1/admin/audit{query}"),
            As::Operator,
            Value::Null,
        );
        t.raw("audit filter", Vec::new(), BAD, INVALID);
        cases.append(&mut t.cases);
    }

    run(&app, cases).await;
}

/// Lowercase ISO codes are read as the code (the kernel parses currencies case-insensitively,
/// as Stripe writes them): accepted and answered upper case, never stored as typed.
#[tokio::test]
async fn a_lowercase_currency_is_read_as_its_iso_code() {
    let app = spawn_app().await;
    let r = app
        .post(
            "/v1/customers",
            app.server(),
            &json!({"id": "lower", "name": "Lower", "currency": "eur"}),
        )
        .await;
    assert_eq!(
        (r.status, &r.body["currency"]),
        (StatusCode::CREATED, &json!("EUR")),
        "{r:?}"
    );
    let r = app
        .post(
            "/v1/admin/customers/lower/wallet/grants",
            app.admin(),
            &json!({"amount_minor": 100, "currency": "eur"}),
        )
        .await;
    assert_eq!(
        (r.status, &r.body["currency"]),
        (StatusCode::CREATED, &json!("EUR")),
        "{r:?}"
    );
}

#[tokio::test]
async fn oversized_bodies_are_413_on_every_body_route_and_batches_get_16_mib() {
    let app = setup().await;
    let mut cases = Vec::new();
    let routes: &[(Method, &str, As)] = &[
        (
            Method::POST,
            "/v1/customers/acme/subscription/reactivate",
            As::Server,
        ),
        (Method::DELETE, "/v1/customers/fresh", As::Server),
        (Method::DELETE, "/v1/admin/plans/pro", As::Operator),
        (
            Method::POST,
            "/v1/admin/webhooks/evt_nope/replay",
            As::Operator,
        ),
    ];
    for (method, path, who) in routes {
        let mut t = Target::new(&app, method.clone(), path, *who, json!({}));
        t.raw(
            "over 1 MiB on a route that reads no body",
            padded(&json!({}), MIB + 1),
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
        );
        cases.append(&mut t.cases);
    }
    // The batch route takes up to 16 MiB: 2 MiB is read (and refused for its unknown field).
    let mut t = Target::new(
        &app,
        Method::POST,
        "/v1/usage/batch",
        As::Server,
        json!({"events": [usage_body()]}),
    );
    let (two, sixteen) = (padded(&t.valid, 2 * MIB), padded(&t.valid, 16 * MIB + 1));
    t.raw("2 MiB", two, BAD, INVALID).raw(
        "over 16 MiB",
        sixteen,
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
    );
    // With an Idempotency-Key the body is read by the middleware first: same limits.
    t.raw_with(
        "over 16 MiB with an Idempotency-Key",
        padded(&t.valid, 16 * MIB + 1),
        &[("idempotency-key", "big-batch")],
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
    );
    cases.append(&mut t.cases);
    let mut t = Target::new(
        &app,
        Method::POST,
        "/v1/customers",
        As::Server,
        json!({"id": "newco", "name": "N"}),
    );
    t.raw_with(
        "over 1 MiB with an Idempotency-Key",
        padded(&t.valid, MIB + 1),
        &[("idempotency-key", "big-customer")],
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
    );
    cases.append(&mut t.cases);
    run(&app, cases).await;

    // A valid 2 MiB batch (many events with large properties) is accepted.
    let events: Vec<Value> = (0..150)
        .map(|i| {
            json!({"customer": "acme", "feature": "api_calls", "quantity": 1,
                "idempotency_key": format!("big-{i}"), "properties": {"blob": "b".repeat(14 * 1024)}})
        })
        .collect();
    let body = serde_json::to_vec(&json!({ "events": events })).expect("json");
    assert!(body.len() > 2 * MIB, "{}", body.len());
    let r = app
        .raw(Method::POST, "/v1/usage/batch", app.server(), body, &[])
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.status);
    let ok = r.body["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter(|x| x["status"] == 201)
        .count();
    assert_eq!(ok, 150);
}

#[tokio::test]
async fn a_bad_idempotency_key_header_is_400_and_writes_nothing() {
    let app = setup().await;
    let mut cases = Vec::new();
    let long = "k".repeat(256);
    let bad_keys: Vec<(&str, &str)> = vec![
        ("empty", ""),
        ("256 characters", &long),
        ("a space", "has space"),
        ("a tab", "has\ttab"),
    ];
    let writes: Vec<(Method, &str, As, Value)> = vec![
        (
            Method::POST,
            "/v1/customers",
            As::Server,
            json!({"id": "newco", "name": "New"}),
        ),
        (Method::POST, "/v1/usage", As::Server, usage_body()),
        (
            Method::POST,
            "/v1/admin/customers/acme/wallet/grants",
            As::Operator,
            json!({"amount_minor": 100, "currency": "USD"}),
        ),
        (
            Method::POST,
            "/v1/customers/fresh/checkout",
            As::Server,
            checkout_body(),
        ),
        (
            Method::POST,
            "/v1/customers/fresh/trial",
            As::Server,
            json!({"plan": "pro"}),
        ),
        (
            Method::PUT,
            "/v1/admin/token-prices",
            As::Operator,
            json!({"prices": []}),
        ),
        (
            Method::DELETE,
            "/v1/customers/fresh",
            As::Server,
            Value::Null,
        ),
        (
            Method::POST,
            "/v1/admin/clock/advance",
            As::Operator,
            json!({"seconds": 60}),
        ),
    ];
    for (method, path, who, body) in writes {
        let mut t = Target::new(&app, method, path, who, body.clone());
        let bytes = if body.is_null() {
            Vec::new()
        } else {
            serde_json::to_vec(&body).expect("json")
        };
        for (what, k) in &bad_keys {
            t.raw_with(
                &format!("Idempotency-Key {what}"),
                bytes.clone(),
                &[("idempotency-key", k)],
                BAD,
                INVALID,
            );
        }
        cases.append(&mut t.cases);
    }
    run(&app, cases).await;

    // A reused key with another body is a 409 and writes nothing either.
    let first = app
        .call(
            Method::POST,
            "/v1/customers",
            app.server(),
            Some(&json!({"id": "keyed", "name": "Keyed"})),
            &[("idempotency-key", "reuse-1")],
        )
        .await;
    assert_eq!(first.status, StatusCode::CREATED, "{first:?}");
    let before = world(&app).await;
    let clash = app
        .call(
            Method::POST,
            "/v1/customers",
            app.server(),
            Some(&json!({"id": "newco", "name": "New"})),
            &[("idempotency-key", "reuse-1")],
        )
        .await;
    assert_eq!(
        (clash.status, clash.code()),
        (StatusCode::CONFLICT, "conflict"),
        "{clash:?}"
    );
    assert_eq!(diff(&before, &world(&app).await), Vec::<String>::new());
}

/// A failure the server did not foresee answers 500 with the fixed body and nothing of the
/// cause: no SQL, table names, file paths or error chains.
#[tokio::test]
async fn a_500_never_carries_internal_detail() {
    use sea_orm_migration::sea_orm::ConnectionTrait;

    let app = spawn_app().await;
    app.customer("acme").await;
    let db = app.state.store.db();
    let tables: Vec<String> = db
        .query_all_raw(sea_orm_migration::sea_orm::Statement::from_string(
            db.get_database_backend(),
            "SELECT name FROM sqlite_master WHERE type = 'table'",
        ))
        .await
        .expect("tables")
        .iter()
        .filter_map(|row| row.try_get::<String>("", "name").ok())
        .collect();
    // Break the store under the server: every table it reads disappears.
    for t in &tables {
        if !t.starts_with("sqlite_") {
            db.execute_unprepared(&format!("DROP TABLE IF EXISTS \"{t}\""))
                .await
                .expect("drop");
        }
    }
    let attempts: Vec<(Method, &str, Option<Value>)> = vec![
        (Method::GET, "/v1/customers/acme", None),
        (Method::GET, "/v1/plans", None),
        (
            Method::POST,
            "/v1/customers",
            Some(json!({"id": "x", "name": "X"})),
        ),
        (
            Method::POST,
            "/v1/usage",
            Some(
                json!({"customer": "acme", "feature": "api_calls", "quantity": 1, "idempotency_key": "k"}),
            ),
        ),
        (Method::GET, "/v1/admin/audit", None),
    ];
    let mut seen_500 = 0;
    for (method, path, body) in attempts {
        let key = if path.contains("/admin/") {
            app.admin()
        } else {
            app.server()
        };
        let r = app
            .call(method.clone(), path, key, body.as_ref(), &[])
            .await;
        if r.status.is_server_error() {
            seen_500 += 1;
            assert_eq!(
                r.status,
                StatusCode::INTERNAL_SERVER_ERROR,
                "{method} {path}: {r:?}"
            );
            assert_eq!(r.code(), "internal", "{method} {path}: {r:?}");
            assert_eq!(r.body["error"]["details"], json!({}), "{r:?}");
            let text = r.body.to_string().to_lowercase();
            for leak in [
                "sql",
                "table",
                "no such",
                "tollgate.db",
                "/tmp",
                "error returned",
                "database",
                "panick",
            ] {
                assert!(
                    !text.contains(leak),
                    "{method} {path} leaks {leak:?}: {r:?}"
                );
            }
            assert!(
                r.headers.get("x-request-id").is_some(),
                "the id to find the log line"
            );
        } else {
            assert!(r.status.is_client_error() || r.status.is_success(), "{r:?}");
        }
    }
    assert!(seen_500 >= 3, "the broken store was noticed: {seen_500}");
    // Readiness is about reaching the database, which still answers.
    let r = app.get("/readyz", None).await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
}

/// Sends `body` in chunks (`Transfer-Encoding: chunked`, no `Content-Length`) over a raw
/// connection; answers the status and the JSON body.
async fn chunked(app: &TestApp, method: &str, path: &str, key: &str, body: &[u8]) -> (u16, Value) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let addr = app.base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {key}\r\n\
         Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    );
    let mut out = head.into_bytes();
    for chunk in body.chunks(64 * 1024) {
        out.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
        out.extend_from_slice(chunk);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"0\r\n\r\n");
    // The server may answer (and close) before reading everything: a failed write is fine.
    let _ = stream.write_all(&out).await;
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer).await;
    let text = String::from_utf8_lossy(&answer).into_owned();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status line: {text:?}"));
    let body = text.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    (
        status,
        serde_json::from_str(body).unwrap_or(Value::String(body.to_owned())),
    )
}

/// Without a declared length the limits still hold, with the fixed error body.
#[tokio::test]
async fn chunked_bodies_get_the_same_limits_and_errors() {
    let app = setup().await;
    let before = world(&app).await;
    let server = app.server_key.clone();
    let cases: Vec<(&str, &str, Vec<u8>, u16, &str)> = vec![
        (
            "POST",
            "/v1/customers/acme/portal",
            padded(&json!({}), MIB + 1),
            413,
            "payload_too_large",
        ),
        (
            "POST",
            "/v1/customers/acme/subscription/cancel",
            padded(&json!({}), 2 * MIB),
            413,
            "payload_too_large",
        ),
        (
            "POST",
            "/v1/usage",
            padded(&usage_body(), MIB + 1),
            413,
            "payload_too_large",
        ),
        (
            "POST",
            "/v1/usage/batch",
            padded(&json!({"events": [usage_body()]}), 16 * MIB + 1),
            413,
            "payload_too_large",
        ),
        (
            "POST",
            "/v1/customers/acme/subscription/cancel",
            b"  [true]".to_vec(),
            400,
            INVALID,
        ),
        (
            "POST",
            "/v1/customers/acme/portal",
            b"\n\"x\"".to_vec(),
            400,
            INVALID,
        ),
        (
            "PUT",
            "/v1/admin/customers/acme/overrides",
            b"[]".to_vec(),
            400,
            INVALID,
        ),
        // Routes that read no body must not act on one over the limit either.
        (
            "POST",
            "/v1/customers/acme/subscription/reactivate",
            padded(&json!({}), MIB + 1),
            413,
            "payload_too_large",
        ),
        (
            "DELETE",
            "/v1/customers/acme",
            padded(&json!({}), 2 * MIB),
            413,
            "payload_too_large",
        ),
    ];
    for (method, path, body, status, code) in cases {
        let key = if path.contains("/admin/") {
            ADMIN_KEY
        } else {
            &server
        };
        let (got, answer) = chunked(&app, method, path, key, &body).await;
        assert_eq!(
            (got, answer["error"]["code"].as_str()),
            (status, Some(code)),
            "{method} {path}: {answer}"
        );
        assert!(answer["error"]["details"].is_object(), "{answer}");
    }
    assert_eq!(diff(&before, &world(&app).await), Vec::<String>::new());
    // A chunked valid body still works.
    let (got, answer) = chunked(
        &app,
        "POST",
        "/v1/usage",
        &server,
        &serde_json::to_vec(&usage_body()).expect("json"),
    )
    .await;
    assert_eq!(got, 201, "{answer}");
}
