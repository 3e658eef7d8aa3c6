//! Who is calling. Three kinds of callers carry `Authorization: Bearer …`:
//! - the operator (`TOLLGATE_ADMIN_KEY`, or an admin key made with `tollgate keys create`);
//! - server keys, for a product's backend: any customer, no admin routes;
//! - customer session tokens (`POST /v1/customers/{id}/sessions`), short-lived, signed,
//!   bound to one customer and one role.
//!
//! Keys are random, shown once and stored as SHA-256; a lookup is cached for a few seconds so
//! the hot path does not pay a database read per request (a revoked key stops working within
//! [`KEY_CACHE_SECONDS`]).

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use rand::Rng;
use rand::distr::Alphanumeric;
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use subtle::ConstantTimeEq;
use tollgate_billing::Role;
use tollgate_engine::{AccessStore, ApiKeyRecord, KeyRole, hash_secret};
use tollgate_kernel::{CustomerId, Timestamp};

use crate::error::ApiError;
use crate::state::AppState;

pub const KEY_CACHE_SECONDS: u64 = 10;
const KEY_CACHE_ENTRIES: usize = 10_000;
/// Letters and digits after `tg_admin_` / `tg_server_`.
const SECRET_TAIL: usize = 40;

/// Whether `secret` has the shape of a key this server makes, so that junk never costs a
/// database read.
fn well_formed(secret: &str) -> bool {
    ["tg_admin_", "tg_server_"].iter().any(|p| {
        secret.strip_prefix(p).is_some_and(|tail| {
            tail.len() == SECRET_TAIL && tail.bytes().all(|b| b.is_ascii_alphanumeric())
        })
    })
}
const SESSION_PREFIX: &str = "tgs_";

/// The authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// `key` is the key's visible prefix (`env` for `TOLLGATE_ADMIN_KEY`), `id` its record id.
    Operator {
        key: String,
        id: String,
    },
    Server {
        key: String,
        id: String,
    },
    Customer {
        customer: CustomerId,
        user_id: String,
        role: Role,
    },
}

/// What a customer-scoped route needs from a session token (keys always pass).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Need {
    Member,
    Admin,
    Owner,
}

fn rank(role: Role) -> Need {
    match role {
        Role::Owner => Need::Owner,
        Role::Admin => Need::Admin,
        Role::Member => Need::Member,
    }
}

impl Principal {
    /// The actor written into the audit journal.
    pub fn actor(&self) -> String {
        match self {
            Self::Operator { key, .. } => format!("operator:{key}"),
            Self::Server { key, .. } => format!("server:{key}"),
            Self::Customer {
                customer, user_id, ..
            } => format!("customer:{customer}/{user_id}"),
        }
    }

    /// Whose `Idempotency-Key`s these are: the key's record id, or the session's customer and
    /// user (length-prefixed, so no two callers can spell the same scope).
    pub fn scope(&self) -> String {
        match self {
            Self::Operator { id, .. } | Self::Server { id, .. } => format!("key:{id}"),
            Self::Customer {
                customer, user_id, ..
            } => format!(
                "session:{}:{customer}{}:{user_id}",
                customer.as_str().len(),
                user_id.len()
            ),
        }
    }

    /// Operator only: catalog, overrides, every customer's data, replay, the clock.
    pub fn operator(&self) -> Result<(), ApiError> {
        match self {
            Self::Operator { .. } => Ok(()),
            _ => Err(ApiError::forbidden("this route needs the operator key")),
        }
    }

    /// A key (operator or server): usage, leases, customer management.
    pub fn backend(&self) -> Result<(), ApiError> {
        match self {
            Self::Operator { .. } | Self::Server { .. } => Ok(()),
            Self::Customer { .. } => Err(ApiError::forbidden(
                "this route needs a server key; session tokens cannot call it",
            )),
        }
    }

    /// A route about one customer: keys reach every customer; a session token reaches only its
    /// own (any other answers 404, as if it did not exist) and only with the role `need`.
    pub fn customer(&self, id: &CustomerId, need: Need) -> Result<(), ApiError> {
        match self {
            Self::Operator { .. } | Self::Server { .. } => Ok(()),
            Self::Customer { customer, role, .. } => {
                if customer != id {
                    Err(ApiError::not_found(format!(
                        "customer {:?} not found",
                        id.as_str()
                    )))
                } else if rank(*role) < need {
                    Err(ApiError::forbidden(format!(
                        "this needs the {} role",
                        match need {
                            Need::Owner => "owner",
                            Need::Admin => "admin (or owner)",
                            Need::Member => "member",
                        }
                    )))
                } else {
                    Ok(())
                }
            }
        }
    }
}

/// A new random secret: `tg_<role>_` and 40 letters and digits (≈238 bits).
pub fn new_secret(role: KeyRole) -> String {
    let tail: String = rand::rng()
        .sample_iter(&Alphanumeric)
        .take(40)
        .map(char::from)
        .collect();
    match role {
        KeyRole::Admin => format!("tg_admin_{tail}"),
        KeyRole::Server => format!("tg_server_{tail}"),
    }
}

/// Creates and stores a key; the secret is answered once and never kept.
///
/// # Errors
/// Store failures.
pub async fn create_key(
    access: &dyn AccessStore,
    name: &str,
    role: KeyRole,
    now: Timestamp,
) -> Result<(ApiKeyRecord, String), ApiError> {
    let secret = new_secret(role);
    // `tg_server_` and six characters: enough to recognise a key in a list, useless to guess it.
    let cut = secret.rfind('_').map_or(0, |i| i + 1) + 6;
    let prefix = secret.get(..cut).unwrap_or(&secret).to_owned();
    let record = ApiKeyRecord {
        id: tollgate_kernel::new_id("key"),
        name: name.to_owned(),
        role,
        hash: hash_secret(&secret),
        prefix,
        created_at: now,
        revoked_at: None,
    };
    access.insert_key(&record).await?;
    Ok((record, secret))
}

/// The claims inside a session token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionClaims {
    #[serde(rename = "c")]
    pub customer: CustomerId,
    #[serde(rename = "u")]
    pub user_id: String,
    #[serde(rename = "r")]
    pub role: Role,
    /// Expiry, Unix seconds on the engine clock.
    #[serde(rename = "e")]
    pub expires: i64,
    /// What the token may be used for; a token is accepted only where its use is expected.
    #[serde(rename = "k", default, skip_serializing_if = "TokenUse::is_api")]
    pub use_: TokenUse,
    /// A sign-in link's session end (the API token's expiry): the UI cookie it is exchanged
    /// for lasts until then, never longer.
    #[serde(rename = "s", default, skip_serializing_if = "Option::is_none")]
    pub session_expires: Option<i64>,
}

/// The three uses of a signed customer token, each with its own prefix (`tgs_`, `tgl_`,
/// `tgu_`) and claim. A token made for one use is refused for the others, so a sign-in link
/// found in a proxy's access log is no API key, and neither is a UI cookie (a process of an
/// older version, which knows only `tgs_`, refuses the new ones too).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenUse {
    /// `Authorization: Bearer` on the v1 API (`token` of `POST /v1/customers/{id}/sessions`).
    #[default]
    Api,
    /// The `url` of a session: opened to sign in to the UI, valid a few minutes.
    Link,
    /// The UI's session cookie.
    Ui,
}

impl TokenUse {
    fn is_api(&self) -> bool {
        *self == Self::Api
    }

    fn prefix(self) -> &'static str {
        match self {
            Self::Api => SESSION_PREFIX,
            Self::Link => "tgl_",
            Self::Ui => "tgu_",
        }
    }
}

/// How long a session's sign-in link (`url`) can be opened.
pub const LINK_SECONDS: i64 = 600;

type HmacSha256 = Hmac<Sha256>;

fn mac(secret: &[u8], payload: &str) -> Option<HmacSha256> {
    let mut m = HmacSha256::new_from_slice(secret).ok()?;
    m.update(payload.as_bytes());
    Some(m)
}

/// `<prefix><claims>.<HMAC-SHA256(claims)>`, both base64url, the prefix naming the use:
/// verifiable by every server process that shares the signing secret, with no lookup.
pub fn sign_session(secret: &[u8], claims: &SessionClaims) -> Option<String> {
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims).ok()?);
    let sig = URL_SAFE_NO_PAD.encode(mac(secret, &payload)?.finalize().into_bytes());
    Some(format!("{}{payload}.{sig}", claims.use_.prefix()))
}

/// Records `user_id` as a member of `customer` with `role` (what a session's role is checked
/// against), as of the engine clock.
pub async fn record_member(
    state: &AppState,
    customer: &CustomerId,
    user_id: &str,
    role: Role,
) -> Result<(), ApiError> {
    state
        .access
        .put_member(&tollgate_engine::Member {
            customer: customer.clone(),
            user_id: user_id.to_owned(),
            role,
            created_at: state.engine.now(),
        })
        .await?;
    Ok(())
}

/// Signs `claims`, or an internal error.
pub fn sign(state: &AppState, claims: &SessionClaims) -> Result<String, ApiError> {
    sign_session(&state.session_secret, claims).ok_or_else(ApiError::internal)
}

/// A new session: the API token, the UI sign-in link's token and when the session ends.
#[derive(Debug)]
pub struct IssuedSession {
    pub token: String,
    pub link: String,
    pub expires_at: Timestamp,
}

/// Records `user_id` as a member of `customer` with `role` and signs its session: an API
/// token for the configured TTL (engine clock) and a sign-in link valid [`LINK_SECONDS`] (or
/// less, never past the session's end).
pub async fn issue_session(
    state: &AppState,
    customer: &CustomerId,
    user_id: String,
    role: Role,
) -> Result<IssuedSession, ApiError> {
    record_member(state, customer, &user_id, role).await?;
    let now = state.engine.now();
    let expires_at = now + chrono::Duration::seconds(state.config.session_ttl_seconds);
    let link_expires = (now + chrono::Duration::seconds(LINK_SECONDS)).min(expires_at);
    let claims = SessionClaims {
        customer: customer.clone(),
        user_id,
        role,
        expires: expires_at.timestamp(),
        use_: TokenUse::Api,
        session_expires: None,
    };
    let link = SessionClaims {
        expires: link_expires.timestamp(),
        use_: TokenUse::Link,
        session_expires: Some(expires_at.timestamp()),
        ..claims.clone()
    };
    Ok(IssuedSession {
        token: sign(state, &claims)?,
        link: sign(state, &link)?,
        expires_at,
    })
}

/// The claims of a well-signed, unexpired token made for `want`.
pub fn verify_session(
    secret: &[u8],
    token: &str,
    now: Timestamp,
    want: TokenUse,
) -> Option<SessionClaims> {
    let (payload, sig) = token.strip_prefix(want.prefix())?.split_once('.')?;
    let sig = URL_SAFE_NO_PAD.decode(sig).ok()?;
    mac(secret, payload)?.verify_slice(&sig).ok()?;
    let claims: SessionClaims =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()?;
    (claims.expires > now.timestamp() && claims.use_ == want).then_some(claims)
}

/// Recently seen keys by hash, a miss included. Bounded: when full it starts over, which costs
/// one database read per key in use, never a scan under the lock.
#[derive(Debug, Default)]
pub struct KeyCache {
    entries: Mutex<HashMap<String, (Option<Principal>, Instant)>>,
}

impl KeyCache {
    fn get(&self, hash: &str) -> Option<Option<Principal>> {
        let map = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        map.get(hash)
            .filter(|(_, at)| at.elapsed() < Duration::from_secs(KEY_CACHE_SECONDS))
            .map(|(p, _)| p.clone())
    }

    fn put(&self, hash: String, principal: Option<Principal>) {
        let mut map = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() >= KEY_CACHE_ENTRIES {
            map.clear();
        }
        map.insert(hash, (principal, Instant::now()));
    }

    pub fn clear(&self) {
        self.entries
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
    }
}

/// Resolves a bearer secret. `Ok(None)` for a secret that matches nothing.
pub async fn resolve(state: &AppState, secret: &str) -> Result<Option<Principal>, ApiError> {
    if secret.starts_with(SESSION_PREFIX) {
        return Ok(verify_session(
            &state.session_secret,
            secret,
            state.engine.now(),
            TokenUse::Api,
        )
        .map(|c| Principal::Customer {
            customer: c.customer,
            user_id: c.user_id,
            role: c.role,
        }));
    }
    let hash = hash_secret(secret);
    if !well_formed(secret) {
        // Only the operator key from the environment may have any shape; junk costs no read.
        return Ok(operator_env(state, &hash));
    }
    resolve_hash(state, &hash).await
}

/// The environment's operator key, when `hash` is its hash.
fn operator_env(state: &AppState, hash: &str) -> Option<Principal> {
    state
        .operator_key_hash
        .as_ref()
        .filter(|op| bool::from(op.as_bytes().ct_eq(hash.as_bytes())))
        .map(|_| Principal::Operator {
            key: "env".to_owned(),
            id: "env".to_owned(),
        })
}

/// Resolves a key by its SHA-256 (the console's cookie names its key this way): the
/// environment's operator key, or a stored, unrevoked key.
pub async fn resolve_hash(state: &AppState, hash: &str) -> Result<Option<Principal>, ApiError> {
    if let Some(op) = operator_env(state, hash) {
        return Ok(Some(op));
    }
    if let Some(hit) = state.keys.get(hash) {
        return Ok(hit);
    }
    let found = state.access.find_key(hash).await?;
    let principal = found
        .filter(|k| k.revoked_at.is_none())
        .map(|k| match k.role {
            KeyRole::Admin => Principal::Operator {
                key: k.prefix,
                id: k.id,
            },
            KeyRole::Server => Principal::Server {
                key: k.prefix,
                id: k.id,
            },
        });
    state.keys.put(hash.to_owned(), principal.clone());
    Ok(principal)
}

/// The bearer secret of a request, if any.
pub fn bearer(req: &HttpRequest) -> Option<&str> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, secret) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| secret.trim())
        .filter(|s| !s.is_empty())
}

impl FromRequest for Principal {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            if let Some(p) = req.extensions().get::<Principal>() {
                return Ok(p.clone());
            }
            let state = req
                .app_data::<web::Data<AppState>>()
                .ok_or_else(ApiError::internal)?
                .clone();
            let secret = bearer(&req).ok_or_else(ApiError::unauthenticated)?;
            let principal = resolve(&state, secret)
                .await?
                .ok_or_else(ApiError::unauthenticated)?;
            req.extensions_mut().insert(principal.clone());
            Ok(principal)
        })
    }
}

/// Keeps the state handle cheap to share with handlers.
pub type SharedAccess = Arc<dyn AccessStore>;

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn claims(expires: i64) -> SessionClaims {
        SessionClaims {
            customer: CustomerId::parse("acme").unwrap(),
            user_id: "u1".into(),
            role: Role::Admin,
            expires,
            use_: TokenUse::Api,
            session_expires: None,
        }
    }

    #[test]
    fn session_tokens_verify_only_with_their_secret_and_before_expiry() {
        let now = chrono::Utc::now();
        let token = sign_session(b"k1", &claims(now.timestamp() + 60)).unwrap();
        let api = TokenUse::Api;
        assert_eq!(
            verify_session(b"k1", &token, now, api),
            Some(claims(now.timestamp() + 60))
        );
        assert_eq!(
            verify_session(b"k2", &token, now, api),
            None,
            "other secret"
        );
        let later = now + chrono::Duration::seconds(61);
        assert_eq!(verify_session(b"k1", &token, later, api), None, "expired");
        // Tampering with the claims (e.g. the role) breaks the signature.
        let (payload, sig) = token
            .strip_prefix(SESSION_PREFIX)
            .unwrap()
            .split_once('.')
            .unwrap();
        let mut forged = claims(now.timestamp() + 60);
        forged.role = Role::Owner;
        let forged_payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&forged).unwrap());
        assert_ne!(forged_payload, payload);
        let forged = format!("{SESSION_PREFIX}{forged_payload}.{sig}");
        assert_eq!(verify_session(b"k1", &forged, now, api), None);
    }

    #[test]
    fn a_token_is_accepted_only_for_its_own_use() {
        let now = chrono::Utc::now();
        let uses = [TokenUse::Api, TokenUse::Link, TokenUse::Ui];
        for made in uses {
            let token = sign_session(
                b"k1",
                &SessionClaims {
                    use_: made,
                    ..claims(now.timestamp() + 60)
                },
            )
            .unwrap();
            for want in uses {
                assert_eq!(
                    verify_session(b"k1", &token, now, want).is_some(),
                    made == want,
                    "{made:?} as {want:?}"
                );
            }
        }
        // API tokens keep their format: no use field (tokens made before still verify).
        let api = sign_session(b"k1", &claims(now.timestamp() + 60)).unwrap();
        assert!(api.starts_with("tgs_"));
        let payload = api
            .strip_prefix(SESSION_PREFIX)
            .unwrap()
            .split_once('.')
            .unwrap()
            .0;
        let json = String::from_utf8(URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
        assert!(!json.contains("\"k\""), "{json}");
    }

    #[test]
    fn only_well_formed_secrets_are_looked_up() {
        assert!(well_formed(&new_secret(KeyRole::Server)));
        assert!(well_formed(&new_secret(KeyRole::Admin)));
        assert!(!well_formed("tg_server_short"));
        assert!(!well_formed(&format!("tg_server_{}", "x".repeat(39) + "!")));
        assert!(!well_formed(&format!("tg_other_{}", "x".repeat(40))));
    }

    #[test]
    fn idempotency_scopes_cannot_collide() {
        let session = |c: &str, u: &str| Principal::Customer {
            customer: CustomerId::parse(c).unwrap(),
            user_id: u.into(),
            role: Role::Owner,
        };
        assert_ne!(session("a:b", "c").scope(), session("a", "b:c").scope());
        let key = |id: &str| Principal::Server {
            key: "tg_server_Ab12Cd".into(),
            id: id.into(),
        };
        assert_ne!(
            key("key_1").scope(),
            key("key_2").scope(),
            "same prefix, other keys"
        );
    }

    #[test]
    fn secrets_are_random_and_prefixed_by_role() {
        let a = new_secret(KeyRole::Server);
        let b = new_secret(KeyRole::Server);
        assert_ne!(a, b);
        assert!(a.starts_with("tg_server_") && a.len() == 50);
        assert!(new_secret(KeyRole::Admin).starts_with("tg_admin_"));
    }

    #[test]
    fn session_roles_are_ordered_for_route_needs() {
        let acme = CustomerId::parse("acme").unwrap();
        let other = CustomerId::parse("globex").unwrap();
        let member = Principal::Customer {
            customer: acme.clone(),
            user_id: "u".into(),
            role: Role::Member,
        };
        assert!(member.customer(&acme, Need::Member).is_ok());
        assert_eq!(
            member
                .customer(&acme, Need::Admin)
                .unwrap_err()
                .status
                .as_u16(),
            403
        );
        assert_eq!(
            member
                .customer(&other, Need::Member)
                .unwrap_err()
                .status
                .as_u16(),
            404
        );
        assert_eq!(member.operator().unwrap_err().status.as_u16(), 403);
        let server = Principal::Server {
            key: "k".into(),
            id: "key_1".into(),
        };
        assert!(server.customer(&other, Need::Owner).is_ok());
        assert!(server.operator().is_err() && server.backend().is_ok());
    }
}
