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
use crate::auth::{SessionClaims, TokenUse, record_member, sign};
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
    if !same_origin(&req, &state.base_url) {
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
    record_member(state, &id, user, role).await?;
    let ttl = state.config.session_ttl_seconds;
    let token = sign(
        state,
        &SessionClaims {
            customer: id,
            user_id: user.to_owned(),
            role,
            expires: state.engine.now().timestamp() + ttl,
            use_: TokenUse::Ui,
            session_expires: None,
        },
    )?;
    Ok((token, ttl))
}

/// Whether a post comes from this server's own pages: no `Origin` (not a browser's
/// cross-site form), or one that is the public URL's origin or the host the request names
/// (`Host`, or the proxy's forwarded host).
fn same_origin(req: &HttpRequest, base_url: &str) -> bool {
    let Some(origin) = req
        .headers()
        .get(actix_web::http::header::ORIGIN)
        .and_then(|v| v.to_str().ok())
    else {
        return true;
    };
    let origin = origin.trim_end_matches('/');
    if origin.eq_ignore_ascii_case(base_url.trim_end_matches('/')) {
        return true;
    }
    let host = req.connection_info().host().to_owned();
    origin
        .split_once("://")
        .is_some_and(|(_, h)| h.eq_ignore_ascii_case(&host))
}
