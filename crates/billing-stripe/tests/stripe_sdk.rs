//! Stripe's official SDK (stripe-python, pinned by `tools/stripe-venv`) as an independent check
//! of Tollgate's webhook signatures: what it signs, Tollgate verifies; what Tollgate signs, it
//! accepts; and both refuse the same forgeries.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use tollgate_billing_stripe::DEFAULT_TOLERANCE_SECONDS;
use tollgate_billing_stripe::signature::{self, SignatureError};
use tollgate_billing_stripe::testing::{sign_with_stripe_sdk, verify_with_stripe_sdk};

const SECRET: &str = "whsec_tollgate_sdk_check";

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// An event as Stripe sends it: pretty-printed, non-ASCII in it, a trailing newline.
fn event_payload() -> Vec<u8> {
    let event = serde_json::json!({
        "id": "evt_1QxTollgateSdk",
        "object": "event",
        "api_version": "2025-09-30.clover",
        "created": 1_795_333_875,
        "livemode": false,
        "pending_webhooks": 1,
        "request": {"id": "req_8f2Kq", "idempotency_key": "tollgate:customer:acme"},
        "type": "customer.subscription.created",
        "data": {"object": {
            "id": "sub_1QxTollgate",
            "object": "subscription",
            "customer": "cus_Acme",
            "status": "active",
            "cancel_at_period_end": false,
            "metadata": {
                "tollgate_customer": "acme",
                "tollgate_plan": "pro",
                "tollgate_interval": "month",
                "note": "Zürich — «billing» ✓"
            },
            "items": {"object": "list", "data": [{
                "id": "si_1",
                "price": {"id": "price_pro_month", "unit_amount": 4900, "currency": "usd",
                          "recurring": {"interval": "month"}},
                "current_period_start": 1_795_333_875,
                "current_period_end": 1_797_925_875
            }]}
        }}
    });
    let mut body = serde_json::to_vec_pretty(&event).unwrap();
    body.push(b'\n');
    body
}

fn secrets(s: &str) -> Vec<String> {
    vec![s.to_owned()]
}

#[test]
fn a_header_the_sdk_makes_verifies_with_ours_and_is_the_one_we_make() {
    let payload = event_payload();
    let t = now();
    let header = sign_with_stripe_sdk(&payload, SECRET, t);
    assert!(header.starts_with(&format!("t={t},v1=")), "{header}");
    assert_eq!(
        signature::verify(
            Some(&header),
            &payload,
            &secrets(SECRET),
            now(),
            DEFAULT_TOLERANCE_SECONDS
        ),
        Ok(t)
    );
    // Among other secrets during a rotation too.
    assert_eq!(
        signature::verify(
            Some(&header),
            &payload,
            &["whsec_previous".to_owned(), SECRET.to_owned()],
            now(),
            DEFAULT_TOLERANCE_SECONDS
        ),
        Ok(t)
    );
    assert_eq!(signature::sign(&payload, SECRET, t), header);
}

#[test]
fn a_header_we_make_passes_the_sdks_construct_event() {
    let payload = event_payload();
    let header = signature::sign(&payload, SECRET, now());
    assert!(verify_with_stripe_sdk(&payload, &header, SECRET));
}

#[test]
fn a_tampered_payload_is_refused_both_ways() {
    let payload = event_payload();
    let tampered = String::from_utf8(payload.clone())
        .unwrap()
        .replace("\"active\"", "\"canceled\"")
        .into_bytes();
    assert_ne!(tampered, payload);
    let t = now();

    let sdk_header = sign_with_stripe_sdk(&payload, SECRET, t);
    assert_eq!(
        signature::verify(
            Some(&sdk_header),
            &tampered,
            &secrets(SECRET),
            now(),
            DEFAULT_TOLERANCE_SECONDS
        ),
        Err(SignatureError::Mismatch)
    );

    let our_header = signature::sign(&payload, SECRET, t);
    assert!(!verify_with_stripe_sdk(&tampered, &our_header, SECRET));
    // One byte less (a trailing newline dropped by a re-serialising proxy) is tampering too.
    assert!(!verify_with_stripe_sdk(
        &payload[..payload.len() - 1],
        &our_header,
        SECRET
    ));
}

#[test]
fn a_wrong_secret_is_refused_both_ways() {
    let payload = event_payload();
    let t = now();

    let sdk_header = sign_with_stripe_sdk(&payload, "whsec_someone_else", t);
    assert_eq!(
        signature::verify(
            Some(&sdk_header),
            &payload,
            &secrets(SECRET),
            now(),
            DEFAULT_TOLERANCE_SECONDS
        ),
        Err(SignatureError::Mismatch)
    );

    let our_header = signature::sign(&payload, "whsec_someone_else", t);
    assert!(!verify_with_stripe_sdk(&payload, &our_header, SECRET));
}

#[test]
fn an_old_timestamp_is_refused_both_ways() {
    let payload = event_payload();
    let old = now() - DEFAULT_TOLERANCE_SECONDS - 60;

    let sdk_header = sign_with_stripe_sdk(&payload, SECRET, old);
    assert_eq!(
        signature::verify(
            Some(&sdk_header),
            &payload,
            &secrets(SECRET),
            now(),
            DEFAULT_TOLERANCE_SECONDS
        ),
        Err(SignatureError::Stale {
            tolerance: DEFAULT_TOLERANCE_SECONDS
        })
    );
    assert!(!verify_with_stripe_sdk(
        &payload,
        &signature::sign(&payload, SECRET, old),
        SECRET
    ));
}
