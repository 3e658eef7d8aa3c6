//! The Stripe adapter against an HTTP double that answers with Stripe's own canonical objects:
//! what it sends (method, path, form parameters, idempotency keys), how it retries, how it
//! reads Stripe's answers and errors.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod double;

use std::time::Duration;

use double::{
    acme, adapter, adapter_at, answer, answer_first, field, fixture, int, linked_customer, list,
    params, plan, quick_retries, sent, stripe_subscription, ts, unlinked_customer,
};
use serde_json::{Value, json};
use tollgate_billing::{
    BillingAdapter, BillingError, BillingEvent, BillingEventKind, CancelRequest, ChangeMode,
    ChangePlanRequest, CheckoutRequest, Invoice, InvoiceLine, InvoiceStatus, MeterReport,
    PortalRequest, ReactivateRequest, SubscriptionStatus,
};
use tollgate_billing_stripe::{RetryPolicy, SyncStep, WantedPrice};
use tollgate_kernel::{Currency, Decimal, FeatureCode, Interval, Money, Period};
use wiremock::{MockServer, ResponseTemplate};

const NEW_PRICE: &str = "price_1PgbPRoB7WZ01zgkWq7mhHq3Z";

fn usd(minor: i64) -> Money {
    Money::new(minor, Currency::USD)
}

/// The period of the subscription fixture's item.
fn stripe_period() -> Period {
    Period::new(
        ts(int("subscription", "/items/data/0/current_period_start")),
        ts(int("subscription", "/items/data/0/current_period_end")),
    )
    .unwrap()
}

/// What Tollgate last knew of the period: not Stripe's, so that using Stripe's shows.
fn local_period() -> Period {
    Period::new(ts(1_722_470_400), ts(1_725_148_800)).unwrap() // 2024-08-01 .. 2024-09-01
}

/// 2024-08-10T00:00:00Z, inside both periods.
const AT: i64 = 1_723_248_000;

fn sub_path() -> String {
    format!("/v1/subscriptions/{}", field("subscription", "/id"))
}

fn checkout_request(trial_days: u32) -> CheckoutRequest {
    CheckoutRequest {
        customer: linked_customer(),
        plan: plan("pro"),
        interval: Interval::Month,
        price: usd(4900),
        provider_price_id: Some(NEW_PRICE.into()),
        trial_days,
        success_url: "https://app.acme.test/billing/success".into(),
        cancel_url: "https://app.acme.test/billing/cancel".into(),
        idempotency_key: "tollgate:checkout:acme:01J3Q8Z6F4".into(),
    }
}

fn change_request(mode: ChangeMode) -> ChangePlanRequest {
    ChangePlanRequest {
        subscription: stripe_subscription(local_period()),
        plan: plan("pro"),
        interval: Interval::Month,
        price: usd(4900),
        old_price: usd(2000),
        provider_price_id: Some(NEW_PRICE.into()),
        mode,
        idempotency_key: "tollgate:change:acme:01J3Q9A1B2".into(),
        at: ts(AT) + chrono::Duration::milliseconds(250),
    }
}

fn tags(plan: &str) -> Vec<(String, String)> {
    vec![
        ("tollgate_customer".into(), "acme".into()),
        ("tollgate_plan".into(), plan.into()),
        ("tollgate_interval".into(), "month".into()),
    ]
}

/// The subscription fixture with some fields replaced, as Stripe answers after a change.
fn subscription_with(changes: &[(&str, Value)]) -> Value {
    let mut sub = fixture("subscription");
    for (pointer, value) in changes {
        *sub.pointer_mut(pointer)
            .unwrap_or_else(|| panic!("the subscription fixture has no {pointer}")) = value.clone();
    }
    sub
}

fn snapshot(event: &BillingEvent) -> (&SubscriptionStatus, bool, &Option<Period>) {
    match &event.kind {
        BillingEventKind::SubscriptionUpdated {
            status,
            cancel_at_period_end,
            period,
            ..
        } => (status, *cancel_at_period_end, period),
        other => panic!("expected a subscription snapshot, got {other:?}"),
    }
}

// a. Checkout

#[tokio::test]
async fn checkout_sends_a_subscription_session_with_tags_and_the_operations_key() {
    let server = MockServer::start().await;
    let session = fixture("checkout.session");
    answer(&server, "POST", "/v1/checkout/sessions", 200, &session).await;
    let stripe = adapter(&server, quick_retries(3));
    let req = checkout_request(14);

    let created = stripe.create_checkout(&req).await.unwrap();

    assert_eq!(created.id, session["id"].as_str().unwrap());
    assert_eq!(created.url, session["url"].as_str().unwrap());
    let sent = sent(&server).await;
    assert_eq!(sent.len(), 1, "{sent:#?}");
    let post = &sent[0];
    assert_eq!(post.route(), "POST /v1/checkout/sessions");
    assert_eq!(
        post.content_type.as_deref(),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(
        post.idempotency_key.as_deref(),
        Some(req.idempotency_key.as_str())
    );
    let mut expected = vec![
        ("mode".to_owned(), "subscription".to_owned()),
        ("customer".into(), field("customer", "/id")),
        ("client_reference_id".into(), "acme".into()),
        ("line_items[0][price]".into(), NEW_PRICE.into()),
        ("line_items[0][quantity]".into(), "1".into()),
        ("success_url".into(), req.success_url.clone()),
        ("cancel_url".into(), req.cancel_url.clone()),
        ("subscription_data[trial_period_days]".into(), "14".into()),
    ];
    for (k, v) in tags("pro") {
        expected.push((format!("metadata[{k}]"), v.clone()));
        expected.push((format!("subscription_data[metadata][{k}]"), v));
    }
    assert_eq!(post.form, expected.into_iter().collect());
}

#[tokio::test]
async fn checkout_without_a_trial_sends_no_trial_period() {
    let server = MockServer::start().await;
    answer(
        &server,
        "POST",
        "/v1/checkout/sessions",
        200,
        &fixture("checkout.session"),
    )
    .await;
    let stripe = adapter(&server, quick_retries(3));

    stripe.create_checkout(&checkout_request(0)).await.unwrap();

    let sent = sent(&server).await;
    assert_eq!(sent.len(), 1);
    let form = &sent[0].form;
    assert!(
        !form.contains_key("subscription_data[trial_period_days]"),
        "{form:#?}"
    );
    assert_eq!(
        form.get("subscription_data[metadata][tollgate_plan]")
            .map(String::as_str),
        Some("pro")
    );
}

#[tokio::test]
async fn checkout_without_a_stripe_price_or_customer_is_refused_before_any_request() {
    let server = MockServer::start().await;
    answer(
        &server,
        "POST",
        "/v1/checkout/sessions",
        200,
        &fixture("checkout.session"),
    )
    .await;
    let stripe = adapter(&server, quick_retries(3));

    let mut no_price = checkout_request(0);
    no_price.provider_price_id = None;
    let err = stripe.create_checkout(&no_price).await.unwrap_err();
    assert!(matches!(err, BillingError::Invalid(_)), "{err:?}");

    let mut no_customer = checkout_request(0);
    no_customer.customer = unlinked_customer();
    let err = stripe.create_checkout(&no_customer).await.unwrap_err();
    assert!(matches!(err, BillingError::Invalid(_)), "{err:?}");

    assert!(sent(&server).await.is_empty());
}

// b. Retries under the same key

#[tokio::test]
async fn a_timed_out_attempt_is_retried_under_the_same_key() {
    let server = MockServer::start().await;
    let session = fixture("checkout.session");
    // The first answer comes far after the attempt's time limit; the second at once.
    answer_first(
        &server,
        "POST",
        "/v1/checkout/sessions",
        1,
        ResponseTemplate::new(200)
            .set_body_json(&session)
            .set_delay(Duration::from_secs(30)),
    )
    .await;
    answer(&server, "POST", "/v1/checkout/sessions", 200, &session).await;
    let stripe = adapter(
        &server,
        RetryPolicy {
            attempts: 3,
            first_backoff: Duration::from_millis(1),
            timeout: Duration::from_secs(1),
        },
    );
    let req = checkout_request(0);

    let created = stripe.create_checkout(&req).await.unwrap();

    assert_eq!(created.id, session["id"].as_str().unwrap());
    let sent = sent(&server).await;
    assert_eq!(sent.len(), 2, "{sent:#?}");
    for s in &sent {
        assert_eq!(s.route(), "POST /v1/checkout/sessions");
        assert_eq!(
            s.idempotency_key.as_deref(),
            Some(req.idempotency_key.as_str())
        );
    }
    assert_eq!(sent[0].form, sent[1].form, "a retry sends the same request");
}

#[tokio::test]
async fn server_errors_and_rate_limits_are_retried_under_the_same_key() {
    for status in [500_u16, 429] {
        let server = MockServer::start().await;
        let mut error = fixture("error.api_error");
        if status == 429 {
            error["error"] = json!({
                "type": "invalid_request_error",
                "code": "rate_limit",
                "message": "Too many requests hit the API too quickly.",
            });
        }
        answer_first(
            &server,
            "POST",
            "/v1/checkout/sessions",
            1,
            ResponseTemplate::new(status).set_body_json(&error),
        )
        .await;
        answer(
            &server,
            "POST",
            "/v1/checkout/sessions",
            200,
            &fixture("checkout.session"),
        )
        .await;
        let stripe = adapter(&server, quick_retries(3));
        let req = checkout_request(0);

        stripe
            .create_checkout(&req)
            .await
            .unwrap_or_else(|e| panic!("after a {status}: {e:?}"));

        let sent = sent(&server).await;
        assert_eq!(sent.len(), 2, "after a {status}: {sent:#?}");
        assert!(
            sent.iter()
                .all(|s| s.idempotency_key.as_deref() == Some(req.idempotency_key.as_str())),
            "after a {status}: {sent:#?}"
        );
    }
}

#[tokio::test]
async fn a_proxys_error_page_is_retried_under_the_same_key() {
    let server = MockServer::start().await;
    answer_first(
        &server,
        "POST",
        "/v1/checkout/sessions",
        1,
        ResponseTemplate::new(502).set_body_raw(
            "<html><body><h1>502 Bad Gateway</h1></body></html>",
            "text/html",
        ),
    )
    .await;
    answer(
        &server,
        "POST",
        "/v1/checkout/sessions",
        200,
        &fixture("checkout.session"),
    )
    .await;
    let stripe = adapter(&server, quick_retries(3));
    let req = checkout_request(0);

    stripe.create_checkout(&req).await.unwrap();

    let sent = sent(&server).await;
    assert_eq!(sent.len(), 2, "{sent:#?}");
    assert!(
        sent.iter()
            .all(|s| s.idempotency_key.as_deref() == Some(req.idempotency_key.as_str()))
    );
}

#[tokio::test]
async fn a_long_operation_id_becomes_one_short_key_for_every_attempt() {
    let server = MockServer::start().await;
    answer_first(
        &server,
        "POST",
        "/v1/checkout/sessions",
        1,
        ResponseTemplate::new(500).set_body_json(fixture("error.api_error")),
    )
    .await;
    answer(
        &server,
        "POST",
        "/v1/checkout/sessions",
        200,
        &fixture("checkout.session"),
    )
    .await;
    let stripe = adapter(&server, quick_retries(3));
    let mut req = checkout_request(0);
    req.idempotency_key = format!("tollgate:checkout:acme:{}", "x".repeat(300));

    stripe.create_checkout(&req).await.unwrap();

    let sent = sent(&server).await;
    assert_eq!(sent.len(), 2);
    let key = sent[0].idempotency_key.clone().unwrap();
    assert!(key.len() <= 255, "Stripe's limit: {key}");
    assert_eq!(sent[1].idempotency_key.as_deref(), Some(key.as_str()));
}

#[tokio::test]
async fn stripe_unavailable_for_every_attempt_is_unavailable() {
    let server = MockServer::start().await;
    answer(
        &server,
        "POST",
        "/v1/checkout/sessions",
        503,
        &fixture("error.api_error"),
    )
    .await;
    let stripe = adapter(&server, quick_retries(3));
    let req = checkout_request(0);

    let err = stripe.create_checkout(&req).await.unwrap_err();

    assert!(matches!(err, BillingError::Unavailable(_)), "{err:?}");
    let sent = sent(&server).await;
    assert_eq!(sent.len(), 3, "attempts = 3");
    assert!(
        sent.iter()
            .all(|s| s.idempotency_key.as_deref() == Some(req.idempotency_key.as_str()))
    );
}

#[tokio::test]
async fn a_dropped_connection_is_retried_then_unavailable() {
    // A server that accepts each connection and closes it without answering.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let accepted = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = accepted.clone();
    let server = tokio::spawn(async move {
        loop {
            let Ok((socket, _)) = listener.accept().await else {
                return;
            };
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            drop(socket);
        }
    });
    let stripe = adapter_at(&format!("http://{address}"), quick_retries(2));

    let err = stripe
        .create_checkout(&checkout_request(0))
        .await
        .unwrap_err();

    assert!(matches!(err, BillingError::Unavailable(_)), "{err:?}");
    assert_eq!(accepted.load(std::sync::atomic::Ordering::SeqCst), 2);
    server.abort();
}

// c. Errors that are final

#[tokio::test]
async fn a_declined_card_is_declined_and_not_retried() {
    let server = MockServer::start().await;
    let error = fixture("error.card_declined");
    answer(&server, "POST", "/v1/checkout/sessions", 402, &error).await;
    let stripe = adapter(&server, quick_retries(3));

    let err = stripe
        .create_checkout(&checkout_request(0))
        .await
        .unwrap_err();

    match err {
        BillingError::Declined(message) => {
            assert_eq!(message, error["error"]["message"].as_str().unwrap());
        }
        other => panic!("expected Declined, got {other:?}"),
    }
    assert_eq!(sent(&server).await.len(), 1);
}

#[tokio::test]
async fn a_missing_subscription_is_not_found_and_not_retried() {
    let server = MockServer::start().await;
    answer(
        &server,
        "GET",
        &sub_path(),
        404,
        &fixture("error.resource_missing"),
    )
    .await;
    let stripe = adapter(&server, quick_retries(3));

    let err = stripe
        .cancel(&CancelRequest {
            subscription: stripe_subscription(local_period()),
            at_period_end: false,
            idempotency_key: "tollgate:cancel:acme:1".into(),
            at: ts(AT),
        })
        .await
        .unwrap_err();

    assert!(matches!(err, BillingError::NotFound(_)), "{err:?}");
    assert_eq!(sent(&server).await.len(), 1);
}

#[tokio::test]
async fn an_invalid_request_is_invalid_and_not_retried() {
    let server = MockServer::start().await;
    answer(
        &server,
        "POST",
        "/v1/checkout/sessions",
        400,
        &fixture("error.invalid_request"),
    )
    .await;
    let stripe = adapter(&server, quick_retries(3));

    let err = stripe
        .create_checkout(&checkout_request(0))
        .await
        .unwrap_err();

    assert!(matches!(err, BillingError::Invalid(_)), "{err:?}");
    assert_eq!(sent(&server).await.len(), 1);
}

// d. Portal

#[tokio::test]
async fn portal_sends_the_customer_and_return_url_with_a_key() {
    let server = MockServer::start().await;
    let portal = fixture("billing_portal.session");
    answer(&server, "POST", "/v1/billing_portal/sessions", 200, &portal).await;
    let stripe = adapter(&server, quick_retries(3));

    let session = stripe
        .create_portal(&PortalRequest {
            customer: linked_customer(),
            return_url: "https://app.acme.test/billing".into(),
        })
        .await
        .unwrap();

    assert_eq!(session.url, portal["url"].as_str().unwrap());
    let sent = sent(&server).await;
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].route(), "POST /v1/billing_portal/sessions");
    assert_eq!(
        sent[0].form,
        params(&[
            ("customer", &field("customer", "/id")),
            ("return_url", "https://app.acme.test/billing"),
        ])
    );
    assert!(
        sent[0]
            .idempotency_key
            .as_deref()
            .is_some_and(|k| !k.is_empty()),
        "{:?}",
        sent[0]
    );
}

// e. Upgrade now

#[tokio::test]
async fn an_immediate_change_swaps_the_item_price_with_proration_and_answers_a_snapshot() {
    let server = MockServer::start().await;
    answer(&server, "GET", &sub_path(), 200, &fixture("subscription")).await;
    // Stripe answers the subscription on the new price; the proration invoice's payment failed.
    let updated = subscription_with(&[
        ("/items/data/0/price/id", json!(NEW_PRICE)),
        ("/status", json!("past_due")),
    ]);
    answer(&server, "POST", &sub_path(), 200, &updated).await;
    let stripe = adapter(&server, quick_retries(3));
    let req = change_request(ChangeMode::Immediate);

    let events = stripe.change_plan(&req).await.unwrap();

    let sent = sent(&server).await;
    let routes: Vec<String> = sent.iter().map(|s| s.route()).collect();
    assert_eq!(
        routes,
        [
            format!("GET {}", sub_path()),
            format!("POST {}", sub_path())
        ]
    );
    let update = &sent[1];
    assert_eq!(
        update.idempotency_key.as_deref(),
        Some(req.idempotency_key.as_str())
    );
    let mut expected = vec![
        (
            "items[0][id]".to_owned(),
            field("subscription", "/items/data/0/id"),
        ),
        ("items[0][price]".into(), NEW_PRICE.into()),
        ("proration_behavior".into(), "always_invoice".into()),
        // A declined proration charge leaves the subscription as it was; no proration_date,
        // so a retry under the same key sends the same parameters.
        ("payment_behavior".into(), "error_if_incomplete".into()),
    ];
    for (k, v) in tags("pro") {
        expected.push((format!("metadata[{k}]"), v));
    }
    assert_eq!(update.form, expected.into_iter().collect());

    assert_eq!(
        events,
        vec![BillingEvent {
            id: format!("call:{}", req.idempotency_key),
            provider: "stripe".into(),
            occurred_at: ts(AT),
            kind: BillingEventKind::SubscriptionUpdated {
                customer: acme(),
                started: false,
                provider_customer_id: Some(field("subscription", "/customer")),
                provider_subscription_id: Some(field("subscription", "/id")),
                plan: Some(plan("pro")),
                interval: Some(Interval::Month),
                status: SubscriptionStatus::PastDue,
                period: Some(stripe_period()),
                trial_end: Some(ts(int("subscription", "/trial_end"))),
                cancel_at_period_end: false,
                provider_updated_at: ts(AT),
            },
        }]
    );
}

// f. Downgrade at period end

fn expected_phases(start: i64) -> std::collections::BTreeMap<String, String> {
    let mut expected = vec![
        ("end_behavior".to_owned(), "release".to_owned()),
        ("proration_behavior".into(), "none".into()),
        (
            "phases[0][items][0][price]".into(),
            field("subscription", "/items/data/0/price/id"),
        ),
        ("phases[0][items][0][quantity]".into(), "1".into()),
        ("phases[0][start_date]".into(), start.to_string()),
        (
            "phases[0][end_date]".into(),
            stripe_period().end.timestamp().to_string(),
        ),
        ("phases[1][items][0][price]".into(), NEW_PRICE.into()),
        ("phases[1][items][0][quantity]".into(), "1".into()),
    ];
    for (k, v) in tags("pro") {
        expected.push((format!("phases[1][metadata][{k}]"), v));
    }
    expected.into_iter().collect()
}

#[tokio::test]
async fn a_change_at_period_end_schedules_the_new_price_after_the_current_period() {
    let server = MockServer::start().await;
    let schedule = fixture("subscription_schedule");
    let schedule_path = format!(
        "/v1/subscription_schedules/{}",
        schedule["id"].as_str().unwrap()
    );
    answer(&server, "GET", &sub_path(), 200, &fixture("subscription")).await;
    answer(
        &server,
        "POST",
        "/v1/subscription_schedules",
        200,
        &schedule,
    )
    .await;
    answer(&server, "POST", &schedule_path, 200, &schedule).await;
    let stripe = adapter(&server, quick_retries(3));
    let req = change_request(ChangeMode::AtPeriodEnd);

    let events = stripe.change_plan(&req).await.unwrap();

    assert!(events.is_empty(), "Stripe says so by webhook: {events:?}");
    let sent = sent(&server).await;
    let routes: Vec<String> = sent.iter().map(|s| s.route()).collect();
    assert_eq!(
        routes,
        [
            format!("GET {}", sub_path()),
            "POST /v1/subscription_schedules".to_owned(),
            format!("POST {schedule_path}"),
        ]
    );
    let create = &sent[1];
    assert_eq!(
        create.form,
        params(&[("from_subscription", &field("subscription", "/id"))])
    );
    assert_eq!(
        create.idempotency_key,
        Some(format!("{}:schedule", req.idempotency_key))
    );
    let update = &sent[2];
    // The first phase keeps the current phase's start as Stripe made it; it ends with
    // Stripe's period.
    assert_eq!(
        update.form,
        expected_phases(int("subscription_schedule", "/current_phase/start_date"))
    );
    assert_eq!(
        update.idempotency_key,
        Some(format!("{}:phases", req.idempotency_key))
    );
}

#[tokio::test]
async fn a_change_at_period_end_reuses_the_subscriptions_schedule() {
    let server = MockServer::start().await;
    let schedule = fixture("subscription_schedule");
    let schedule_id = schedule["id"].as_str().unwrap().to_owned();
    let schedule_path = format!("/v1/subscription_schedules/{schedule_id}");
    answer(
        &server,
        "GET",
        &sub_path(),
        200,
        &subscription_with(&[("/schedule", json!(schedule_id))]),
    )
    .await;
    answer(&server, "GET", &schedule_path, 200, &schedule).await;
    answer(
        &server,
        "POST",
        "/v1/subscription_schedules",
        200,
        &schedule,
    )
    .await;
    answer(&server, "POST", &schedule_path, 200, &schedule).await;
    let stripe = adapter(&server, quick_retries(3));
    let req = change_request(ChangeMode::AtPeriodEnd);

    let events = stripe.change_plan(&req).await.unwrap();

    assert!(events.is_empty());
    let sent = sent(&server).await;
    let routes: Vec<String> = sent.iter().map(|s| s.route()).collect();
    assert_eq!(
        routes,
        [
            format!("GET {}", sub_path()),
            format!("GET {schedule_path}"),
            format!("POST {schedule_path}"),
        ],
        "no second schedule"
    );
    assert_eq!(
        sent[2].form,
        expected_phases(int("subscription_schedule", "/current_phase/start_date"))
    );
    assert_eq!(
        sent[2].idempotency_key,
        Some(format!("{}:phases", req.idempotency_key))
    );
}

// g. Preview

#[tokio::test]
async fn a_preview_reads_the_proration_lines_of_stripes_invoice() {
    let server = MockServer::start().await;
    answer(&server, "GET", &sub_path(), 200, &fixture("subscription")).await;
    answer(
        &server,
        "POST",
        "/v1/invoices/create_preview",
        200,
        &fixture("invoice"),
    )
    .await;
    let stripe = adapter(&server, quick_retries(3));
    let req = change_request(ChangeMode::Immediate);

    let proration = stripe.preview_change(&req).await.unwrap();

    let sent = sent(&server).await;
    assert_eq!(sent.len(), 2, "{sent:#?}");
    assert_eq!(sent[1].route(), "POST /v1/invoices/create_preview");
    assert_eq!(
        sent[1].form,
        params(&[
            ("customer", &field("subscription", "/customer")),
            ("subscription", &field("subscription", "/id")),
            (
                "subscription_details[items][0][id]",
                &field("subscription", "/items/data/0/id")
            ),
            ("subscription_details[items][0][price]", NEW_PRICE),
            ("subscription_details[proration_behavior]", "always_invoice"),
            ("subscription_details[proration_date]", &AT.to_string()),
        ])
    );
    // The money is Stripe's proration lines (the next period's fee is not one of them).
    assert_eq!(proration.unused_credit, usd(-1000));
    assert_eq!(proration.remaining_charge, usd(2500));
    assert_eq!(proration.total, usd(1500));
    assert_eq!(proration.at, req.at);
    // The share of the period left is of Stripe's period, not the one Tollgate last knew.
    let period = stripe_period();
    let left = Decimal::from((period.end - req.at).num_seconds());
    assert_eq!(
        proration.fraction,
        left / Decimal::from(period.seconds()),
        "{proration:?}"
    );
}

// h. Cancel and reactivate

#[tokio::test]
async fn cancel_at_period_end_sets_the_flag_and_answers_the_snapshot() {
    let server = MockServer::start().await;
    let cancelling = subscription_with(&[("/cancel_at_period_end", json!(true))]);
    answer(&server, "GET", &sub_path(), 200, &fixture("subscription")).await;
    answer(&server, "POST", &sub_path(), 200, &cancelling).await;
    let stripe = adapter(&server, quick_retries(3));
    let req = CancelRequest {
        subscription: stripe_subscription(local_period()),
        at_period_end: true,
        idempotency_key: "tollgate:cancel:acme:01J3QA".into(),
        at: ts(AT),
    };

    let events = stripe.cancel(&req).await.unwrap();

    let sent = sent(&server).await;
    assert_eq!(sent.len(), 2, "no schedule to release");
    assert_eq!(sent[1].route(), format!("POST {}", sub_path()));
    assert_eq!(sent[1].form, params(&[("cancel_at_period_end", "true")]));
    assert_eq!(
        sent[1].idempotency_key.as_deref(),
        Some(req.idempotency_key.as_str())
    );
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].id, format!("call:{}", req.idempotency_key));
    assert_eq!(
        snapshot(&events[0]),
        (&SubscriptionStatus::Active, true, &Some(stripe_period()))
    );
    match &events[0].kind {
        BillingEventKind::SubscriptionUpdated { plan: p, .. } => {
            assert_eq!(p, &Some(plan("starter")), "the plan it is on");
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn cancel_now_deletes_the_subscription() {
    let server = MockServer::start().await;
    let canceled = subscription_with(&[
        ("/status", json!("canceled")),
        ("/canceled_at", json!(AT)),
        ("/ended_at", json!(AT)),
    ]);
    // A downgrade is pending: its schedule is released before the cancel.
    let scheduled = subscription_with(&[("/schedule", json!("sub_sched_pending"))]);
    answer(&server, "GET", &sub_path(), 200, &scheduled).await;
    answer(
        &server,
        "POST",
        "/v1/subscription_schedules/sub_sched_pending/release",
        200,
        &fixture("subscription_schedule"),
    )
    .await;
    answer(&server, "DELETE", &sub_path(), 200, &canceled).await;
    let stripe = adapter(&server, quick_retries(3));
    let req = CancelRequest {
        subscription: stripe_subscription(local_period()),
        at_period_end: false,
        idempotency_key: "tollgate:cancel:acme:01J3QB".into(),
        at: ts(AT),
    };

    let events = stripe.cancel(&req).await.unwrap();

    let sent = sent(&server).await;
    let routes: Vec<String> = sent.iter().map(|s| s.route()).collect();
    assert_eq!(
        routes,
        [
            format!("GET {}", sub_path()),
            "POST /v1/subscription_schedules/sub_sched_pending/release".to_owned(),
            format!("DELETE {}", sub_path()),
        ]
    );
    assert_eq!(
        sent[1].idempotency_key,
        Some(format!("{}:release", req.idempotency_key))
    );
    assert!(sent[2].form.is_empty(), "{:?}", sent[2].form);
    assert_eq!(
        sent[2].idempotency_key.as_deref(),
        Some(req.idempotency_key.as_str())
    );
    assert_eq!(events.len(), 1);
    assert_eq!(snapshot(&events[0]).0, &SubscriptionStatus::Canceled);
}

#[tokio::test]
async fn reactivate_clears_the_flag_and_answers_the_snapshot() {
    let server = MockServer::start().await;
    answer(&server, "POST", &sub_path(), 200, &fixture("subscription")).await;
    let stripe = adapter(&server, quick_retries(3));
    let mut subscription = stripe_subscription(local_period());
    subscription.cancel_at_period_end = true;
    let req = ReactivateRequest {
        subscription,
        idempotency_key: "tollgate:reactivate:acme:01J3QC".into(),
        at: ts(AT),
    };

    let events = stripe.reactivate(&req).await.unwrap();

    let sent = sent(&server).await;
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].route(), format!("POST {}", sub_path()));
    assert_eq!(sent[0].form, params(&[("cancel_at_period_end", "false")]));
    assert_eq!(
        sent[0].idempotency_key.as_deref(),
        Some(req.idempotency_key.as_str())
    );
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].id, format!("call:{}", req.idempotency_key));
    assert_eq!(
        snapshot(&events[0]),
        (&SubscriptionStatus::Active, false, &Some(stripe_period()))
    );
}

// i. Metered usage

#[tokio::test]
async fn usage_is_a_meter_event_keyed_by_the_event_id() {
    let server = MockServer::start().await;
    answer(
        &server,
        "POST",
        "/v1/billing/meter_events",
        200,
        &fixture("billing.meter_event"),
    )
    .await;
    let stripe = adapter(&server, quick_retries(3));
    let report = MeterReport {
        customer: linked_customer(),
        feature: FeatureCode::parse("api_request").unwrap(),
        quantity: 25,
        event_id: "usage-01J3QD".into(),
        at: ts(AT),
    };

    stripe.report_usage(&report).await.unwrap();

    let sent = sent(&server).await;
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].route(), "POST /v1/billing/meter_events");
    assert_eq!(
        sent[0].form,
        params(&[
            ("event_name", "api_request"),
            ("identifier", "usage-01J3QD"),
            ("payload[stripe_customer_id]", &field("customer", "/id")),
            ("payload[value]", "25"),
            ("timestamp", &AT.to_string()),
        ])
    );
    assert_eq!(
        sent[0].idempotency_key.as_deref(),
        Some("tollgate:meter:usage-01J3QD")
    );
}

// j. Invoices

#[tokio::test]
async fn invoices_are_listed_newest_first_in_tollgates_terms() {
    let server = MockServer::start().await;
    let invoice = fixture("invoice");
    let mut later = invoice.clone();
    later["id"] = json!("in_1Pgc6tB7WZ01zgkWlaterINV");
    later["created"] = json!(1_234_567_990);
    later["status"] = json!("paid");
    answer(
        &server,
        "GET",
        "/v1/invoices",
        200,
        &list("/v1/invoices", vec![invoice.clone(), later]),
    )
    .await;
    let stripe = adapter(&server, quick_retries(3));

    let invoices = stripe.list_invoices(&linked_customer()).await.unwrap();

    let sent = sent(&server).await;
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].route(), "GET /v1/invoices");
    assert_eq!(
        sent[0].query,
        params(&[("customer", &field("customer", "/id")), ("limit", "100")])
    );
    let ids: Vec<&str> = invoices.iter().map(|i| i.id.as_str()).collect();
    assert_eq!(
        ids,
        ["in_1Pgc6tB7WZ01zgkWlaterINV", "in_1Pgc6tB7WZ01zgkWu9fdqL6I"]
    );
    assert_eq!(invoices[0].status, InvoiceStatus::Paid);

    let id = invoice["id"].as_str().unwrap().to_owned();
    let line = |i: usize, proration: bool, start: i64, end: i64| InvoiceLine {
        description: invoice["lines"]["data"][i]["description"]
            .as_str()
            .unwrap()
            .to_owned(),
        amount_minor: invoice["lines"]["data"][i]["amount"].as_i64().unwrap(),
        quantity: 1,
        proration,
        period: Some(Period::new(ts(start), ts(end)).unwrap()),
    };
    let next_period = Period::new(ts(1_724_632_454), ts(1_727_310_854)).unwrap();
    assert_eq!(
        invoices[1],
        Invoice {
            id: id.clone(),
            customer: acme(),
            number: None,
            status: InvoiceStatus::Draft,
            currency: Currency::USD,
            amount_due: 6400,
            amount_paid: 0,
            // The period of its subscription fee line.
            period: Some(next_period),
            lines: vec![
                line(0, true, AT, 1_724_632_454),
                line(1, true, AT, 1_724_632_454),
                line(2, false, 1_724_632_454, 1_727_310_854),
            ],
            hosted_url: Some(field("invoice", "/hosted_invoice_url")),
            provider_invoice_id: Some(id),
            created_at: ts(int("invoice", "/created")),
        }
    );
    assert_eq!(invoices[1].lines_total(), 6400);
}

#[tokio::test]
async fn a_customer_not_at_stripe_has_no_invoices_and_nothing_is_asked() {
    let server = MockServer::start().await;
    let stripe = adapter(&server, quick_retries(3));

    let invoices = stripe.list_invoices(&unlinked_customer()).await.unwrap();

    assert!(invoices.is_empty());
    assert!(sent(&server).await.is_empty());
}

// k. Catalog sync

fn wanted_pro() -> WantedPrice {
    WantedPrice {
        plan: plan("pro"),
        plan_name: "Pro".into(),
        currency: Currency::USD,
        interval: Interval::Month,
        amount_minor: 4900,
    }
}

#[tokio::test]
async fn a_missing_price_is_created_with_its_product() {
    let server = MockServer::start().await;
    answer(
        &server,
        "GET",
        "/v1/prices",
        200,
        &list("/v1/prices", vec![]),
    )
    .await;
    let mut missing = fixture("error.resource_missing");
    missing["error"]["message"] = json!("No such product: 'tollgate_pro'");
    answer(&server, "GET", "/v1/products/tollgate_pro", 404, &missing).await;
    answer(&server, "POST", "/v1/products", 200, &fixture("product")).await;
    answer(&server, "POST", "/v1/prices", 200, &fixture("price")).await;
    let stripe = adapter(&server, quick_retries(3));
    let wanted = wanted_pro();
    let lookup_key = wanted.lookup_key();

    let plan_lines = stripe
        .plan_sync(std::slice::from_ref(&wanted))
        .await
        .unwrap();

    assert_eq!(plan_lines.len(), 1);
    assert_eq!(plan_lines[0].step, SyncStep::Create);
    assert_eq!(plan_lines[0].lookup_key, lookup_key);
    {
        let sent = sent(&server).await;
        assert_eq!(sent.len(), 1);
        assert_eq!(sent[0].route(), "GET /v1/prices");
        assert_eq!(
            sent[0].query,
            params(&[
                ("lookup_keys[0]", &lookup_key),
                ("active", "true"),
                ("limit", "100"),
            ])
        );
    }

    let done = stripe.apply_sync(&plan_lines).await.unwrap();

    assert_eq!(done, vec![(wanted, field("price", "/id"))]);
    let sent = sent(&server).await;
    let routes: Vec<String> = sent.iter().map(|s| s.route()).collect();
    assert_eq!(
        routes,
        [
            "GET /v1/prices",
            "GET /v1/products/tollgate_pro",
            "POST /v1/products",
            "POST /v1/prices",
        ]
    );
    assert_eq!(
        sent[2].form,
        params(&[
            ("id", "tollgate_pro"),
            ("name", "Pro"),
            ("metadata[tollgate_plan]", "pro"),
        ])
    );
    assert_eq!(
        sent[2].idempotency_key.as_deref(),
        Some("tollgate:product:tollgate_pro")
    );
    assert_eq!(
        sent[3].form,
        params(&[
            ("currency", "usd"),
            ("product", "tollgate_pro"),
            ("unit_amount", "4900"),
            ("transfer_lookup_key", "true"),
            ("recurring[interval]", "month"),
            ("lookup_key", &lookup_key),
            ("metadata[tollgate_plan]", "pro"),
            ("metadata[tollgate_interval]", "month"),
        ])
    );
    assert_eq!(
        sent[3].idempotency_key,
        Some(format!("tollgate:price:{lookup_key}"))
    );
}

#[tokio::test]
async fn a_renamed_plan_renames_its_product() {
    let server = MockServer::start().await;
    let product = {
        let mut p = fixture("product");
        p["id"] = json!("tollgate_pro");
        p
    };
    answer(&server, "GET", "/v1/products/tollgate_pro", 200, &product).await;
    answer(&server, "POST", "/v1/products/tollgate_pro", 200, &product).await;
    answer(&server, "POST", "/v1/prices", 200, &fixture("price")).await;
    let stripe = adapter(&server, quick_retries(3));
    let wanted = wanted_pro();
    let line = tollgate_billing_stripe::SyncLine {
        lookup_key: wanted.lookup_key(),
        wanted,
        step: SyncStep::Create,
    };

    stripe.apply_sync(&[line]).await.unwrap();

    let sent = sent(&server).await;
    let routes: Vec<String> = sent.iter().map(|s| s.route()).collect();
    assert_eq!(
        routes,
        [
            "GET /v1/products/tollgate_pro",
            "POST /v1/products/tollgate_pro",
            "POST /v1/prices",
        ]
    );
    assert_eq!(sent[1].form, params(&[("name", "Pro")]));
}

#[tokio::test]
async fn an_existing_price_is_linked_and_nothing_is_created() {
    let server = MockServer::start().await;
    let wanted = wanted_pro();
    let mut price = fixture("price");
    price["lookup_key"] = json!(wanted.lookup_key());
    answer(
        &server,
        "GET",
        "/v1/prices",
        200,
        &list("/v1/prices", vec![price]),
    )
    .await;
    let stripe = adapter(&server, quick_retries(3));

    let plan_lines = stripe
        .plan_sync(std::slice::from_ref(&wanted))
        .await
        .unwrap();

    let price_id = field("price", "/id");
    assert_eq!(
        plan_lines[0].step,
        SyncStep::Link {
            price_id: price_id.clone()
        }
    );
    let done = stripe.apply_sync(&plan_lines).await.unwrap();
    assert_eq!(done, vec![(wanted, price_id)]);
    let sent = sent(&server).await;
    assert_eq!(sent.len(), 1, "only the price list: {sent:#?}");
}

#[tokio::test]
async fn prices_are_looked_up_ten_lookup_keys_at_a_time() {
    let server = MockServer::start().await;
    answer(
        &server,
        "GET",
        "/v1/prices",
        200,
        &list("/v1/prices", vec![]),
    )
    .await;
    let stripe = adapter(&server, quick_retries(3));
    let wanted: Vec<WantedPrice> = (1..=12)
        .map(|i| WantedPrice {
            amount_minor: 1000 * i,
            ..wanted_pro()
        })
        .collect();

    let plan_lines = stripe.plan_sync(&wanted).await.unwrap();

    assert_eq!(plan_lines.len(), 12);
    let sent = sent(&server).await;
    assert_eq!(sent.len(), 2);
    let keys = |i: usize| {
        sent[i]
            .query
            .keys()
            .filter(|k| k.starts_with("lookup_keys["))
            .count()
    };
    assert_eq!((keys(0), keys(1)), (10, 2));
    assert_eq!(
        sent[1].query.get("lookup_keys[1]"),
        Some(&wanted[11].lookup_key())
    );
}

// l. Customers

#[tokio::test]
async fn a_new_customer_is_created_with_its_tollgate_id() {
    let server = MockServer::start().await;
    answer(&server, "POST", "/v1/customers", 200, &fixture("customer")).await;
    let stripe = adapter(&server, quick_retries(3));

    let id = stripe.ensure_customer(&unlinked_customer()).await.unwrap();

    assert_eq!(id, field("customer", "/id"));
    let sent = sent(&server).await;
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].route(), "POST /v1/customers");
    assert_eq!(
        sent[0].form,
        params(&[
            ("name", "Acme Inc."),
            ("email", "billing@acme.test"),
            ("metadata[tollgate_customer]", "acme"),
        ])
    );
    assert_eq!(
        sent[0].idempotency_key.as_deref(),
        Some("tollgate:customer:acme")
    );
}

#[tokio::test]
async fn a_customer_already_at_stripe_is_not_created_again() {
    let server = MockServer::start().await;
    let stripe = adapter(&server, quick_retries(3));

    let id = stripe.ensure_customer(&linked_customer()).await.unwrap();

    assert_eq!(id, field("customer", "/id"));
    assert!(sent(&server).await.is_empty());
}
