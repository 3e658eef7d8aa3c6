//! What a plan grants for one feature, and its flat wire shape
//! (`{"feature", "limit"? | "enabled"? | "value"?, "window"?, "enforcement"?, …}`).

use super::price::{Overage, PayWith};
use super::wire::{limit_field, present_fields, present_value};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use tollgate_kernel::{Enforcement, FeatureCode, Window};

/// Thresholds (percent of a limit) at which customers are warned, unless an entitlement says
/// otherwise.
pub const DEFAULT_WARN_AT: [u8; 2] = [80, 100];

/// The grant itself; which variant is right depends on the feature's kind (checked by
/// [`crate::Plan::validate`]).
#[derive(Debug, Clone, PartialEq)]
pub enum EntitlementValue {
    /// `boolean` features: the gate is on or off.
    Enabled(bool),
    /// `metered`, `gauge`, `concurrency` and `per_request` features; `None` is unlimited.
    Limit(Option<i64>),
    /// `config` features: any JSON value (retention days, a list of export formats).
    Config(serde_json::Value),
}

/// One feature's entitlement in a plan.
///
/// A metered entitlement without `window` counts per calendar month: [`crate::Plan::normalize`]
/// writes that default in, and [`crate::resolve`] applies it to unnormalized plans too.
#[derive(Debug, Clone, PartialEq)]
pub struct Entitlement {
    pub feature: FeatureCode,
    pub value: EntitlementValue,
    /// Metered features only.
    pub window: Option<Window>,
    pub enforcement: Enforcement,
    /// Metered features with `soft` enforcement only.
    pub overage: Option<Overage>,
    /// Percentages in `1..=100`, ascending, unique.
    pub warn_at: Vec<u8>,
    /// Metered features only.
    pub pay_with: Option<PayWith>,
}

impl Entitlement {
    /// An entitlement with the defaults: no window, hard enforcement, no overage, warnings at
    /// 80 and 100 %.
    pub fn new(feature: FeatureCode, value: EntitlementValue) -> Self {
        Self {
            feature,
            value,
            window: None,
            enforcement: Enforcement::Hard,
            overage: None,
            warn_at: DEFAULT_WARN_AT.to_vec(),
            pay_with: None,
        }
    }

    /// A limit for a counted feature; `None` is unlimited.
    pub fn limit(feature: FeatureCode, limit: Option<i64>) -> Self {
        Self::new(feature, EntitlementValue::Limit(limit))
    }

    pub fn enabled(feature: FeatureCode, enabled: bool) -> Self {
        Self::new(feature, EntitlementValue::Enabled(enabled))
    }

    pub fn config(feature: FeatureCode, value: serde_json::Value) -> Self {
        Self::new(feature, EntitlementValue::Config(value))
    }

    #[must_use]
    pub fn with_window(mut self, window: Window) -> Self {
        self.window = Some(window);
        self
    }

    #[must_use]
    pub fn with_enforcement(mut self, enforcement: Enforcement) -> Self {
        self.enforcement = enforcement;
        self
    }

    /// Soft enforcement with a price per unit above the limit.
    #[must_use]
    pub fn with_overage(mut self, overage: Overage) -> Self {
        self.enforcement = Enforcement::Soft;
        self.overage = Some(overage);
        self
    }

    #[must_use]
    pub fn with_pay_with(mut self, pay_with: PayWith) -> Self {
        self.pay_with = Some(pay_with);
        self
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EntitlementIn {
    feature: FeatureCode,
    #[serde(default, deserialize_with = "limit_field")]
    limit: Option<Option<i64>>,
    #[serde(default)]
    enabled: Option<bool>,
    #[serde(default, deserialize_with = "present_value")]
    value: Option<serde_json::Value>,
    #[serde(default)]
    window: Option<Window>,
    #[serde(default)]
    enforcement: Option<Enforcement>,
    #[serde(default)]
    overage: Option<Overage>,
    #[serde(default)]
    warn_at: Option<Vec<u8>>,
    #[serde(default)]
    pay_with: Option<PayWith>,
}

impl TryFrom<EntitlementIn> for Entitlement {
    type Error = String;

    fn try_from(w: EntitlementIn) -> Result<Self, Self::Error> {
        let present = present_fields(w.limit.is_some(), w.enabled.is_some(), w.value.is_some());
        let value = match (w.limit, w.enabled, w.value) {
            (Some(limit), None, None) => EntitlementValue::Limit(limit),
            (None, Some(enabled), None) => EntitlementValue::Enabled(enabled),
            (None, None, Some(value)) => EntitlementValue::Config(value),
            _ => {
                return Err(format!(
                    "entitlement \"{}\": give exactly one of limit, enabled or value (found {})",
                    w.feature,
                    if present.is_empty() {
                        "none".to_owned()
                    } else {
                        present.join(" and ")
                    }
                ));
            }
        };
        // Order and repeats of thresholds carry no meaning; range is checked by validation.
        let warn_at = w.warn_at.map_or_else(
            || DEFAULT_WARN_AT.to_vec(),
            |mut v| {
                v.sort_unstable();
                v.dedup();
                v
            },
        );
        Ok(Self {
            feature: w.feature,
            value,
            window: w.window,
            enforcement: w.enforcement.unwrap_or_default(),
            overage: w.overage,
            warn_at,
            pay_with: w.pay_with,
        })
    }
}

impl<'de> Deserialize<'de> for Entitlement {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        EntitlementIn::deserialize(d)?
            .try_into()
            .map_err(serde::de::Error::custom)
    }
}

#[derive(Serialize)]
struct EntitlementOut<'a> {
    feature: &'a FeatureCode,
    #[serde(skip_serializing_if = "Option::is_none")]
    limit: Option<Option<i64>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    enabled: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    value: Option<&'a serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    window: Option<Window>,
    #[serde(skip_serializing_if = "Option::is_none")]
    enforcement: Option<Enforcement>,
    #[serde(skip_serializing_if = "Option::is_none")]
    overage: Option<&'a Overage>,
    #[serde(skip_serializing_if = "Option::is_none")]
    warn_at: Option<&'a [u8]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pay_with: Option<PayWith>,
}

/// Writes the flat shape. Limits always carry `enforcement` and `warn_at`; gates and settings
/// carry them only when they differ from the defaults, so the output stays readable and still
/// round-trips exactly.
impl Serialize for Entitlement {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let is_limit = matches!(self.value, EntitlementValue::Limit(_));
        let (limit, enabled, value) = match &self.value {
            EntitlementValue::Limit(l) => (Some(*l), None, None),
            EntitlementValue::Enabled(b) => (None, Some(*b), None),
            EntitlementValue::Config(v) => (None, None, Some(v)),
        };
        EntitlementOut {
            feature: &self.feature,
            limit,
            enabled,
            value,
            window: self.window,
            enforcement: (is_limit || self.enforcement != Enforcement::Hard)
                .then_some(self.enforcement),
            overage: self.overage.as_ref(),
            warn_at: (is_limit || self.warn_at != DEFAULT_WARN_AT).then_some(&self.warn_at),
            pay_with: self.pay_with,
        }
        .serialize(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(v: serde_json::Value) -> Result<Entitlement, String> {
        serde_json::from_value(v).map_err(|e| e.to_string())
    }

    #[test]
    fn null_limit_is_unlimited_and_absent_fields_take_defaults() {
        let e = parse(json!({"feature": "api_calls", "limit": null})).unwrap();
        assert_eq!(e.value, EntitlementValue::Limit(None));
        assert_eq!(e.enforcement, Enforcement::Hard);
        assert_eq!(e.warn_at, vec![80, 100]);
        let e = parse(json!({"feature": "api_calls", "limit": "unlimited"})).unwrap();
        assert_eq!(e.value, EntitlementValue::Limit(None));
        let e = parse(json!({"feature": "api_calls", "limit": 10})).unwrap();
        assert_eq!(e.value, EntitlementValue::Limit(Some(10)));
    }

    #[test]
    fn exactly_one_value_field() {
        let none = parse(json!({"feature": "x", "window": "month"})).unwrap_err();
        assert!(
            none.contains(
                "entitlement \"x\": give exactly one of limit, enabled or value (found none)"
            ),
            "{none}"
        );
        let two = parse(json!({"feature": "x", "limit": 1, "enabled": true})).unwrap_err();
        assert!(two.contains("(found limit and enabled)"), "{two}");
        let typo = parse(json!({"feature": "x", "limt": 1})).unwrap_err();
        assert!(typo.contains("unknown field `limt`"), "{typo}");
        let word = parse(json!({"feature": "x", "limit": "lots"})).unwrap_err();
        assert!(
            word.contains("a whole number, null or \"unlimited\""),
            "{word}"
        );
        assert!(parse(json!({"feature": "x", "limit": 1.5})).is_err());
    }

    #[test]
    fn null_config_value_is_kept() {
        let e = parse(json!({"feature": "retention_days", "value": null})).unwrap();
        assert_eq!(e.value, EntitlementValue::Config(serde_json::Value::Null));
        assert_eq!(
            serde_json::to_value(&e).unwrap(),
            json!({"feature": "retention_days", "value": null})
        );
    }

    #[test]
    fn warn_at_is_sorted_and_deduplicated() {
        let e = parse(json!({"feature": "x", "limit": 5, "warn_at": [100, 50, 50]})).unwrap();
        assert_eq!(e.warn_at, vec![50, 100]);
    }

    #[test]
    fn serializes_the_flat_shape() {
        let e = parse(
            json!({"feature": "ai_queries", "limit": 1000, "window": "month",
            "enforcement": "soft", "overage": {"currency": "USD", "unit_amount": "0.003"}}),
        )
        .unwrap();
        assert_eq!(
            serde_json::to_value(&e).unwrap(),
            json!({"feature": "ai_queries", "limit": 1000, "window": "month", "enforcement": "soft",
                "overage": {"currency": "USD", "unit_amount": "0.003"}, "warn_at": [80, 100]})
        );
        let unlimited = Entitlement::limit(FeatureCode::parse("x").unwrap(), None);
        assert_eq!(
            serde_json::to_value(&unlimited).unwrap()["limit"],
            serde_json::Value::Null
        );
        let gate = parse(json!({"feature": "analytics", "enabled": true})).unwrap();
        assert_eq!(
            serde_json::to_value(&gate).unwrap(),
            json!({"feature": "analytics", "enabled": true})
        );
    }
}
