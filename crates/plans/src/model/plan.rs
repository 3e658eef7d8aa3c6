//! The plan: one canonical entity for what a tier costs and what it grants.

use super::entitlement::Entitlement;
use super::price::{Price, WalletGrant};
use serde::{Deserialize, Serialize};
use tollgate_kernel::{Currency, FeatureCode, Interval, PlanCode};

/// A tier customers subscribe to. JSON/TOML shape is DESIGN.md's plan object.
///
/// Fields are public so stores and admin handlers can map them freely; nothing built that way is
/// trusted until [`Plan::validate`] passed against the feature catalog.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Plan {
    pub code: PlanCode,
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// Rank among plans: a higher priority is a higher tier (see [`crate::compare`]).
    pub priority: i32,
    #[serde(default)]
    pub trial_days: u32,
    /// Inactive plans take no new subscriptions; existing subscribers keep them.
    #[serde(default = "yes")]
    pub active: bool,
    /// Listed in the public catalog (`GET /v1/plans`).
    #[serde(default = "yes")]
    pub public: bool,
    /// "Contact sales": no self-serve price, never sold through checkout.
    #[serde(default)]
    pub custom: bool,
    #[serde(default)]
    pub prices: Vec<Price>,
    #[serde(default)]
    pub entitlements: Vec<Entitlement>,
    #[serde(default)]
    pub wallet_grants: Vec<WalletGrant>,
}

fn yes() -> bool {
    true
}

impl Plan {
    /// An active, public, non-custom plan with no prices or entitlements yet.
    pub fn new(code: PlanCode, name: impl Into<String>, priority: i32) -> Self {
        Self {
            code,
            name: name.into(),
            description: String::new(),
            priority,
            trial_days: 0,
            active: true,
            public: true,
            custom: false,
            prices: Vec::new(),
            entitlements: Vec::new(),
            wallet_grants: Vec::new(),
        }
    }

    /// The self-serve price for a currency and interval; `None` means it cannot be bought that
    /// way (and never for a custom plan).
    pub fn price(&self, currency: Currency, interval: Interval) -> Option<&Price> {
        self.prices
            .iter()
            .find(|p| p.currency == currency && p.interval == interval)
    }

    /// The plan's own entitlement for a feature, before add-ons and overrides; `None` means the
    /// feature is not included.
    pub fn entitlement(&self, feature: &FeatureCode) -> Option<&Entitlement> {
        self.entitlements.iter().find(|e| &e.feature == feature)
    }

    /// Whether the public catalog shows this plan: active and public.
    pub fn is_listed(&self) -> bool {
        self.active && self.public
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::EntitlementValue;
    use tollgate_kernel::{Decimal, Enforcement, GrantTrigger, Window};

    /// The plan example of DESIGN.md, verbatim.
    const DESIGN_EXAMPLE: &str = r#"{"code": "pro", "name": "Pro", "description": "For growing teams", "priority": 20,
 "trial_days": 14, "active": true, "public": true,
 "prices": [{"currency": "USD", "interval": "month", "amount_minor": 4900, "stripe_price_id": null}],
 "entitlements": [
   {"feature": "api_calls", "limit": 10000, "window": "month", "enforcement": "hard"},
   {"feature": "ai_queries", "limit": 1000, "window": "month", "enforcement": "soft",
    "overage": {"currency": "USD", "unit_amount": "0.003"}},
   {"feature": "storage_bytes", "limit": 10737418240, "enforcement": "hard"},
   {"feature": "concurrent_jobs", "limit": 3},
   {"feature": "max_upload_bytes", "limit": 209715200},
   {"feature": "analytics", "enabled": true},
   {"feature": "retention_days", "value": 365}],
 "wallet_grants": [{"amount_minor": 500, "currency": "USD", "on": "start", "expires_after_days": 30}]}"#;

    fn fc(s: &str) -> FeatureCode {
        FeatureCode::parse(s).unwrap()
    }

    #[test]
    fn design_example_parses_to_the_model() {
        let p: Plan = serde_json::from_str(DESIGN_EXAMPLE).unwrap();
        assert_eq!(
            (p.priority, p.trial_days, p.active, p.public, p.custom),
            (20, 14, true, true, false)
        );
        assert_eq!(
            p.price(Currency::USD, Interval::Month)
                .unwrap()
                .amount_minor,
            4900
        );
        assert!(p.price(Currency::USD, Interval::Year).is_none());
        assert!(p.price(Currency::EUR, Interval::Month).is_none());
        let ai = p.entitlement(&fc("ai_queries")).unwrap();
        assert_eq!(ai.enforcement, Enforcement::Soft);
        assert_eq!(ai.window, Some(Window::Month));
        assert_eq!(ai.overage.unwrap().unit_amount, Decimal::new(3, 3));
        let jobs = p.entitlement(&fc("concurrent_jobs")).unwrap();
        assert_eq!(jobs.value, EntitlementValue::Limit(Some(3)));
        assert_eq!(jobs.enforcement, Enforcement::Hard);
        assert_eq!(
            p.entitlement(&fc("retention_days")).unwrap().value,
            EntitlementValue::Config(serde_json::json!(365))
        );
        assert_eq!(p.wallet_grants[0].on, GrantTrigger::Start);
        assert!(p.entitlement(&fc("white_label")).is_none());
    }

    #[test]
    fn design_example_round_trips() {
        let p: Plan = serde_json::from_str(DESIGN_EXAMPLE).unwrap();
        let json = serde_json::to_value(&p).unwrap();
        let again: Plan = serde_json::from_value(json.clone()).unwrap();
        assert_eq!(again, p);
        // Every key of the example is written back with its value.
        let original: serde_json::Value = serde_json::from_str(DESIGN_EXAMPLE).unwrap();
        for (key, value) in original.as_object().unwrap() {
            if key != "entitlements" {
                assert_eq!(&json[key], value, "{key}");
            }
        }
        for (written, given) in json["entitlements"]
            .as_array()
            .unwrap()
            .iter()
            .zip(original["entitlements"].as_array().unwrap())
        {
            for (key, value) in given.as_object().unwrap() {
                assert_eq!(&written[key], value, "{key} of {given}");
            }
        }
        assert_eq!(json["custom"], false);
        assert_eq!(json["entitlements"][3]["enforcement"], "hard");
    }

    #[test]
    fn defaults_and_listing() {
        let p: Plan = serde_json::from_str(r#"{"code": "x", "name": "X", "priority": 1}"#).unwrap();
        assert_eq!(p, Plan::new(PlanCode::parse("x").unwrap(), "X", 1));
        assert!(p.is_listed());
        let archived = Plan {
            active: false,
            ..p.clone()
        };
        assert!(!archived.is_listed());
        assert!(serde_json::from_str::<Plan>(r#"{"code": "x", "name": "X"}"#).is_err());
    }
}
