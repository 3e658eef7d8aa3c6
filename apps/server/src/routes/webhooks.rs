//! `POST /v1/webhooks/stripe`: Stripe's signed events. The raw body is verified, logged once by
//! event id and answered at once; the event is decoded and applied from the log afterwards (a
//! failure stays `failed` in the log, retried with backoff by the jobs or replayed by hand).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};
use tollgate_billing_stripe::{DEFAULT_TOLERANCE_SECONDS, PROVIDER, signature};
use tollgate_engine::Caller;

use super::{Data, ok};
use crate::error::{ApiError, ApiResult};

#[derive(Debug, Deserialize)]
struct Envelope {
    id: String,
    #[serde(rename = "type")]
    kind: String,
}

/// The answer Stripe gets.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct WebhookReceipt {
    pub received: bool,
    /// The event was logged before: nothing more is done.
    pub duplicate: bool,
}

/// Receives one Stripe event.
#[utoipa::path(post, path = "/v1/webhooks/stripe", tag = "billing", security(()),
    request_body(content = String, description = "The raw event, signed in Stripe-Signature", content_type = "application/json"),
    params(("Stripe-Signature" = String, Header, description = "t=<unix seconds>,v1=<HMAC-SHA256 hex>")),
    responses(
        (status = 200, description = "Logged (or logged before); applied from the log", body = WebhookReceipt),
        (status = 400, description = "Missing, malformed, stale or wrong signature, or not an event; nothing stored"),
        (status = 404, description = "Stripe is not configured on this server")))]
pub async fn stripe(state: Data, req: HttpRequest, body: web::Bytes) -> ApiResult<HttpResponse> {
    if state.webhook_secrets.is_empty() {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "Stripe webhooks are not configured on this server (TOLLGATE_STRIPE_WEBHOOK_SECRET is unset)",
        ));
    }
    let header = req
        .headers()
        .get("Stripe-Signature")
        .and_then(|v| v.to_str().ok());
    // Signatures are checked against the wall clock, whatever the engine's clock says.
    let now = chrono::Utc::now().timestamp();
    if let Err(e) = signature::verify(
        header,
        &body,
        &state.webhook_secrets,
        now,
        DEFAULT_TOLERANCE_SECONDS,
    ) {
        state.metrics.webhook(PROVIDER, "rejected");
        return Err(ApiError::invalid(format!("webhook signature refused: {e}")));
    }
    let payload: serde_json::Value = serde_json::from_slice(&body)
        .map_err(|e| ApiError::invalid(format!("not a Stripe event: {e}")))?;
    let envelope = Envelope::deserialize(&payload)
        .map_err(|e| ApiError::invalid(format!("not a Stripe event: {e}")))?;
    if envelope.id.is_empty() || envelope.id.len() > 255 {
        return Err(ApiError::invalid(
            "the event id must be 1 to 255 characters",
        ));
    }
    let new = state
        .engine
        .receive_raw_event(PROVIDER, &envelope.id, &envelope.kind, payload)
        .await?;
    if new {
        let state = state.clone();
        let id = envelope.id;
        tokio::spawn(async move {
            let caller = Caller::new("webhook:stripe").with_correlation(id.clone());
            match state
                .engine
                .process_billing_event(PROVIDER, &id, false, &caller)
                .await
            {
                Ok(outcome) => state
                    .metrics
                    .webhook(PROVIDER, super::admin::outcome_name(&outcome)),
                Err(e) => {
                    // Still `received` in the log: the jobs take it up.
                    tracing::warn!(event_id = %id, error = %e, "webhook not processed yet");
                }
            }
        });
    } else {
        state.metrics.webhook(PROVIDER, "duplicate");
    }
    Ok(ok(&WebhookReceipt {
        received: true,
        duplicate: !new,
    }))
}
