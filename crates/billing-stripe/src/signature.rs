//! Stripe's webhook signatures: `Stripe-Signature: t=<unix seconds>,v1=<hex>[,v1=<hex>…]`, where
//! each `v1` is HMAC-SHA256 of `"{t}.{raw body}"` keyed with an endpoint secret (`whsec_…`).

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// How old a signature's timestamp may be, as Stripe's own libraries check it.
pub const DEFAULT_TOLERANCE_SECONDS: i64 = 300;

/// Why a webhook's signature was refused. Every case answers 400 and stores nothing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("the Stripe-Signature header is missing")]
    Missing,
    #[error("the Stripe-Signature header is malformed: {0}")]
    Malformed(&'static str),
    #[error("the signature's timestamp is more than {tolerance} seconds away from now")]
    Stale { tolerance: i64 },
    #[error("no v1 signature matches the payload with any configured secret")]
    Mismatch,
}

/// Checks `header` against the raw `payload` with each of `secrets` (several during a
/// rotation), in constant time per comparison, and the timestamp against `now` within
/// `tolerance` seconds either way. Answers the signed timestamp.
///
/// # Errors
/// [`SignatureError`] for a missing or malformed header, a stale timestamp or no match.
pub fn verify(
    header: Option<&str>,
    payload: &[u8],
    secrets: &[String],
    now: i64,
    tolerance: i64,
) -> Result<i64, SignatureError> {
    let header = header.ok_or(SignatureError::Missing)?;
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        let Some((key, value)) = part.trim().split_once('=') else {
            return Err(SignatureError::Malformed("expected key=value pairs"));
        };
        match key {
            "t" => {
                let t = value
                    .parse::<i64>()
                    .map_err(|_| SignatureError::Malformed("t is not a unix timestamp"))?;
                timestamp = Some(t);
            }
            // Other schemes (v0, test-mode extras) are not signatures we check.
            "v1" => {
                if let Ok(bytes) = hex::decode(value) {
                    signatures.push(bytes);
                }
            }
            _ => {}
        }
    }
    let t = timestamp.ok_or(SignatureError::Malformed("no t= timestamp"))?;
    if signatures.is_empty() {
        return Err(SignatureError::Malformed("no v1= signature"));
    }
    if now.abs_diff(t) > tolerance.unsigned_abs() {
        return Err(SignatureError::Stale { tolerance });
    }
    let matched = secrets.iter().any(|secret| {
        signatures.iter().any(|sig| {
            // `verify_slice` compares in constant time.
            keyed(secret, t, payload).verify_slice(sig).is_ok()
        })
    });
    if matched {
        Ok(t)
    } else {
        Err(SignatureError::Mismatch)
    }
}

/// The header Stripe would send for `payload` signed with `secret` at `t` (for tests, replays
/// and `tollgate stripe` tooling).
pub fn sign(payload: &[u8], secret: &str, t: i64) -> String {
    let mac = keyed(secret, t, payload);
    format!("t={t},v1={}", hex::encode(mac.finalize().into_bytes()))
}

fn keyed(secret: &str, t: i64, payload: &[u8]) -> Hmac<Sha256> {
    // HMAC accepts keys of any length.
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret.as_bytes()) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC takes keys of any length"),
    };
    mac.update(t.to_string().as_bytes());
    mac.update(b".");
    mac.update(payload);
    mac
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    const SECRET: &str = "whsec_test123";

    fn secrets() -> Vec<String> {
        vec![SECRET.to_owned()]
    }

    #[test]
    fn a_known_signature_from_stripes_own_library_verifies() {
        // Made by stripe-python 16.1.0: generate_signature_header(payload, "whsec_test123",
        // timestamp=1700000000).
        let payload = b"{\"id\":\"evt_1\",\"object\":\"event\",\"type\":\"customer.created\",\"data\":{\"object\":{}}}\n";
        let header =
            "t=1700000000,v1=e9a324607bceb5ea6300a6902b87046ebe410956cba3b5dec91bd16aa127ba70";
        assert_eq!(sign(payload, SECRET, 1_700_000_000), header);
        assert_eq!(
            verify(Some(header), payload, &secrets(), 1_700_000_100, 300),
            Ok(1_700_000_000)
        );
    }

    #[test]
    fn tampering_a_wrong_secret_or_a_stale_timestamp_is_refused() {
        let payload = br#"{"id":"evt_2"}"#;
        let header = sign(payload, SECRET, 1_000);
        assert_eq!(
            verify(Some(&header), br#"{"id":"evt_3"}"#, &secrets(), 1_000, 300),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(Some(&header), payload, &["whsec_other".into()], 1_000, 300),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(Some(&header), payload, &secrets(), 1_301, 300),
            Err(SignatureError::Stale { tolerance: 300 })
        );
        assert_eq!(
            verify(Some(&header), payload, &secrets(), 1_300, 300),
            Ok(1_000),
            "exactly at the tolerance is still fresh"
        );
        assert_eq!(
            verify(None, payload, &secrets(), 1_000, 300),
            Err(SignatureError::Missing)
        );
        assert!(matches!(
            verify(Some("v1=abc"), payload, &secrets(), 1_000, 300),
            Err(SignatureError::Malformed(_))
        ));
        assert!(matches!(
            verify(Some("t=1000"), payload, &secrets(), 1_000, 300),
            Err(SignatureError::Malformed(_))
        ));
    }

    #[test]
    fn any_of_several_signatures_and_any_of_several_secrets_matches() {
        let payload = br#"{"id":"evt_4"}"#;
        let old = sign(payload, "whsec_old", 5_000);
        let new = sign(payload, "whsec_new", 5_000);
        let v1_new = new.split_once(",v1=").unwrap().1;
        // Stripe sends one v1 per active secret during a rotation.
        let both = format!("{old},v1={v1_new},v0=ignored");
        assert_eq!(
            verify(Some(&both), payload, &["whsec_new".into()], 5_000, 300),
            Ok(5_000)
        );
        assert_eq!(
            verify(
                Some(&old),
                payload,
                &["whsec_new".into(), "whsec_old".into()],
                5_000,
                300
            ),
            Ok(5_000)
        );
    }
}
