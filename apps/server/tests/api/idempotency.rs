//! `Idempotency-Key` on mutating routes (DESIGN guarantee 7), on routes that do not dedupe by
//! themselves: a retry replays the first answer and acts once, per caller; a different request
//! under the key is a 409; refusals and failures are not kept.

use std::sync::Arc;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{Answer, TestApp, spawn_app};

/// `POST /v1/admin/keys` as the operator, with these headers.
async fn new_key(app: &TestApp, body: &serde_json::Value, headers: &[(&str, &str)]) -> Answer {
    app.call(
        Method::POST,
        "/v1/admin/keys",
        app.admin(),
        Some(body),
        headers,
    )
    .await
}

async fn key_count(app: &TestApp) -> usize {
    let r = app.get("/v1/admin/keys", app.admin()).await;
    r.body["keys"].as_array().map_or(0, Vec::len)
}

#[tokio::test]
async fn a_retried_key_creation_creates_one_key_and_replays_the_same_secret() {
    let app = spawn_app().await;
    let before = key_count(&app).await;
    let body = json!({"name": "billing worker", "role": "server"});
    let hdr = [("idempotency-key", "create-worker-key")];
    let first = new_key(&app, &body, &hdr).await;
    assert_eq!(first.status, StatusCode::CREATED, "{first:?}");
    assert!(first.headers.get("idempotent-replayed").is_none());
    let again = new_key(&app, &body, &hdr).await;
    assert_eq!(again.status, StatusCode::CREATED);
    assert_eq!(again.headers["idempotent-replayed"], "true");
    assert_eq!(again.body["secret"], first.body["secret"]);
    assert_eq!(key_count(&app).await, before + 1);
    // The same key with another body is refused and creates nothing.
    let other = json!({"name": "another", "role": "server"});
    let clash = new_key(&app, &other, &hdr).await;
    assert_eq!(
        (clash.status, clash.code()),
        (StatusCode::CONFLICT, "conflict")
    );
    assert_eq!(key_count(&app).await, before + 1);
}

/// A percent-encoded spelling of the path is the same route and the same request.
#[tokio::test]
async fn an_encoded_path_is_guarded_and_deduplicated_like_the_plain_one() {
    let app = spawn_app().await;
    let before = key_count(&app).await;
    let body = json!({"name": "encoded", "role": "server"});
    let hdr = [("idempotency-key", "enc-1")];
    let plain = new_key(&app, &body, &hdr).await;
    assert_eq!(plain.status, StatusCode::CREATED, "{plain:?}");
    let encoded = app
        .call(
            Method::POST,
            "/%761/admin/keys",
            app.admin(),
            Some(&body),
            &hdr,
        )
        .await;
    assert!(
        encoded.status == StatusCode::NOT_FOUND
            || encoded.headers.get("idempotent-replayed").is_some(),
        "either not routed or replayed, never run twice: {encoded:?}"
    );
    assert_eq!(key_count(&app).await, before + 1);
    // The body guard applies too: a top-level array never reaches a handler.
    app.customer("acme").await;
    let r = app
        .call(
            Method::PUT,
            "/%761/admin/customers/acme/overrides",
            app.admin(),
            Some(&json!([])),
            &[],
        )
        .await;
    assert!(r.status.is_client_error(), "{r:?}");
}

#[tokio::test]
async fn keys_are_per_caller() {
    let app = spawn_app().await;
    let second = app
        .post(
            "/v1/admin/keys",
            app.admin(),
            &json!({"name": "second backend"}),
        )
        .await;
    let second = second.body["secret"].as_str().expect("secret").to_owned();
    let hdr = [("idempotency-key", "shared-key")];
    let a = app
        .call(
            Method::POST,
            "/v1/customers",
            app.server(),
            Some(&json!({"id": "acme", "name": "Acme"})),
            &hdr,
        )
        .await;
    let b = app
        .call(
            Method::POST,
            "/v1/customers",
            Some(&second),
            Some(&json!({"id": "globex", "name": "Globex"})),
            &hdr,
        )
        .await;
    assert_eq!(
        (a.status, b.status),
        (StatusCode::CREATED, StatusCode::CREATED),
        "{a:?} {b:?}"
    );
    assert_eq!(
        b.body["id"], "globex",
        "the second caller's request ran: {b:?}"
    );
    assert!(b.headers.get("idempotent-replayed").is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_retries_run_once() {
    let app = Arc::new(spawn_app().await);
    let before = key_count(&app).await;
    let mut tasks = Vec::new();
    for _ in 0..16 {
        let app = app.clone();
        tasks.push(tokio::spawn(async move {
            app.call(
                Method::POST,
                "/v1/admin/keys",
                app.admin(),
                Some(&json!({"name": "raced"})),
                &[("idempotency-key", "race-1")],
            )
            .await
        }));
    }
    let mut secrets = std::collections::HashSet::new();
    for t in tasks {
        let r = t.await.expect("task");
        match r.status {
            StatusCode::CREATED => {
                secrets.insert(r.body["secret"].as_str().expect("secret").to_owned());
            }
            StatusCode::CONFLICT => assert_eq!(r.code(), "conflict"),
            other => panic!("unexpected {other}: {r:?}"),
        }
    }
    assert_eq!(secrets.len(), 1, "every success is the same answer");
    assert_eq!(key_count(&app).await, before + 1);
}

/// A 429 (alone, or inside a batch) is not kept: once the limit allows it, the same request
/// under the same key runs.
#[tokio::test]
async fn refusals_are_not_kept() {
    let app = spawn_app().await;
    app.customer("acme").await;
    app.overrides("acme", json!([{"feature": "api_calls", "limit": 1}]))
        .await;
    assert_eq!(
        app.usage("acme", "api_calls", 1, "fill").await.status,
        StatusCode::CREATED
    );
    let event = json!({"customer": "acme", "feature": "api_calls", "quantity": 1, "idempotency_key": "e-1"});
    let batch = json!({"events": [{"customer": "acme", "feature": "api_calls", "quantity": 1, "idempotency_key": "b-1"}]});
    let (single, batched) = send_both(&app, &event, &batch).await;
    assert_eq!(single.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(batched.body["results"][0]["status"], 429, "{batched:?}");

    app.overrides("acme", json!([{"feature": "api_calls", "limit": 10}]))
        .await;
    let (single, batched) = send_both(&app, &event, &batch).await;
    assert_eq!(single.status, StatusCode::CREATED, "{single:?}");
    assert_eq!(batched.body["results"][0]["status"], 201, "{batched:?}");
    assert!(batched.headers.get("idempotent-replayed").is_none());
}

/// The single event and the batch, each under its own `Idempotency-Key`.
async fn send_both(app: &TestApp, event: &Value, batch: &Value) -> (Answer, Answer) {
    let single = app
        .call(
            Method::POST,
            "/v1/usage",
            app.server(),
            Some(event),
            &[("idempotency-key", "u-1")],
        )
        .await;
    let batched = app
        .call(
            Method::POST,
            "/v1/usage/batch",
            app.server(),
            Some(batch),
            &[("idempotency-key", "b-1")],
        )
        .await;
    (single, batched)
}

/// Idempotency records age on the wall clock: moving the demo clock far ahead does not let a
/// retry run again.
#[tokio::test]
async fn the_demo_clock_does_not_age_records() {
    let app = spawn_app().await;
    let before = key_count(&app).await;
    let body = json!({"name": "before the jump"});
    let hdr = [("idempotency-key", "k-clock")];
    let first = new_key(&app, &body, &hdr).await;
    assert_eq!(first.status, StatusCode::CREATED);
    app.advance(30 * 86_400).await;
    // The purge the background runner does.
    let purged = tollgate_server::startup::purge_idempotency_records(&app.state)
        .await
        .expect("purge");
    assert_eq!(purged, 0);
    let again = new_key(&app, &body, &hdr).await;
    assert_eq!(again.headers["idempotent-replayed"], "true", "{again:?}");
    assert_eq!(key_count(&app).await, before + 1);
}
