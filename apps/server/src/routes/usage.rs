//! The hot path: check, record (single and batch), leases.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError, web};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tollgate_engine::{CheckAnswer, EngineError, Lease, RecordUsage, UsageAnswer};
use tollgate_kernel::{CustomerId, FeatureCode};

use super::{Ctx, Data, json, ok};
use crate::auth::{Need, Principal};
use crate::error::{ApiError, ApiResult};
use crate::middleware::NotKept;

/// Most events in one batch.
pub const MAX_BATCH: usize = 1000;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/check", web::post().to(check))
        .route("/usage", web::post().to(record))
        .route("/leases", web::post().to(acquire))
        .route("/leases/{id}", web::delete().to(release));
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckBody {
    pub customer: CustomerId,
    pub feature: FeatureCode,
    #[serde(default = "one")]
    pub quantity: i64,
}

fn one() -> i64 {
    1
}

/// Would this be allowed? Consumes nothing. A session token may ask about its own customer.
#[utoipa::path(post, path = "/v1/check", tag = "usage", request_body = CheckBody,
    responses((status = 200, description = "Would it be allowed (nothing is consumed)", body = CheckAnswer)))]
pub async fn check(state: Data, ctx: Ctx, body: web::Json<CheckBody>) -> ApiResult<HttpResponse> {
    match &ctx.principal {
        Principal::Customer { .. } => ctx.principal.customer(&body.customer, Need::Member)?,
        _ => ctx.principal.backend()?,
    }
    let answer = state
        .engine
        .check(&body.customer, &body.feature, body.quantity)
        .await
        .map_err(|e| ApiError::from_engine(e, state.engine.now()))?;
    Ok(ok(&answer))
}

fn outcome(e: &EngineError) -> &'static str {
    match e {
        EngineError::QuotaExceeded { .. } => "quota_exceeded",
        EngineError::AccountLocked => "account_locked",
        EngineError::InsufficientCredits { .. } => "insufficient_credits",
        EngineError::Invalid(_) | EngineError::NotFound { .. } => "invalid",
        _ => "error",
    }
}

async fn record_one(
    state: &Data,
    ctx: &Ctx,
    event: RecordUsage,
) -> Result<(UsageAnswer, bool), ApiError> {
    let feature = event.feature.to_string();
    let result = state.engine.record_usage(event, &ctx.caller).await;
    observe(state, &feature, result)
}

/// Counts the outcome (and any threshold warning) and turns an engine error into the answer.
fn observe(
    state: &Data,
    feature: &str,
    result: Result<(UsageAnswer, bool), EngineError>,
) -> Result<(UsageAnswer, bool), ApiError> {
    match result {
        Ok((answer, created)) => {
            let o = if created { "accepted" } else { "duplicate" };
            state.metrics.usage(feature, o);
            if created {
                for threshold in &answer.warnings {
                    state.metrics.quota_warning(feature, *threshold);
                }
            }
            Ok((answer, created))
        }
        Err(e) => {
            // An unknown or invalid feature is the caller's text: never a label of its own.
            let label = match &e {
                EngineError::Invalid(_) | EngineError::NotFound { .. } => "_invalid",
                _ => feature,
            };
            state.metrics.usage(label, outcome(&e));
            Err(ApiError::from_engine(e, state.engine.now()))
        }
    }
}

/// 201 accepted, 200 duplicate (the first answer with `duplicate: true`), 429, 402.
#[utoipa::path(post, path = "/v1/usage", tag = "usage", request_body = RecordUsage,
    responses((status = 201, description = "Accepted and recorded", body = UsageAnswer), (status = 200, description = "Duplicate: the first answer, with duplicate: true", body = UsageAnswer)))]
pub async fn record(
    state: Data,
    ctx: Ctx,
    body: web::Json<RecordUsage>,
) -> ApiResult<HttpResponse> {
    ctx.principal.backend()?;
    let (answer, created) = record_one(&state, &ctx, body.into_inner()).await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok(json(status, &answer))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BatchBody {
    /// Each event is parsed on its own, so one malformed event fails alone.
    pub events: Vec<Value>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BatchResult {
    pub status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub usage: Option<UsageAnswer>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<Value>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BatchAnswer {
    pub results: Vec<BatchResult>,
}

/// Per-event results in order, each as if sent alone; the batch itself answers 200.
#[utoipa::path(post, path = "/v1/usage/batch", tag = "usage", request_body = BatchBody,
    responses((status = 200, description = "One result per event, in order", body = BatchAnswer)))]
pub async fn record_batch(
    state: Data,
    ctx: Ctx,
    body: web::Json<BatchBody>,
) -> ApiResult<HttpResponse> {
    ctx.principal.backend()?;
    let events = body.into_inner().events;
    if events.is_empty() || events.len() > MAX_BATCH {
        return Err(ApiError::invalid(format!(
            "events must hold 1 to {MAX_BATCH} events"
        )));
    }
    // Each event is parsed alone; the valid ones are recorded together, in order.
    let mut parsed: Vec<Result<RecordUsage, ApiError>> = Vec::with_capacity(events.len());
    for raw in events {
        // An object only: serde would also read a positional array as an event.
        parsed.push(if raw.is_object() {
            serde_json::from_value(raw)
                .map_err(|e| ApiError::invalid(format!("invalid event: {e}")))
        } else {
            Err(ApiError::invalid(
                "invalid event: an event must be a JSON object",
            ))
        });
    }
    let valid: Vec<RecordUsage> = parsed
        .iter()
        .filter_map(|p| p.as_ref().ok().cloned())
        .collect();
    let features: Vec<String> = valid.iter().map(|e| e.feature.to_string()).collect();
    let mut recorded = state
        .engine
        .record_usage_batch(valid, &ctx.caller)
        .await
        .into_iter()
        .zip(features)
        .map(|(r, feature)| observe(&state, &feature, r));
    let mut results = Vec::with_capacity(parsed.len());
    for p in parsed {
        let result = match p {
            Ok(_) => recorded.next().unwrap_or_else(|| {
                Err(ApiError::from_engine(
                    EngineError::Unexpected("a batch result is missing".into()),
                    state.engine.now(),
                ))
            }),
            Err(e) => Err(e),
        };
        results.push(match result {
            Ok((answer, created)) => BatchResult {
                status: if created { 201 } else { 200 },
                usage: Some(answer),
                error: None,
            },
            Err(e) => BatchResult {
                status: e.status_code().as_u16(),
                usage: None,
                error: Some(e.body()["error"].clone()),
            },
        });
    }
    let refused = results.iter().any(|r| r.status == 429 || r.status >= 500);
    let mut res = ok(&BatchAnswer { results });
    if refused {
        res.extensions_mut().insert(NotKept);
    }
    Ok(res)
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LeaseBody {
    pub customer: CustomerId,
    pub feature: FeatureCode,
    pub ttl_seconds: i64,
}

/// 201 with `{lease_id, …}`; 429 when every slot is held.
#[utoipa::path(post, path = "/v1/leases", tag = "usage", request_body = LeaseBody,
    responses((status = 201, description = "A lease on one concurrency slot", body = Lease)))]
pub async fn acquire(state: Data, ctx: Ctx, body: web::Json<LeaseBody>) -> ApiResult<HttpResponse> {
    ctx.principal.backend()?;
    let lease = state
        .engine
        .acquire_lease(&body.customer, &body.feature, body.ttl_seconds)
        .await
        .map_err(|e| ApiError::from_engine(e, state.engine.now()))?;
    Ok(json(StatusCode::CREATED, &lease))
}

/// 204; 404 when the lease is unknown, released or expired.
#[utoipa::path(delete, path = "/v1/leases/{id}", tag = "usage", params(("id" = String, Path, description = "The lease id")),
    responses((status = 204, description = "Released")))]
pub async fn release(state: Data, ctx: Ctx, id: web::Path<String>) -> ApiResult<HttpResponse> {
    ctx.principal.backend()?;
    state.engine.release_lease(&id).await?;
    Ok(HttpResponse::NoContent().finish())
}
