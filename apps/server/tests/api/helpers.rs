//! `spawn_app()`: a real server on a random port, over a fresh SQLite file, with fake billing,
//! the demo catalog and a manual clock; plus small request helpers.

use std::sync::Arc;

use actix_web::web;
use chrono::{TimeZone, Utc};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tollgate_kernel::ManualClock;
use tollgate_server::config::Secret;
use tollgate_server::state::AppState;
use tollgate_server::{Application, Config, Overrides};

pub const ADMIN_KEY: &str = "tg_admin_test0000000000000000000000000000000000";

/// The manual clock starts here: a Monday, mid-month, so day/week/month windows are distinct.
pub fn start_time() -> tollgate_kernel::Timestamp {
    Utc.with_ymd_and_hms(2026, 11, 16, 10, 0, 0)
        .single()
        .expect("valid start")
}

pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub clock: Arc<ManualClock>,
    pub state: web::Data<AppState>,
    /// A server key made through the API.
    pub server_key: String,
    _dir: tempfile::TempDir,
}

pub struct Answer {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl std::fmt::Debug for Answer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.status, self.body)
    }
}

impl Answer {
    /// The fixed error code, or "" when the body is not an error.
    pub fn code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or("")
    }
}

pub fn catalog_path() -> String {
    format!(
        "{}/../../fixtures/catalogs/saas.toml",
        env!("CARGO_MANIFEST_DIR")
    )
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// [`spawn_app`] with the configuration changed by `configure` before the server starts.
pub async fn spawn_app_with(configure: impl FnOnce(&mut Config)) -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("tollgate.db").display()
    );
    let mut config = Config::demo(url);
    config.admin_key = Some(Secret::new(ADMIN_KEY));
    config.catalog = Some(catalog_path().into());
    config.jobs_interval_seconds = 0;
    configure(&mut config);
    let clock = Arc::new(ManualClock::new(start_time()));
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let app = Application::build(
        config,
        Overrides {
            clock: Some(clock.clone()),
            listener: Some(listener),
        },
    )
    .await
    .expect("app builds");
    let (base, state) = app.spawn();
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let mut app = TestApp {
        base,
        client,
        clock,
        state,
        server_key: String::new(),
        _dir: dir,
    };
    let key = app
        .post(
            "/v1/admin/keys",
            Some(ADMIN_KEY),
            &json!({"name": "tests", "role": "server"}),
        )
        .await;
    assert_eq!(key.status, StatusCode::CREATED, "{key:?}");
    app.server_key = key.body["secret"].as_str().expect("secret").to_owned();
    app
}

/// Another server process on an existing (migrated) database, as a replica or after a
/// restart: operator key [`ADMIN_KEY`], no catalog, no background jobs, its own manual clock
/// at `now`. Answers its base URL.
pub async fn spawn_replica(database_url: &str, now: tollgate_kernel::Timestamp) -> String {
    let mut config = Config::demo(database_url);
    config.admin_key = Some(Secret::new(ADMIN_KEY));
    config.catalog = None;
    config.jobs_interval_seconds = 0;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let app = Application::build(
        config,
        Overrides {
            clock: Some(Arc::new(ManualClock::new(now))),
            listener: Some(listener),
        },
    )
    .await
    .expect("replica builds");
    app.spawn().0
}

/// Sends a request and reads the answer: JSON when it parses, else the text, `null` when empty.
async fn answer(req: reqwest::RequestBuilder) -> Answer {
    let res = req.send().await.expect("request sent");
    let status = res.status();
    let headers = res.headers().clone();
    let text = res.text().await.expect("body");
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    };
    Answer {
        status,
        headers,
        body,
    }
}

impl TestApp {
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        key: Option<&str>,
        body: Option<&Value>,
        headers: &[(&str, &str)],
    ) -> Answer {
        let mut req = self.client.request(method, format!("{}{path}", self.base));
        if let Some(k) = key {
            req = req.bearer_auth(k);
        }
        if let Some(b) = body {
            req = req.json(b);
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        answer(req).await
    }

    pub async fn get(&self, path: &str, key: Option<&str>) -> Answer {
        self.call(Method::GET, path, key, None, &[]).await
    }

    pub async fn post(&self, path: &str, key: Option<&str>, body: &Value) -> Answer {
        self.call(Method::POST, path, key, Some(body), &[]).await
    }

    pub async fn put(&self, path: &str, key: Option<&str>, body: &Value) -> Answer {
        self.call(Method::PUT, path, key, Some(body), &[]).await
    }

    pub async fn delete(&self, path: &str, key: Option<&str>) -> Answer {
        self.call(Method::DELETE, path, key, None, &[]).await
    }

    /// Raw body with a content type (malformed JSON, wrong types).
    pub async fn post_raw(&self, path: &str, key: Option<&str>, body: Vec<u8>) -> Answer {
        let mut req = self
            .client
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/json")
            .body(body);
        if let Some(k) = key {
            req = req.bearer_auth(k);
        }
        answer(req).await
    }

    pub fn server(&self) -> Option<&str> {
        Some(self.server_key.as_str())
    }

    pub fn admin(&self) -> Option<&str> {
        Some(ADMIN_KEY)
    }

    /// Creates a customer (USD) through the API.
    pub async fn customer(&self, id: &str) {
        let r = self
            .post(
                "/v1/customers",
                self.server(),
                &json!({"id": id, "name": format!("{id} Inc")}),
            )
            .await;
        assert!(r.status.is_success(), "{r:?}");
    }

    /// A session token for a user of `customer` with `role`.
    pub async fn session(&self, customer: &str, role: &str) -> String {
        let r = self
            .post(
                &format!("/v1/customers/{customer}/sessions"),
                self.server(),
                &json!({"user_id": format!("{role}-user"), "role": role}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
        r.body["token"].as_str().expect("token").to_owned()
    }

    /// Signs a user of `customer` with `role` in to the web UI through the session's link, as
    /// a browser would: the value of the `tg_session` cookie it sets.
    pub async fn ui_session(&self, customer: &str, role: &str) -> String {
        let r = self
            .post(
                &format!("/v1/customers/{customer}/sessions"),
                self.server(),
                &json!({"user_id": format!("{role}-user"), "role": role}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
        let url = r.body["url"].as_str().expect("url");
        let entry = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client")
            .get(url)
            .send()
            .await
            .expect("the session link");
        assert_eq!(entry.status(), StatusCode::SEE_OTHER, "the link signs in");
        entry
            .headers()
            .get_all(reqwest::header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(|c| c.strip_prefix("tg_session="))
            .and_then(|c| c.split(';').next())
            .expect("a tg_session cookie")
            .to_owned()
    }

    /// Opens a checkout for `plan` and pays it on the fake billing page, as a browser would;
    /// answers the subscription.
    pub async fn subscribe(&self, customer: &str, plan: &str, interval: &str) -> Answer {
        let session = self.checkout(customer, plan, interval).await;
        assert_eq!(self.pay(&session).await, StatusCode::SEE_OTHER);
        self.get(
            &format!("/v1/customers/{customer}/subscription"),
            self.server(),
        )
        .await
    }

    /// Presses Pay on a fake checkout page, as its form does (no key, empty body).
    pub async fn pay(&self, session: &str) -> StatusCode {
        self.client
            .post(format!("{}/fake-billing/checkout/{session}/pay", self.base))
            .send()
            .await
            .expect("pay")
            .status()
    }

    /// Moves the engine clock through the API, running due jobs.
    pub async fn advance(&self, seconds: i64) -> Answer {
        let r = self
            .post(
                "/v1/admin/clock/advance",
                self.admin(),
                &json!({"seconds": seconds}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{r:?}");
        r
    }

    pub async fn usage(&self, customer: &str, feature: &str, quantity: i64, key: &str) -> Answer {
        self.post(
            "/v1/usage",
            self.server(),
            &json!({"customer": customer, "feature": feature, "quantity": quantity, "idempotency_key": key}),
        )
        .await
    }
}

/// Asserts the fixed error body `{"error": {"code", "message", "details"}}` with this status
/// and code.
#[track_caller]
pub fn assert_error(r: &Answer, status: StatusCode, code: &str) {
    assert_eq!((r.status, r.code()), (status, code), "{r:?}");
    let err = &r.body["error"];
    assert!(
        err["message"].as_str().is_some_and(|m| !m.is_empty()),
        "message: {r:?}"
    );
    assert!(err["details"].is_object(), "details: {r:?}");
    let keys: Vec<&String> = r
        .body
        .as_object()
        .map(|o| o.keys().collect())
        .unwrap_or_default();
    assert_eq!(keys, ["error"], "only the error object: {r:?}");
}

impl TestApp {
    /// Any method with a raw body (sent as `application/json` unless a header says otherwise).
    pub async fn raw(
        &self,
        method: Method,
        path: &str,
        key: Option<&str>,
        body: Vec<u8>,
        headers: &[(&str, &str)],
    ) -> Answer {
        let mut req = self
            .client
            .request(method, format!("{}{path}", self.base))
            .body(body);
        if !headers
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case("content-type"))
        {
            req = req.header("content-type", "application/json");
        }
        if let Some(k) = key {
            req = req.bearer_auth(k);
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        answer(req).await
    }

    /// Number of audit entries (up to 1000).
    pub async fn audit_count(&self) -> usize {
        let r = self.get("/v1/admin/audit?limit=1000", self.admin()).await;
        assert_eq!(r.status, StatusCode::OK, "{r:?}");
        r.body["entries"].as_array().expect("entries").len()
    }

    /// One line of a customer's entitlements.
    pub async fn entitlement(&self, customer: &str, feature: &str) -> Value {
        let r = self
            .get(
                &format!("/v1/customers/{customer}/entitlements"),
                self.server(),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{r:?}");
        r.body["entitlements"]
            .as_array()
            .expect("entitlements")
            .iter()
            .find(|e| e["feature"] == feature)
            .unwrap_or_else(|| panic!("no entitlement {feature}: {r:?}"))
            .clone()
    }

    /// Replaces a customer's overrides (operator).
    pub async fn overrides(&self, customer: &str, overrides: Value) {
        let r = self
            .put(
                &format!("/v1/admin/customers/{customer}/overrides"),
                self.admin(),
                &json!({"overrides": overrides, "addons": []}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{r:?}");
    }

    /// Opens a checkout for `customer` and answers its session id (not paid).
    pub async fn checkout(&self, customer: &str, plan: &str, interval: &str) -> String {
        let r = self
            .post(
                &format!("/v1/customers/{customer}/checkout"),
                self.server(),
                &json!({"plan": plan, "interval": interval,
                        "success_url": "https://app.example.com/ok",
                        "cancel_url": "https://app.example.com/cancel"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
        r.body["session_id"]
            .as_str()
            .expect("session id")
            .to_owned()
    }

    /// Adds `business`: $99/month, no trial, no credits.
    pub async fn add_business_plan(&self) {
        let plan = json!({
            "code": "business", "name": "Business", "description": "For larger teams",
            "priority": 30, "trial_days": 0, "active": true, "public": true,
            "prices": [{"currency": "USD", "interval": "month", "amount_minor": 9900, "stripe_price_id": null}],
            "entitlements": [
                {"feature": "api_calls", "limit": 500000, "window": "month", "enforcement": "hard"},
                {"feature": "concurrent_jobs", "limit": 10},
                {"feature": "analytics", "enabled": true}
            ],
            "wallet_grants": []
        });
        let r = self.post("/v1/admin/plans", self.admin(), &plan).await;
        assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    }
}
