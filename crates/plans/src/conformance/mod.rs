//! The contract of the catalog ports as runnable checks: every adapter (memory, SQL on SQLite and
//! PostgreSQL) calls these from its tests, so all of them behave the same.
//!
//! Each check panics with the step that failed. Codes start with `conf_` and the checks only look
//! at the entries they wrote, so they also run against a store holding other data, and
//! running them twice on one store passes. [`catalog_store_contract`] stores the features the
//! plan checks refer to first; run it when the adapter enforces references between tables.

mod samples;

pub use samples::{sample_addon, sample_features, sample_plan};

use crate::error::CatalogStoreError;
use crate::model::{AddOnSelection, CustomerOverrides, Override, Plan};
use crate::ports::{FeatureRepository, OverrideRepository, PlanRepository};
use samples::{feature_code, ok, plan_code};
use tollgate_kernel::{CustomerId, Enforcement};

/// The codes of `items` that are among `wanted`, in the order listed.
fn among<'a, T>(items: &'a [T], code: impl Fn(&'a T) -> &'a str, wanted: &[&str]) -> Vec<&'a str> {
    items
        .iter()
        .map(code)
        .filter(|c| wanted.contains(c))
        .collect()
}

/// Runs the feature, plan and override checks in that order against one store.
pub async fn catalog_store_contract<S>(store: &S)
where
    S: FeatureRepository + PlanRepository + OverrideRepository,
{
    feature_repository_contract(store).await;
    plan_repository_contract(store).await;
    override_repository_contract(store).await;
}

/// Upsert then get is equal; updates replace in place; the list keeps first-stored order.
pub async fn feature_repository_contract(repo: &dyn FeatureRepository) {
    let missing = ok(
        repo.get_feature(&feature_code("conf_missing")).await,
        "get_feature(unknown)",
    );
    assert_eq!(missing, None, "get_feature(unknown) must be None");
    let features = sample_features();
    for f in &features {
        ok(repo.upsert_feature(f).await, "upsert_feature");
        let back = ok(repo.get_feature(&f.code).await, "get_feature");
        assert_eq!(
            back.as_ref(),
            Some(f),
            "get_feature returns what was stored"
        );
    }
    let mut renamed = features[0].clone();
    renamed.name = "Calls, renamed".to_owned();
    renamed.unit = None;
    ok(
        repo.upsert_feature(&renamed).await,
        "upsert_feature(update)",
    );
    let back = ok(
        repo.get_feature(&renamed.code).await,
        "get_feature(updated)",
    );
    assert_eq!(
        back,
        Some(renamed.clone()),
        "an upsert replaces the feature"
    );

    let listed = ok(repo.list_features().await, "list_features");
    let codes: Vec<&str> = features.iter().map(|f| f.code.as_str()).collect();
    assert_eq!(
        among(&listed, |f| f.code.as_str(), &codes),
        codes,
        "list_features: each feature once, in first-stored order (updates keep their place)"
    );
    assert!(listed.contains(&renamed), "list_features shows the update");
}

/// Plans and add-ons: faithful storage, replace on upsert, priority order, archiving.
pub async fn plan_repository_contract(repo: &dyn PlanRepository) {
    let unknown = plan_code("conf_missing");
    assert_eq!(ok(repo.get_plan(&unknown).await, "get_plan(unknown)"), None);
    match repo.archive_plan(&unknown).await {
        Err(CatalogStoreError::NotFound(_)) => {}
        other => panic!("archive_plan(unknown) must be NotFound, got {other:?}"),
    }

    // Stored out of priority order on purpose.
    let high = sample_plan("conf_high", 30);
    let low = sample_plan("conf_low", -10);
    let mut custom = sample_plan("conf_custom", 100);
    custom.custom = true;
    custom.prices.clear();
    custom.public = false;
    for p in [&high, &low, &custom] {
        ok(repo.upsert_plan(p).await, "upsert_plan");
        let back = ok(repo.get_plan(&p.code).await, "get_plan");
        assert_eq!(back.as_ref(), Some(p), "get_plan returns what was stored");
    }

    let mut changed = high.clone();
    changed.name = "High, renamed".to_owned();
    changed.entitlements.truncate(2);
    changed.prices.pop();
    changed.wallet_grants.clear();
    ok(repo.upsert_plan(&changed).await, "upsert_plan(update)");
    let back = ok(repo.get_plan(&changed.code).await, "get_plan(updated)");
    assert_eq!(
        back,
        Some(changed.clone()),
        "an upsert replaces the whole plan"
    );

    let listed = ok(repo.list_plans().await, "list_plans");
    assert_eq!(
        among(
            &listed,
            |p| p.code.as_str(),
            &["conf_high", "conf_low", "conf_custom"]
        ),
        ["conf_low", "conf_high", "conf_custom"],
        "list_plans: each plan once, by ascending priority, private and custom ones included"
    );
    assert!(
        listed.windows(2).all(|w| w[0].priority <= w[1].priority),
        "list_plans is sorted by priority"
    );

    ok(repo.archive_plan(&low.code).await, "archive_plan");
    ok(repo.archive_plan(&low.code).await, "archive_plan(twice)");
    let archived = ok(repo.get_plan(&low.code).await, "get_plan(archived)");
    let expected = Plan {
        active: false,
        public: false,
        ..low.clone()
    };
    assert_eq!(
        archived,
        Some(expected),
        "archive sets active and public to false only"
    );
    let listed = ok(repo.list_plans().await, "list_plans(after archive)");
    assert!(
        listed.iter().any(|p| p.code == low.code),
        "list_plans still returns archived plans"
    );
    let public: Vec<&Plan> = listed.iter().filter(|p| p.is_listed()).collect();
    assert!(
        !public.iter().any(|p| p.code == low.code),
        "an archived plan is not listed publicly"
    );
    assert!(public.iter().any(|p| p.code == changed.code));

    let (a, b, c) = (
        sample_plan("conf_par_a", 1),
        sample_plan("conf_par_b", 2),
        sample_plan("conf_par_c", 3),
    );
    let (ra, rb, rc) = tokio::join!(
        repo.upsert_plan(&a),
        repo.upsert_plan(&b),
        repo.upsert_plan(&c)
    );
    ok(ra.and(rb).and(rc), "concurrent upsert_plan");
    for p in [&a, &b, &c] {
        let back = ok(repo.get_plan(&p.code).await, "get_plan(concurrent)");
        assert_eq!(back.as_ref(), Some(p), "concurrent upserts are all kept");
    }

    addon_contract(repo).await;
}

async fn addon_contract(repo: &dyn PlanRepository) {
    let unknown = plan_code("conf_missing_addon");
    assert_eq!(
        ok(repo.get_addon(&unknown).await, "get_addon(unknown)"),
        None
    );
    let first = sample_addon("conf_pack_b");
    let second = sample_addon("conf_pack_a");
    for a in [&first, &second] {
        ok(repo.upsert_addon(a).await, "upsert_addon");
        let back = ok(repo.get_addon(&a.code).await, "get_addon");
        assert_eq!(back.as_ref(), Some(a), "get_addon returns what was stored");
    }
    let mut changed = first.clone();
    changed.adds.truncate(1);
    changed.prices[0].amount_minor = 700;
    ok(repo.upsert_addon(&changed).await, "upsert_addon(update)");
    let back = ok(repo.get_addon(&changed.code).await, "get_addon(updated)");
    assert_eq!(back, Some(changed), "an upsert replaces the add-on");
    let listed = ok(repo.list_addons().await, "list_addons");
    assert_eq!(
        among(
            &listed,
            |a| a.code.as_str(),
            &["conf_pack_a", "conf_pack_b"]
        ),
        ["conf_pack_b", "conf_pack_a"],
        "list_addons: each add-on once, in first-stored order"
    );
}

/// Overrides default to empty, round-trip exactly, replace rather than merge, and stay per
/// customer.
pub async fn override_repository_contract(repo: &dyn OverrideRepository) {
    let acme = ok(CustomerId::parse("conf_acme"), "customer id");
    let other = ok(CustomerId::parse("conf_other"), "customer id");
    let fresh = ok(CustomerId::parse("conf_fresh"), "customer id");
    let none = ok(repo.get_overrides(&fresh).await, "get_overrides(unknown)");
    assert_eq!(
        none,
        CustomerOverrides::default(),
        "no overrides is the empty value"
    );

    let full = CustomerOverrides {
        overrides: vec![
            Override::new(feature_code("conf_calls")).with_limit(None),
            Override::new(feature_code("conf_storage"))
                .with_limit(Some(5))
                .with_enforcement(Enforcement::Soft),
            Override::new(feature_code("conf_jobs")).with_enforcement(Enforcement::Hard),
            Override::new(feature_code("conf_flag")).with_enabled(true),
            Override::new(feature_code("conf_retention")).with_value(serde_json::Value::Null),
        ],
        addons: vec![AddOnSelection {
            code: plan_code("conf_pack_a"),
            quantity: 2,
        }],
    };
    ok(repo.put_overrides(&acme, &full).await, "put_overrides");
    let back = ok(repo.get_overrides(&acme).await, "get_overrides");
    assert_eq!(back, full, "get_overrides returns what was stored");

    let small = CustomerOverrides {
        overrides: vec![Override::new(feature_code("conf_jobs")).with_limit(Some(9))],
        addons: vec![],
    };
    ok(
        repo.put_overrides(&other, &small).await,
        "put_overrides(other)",
    );
    ok(
        repo.put_overrides(&acme, &small).await,
        "put_overrides(replace)",
    );
    let back = ok(repo.get_overrides(&acme).await, "get_overrides(replaced)");
    assert_eq!(back, small, "put_overrides replaces, it does not merge");

    ok(
        repo.put_overrides(&acme, &CustomerOverrides::default())
            .await,
        "put_overrides(empty)",
    );
    let back = ok(repo.get_overrides(&acme).await, "get_overrides(cleared)");
    assert_eq!(back, CustomerOverrides::default(), "storing empty clears");
    let back = ok(repo.get_overrides(&other).await, "get_overrides(other)");
    assert_eq!(back, small, "customers do not share overrides");
}
