//! Who is looking at a UI page: a customer's user (the session link's token, kept in an
//! HttpOnly cookie) or the operator (signed in with the operator key, kept as a signed cookie
//! that names the key by its hash, so revoking the key signs the console out).
//!
//! Every form carries a CSRF token derived from the cookie (HMAC with the server's session
//! secret); cookies are `SameSite=Lax`, so another site cannot post with them either.

use actix_web::HttpRequest;
use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use subtle::ConstantTimeEq;
use tollgate_billing::Role;
use tollgate_engine::hash_secret;
use tollgate_kernel::CustomerId;

use crate::auth::{self, Principal, SessionClaims, TokenUse};
use crate::error::ApiError;
use crate::state::AppState;

pub const CUSTOMER_COOKIE: &str = "tg_session";
pub const ADMIN_COOKIE: &str = "tg_admin";
const ADMIN_PREFIX: &str = "tga_";
/// How long a console sign-in lasts (wall clock).
pub const ADMIN_SESSION_SECONDS: i64 = 12 * 3600;

type HmacSha256 = Hmac<Sha256>;

fn mac(secret: &[u8], parts: &[&[u8]]) -> Option<Vec<u8>> {
    let mut m = HmacSha256::new_from_slice(secret).ok()?;
    for p in parts {
        m.update(p);
        m.update(&[0]);
    }
    Some(m.finalize().into_bytes().to_vec())
}

/// A customer's user on the UI.
#[derive(Debug, Clone)]
pub struct CustomerSession {
    pub customer: CustomerId,
    pub user_id: String,
    pub role: Role,
    /// The cookie's value (the session token): what its CSRF token derives from.
    token: String,
}

impl CustomerSession {
    pub fn principal(&self) -> Principal {
        Principal::Customer {
            customer: self.customer.clone(),
            user_id: self.user_id.clone(),
            role: self.role,
        }
    }

    pub fn is_owner(&self) -> bool {
        self.role == Role::Owner
    }

    /// Owners and admins see billing; members do not.
    pub fn sees_billing(&self) -> bool {
        matches!(self.role, Role::Owner | Role::Admin)
    }

    pub fn csrf(&self, state: &AppState) -> String {
        csrf_token(state, &self.token)
    }

    fn from_claims(c: SessionClaims, token: String) -> Self {
        Self {
            customer: c.customer,
            user_id: c.user_id,
            role: c.role,
            token,
        }
    }
}

/// Verifies a session's sign-in link token (engine clock, like the API): its claims.
pub fn verify_link(state: &AppState, token: &str) -> Option<SessionClaims> {
    auth::verify_session(
        &state.session_secret,
        token,
        state.engine.now(),
        TokenUse::Link,
    )
}

/// The customer session of a request's cookie, when valid and unexpired.
pub fn customer(req: &HttpRequest, state: &AppState) -> Option<CustomerSession> {
    let cookie = req.cookie(CUSTOMER_COOKIE)?;
    let token = cookie.value();
    auth::verify_session(
        &state.session_secret,
        token,
        state.engine.now(),
        TokenUse::Ui,
    )
    .map(|c| CustomerSession::from_claims(c, token.to_owned()))
}

/// Signs the user of a verified link in: a UI token for the cookie, ending when the link's
/// session does, and its lifetime in seconds. The customer must still exist.
pub async fn sign_in(state: &AppState, link: SessionClaims) -> Result<(String, i64), ApiError> {
    state.engine.customer(&link.customer).await?;
    let expires = link.session_expires.unwrap_or(link.expires);
    let token = auth::sign(
        state,
        &SessionClaims {
            expires,
            use_: TokenUse::Ui,
            session_expires: None,
            ..link
        },
    )?;
    Ok((token, expires - state.engine.now().timestamp()))
}

/// The session cookie for a verified link, living as long as the token.
pub fn customer_cookie(state: &AppState, token: &str, max_age_seconds: i64) -> Cookie<'static> {
    base_cookie(state, CUSTOMER_COOKIE, token.to_owned(), max_age_seconds)
}

fn base_cookie(
    state: &AppState,
    name: &'static str,
    value: String,
    max_age: i64,
) -> Cookie<'static> {
    Cookie::build(name, value)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(state.base_url.starts_with("https://"))
        .max_age(CookieDuration::seconds(max_age.max(0)))
        .finish()
}

/// A cookie that removes `name`.
pub fn removal(state: &AppState, name: &'static str) -> Cookie<'static> {
    let mut c = base_cookie(state, name, String::new(), 0);
    c.make_removal();
    c
}

#[derive(Debug, Serialize, Deserialize)]
struct AdminClaims {
    /// SHA-256 of the operator key that signed in.
    #[serde(rename = "h")]
    key_hash: String,
    /// Expiry, Unix seconds (wall clock: the demo's engine clock can be moved).
    #[serde(rename = "e")]
    expires: i64,
}

/// The operator on the console.
#[derive(Debug, Clone)]
pub struct AdminSession {
    pub principal: Principal,
    cookie: String,
}

impl AdminSession {
    pub fn csrf(&self, state: &AppState) -> String {
        csrf_token(state, &self.cookie)
    }
}

/// Signs the operator in with `key`: the cookie value, or `None` when the key is not an
/// operator key.
pub async fn admin_sign_in(state: &AppState, key: &str) -> Result<Option<String>, ApiError> {
    match auth::resolve(state, key.trim()).await? {
        Some(Principal::Operator { .. }) => {}
        _ => return Ok(None),
    }
    let claims = AdminClaims {
        key_hash: hash_secret(key.trim()),
        expires: chrono::Utc::now().timestamp() + ADMIN_SESSION_SECONDS,
    };
    let payload =
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims).map_err(|_| ApiError::internal())?);
    let sig = mac(&state.session_secret, &[b"admin", payload.as_bytes()])
        .ok_or_else(ApiError::internal)?;
    Ok(Some(format!(
        "{ADMIN_PREFIX}{payload}.{}",
        URL_SAFE_NO_PAD.encode(sig)
    )))
}

pub fn admin_cookie(state: &AppState, value: String) -> Cookie<'static> {
    base_cookie(state, ADMIN_COOKIE, value, ADMIN_SESSION_SECONDS)
}

/// The operator of a request's console cookie: well signed, unexpired, and its key still an
/// operator key (a revoked key or a changed `TOLLGATE_ADMIN_KEY` signs the console out).
pub async fn admin(req: &HttpRequest, state: &AppState) -> Result<Option<AdminSession>, ApiError> {
    let Some(cookie) = req.cookie(ADMIN_COOKIE) else {
        return Ok(None);
    };
    let value = cookie.value();
    let Some((payload, sig)) = value
        .strip_prefix(ADMIN_PREFIX)
        .and_then(|v| v.split_once('.'))
    else {
        return Ok(None);
    };
    let (Ok(sig), Some(expected)) = (
        URL_SAFE_NO_PAD.decode(sig),
        mac(&state.session_secret, &[b"admin", payload.as_bytes()]),
    ) else {
        return Ok(None);
    };
    if !bool::from(sig.ct_eq(&expected)) {
        return Ok(None);
    }
    let Some(claims) = URL_SAFE_NO_PAD
        .decode(payload)
        .ok()
        .and_then(|b| serde_json::from_slice::<AdminClaims>(&b).ok())
    else {
        return Ok(None);
    };
    if claims.expires <= chrono::Utc::now().timestamp() {
        return Ok(None);
    }
    let principal = auth::resolve_hash(state, &claims.key_hash).await?;
    Ok(match principal {
        Some(p @ Principal::Operator { .. }) => Some(AdminSession {
            principal: p,
            cookie: value.to_owned(),
        }),
        _ => None,
    })
}

fn csrf_token(state: &AppState, cookie: &str) -> String {
    mac(&state.session_secret, &[b"csrf", cookie.as_bytes()])
        .map(|m| URL_SAFE_NO_PAD.encode(&m[..18]))
        .unwrap_or_default()
}

/// Whether a form's CSRF token belongs to this cookie.
pub fn csrf_ok(expected: &str, given: &str) -> bool {
    !expected.is_empty() && bool::from(expected.as_bytes().ct_eq(given.as_bytes()))
}
