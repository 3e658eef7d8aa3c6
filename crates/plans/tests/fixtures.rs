//! The shipped catalogs load, validate and mean what their comments say.
// Helpers outside `#[test]` fns are test code too; clippy only exempts the fns themselves.
#![allow(clippy::unwrap_used)]

use serde_json::json;
use tollgate_kernel::{
    Currency, Decimal, Enforcement, FeatureCode, FeatureKind, GrantTrigger, Interval, PlanCode,
    Window,
};
use tollgate_plans::{
    Catalog, CustomerOverrides, EntitlementSource, EntitlementValue, Override, PayWith, PlanChange,
    compare, resolve,
};

const SAAS: &str = include_str!("../../../fixtures/catalogs/saas.toml");
const API: &str = include_str!("../../../fixtures/catalogs/api.toml");
const COACHING: &str = include_str!("../../../fixtures/catalogs/coaching.toml");

fn fc(s: &str) -> FeatureCode {
    FeatureCode::parse(s).unwrap()
}

fn pc(s: &str) -> PlanCode {
    PlanCode::parse(s).unwrap()
}

fn limit(c: &Catalog, plan: &str, feature: &str) -> EntitlementValue {
    c.plan(&pc(plan))
        .unwrap()
        .entitlement(&fc(feature))
        .unwrap()
        .value
        .clone()
}

#[test]
fn saas_covers_every_kind_and_three_tiers() {
    let c = Catalog::from_toml_str(SAAS).unwrap();
    let kinds: Vec<FeatureKind> = c.features.iter().map(|f| f.kind).collect();
    for k in [
        FeatureKind::Boolean,
        FeatureKind::Metered,
        FeatureKind::Gauge,
        FeatureKind::Concurrency,
        FeatureKind::PerRequest,
        FeatureKind::Config,
    ] {
        assert!(kinds.contains(&k), "{k} missing");
    }
    let codes: Vec<&str> = c.plans.iter().map(|p| p.code.as_str()).collect();
    assert_eq!(codes, ["hobby", "pro", "enterprise"]);
    let hobby = c.plan(&pc("hobby")).unwrap();
    assert!(hobby.prices.iter().all(|p| p.amount_minor == 0));
    assert_eq!(
        limit(&c, "hobby", "storage_bytes"),
        EntitlementValue::Limit(Some(1 << 30))
    );
    assert_eq!(
        limit(&c, "hobby", "members"),
        EntitlementValue::Limit(Some(5))
    );
    assert_eq!(
        limit(&c, "pro", "storage_bytes"),
        EntitlementValue::Limit(Some(10_737_418_240))
    );
    for (plan, jobs) in [("hobby", 1), ("pro", 3), ("enterprise", 10)] {
        assert_eq!(
            limit(&c, plan, "concurrent_jobs"),
            EntitlementValue::Limit(Some(jobs))
        );
    }
    let enterprise = c.plan(&pc("enterprise")).unwrap();
    assert!(enterprise.custom && enterprise.prices.is_empty() && enterprise.is_listed());
    assert_eq!(
        limit(&c, "enterprise", "api_calls"),
        EntitlementValue::Limit(None)
    );
    assert_eq!(
        limit(&c, "enterprise", "retention_days"),
        EntitlementValue::Config(json!("forever"))
    );
    assert_eq!(
        compare(hobby, c.plan(&pc("pro")).unwrap()),
        PlanChange::Upgrade
    );
    assert_eq!(compare(enterprise, hobby), PlanChange::Downgrade);
}

#[test]
fn saas_pro_prices_overage_wallet_and_trial() {
    let c = Catalog::from_toml_str(SAAS).unwrap();
    let pro = c.plan(&pc("pro")).unwrap();
    assert_eq!(pro.trial_days, 14);
    let vnd = pro.price(Currency::VND, Interval::Month).unwrap();
    assert_eq!(vnd.amount_minor, 1_190_000);
    // VND has no minor unit: amount_minor is whole dong.
    assert_eq!(vnd.money().to_major(), Decimal::from(1_190_000));
    let usd = pro.price(Currency::USD, Interval::Month).unwrap();
    assert_eq!(usd.money().to_major(), Decimal::new(4900, 2));
    assert_eq!(
        pro.price(Currency::EUR, Interval::Year)
            .unwrap()
            .amount_minor,
        45_000
    );
    assert_eq!(pro.prices.len(), 6);

    let ai = pro.entitlement(&fc("ai_queries")).unwrap();
    assert_eq!(ai.value, EntitlementValue::Limit(Some(1000)));
    assert_eq!(ai.enforcement, Enforcement::Soft);
    let overage = ai.overage.unwrap();
    assert_eq!(
        (overage.currency, overage.unit_amount),
        (Currency::USD, Decimal::new(3, 3))
    );

    let tokens = pro.entitlement(&fc("ai_tokens")).unwrap();
    assert_eq!(tokens.pay_with, Some(PayWith::Wallet));
    assert_eq!(tokens.window, Some(Window::Month));
    assert_eq!(tokens.warn_at, vec![50, 80, 100]);

    let triggers: Vec<_> = pro.wallet_grants.iter().map(|g| g.on).collect();
    assert_eq!(triggers, [GrantTrigger::Start, GrantTrigger::Renewal]);
    assert!(pro.wallet_grants.iter().all(|g| g.amount_minor == 500
        && g.currency == Currency::USD
        && g.expires_after_days == Some(30)));
}

#[test]
fn saas_storage_addon_and_resolution() {
    let c = Catalog::from_toml_str(SAAS).unwrap();
    let features = c.feature_catalog().unwrap();
    let pack = c.addon(&pc("storage_10gb")).unwrap().clone();
    assert_eq!(pack.adds_to(&fc("storage_bytes")), 10 << 30);
    let overrides = CustomerOverrides {
        overrides: vec![Override::new(fc("white_label")).with_enabled(true)],
        addons: vec![],
    };
    overrides.validate(&features, &c.addons).unwrap();
    let pro = c.plan(&pc("pro"));
    let all = resolve(pro, &features, &[(pack, 2)], &overrides);
    assert_eq!(all.len(), c.features.len());
    let storage = all.get(&fc("storage_bytes")).unwrap();
    assert_eq!(storage.limit, Some(30 << 30));
    assert_eq!(storage.source, EntitlementSource::AddOn);
    let white = all.get(&fc("white_label")).unwrap();
    assert!(white.enabled);
    assert_eq!(white.source, EntitlementSource::Override);

    let hobby = resolve(
        c.plan(&pc("hobby")),
        &features,
        &[],
        &CustomerOverrides::default(),
    );
    let tokens = hobby.get(&fc("ai_tokens")).unwrap();
    assert_eq!(
        (tokens.limit, tokens.source),
        (Some(0), EntitlementSource::NotIncluded)
    );
    assert!(!hobby.get(&fc("white_label")).unwrap().enabled);
}

#[test]
fn api_tiers() {
    let c = Catalog::from_toml_str(API).unwrap();
    let starter = c.plan(&pc("starter")).unwrap();
    assert_eq!(
        starter
            .price(Currency::USD, Interval::Month)
            .unwrap()
            .amount_minor,
        4_900
    );
    let calls = starter.entitlement(&fc("api_calls")).unwrap();
    assert_eq!(calls.value, EntitlementValue::Limit(Some(10_000)));
    assert_eq!(
        (calls.enforcement, calls.overage),
        (Enforcement::Hard, None)
    );

    let growth = c.plan(&pc("growth")).unwrap();
    assert_eq!(
        growth
            .price(Currency::USD, Interval::Month)
            .unwrap()
            .amount_minor,
        39_900
    );
    let calls = growth.entitlement(&fc("api_calls")).unwrap();
    assert_eq!(calls.value, EntitlementValue::Limit(Some(100_000)));
    assert_eq!(calls.enforcement, Enforcement::Soft);
    let overage = calls.overage.unwrap();
    assert_eq!(overage.currency, Currency::USD);
    assert_eq!(overage.unit_amount, "0.003".parse::<Decimal>().unwrap());
    // $3 per 1,000 calls.
    assert_eq!(overage.unit_amount * Decimal::from(1000), Decimal::from(3));

    let scale = c.plan(&pc("scale")).unwrap();
    assert!(scale.custom && scale.prices.is_empty());
    assert_eq!(
        limit(&c, "scale", "api_calls"),
        EntitlementValue::Limit(None)
    );
    assert_eq!(compare(starter, growth), PlanChange::Upgrade);
    assert_eq!(compare(scale, growth), PlanChange::Downgrade);
}

#[test]
fn coaching_tiers_and_default_windows() {
    let c = Catalog::from_toml_str(COACHING).unwrap();
    let mib = 1_048_576;
    for (plan, mb, jobs, retention) in [
        ("free", 50, 1, json!(30)),
        ("pro", 200, 3, json!(365)),
        ("business", 500, 10, json!("forever")),
    ] {
        assert_eq!(
            limit(&c, plan, "max_file_bytes"),
            EntitlementValue::Limit(Some(mb * mib))
        );
        assert_eq!(
            limit(&c, plan, "concurrent_transcriptions"),
            EntitlementValue::Limit(Some(jobs))
        );
        assert_eq!(
            limit(&c, plan, "retention_days"),
            EntitlementValue::Config(retention)
        );
        let p = c.plan(&pc(plan)).unwrap();
        for metered in ["sessions", "audio_minutes", "exports"] {
            assert_eq!(
                p.entitlement(&fc(metered)).unwrap().window,
                Some(Window::Month),
                "{plan}/{metered}: windowless metered limits are normalized to a month"
            );
        }
    }
    assert_eq!(
        limit(&c, "business", "export_formats"),
        EntitlementValue::Config(json!(["pdf", "docx", "csv", "json"]))
    );
    let audio = c
        .plan(&pc("pro"))
        .unwrap()
        .entitlement(&fc("audio_minutes"))
        .unwrap();
    assert_eq!(audio.overage.unwrap().unit_amount, Decimal::new(2, 2));
}

#[test]
fn every_fixture_survives_a_json_round_trip() {
    for text in [SAAS, API, COACHING] {
        let c = Catalog::from_toml_str(text).unwrap();
        let json = serde_json::to_string(&c).unwrap();
        let back: Catalog = serde_json::from_str(&json).unwrap();
        assert_eq!(back, c);
        back.validate().unwrap();
    }
}

#[test]
fn breaking_a_fixture_gives_a_clear_error() {
    let broken = SAAS.replacen("limit = 1_000\nwindow", "enabled = true\nwindow", 1);
    assert_ne!(broken, SAAS);
    let err = Catalog::from_toml_str(&broken).unwrap_err().to_string();
    assert_eq!(
        err,
        "plan \"hobby\": entitlement \"api_calls\": metered feature needs a limit"
    );

    let broken = API.replace("enforcement = \"soft\"", "enforcement = \"hard\"");
    let err = Catalog::from_toml_str(&broken).unwrap_err().to_string();
    assert_eq!(
        err,
        "plan \"growth\": entitlement \"api_calls\": overage needs enforcement \"soft\" \
         (a hard limit is never exceeded)"
    );

    let broken = COACHING.replace("code = \"exports\"", "code = \"report_exports\"");
    let err = Catalog::from_toml_str(&broken).unwrap_err().to_string();
    assert_eq!(err, "plan \"free\": unknown feature \"exports\"");
}
