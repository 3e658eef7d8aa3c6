//! The v1 API. Handlers are thin: authorize, parse, call one engine use case, answer.

pub mod admin;
pub mod catalog;
pub mod customers;
pub mod fake_billing;
pub mod ops;
pub mod subscriptions;
pub mod usage;
pub mod webhooks;

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};
use serde::Serialize;
use tollgate_engine::Caller;

use crate::auth::Principal;
use crate::error::{ApiError, extractors};
use crate::middleware::{BATCH_BODY_LIMIT, BODY_LIMIT, RequestId, guard_body, idempotency};
use crate::state::AppState;
use actix_web::middleware::from_fn;

pub type Data = web::Data<AppState>;

/// The authenticated caller of a request and its audit identity.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub principal: Principal,
    pub caller: Caller,
    pub request_id: String,
}

impl FromRequest for Ctx {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let principal = Principal::from_request(req, payload);
        let id = RequestId::extract(req);
        Box::pin(async move {
            let principal = principal.await?;
            let request_id = id.await.map(|r| r.0).unwrap_or_default();
            Ok(Ctx {
                caller: AppState::caller(&principal, &request_id),
                principal,
                request_id,
            })
        })
    }
}

pub fn json<T: Serialize>(status: actix_web::http::StatusCode, value: &T) -> HttpResponse {
    HttpResponse::build(status).json(value)
}

pub fn ok<T: Serialize>(value: &T) -> HttpResponse {
    HttpResponse::Ok().json(value)
}

/// The operation id handed to the billing provider (and used as a grant's reference) so a
/// retried call never acts twice: derived from the caller's scope and its `Idempotency-Key`
/// (two callers' keys never meet), or a fresh id without one.
pub fn operation_id(req: &HttpRequest, principal: &Principal) -> String {
    use sha2::{Digest, Sha256};
    match req
        .headers()
        .get(&crate::middleware::IDEMPOTENCY_KEY)
        .and_then(|v| v.to_str().ok())
    {
        Some(key) => {
            let mut h = Sha256::new();
            h.update(principal.scope());
            h.update([0]);
            h.update(key);
            let digest = hex::encode(h.finalize());
            format!("op_{}", digest.get(..32).unwrap_or(&digest))
        }
        None => tollgate_kernel::new_id("op"),
    }
}

/// A body that may be left out: empty means the defaults; anything else must be valid JSON.
pub fn optional_json<T: serde::de::DeserializeOwned + Default>(body: &[u8]) -> Result<T, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    serde_json::from_slice(body).map_err(|e| ApiError::invalid(format!("invalid JSON: {e}")))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.app_data(
        web::JsonConfig::default()
            .limit(BODY_LIMIT)
            .error_handler(extractors::json(BODY_LIMIT)),
    )
    .app_data(web::PayloadConfig::default().limit(BODY_LIMIT))
    .app_data(web::PathConfig::default().error_handler(extractors::path))
    .app_data(web::QueryConfig::default().error_handler(extractors::query))
    .configure(ops::configure)
    .configure(fake_billing::configure)
    .configure(crate::ui::configure)
    // Stripe signs the raw bytes: outside the scope's body guard and idempotency records.
    .service(
        web::resource("/v1/webhooks/stripe")
            .wrap(from_fn(guard_body))
            .route(web::post().to(webhooks::stripe)),
    )
    .service(
        web::scope("/v1")
            // Inner first: the body guard runs before idempotency reads the body.
            .wrap(from_fn(idempotency))
            .wrap(from_fn(guard_body))
            .configure(catalog::configure)
            .configure(customers::configure)
            .configure(subscriptions::configure)
            .service(
                web::scope("/usage/batch")
                    .app_data(
                        web::JsonConfig::default()
                            .limit(BATCH_BODY_LIMIT)
                            .error_handler(extractors::json(BATCH_BODY_LIMIT)),
                    )
                    .route("", web::post().to(usage::record_batch)),
            )
            .configure(usage::configure)
            .configure(admin::configure),
    )
    .default_service(web::to(not_found));
}

async fn not_found(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    Err(ApiError::not_found(format!(
        "no route for {} {}",
        req.method(),
        req.path()
    )))
}
