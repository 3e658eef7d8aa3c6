//! Sending requests to Stripe: async-stripe builds and signs them; this module adds the
//! idempotency key of Tollgate's own operation to every mutating one, retries timeouts, network
//! errors, 429 and 5xx with backoff under that same key, maps failures onto
//! [`BillingError`], and reads answers as untyped JSON for the lenient types of `objects`.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::de::DeserializeOwned;
use stripe::{ApiErrorsCode, ApiErrorsType, Client, IdempotencyKey, RequestStrategy, StripeError};
use stripe_client_core::{RequestBuilder, StripeMethod};
use tollgate_billing::BillingError;

/// How requests are retried.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Attempts in all, the first included.
    pub attempts: u32,
    /// Wait before the second attempt; doubled for each further one.
    pub first_backoff: Duration,
    /// Each attempt's own time limit.
    pub timeout: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            attempts: 3,
            first_backoff: Duration::from_millis(250),
            timeout: Duration::from_secs(10),
        }
    }
}

/// A configured Stripe client.
#[derive(Clone)]
pub struct Api {
    client: Client,
    retry: RetryPolicy,
}

impl std::fmt::Debug for Api {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The client holds the secret key: never print it.
        f.debug_struct("Api")
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

/// One failed attempt, before deciding whether to retry.
enum Attempt {
    Retryable(String),
    Final(BillingError),
}

impl Api {
    /// # Errors
    /// [`BillingError::Invalid`] when the key or the base URL is refused.
    pub fn new(
        secret_key: &str,
        api_base: Option<&str>,
        retry: RetryPolicy,
    ) -> Result<Self, BillingError> {
        let mut builder = stripe::ClientBuilder::new(secret_key).app_info(
            "tollgate",
            Some(env!("CARGO_PKG_VERSION").to_owned()),
            None,
        );
        if let Some(base) = api_base {
            builder = builder.url(base);
        }
        let client = builder.build().map_err(|e| {
            BillingError::Invalid(format!("Stripe client configuration: {}", describe(&e)))
        })?;
        Ok(Self { client, retry })
    }

    /// Sends the request `build` makes (built again for each attempt) and reads the answer.
    /// A mutating request must carry `key`; the same key goes with every attempt, so Stripe
    /// answers a retry with the first attempt's result instead of acting twice.
    ///
    /// # Errors
    /// [`BillingError::Unavailable`] after the last retryable failure; otherwise as mapped
    /// from Stripe's answer (not found, invalid, declined).
    pub async fn send<T: DeserializeOwned>(
        &self,
        what: &str,
        key: Option<&str>,
        build: impl Fn() -> RequestBuilder,
    ) -> Result<T, BillingError> {
        let key = key
            .map(|k| {
                // Stripe's limit is 255 characters; longer operation ids are hashed.
                let k = if k.len() > 255 {
                    hashed(k)
                } else {
                    k.to_owned()
                };
                IdempotencyKey::new(k).map_err(|e| BillingError::Invalid(format!("{e:?}")))
            })
            .transpose()?;
        let mut last = String::new();
        for attempt in 0..self.retry.attempts.max(1) {
            if attempt > 0 {
                let wait = self.retry.first_backoff * 2_u32.saturating_pow(attempt - 1);
                tokio::time::sleep(wait).await;
            }
            let strategy = match &key {
                Some(k) => RequestStrategy::Idempotent(k.clone()),
                None => RequestStrategy::Once,
            };
            let answer = build()
                .customize::<miniserde::json::Value>()
                .request_strategy(strategy)
                .timeout(self.retry.timeout)
                .send(&self.client)
                .await;
            match answer.map_err(classify) {
                Ok(value) => {
                    let text = miniserde::json::to_string(&value);
                    return serde_json::from_str(&text).map_err(|e| {
                        BillingError::Unexpected(
                            format!("Stripe's answer to {what} is not understood: {e}").into(),
                        )
                    });
                }
                Err(Attempt::Final(e)) => return Err(e),
                Err(Attempt::Retryable(why)) => {
                    tracing::warn!(what, attempt = attempt + 1, reason = %why, "Stripe request failed; retrying");
                    last = why;
                }
            }
        }
        Err(BillingError::Unavailable(format!("Stripe {what}: {last}")))
    }

    /// A request the typed builders of the enabled features do not cover.
    /// `form` keys are Stripe's flattened names (`phases[0][items][0][price]`).
    pub fn raw(
        method: StripeMethod,
        path: &str,
        form: &BTreeMap<String, String>,
    ) -> RequestBuilder {
        let builder = RequestBuilder::new(method, path.to_owned());
        if form.is_empty() {
            builder
        } else {
            builder.form(form)
        }
    }
}

fn hashed(key: &str) -> String {
    use sha2::{Digest, Sha256};
    format!("tollgate-{}", hex::encode(Sha256::digest(key.as_bytes())))
}

/// Whether a failure is worth another attempt under the same idempotency key.
fn classify(e: StripeError) -> Attempt {
    match e {
        StripeError::Timeout => Attempt::Retryable("timed out".into()),
        StripeError::ClientError(_) => Attempt::Retryable("could not reach Stripe".into()),
        // A non-JSON error body (a proxy's 502 page): the status is lost, treat it as transient.
        StripeError::JSONDeserialize(m) if m.contains("Stripe error") => {
            Attempt::Retryable("an unreadable error answer".into())
        }
        StripeError::JSONDeserialize(m) => Attempt::Final(BillingError::Unexpected(
            format!("Stripe answer: {m}").into(),
        )),
        StripeError::ConfigError(m) => Attempt::Final(BillingError::Invalid(m)),
        StripeError::Stripe(err, status) => {
            let message = err.message.clone().unwrap_or_else(|| "no message".into());
            match status {
                // The same key with other parameters never succeeds.
                _ if err.type_ == ApiErrorsType::IdempotencyError => {
                    Attempt::Final(BillingError::Invalid(message))
                }
                429 | 409 if err.type_ != ApiErrorsType::CardError => {
                    Attempt::Retryable(format!("{status}: {message}"))
                }
                s if s >= 500 => Attempt::Retryable(format!("{status}: {message}")),
                _ if err.type_ == ApiErrorsType::CardError => {
                    Attempt::Final(BillingError::Declined(message))
                }
                // Our key is wrong or lacks a permission: not the caller's request at fault.
                401 | 403 => Attempt::Final(BillingError::Unexpected(
                    format!("Stripe refused Tollgate's API key ({status})").into(),
                )),
                404 => Attempt::Final(BillingError::NotFound(message)),
                _ if err.code == Some(ApiErrorsCode::ResourceMissing) => {
                    Attempt::Final(BillingError::NotFound(message))
                }
                _ => Attempt::Final(BillingError::Invalid(message)),
            }
        }
    }
}

/// A client-side error in a few words, without the secret.
fn describe(e: &StripeError) -> String {
    match e {
        StripeError::ConfigError(m) | StripeError::ClientError(m) => m.clone(),
        StripeError::Timeout => "timed out".into(),
        StripeError::JSONDeserialize(m) => m.clone(),
        StripeError::Stripe(err, status) => {
            format!("{status}: {}", err.message.clone().unwrap_or_default())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_operation_ids_become_keys_within_stripes_limit() {
        let long = "x".repeat(300);
        let key = hashed(&long);
        assert!(key.len() <= 255);
        assert_eq!(key, hashed(&long), "the same operation gives the same key");
        assert_ne!(key, hashed(&"y".repeat(300)));
    }
}
