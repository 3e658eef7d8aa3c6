//! Concurrency leases: at most `limit` held at once per customer and feature; a lease that is
//! not released expires after its TTL and is reclaimed.

use chrono::Duration;
use serde::{Deserialize, Serialize};
use tollgate_kernel::{CustomerId, FeatureCode, FeatureKind, Timestamp};
use tollgate_quotas::{DenyReason, LeaseKey, LeaseRequest};

use crate::engine::Engine;
use crate::error::EngineError;

/// Longest lease a caller may ask for; longer work renews its lease.
pub const MAX_LEASE_TTL_SECONDS: i64 = 24 * 3600;

/// Separator inside lease ids: never valid in a customer id or a feature code, so an id
/// decodes back to its key without a lookup.
const SEP: char = '~';

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Lease {
    pub lease_id: String,
    pub customer: CustomerId,
    pub feature: FeatureCode,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub expires_at: Timestamp,
    pub held: i64,
    pub limit: Option<i64>,
}

fn lease_id(key: &LeaseKey) -> String {
    format!(
        "lse{SEP}{}{SEP}{}{SEP}{}",
        key.customer,
        key.feature,
        uuid_part()
    )
}

fn uuid_part() -> String {
    tollgate_kernel::new_id("l")
        .trim_start_matches("l_")
        .to_owned()
}

/// Decodes a lease id made by [`lease_id`].
fn parse_lease_id(id: &str) -> Option<LeaseKey> {
    let mut parts = id.split(SEP);
    if parts.next()? != "lse" {
        return None;
    }
    let customer = CustomerId::parse(parts.next()?).ok()?;
    let feature = FeatureCode::parse(parts.next()?).ok()?;
    parts.next()?;
    if parts.next().is_some() {
        return None;
    }
    Some(LeaseKey { customer, feature })
}

impl Engine {
    /// Takes one lease of a concurrency feature for `ttl_seconds`.
    ///
    /// # Errors
    /// - [`EngineError::Invalid`]: the feature is not a concurrency feature or the TTL is out
    ///   of range.
    /// - [`EngineError::NotFound`]: unknown customer or feature.
    /// - [`EngineError::AccountLocked`]: the account is read-only.
    /// - [`EngineError::QuotaExceeded`] (reason `ConcurrencyLimit`): every lease is held.
    pub async fn acquire_lease(
        &self,
        customer: &CustomerId,
        feature: &FeatureCode,
        ttl_seconds: i64,
    ) -> Result<Lease, EngineError> {
        if !(1..=MAX_LEASE_TTL_SECONDS).contains(&ttl_seconds) {
            return Err(EngineError::invalid(format!(
                "ttl_seconds must be between 1 and {MAX_LEASE_TTL_SECONDS}"
            )));
        }
        let ctx = self.cached_context(customer).await?;
        let ent = ctx
            .entitlements
            .get(feature)
            .ok_or_else(|| EngineError::not_found("feature", feature))?;
        if ent.kind != FeatureKind::Concurrency {
            return Err(EngineError::invalid(format!(
                "feature {feature} is {}, not a concurrency feature",
                ent.kind
            )));
        }
        if ctx.is_locked() {
            return Err(EngineError::AccountLocked);
        }
        let now = self.now();
        let key = LeaseKey {
            customer: customer.clone(),
            feature: feature.clone(),
        };
        let id = lease_id(&key);
        let expires_at = now + Duration::seconds(ttl_seconds);
        let request = LeaseRequest {
            key: key.clone(),
            lease_id: id.clone(),
            limit: ent.limit,
            now,
            expires_at,
        };
        let outcome = self
            .with_leases(|l| {
                let request = request.clone();
                async move { l.acquire(&request).await }
            })
            .await?;
        if !outcome.acquired {
            return Err(EngineError::QuotaExceeded {
                feature: feature.clone(),
                limit: ent.limit,
                used: outcome.held,
                resets_at: outcome.earliest_expiry,
                reason: DenyReason::ConcurrencyLimit,
            });
        }
        Ok(Lease {
            lease_id: id,
            customer: customer.clone(),
            feature: feature.clone(),
            expires_at,
            held: outcome.held,
            limit: ent.limit,
        })
    }

    /// Gives a lease back before it expires.
    ///
    /// # Errors
    /// [`EngineError::NotFound`] when the lease is unknown, already released or expired.
    pub async fn release_lease(&self, lease_id: &str) -> Result<LeaseKey, EngineError> {
        let key =
            parse_lease_id(lease_id).ok_or_else(|| EngineError::not_found("lease", lease_id))?;
        let released = self
            .with_leases(|l| {
                let key = key.clone();
                async move { l.release(&key, lease_id).await }
            })
            .await?;
        if released {
            Ok(key)
        } else {
            Err(EngineError::not_found("lease", lease_id))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lease_ids_decode_to_their_key() {
        let key = LeaseKey {
            customer: CustomerId::parse("org:eu.1").unwrap(),
            feature: FeatureCode::parse("concurrent_jobs").unwrap(),
        };
        let id = lease_id(&key);
        assert_eq!(parse_lease_id(&id), Some(key));
        assert_eq!(parse_lease_id("lse~a~b"), None);
        assert_eq!(parse_lease_id("nope"), None);
        assert_eq!(parse_lease_id("lse~a~b~c~d"), None);
    }
}
