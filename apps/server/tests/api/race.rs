//! Exactness under concurrency, through HTTP.

use std::sync::Arc;

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{ADMIN_KEY, spawn_app, spawn_replica, start_time};

/// 200 concurrent requests against a hard limit of 50: exactly 50 × 201 and 150 × 429.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hundred_racers_against_a_limit_of_fifty() {
    let app = Arc::new(spawn_app().await);
    app.customer("racer").await;
    let r = app
        .put(
            "/v1/admin/customers/racer/overrides",
            app.admin(),
            &json!({"overrides": [{"feature": "api_calls", "limit": 50}], "addons": []}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let mut tasks = Vec::new();
    for i in 0..200 {
        let app = app.clone();
        tasks.push(tokio::spawn(async move {
            app.usage("racer", "api_calls", 1, &format!("race-{i}"))
                .await
        }));
    }
    let (mut created, mut refused) = (0, 0);
    for t in tasks {
        let r = t.await.expect("task");
        match r.status {
            StatusCode::CREATED => created += 1,
            StatusCode::TOO_MANY_REQUESTS => {
                assert_eq!(r.code(), "quota_exceeded");
                assert!(r.headers.get("retry-after").is_some());
                assert_eq!(r.body["error"]["details"]["limit"], 50);
                refused += 1;
            }
            other => panic!("unexpected {other}: {r:?}"),
        }
    }
    assert_eq!((created, refused), (50, 150));
    let ents = app
        .get("/v1/customers/racer/entitlements", app.server())
        .await;
    let calls = ents.body["entitlements"]
        .as_array()
        .expect("entitlements")
        .iter()
        .find(|e| e["feature"] == "api_calls")
        .expect("api_calls")
        .clone();
    assert_eq!(
        (calls["used"].as_i64(), calls["limit"].as_i64()),
        (Some(50), Some(50))
    );
    assert_eq!(calls["state"], "at_limit");
}

/// Replicas starting together on a fresh database agree on the key that signs session
/// tokens: a token made by one is accepted by the other.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn replicas_starting_together_accept_each_others_session_tokens() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("replicas.db").display()
    );
    tollgate_store_sql::SqlStore::open(&tollgate_store_sql::SqlOptions::new(url.as_str()))
        .await
        .expect("migrated");
    let (a, b) = tokio::join!(
        spawn_replica(&url, start_time()),
        spawn_replica(&url, start_time())
    );
    let client = reqwest::Client::new();
    let r = client
        .post(format!("{a}/v1/customers"))
        .bearer_auth(ADMIN_KEY)
        .json(&json!({"id": "acme", "name": "Acme"}))
        .send()
        .await
        .expect("customer");
    assert_eq!(r.status(), StatusCode::CREATED);
    for (signer, verifier) in [(&a, &b), (&b, &a)] {
        let session: serde_json::Value = client
            .post(format!("{signer}/v1/customers/acme/sessions"))
            .bearer_auth(ADMIN_KEY)
            .json(&json!({"user_id": "u1", "role": "member"}))
            .send()
            .await
            .expect("session")
            .json()
            .await
            .expect("json");
        let token = session["token"].as_str().expect("token");
        let r = client
            .get(format!("{verifier}/v1/customers/acme"))
            .bearer_auth(token)
            .send()
            .await
            .expect("read");
        assert_eq!(
            r.status(),
            StatusCode::OK,
            "a token from {signer} works on {verifier}"
        );
    }
}
