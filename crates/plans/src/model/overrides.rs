//! Per-customer overrides and add-on selections: what an operator negotiated for one customer.

use super::wire::{limit_field, present_fields, present_value};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use tollgate_kernel::{Enforcement, FeatureCode, PlanCode};

/// Replaces parts of one feature's entitlement for one customer; every field left `None` keeps
/// what the plan (and add-ons) give. Wire shape is the entitlement's flat object restricted to
/// `{"feature", "limit"?, "enabled"?, "value"?, "enforcement"?}`.
#[derive(Debug, Clone, PartialEq)]
pub struct Override {
    pub feature: FeatureCode,
    /// `Some(None)` is unlimited (`"limit": null`).
    pub limit: Option<Option<i64>>,
    pub enabled: Option<bool>,
    pub value: Option<serde_json::Value>,
    pub enforcement: Option<Enforcement>,
}

impl Override {
    /// An override that changes nothing yet; set at least one field before storing it.
    pub fn new(feature: FeatureCode) -> Self {
        Self {
            feature,
            limit: None,
            enabled: None,
            value: None,
            enforcement: None,
        }
    }

    #[must_use]
    pub fn with_limit(mut self, limit: Option<i64>) -> Self {
        self.limit = Some(limit);
        self
    }

    #[must_use]
    pub fn with_enabled(mut self, enabled: bool) -> Self {
        self.enabled = Some(enabled);
        self
    }

    #[must_use]
    pub fn with_value(mut self, value: serde_json::Value) -> Self {
        self.value = Some(value);
        self
    }

    #[must_use]
    pub fn with_enforcement(mut self, enforcement: Enforcement) -> Self {
        self.enforcement = Some(enforcement);
        self
    }
}

#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct OverrideWire {
    feature: FeatureCode,
    #[serde(
        default,
        deserialize_with = "limit_field",
        skip_serializing_if = "Option::is_none"
    )]
    limit: Option<Option<i64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    enabled: Option<bool>,
    #[serde(
        default,
        deserialize_with = "present_value",
        skip_serializing_if = "Option::is_none"
    )]
    value: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    enforcement: Option<Enforcement>,
}

impl<'de> Deserialize<'de> for Override {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let w = OverrideWire::deserialize(d)?;
        let present = present_fields(w.limit.is_some(), w.enabled.is_some(), w.value.is_some());
        if present.len() > 1 {
            return Err(serde::de::Error::custom(format!(
                "override \"{}\": give at most one of limit, enabled or value (found {})",
                w.feature,
                present.join(" and ")
            )));
        }
        if present.is_empty() && w.enforcement.is_none() {
            return Err(serde::de::Error::custom(format!(
                "override \"{}\": give limit, enabled, value or enforcement",
                w.feature
            )));
        }
        Ok(Self {
            feature: w.feature,
            limit: w.limit,
            enabled: w.enabled,
            value: w.value,
            enforcement: w.enforcement,
        })
    }
}

impl Serialize for Override {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        OverrideWire {
            feature: self.feature.clone(),
            limit: self.limit,
            enabled: self.enabled,
            value: self.value.clone(),
            enforcement: self.enforcement,
        }
        .serialize(s)
    }
}

/// An add-on a customer bought, and how many units.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AddOnSelection {
    pub code: PlanCode,
    pub quantity: u32,
}

/// Everything customer-specific that shapes entitlements besides the plan. The default (no
/// overrides, no add-ons) is what a customer nobody customized has.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CustomerOverrides {
    #[serde(default)]
    pub overrides: Vec<Override>,
    #[serde(default)]
    pub addons: Vec<AddOnSelection>,
}

impl CustomerOverrides {
    pub fn is_empty(&self) -> bool {
        self.overrides.is_empty() && self.addons.is_empty()
    }

    pub fn override_for(&self, feature: &FeatureCode) -> Option<&Override> {
        self.overrides.iter().find(|o| &o.feature == feature)
    }

    /// Units bought of an add-on (0 when not selected).
    pub fn addon_quantity(&self, code: &PlanCode) -> u32 {
        self.addons
            .iter()
            .filter(|a| &a.code == code)
            .fold(0_u32, |sum, a| sum.saturating_add(a.quantity))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn json_shape_round_trips() {
        let raw = json!({"overrides": [
                {"feature": "api_calls", "limit": null},
                {"feature": "ai_queries", "limit": 5000, "enforcement": "soft"},
                {"feature": "analytics", "enabled": true},
                {"feature": "retention_days", "value": null},
                {"feature": "storage_bytes", "enforcement": "soft"}],
            "addons": [{"code": "storage_10gb", "quantity": 2}]});
        let o: CustomerOverrides = serde_json::from_value(raw.clone()).unwrap();
        assert_eq!(o.overrides[0].limit, Some(None));
        assert_eq!(o.overrides[1].limit, Some(Some(5000)));
        assert_eq!(o.overrides[3].value, Some(serde_json::Value::Null));
        assert_eq!(o.overrides[4].limit, None);
        assert_eq!(
            o.addon_quantity(&PlanCode::parse("storage_10gb").unwrap()),
            2
        );
        assert_eq!(serde_json::to_value(&o).unwrap(), raw);
    }

    #[test]
    fn an_override_must_change_something_and_only_one_value() {
        let empty = serde_json::from_value::<Override>(json!({"feature": "x"})).unwrap_err();
        assert!(
            empty
                .to_string()
                .contains("override \"x\": give limit, enabled, value or enforcement")
        );
        let two =
            serde_json::from_value::<Override>(json!({"feature": "x", "limit": 1, "value": 2}))
                .unwrap_err();
        assert!(two.to_string().contains("(found limit and value)"), "{two}");
    }

    #[test]
    fn default_is_empty() {
        let o: CustomerOverrides = serde_json::from_str("{}").unwrap();
        assert!(o.is_empty());
        assert_eq!(o, CustomerOverrides::default());
    }
}
