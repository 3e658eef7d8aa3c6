//! The plan change a pricing page starts, for a customer's owner only:
//!
//! - `POST /pricing/checkout` — no paid subscription running: opens the provider's checkout
//!   and sends the browser there (`303`).
//! - `GET /pricing/change?plan=…&interval=…` — a running subscription: what the change does
//!   (an upgrade now, prorated; a downgrade at the period end), with Confirm and Back.
//! - `POST /pricing/change` — confirms it; `303` to the billing page.
//!
//! Forms carry the CSRF token and a nonce of the page that rendered them; the provider's
//! idempotency key derives from both, so a double submit acts once.

use actix_web::error::{InternalError, UrlencodedError};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use tollgate_billing::Subscription;
use tollgate_engine::{ChangeKind, StartCheckout};
use tollgate_kernel::{Interval, PlanCode};

use super::account::Account;
use super::lang_suffix;
use crate::error::ApiError;
use crate::middleware::RequestId;
use crate::routes::Data;
use crate::state::AppState;
use crate::ui::session::CustomerSession;
use crate::ui::{Area, Chrome, customer, format, message, render, see_other};

/// The fields of the pricing forms. Every field defaults, so a missing one is answered by
/// our own 400 page rather than the extractor's.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PlanForm {
    csrf: String,
    plan: String,
    interval: String,
    nonce: String,
    /// The subscription's version the confirm page was built from.
    version: Option<i64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ChangeQuery {
    plan: String,
    interval: String,
}

fn page_error(req: &HttpRequest, state: &AppState, status: StatusCode, key: &str) -> HttpResponse {
    let ui = Chrome::new(req, state, Area::Public, "error.generic.title");
    let heading = ui.t(match status {
        StatusCode::FORBIDDEN => "error.forbidden.title",
        _ => "error.generic.title",
    });
    let text = ui.t(key);
    message(status, ui, heading, text, "error")
}

fn bad_request(req: &HttpRequest, state: &AppState) -> HttpResponse {
    page_error(
        req,
        state,
        StatusCode::BAD_REQUEST,
        "pricing.error.bad_request",
    )
}

/// A form body that cannot be read at all (not url-encoded, too large): our 400 page.
pub fn form_error(err: UrlencodedError, req: &HttpRequest) -> actix_web::Error {
    let answer = match req.app_data::<Data>() {
        Some(state) => bad_request(req, state),
        None => HttpResponse::BadRequest().finish(),
    };
    InternalError::from_response(err, answer).into()
}

impl PlanForm {
    /// The plan and interval a well-formed form names (its nonce one of ours).
    fn choice(&self) -> Option<(PlanCode, Interval)> {
        valid_nonce(&self.nonce).then_some(())?;
        Some((parse_plan(&self.plan)?, parse_interval(&self.interval)?))
    }
}

fn parse_plan(raw: &str) -> Option<PlanCode> {
    PlanCode::parse(raw.trim()).ok()
}

fn parse_interval(raw: &str) -> Option<Interval> {
    Interval::parse(raw.trim()).ok()
}

/// A nonce is the page's own id: short and plain, or the form is not one of ours.
fn valid_nonce(n: &str) -> bool {
    !n.is_empty() && n.len() <= 64 && n.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// The provider's idempotency key for a form: the user's scope, the form's token and nonce,
/// and what it asks for.
fn operation_id(
    s: &CustomerSession,
    form: &PlanForm,
    action: &str,
    plan: &PlanCode,
    interval: Interval,
) -> String {
    let mut h = Sha256::new();
    for part in [
        s.principal().scope().as_str(),
        form.csrf.as_str(),
        form.nonce.as_str(),
        action,
        plan.as_str(),
        interval.as_str(),
    ] {
        h.update(part.as_bytes());
        h.update([0]);
    }
    let digest = hex::encode(h.finalize());
    format!("op_{}", digest.get(..32).unwrap_or(&digest))
}

/// `POST /pricing/checkout`: opens checkout for a plan and sends the browser there.
pub async fn checkout(
    req: HttpRequest,
    state: Data,
    rid: RequestId,
    form: web::Form<PlanForm>,
) -> HttpResponse {
    let s = match customer::owner(&req, &state, Some(&form.csrf), "pricing.note.owner_only") {
        Ok(s) => s,
        Err(answer) => return *answer,
    };
    let Some((plan, interval)) = form.choice() else {
        return bad_request(&req, &state);
    };
    let base = state.base_url.trim_end_matches('/');
    let lang = lang_suffix(&req).replace('?', "&");
    let start = StartCheckout {
        plan: plan.clone(),
        interval,
        success_url: format!("{base}/app/billing?done=checkout{lang}"),
        cancel_url: format!("{base}/pricing{}", lang_suffix(&req)),
    };
    let op = operation_id(&s, &form, "checkout", &plan, interval);
    let caller = AppState::caller(&s.principal(), &rid.0);
    match state
        .engine
        .checkout(&s.customer, &start, &op, &caller)
        .await
    {
        Ok(session) => see_other(&session.url),
        Err(e) => crate::ui::failure(&req, &state, &ApiError::from(e)),
    }
}

#[derive(Debug, Template)]
#[template(path = "pricing_change.html")]
struct ConfirmPage {
    ui: Chrome,
    upgrade: bool,
    from: String,
    to: String,
    to_price: String,
    /// When it applies, in words.
    when: String,
    due_now: String,
    /// Proration lines: (label, amount).
    lines: Vec<(String, String)>,
    plan: String,
    interval: String,
    version: i64,
    nonce: String,
    back: String,
    action: String,
}

fn plan_label(ui: &Chrome, name: &str, interval: Interval) -> String {
    ui.t2(
        "pricing.change.plan_interval",
        name,
        ui.t(interval_key(interval)),
    )
}

fn interval_key(i: Interval) -> &'static str {
    match i {
        Interval::Month => "interval.month",
        Interval::Year => "interval.year",
    }
}

fn per_key(i: Interval) -> &'static str {
    match i {
        Interval::Month => "interval.per_month",
        Interval::Year => "interval.per_year",
    }
}

/// `GET /pricing/change`: what the change would do, with Confirm and Back.
pub async fn confirm(req: HttpRequest, state: Data, q: web::Query<ChangeQuery>) -> HttpResponse {
    let s = match customer::owner(&req, &state, None, "pricing.note.owner_only") {
        Ok(s) => s,
        Err(answer) => return *answer,
    };
    let Some(plan) = parse_plan(&q.plan) else {
        return bad_request(&req, &state);
    };
    let interval = match q.interval.trim() {
        "" => None,
        raw => match parse_interval(raw) {
            Some(i) => Some(i),
            None => return bad_request(&req, &state),
        },
    };
    match confirm_page(&req, &state, s, &plan, interval).await {
        Ok(page) => render(StatusCode::OK, &page),
        Err(e) => crate::ui::failure(&req, &state, &e),
    }
}

async fn confirm_page(
    req: &HttpRequest,
    state: &Data,
    s: CustomerSession,
    plan: &PlanCode,
    interval: Option<Interval>,
) -> Result<ConfirmPage, ApiError> {
    let preview = state
        .engine
        .preview_change(&s.customer, plan, interval)
        .await?;
    let sub: Subscription = state.engine.subscription(&s.customer).await?;
    let plans = state.engine.all_plans().await?;
    let name = |code: &PlanCode| {
        plans
            .iter()
            .find(|p| &p.code == code)
            .map_or_else(|| code.to_string(), |p| p.name.clone())
    };
    let ui = customer::chrome(req, state, &s, "pricing.change.title", "/pricing");
    let lang = ui.lang;
    let money = |m: &tollgate_kernel::Money| format::money(lang, m.minor, &m.currency);
    let upgrade = preview.kind == ChangeKind::Upgrade;
    let when = if upgrade {
        ui.t("pricing.change.now").to_owned()
    } else {
        ui.t1(
            "pricing.change.at_period_end",
            format::date(lang, preview.effective_at),
        )
    };
    let lines = preview
        .proration
        .as_ref()
        .map(|p| {
            vec![
                (
                    ui.t("pricing.change.unused_credit").to_owned(),
                    money(&p.unused_credit),
                ),
                (
                    ui.t("pricing.change.remaining_charge").to_owned(),
                    money(&p.remaining_charge),
                ),
            ]
        })
        .unwrap_or_default();
    let suffix = lang_suffix(req);
    let back_query = format!(
        "interval={}&currency={}{}",
        preview.interval.as_str(),
        sub.currency.code(),
        suffix.replace('?', "&")
    );
    Ok(ConfirmPage {
        upgrade,
        from: plan_label(&ui, &name(&sub.plan), sub.interval),
        to: plan_label(&ui, &name(&preview.plan), preview.interval),
        to_price: format!(
            "{} {}",
            format::money_short(lang, preview.new_price.minor, &preview.new_price.currency),
            ui.t(per_key(preview.interval))
        ),
        when,
        due_now: money(&preview.amount_due_now),
        lines,
        plan: preview.plan.to_string(),
        interval: preview.interval.as_str().to_owned(),
        version: sub.version,
        nonce: tollgate_kernel::new_id("form"),
        back: format!("/pricing?{back_query}"),
        action: format!("/pricing/change{suffix}"),
        ui,
    })
}

/// `POST /pricing/change`: applies the change and goes to the billing page.
pub async fn apply(
    req: HttpRequest,
    state: Data,
    rid: RequestId,
    form: web::Form<PlanForm>,
) -> HttpResponse {
    let s = match customer::owner(&req, &state, Some(&form.csrf), "pricing.note.owner_only") {
        Ok(s) => s,
        Err(answer) => return *answer,
    };
    let Some((plan, interval)) = form.choice() else {
        return bad_request(&req, &state);
    };
    let done = format!(
        "/app/billing?done=changed{}",
        lang_suffix(&req).replace('?', "&")
    );
    // A repeat of a form whose change already went through: the same answer, nothing new.
    match Account::of(s.clone(), &state).await {
        Ok(Some(Account {
            subscription: Some(sub),
            ..
        })) if form.version.is_some_and(|v| v != sub.version) && already(&sub, &plan, interval) => {
            return see_other(&done);
        }
        Ok(_) => {}
        Err(e) => return crate::ui::failure(&req, &state, &e),
    }
    let op = operation_id(&s, &form, "change", &plan, interval);
    let caller = AppState::caller(&s.principal(), &rid.0);
    match state
        .engine
        .change_plan(&s.customer, &plan, Some(interval), &op, &caller)
        .await
    {
        Ok(_) => see_other(&done),
        Err(e) => crate::ui::failure(&req, &state, &ApiError::from(e)),
    }
}

/// Whether the subscription already is on, or is scheduled to move to, this plan.
fn already(sub: &Subscription, plan: &PlanCode, interval: Interval) -> bool {
    (&sub.plan == plan && sub.interval == interval)
        || sub
            .scheduled_change
            .as_ref()
            .is_some_and(|c| &c.plan == plan && c.interval == interval)
}
