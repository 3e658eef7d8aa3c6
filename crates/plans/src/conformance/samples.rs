//! Values the contract stores: they use every part of the model, so a lossy mapping in an
//! adapter shows up as a difference.

use crate::model::{
    AddOn, AddOnLimit, Entitlement, Feature, Overage, PayWith, Plan, Price, WalletGrant,
};
use std::fmt::Display;
use tollgate_kernel::{
    Currency, Decimal, Enforcement, FeatureCode, FeatureKind, GrantTrigger, Interval, PlanCode,
    Window,
};

pub(super) fn ok<T, E: Display>(result: Result<T, E>, step: &str) -> T {
    match result {
        Ok(v) => v,
        Err(e) => panic!("{step}: unexpected error: {e}"),
    }
}

pub(super) fn feature_code(s: &str) -> FeatureCode {
    ok(FeatureCode::parse(s), "feature code")
}

pub(super) fn plan_code(s: &str) -> PlanCode {
    ok(PlanCode::parse(s), "plan code")
}

/// The features the plan and add-on checks refer to, one of each kind.
pub fn sample_features() -> Vec<Feature> {
    let f = |code: &str, kind| Feature::new(feature_code(code), code, kind);
    vec![
        f("conf_calls", FeatureKind::Metered).with_unit("call"),
        f("conf_storage", FeatureKind::Gauge).with_unit("byte"),
        f("conf_jobs", FeatureKind::Concurrency),
        f("conf_upload", FeatureKind::PerRequest),
        f("conf_flag", FeatureKind::Boolean),
        Feature {
            description: Some("Days of history kept".to_owned()),
            ..f("conf_retention", FeatureKind::Config)
        },
    ]
}

/// A plan using every part of the model, so a lossy mapping shows up as a difference.
pub fn sample_plan(code: &str, priority: i32) -> Plan {
    let fc = feature_code;
    let mut plan = Plan::new(plan_code(code), format!("Plan {code}"), priority);
    plan.description = "Everything a plan can hold".to_owned();
    plan.trial_days = 14;
    plan.prices = vec![
        Price {
            stripe_price_id: Some("price_123".to_owned()),
            ..Price::new(Currency::USD, Interval::Month, 4900)
        },
        Price::new(Currency::USD, Interval::Year, 49_000),
        Price::new(Currency::VND, Interval::Month, 1_190_000),
    ];
    let mut warned = Entitlement::limit(fc("conf_storage"), Some(10_737_418_240));
    warned.warn_at = vec![50, 90, 100];
    plan.entitlements = vec![
        Entitlement::limit(fc("conf_calls"), Some(1000))
            .with_window(Window::Day)
            .with_overage(Overage {
                currency: Currency::USD,
                unit_amount: Decimal::new(3, 3),
            })
            .with_pay_with(PayWith::Wallet),
        warned,
        Entitlement::limit(fc("conf_jobs"), None),
        Entitlement::limit(fc("conf_upload"), Some(0)).with_enforcement(Enforcement::Soft),
        Entitlement::enabled(fc("conf_flag"), false),
        Entitlement::config(
            fc("conf_retention"),
            serde_json::json!({"days": [30, null]}),
        ),
    ];
    plan.wallet_grants = vec![
        WalletGrant {
            amount_minor: 500,
            currency: Currency::USD,
            on: GrantTrigger::Start,
            expires_after_days: Some(30),
        },
        WalletGrant {
            amount_minor: 1,
            currency: Currency::VND,
            on: GrantTrigger::Renewal,
            expires_after_days: None,
        },
    ];
    plan
}

/// An add-on raising two of [`sample_features`].
pub fn sample_addon(code: &str) -> AddOn {
    AddOn {
        code: plan_code(code),
        name: format!("Add-on {code}"),
        description: "More room".to_owned(),
        prices: vec![Price::new(Currency::EUR, Interval::Month, 500)],
        adds: vec![
            AddOnLimit {
                feature: feature_code("conf_storage"),
                amount: 10_737_418_240,
            },
            AddOnLimit {
                feature: feature_code("conf_jobs"),
                amount: 1,
            },
        ],
    }
}
