//! `POST /v1/webhooks/stripe` in production mode: signatures as Stripe makes them, the webhook
//! log, dedupe, order tolerance and replay, with the event payloads of `fixtures/stripe/events`
//! and an HTTP double of Stripe's API answering with Stripe's own objects.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};
use tollgate_billing_stripe::signature;
use tollgate_server::Mode;
use tollgate_server::config::Secret;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::{Answer, TestApp, spawn_app_with};

const SECRET: &str = "whsec_tollgate_test";
const OLD_SECRET: &str = "whsec_tollgate_rotated_out";
const SUB: &str = "sub_1Pgc6rB7WZ01zgkWNy0Cn5nw";

const LIFE: [&str; 8] = [
    "life_01_checkout",
    "life_02_created",
    "life_03_paid",
    "life_04_upgraded",
    "life_05_payment_failed",
    "life_06_past_due",
    "life_07_paid",
    "life_08_active",
];

fn fixture(name: &str) -> Vec<u8> {
    let file = format!(
        "{}/../../fixtures/stripe/events/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&file).unwrap_or_else(|e| panic!("{file}: {e}"))
}

fn object(name: &str) -> Value {
    let event: Value = serde_json::from_slice(&fixture(name)).unwrap();
    event["data"]["object"].clone()
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

struct StripeApp {
    app: TestApp,
    _stripe: MockServer,
}

/// A production server whose Stripe is an HTTP double; the subscription of the story is, at
/// Stripe, in its final state (what a checkout's processing fetches). Customer `acme` exists.
async fn stripe_app() -> StripeApp {
    let stripe = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("/v1/subscriptions/{SUB}")))
        .respond_with(ResponseTemplate::new(200).set_body_json(object("life_08_active")))
        .mount(&stripe)
        .await;
    let base = stripe.uri();
    let app = spawn_app_with(|c| {
        c.mode = Mode::Production;
        c.stripe_secret_key = Some(Secret::new("sk_test_tollgate"));
        c.stripe_api_base = Some(base);
        c.stripe_webhook_secret = Some(Secret::new(format!("{SECRET}, {OLD_SECRET}")));
    })
    .await;
    app.customer("acme").await;
    StripeApp {
        app,
        _stripe: stripe,
    }
}

impl StripeApp {
    async fn deliver(&self, body: &[u8], header: Option<String>) -> Answer {
        let mut req = self
            .app
            .client
            .post(format!("{}/v1/webhooks/stripe", self.app.base))
            .header("content-type", "application/json; charset=utf-8")
            .body(body.to_vec());
        if let Some(h) = header {
            req = req.header("Stripe-Signature", h);
        }
        let res = req.send().await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = res.bytes().await.unwrap();
        Answer {
            status,
            headers,
            body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        }
    }

    /// Delivers a fixture signed now with the current secret; it must be accepted.
    async fn send(&self, name: &str) -> Answer {
        let body = fixture(name);
        let r = self
            .deliver(&body, Some(signature::sign(&body, SECRET, now())))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{name}: {r:?}");
        r
    }

    async fn log(&self, query: &str) -> Vec<Value> {
        let r = self
            .app
            .get(&format!("/v1/admin/webhooks{query}"), self.app.admin())
            .await;
        assert_eq!(r.status, StatusCode::OK, "{r:?}");
        r.body["events"].as_array().unwrap().clone()
    }

    /// Waits until nothing in the log is still `received` (processing happens after the 2xx).
    async fn settle(&self) -> Vec<Value> {
        for _ in 0..500 {
            let log = self.log("").await;
            if log.iter().all(|e| e["status"] != "received") {
                return log;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("events still received: {:?}", self.log("").await);
    }

    /// Replays failed events (as the jobs' retries would) until none fails; answers how many
    /// replays it took.
    async fn replay_failed(&self) -> usize {
        let mut replays = 0;
        for _ in 0..LIFE.len() {
            let failed = self.log("?status=failed").await;
            if failed.is_empty() {
                return replays;
            }
            for e in failed {
                let id = e["event_id"].as_str().unwrap();
                let r = self
                    .app
                    .post(
                        &format!("/v1/admin/webhooks/{id}/replay"),
                        self.app.admin(),
                        &json!({}),
                    )
                    .await;
                assert_eq!(r.status, StatusCode::OK, "{r:?}");
                replays += 1;
            }
        }
        panic!(
            "events keep failing: {:?}",
            self.log("?status=failed").await
        );
    }

    /// The customer's state that the webhooks decide.
    async fn state(&self) -> Value {
        let mut sub = self
            .app
            .get("/v1/customers/acme/subscription", self.app.server())
            .await
            .body;
        for volatile in ["created_at", "updated_at", "version"] {
            sub.as_object_mut().unwrap().remove(volatile);
        }
        let invoices = self
            .app
            .get("/v1/customers/acme/invoices", self.app.server())
            .await
            .body;
        let wallet = self
            .app
            .get("/v1/customers/acme/wallet", self.app.server())
            .await
            .body["balances"]
            .clone();
        json!({"subscription": sub, "invoices": invoices, "wallet": wallet})
    }

    async fn audit(&self, action: &str) -> Vec<Value> {
        let r = self
            .app
            .get(
                &format!("/v1/admin/audit?action={action}&limit=500"),
                self.app.admin(),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{r:?}");
        r.body["entries"].as_array().unwrap().clone()
    }
}

#[tokio::test]
async fn a_validly_signed_event_is_logged_answered_and_processed() {
    let s = stripe_app().await;
    let r = s.send("life_02_created").await;
    assert_eq!(r.body, json!({"received": true, "duplicate": false}));
    let log = s.settle().await;
    assert_eq!(log.len(), 1);
    assert_eq!(log[0]["event_id"], "evt_life_02_created");
    assert_eq!(log[0]["type"], "customer.subscription.created");
    assert_eq!(log[0]["status"], "processed", "{log:?}");
    assert_eq!(log[0]["attempts"], 1);

    let sub = s
        .app
        .get("/v1/customers/acme/subscription", s.app.server())
        .await;
    assert_eq!(sub.body["plan"], "pro");
    assert_eq!(sub.body["status"], "active");
    assert_eq!(sub.body["current_period_start"], "2026-11-01T00:00:00Z");
    assert_eq!(sub.body["current_period_end"], "2026-12-01T00:00:00Z");
    // The Stripe customer is linked to ours from the subscription.
    let customer = s.app.get("/v1/customers/acme", s.app.server()).await;
    assert_eq!(customer.body["provider_customer_id"], "cus_QXg1o8vcGmoR32");
}

#[tokio::test]
async fn bad_signatures_are_refused_with_400_and_store_nothing() {
    let s = stripe_app().await;
    let body = fixture("life_02_created");
    let t = now();
    let mut tampered = body.clone();
    let at = tampered.iter().position(|b| *b == b'4').unwrap();
    tampered[at] = b'5';
    let cases: Vec<(&str, Vec<u8>, Option<String>)> = vec![
        (
            "wrong secret",
            body.clone(),
            Some(signature::sign(&body, "whsec_someone_else", t)),
        ),
        (
            "tampered body",
            tampered,
            Some(signature::sign(&body, SECRET, t)),
        ),
        (
            "older than 300 s",
            body.clone(),
            Some(signature::sign(&body, SECRET, t - 301)),
        ),
        (
            "from the future",
            body.clone(),
            Some(signature::sign(&body, SECRET, t + 400)),
        ),
        ("missing header", body.clone(), None),
        (
            "malformed header",
            body.clone(),
            Some("v1=zz,t=soon".into()),
        ),
        (
            "not hex",
            body.clone(),
            Some(format!("t={t},v1=not-a-signature")),
        ),
    ];
    for (what, payload, header) in cases {
        let r = s.deliver(&payload, header).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{what}: {r:?}");
        assert_eq!(r.code(), "invalid_request", "{what}: {r:?}");
        let message = r.body["error"]["message"].as_str().unwrap();
        assert!(!message.contains(SECRET), "{what}: the secret leaks");
    }
    assert!(s.log("").await.is_empty(), "nothing is logged");
    // A signed body that is not an event is refused too.
    let junk = br#"{"hello":"world"}"#;
    let r = s
        .deliver(junk, Some(signature::sign(junk, SECRET, t)))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{r:?}");
    assert!(s.log("").await.is_empty());
    // An oversized body is refused before anything else.
    let big = vec![b' '; 2 * 1024 * 1024];
    let r = s
        .deliver(&big, Some(signature::sign(&big, SECRET, t)))
        .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{r:?}");
    assert_eq!(r.code(), "payload_too_large", "a JSON error: {r:?}");
    assert!(s.log("").await.is_empty());
    let sub = s
        .app
        .get("/v1/customers/acme/subscription", s.app.server())
        .await;
    assert_eq!(sub.status, StatusCode::NOT_FOUND, "{sub:?}");
}

#[tokio::test]
async fn during_a_rotation_either_secret_is_accepted() {
    let s = stripe_app().await;
    let body = fixture("life_02_created");
    let r = s
        .deliver(&body, Some(signature::sign(&body, OLD_SECRET, now())))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    // Stripe sends one v1 per secret while both are active.
    let body = fixture("life_03_paid");
    let t = now();
    let old = signature::sign(&body, OLD_SECRET, t);
    let new = signature::sign(&body, SECRET, t);
    let both = format!("{old},v1={}", new.split_once(",v1=").unwrap().1);
    let r = s.deliver(&body, Some(both)).await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(s.settle().await.len(), 2);
}

#[tokio::test]
async fn the_same_event_a_hundred_times_has_one_effect() {
    let s = stripe_app().await;
    let body = fixture("life_02_created");
    let mut tasks = Vec::new();
    for _ in 0..100 {
        let client = s.app.client.clone();
        let url = format!("{}/v1/webhooks/stripe", s.app.base);
        let body = body.clone();
        let header = signature::sign(&body, SECRET, now());
        tasks.push(tokio::spawn(async move {
            let r = client
                .post(url)
                .header("Stripe-Signature", header)
                .body(body)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::OK);
            r.json::<Value>().await.unwrap()["duplicate"] == json!(false)
        }));
    }
    let mut first = 0;
    for t in tasks {
        if t.await.unwrap() {
            first += 1;
        }
    }
    assert_eq!(first, 1, "exactly one delivery is new");
    let log = s.settle().await;
    assert_eq!(log.len(), 1);
    assert_eq!(log[0]["attempts"], 1, "processed once");
    assert_eq!(s.audit("subscription.adopted").await.len(), 1);
    // Pro's start grant (USD 5.00) was credited once.
    assert_eq!(s.audit("wallet.granted").await.len(), 1);
}

/// The story's events in `order` (indexes into [`LIFE`], repeats allowed), each delivered and
/// processed as it comes, then failures replayed: answers the final state.
async fn live(order: &[usize]) -> Value {
    let s = stripe_app().await;
    for &i in order {
        s.send(LIFE[i]).await;
        s.settle().await;
    }
    s.replay_failed().await;
    let log = s.settle().await;
    assert_eq!(log.len(), LIFE.len(), "every event logged once");
    assert!(
        log.iter()
            .all(|e| e["status"] == "processed" || e["status"] == "ignored"),
        "{log:?}"
    );
    s.state().await
}

#[tokio::test]
async fn a_subscriptions_life_delivered_shuffled_and_duplicated_ends_in_the_in_order_state() {
    let in_order = live(&[0, 1, 2, 3, 4, 5, 6, 7]).await;
    assert_eq!(in_order["subscription"]["plan"], "enterprise");
    assert_eq!(in_order["subscription"]["status"], "active");
    assert_eq!(in_order["subscription"]["cancel_at_period_end"], true);
    assert_eq!(
        in_order["subscription"]["current_period_start"],
        "2026-12-01T00:00:00Z"
    );
    assert_eq!(in_order["subscription"]["grace_ends_at"], Value::Null);
    let invoices = in_order["invoices"]["invoices"].as_array().unwrap();
    assert_eq!(invoices.len(), 2, "{invoices:?}");
    assert!(
        invoices.iter().all(|i| i["status"] == "paid"),
        "a later failure never reopens a paid invoice: {invoices:?}"
    );
    // Pro's start credit (USD 5.00), from the creation event, even though the checkout
    // already brought the newer enterprise state.
    assert_eq!(in_order["wallet"][0]["amount"], "5.000000", "{in_order}");

    let shuffles: [&[usize]; 3] = [
        &[7, 6, 5, 4, 3, 2, 1, 0],
        &[2, 7, 2, 4, 0, 5, 5, 1, 6, 3, 7],
        &[4, 6, 1, 1, 3, 0, 7, 2, 5, 0],
    ];
    for order in shuffles {
        assert_eq!(live(order).await, in_order, "order {order:?}");
    }
}

#[tokio::test]
async fn a_failing_event_is_kept_failed_and_a_replay_processes_it() {
    let s = stripe_app().await;
    // The subscription names a customer Tollgate does not have yet.
    let body = String::from_utf8(fixture("life_02_created"))
        .unwrap()
        .replace(
            "\"tollgate_customer\": \"acme\"",
            "\"tollgate_customer\": \"globex\"",
        );
    let body = body.into_bytes();
    let r = s
        .deliver(&body, Some(signature::sign(&body, SECRET, now())))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let log = s.settle().await;
    assert_eq!(log[0]["status"], "failed", "{log:?}");
    assert!(
        log[0]["error"].as_str().unwrap().contains("globex"),
        "{log:?}"
    );
    assert_eq!(
        s.log("?status=failed&type=customer.subscription.created&provider=stripe")
            .await
            .len(),
        1,
        "the log filters"
    );

    s.app.customer("globex").await;
    let r = s
        .app
        .post(
            "/v1/admin/webhooks/evt_life_02_created/replay",
            s.app.admin(),
            &json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(r.body["outcome"], "processed", "{r:?}");
    let log = s.log("").await;
    assert_eq!(log[0]["status"], "processed");
    assert_eq!(log[0]["attempts"], 2);
    assert_eq!(log[0]["error"], Value::Null);
    let sub = s
        .app
        .get("/v1/customers/globex/subscription", s.app.server())
        .await;
    assert_eq!(sub.body["plan"], "pro", "{sub:?}");
    assert_eq!(sub.body["status"], "active");
    // A replay of a processed event re-reads the subscription at Stripe (the same instant
    // as the state applied) and credits the start once.
    let r = s
        .app
        .post(
            "/v1/admin/webhooks/evt_life_02_created/replay",
            s.app.admin(),
            &json!({}),
        )
        .await;
    assert_eq!(r.body["outcome"], "processed", "{r:?}");
    let wallet = s
        .app
        .get("/v1/customers/globex/wallet", s.app.server())
        .await;
    assert_eq!(
        wallet.body["balances"][0]["amount"], "5.000000",
        "{wallet:?}"
    );
}

#[tokio::test]
async fn every_other_handled_type_has_its_effect() {
    let s = stripe_app().await;
    s.send("life_02_created").await;
    s.settle().await;

    s.send("one_action_required").await;
    s.send("one_trial_will_end").await;
    s.send("one_unhandled").await;
    let log = s.settle().await;
    let status = |id: &str| {
        log.iter()
            .find(|e| e["event_id"] == id)
            .map(|e| e["status"].clone())
            .unwrap()
    };
    assert_eq!(status("evt_one_action_required"), "processed");
    assert_eq!(status("evt_one_trial_will_end"), "processed");
    assert_eq!(status("evt_one_unhandled"), "ignored");
    let invoices = s
        .app
        .get("/v1/customers/acme/invoices", s.app.server())
        .await;
    assert_eq!(
        invoices.body["invoices"][0]["status"], "open",
        "{invoices:?}"
    );
    assert_eq!(s.audit("subscription.trial_will_end").await.len(), 1);

    s.send("one_deleted").await;
    s.settle().await;
    let sub = s
        .app
        .get("/v1/customers/acme/subscription", s.app.server())
        .await;
    assert_eq!(sub.body["status"], "canceled", "{sub:?}");
}

/// `name`'s event with another id, `created` and subscription status.
fn variant(name: &str, id: &str, created: i64, status: &str) -> Vec<u8> {
    let mut event: Value = serde_json::from_slice(&fixture(name)).unwrap();
    event["id"] = json!(id);
    event["created"] = json!(created);
    event["data"]["object"]["status"] = json!(status);
    serde_json::to_vec_pretty(&event).unwrap()
}

#[tokio::test]
async fn two_states_in_the_same_second_end_in_stripes_current_one_either_way() {
    // Stripe's clock counts seconds: `created` (incomplete) and `updated` (active) of one
    // second carry the same instant. Stripe says the subscription is active now.
    let stripe = MockServer::start().await;
    let mut now_at_stripe = object("life_02_created");
    now_at_stripe["status"] = json!("active");
    Mock::given(method("GET"))
        .and(path(format!("/v1/subscriptions/{SUB}")))
        .respond_with(ResponseTemplate::new(200).set_body_json(now_at_stripe))
        .mount(&stripe)
        .await;
    let base = stripe.uri();
    let t = 1_793_491_203;
    let incomplete = variant("life_02_created", "evt_tie_created", t, "incomplete");
    let active = variant("life_04_upgraded", "evt_tie_active", t, "active");
    let mut finals = Vec::new();
    for order in [[&incomplete, &active], [&active, &incomplete]] {
        let app = spawn_app_with(|c| {
            c.mode = Mode::Production;
            c.stripe_secret_key = Some(Secret::new("sk_test_tollgate"));
            c.stripe_api_base = Some(base.clone());
            c.stripe_webhook_secret = Some(Secret::new(SECRET));
        })
        .await;
        app.customer("acme").await;
        let s = StripeApp {
            app,
            _stripe: MockServer::start().await,
        };
        for body in order {
            let r = s
                .deliver(body, Some(signature::sign(body, SECRET, now())))
                .await;
            assert_eq!(r.status, StatusCode::OK, "{r:?}");
            s.settle().await;
        }
        let sub = s
            .app
            .get("/v1/customers/acme/subscription", s.app.server())
            .await;
        finals.push(sub.body["status"].clone());
    }
    assert_eq!(finals, [json!("active"), json!("active")]);
}

#[tokio::test]
async fn stripe_in_demo_mode_is_refused_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = tollgate_server::Config::demo(format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("t.db").display()
    ));
    config.stripe_secret_key = Some(Secret::new("sk_test_tollgate"));
    config.stripe_webhook_secret = Some(Secret::new(SECRET));
    let built = tollgate_server::Application::build(
        config,
        tollgate_server::Overrides {
            clock: None,
            listener: Some(std::net::TcpListener::bind("127.0.0.1:0").unwrap()),
        },
    )
    .await;
    let Err(err) = built else {
        panic!("Stripe in demo mode must be refused")
    };
    let err = err.to_string();
    assert!(err.contains("production"), "{err}");
}

#[tokio::test]
async fn without_stripe_configured_the_endpoint_is_not_found() {
    let app = crate::helpers::spawn_app().await;
    let r = app
        .post_raw("/v1/webhooks/stripe", None, fixture("life_02_created"))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{r:?}");
}

#[tokio::test]
async fn a_stripe_outage_answers_503_and_changes_nothing() {
    let stripe = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503).set_body_json(json!({
            "error": {"type": "api_error", "message": "Stripe is having a moment"}
        })))
        .mount(&stripe)
        .await;
    let base = stripe.uri();
    let app = spawn_app_with(|c| {
        c.mode = Mode::Production;
        c.stripe_secret_key = Some(Secret::new("sk_test_tollgate"));
        c.stripe_api_base = Some(base);
        c.stripe_webhook_secret = Some(Secret::new(SECRET));
    })
    .await;
    app.customer("acme").await;
    let r = app
        .call(
            reqwest::Method::POST,
            "/v1/customers/acme/checkout",
            app.server(),
            Some(&json!({
                "plan": "pro", "interval": "month",
                "success_url": "https://app.example.com/ok",
                "cancel_url": "https://app.example.com/cancel"
            })),
            &[("Idempotency-Key", "checkout-during-outage")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{r:?}");
    assert_eq!(r.code(), "billing_unavailable", "{r:?}");
    // Creating the Stripe customer was tried three times under one key, then given up.
    let tried = stripe.received_requests().await.unwrap();
    assert_eq!(tried.len(), 3, "{tried:?}");
    let keys: std::collections::HashSet<_> = tried
        .iter()
        .map(|r| r.headers.get("idempotency-key").cloned())
        .collect();
    assert_eq!(keys.len(), 1, "one key for every attempt");
    // Nothing changed on Tollgate's side.
    let customer = app.get("/v1/customers/acme", app.server()).await;
    assert_eq!(customer.body["provider_customer_id"], Value::Null);
    let journal = app
        .get("/v1/admin/audit?action=checkout.created", app.admin())
        .await;
    assert_eq!(journal.body["entries"], json!([]), "{journal:?}");
    let sub = app
        .get("/v1/customers/acme/subscription", app.server())
        .await;
    assert_eq!(sub.status, StatusCode::NOT_FOUND);
}
