//! The operator's console API: webhook log and replay, audit, tenants, analytics, keys, the
//! demo clock and fake card failures.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use serde_json::json;
use tollgate_engine::{
    Analytics, ApiKeyRecord, ApplyOutcome, AuditEntry, AuditQuery, BillingEventRecord, Caller,
    CustomerSummary, EngineError, EventStatus, JobReport, KeyRole, WebhookQuery,
};
use tollgate_kernel::{CustomerId, Timestamp};

use super::{Ctx, Data, fake_billing, json, ok};
use crate::auth::create_key;
use crate::error::{ApiError, ApiResult};
use crate::startup::CLOCK_OFFSET_SETTING;
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin/webhooks", web::get().to(webhooks))
        .route("/admin/webhooks/{event_id}/replay", web::post().to(replay))
        .route("/admin/audit", web::get().to(audit))
        .route("/admin/customers", web::get().to(customers))
        .route("/admin/analytics", web::get().to(analytics))
        .route("/admin/keys", web::get().to(keys))
        .route("/admin/keys", web::post().to(new_key))
        .route("/admin/keys/{id}", web::delete().to(revoke_key))
        .route("/admin/clock/advance", web::post().to(advance_clock))
        .route(
            "/admin/fake-billing/customers/{id}/payment-method",
            web::post().to(payment_method),
        );
}

/// One line of the webhook log.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct WebhookItem {
    pub event_id: String,
    pub provider: String,
    #[serde(rename = "type")]
    pub event_type: String,
    pub status: EventStatus,
    #[schema(value_type = String, format = DateTime)]
    pub received_at: Timestamp,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub processed_at: Option<Timestamp>,
    pub attempts: i32,
    pub error: Option<String>,
}

impl From<BillingEventRecord> for WebhookItem {
    fn from(r: BillingEventRecord) -> Self {
        Self {
            event_id: r.event_id,
            provider: r.provider,
            event_type: r.event_type,
            status: r.status,
            received_at: r.received_at,
            processed_at: r.processed_at,
            attempts: r.attempts,
            error: r.error,
        }
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct WebhookFilter {
    pub provider: Option<String>,
    pub status: Option<EventStatus>,
    #[serde(rename = "type")]
    pub event_type: Option<String>,
    pub limit: Option<usize>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct WebhookList {
    pub events: Vec<WebhookItem>,
}

const MAX_LIST: usize = 1000;

#[utoipa::path(get, path = "/v1/admin/webhooks", tag = "admin", params(WebhookFilter),
    responses((status = 200, description = "The billing event log, newest first", body = WebhookList)))]
pub async fn webhooks(
    state: Data,
    ctx: Ctx,
    q: web::Query<WebhookFilter>,
) -> ApiResult<HttpResponse> {
    ctx.principal.operator()?;
    let q = q.into_inner();
    let records = state
        .engine
        .billing_events(&WebhookQuery {
            provider: q.provider,
            status: q.status,
            event_type: q.event_type,
            limit: Some(q.limit.unwrap_or(100).clamp(1, MAX_LIST)),
        })
        .await?;
    Ok(ok(&WebhookList {
        events: records.into_iter().map(WebhookItem::from).collect(),
    }))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReplayAnswer {
    pub event_id: String,
    pub provider: String,
    /// `processed`, `ignored`, `failed`, or `duplicate` (another worker holds it right now).
    pub outcome: &'static str,
    pub error: Option<String>,
}

/// Re-applies a logged event through the normal path; applying it again converges to the same
/// state, so a replay never double-counts.
#[utoipa::path(post, path = "/v1/admin/webhooks/{event_id}/replay", tag = "admin", params(("event_id" = String, Path, description = "The provider's event id")),
    responses((status = 200, description = "Re-applied through the normal path", body = ReplayAnswer)))]
pub async fn replay(state: Data, ctx: Ctx, event_id: web::Path<String>) -> ApiResult<HttpResponse> {
    ctx.principal.operator()?;
    Ok(ok(&replay_event(&state, &event_id, &ctx.caller).await?))
}

/// Re-applies the logged event `event_id` (whichever provider logged it) through the normal
/// path: the API's replay and the console's Replay button.
///
/// # Errors
/// [`ApiError`] not found for an unknown event; store failures.
pub async fn replay_event(
    state: &AppState,
    event_id: &str,
    caller: &Caller,
) -> Result<ReplayAnswer, ApiError> {
    for provider in ["stripe", "fake"] {
        match state
            .engine
            .process_billing_event(provider, event_id, true, caller)
            .await
        {
            Ok(outcome) => {
                let name = outcome_name(&outcome);
                let error = match outcome {
                    ApplyOutcome::Ignored(why) | ApplyOutcome::Failed(why) => Some(why),
                    ApplyOutcome::Processed | ApplyOutcome::Duplicate => None,
                };
                state.metrics.webhook(provider, name);
                return Ok(ReplayAnswer {
                    event_id: event_id.to_owned(),
                    provider: provider.to_owned(),
                    outcome: name,
                    error,
                });
            }
            Err(EngineError::NotFound { .. }) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(ApiError::not_found(format!(
        "billing event {event_id:?} not found"
    )))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AuditFilter {
    pub entity: Option<String>,
    pub action: Option<String>,
    pub actor: Option<String>,
    pub limit: Option<usize>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AuditList {
    pub entries: Vec<AuditEntry>,
}

#[utoipa::path(get, path = "/v1/admin/audit", tag = "admin", params(AuditFilter),
    responses((status = 200, description = "The audit journal, newest first", body = AuditList)))]
pub async fn audit(state: Data, ctx: Ctx, q: web::Query<AuditFilter>) -> ApiResult<HttpResponse> {
    ctx.principal.operator()?;
    let q = q.into_inner();
    let entries = state
        .engine
        .audit(&AuditQuery {
            entity: q.entity,
            action: q.action,
            actor: q.actor,
            limit: Some(q.limit.unwrap_or(100).clamp(1, MAX_LIST)),
        })
        .await?;
    Ok(ok(&AuditList { entries }))
}

#[utoipa::path(get, path = "/v1/admin/customers", tag = "admin",
    responses((status = 200, description = "Tenants with plan, usage and MRR", body = CustomerList)))]
pub async fn customers(state: Data, ctx: Ctx) -> ApiResult<HttpResponse> {
    ctx.principal.operator()?;
    Ok(ok(&CustomerList {
        customers: state.engine.customer_summaries().await?,
    }))
}

#[utoipa::path(get, path = "/v1/admin/analytics", tag = "admin",
    responses((status = 200, description = "MRR, counts by status, churn and conversion over 30 days, by plan", body = Analytics)))]
pub async fn analytics(state: Data, ctx: Ctx) -> ApiResult<HttpResponse> {
    ctx.principal.operator()?;
    Ok(ok(&state.engine.analytics().await?))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CustomerList {
    pub customers: Vec<CustomerSummary>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct KeyList {
    pub keys: Vec<KeyView>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PaymentMethodAnswer {
    pub customer: CustomerId,
    pub fails: bool,
    /// Billing events the change produced (an invoice paid, the subscription active again).
    pub events: usize,
}

/// A key as listed: never its hash or secret.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct KeyView {
    pub id: String,
    pub name: String,
    pub role: KeyRole,
    pub prefix: String,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub revoked_at: Option<Timestamp>,
}

impl From<ApiKeyRecord> for KeyView {
    fn from(k: ApiKeyRecord) -> Self {
        Self {
            id: k.id,
            name: k.name,
            role: k.role,
            prefix: k.prefix,
            created_at: k.created_at,
            revoked_at: k.revoked_at,
        }
    }
}

#[utoipa::path(get, path = "/v1/admin/keys", tag = "admin",
    responses((status = 200, description = "API keys (never their secrets)", body = KeyList)))]
pub async fn keys(state: Data, ctx: Ctx) -> ApiResult<HttpResponse> {
    ctx.principal.operator()?;
    let keys: Vec<KeyView> = state
        .access
        .list_keys()
        .await?
        .into_iter()
        .map(KeyView::from)
        .collect();
    Ok(ok(&KeyList { keys }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewKey {
    pub name: String,
    #[serde(default = "server_role")]
    pub role: KeyRole,
}

fn server_role() -> KeyRole {
    KeyRole::Server
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CreatedKey {
    #[serde(flatten)]
    pub key: KeyView,
    /// Shown once; only its SHA-256 is stored.
    pub secret: String,
}

#[utoipa::path(post, path = "/v1/admin/keys", tag = "admin", request_body = NewKey,
    responses((status = 201, description = "The key, with its secret shown once", body = CreatedKey)))]
pub async fn new_key(state: Data, ctx: Ctx, body: web::Json<NewKey>) -> ApiResult<HttpResponse> {
    ctx.principal.operator()?;
    let name = body.name.trim();
    if name.is_empty() || name.len() > 100 {
        return Err(ApiError::invalid("name must be 1 to 100 characters"));
    }
    let (record, secret) =
        create_key(state.access.as_ref(), name, body.role, state.engine.now()).await?;
    state
        .engine
        .record_journal(
            &ctx.caller,
            "api_key.created",
            format!("api_key:{}", record.id),
            None,
            Some(json!({"name": record.name, "role": record.role, "prefix": record.prefix})),
        )
        .await?;
    Ok(json(
        StatusCode::CREATED,
        &CreatedKey {
            key: record.into(),
            secret,
        },
    ))
}

#[utoipa::path(delete, path = "/v1/admin/keys/{id}", tag = "admin", params(("id" = String, Path, description = "Key id")),
    responses((status = 204, description = "Revoked")))]
pub async fn revoke_key(state: Data, ctx: Ctx, id: web::Path<String>) -> ApiResult<HttpResponse> {
    ctx.principal.operator()?;
    if !state.access.revoke_key(&id, state.engine.now()).await? {
        return Err(ApiError::not_found(format!(
            "key {:?} not found or already revoked",
            id.as_str()
        )));
    }
    state.keys.clear();
    state
        .engine
        .record_journal(
            &ctx.caller,
            "api_key.revoked",
            format!("api_key:{id}"),
            None,
            None,
        )
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Advance {
    pub seconds: i64,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Advanced {
    #[schema(value_type = String, format = DateTime)]
    pub now: Timestamp,
    pub report: JobReport,
}

/// Demo and test mode only: moves the engine clock, running every job due on the way.
#[utoipa::path(post, path = "/v1/admin/clock/advance", tag = "demo", request_body = Advance,
    responses((status = 200, description = "The new time and the jobs that ran", body = Advanced)))]
pub async fn advance_clock(
    state: Data,
    ctx: Ctx,
    body: web::Json<Advance>,
) -> ApiResult<HttpResponse> {
    ctx.principal.operator()?;
    Ok(ok(
        &advance_clock_by(&state, body.seconds, &ctx.caller).await?
    ))
}

/// Moves the engine clock by `seconds` (demo mode only) and keeps the time it reached, so a
/// restart does not go back before jobs that already ran: the API's clock and the console's.
///
/// # Errors
/// [`ApiError`] forbidden outside demo mode; the engine's refusal of the step; store failures.
pub async fn advance_clock_by(
    state: &AppState,
    seconds: i64,
    caller: &Caller,
) -> Result<Advanced, ApiError> {
    if !state.demo() {
        return Err(ApiError::forbidden(
            "the clock can only be moved in demo mode",
        ));
    }
    let advanced = state.engine.advance_clock(seconds, caller).await;
    // The engine moves the clock step by step and stops at a failing step: keep the time it
    // reached whatever happened, or a restart would go back before jobs that already ran.
    let now = state.engine.now();
    let offset = (now - chrono::Utc::now()).num_seconds();
    let saved = state
        .access
        .put_setting(CLOCK_OFFSET_SETTING, &json!(offset))
        .await;
    let report = advanced?;
    saved?;
    Ok(Advanced { now, report })
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PaymentMethod {
    pub fails: bool,
}

/// Demo mode: makes the customer's next charges fail, or fixes the card (which settles an
/// open invoice, as a successful retry would). The resulting events go through the engine.
#[utoipa::path(post, path = "/v1/admin/fake-billing/customers/{id}/payment-method", tag = "demo", params(("id" = String, Path, description = "The customer's id")), request_body = PaymentMethod,
    responses((status = 200, description = "Card state changed; resulting events applied", body = PaymentMethodAnswer)))]
pub async fn payment_method(
    state: Data,
    ctx: Ctx,
    id: web::Path<CustomerId>,
    body: web::Json<PaymentMethod>,
) -> ApiResult<HttpResponse> {
    ctx.principal.operator()?;
    let fake = fake_billing::fake(&state)?;
    state.engine.customer(&id).await?;
    let events = fake
        .fake
        .set_payment_method(&id, body.fails, state.engine.now());
    fake.save().await;
    let applied = events.len();
    fake_billing::apply_fake_events(&state, &events, &ctx.caller).await?;
    Ok(ok(&PaymentMethodAnswer {
        customer: id.into_inner(),
        fails: body.fails,
        events: applied,
    }))
}

pub fn outcome_name(o: &ApplyOutcome) -> &'static str {
    match o {
        ApplyOutcome::Processed => "processed",
        ApplyOutcome::Duplicate => "duplicate",
        ApplyOutcome::Ignored(_) => "ignored",
        ApplyOutcome::Failed(_) => "failed",
    }
}
