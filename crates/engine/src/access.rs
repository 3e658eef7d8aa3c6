//! Who may call: API keys (stored as SHA-256 hashes, never in clear), the members of a
//! customer with their roles, and the operator's settings (the demo clock offset). The HTTP
//! layer authenticates with these; the engine only stores them.
//!
//! The same store keeps the HTTP idempotency records (DESIGN guarantee 7): the first answer to
//! a mutating request, by the caller's `Idempotency-Key`, so that a retry gets that answer
//! instead of running the request again.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tollgate_billing::Role;
use tollgate_kernel::{CustomerId, Timestamp};

type Source = Box<dyn std::error::Error + Send + Sync>;

/// What a key may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum KeyRole {
    /// The operator: catalog, overrides, every customer, replay, clock.
    Admin,
    /// A product backend: usage, checks, checkout and portal for any customer.
    Server,
}

/// A stored API key. The secret itself is shown once at creation and only its hash is kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiKeyRecord {
    pub id: String,
    pub name: String,
    pub role: KeyRole,
    /// Lowercase hex SHA-256 of the full secret ([`hash_secret`]).
    pub hash: String,
    /// The first characters of the secret, to recognise a key in lists and logs.
    pub prefix: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: Timestamp,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub revoked_at: Option<Timestamp>,
}

/// The hash under which a secret is stored and looked up.
pub fn hash_secret(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// A person who belongs to a customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Member {
    pub customer: CustomerId,
    pub user_id: String,
    pub role: Role,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: Timestamp,
}

/// A stored answer to a mutating request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredResponse {
    pub status: u16,
    pub body: String,
}

/// What [`AccessStore::idempotency_begin`] found for a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdempotencyBegin {
    /// Newly reserved for this request (or a stale reservation was taken over): run it.
    Started,
    /// Another request holds the key and has not finished.
    InProgress { request_hash: String },
    /// Finished before: this is its answer.
    Done {
        request_hash: String,
        response: StoredResponse,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum AccessError {
    /// A key with this id or hash exists already.
    #[error("already exists: {0}")]
    Duplicate(String),
    #[error("access store unavailable: {0}")]
    Unavailable(String),
    #[error("unexpected: {0}")]
    Unexpected(#[source] Source),
}

/// Keys, members and settings.
#[async_trait]
pub trait AccessStore: Send + Sync {
    /// # Errors
    /// [`AccessError::Duplicate`] when the id or the hash is taken; nothing is written.
    async fn insert_key(&self, key: &ApiKeyRecord) -> Result<(), AccessError>;
    /// The key with this hash, revoked or not.
    ///
    /// # Errors
    /// [`AccessError`] on infrastructure failure.
    async fn find_key(&self, hash: &str) -> Result<Option<ApiKeyRecord>, AccessError>;
    /// Oldest first.
    ///
    /// # Errors
    /// [`AccessError`] on infrastructure failure.
    async fn list_keys(&self) -> Result<Vec<ApiKeyRecord>, AccessError>;
    /// Marks a key revoked. `false` when there is no such key or it was already revoked.
    ///
    /// # Errors
    /// [`AccessError`] on infrastructure failure.
    async fn revoke_key(&self, id: &str, at: Timestamp) -> Result<bool, AccessError>;
    /// Adds a member or changes its role.
    ///
    /// # Errors
    /// [`AccessError`] on infrastructure failure.
    async fn put_member(&self, member: &Member) -> Result<(), AccessError>;
    /// # Errors
    /// [`AccessError`] on infrastructure failure.
    async fn members(&self, customer: &CustomerId) -> Result<Vec<Member>, AccessError>;
    /// # Errors
    /// [`AccessError`] on infrastructure failure.
    async fn get_setting(&self, name: &str) -> Result<Option<serde_json::Value>, AccessError>;
    /// # Errors
    /// [`AccessError`] on infrastructure failure.
    async fn put_setting(&self, name: &str, value: &serde_json::Value) -> Result<(), AccessError>;

    /// Reserves `key` for a request whose body hashes to `request_hash`, or tells what holds
    /// it. `key` is already scoped by the caller (principal + key). A reservation older than
    /// `stale_after` whose request never finished is taken over by a retry of the same request
    /// (same hash; a crashed process must not block a key forever): it is reserved again from
    /// `now`, which becomes the reservation's identity for `finish` and `abandon`. A different
    /// request never takes it over: it sees `InProgress` with the other hash (a 409).
    ///
    /// Race-free across processes: of any number of concurrent calls for one key, exactly one
    /// answers [`IdempotencyBegin::Started`]; the same holds for the takeover of a stale
    /// reservation. The caller compares `request_hash` of `InProgress` and `Done` with its own
    /// to tell a retry (same body) from a conflict (409).
    ///
    /// # Errors
    /// [`AccessError`] on infrastructure failure; nothing is reserved then.
    async fn idempotency_begin(
        &self,
        key: &str,
        request_hash: &str,
        now: Timestamp,
        stale_after: chrono::Duration,
    ) -> Result<IdempotencyBegin, AccessError>;

    /// Stores the answer of the request that reserved `key` at `reserved_at` (the `now` its
    /// `begin` was given). The first answer stays: on a key that is already finished, not
    /// reserved at all (abandoned or purged), or reserved again by a takeover since, this does
    /// nothing — a request that outlived its reservation cannot overwrite its successor's.
    ///
    /// # Errors
    /// [`AccessError`] on infrastructure failure.
    async fn idempotency_finish(
        &self,
        key: &str,
        reserved_at: Timestamp,
        response: &StoredResponse,
        now: Timestamp,
    ) -> Result<(), AccessError>;

    /// Drops the unfinished reservation made at `reserved_at` (the request failed with a 5xx
    /// and may be retried). A finished record, or a newer reservation, is kept.
    ///
    /// # Errors
    /// [`AccessError`] on infrastructure failure.
    async fn idempotency_abandon(
        &self,
        key: &str,
        reserved_at: Timestamp,
    ) -> Result<(), AccessError>;

    /// Deletes records created (reserved) before `before`, finished or not; answers how many.
    /// The server purges with `before = now - 7 days` or earlier, which keeps answers at least
    /// the 7 days DESIGN promises.
    ///
    /// # Errors
    /// [`AccessError`] on infrastructure failure.
    async fn idempotency_purge(&self, before: Timestamp) -> Result<u64, AccessError>;

    /// Stores `value` under `name` unless the setting exists, and answers the stored value:
    /// `value` itself, or what was there before. Race-free across processes: of any number of
    /// concurrent calls for one name, one value is stored and every call answers it (a value
    /// made once and shared, like the key that signs session tokens).
    ///
    /// # Errors
    /// [`AccessError`] on infrastructure failure; nothing is stored then.
    async fn put_setting_if_absent(
        &self,
        name: &str,
        value: &serde_json::Value,
    ) -> Result<serde_json::Value, AccessError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_hash_to_sha256_hex() {
        assert_eq!(
            hash_secret("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_ne!(hash_secret("tg_a"), hash_secret("tg_b"));
    }
}
