//! `/demo` (demo mode only): try the customer pages without a product in front — one click
//! signs in as the owner, an admin or a member of the demo customer `demo`, as the session
//! link from `POST /v1/customers/{id}/sessions` would.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;
use tollgate_billing::Role;
use tollgate_engine::{Caller, NewCustomer};
use tollgate_kernel::CustomerId;

use super::{Area, Chrome, render, session};
use crate::auth::{TokenUse, issue_session};
use crate::error::ApiError;
use crate::routes::Data;

/// The demo customer's id.
pub const DEMO_CUSTOMER: &str = "demo";

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/demo", web::get().to(page))
        .route("/demo", web::post().to(enter));
}

#[derive(Debug, Template)]
#[template(path = "demo.html")]
struct DemoPage {
    ui: Chrome,
}

async fn page(req: HttpRequest, state: Data) -> HttpResponse {
    if !state.demo() {
        return super::failure(&req, &state, &ApiError::not_found("demo mode only"));
    }
    let mut ui = Chrome::new(&req, &state, Area::Public, "demo.title");
    ui.nav = super::customer::nav(&ui, None, "");
    render(StatusCode::OK, &DemoPage { ui })
}

#[derive(Debug, Deserialize)]
struct Enter {
    role: Role,
}

async fn enter(req: HttpRequest, state: Data, form: web::Form<Enter>) -> HttpResponse {
    if !state.demo() {
        return super::failure(&req, &state, &ApiError::not_found("demo mode only"));
    }
    // No form token on this page: another site's form (which browsers mark with its Origin)
    // must not sign a visitor in.
    if !same_origin(&req) {
        return super::failure(
            &req,
            &state,
            &ApiError::forbidden("sign in from this server's own /demo page"),
        );
    }
    match sign_in(&state, form.role).await {
        Ok((token, ttl)) => {
            let mut answer = super::see_other("/app/usage");
            let _ = answer.add_cookie(&session::customer_cookie(&state, &token, ttl));
            answer
        }
        Err(e) => super::failure(&req, &state, &e),
    }
}

async fn sign_in(state: &Data, role: Role) -> Result<(String, i64), ApiError> {
    let id = CustomerId::parse(DEMO_CUSTOMER).map_err(|e| ApiError::invalid(e.to_string()))?;
    let new = NewCustomer {
        id: id.clone(),
        name: "Demo Workspace".to_owned(),
        email: Some("owner@demo.test".to_owned()),
        currency: None,
    };
    state
        .engine
        .create_customer(new, &Caller::new("demo"))
        .await?;
    let user = match role {
        Role::Owner => "demo-owner",
        Role::Admin => "demo-admin",
        Role::Member => "demo-member",
    };
    let (token, expires_at) =
        issue_session(state, &id, user.to_owned(), role, TokenUse::Ui).await?;
    Ok((token, (expires_at - state.engine.now()).num_seconds()))
}

/// Whether a post comes from this server's own pages: no `Origin` (not a browser's
/// cross-site form) or one naming the `Host` it was sent to.
fn same_origin(req: &HttpRequest) -> bool {
    let header = |name| {
        req.headers()
            .get(name)
            .and_then(|v: &actix_web::http::header::HeaderValue| v.to_str().ok())
    };
    match header(actix_web::http::header::ORIGIN) {
        None => true,
        Some(origin) => origin
            .split_once("://")
            .is_some_and(|(_, host)| Some(host) == header(actix_web::http::header::HOST)),
    }
}
