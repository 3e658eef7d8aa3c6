//! Operations: liveness, readiness (the database answers), metrics, the OpenAPI document.

use actix_web::{HttpResponse, web};
use serde_json::json;

use super::Data;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/healthz", web::get().to(healthz))
        .route("/readyz", web::get().to(readyz))
        .route("/metrics", web::get().to(metrics))
        .route("/openapi.json", web::get().to(openapi));
}

pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

pub async fn readyz(state: Data) -> HttpResponse {
    match state.store.db().ping().await {
        Ok(()) => HttpResponse::Ok().json(json!({"status": "ready", "database": "ok"})),
        Err(e) => {
            tracing::warn!(error = %tollgate_store_sql::describe_db_error(&e), "readiness: database unreachable");
            HttpResponse::ServiceUnavailable().json(json!({
                "error": {"code": "unavailable", "message": "the database is unreachable", "details": {"database": "down"}}
            }))
        }
    }
}

pub async fn metrics(state: Data) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(state.metrics.render())
}

pub async fn openapi() -> HttpResponse {
    HttpResponse::Ok().json(crate::openapi::document())
}
