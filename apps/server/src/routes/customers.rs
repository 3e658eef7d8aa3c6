//! Customers, their sessions, entitlements, wallet and invoices.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};
use tollgate_billing::Customer;
use tollgate_billing::{Invoice, Role};
use tollgate_engine::{EntitlementStatus, NewCustomer, WalletView};
use tollgate_kernel::{Currency, CustomerId, Timestamp};
use tollgate_plans::CustomerOverrides;
use tollgate_wallet::LedgerEntry;

use super::{Ctx, Data, json, ok, operation_id};
use crate::auth::{IssuedSession, Need, issue_session};
use crate::error::{ApiError, ApiResult};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/customers", web::post().to(create))
        .route("/customers/{id}", web::get().to(get))
        .route("/customers/{id}", web::delete().to(delete))
        .route("/customers/{id}/sessions", web::post().to(create_session))
        .route("/customers/{id}/entitlements", web::get().to(entitlements))
        .route("/customers/{id}/wallet", web::get().to(wallet))
        .route("/customers/{id}/invoices", web::get().to(invoices))
        .route("/admin/customers/{id}/overrides", web::get().to(overrides))
        .route(
            "/admin/customers/{id}/overrides",
            web::put().to(put_overrides),
        )
        .route("/admin/customers/{id}/wallet/grants", web::post().to(grant));
}

/// 201 when created, 200 with the stored customer when the id exists (idempotent on id).
#[utoipa::path(post, path = "/v1/customers", tag = "customers", request_body = NewCustomer,
    responses((status = 201, description = "Created", body = Customer), (status = 200, description = "Exists already (idempotent on id)", body = Customer)))]
pub async fn create(
    state: Data,
    ctx: Ctx,
    body: web::Json<NewCustomer>,
) -> ApiResult<HttpResponse> {
    ctx.principal.backend()?;
    let (customer, created) = state
        .engine
        .create_customer(body.into_inner(), &ctx.caller)
        .await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok(json(status, &customer))
}

#[utoipa::path(get, path = "/v1/customers/{id}", tag = "customers", params(("id" = String, Path, description = "The customer's id (the product's own)")),
    responses((status = 200, description = "The customer", body = Customer)))]
pub async fn get(state: Data, ctx: Ctx, id: web::Path<CustomerId>) -> ApiResult<HttpResponse> {
    ctx.principal.customer(&id, Need::Member)?;
    Ok(ok(&state.engine.customer(&id).await?))
}

/// Cancels the subscription now and closes the customer; its history stays. 204.
#[utoipa::path(delete, path = "/v1/customers/{id}", tag = "customers", params(("id" = String, Path, description = "The customer's id (the product's own)")),
    responses((status = 204, description = "Deleted: subscription canceled now, history kept")))]
pub async fn delete(state: Data, ctx: Ctx, id: web::Path<CustomerId>) -> ApiResult<HttpResponse> {
    ctx.principal.backend()?;
    state.engine.delete_customer(&id, &ctx.caller).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSession {
    pub user_id: String,
    pub role: Role,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Session {
    /// `Authorization: Bearer` for the v1 API, until `expires_at`.
    pub token: String,
    /// Signs this user in to the customer's pages in the web UI (a cookie that ends when
    /// `token` does). Open it within 10 minutes; it is not an API token.
    pub url: String,
    /// When `token` expires.
    #[schema(value_type = String, format = DateTime)]
    pub expires_at: Timestamp,
}

const MAX_USER_ID: usize = 200;

/// A short-lived token for one user of the customer, with a role (owner, admin, member).
#[utoipa::path(post, path = "/v1/customers/{id}/sessions", tag = "customers", params(("id" = String, Path, description = "The customer's id (the product's own)")), request_body = NewSession,
    responses((status = 201, description = "A short-lived session token", body = Session)))]
pub async fn create_session(
    state: Data,
    ctx: Ctx,
    id: web::Path<CustomerId>,
    body: web::Json<NewSession>,
) -> ApiResult<HttpResponse> {
    ctx.principal.backend()?;
    let NewSession { user_id, role } = body.into_inner();
    let user_ok = !user_id.is_empty()
        && user_id.len() <= MAX_USER_ID
        && user_id.chars().all(|c| c.is_ascii_graphic());
    if !user_ok {
        return Err(ApiError::invalid(format!(
            "user_id must be 1 to {MAX_USER_ID} printable characters without spaces"
        )));
    }
    let customer = state.engine.customer(&id).await?;
    // The link signs in to the UI only (not an API token), and only for a few minutes: a
    // URL may end up in a proxy's access log or the browser's history.
    let IssuedSession {
        token,
        link,
        expires_at,
    } = issue_session(&state, &customer.id, user_id, role).await?;
    let url = format!("{}/app?session={link}", state.base_url);
    Ok(json(
        StatusCode::CREATED,
        &Session {
            token,
            url,
            expires_at,
        },
    ))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Entitlements {
    pub customer: CustomerId,
    pub entitlements: Vec<EntitlementStatus>,
}

#[utoipa::path(get, path = "/v1/customers/{id}/entitlements", tag = "customers", params(("id" = String, Path, description = "The customer's id (the product's own)")),
    responses((status = 200, description = "Every feature with its limit, use and state", body = Entitlements)))]
pub async fn entitlements(
    state: Data,
    ctx: Ctx,
    id: web::Path<CustomerId>,
) -> ApiResult<HttpResponse> {
    ctx.principal.customer(&id, Need::Member)?;
    let entitlements = state.engine.entitlements(&id).await?;
    Ok(ok(&Entitlements {
        customer: id.into_inner(),
        entitlements,
    }))
}

#[utoipa::path(get, path = "/v1/customers/{id}/wallet", tag = "wallet", params(("id" = String, Path, description = "The customer's id (the product's own)")),
    responses((status = 200, description = "Balances and ledger", body = WalletView)))]
pub async fn wallet(state: Data, ctx: Ctx, id: web::Path<CustomerId>) -> ApiResult<HttpResponse> {
    ctx.principal.customer(&id, Need::Admin)?;
    Ok(ok(&state.engine.wallet(&id).await?))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct InvoiceList {
    pub invoices: Vec<Invoice>,
}

#[utoipa::path(get, path = "/v1/customers/{id}/invoices", tag = "billing", params(("id" = String, Path, description = "The customer's id (the product's own)")),
    responses((status = 200, description = "Invoices, newest first", body = InvoiceList)))]
pub async fn invoices(state: Data, ctx: Ctx, id: web::Path<CustomerId>) -> ApiResult<HttpResponse> {
    ctx.principal.customer(&id, Need::Admin)?;
    Ok(ok(&InvoiceList {
        invoices: state.engine.invoices(&id).await?,
    }))
}

#[utoipa::path(get, path = "/v1/admin/customers/{id}/overrides", tag = "customers", params(("id" = String, Path, description = "The customer's id (the product's own)")),
    responses((status = 200, description = "Per-customer limits and add-ons", body = CustomerOverrides)))]
pub async fn overrides(
    state: Data,
    ctx: Ctx,
    id: web::Path<CustomerId>,
) -> ApiResult<HttpResponse> {
    ctx.principal.operator()?;
    Ok(ok(&state.engine.overrides(&id).await?))
}

#[utoipa::path(put, path = "/v1/admin/customers/{id}/overrides", tag = "customers", params(("id" = String, Path, description = "The customer's id (the product's own)")), request_body = CustomerOverrides,
    responses((status = 200, description = "Replaced", body = CustomerOverrides)))]
pub async fn put_overrides(
    state: Data,
    ctx: Ctx,
    id: web::Path<CustomerId>,
    body: web::Json<CustomerOverrides>,
) -> ApiResult<HttpResponse> {
    ctx.principal.operator()?;
    Ok(ok(&state
        .engine
        .put_overrides(&id, body.into_inner(), &ctx.caller)
        .await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewGrant {
    pub amount_minor: i64,
    pub currency: Currency,
    #[serde(default)]
    pub expires_after_days: Option<u32>,
    #[serde(default)]
    pub description: Option<String>,
    /// Makes the grant idempotent; defaults to the request's `Idempotency-Key`, else a new id.
    #[serde(default)]
    pub reference: Option<String>,
}

#[utoipa::path(post, path = "/v1/admin/customers/{id}/wallet/grants", tag = "wallet", params(("id" = String, Path, description = "The customer's id (the product's own)")), request_body = NewGrant,
    responses((status = 201, description = "The ledger entry (the first one, for a repeated reference)", body = LedgerEntry)))]
pub async fn grant(
    state: Data,
    ctx: Ctx,
    req: HttpRequest,
    id: web::Path<CustomerId>,
    body: web::Json<NewGrant>,
) -> ApiResult<HttpResponse> {
    ctx.principal.operator()?;
    let g = body.into_inner();
    let reference = g
        .reference
        .unwrap_or_else(|| operation_id(&req, &ctx.principal));
    let entry = state
        .engine
        .grant_credits(
            &id,
            g.amount_minor,
            g.currency,
            g.expires_after_days,
            g.description,
            &reference,
            &ctx.caller,
        )
        .await?;
    Ok(json(StatusCode::CREATED, &entry))
}
