//! Operations: liveness, readiness (the database answers), metrics, the OpenAPI document.

use actix_web::{HttpResponse, ResponseError, web};
use serde_json::json;

use super::Data;
use crate::error::ApiError;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/healthz", web::get().to(healthz))
        .route("/readyz", web::get().to(readyz))
        .route("/metrics", web::get().to(metrics))
        .route("/openapi.json", web::get().to(openapi));
}

/// `{"status": "ok"}` (or `ready`, with the database's state).
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct Status {
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database: Option<String>,
    /// With Redis configured: `redis`, or `database` while Redis is unreachable (`status` is
    /// then `degraded`: still exact, slower).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub counters: Option<String>,
}

#[utoipa::path(get, path = "/healthz", tag = "operations", security(()),
    responses((status = 200, description = "The process answers", body = Status)))]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(Status {
        status: "ok".into(),
        database: None,
        counters: None,
    })
}

#[utoipa::path(get, path = "/readyz", tag = "operations", security(()),
    responses((status = 200, description = "The database answers (`degraded` while Redis is unreachable)", body = Status), (status = 503, description = "The database is unreachable", body = crate::openapi::ErrorBody)))]
pub async fn readyz(state: Data) -> HttpResponse {
    match state.store.db().ping().await {
        Ok(()) => {
            let up = state.engine.hot_path().map(|h| h.is_up());
            HttpResponse::Ok().json(Status {
                status: if up == Some(false) {
                    "degraded"
                } else {
                    "ready"
                }
                .into(),
                database: Some("ok".into()),
                counters: up.map(|up| if up { "redis" } else { "database" }.into()),
            })
        }
        Err(e) => {
            tracing::warn!(error = %tollgate_store_sql::describe_db_error(&e), "readiness: database unreachable");
            ApiError::new(
                actix_web::http::StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "the database is unreachable",
            )
            .with_details(json!({"database": "down"}))
            .error_response()
        }
    }
}

#[utoipa::path(get, path = "/metrics", tag = "operations", security(()),
    responses((status = 200, description = "Prometheus text format", body = String, content_type = "text/plain")))]
pub async fn metrics(state: Data) -> HttpResponse {
    if let Some(hot) = state.engine.hot_path() {
        state.metrics.hot_path(&hot.stats());
    }
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(state.metrics.render())
}

#[utoipa::path(get, path = "/openapi.json", tag = "operations", security(()),
    responses((status = 200, description = "This document", body = Object)))]
pub async fn openapi() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(crate::openapi::document_json())
}
