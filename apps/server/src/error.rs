//! The one place where outcomes become HTTP: status codes and the fixed error body
//! `{"error": {"code", "message", "details"}}`. Unexpected errors are logged with the request's
//! correlation id and answered with an opaque 500.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde_json::{Value, json};
use tollgate_engine::{AccessError, EngineError};

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub details: Value,
    /// Seconds until the window resets (429 only).
    pub retry_after: Option<i64>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            details: json!({}),
            retry_after: None,
        }
    }

    pub fn with_details(mut self, details: Value) -> Self {
        self.details = details;
        self
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_request", message)
    }

    pub fn unauthenticated() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "a valid API key or session token is required (Authorization: Bearer …)",
        )
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, "conflict", message)
    }

    pub fn too_large(limit: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("the request body is over {limit} bytes"),
        )
        .with_details(json!({ "limit_bytes": limit }))
    }

    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "an unexpected error occurred; it was logged with this request's x-request-id",
        )
    }

    /// The JSON body, also used for per-event results of a batch.
    pub fn body(&self) -> Value {
        json!({"error": {"code": self.code, "message": self.message, "details": self.details}})
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {}: {}",
            self.status.as_u16(),
            self.code,
            self.message
        )
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut res = HttpResponse::build(self.status);
        if let Some(secs) = self.retry_after {
            res.insert_header((header::RETRY_AFTER, secs.max(1).to_string()));
        }
        if self.status == StatusCode::UNAUTHORIZED {
            res.insert_header((
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"tollgate\""),
            ));
        }
        res.json(self.body())
    }
}

impl From<EngineError> for ApiError {
    fn from(e: EngineError) -> Self {
        Self::from_engine(e, chrono::Utc::now())
    }
}

impl ApiError {
    /// Like `From`, with the engine's `now` so `Retry-After` follows the engine clock (which
    /// demo and test mode can move).
    pub fn from_engine(e: EngineError, now: tollgate_kernel::Timestamp) -> Self {
        match e {
            EngineError::Invalid(msg) => Self::invalid(msg),
            EngineError::NotFound { entity, id } => {
                Self::not_found(format!("{entity} {id:?} not found"))
                    .with_details(json!({ "entity": entity, "id": id }))
            }
            EngineError::Conflict(msg) => Self::conflict(msg),
            EngineError::QuotaExceeded {
                feature,
                limit,
                used,
                resets_at,
                reason,
            } => {
                let retry_after = resets_at.map(|t| (t - now).num_seconds());
                let mut err = Self::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    "quota_exceeded",
                    format!("quota exceeded for {feature}"),
                )
                .with_details(json!({
                    "feature": feature, "limit": limit, "used": used,
                    "resets_at": resets_at, "reason": reason,
                }));
                err.retry_after = retry_after;
                err
            }
            EngineError::AccountLocked => Self::new(
                StatusCode::PAYMENT_REQUIRED,
                "account_locked",
                "the account is locked after a failed payment; it is read-only until paid",
            ),
            EngineError::InsufficientCredits {
                currency,
                balance,
                needed,
            } => Self::new(
                StatusCode::PAYMENT_REQUIRED,
                "insufficient_credits",
                format!("the wallet holds {balance} {currency}; this costs {needed}"),
            )
            .with_details(json!({
                "currency": currency, "balance": balance.to_string(), "needed": needed.to_string(),
            })),
            EngineError::BillingUnavailable(why) => {
                tracing::warn!(%why, "billing provider unavailable");
                Self::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "billing_unavailable",
                    "the billing provider cannot be reached; nothing was changed, retry later",
                )
            }
            EngineError::Unavailable(why) => {
                tracing::warn!(%why, "store briefly unavailable");
                let mut e = Self::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "unavailable",
                    "a store is briefly unavailable; nothing was changed, retry shortly",
                );
                e.retry_after = Some(1);
                e
            }
            EngineError::Unexpected(source) => {
                tracing::error!(error = %source, source = ?source, "unexpected engine error");
                Self::internal()
            }
        }
    }
}

impl From<AccessError> for ApiError {
    fn from(e: AccessError) -> Self {
        match e {
            AccessError::Duplicate(what) => Self::conflict(format!("{what} already exists")),
            other => {
                tracing::error!(error = %other, "access store error");
                Self::internal()
            }
        }
    }
}

/// actix's own extractor failures (malformed JSON, wrong types, oversized bodies, bad paths
/// and query strings) in the fixed body.
pub mod extractors {
    use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError};
    use actix_web::{Error, HttpRequest};

    use super::ApiError;

    pub fn json(limit: usize) -> impl Fn(JsonPayloadError, &HttpRequest) -> Error + Clone {
        move |e, _| {
            let api = match &e {
                JsonPayloadError::OverflowKnownLength { .. }
                | JsonPayloadError::Overflow { .. } => ApiError::too_large(limit),
                JsonPayloadError::ContentType => {
                    ApiError::invalid("the body must be JSON (Content-Type: application/json)")
                }
                JsonPayloadError::Deserialize(d) => ApiError::invalid(format!("invalid JSON: {d}")),
                JsonPayloadError::Payload(p) => {
                    if matches!(p, actix_web::error::PayloadError::Overflow) {
                        ApiError::too_large(limit)
                    } else {
                        ApiError::invalid("the request body could not be read")
                    }
                }
                _ => ApiError::invalid(format!("invalid request body: {e}")),
            };
            api.into()
        }
    }

    pub fn path(e: PathError, _: &HttpRequest) -> Error {
        ApiError::invalid(format!("invalid path: {e}")).into()
    }

    pub fn query(e: QueryPayloadError, _: &HttpRequest) -> Error {
        ApiError::invalid(format!("invalid query string: {e}")).into()
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
