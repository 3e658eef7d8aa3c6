//! A Stripe double: a local HTTP server (wiremock) that answers with Stripe's own canonical
//! objects (`fixtures/stripe/api`), and the requests the adapter sent to it, read back as
//! Stripe reads them (form bodies and queries decoded, the idempotency key).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use tollgate_billing::{Customer, Subscription};
use tollgate_billing_stripe::{RetryPolicy, StripeBilling, StripeConfig};
use tollgate_kernel::{Currency, CustomerId, Interval, Period, PlanCode};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// The folder of the canonical objects.
pub fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/stripe/api")
}

/// The object of `fixtures/stripe/api/<name>.json`.
pub fn fixture(name: &str) -> Value {
    let file = fixtures_dir().join(format!("{name}.json"));
    let text = std::fs::read_to_string(&file)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", file.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", file.display()))
}

/// A string field of a fixture, by JSON pointer (`/items/data/0/id`).
pub fn field(name: &str, pointer: &str) -> String {
    fixture(name)
        .pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("{name}.json has no string at {pointer}"))
        .to_owned()
}

/// An integer field of a fixture, by JSON pointer.
pub fn int(name: &str, pointer: &str) -> i64 {
    fixture(name)
        .pointer(pointer)
        .and_then(Value::as_i64)
        .unwrap_or_else(|| panic!("{name}.json has no integer at {pointer}"))
}

/// A Stripe list object around `data`, as list endpoints answer.
pub fn list(url: &str, data: Vec<Value>) -> Value {
    json!({ "object": "list", "data": data, "has_more": false, "url": url })
}

/// Retries without waiting long; an attempt's time limit far above a local answer's time.
pub fn quick_retries(attempts: u32) -> RetryPolicy {
    RetryPolicy {
        attempts,
        first_backoff: Duration::from_millis(1),
        timeout: Duration::from_secs(10),
    }
}

pub fn adapter(server: &MockServer, retry: RetryPolicy) -> StripeBilling {
    adapter_at(&server.uri(), retry)
}

pub fn adapter_at(api_base: &str, retry: RetryPolicy) -> StripeBilling {
    StripeBilling::new(&StripeConfig {
        secret_key: "sk_test_tollgate_double".into(),
        api_base: Some(api_base.to_owned()),
        retry,
    })
    .expect("the adapter accepts the double's address")
}

/// Answers `verb path` with `status` and `body`, every time.
pub async fn answer(server: &MockServer, verb: &str, at: &str, status: u16, body: &Value) {
    Mock::given(method(verb))
        .and(path(at))
        .respond_with(ResponseTemplate::new(status).set_body_json(body))
        .named(format!("{verb} {at}"))
        .mount(server)
        .await;
}

/// Answers `verb path` with `response` the first `times` times only, before any answer
/// mounted with [`answer`] (which then takes the requests after).
pub async fn answer_first(
    server: &MockServer,
    verb: &str,
    at: &str,
    times: u64,
    response: ResponseTemplate,
) {
    Mock::given(method(verb))
        .and(path(at))
        .respond_with(response)
        .up_to_n_times(times)
        .with_priority(1)
        .named(format!("{verb} {at} (first {times})"))
        .mount(server)
        .await;
}

/// One request the adapter sent, as Stripe reads it.
#[derive(Debug, Clone)]
pub struct Sent {
    pub method: String,
    pub path: String,
    pub idempotency_key: Option<String>,
    pub content_type: Option<String>,
    /// The form body, percent-decoded (`line_items[0][price]` → value).
    pub form: BTreeMap<String, String>,
    /// The query string, percent-decoded.
    pub query: BTreeMap<String, String>,
}

impl Sent {
    pub fn route(&self) -> String {
        format!("{} {}", self.method, self.path)
    }
}

/// `key=value` pairs of a form or a query; a key sent twice fails the test.
fn decode(what: &str, raw: &[u8]) -> BTreeMap<String, String> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(raw)
        .unwrap_or_else(|e| panic!("the {what} is not url-encoded: {e}"));
    let mut map = BTreeMap::new();
    for (k, v) in pairs {
        if let Some(before) = map.insert(k.clone(), v) {
            panic!("{what} sends {k} twice (first {before:?})");
        }
    }
    map
}

/// The requests the server received, in order.
pub async fn sent(server: &MockServer) -> Vec<Sent> {
    let requests = server
        .received_requests()
        .await
        .expect("request recording is on");
    requests
        .iter()
        .map(|r| {
            let header = |name: &str| {
                r.headers
                    .get(name)
                    .map(|v| v.to_str().expect("an ASCII header").to_owned())
            };
            Sent {
                method: r.method.to_string(),
                path: r.url.path().to_owned(),
                idempotency_key: header("idempotency-key"),
                content_type: header("content-type"),
                form: decode("body", &r.body),
                query: decode("query", r.url.query().unwrap_or("").as_bytes()),
            }
        })
        .collect()
}

/// The expected form or query, for comparing whole with [`Sent::form`].
pub fn params(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    let mut map = BTreeMap::new();
    for (k, v) in pairs {
        assert!(
            map.insert((*k).to_owned(), (*v).to_owned()).is_none(),
            "{k} twice in the expectation"
        );
    }
    map
}

// Tollgate's side of the calls.

pub fn ts(seconds: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(seconds, 0).expect("a valid instant")
}

pub fn acme() -> CustomerId {
    CustomerId::parse("acme").expect("a valid customer id")
}

pub fn plan(code: &str) -> PlanCode {
    PlanCode::parse(code).expect("a valid plan code")
}

/// Acme, linked to the Stripe customer of the fixtures.
pub fn linked_customer() -> Customer {
    let mut c = unlinked_customer();
    c.provider_customer_id = Some(field("customer", "/id"));
    c
}

/// Acme, not yet at Stripe.
pub fn unlinked_customer() -> Customer {
    let mut c = Customer::new(acme(), "Acme Inc.", Currency::USD, ts(1_721_900_000));
    c.email = Some("billing@acme.test".into());
    c
}

/// Acme's Tollgate subscription to `starter` per month, managed by the Stripe subscription of
/// the fixtures. Its own period (`local`) is what Tollgate last knew, which Stripe's answer may
/// correct.
pub fn stripe_subscription(local: Period) -> Subscription {
    let mut s = Subscription::active(
        acme(),
        plan("starter"),
        Interval::Month,
        Currency::USD,
        local,
        ts(1_721_954_054),
    );
    s.provider_customer_id = Some(field("subscription", "/customer"));
    s.provider_subscription_id = Some(field("subscription", "/id"));
    s
}
