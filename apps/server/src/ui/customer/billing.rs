//! `GET /app/billing` (owners and admins): the plan, its price and dates, invoices and credits;
//! owners act on it with forms — the payment method (the provider's portal), cancel at the
//! period's end, reactivate. Admins see the same controls, disabled.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;
use tollgate_billing::{Invoice, InvoiceStatus, SubscriptionStatus};
use tollgate_engine::EngineError;
use tollgate_kernel::round_to_minor;

use super::account::{self, Account, Banner, PlanView};
use crate::auth::Need;
use crate::error::ApiError;
use crate::middleware::RequestId;
use crate::routes::Data;
use crate::state::AppState;
use crate::ui::session::{self, CustomerSession};
use crate::ui::{Chrome, format, message, render, see_other};

#[derive(Debug)]
pub struct InvoiceRow {
    pub number: String,
    pub date: String,
    pub period: Option<String>,
    pub amount: String,
    pub status: &'static str,
    pub status_label: &'static str,
    pub url: Option<String>,
}

#[derive(Debug, Template)]
#[template(path = "app_billing.html")]
pub struct BillingPage {
    pub ui: Chrome,
    /// Where a banner's form returns to.
    pub from_page: &'static str,
    /// The customer's name.
    pub workspace: String,
    pub flash: Option<&'static str>,
    pub banners: Vec<Banner>,
    pub plan: PlanView,
    pub owner: bool,
    /// A subscription the provider knows (its portal has something to manage).
    pub has_subscription: bool,
    pub can_cancel: bool,
    pub can_reactivate: bool,
    pub invoices: Vec<InvoiceRow>,
    pub credits: Vec<String>,
}

fn forbidden(req: &HttpRequest, state: &Data) -> HttpResponse {
    let ui = Chrome::new(
        req,
        state,
        crate::ui::Area::Customer,
        "error.forbidden.title",
    );
    let s = session::customer(req, state);
    let ui = match s.as_ref() {
        Some(s) => super::chrome(req, state, s, "error.forbidden.title", ""),
        None => ui,
    };
    let (h, t) = (ui.t("error.forbidden.title"), ui.t("billing.forbidden"));
    message(StatusCode::FORBIDDEN, ui, h, t, "billing-forbidden")
}

pub async fn page(req: HttpRequest, state: Data) -> HttpResponse {
    let Some(s) = session::customer(&req, &state) else {
        return super::needs_session(&req, &state);
    };
    if s.principal().customer(&s.customer, Need::Admin).is_err() {
        return forbidden(&req, &state);
    }
    match build(&req, &state, &s).await {
        Ok(page) => render(StatusCode::OK, &page),
        Err(e) => crate::ui::failure(&req, &state, &e),
    }
}

fn invoice_status(s: InvoiceStatus) -> (&'static str, &'static str) {
    match s {
        InvoiceStatus::Draft => ("none", "invoice.draft"),
        InvoiceStatus::Open => ("warn", "invoice.open"),
        InvoiceStatus::Paid => ("ok", "invoice.paid"),
        InvoiceStatus::Void => ("none", "invoice.void"),
        InvoiceStatus::Uncollectible => ("danger", "invoice.uncollectible"),
    }
}

fn invoice_row(ui: &Chrome, i: &Invoice) -> InvoiceRow {
    let (status, key) = invoice_status(i.status);
    let amount = if i.status == InvoiceStatus::Paid {
        i.amount_paid
    } else {
        i.amount_due
    };
    InvoiceRow {
        number: i.number.clone().unwrap_or_else(|| i.id.clone()),
        date: format::date(ui.lang, i.created_at),
        period: i.period.map(|p| {
            format!(
                "{} – {}",
                format::date(ui.lang, p.start),
                format::date(ui.lang, p.end)
            )
        }),
        amount: format::money(ui.lang, amount, &i.currency),
        status,
        status_label: ui.t(key),
        // Only links a browser can follow: the provider's page, or the demo's own.
        url: i.hosted_url.clone().filter(|u| {
            u.starts_with("https://")
                || u.starts_with("http://")
                || u.starts_with("/fake-billing/invoices/")
        }),
    }
}

async fn build(
    req: &HttpRequest,
    state: &Data,
    s: &CustomerSession,
) -> Result<BillingPage, ApiError> {
    let ui = super::chrome(req, state, s, "billing.title", "/app/billing");
    let account = Account::load(state, &s.customer).await?;
    let invoices = state
        .engine
        .invoices(&s.customer)
        .await?
        .iter()
        .map(|i| invoice_row(&ui, i))
        .collect();
    let wallet = state.engine.wallet(&s.customer).await?;
    let credits = wallet
        .balances
        .iter()
        .filter_map(|b| {
            let minor = round_to_minor(b.amount, b.currency).ok()?;
            (minor > 0).then(|| format::money(ui.lang, minor, &b.currency))
        })
        .collect();
    let live = account.live();
    Ok(BillingPage {
        workspace: account.customer.name.clone(),
        from_page: "billing",
        flash: account::flash(&ui, req.query_string()),
        banners: account::banners(&ui, s, &account, &[]),
        plan: account::plan_view(&ui, &account),
        owner: s.is_owner(),
        has_subscription: account
            .subscription
            .as_ref()
            .is_some_and(|sub| sub.status != SubscriptionStatus::Incomplete),
        can_cancel: live.is_some_and(|sub| !sub.cancel_at_period_end),
        can_reactivate: account.cancel_pending(),
        invoices,
        credits,
        ui,
    })
}

/// The fields of every billing form.
#[derive(Debug, Deserialize)]
pub struct ActionForm {
    #[serde(default)]
    csrf: String,
    /// The page to return to: `usage` (a banner's button) or the billing page.
    #[serde(default)]
    from: Option<String>,
}

fn back(form: &ActionForm, done: &str) -> HttpResponse {
    let page = match form.from.as_deref() {
        Some("usage") => "/app/usage",
        _ => "/app/billing",
    };
    see_other(&format!("{page}?done={done}"))
}

/// `POST /app/billing/portal`: opens the provider's portal (payment method, invoices) and
/// sends the browser there; it returns to the billing page.
pub async fn portal(req: HttpRequest, state: Data, form: web::Form<ActionForm>) -> HttpResponse {
    let s = match super::owner(&req, &state, Some(&form.csrf), "billing.owner_only") {
        Ok(s) => s,
        Err(page) => return *page,
    };
    let return_url = format!("{}/app/billing", state.base_url);
    match state.engine.portal(&s.customer, &return_url).await {
        Ok(p) => see_other(&p.url),
        Err(e) => crate::ui::failure(&req, &state, &e.into()),
    }
}

/// `POST /app/billing/cancel`: cancels at the period's end (reversible until then). A second
/// submission finds it already pending and changes nothing.
pub async fn cancel(
    req: HttpRequest,
    state: Data,
    rid: RequestId,
    form: web::Form<ActionForm>,
) -> HttpResponse {
    let s = match super::owner(&req, &state, Some(&form.csrf), "billing.owner_only") {
        Ok(s) => s,
        Err(page) => return *page,
    };
    let caller = AppState::caller(&s.principal(), &rid.0);
    match state
        .engine
        .cancel_subscription(&s.customer, true, &caller)
        .await
    {
        Ok(_) => back(&form, "canceled"),
        Err(e) => crate::ui::failure(&req, &state, &e.into()),
    }
}

/// `POST /app/billing/reactivate`: undoes a pending cancellation. A second submission, after
/// the first went through, changes nothing and answers the same.
pub async fn reactivate(
    req: HttpRequest,
    state: Data,
    rid: RequestId,
    form: web::Form<ActionForm>,
) -> HttpResponse {
    let s = match super::owner(&req, &state, Some(&form.csrf), "billing.owner_only") {
        Ok(s) => s,
        Err(page) => return *page,
    };
    let caller = AppState::caller(&s.principal(), &rid.0);
    match state.engine.reactivate(&s.customer, &caller).await {
        Ok(_) => back(&form, "reactivated"),
        Err(EngineError::Conflict(msg)) => {
            // Already reactivated (a double submission): the same answer as the first.
            match state.engine.subscription(&s.customer).await {
                Ok(sub)
                    if !sub.cancel_at_period_end && sub.status != SubscriptionStatus::Canceled =>
                {
                    back(&form, "reactivated")
                }
                _ => crate::ui::failure(&req, &state, &EngineError::Conflict(msg).into()),
            }
        }
        Err(e) => crate::ui::failure(&req, &state, &e.into()),
    }
}
