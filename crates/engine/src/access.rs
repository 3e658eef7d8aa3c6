//! Who may call: API keys (stored as SHA-256 hashes, never in clear), the members of a
//! customer with their roles, and the operator's settings (the demo clock offset). The HTTP
//! layer authenticates with these; the engine only stores them.

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
