//! The web UI: server-rendered pages (askama templates, HTML-escaped by default) for the
//! public pricing matrix, a customer's usage and billing, and the operator's console.
//!
//! - `/pricing` — public; marks the current plan and offers changes when a customer's user is
//!   signed in.
//! - `/app` — entered through a session link (`POST /v1/customers/{id}/sessions` → `url`),
//!   which sets an HttpOnly cookie; then `/app/usage` and `/app/billing`.
//! - `/admin` — the operator console, signed in with the operator key.
//!
//! Pages call the engine directly (no HTTP round trip) with the same permissions as the API:
//! a customer's user acts as its session token would, the console as the operator key.
//! Every page is sent with a Content-Security-Policy that allows only this server's own
//! stylesheet and script, no inline code.

pub mod admin;
pub mod assets;
pub mod chart;
pub mod customer;
pub mod demo;
pub mod format;
pub mod i18n;
pub mod pricing;
pub mod session;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpMessage, HttpRequest, HttpResponse, web};
use askama::Template;

pub use i18n::Lang;

use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.configure(assets::configure)
        .configure(pricing::configure)
        .configure(customer::configure)
        .configure(demo::configure)
        .configure(admin::configure);
}

/// Where a page belongs: picks the navigation shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Area {
    Public,
    Customer,
    Admin,
}

/// A link in the header's navigation.
#[derive(Debug, Clone)]
pub struct NavItem {
    pub href: String,
    pub label: &'static str,
    pub current: bool,
    pub testid: &'static str,
}

/// A language in the switcher: the same page in that language.
#[derive(Debug, Clone)]
pub struct LangLink {
    pub code: &'static str,
    pub name: &'static str,
    pub href: String,
    pub current: bool,
}

/// What the layout (`base.html`) needs on every page: language, navigation, who is signed in,
/// the form token.
#[derive(Debug, Clone)]
pub struct Chrome {
    pub lang: Lang,
    pub title: String,
    pub area: Area,
    pub nav: Vec<NavItem>,
    pub langs: Vec<LangLink>,
    /// Who is signed in, for the header ("acme · owner", "Operator").
    pub who: Option<String>,
    /// Where the header's sign-out form posts, when someone is signed in.
    pub sign_out: Option<&'static str>,
    /// CSRF token for this page's forms (empty for anonymous pages).
    pub csrf: String,
    pub demo: bool,
    pub assets: &'static assets::Paths,
}

impl Chrome {
    /// A page's chrome for a request: language negotiated, switcher links built from the
    /// request's own path and query.
    pub fn new(req: &HttpRequest, state: &AppState, area: Area, title_key: &str) -> Self {
        let lang = Lang::of_request(req);
        let path = req.path().to_owned();
        let query: Vec<(String, String)> =
            web::Query::<Vec<(String, String)>>::from_query(req.query_string())
                .map(web::Query::into_inner)
                .unwrap_or_default()
                .into_iter()
                .filter(|(k, _)| k != "lang" && k != "session")
                .collect();
        let langs = i18n::LANGS
            .iter()
            .map(|l| {
                let mut q = query.clone();
                q.push(("lang".to_owned(), l.code().to_owned()));
                LangLink {
                    code: l.code(),
                    name: l.native_name(),
                    href: format!("{path}?{}", encode_query(&q)),
                    current: *l == lang,
                }
            })
            .collect();
        Self {
            lang,
            title: lang.t(title_key).to_owned(),
            area,
            nav: Vec::new(),
            langs,
            who: None,
            sign_out: None,
            csrf: String::new(),
            demo: state.demo(),
            assets: assets::paths(),
        }
    }

    /// The string `key` in the page's language.
    pub fn t(&self, key: &str) -> &'static str {
        self.lang.t(key)
    }

    /// `key` with `{0}` replaced.
    pub fn t1(&self, key: &str, a: impl std::fmt::Display) -> String {
        self.lang.tf(key, &[&a])
    }

    /// `key` with `{0}` and `{1}` replaced.
    pub fn t2(&self, key: &str, a: impl std::fmt::Display, b: impl std::fmt::Display) -> String {
        self.lang.tf(key, &[&a, &b])
    }

    pub fn nav(mut self, items: Vec<NavItem>) -> Self {
        self.nav = items;
        self
    }

    pub fn html_lang(&self) -> &'static str {
        self.lang.code()
    }
}

/// `k=v&k2=v2`, percent-encoded.
pub fn encode_query(pairs: &[(String, String)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", urlencode(k), urlencode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// Percent-encodes everything but unreserved characters.
pub fn urlencode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The policy every page is sent with: this server's stylesheet and script only; forms post
/// here and may be redirected to Stripe's hosted checkout and portal (on Stripe's own
/// domains; an account's custom checkout domain is not allowed yet).
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
connect-src 'self'; form-action 'self' https://checkout.stripe.com https://billing.stripe.com; \
base-uri 'none'; frame-ancestors 'none'";

/// Renders a template into a response with the UI's security headers.
pub fn render<T: Template>(status: StatusCode, page: &T) -> HttpResponse {
    match page.render() {
        Ok(html) => html_response(status, html),
        Err(e) => {
            tracing::error!(error = %e, "ui template failed");
            html_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                "<!doctype html><title>Error</title><p>Something went wrong.</p>".to_owned(),
            )
        }
    }
}

fn html_response(status: StatusCode, html: String) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CONTENT_SECURITY_POLICY, CSP))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::REFERRER_POLICY, "same-origin"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::X_FRAME_OPTIONS, "DENY"))
        .body(html)
}

/// A message page: a title, a sentence, and optionally a link onwards.
#[derive(Debug, Template)]
#[template(path = "message.html")]
pub struct MessagePage {
    pub ui: Chrome,
    pub heading: String,
    pub text: String,
    pub link: Option<(String, String)>,
    pub testid: &'static str,
}

/// Answers a message page.
pub fn message(
    status: StatusCode,
    ui: Chrome,
    heading: impl Into<String>,
    text: impl Into<String>,
    testid: &'static str,
) -> HttpResponse {
    render(
        status,
        &MessagePage {
            ui,
            heading: heading.into(),
            text: text.into(),
            link: None,
            testid,
        },
    )
}

/// The page for an engine or store failure: a generic text with the request's id, never the
/// error itself (which is logged).
pub fn failure(req: &HttpRequest, state: &AppState, err: &crate::error::ApiError) -> HttpResponse {
    let ui = Chrome::new(req, state, Area::Public, "error.generic.title");
    let status = err.status;
    if status == StatusCode::NOT_FOUND {
        let text = ui.t("error.not_found.text");
        return message(
            status,
            ui.clone(),
            ui.t("error.not_found.title"),
            text,
            "error",
        );
    }
    if status.is_client_error() {
        let heading = ui.t("error.generic.title");
        return message(status, ui, heading, err.message.clone(), "error");
    }
    tracing::error!(error = ?err, "ui page failed");
    let reference = req
        .extensions()
        .get::<crate::middleware::RequestId>()
        .map(|r| r.0.clone())
        .unwrap_or_default();
    let text = ui.t1("error.generic.text", reference);
    let heading = ui.t("error.generic.title");
    message(status, ui, heading, text, "error")
}

/// 303 See Other to `to` (after a form post).
pub fn see_other(to: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, to))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .finish()
}

/// Remembers a page's `?lang=` in a cookie (a year), so the next page keeps the language.
/// API routes are left alone.
pub async fn remember_lang(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    let lang = (!req.path().starts_with("/v1/"))
        .then(|| i18n::query_lang(req.request()))
        .flatten();
    let mut res = next.call(req).await?;
    if let Some(lang) = lang {
        let cookie = actix_web::cookie::Cookie::build(i18n::LANG_COOKIE, lang.code())
            .path("/")
            .same_site(actix_web::cookie::SameSite::Lax)
            .max_age(actix_web::cookie::time::Duration::days(365))
            .finish();
        let _ = res.response_mut().add_cookie(&cookie);
    }
    Ok(res)
}
