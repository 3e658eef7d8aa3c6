//! Who may call what (docs/api.md "Authentication"): every route of the server × every kind of
//! caller, against one app. A broken rule in either direction fails: a caller that should be
//! refused must get exactly 401, 403 or 404 with the fixed body, and a caller that should pass
//! must get the precise business answers listed for the route, none of which is 401/403/404.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{Answer, TestApp, spawn_app};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    NoKey,
    WrongKey,
    /// Session tokens of customer `acme`.
    Member,
    Admin,
    Owner,
    /// The owner of `globex`, calling `acme`'s routes.
    OtherOwner,
    Server,
    Operator,
}

const EVERYONE: [Who; 8] = [
    Who::NoKey,
    Who::WrongKey,
    Who::Member,
    Who::Admin,
    Who::Owner,
    Who::OtherOwner,
    Who::Server,
    Who::Operator,
];

/// The role a session needs on a customer route.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Need {
    Member,
    Admin,
    Owner,
}

/// Who a route lets through.
#[derive(Debug, Clone, Copy)]
enum Rule {
    /// No bearer auth at all (operations, hosted fake-billing pages, the public catalog).
    Public,
    /// The operator only: `/v1/admin/*`.
    Operator,
    /// Keys only (server or operator): sessions get 403.
    Backend,
    /// Keys, and sessions of that customer with at least this role; other customers 404.
    Customer(Need),
}

struct Route {
    method: Method,
    path: String,
    body: Option<Value>,
    rule: Rule,
    /// Statuses an allowed caller may get (business answers depending on state).
    ok: &'static [u16],
    /// A different path for some callers (one-shot resources: each allowed caller deletes its own).
    path_for: Vec<(Who, String)>,
}

fn route(method: Method, path: &str, body: Option<Value>, rule: Rule, ok: &'static [u16]) -> Route {
    Route {
        method,
        path: path.to_owned(),
        body,
        rule,
        ok,
        path_for: Vec::new(),
    }
}

/// What a caller must get: `Ok(())` for "one of the route's allowed answers", else the refusal.
fn expected(rule: Rule, who: Who) -> Result<(), (StatusCode, &'static str)> {
    let unauth = Err((StatusCode::UNAUTHORIZED, "unauthenticated"));
    let forbidden = Err((StatusCode::FORBIDDEN, "forbidden"));
    let session_role = match who {
        Who::Member => Some(Need::Member),
        Who::Admin => Some(Need::Admin),
        Who::Owner | Who::OtherOwner => Some(Need::Owner),
        _ => None,
    };
    match rule {
        Rule::Public => Ok(()),
        _ if matches!(who, Who::NoKey | Who::WrongKey) => unauth,
        Rule::Operator => {
            if who == Who::Operator {
                Ok(())
            } else {
                forbidden
            }
        }
        Rule::Backend => {
            if session_role.is_some() {
                forbidden
            } else {
                Ok(())
            }
        }
        Rule::Customer(need) => match (who, session_role) {
            (Who::OtherOwner, _) => Err((StatusCode::NOT_FOUND, "not_found")),
            (_, Some(role)) if role < need => forbidden,
            _ => Ok(()),
        },
    }
}

struct Keys {
    member: String,
    admin: String,
    owner: String,
    other_owner: String,
}

fn key_of<'a>(app: &'a TestApp, keys: &'a Keys, who: Who) -> Option<&'a str> {
    match who {
        Who::NoKey => None,
        Who::WrongKey => Some("tg_server_NotAKeyNotAKeyNotAKeyNotAKeyNotAKey00"),
        Who::Member => Some(&keys.member),
        Who::Admin => Some(&keys.admin),
        Who::Owner => Some(&keys.owner),
        Who::OtherOwner => Some(&keys.other_owner),
        Who::Server => app.server(),
        Who::Operator => app.admin(),
    }
}

async fn lease(app: &TestApp) -> String {
    let r = app
        .post(
            "/v1/leases",
            app.server(),
            &json!({"customer": "acme", "feature": "concurrent_jobs", "ttl_seconds": 3600}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    r.body["lease_id"].as_str().expect("lease id").to_owned()
}

#[tokio::test]
async fn every_route_for_every_kind_of_caller() {
    let app = spawn_app().await;
    app.add_business_plan().await;
    for id in ["acme", "globex", "doomed-s", "doomed-o", "payer"] {
        app.customer(id).await;
    }
    // acme pays for Business (active, no trial): every acme route has something to answer.
    let sub = app.subscribe("acme", "business", "month").await;
    assert_eq!(sub.body["status"], "active", "{sub:?}");
    app.overrides("acme", json!([{"feature": "concurrent_jobs", "limit": 50}]))
        .await;
    let keys = Keys {
        member: app.session("acme", "member").await,
        admin: app.session("acme", "admin").await,
        owner: app.session("acme", "owner").await,
        other_owner: app.session("globex", "owner").await,
    };
    let (lease_a, lease_b) = (lease(&app).await, lease(&app).await);
    let to_pay = app.checkout("payer", "business", "month").await;
    let to_cancel = app.checkout("payer", "business", "month").await;
    let portal = app
        .post("/v1/customers/acme/portal", app.server(), &json!({}))
        .await;
    let portal = portal.body["url"].as_str().expect("portal url").to_owned();
    let portal = portal
        .strip_prefix(&app.base)
        .expect("on this server")
        .to_owned();
    let event = app.get("/v1/admin/webhooks", app.admin()).await;
    let event = event.body["events"][0]["event_id"]
        .as_str()
        .expect("a billing event")
        .to_owned();
    let doomed_key = app
        .post("/v1/admin/keys", app.admin(), &json!({"name": "doomed"}))
        .await;
    let doomed_key = doomed_key.body["id"].as_str().expect("key id").to_owned();

    let plan = json!({"code": "matrix", "name": "Matrix", "priority": 50,
        "prices": [{"currency": "USD", "interval": "month", "amount_minor": 100}],
        "entitlements": [{"feature": "api_calls", "limit": 10}]});
    let usage = json!({"customer": "acme", "feature": "api_calls", "quantity": 1, "idempotency_key": "matrix-1"});
    let checkout = json!({"plan": "business", "interval": "month",
        "success_url": "https://app.example.com/ok", "cancel_url": "https://app.example.com/no"});

    use Method as M;
    use Rule::*;
    let g = |p: &str, rule: Rule, ok: &'static [u16]| route(M::GET, p, None, rule, ok);
    let routes = vec![
        // Operations and hosted pages: no key needed, a key changes nothing.
        g("/healthz", Public, &[200]),
        g("/readyz", Public, &[200]),
        g("/metrics", Public, &[200]),
        g("/openapi.json", Public, &[200]),
        g(&format!("/fake-billing/checkout/{to_pay}"), Public, &[200]),
        // Paid once (303); later calls find it complete.
        route(
            M::POST,
            &format!("/fake-billing/checkout/{to_pay}/pay"),
            None,
            Public,
            &[303, 409],
        ),
        route(
            M::POST,
            &format!("/fake-billing/checkout/{to_cancel}/cancel"),
            None,
            Public,
            &[303, 409],
        ),
        g(&portal, Public, &[200]),
        g("/demo", Public, &[200]),
        g("/pricing", Public, &[200]),
        // The catalog.
        g("/v1/plans", Public, &[200]),
        g("/v1/admin/plans", Operator, &[200]),
        route(
            M::POST,
            "/v1/admin/plans",
            Some(plan.clone()),
            Operator,
            &[201],
        ),
        route(
            M::PUT,
            "/v1/admin/plans/matrix",
            Some(plan),
            Operator,
            &[200],
        ),
        route(M::DELETE, "/v1/admin/plans/matrix", None, Operator, &[200]),
        g("/v1/admin/features", Operator, &[200]),
        route(
            M::POST,
            "/v1/admin/features",
            Some(
                json!({"code": "matrix_calls", "name": "Matrix calls", "kind": "metered", "unit": "call"}),
            ),
            Operator,
            &[201],
        ),
        g("/v1/admin/token-prices", Operator, &[200]),
        route(
            M::PUT,
            "/v1/admin/token-prices",
            Some(
                json!({"prices": [{"provider": "openai", "model": "gpt-4o-mini", "currency": "USD",
                "input_per_million": "0.15", "output_per_million": "0.60"}]}),
            ),
            Operator,
            &[200],
        ),
        // Customers.
        route(
            M::POST,
            "/v1/customers",
            Some(json!({"id": "acme", "name": "Acme"})),
            Backend,
            &[200],
        ),
        g("/v1/customers/acme", Customer(Need::Member), &[200]),
        Route {
            path_for: vec![
                (Who::Server, "/v1/customers/doomed-s".to_owned()),
                (Who::Operator, "/v1/customers/doomed-o".to_owned()),
            ],
            ..route(M::DELETE, "/v1/customers/acme", None, Backend, &[204])
        },
        route(
            M::POST,
            "/v1/customers/acme/sessions",
            Some(json!({"user_id": "matrix", "role": "member"})),
            Backend,
            &[201],
        ),
        g(
            "/v1/customers/acme/entitlements",
            Customer(Need::Member),
            &[200],
        ),
        g("/v1/customers/acme/wallet", Customer(Need::Admin), &[200]),
        g("/v1/customers/acme/invoices", Customer(Need::Admin), &[200]),
        g("/v1/admin/customers/acme/overrides", Operator, &[200]),
        route(
            M::PUT,
            "/v1/admin/customers/acme/overrides",
            Some(json!({"overrides": [{"feature": "concurrent_jobs", "limit": 50}]})),
            Operator,
            &[200],
        ),
        route(
            M::POST,
            "/v1/admin/customers/acme/wallet/grants",
            Some(json!({"amount_minor": 100, "currency": "USD"})),
            Operator,
            &[201],
        ),
        // Selling and changing plans.
        // acme already pays: a second checkout is a conflict, answered only to allowed callers.
        route(
            M::POST,
            "/v1/customers/acme/checkout",
            Some(checkout),
            Customer(Need::Owner),
            &[409],
        ),
        route(
            M::POST,
            "/v1/customers/acme/portal",
            Some(json!({})),
            Customer(Need::Owner),
            &[201],
        ),
        g(
            "/v1/customers/acme/subscription",
            Customer(Need::Member),
            &[200],
        ),
        g(
            "/v1/customers/acme/subscription/change/preview?plan=hobby",
            Customer(Need::Admin),
            &[200],
        ),
        route(
            M::POST,
            "/v1/customers/acme/subscription/change",
            Some(json!({"plan": "hobby"})),
            Customer(Need::Owner),
            &[200],
        ),
        // The first allowed caller cancels; the others find it canceling already.
        route(
            M::POST,
            "/v1/customers/acme/subscription/cancel",
            Some(json!({"at_period_end": true})),
            Customer(Need::Owner),
            &[200, 409],
        ),
        route(
            M::POST,
            "/v1/customers/acme/subscription/reactivate",
            None,
            Customer(Need::Owner),
            &[200, 409],
        ),
        // acme is subscribed: a trial is a conflict, but only for a caller allowed to ask.
        route(
            M::POST,
            "/v1/customers/acme/trial",
            Some(json!({"plan": "pro"})),
            Customer(Need::Owner),
            &[409],
        ),
        // The hot path.
        route(
            M::POST,
            "/v1/check",
            Some(json!({"customer": "acme", "feature": "api_calls", "quantity": 1})),
            Customer(Need::Member),
            &[200],
        ),
        // The second allowed caller repeats the first's idempotency key.
        route(
            M::POST,
            "/v1/usage",
            Some(usage.clone()),
            Backend,
            &[200, 201],
        ),
        route(
            M::POST,
            "/v1/usage/batch",
            Some(json!({"events": [usage]})),
            Backend,
            &[200],
        ),
        route(
            M::POST,
            "/v1/leases",
            Some(json!({"customer": "acme", "feature": "concurrent_jobs", "ttl_seconds": 60})),
            Backend,
            &[201],
        ),
        Route {
            path_for: vec![
                (Who::Server, format!("/v1/leases/{lease_a}")),
                (Who::Operator, format!("/v1/leases/{lease_b}")),
            ],
            ..route(
                M::DELETE,
                &format!("/v1/leases/{lease_a}"),
                None,
                Backend,
                &[204],
            )
        },
        // The operator's console.
        g("/v1/admin/webhooks", Operator, &[200]),
        route(
            M::POST,
            &format!("/v1/admin/webhooks/{event}/replay"),
            None,
            Operator,
            &[200],
        ),
        g("/v1/admin/audit", Operator, &[200]),
        g("/v1/admin/customers", Operator, &[200]),
        g("/v1/admin/analytics", Operator, &[200]),
        g("/v1/admin/keys", Operator, &[200]),
        route(
            M::POST,
            "/v1/admin/keys",
            Some(json!({"name": "matrix"})),
            Operator,
            &[201],
        ),
        route(
            M::DELETE,
            &format!("/v1/admin/keys/{doomed_key}"),
            None,
            Operator,
            &[204],
        ),
        route(
            M::POST,
            "/v1/admin/clock/advance",
            Some(json!({"seconds": 1})),
            Operator,
            &[200],
        ),
        route(
            M::POST,
            "/v1/admin/fake-billing/customers/acme/payment-method",
            Some(json!({"fails": false})),
            Operator,
            &[200],
        ),
    ];

    let mut failures = Vec::new();
    let mut allowed_seen = 0;
    for r in &routes {
        for who in EVERYONE {
            let path = r
                .path_for
                .iter()
                .find(|(w, _)| *w == who)
                .map_or(r.path.as_str(), |(_, p)| p.as_str());
            let key = key_of(&app, &keys, who);
            let answer: Answer = match &r.body {
                Some(b) => app.call(r.method.clone(), path, key, Some(b), &[]).await,
                None => app.raw(r.method.clone(), path, key, Vec::new(), &[]).await,
            };
            let line = format!("{} {path} as {who:?}", r.method);
            match expected(r.rule, who) {
                Ok(()) => {
                    allowed_seen += 1;
                    if !r.ok.contains(&answer.status.as_u16()) {
                        failures.push(format!(
                            "{line}: expected one of {:?}, got {answer:?}",
                            r.ok
                        ));
                    }
                }
                Err((status, code)) => {
                    let body_ok = answer.code() == code
                        && answer.body["error"]["message"].is_string()
                        && answer.body["error"]["details"].is_object();
                    if answer.status != status || !body_ok {
                        failures.push(format!("{line}: expected {status} {code}, got {answer:?}"));
                    }
                    if status == StatusCode::UNAUTHORIZED
                        && answer.headers.get("www-authenticate").is_none()
                    {
                        failures.push(format!("{line}: 401 without WWW-Authenticate"));
                    }
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(allowed_seen > 100, "{allowed_seen}");

    // The refused callers wrote nothing: each one-shot resource was used by its own caller only.
    // Eight callers hit Pay: it paid once.
    assert_eq!(
        app.pay(&to_pay).await,
        StatusCode::SEE_OTHER,
        "a paid session redirects again"
    );
    let invoices = app.get("/v1/customers/payer/invoices", app.server()).await;
    assert_eq!(
        invoices.body["invoices"].as_array().map(Vec::len),
        Some(1),
        "{invoices:?}"
    );
    for id in ["doomed-s", "doomed-o"] {
        let r = app.get(&format!("/v1/customers/{id}"), app.server()).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{r:?}");
    }
    let r = app.get("/v1/customers/acme", app.server()).await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "sessions could not delete acme: {r:?}"
    );
    let created = app
        .get(
            "/v1/admin/audit?action=plan.created&limit=1000",
            app.admin(),
        )
        .await;
    assert_eq!(
        created.body["entries"].as_array().map(Vec::len),
        Some(2),
        "business and matrix, once each: {created:?}"
    );
}

#[tokio::test]
async fn forged_expired_and_malformed_credentials_are_401() {
    let app = spawn_app().await;
    app.customer("acme").await;
    let owner = app.session("acme", "owner").await;
    // A token of another deployment (other signing secret), a tampered one, a truncated one.
    let (payload, sig) = owner
        .strip_prefix("tgs_")
        .and_then(|t| t.split_once('.'))
        .expect("token shape");
    let mut tampered_sig = sig.to_owned();
    let last = if tampered_sig.ends_with('A') {
        "B"
    } else {
        "A"
    };
    tampered_sig.replace_range(tampered_sig.len() - 1.., last);
    let bad = [
        format!("tgs_{payload}.{tampered_sig}"),
        format!("tgs_{payload}"),
        format!("tgs_{payload}."),
        "tgs_".to_owned(),
        "tg_admin_".to_owned() + &"0".repeat(40),
        format!("{}x", app.server_key),
    ];
    for key in &bad {
        let r = app.get("/v1/customers/acme", Some(key)).await;
        assert_eq!(
            (r.status, r.code()),
            (StatusCode::UNAUTHORIZED, "unauthenticated"),
            "{key}: {r:?}"
        );
    }
    // Not a bearer scheme, or an empty one.
    for header in ["Basic dXNlcjpwYXNz", "Bearer", "Bearer ", &app.server_key] {
        let r = app
            .call(
                Method::GET,
                "/v1/customers/acme",
                None,
                None,
                &[("authorization", header)],
            )
            .await;
        assert_eq!(
            (r.status, r.code()),
            (StatusCode::UNAUTHORIZED, "unauthenticated"),
            "{header}: {r:?}"
        );
    }
    // A revoked key stops working (this process clears its cache on revoke).
    let k = app
        .post(
            "/v1/admin/keys",
            app.admin(),
            &json!({"name": "short-lived"}),
        )
        .await;
    let (id, secret) = (
        k.body["id"].as_str().expect("id").to_owned(),
        k.body["secret"].as_str().expect("secret").to_owned(),
    );
    assert_eq!(
        app.get("/v1/customers/acme", Some(&secret)).await.status,
        StatusCode::OK
    );
    let r = app
        .delete(&format!("/v1/admin/keys/{id}"), app.admin())
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{r:?}");
    let r = app.get("/v1/customers/acme", Some(&secret)).await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::UNAUTHORIZED, "unauthenticated")
    );
    // An expired session.
    app.advance(3601).await;
    let r = app.get("/v1/customers/acme", Some(&owner)).await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::UNAUTHORIZED, "unauthenticated")
    );
    // An admin key made through the API is an operator key.
    let k = app
        .post(
            "/v1/admin/keys",
            app.admin(),
            &json!({"name": "ops", "role": "admin"}),
        )
        .await;
    assert_eq!(k.status, StatusCode::CREATED, "{k:?}");
    let admin = k.body["secret"].as_str().expect("secret");
    assert!(admin.starts_with("tg_admin_"));
    let r = app.get("/v1/admin/audit", Some(admin)).await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
}
