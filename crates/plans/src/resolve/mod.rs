//! Effective entitlements: what one customer may use right now, per feature.
//!
//! Layers apply in a fixed order: the plan's entitlement (or "not included"), then add-on packs
//! raise finite limits, then the customer's overrides replace whatever they set. The answer has
//! one entry for every feature of the catalog, so callers never have to guess what a missing
//! feature means.

#[cfg(test)]
mod tests;

use crate::model::{
    AddOn, CustomerOverrides, DEFAULT_WARN_AT, EntitlementValue, Feature, FeatureCatalog, Overage,
    PayWith, Plan,
};
use crate::validate::has_limit;
use serde::Serialize;
use tollgate_kernel::{Enforcement, FeatureCode, FeatureKind, Window};

/// Which layer decided an effective entitlement (the last one that changed it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum EntitlementSource {
    Plan,
    #[serde(rename = "addon")]
    AddOn,
    Override,
    /// Neither the plan nor anything else grants the feature.
    NotIncluded,
}

/// One feature's entitlement for one customer after every layer.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EffectiveEntitlement {
    pub feature: FeatureCode,
    pub name: String,
    pub kind: FeatureKind,
    pub unit: Option<String>,
    /// For limit kinds (metered, gauge, concurrency, per_request): `None` is unlimited,
    /// `Some(0)` allows nothing. Always `None` for boolean and config features.
    pub limit: Option<i64>,
    /// Whether the customer has the feature at all: the gate for boolean features, a limit
    /// other than 0 for limit kinds, a value for config features.
    pub enabled: bool,
    /// Config features only.
    pub value: Option<serde_json::Value>,
    /// Metered features only; never `None` for them (a missing window means a calendar month).
    pub window: Option<Window>,
    pub enforcement: Enforcement,
    /// Only with soft enforcement: an override to `hard` drops the plan's overage price.
    pub overage: Option<Overage>,
    pub warn_at: Vec<u8>,
    pub pay_with: Option<PayWith>,
    pub source: EntitlementSource,
}

/// Effective entitlements of one customer, in feature-catalog order, one per feature.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(transparent)]
pub struct Entitlements {
    items: Vec<EffectiveEntitlement>,
}

impl Entitlements {
    pub fn get(&self, feature: &FeatureCode) -> Option<&EffectiveEntitlement> {
        self.items.iter().find(|e| &e.feature == feature)
    }

    pub fn iter(&self) -> std::slice::Iter<'_, EffectiveEntitlement> {
        self.items.iter()
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn into_vec(self) -> Vec<EffectiveEntitlement> {
        self.items
    }
}

impl<'a> IntoIterator for &'a Entitlements {
    type Item = &'a EffectiveEntitlement;
    type IntoIter = std::slice::Iter<'a, EffectiveEntitlement>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

/// Resolves every feature of `features` for a customer on `plan` (`None`: no subscription, so
/// nothing is included unless an override grants it).
///
/// - Plan: its entitlement for the feature; a metered one without window counts per month.
/// - Not included (no plan entitlement, or one whose value does not fit the feature's kind):
///   boolean disabled, limit kinds `Some(0)` with hard enforcement, config value `None`.
/// - Add-ons: each `(add-on, quantity)` adds `amount × quantity` to a finite limit, saturating at
///   `i64::MAX`; an unlimited limit stays unlimited, and a pack on a feature the plan lacks
///   raises it from 0. Non-positive amounts are ignored, so an add-on never lowers a limit.
/// - Overrides: the fields an override sets replace plan and add-on values; fields that do not
///   fit the feature's kind are ignored (validate overrides on the way in).
///
/// Plan entitlements, add-on lines and overrides of features outside the catalog are ignored.
pub fn resolve(
    plan: Option<&Plan>,
    features: &FeatureCatalog,
    addons: &[(AddOn, u32)],
    overrides: &CustomerOverrides,
) -> Entitlements {
    let items = features
        .iter()
        .map(|feature| {
            let mut e = from_plan(plan, feature);
            apply_addons(&mut e, addons);
            apply_override(&mut e, overrides);
            finish(e)
        })
        .collect();
    Entitlements { items }
}

fn base(feature: &Feature) -> EffectiveEntitlement {
    EffectiveEntitlement {
        feature: feature.code.clone(),
        name: feature.name.clone(),
        kind: feature.kind,
        unit: feature.unit.clone(),
        limit: None,
        enabled: false,
        value: None,
        window: (feature.kind == FeatureKind::Metered).then_some(Window::Month),
        enforcement: Enforcement::Hard,
        overage: None,
        warn_at: DEFAULT_WARN_AT.to_vec(),
        pay_with: None,
        source: EntitlementSource::NotIncluded,
    }
}

fn from_plan(plan: Option<&Plan>, feature: &Feature) -> EffectiveEntitlement {
    let mut e = base(feature);
    let granted = plan.and_then(|p| p.entitlement(&feature.code));
    let fits = match (granted.map(|g| &g.value), feature.kind) {
        (Some(EntitlementValue::Enabled(on)), FeatureKind::Boolean) => {
            e.enabled = *on;
            true
        }
        (Some(EntitlementValue::Config(v)), FeatureKind::Config) => {
            e.value = Some(v.clone());
            true
        }
        (Some(EntitlementValue::Limit(l)), k) if has_limit(k) => {
            e.limit = *l;
            true
        }
        _ => false,
    };
    match granted {
        Some(g) if fits => {
            if feature.kind == FeatureKind::Metered {
                e.window = g.window.or(Some(Window::Month));
                e.pay_with = g.pay_with;
            }
            e.enforcement = g.enforcement;
            e.overage = g.overage;
            e.warn_at = g.warn_at.clone();
            e.source = EntitlementSource::Plan;
        }
        _ if has_limit(feature.kind) => e.limit = Some(0),
        _ => {}
    }
    e
}

fn apply_addons(e: &mut EffectiveEntitlement, addons: &[(AddOn, u32)]) {
    if !has_limit(e.kind) {
        return;
    }
    let extra = addons.iter().fold(0_i64, |sum, (addon, quantity)| {
        let per_unit = addon.adds_to(&e.feature).max(0);
        sum.saturating_add(per_unit.saturating_mul(i64::from(*quantity)))
    });
    if extra > 0
        && let Some(limit) = e.limit
    {
        e.limit = Some(limit.saturating_add(extra));
        e.source = EntitlementSource::AddOn;
    }
}

fn apply_override(e: &mut EffectiveEntitlement, overrides: &CustomerOverrides) {
    let Some(o) = overrides.override_for(&e.feature) else {
        return;
    };
    let mut changed = false;
    match e.kind {
        FeatureKind::Boolean => {
            if let Some(on) = o.enabled {
                e.enabled = on;
                changed = true;
            }
        }
        FeatureKind::Config => {
            if let Some(v) = &o.value {
                e.value = Some(v.clone());
                changed = true;
            }
        }
        _ => {
            if let Some(limit) = o.limit {
                e.limit = limit;
                changed = true;
            }
            if let Some(enforcement) = o.enforcement {
                e.enforcement = enforcement;
                changed = true;
            }
        }
    }
    if changed {
        e.source = EntitlementSource::Override;
    }
}

fn finish(mut e: EffectiveEntitlement) -> EffectiveEntitlement {
    if e.enforcement == Enforcement::Hard {
        e.overage = None;
    }
    match e.kind {
        FeatureKind::Boolean => {}
        FeatureKind::Config => e.enabled = e.value.is_some(),
        _ => e.enabled = e.limit != Some(0),
    }
    e
}
