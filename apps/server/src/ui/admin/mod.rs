//! `/admin`: the operator console, signed in with the operator key (a signed cookie naming
//! the key by its hash, so revoking the key signs the console out).
//!
//! Every page needs the console session: a GET without one shows the sign-in form, a POST
//! without one is refused and writes nothing. Every form posts a CSRF token derived from the
//! cookie, and answers 303 back to a page that shows the outcome from a query parameter.

mod audit;
mod customers;
mod features;
mod overview;
mod plans;
mod webhooks;

use actix_web::http::StatusCode;
use actix_web::{HttpMessage, HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;
use tollgate_engine::Caller;

use super::session::{self, AdminSession};
use super::{Area, Chrome, NavItem, render};
use crate::error::ApiError;
use crate::middleware::RequestId;
use crate::routes::Data;
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin", web::get().to(overview::page))
        .route("/admin/sign-in", web::post().to(sign_in))
        .route("/admin/sign-out", web::post().to(sign_out))
        .route("/admin/clock", web::post().to(overview::move_clock))
        .configure(customers::configure)
        .configure(plans::configure)
        .configure(features::configure)
        .configure(webhooks::configure)
        .configure(audit::configure);
}

/// The console's sections, in the header's order: `(path, label key, test id)`.
const SECTIONS: [(&str, &str, &str); 6] = [
    ("/admin", "admin.nav.overview", "nav-admin-overview"),
    (
        "/admin/customers",
        "admin.nav.customers",
        "nav-admin-customers",
    ),
    ("/admin/plans", "admin.nav.plans", "nav-admin-plans"),
    (
        "/admin/features",
        "admin.nav.features",
        "nav-admin-features",
    ),
    (
        "/admin/webhooks",
        "admin.nav.webhooks",
        "nav-admin-webhooks",
    ),
    ("/admin/audit", "admin.nav.audit", "nav-admin-audit"),
];

/// A console page's chrome: the console's navigation (the section of `current` marked), the
/// operator as who is signed in, sign-out and the form token.
pub(crate) fn chrome(
    req: &HttpRequest,
    state: &AppState,
    s: &AdminSession,
    title_key: &str,
    current: &str,
) -> Chrome {
    let mut ui = Chrome::new(req, state, Area::Admin, title_key);
    ui.nav = SECTIONS
        .iter()
        .map(|(href, key, testid)| NavItem {
            href: (*href).to_owned(),
            label: ui.t(key),
            current: *href == current,
            testid,
        })
        .collect();
    ui.who = Some(ui.t("admin.who").to_owned());
    ui.sign_out = Some("/admin/sign-out");
    ui.csrf = s.csrf(state);
    ui
}

/// Strings picked by a word the page holds (`status.past_due`, `admin.kind.metered`).
pub(crate) trait Words {
    /// The string `{prefix}.{word}` in the page's language.
    fn word(&self, prefix: &str, word: &str) -> &'static str;
}

impl Words for Chrome {
    fn word(&self, prefix: &str, word: &str) -> &'static str {
        self.lang.t(&format!("{prefix}.{word}"))
    }
}

/// The audit identity of a console action: the operator's key, with the request's id.
pub(crate) fn caller(req: &HttpRequest, s: &AdminSession) -> Caller {
    let id = req
        .extensions()
        .get::<RequestId>()
        .map(|r| r.0.clone())
        .unwrap_or_default();
    AppState::caller(&s.principal, &id)
}

#[derive(Debug, Template)]
#[template(path = "admin/sign_in.html")]
struct SignInPage {
    ui: Chrome,
    error: bool,
    next: String,
}

/// Where to go after signing in: a console page, never another site.
fn safe_next(next: &str) -> String {
    let ok = next.starts_with("/admin")
        && !next.contains("//")
        && !next.contains('\\')
        && next.chars().all(|c| c.is_ascii_graphic());
    if ok {
        next.to_owned()
    } else {
        "/admin".to_owned()
    }
}

fn sign_in_page(
    req: &HttpRequest,
    state: &AppState,
    status: StatusCode,
    error: bool,
) -> HttpResponse {
    let ui = Chrome::new(req, state, Area::Admin, "admin.sign_in.title");
    let here = match req.query_string() {
        "" => req.path().to_owned(),
        q => format!("{}?{q}", req.path()),
    };
    let next = if req.method() == actix_web::http::Method::GET {
        safe_next(&here)
    } else {
        "/admin".to_owned()
    };
    render(status, &SignInPage { ui, error, next })
}

/// The console session of a GET, or the sign-in page to answer instead (200 on `/admin`
/// itself, 401 elsewhere).
pub(crate) async fn operator(
    req: &HttpRequest,
    state: &Data,
) -> Result<AdminSession, HttpResponse> {
    match session::admin(req, state).await {
        Ok(Some(s)) => Ok(s),
        Ok(None) => {
            let status = if req.path() == "/admin" {
                StatusCode::OK
            } else {
                StatusCode::UNAUTHORIZED
            };
            Err(sign_in_page(req, state, status, false))
        }
        Err(e) => Err(super::failure(req, state, &e)),
    }
}

/// The console session of a form post with a valid CSRF token, or the refusal to answer
/// (401 without a session, 403 with a foreign token). Nothing is written either way.
pub(crate) async fn operator_post(
    req: &HttpRequest,
    state: &Data,
    csrf: &str,
) -> Result<AdminSession, HttpResponse> {
    let s = match session::admin(req, state).await {
        Ok(Some(s)) => s,
        Ok(None) => {
            let ui = Chrome::new(req, state, Area::Admin, "admin.sign_in.title");
            let (h, t) = (
                ui.t("admin.signed_out.title"),
                ui.t("admin.signed_out.text"),
            );
            return Err(super::message(
                StatusCode::UNAUTHORIZED,
                ui,
                h,
                t,
                "admin-signed-out",
            ));
        }
        Err(e) => return Err(super::failure(req, state, &e)),
    };
    if !session::csrf_ok(&s.csrf(state), csrf) {
        let ui = chrome(req, state, &s, "error.forbidden.title", "");
        let (h, t) = (ui.t("error.forbidden.title"), ui.t("error.csrf"));
        return Err(super::message(
            StatusCode::FORBIDDEN,
            ui,
            h,
            t,
            "csrf-refused",
        ));
    }
    Ok(s)
}

/// The `csrf` field of a url-encoded form given as pairs.
pub(crate) fn field<'a>(form: &'a [(String, String)], name: &str) -> &'a str {
    form.iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.as_str())
}

#[derive(Debug, Template)]
#[template(path = "admin/invalid.html")]
struct InvalidPage {
    ui: Chrome,
    errors: Vec<String>,
    back: String,
}

/// The 400 page of a form that was refused before anything was written: each problem, and a
/// way back to the form.
pub(crate) fn invalid(ui: Chrome, errors: &[String], back: &str) -> HttpResponse {
    render(
        StatusCode::BAD_REQUEST,
        &InvalidPage {
            ui,
            errors: errors.to_vec(),
            back: back.to_owned(),
        },
    )
}

/// A page answering a console failure (an engine error) in the console's chrome.
pub(crate) fn failure(req: &HttpRequest, state: &AppState, err: &ApiError) -> HttpResponse {
    super::failure(req, state, err)
}

#[derive(Debug, Deserialize)]
struct SignIn {
    #[serde(default)]
    key: String,
    #[serde(default)]
    next: String,
}

/// `POST /admin/sign-in`: the operator key in, the console cookie out; a wrong key gets the
/// form again (401) and no cookie.
async fn sign_in(req: HttpRequest, state: Data, form: web::Form<SignIn>) -> HttpResponse {
    match session::admin_sign_in(&state, &form.key).await {
        Ok(Some(value)) => {
            let mut answer = super::see_other(&safe_next(&form.next));
            let _ = answer.add_cookie(&session::admin_cookie(&state, value));
            answer
        }
        Ok(None) => sign_in_page(&req, &state, StatusCode::UNAUTHORIZED, true),
        Err(e) => super::failure(&req, &state, &e),
    }
}

#[derive(Debug, Deserialize)]
struct CsrfOnly {
    #[serde(default)]
    csrf: String,
}

/// `POST /admin/sign-out`: removes the console cookie.
async fn sign_out(req: HttpRequest, state: Data, form: web::Form<CsrfOnly>) -> HttpResponse {
    if let Err(refused) = operator_post(&req, &state, &form.csrf).await {
        return refused;
    }
    let mut answer = super::see_other("/admin");
    let _ = answer.add_cookie(&session::removal(&state, session::ADMIN_COOKIE));
    answer
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn sign_in_returns_only_to_console_pages() {
        assert_eq!(
            safe_next("/admin/customers?sort=mrr"),
            "/admin/customers?sort=mrr"
        );
        assert_eq!(safe_next("https://evil.test/admin"), "/admin");
        assert_eq!(safe_next("//evil.test/admin"), "/admin");
        assert_eq!(safe_next("/admin//evil.test"), "/admin");
        assert_eq!(safe_next("/pricing"), "/admin");
        assert_eq!(safe_next(""), "/admin");
    }
}
