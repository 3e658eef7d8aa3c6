//! The customer's pages: `/app` (the session link's landing), `/app/usage`, `/app/billing`
//! and its forms, and signing out.

mod account;
mod billing;
mod usage;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::session::{self, CustomerSession};
use super::{Area, Chrome, NavItem};
use crate::auth::Need;
use crate::routes::Data;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/app", web::get().to(enter))
        .route("/app/usage", web::get().to(usage::page))
        .route("/app/billing", web::get().to(billing::page))
        .route("/app/billing/portal", web::post().to(billing::portal))
        .route("/app/billing/cancel", web::post().to(billing::cancel))
        .route(
            "/app/billing/reactivate",
            web::post().to(billing::reactivate),
        )
        .route("/app/sign-out", web::post().to(sign_out));
}

/// The navigation of a signed-in customer's user: billing only for owners and admins.
pub fn nav(ui: &Chrome, s: Option<&CustomerSession>, current: &str) -> Vec<NavItem> {
    let item = |href: &str, key: &'static str, testid: &'static str| NavItem {
        href: href.to_owned(),
        label: ui.t(key),
        current: current == href,
        testid,
    };
    let mut items = vec![item("/pricing", "nav.pricing", "nav-pricing")];
    if let Some(s) = s {
        items.push(item("/app/usage", "nav.usage", "nav-usage"));
        if s.sees_billing() {
            items.push(item("/app/billing", "nav.billing", "nav-billing"));
        }
    }
    items
}

/// A customer page's chrome: navigation, who, sign-out and the form token.
pub fn chrome(
    req: &HttpRequest,
    state: &Data,
    s: &CustomerSession,
    title_key: &str,
    current: &str,
) -> Chrome {
    let mut ui = Chrome::new(req, state, Area::Customer, title_key);
    ui.nav = nav(&ui, Some(s), current);
    ui.who = Some(format!("{} · {}", s.user_id, s.customer));
    ui.sign_out = Some("/app/sign-out");
    ui.csrf = s.csrf(state);
    ui
}

/// The page shown when a customer page is opened without a valid session.
pub fn needs_session(req: &HttpRequest, state: &Data) -> HttpResponse {
    let ui = Chrome::new(req, state, Area::Public, "session.needed.title");
    let (h, t) = (ui.t("session.needed.title"), ui.t("session.needed.text"));
    super::message(StatusCode::UNAUTHORIZED, ui, h, t, "session-needed")
}

/// The signed-in owner behind a customer action: the 401 page without a session, a 403 page
/// for a form token (`csrf`, when the action is a form) that is not this session's, or for
/// another role (`owner_only` says why, in the page's language).
pub fn owner(
    req: &HttpRequest,
    state: &Data,
    csrf: Option<&str>,
    owner_only: &'static str,
) -> Result<CustomerSession, Box<HttpResponse>> {
    let Some(s) = session::customer(req, state) else {
        return Err(Box::new(needs_session(req, state)));
    };
    let refused = |key: &'static str, testid: &'static str| {
        let ui = chrome(req, state, &s, "error.forbidden.title", "");
        let (h, t) = (ui.t("error.forbidden.title"), ui.t(key));
        Box::new(super::message(StatusCode::FORBIDDEN, ui, h, t, testid))
    };
    if csrf.is_some_and(|given| !session::csrf_ok(&s.csrf(state), given)) {
        return Err(refused("error.csrf", "csrf-refused"));
    }
    if s.principal().customer(&s.customer, Need::Owner).is_err() {
        return Err(refused(owner_only, "owner-only"));
    }
    Ok(s)
}

/// `GET /app?session=tgs_…` (the session link): verifies the token, keeps it in an HttpOnly
/// cookie and redirects to the usage page without the token in the address. `GET /app`
/// with a valid cookie goes to the usage page too.
async fn enter(req: HttpRequest, state: Data) -> HttpResponse {
    if let Some(token) = super::i18n::url_param(req.query_string(), "session") {
        let Some(link) = session::verify_link(&state, &token) else {
            let ui = Chrome::new(&req, &state, Area::Public, "session.expired.title");
            let (h, t) = (ui.t("session.expired.title"), ui.t("session.expired.text"));
            return super::message(StatusCode::UNAUTHORIZED, ui, h, t, "session-expired");
        };
        let (cookie, ttl) = match session::sign_in(&state, link).await {
            Ok(v) => v,
            Err(e) => return super::failure(&req, &state, &e),
        };
        let mut to = "/app/usage".to_owned();
        if let Some(lang) = super::i18n::query_lang(&req) {
            to.push_str("?lang=");
            to.push_str(lang.code());
        }
        let mut answer = super::see_other(&to);
        let _ = answer.add_cookie(&session::customer_cookie(&state, &cookie, ttl));
        return answer;
    }
    match session::customer(&req, &state) {
        Some(_) => super::see_other("/app/usage"),
        None => needs_session(&req, &state),
    }
}

#[derive(Debug, Deserialize)]
struct SignOut {
    #[serde(default)]
    csrf: String,
}

/// `POST /app/sign-out`: removes the session cookie and goes to the plans. Without a valid
/// session there is nothing to protect and the cookie is removed all the same; with one, the
/// form's token must match (another site cannot sign a user out).
async fn sign_out(req: HttpRequest, state: Data, form: web::Form<SignOut>) -> HttpResponse {
    if let Some(s) = session::customer(&req, &state)
        && !session::csrf_ok(&s.csrf(&state), &form.csrf)
    {
        let ui = chrome(&req, &state, &s, "error.forbidden.title", "");
        let (h, t) = (ui.t("error.forbidden.title"), ui.t("error.csrf"));
        return super::message(StatusCode::FORBIDDEN, ui, h, t, "csrf-refused");
    }
    let mut answer = super::see_other("/pricing");
    let _ = answer.add_cookie(&session::removal(&state, session::CUSTOMER_COOKIE));
    answer
}
