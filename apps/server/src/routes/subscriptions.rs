//! Selling and changing plans: checkout, portal, the subscription, change (and its preview),
//! cancel, reactivate, trial. Only an owner (or a key) may act; the preview is readable by
//! admins.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};
use tollgate_billing::Subscription;
use tollgate_engine::{ChangePreview, StartCheckout};
use tollgate_kernel::{CustomerId, Interval, PlanCode};

use super::{Ctx, Data, json, ok, operation_id, optional_json};
use crate::auth::Need;
use crate::error::ApiResult;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/customers/{id}/checkout", web::post().to(checkout))
        .route("/customers/{id}/portal", web::post().to(portal))
        .route("/customers/{id}/subscription", web::get().to(subscription))
        .route(
            "/customers/{id}/subscription/change",
            web::post().to(change),
        )
        .route(
            "/customers/{id}/subscription/change/preview",
            web::get().to(preview),
        )
        .route(
            "/customers/{id}/subscription/cancel",
            web::post().to(cancel),
        )
        .route(
            "/customers/{id}/subscription/reactivate",
            web::post().to(reactivate),
        )
        .route("/customers/{id}/trial", web::post().to(trial));
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CheckoutAnswer {
    pub url: String,
    pub session_id: String,
}

#[utoipa::path(post, path = "/v1/customers/{id}/checkout", tag = "billing", params(("id" = String, Path, description = "The customer's id")), request_body = StartCheckout,
    responses((status = 201, description = "A hosted checkout page to send the user to", body = CheckoutAnswer)))]
pub async fn checkout(
    state: Data,
    ctx: Ctx,
    req: HttpRequest,
    id: web::Path<CustomerId>,
    body: web::Json<StartCheckout>,
) -> ApiResult<HttpResponse> {
    ctx.principal.customer(&id, Need::Owner)?;
    let session = state
        .engine
        .checkout(&id, &body, &operation_id(&req, &ctx.principal), &ctx.caller)
        .await?;
    Ok(json(
        StatusCode::CREATED,
        &CheckoutAnswer {
            url: session.url,
            session_id: session.id,
        },
    ))
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PortalBody {
    #[serde(default)]
    pub return_url: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PortalAnswer {
    pub url: String,
}

/// The body is optional: `{"return_url": …}` defaults to this server's home page.
#[utoipa::path(post, path = "/v1/customers/{id}/portal", tag = "billing", params(("id" = String, Path, description = "The customer's id")), request_body(content = Option<PortalBody>, description = "Optional"),
    responses((status = 201, description = "The provider's customer portal", body = PortalAnswer)))]
pub async fn portal(
    state: Data,
    ctx: Ctx,
    id: web::Path<CustomerId>,
    body: web::Bytes,
) -> ApiResult<HttpResponse> {
    ctx.principal.customer(&id, Need::Owner)?;
    let body: PortalBody = optional_json(&body)?;
    let return_url = body
        .return_url
        .unwrap_or_else(|| format!("{}/", state.base_url));
    let session = state.engine.portal(&id, &return_url).await?;
    Ok(json(
        StatusCode::CREATED,
        &PortalAnswer { url: session.url },
    ))
}

#[utoipa::path(get, path = "/v1/customers/{id}/subscription", tag = "billing", params(("id" = String, Path, description = "The customer's id")),
    responses((status = 200, description = "Status, period, trial, scheduled change, grace", body = Subscription)))]
pub async fn subscription(
    state: Data,
    ctx: Ctx,
    id: web::Path<CustomerId>,
) -> ApiResult<HttpResponse> {
    ctx.principal.customer(&id, Need::Member)?;
    Ok(ok(&state.engine.subscription(&id).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeBody {
    pub plan: PlanCode,
    #[serde(default)]
    pub interval: Option<Interval>,
}

#[utoipa::path(post, path = "/v1/customers/{id}/subscription/change", tag = "billing", params(("id" = String, Path, description = "The customer's id")), request_body = ChangeBody,
    responses((status = 200, description = "Upgrades apply now (prorated); downgrades are scheduled for the period end", body = Subscription)))]
pub async fn change(
    state: Data,
    ctx: Ctx,
    req: HttpRequest,
    id: web::Path<CustomerId>,
    body: web::Json<ChangeBody>,
) -> ApiResult<HttpResponse> {
    ctx.principal.customer(&id, Need::Owner)?;
    let sub = state
        .engine
        .change_plan(
            &id,
            &body.plan,
            body.interval,
            &operation_id(&req, &ctx.principal),
            &ctx.caller,
        )
        .await?;
    Ok(ok(&sub))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PreviewQuery {
    pub plan: PlanCode,
    #[serde(default)]
    pub interval: Option<Interval>,
}

#[utoipa::path(get, path = "/v1/customers/{id}/subscription/change/preview", tag = "billing", params(("id" = String, Path, description = "The customer's id"), PreviewQuery),
    responses((status = 200, description = "What the change would do and cost now", body = ChangePreview)))]
pub async fn preview(
    state: Data,
    ctx: Ctx,
    id: web::Path<CustomerId>,
    q: web::Query<PreviewQuery>,
) -> ApiResult<HttpResponse> {
    ctx.principal.customer(&id, Need::Admin)?;
    Ok(ok(&state
        .engine
        .preview_change(&id, &q.plan, q.interval)
        .await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelBody {
    /// `true` (the default) keeps the plan until the period ends.
    #[serde(default = "yes")]
    pub at_period_end: bool,
}

fn yes() -> bool {
    true
}

impl Default for CancelBody {
    fn default() -> Self {
        Self {
            at_period_end: true,
        }
    }
}

#[utoipa::path(post, path = "/v1/customers/{id}/subscription/cancel", tag = "billing", params(("id" = String, Path, description = "The customer's id")), request_body(content = Option<CancelBody>, description = "Optional; at_period_end defaults to true"),
    responses((status = 200, description = "The subscription", body = Subscription)))]
pub async fn cancel(
    state: Data,
    ctx: Ctx,
    id: web::Path<CustomerId>,
    body: web::Bytes,
) -> ApiResult<HttpResponse> {
    ctx.principal.customer(&id, Need::Owner)?;
    let at_period_end = optional_json::<CancelBody>(&body)?.at_period_end;
    Ok(ok(&state
        .engine
        .cancel_subscription(&id, at_period_end, &ctx.caller)
        .await?))
}

#[utoipa::path(post, path = "/v1/customers/{id}/subscription/reactivate", tag = "billing", params(("id" = String, Path, description = "The customer's id")),
    responses((status = 200, description = "The cancellation is undone", body = Subscription)))]
pub async fn reactivate(
    state: Data,
    ctx: Ctx,
    id: web::Path<CustomerId>,
) -> ApiResult<HttpResponse> {
    ctx.principal.customer(&id, Need::Owner)?;
    Ok(ok(&state.engine.reactivate(&id, &ctx.caller).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TrialBody {
    pub plan: PlanCode,
}

#[utoipa::path(post, path = "/v1/customers/{id}/trial", tag = "billing", params(("id" = String, Path, description = "The customer's id")), request_body = TrialBody,
    responses((status = 201, description = "The trialing subscription", body = Subscription)))]
pub async fn trial(
    state: Data,
    ctx: Ctx,
    id: web::Path<CustomerId>,
    body: web::Json<TrialBody>,
) -> ApiResult<HttpResponse> {
    ctx.principal.customer(&id, Need::Owner)?;
    Ok(json(
        StatusCode::CREATED,
        &state
            .engine
            .start_trial(&id, &body.plan, &ctx.caller)
            .await?,
    ))
}
