use super::*;
use crate::model::{AddOnLimit, Entitlement, Override, Price};
use crate::validate::fixtures::{fc, features, pc};
use proptest::prelude::*;
use serde_json::json;
use tollgate_kernel::{Currency, Decimal, Interval};

fn plan() -> Plan {
    let mut p = Plan::new(pc("pro"), "Pro", 20);
    p.prices
        .push(Price::new(Currency::USD, Interval::Month, 4900));
    p.entitlements = vec![
        Entitlement::limit(fc("api_calls"), Some(1000)).with_overage(Overage {
            currency: Currency::USD,
            unit_amount: Decimal::new(3, 3),
        }),
        Entitlement::limit(fc("storage_bytes"), Some(100)),
        Entitlement::limit(fc("upload"), None),
        Entitlement::enabled(fc("analytics"), true),
    ];
    p
}

fn pack(feature: &str, amount: i64) -> AddOn {
    AddOn {
        code: pc(&format!("{feature}_pack")),
        name: "Pack".to_owned(),
        description: String::new(),
        prices: vec![],
        adds: vec![AddOnLimit {
            feature: fc(feature),
            amount,
        }],
    }
}

fn overrides(list: Vec<Override>) -> CustomerOverrides {
    CustomerOverrides {
        overrides: list,
        addons: vec![],
    }
}

fn get<'a>(all: &'a Entitlements, f: &str) -> &'a EffectiveEntitlement {
    all.get(&fc(f)).unwrap()
}

#[test]
fn plan_values_come_through_with_a_monthly_default_window() {
    let all = resolve(
        Some(&plan()),
        &features(),
        &[],
        &CustomerOverrides::default(),
    );
    let calls = get(&all, "api_calls");
    assert_eq!(calls.limit, Some(1000));
    assert_eq!(calls.window, Some(Window::Month));
    assert_eq!(calls.enforcement, Enforcement::Soft);
    assert_eq!(calls.overage.unwrap().unit_amount, Decimal::new(3, 3));
    assert_eq!(calls.source, EntitlementSource::Plan);
    assert_eq!(calls.unit.as_deref(), Some("call"));
    assert!(calls.enabled);
    let upload = get(&all, "upload");
    assert_eq!(
        (upload.limit, upload.window),
        (None, None),
        "unlimited, no window"
    );
    assert!(get(&all, "analytics").enabled);
}

#[test]
fn one_entry_per_catalog_feature_in_catalog_order() {
    let all = resolve(
        Some(&plan()),
        &features(),
        &[],
        &CustomerOverrides::default(),
    );
    let order: Vec<_> = all.iter().map(|e| e.feature.as_str()).collect();
    assert_eq!(
        order,
        [
            "api_calls",
            "storage_bytes",
            "jobs",
            "upload",
            "analytics",
            "retention"
        ]
    );
}

#[test]
fn features_outside_the_plan_are_not_included() {
    for p in [Some(plan()), None] {
        let all = resolve(p.as_ref(), &features(), &[], &CustomerOverrides::default());
        let jobs = get(&all, "jobs");
        assert_eq!(jobs.limit, Some(0));
        assert_eq!(jobs.enforcement, Enforcement::Hard);
        assert!(!jobs.enabled);
        assert_eq!(jobs.source, EntitlementSource::NotIncluded);
        let retention = get(&all, "retention");
        assert_eq!((retention.value.clone(), retention.enabled), (None, false));
        assert_eq!(retention.limit, None);
    }
    let none = resolve(None, &features(), &[], &CustomerOverrides::default());
    assert!(!get(&none, "analytics").enabled);
    assert_eq!(get(&none, "api_calls").limit, Some(0));
    assert_eq!(get(&none, "api_calls").window, Some(Window::Month));
}

#[test]
fn addons_add_amount_times_quantity_to_finite_limits() {
    let addons = [
        (pack("storage_bytes", 10), 3),
        (pack("storage_bytes", 1), 2),
        (pack("upload", 5), 1),
        (pack("jobs", 2), 1),
    ];
    let all = resolve(
        Some(&plan()),
        &features(),
        &addons,
        &CustomerOverrides::default(),
    );
    let storage = get(&all, "storage_bytes");
    assert_eq!(storage.limit, Some(132));
    assert_eq!(storage.source, EntitlementSource::AddOn);
    let upload = get(&all, "upload");
    assert_eq!(upload.limit, None, "unlimited stays unlimited");
    assert_eq!(upload.source, EntitlementSource::Plan);
    let jobs = get(&all, "jobs");
    assert_eq!(
        (jobs.limit, jobs.enabled),
        (Some(2), true),
        "raised from not included"
    );
    assert_eq!(jobs.source, EntitlementSource::AddOn);
}

#[test]
fn addons_saturate_and_ignore_zero_quantities() {
    let all = resolve(
        Some(&plan()),
        &features(),
        &[
            (pack("storage_bytes", i64::MAX), 2),
            (pack("api_calls", 7), 0),
        ],
        &CustomerOverrides::default(),
    );
    assert_eq!(get(&all, "storage_bytes").limit, Some(i64::MAX));
    assert_eq!(get(&all, "api_calls").limit, Some(1000));
    assert_eq!(get(&all, "api_calls").source, EntitlementSource::Plan);
}

#[test]
fn overrides_win_over_plan_and_addons() {
    let o = overrides(vec![
        Override::new(fc("storage_bytes")).with_limit(Some(7)),
        Override::new(fc("upload")).with_limit(Some(50)),
        Override::new(fc("jobs")).with_limit(None),
        Override::new(fc("analytics")).with_enabled(false),
        Override::new(fc("retention")).with_value(json!("forever")),
    ]);
    let all = resolve(
        Some(&plan()),
        &features(),
        &[(pack("storage_bytes", 1000), 1)],
        &o,
    );
    assert_eq!(get(&all, "storage_bytes").limit, Some(7));
    assert_eq!(get(&all, "upload").limit, Some(50));
    let jobs = get(&all, "jobs");
    assert_eq!((jobs.limit, jobs.enabled), (None, true));
    assert!(!get(&all, "analytics").enabled);
    let retention = get(&all, "retention");
    assert_eq!(retention.value, Some(json!("forever")));
    assert!(retention.enabled);
    assert!(
        all.iter()
            .filter(|e| e.feature.as_str() != "api_calls")
            .all(|e| e.source == EntitlementSource::Override)
    );
}

#[test]
fn a_hard_override_drops_the_overage_price() {
    let o = overrides(vec![
        Override::new(fc("api_calls")).with_enforcement(Enforcement::Hard),
    ]);
    let all = resolve(Some(&plan()), &features(), &[], &o);
    let calls = get(&all, "api_calls");
    assert_eq!(calls.enforcement, Enforcement::Hard);
    assert_eq!(calls.overage, None);
    assert_eq!(calls.limit, Some(1000), "limit untouched");
    assert_eq!(calls.source, EntitlementSource::Override);
}

#[test]
fn override_fields_of_the_wrong_kind_are_ignored() {
    let o = overrides(vec![
        Override::new(fc("analytics")).with_limit(Some(3)),
        Override::new(fc("storage_bytes")).with_enabled(false),
    ]);
    let all = resolve(Some(&plan()), &features(), &[], &o);
    assert!(get(&all, "analytics").enabled);
    assert_eq!(get(&all, "analytics").source, EntitlementSource::Plan);
    assert_eq!(get(&all, "storage_bytes").limit, Some(100));
}

#[test]
fn serializes_sources_in_snake_case() {
    let all = resolve(
        Some(&plan()),
        &features(),
        &[(pack("storage_bytes", 1), 1)],
        &CustomerOverrides::default(),
    );
    let json = serde_json::to_value(&all).unwrap();
    assert_eq!(json[0]["source"], "plan");
    assert_eq!(json[0]["window"], "month");
    assert_eq!(json[0]["overage"]["unit_amount"], "0.003");
    assert_eq!(json[1]["source"], "addon");
    assert_eq!(json[2]["source"], "not_included");
    assert_eq!(json[3]["limit"], serde_json::Value::Null);
}

/// A limit of a limit-kind feature as an orderable number (`None` = unlimited = infinite).
fn as_ceiling(l: Option<i64>) -> i128 {
    l.map_or(i128::MAX, i128::from)
}

fn limit_feature() -> impl Strategy<Value = &'static str> {
    prop_oneof![
        Just("api_calls"),
        Just("storage_bytes"),
        Just("jobs"),
        Just("upload")
    ]
}

fn any_limit() -> impl Strategy<Value = Option<i64>> {
    prop_oneof![
        Just(None),
        (0_i64..1_000_000).prop_map(Some),
        Just(Some(i64::MAX))
    ]
}

proptest! {
    #[test]
    fn an_override_limit_always_wins(
        feature in limit_feature(),
        plan_limit in proptest::option::of(any_limit()),
        amounts in proptest::collection::vec((1_i64..i64::MAX, 0_u32..1000), 0..4),
        wanted in any_limit(),
    ) {
        let mut p = Plan::new(pc("p"), "P", 1);
        if let Some(l) = plan_limit {
            p.entitlements.push(Entitlement::limit(fc(feature), l));
        }
        let addons: Vec<_> = amounts.into_iter().map(|(a, q)| (pack(feature, a), q)).collect();
        let o = overrides(vec![Override::new(fc(feature)).with_limit(wanted)]);
        let all = resolve(Some(&p), &features(), &addons, &o);
        prop_assert_eq!(get(&all, feature).limit, wanted);
        prop_assert_eq!(get(&all, feature).source, EntitlementSource::Override);
    }

    #[test]
    fn an_addon_never_lowers_a_limit(
        feature in limit_feature(),
        plan_limit in proptest::option::of(any_limit()),
        amount in i64::MIN..i64::MAX,
        quantity in 0_u32..u32::MAX,
    ) {
        let mut p = Plan::new(pc("p"), "P", 1);
        if let Some(l) = plan_limit {
            p.entitlements.push(Entitlement::limit(fc(feature), l));
        }
        let none = CustomerOverrides::default();
        let without = resolve(Some(&p), &features(), &[], &none);
        let with = resolve(Some(&p), &features(), &[(pack(feature, amount), quantity)], &none);
        let (before, after) = (get(&without, feature).limit, get(&with, feature).limit);
        prop_assert!(as_ceiling(after) >= as_ceiling(before));
        if before.is_none() {
            prop_assert_eq!(after, None);
        }
        if let (Some(b), true) = (before, amount > 0) {
            let expected = i128::from(b) + i128::from(amount) * i128::from(quantity);
            prop_assert_eq!(as_ceiling(after), expected.min(i128::from(i64::MAX)));
        }
        prop_assert_eq!(with.len(), features().len());
    }
}
