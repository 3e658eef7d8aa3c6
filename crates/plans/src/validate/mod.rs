//! Catalog rules that need more than one value to check: an entitlement against its feature's
//! kind, prices against each other, a plan or add-on against the feature catalog.
//!
//! Deserialization already guarantees shapes (exactly one of `limit`/`enabled`/`value`, known
//! currencies, windows and codes); these checks guarantee meaning, and name the entry, the
//! feature and the rule in every message.

mod addon;
mod plan;

use crate::error::{PlanError, Subject};
use crate::model::{Entitlement, EntitlementValue, Feature, Price};
use tollgate_kernel::{Enforcement, FeatureKind};

/// Kinds whose entitlement is a numeric limit.
pub(crate) fn has_limit(kind: FeatureKind) -> bool {
    !matches!(kind, FeatureKind::Boolean | FeatureKind::Config)
}

fn check_prices(subject: &Subject, prices: &[Price]) -> Result<(), PlanError> {
    for (i, p) in prices.iter().enumerate() {
        let bad = |reason: String| PlanError::InvalidPrice {
            subject: subject.clone(),
            currency: p.currency,
            interval: p.interval,
            reason,
        };
        if p.amount_minor < 0 {
            return Err(bad(format!(
                "amount_minor must not be negative (got {})",
                p.amount_minor
            )));
        }
        if p.stripe_price_id
            .as_deref()
            .is_some_and(|id| id.trim().is_empty())
        {
            return Err(bad("stripe_price_id must not be empty".to_owned()));
        }
        if prices[..i]
            .iter()
            .any(|q| q.currency == p.currency && q.interval == p.interval)
        {
            return Err(bad("defined more than once".to_owned()));
        }
    }
    Ok(())
}

fn check_entitlement(
    subject: &Subject,
    e: &Entitlement,
    feature: &Feature,
) -> Result<(), PlanError> {
    let bad = |reason: String| PlanError::InvalidEntitlement {
        subject: subject.clone(),
        feature: e.feature.clone(),
        reason,
    };
    let kind = feature.kind;
    match (&e.value, kind) {
        (EntitlementValue::Enabled(_), FeatureKind::Boolean)
        | (EntitlementValue::Config(_), FeatureKind::Config) => {}
        (EntitlementValue::Limit(limit), k) if has_limit(k) => {
            if let Some(n) = limit.filter(|n| *n < 0) {
                return Err(bad(format!(
                    "limit must not be negative (got {n}; use null or \"unlimited\" for no limit)"
                )));
            }
        }
        (_, FeatureKind::Boolean) => return Err(bad("boolean feature needs enabled".to_owned())),
        (_, FeatureKind::Config) => return Err(bad("config feature needs a value".to_owned())),
        (_, k) => return Err(bad(format!("{k} feature needs a limit"))),
    }
    if e.window.is_some() && kind != FeatureKind::Metered {
        return Err(bad(format!(
            "window applies only to metered features, not {kind}"
        )));
    }
    if e.pay_with.is_some() && kind != FeatureKind::Metered {
        return Err(bad(format!(
            "pay_with applies only to metered features, not {kind}"
        )));
    }
    if let Some(overage) = &e.overage {
        if kind != FeatureKind::Metered {
            return Err(bad(format!(
                "overage applies only to metered features, not {kind}"
            )));
        }
        if e.enforcement != Enforcement::Soft {
            return Err(bad(
                "overage needs enforcement \"soft\" (a hard limit is never exceeded)".to_owned(),
            ));
        }
        if e.value == EntitlementValue::Limit(None) {
            return Err(bad("overage needs a finite limit".to_owned()));
        }
        if overage.unit_amount.is_sign_negative() {
            return Err(bad(format!(
                "overage unit_amount must not be negative (got {})",
                overage.unit_amount
            )));
        }
    }
    if let Some(v) = e.warn_at.iter().find(|v| !(1..=100).contains(*v)) {
        return Err(bad(format!(
            "warn_at values must be between 1 and 100 (got {v})"
        )));
    }
    if e.warn_at.windows(2).any(|w| w[0] >= w[1]) {
        return Err(bad("warn_at must be ascending without repeats".to_owned()));
    }
    Ok(())
}

#[cfg(test)]
pub(crate) mod fixtures {
    //! A small feature catalog with one feature of each kind, for rule tests.

    use crate::model::{Feature, FeatureCatalog};
    use tollgate_kernel::{FeatureCode, FeatureKind, PlanCode};

    pub fn fc(s: &str) -> FeatureCode {
        FeatureCode::parse(s).unwrap()
    }

    pub fn pc(s: &str) -> PlanCode {
        PlanCode::parse(s).unwrap()
    }

    pub fn features() -> FeatureCatalog {
        FeatureCatalog::new(vec![
            Feature::new(fc("api_calls"), "API calls", FeatureKind::Metered).with_unit("call"),
            Feature::new(fc("storage_bytes"), "Storage", FeatureKind::Gauge).with_unit("byte"),
            Feature::new(fc("jobs"), "Concurrent jobs", FeatureKind::Concurrency),
            Feature::new(fc("upload"), "Max upload", FeatureKind::PerRequest).with_unit("byte"),
            Feature::new(fc("analytics"), "Analytics", FeatureKind::Boolean),
            Feature::new(fc("retention"), "Retention", FeatureKind::Config),
        ])
        .unwrap()
    }
}
