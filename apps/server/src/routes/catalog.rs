//! The catalog: public plans, and the operator's plans, features and token prices.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use tollgate_kernel::PlanCode;
use tollgate_plans::{Feature, Plan};
use tollgate_pricing::TokenPrice;

use super::{Ctx, Data, json, ok};
use crate::error::ApiResult;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/plans", web::get().to(public_plans))
        .route("/admin/plans", web::get().to(all_plans))
        .route("/admin/plans", web::post().to(create_plan))
        .route("/admin/plans/{code}", web::put().to(update_plan))
        .route("/admin/plans/{code}", web::delete().to(archive_plan))
        .route("/admin/features", web::get().to(features))
        .route("/admin/features", web::post().to(put_feature))
        .route("/admin/token-prices", web::get().to(token_prices))
        .route("/admin/token-prices", web::put().to(put_token_prices));
}

/// `{"plans": [...]}`: the pricing matrix, no key needed.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PlanList {
    pub plans: Vec<Plan>,
}

#[utoipa::path(get, path = "/v1/plans", tag = "catalog", security(()),
    responses((status = 200, description = "Active public plans, cheapest first: the pricing matrix", body = PlanList)))]
pub async fn public_plans(state: Data) -> ApiResult<HttpResponse> {
    Ok(ok(&PlanList {
        plans: state.engine.public_plans().await?,
    }))
}

#[utoipa::path(get, path = "/v1/admin/plans", tag = "catalog",
    responses((status = 200, description = "Every plan, archived and private included", body = PlanList)))]
pub async fn all_plans(state: Data, ctx: Ctx) -> ApiResult<HttpResponse> {
    ctx.principal.operator()?;
    Ok(ok(&PlanList {
        plans: state.engine.all_plans().await?,
    }))
}

#[utoipa::path(post, path = "/v1/admin/plans", tag = "catalog", request_body = Plan,
    responses((status = 201, description = "Created", body = Plan)))]
pub async fn create_plan(state: Data, ctx: Ctx, body: web::Json<Plan>) -> ApiResult<HttpResponse> {
    ctx.principal.operator()?;
    let plan = state
        .engine
        .create_plan(body.into_inner(), &ctx.caller)
        .await?;
    Ok(json(StatusCode::CREATED, &plan))
}

#[utoipa::path(put, path = "/v1/admin/plans/{code}", tag = "catalog", request_body = Plan,
    params(("code" = String, Path, description = "Plan code")),
    responses((status = 200, description = "Updated", body = Plan)))]
pub async fn update_plan(
    state: Data,
    ctx: Ctx,
    code: web::Path<PlanCode>,
    body: web::Json<Plan>,
) -> ApiResult<HttpResponse> {
    ctx.principal.operator()?;
    let plan = state
        .engine
        .update_plan(&code, body.into_inner(), &ctx.caller)
        .await?;
    Ok(ok(&plan))
}

#[utoipa::path(delete, path = "/v1/admin/plans/{code}", tag = "catalog",
    params(("code" = String, Path, description = "Plan code")),
    responses((status = 200, description = "Archived: no longer sold; subscribers keep it", body = Plan)))]
pub async fn archive_plan(
    state: Data,
    ctx: Ctx,
    code: web::Path<PlanCode>,
) -> ApiResult<HttpResponse> {
    ctx.principal.operator()?;
    Ok(ok(&state.engine.archive_plan(&code, &ctx.caller).await?))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FeatureList {
    pub features: Vec<Feature>,
}

#[utoipa::path(get, path = "/v1/admin/features", tag = "catalog",
    responses((status = 200, description = "The feature catalog", body = FeatureList)))]
pub async fn features(state: Data, ctx: Ctx) -> ApiResult<HttpResponse> {
    ctx.principal.operator()?;
    Ok(ok(&FeatureList {
        features: state.engine.features().await?,
    }))
}

/// 201 when the feature is new, 200 when its name, unit or description changed.
#[utoipa::path(post, path = "/v1/admin/features", tag = "catalog", request_body = Feature,
    responses((status = 201, description = "Created", body = Feature), (status = 200, description = "Updated or unchanged", body = Feature)))]
pub async fn put_feature(
    state: Data,
    ctx: Ctx,
    body: web::Json<Feature>,
) -> ApiResult<HttpResponse> {
    ctx.principal.operator()?;
    let (feature, created) = state
        .engine
        .put_feature(body.into_inner(), &ctx.caller)
        .await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok(json(status, &feature))
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenPrices {
    pub prices: Vec<TokenPrice>,
}

#[utoipa::path(get, path = "/v1/admin/token-prices", tag = "catalog",
    responses((status = 200, description = "Price per million tokens by provider and model", body = TokenPrices)))]
pub async fn token_prices(state: Data, ctx: Ctx) -> ApiResult<HttpResponse> {
    ctx.principal.operator()?;
    Ok(ok(&TokenPrices {
        prices: state.engine.token_prices().await?,
    }))
}

#[utoipa::path(put, path = "/v1/admin/token-prices", tag = "catalog", request_body = TokenPrices,
    responses((status = 200, description = "The table, replaced", body = TokenPrices)))]
pub async fn put_token_prices(
    state: Data,
    ctx: Ctx,
    body: web::Json<TokenPrices>,
) -> ApiResult<HttpResponse> {
    ctx.principal.operator()?;
    let prices = state
        .engine
        .put_token_prices(body.into_inner().prices, &ctx.caller)
        .await?;
    Ok(ok(&TokenPrices { prices }))
}
