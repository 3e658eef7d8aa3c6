//! Demo mode's hosted pages, standing in for Stripe's: checkout (Pay / Cancel) and the
//! customer portal. No API key: like Stripe's pages, the unguessable session id is the access.
//! Paying goes through the engine's billing-event path (dedupe, lifecycle, audit) and the
//! subscription is updated before the 303 is sent.

use std::sync::Arc;

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use tollgate_billing::BillingEvent;
use tollgate_billing_fake::FakeSessionStatus;
use tollgate_engine::Caller;
use tollgate_kernel::Money;

use super::Data;
use crate::error::{ApiError, ApiResult};
use crate::fake_store::FakeStore;
use crate::middleware::RequestId;
use crate::ui::chart::esc;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/fake-billing/checkout/{id}", web::get().to(checkout_page))
        .route("/fake-billing/checkout/{id}/pay", web::post().to(pay))
        .route("/fake-billing/checkout/{id}/cancel", web::post().to(cancel))
        .route("/fake-billing/portal/{id}", web::get().to(portal_page))
        .route("/fake-billing/invoices/{id}", web::get().to(invoice_page));
}

/// The fake provider; demo mode only (404 otherwise, as if the route did not exist).
pub(crate) fn fake(state: &Data) -> ApiResult<Arc<FakeStore>> {
    state
        .fake
        .clone()
        .ok_or_else(|| ApiError::not_found("fake billing runs in demo mode only"))
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;background:#f4f5f7;margin:0;display:flex;min-height:100vh;align-items:center;justify-content:center}\
main{background:#fff;border-radius:12px;box-shadow:0 4px 24px #0002;padding:32px 40px;min-width:340px;max-width:520px}\
h1{font-size:20px;margin:0 0 4px}.muted{color:#667;font-size:14px}.price{font-size:32px;font-weight:700;margin:20px 0 4px}\
.badge{display:inline-block;background:#fff4d6;color:#8a5a00;border-radius:6px;padding:2px 8px;font-size:12px;margin-left:6px}\
form{display:inline}button{font-size:15px;border:0;border-radius:8px;padding:10px 18px;margin:20px 8px 0 0;cursor:pointer}\
.pay{background:#635bff;color:#fff}.cancel{background:#e9eaee;color:#223}table{width:100%;border-collapse:collapse;margin-top:16px;font-size:14px}\
td,th{text-align:left;padding:6px 4px;border-bottom:1px solid #eee}a{color:#635bff}";

fn page(title: &str, body: &str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(format!(
            "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>{}</title><style>{STYLE}</style></head><body><main>{body}<p class=\"muted\">Tollgate demo billing: no card is charged.</p></main></body></html>",
            esc(title)
        ))
}

#[utoipa::path(get, path = "/fake-billing/checkout/{id}", tag = "demo", security(()), params(("id" = String, Path, description = "Checkout session id")),
    responses((status = 200, description = "The checkout page (Pay / Cancel)", body = String, content_type = "text/html")))]
pub async fn checkout_page(state: Data, id: web::Path<String>) -> ApiResult<HttpResponse> {
    let s = fake(&state)?
        .fake
        .session(&id)
        .ok_or_else(|| ApiError::not_found("checkout session not found"))?;
    let price = s.price;
    let trial = if s.trial_days > 0 {
        format!("<span class=\"badge\">{} days free</span>", s.trial_days)
    } else {
        String::new()
    };
    let actions = match s.status {
        FakeSessionStatus::Open => format!(
            "<form method=\"post\" action=\"/fake-billing/checkout/{id}/pay\"><button class=\"pay\" id=\"pay\" type=\"submit\">Pay {price}</button></form>\
             <form method=\"post\" action=\"/fake-billing/checkout/{id}/cancel\"><button class=\"cancel\" id=\"cancel\" type=\"submit\">Cancel</button></form>",
            id = esc(&s.id),
            price = esc(&price.to_string()),
        ),
        FakeSessionStatus::Completed => format!(
            "<p>This checkout is complete. <a href=\"{}\">Continue</a></p>",
            esc(&s.success_url)
        ),
        FakeSessionStatus::Canceled => format!(
            "<p>This checkout was canceled. <a href=\"{}\">Back</a></p>",
            esc(&s.cancel_url)
        ),
    };
    let body = format!(
        "<h1>Subscribe to {plan}{trial}</h1><div class=\"muted\">{name} ({customer})</div>\
         <div class=\"price\">{price}</div><div class=\"muted\">per {interval}</div>{actions}",
        plan = esc(s.plan.as_str()),
        name = esc(&s.customer_name),
        customer = esc(s.customer.as_str()),
        price = esc(&price.to_string()),
        interval = esc(&s.interval.to_string()),
    );
    Ok(page("Checkout", &body))
}

fn see_other(url: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, url))
        .finish()
}

/// Pays the session: the subscription exists when the 303 to `success_url` is sent. Paying a
/// completed session again (a double-click, a retry after an error) re-applies its events,
/// which the engine dedupes by id: what a failed attempt left out is applied, nothing twice.
#[utoipa::path(post, path = "/fake-billing/checkout/{id}/pay", tag = "demo", security(()), params(("id" = String, Path, description = "Checkout session id")),
    responses((status = 303, description = "Paid; the subscription exists; redirect to success_url")))]
pub async fn pay(state: Data, id: web::Path<String>, rid: RequestId) -> ApiResult<HttpResponse> {
    let store = fake(&state)?;
    let _one_payment_at_a_time = store.paying().await;
    let completed = store.fake.complete_checkout(&id, state.engine.now());
    store.save().await;
    let (events, success_url) =
        completed.map_err(|e| ApiError::from(tollgate_engine::EngineError::from(e)))?;
    let caller = Caller::new("billing:fake").with_correlation(rid.0);
    apply_fake_events(&state, &events, &caller).await?;
    Ok(see_other(&success_url))
}

/// Applies the fake provider's events through the engine's billing-event path (log, dedupe by
/// id, lifecycle, audit), as Stripe's webhooks are, in order; stops at the first error.
pub(crate) async fn apply_fake_events(
    state: &Data,
    events: &[BillingEvent],
    caller: &Caller,
) -> ApiResult<()> {
    for event in events {
        let outcome = state.engine.receive_billing_event(event, caller).await?;
        state
            .metrics
            .webhook("fake", super::admin::outcome_name(&outcome));
    }
    Ok(())
}

#[utoipa::path(post, path = "/fake-billing/checkout/{id}/cancel", tag = "demo", security(()), params(("id" = String, Path, description = "Checkout session id")),
    responses((status = 303, description = "Abandoned; redirect to cancel_url")))]
pub async fn cancel(state: Data, id: web::Path<String>) -> ApiResult<HttpResponse> {
    let store = fake(&state)?;
    let canceled = store.fake.cancel_checkout(&id);
    store.save().await;
    let url = canceled.map_err(|e| ApiError::from(tollgate_engine::EngineError::from(e)))?;
    Ok(see_other(&url))
}

#[utoipa::path(get, path = "/fake-billing/portal/{id}", tag = "demo", security(()), params(("id" = String, Path, description = "Portal session id")),
    responses((status = 200, description = "The portal page: plan, card, invoices", body = String, content_type = "text/html")))]
pub async fn portal_page(state: Data, id: web::Path<String>) -> ApiResult<HttpResponse> {
    let fake = fake(&state)?.fake.clone();
    let (customer, return_url) = fake
        .portal(&id)
        .ok_or_else(|| ApiError::not_found("portal session not found"))?;
    let sub = state.engine.subscription(&customer).await.ok();
    let (invoices, failing) = fake.portal_view(&customer);
    let plan = sub.as_ref().map_or_else(
        || "No subscription".to_owned(),
        |s| format!("{} · {} · {:?}", s.plan, s.interval, s.status).to_lowercase(),
    );
    let rows: String = invoices
        .iter()
        .map(|i| {
            format!(
                "<tr><td>{}</td><td>{}</td><td>{:?}</td></tr>",
                esc(&i.id),
                esc(&Money::new(i.amount_due, i.currency).to_string()),
                i.status
            )
        })
        .collect();
    let body = format!(
        "<h1>Billing for {customer}</h1><div class=\"muted\">{plan}</div>\
         <p>Card: {card}</p><table><tr><th>Invoice</th><th>Amount</th><th>Status</th></tr>{rows}</table>\
         <p><a href=\"{ret}\">Return</a></p>",
        customer = esc(customer.as_str()),
        plan = esc(&plan),
        card = if failing {
            "declining (demo)"
        } else {
            "•••• 4242 (demo)"
        },
        ret = esc(&return_url),
    );
    Ok(page("Billing portal", &body))
}

/// A demo invoice (the invoice's `hosted_url`): its lines and totals. Demo invoice ids are
/// sequential, so the page is shown only to a signed-in owner or admin of the invoice's
/// customer (the UI's session cookie), as a provider's hosted invoice is only reachable from
/// its unguessable link.
#[utoipa::path(get, path = "/fake-billing/invoices/{id}", tag = "demo", security(()), params(("id" = String, Path, description = "Invoice id")),
    responses((status = 200, description = "The invoice page", body = String, content_type = "text/html"),
        (status = 404, description = "No such invoice for the signed-in customer")))]
pub async fn invoice_page(
    req: actix_web::HttpRequest,
    state: Data,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let fake = fake(&state)?.fake.clone();
    let missing = || ApiError::not_found("invoice not found");
    let session = crate::ui::session::customer(&req, &state)
        .filter(crate::ui::session::CustomerSession::sees_billing)
        .ok_or_else(missing)?;
    let (invoices, _) = fake.portal_view(&session.customer);
    let invoice = invoices
        .into_iter()
        .find(|i| i.id == *id)
        .ok_or_else(missing)?;
    let money = |minor: i64| esc(&Money::new(minor, invoice.currency).to_string());
    let rows: String = invoice
        .lines
        .iter()
        .map(|l| {
            format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&l.description),
                l.quantity,
                money(l.amount_minor)
            )
        })
        .collect();
    let body = format!(
        "<h1>Invoice {number}</h1><div class=\"muted\">{customer} · {date} · {status:?}</div>\
         <table><tr><th>Item</th><th>Qty</th><th>Amount</th></tr>{rows}</table>\
         <div class=\"price\">{due}</div><div class=\"muted\">due · {paid} paid</div>\
         <p><a href=\"/app/billing\">Back to billing</a></p>",
        number = esc(invoice.number.as_deref().unwrap_or(&invoice.id)),
        customer = esc(invoice.customer.as_str()),
        date = invoice.created_at.format("%Y-%m-%d"),
        status = invoice.status,
        due = money(invoice.amount_due),
        paid = money(invoice.amount_paid),
    );
    Ok(page("Invoice", &body))
}
