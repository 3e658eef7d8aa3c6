use super::*;
use tollgate_kernel::{FeatureCode, Window};

const FEATURES: &str = r#"
[[features]]
code = "api_calls"
name = "API calls"
kind = "metered"
unit = "call"

[[features]]
code = "storage_bytes"
name = "Storage"
kind = "gauge"
unit = "byte"

[[features]]
code = "analytics"
name = "Analytics"
kind = "boolean"
"#;

const PRO: &str = r#"
[[plans]]
code = "pro"
name = "Pro"
priority = 20
prices = [{ currency = "USD", interval = "month", amount_minor = 4900 }]
"#;

fn load(rest: &str) -> Result<Catalog, String> {
    Catalog::from_toml_str(&format!("{FEATURES}{rest}")).map_err(|e| e.to_string())
}

#[test]
fn a_small_catalog_loads_and_normalizes() {
    let c = load(&format!(
        "{PRO}
[[plans.entitlements]]
feature = \"api_calls\"
limit = 10
"
    ))
    .unwrap();
    let e = c.plans[0]
        .entitlement(&FeatureCode::parse("api_calls").unwrap())
        .unwrap();
    assert_eq!(
        e.window,
        Some(Window::Month),
        "metered default window is written in"
    );
    assert_eq!(c.feature_catalog().unwrap().len(), 3);
    assert!(c.plan(&PlanCode::parse("pro").unwrap()).is_some());
    assert!(c.addon(&PlanCode::parse("pro").unwrap()).is_none());
}

#[test]
fn an_empty_file_is_an_empty_catalog() {
    assert_eq!(Catalog::from_toml_str("").unwrap(), Catalog::default());
}

#[test]
fn kind_mismatch_names_plan_feature_and_rule() {
    let err = load(&format!(
        "{PRO}
[[plans.entitlements]]
feature = \"api_calls\"
enabled = true
"
    ))
    .unwrap_err();
    assert_eq!(
        err,
        "plan \"pro\": entitlement \"api_calls\": metered feature needs a limit"
    );
}

#[test]
fn unknown_feature() {
    let err = load(&format!(
        "{PRO}
[[plans.entitlements]]
feature = \"seats\"
limit = 3
"
    ))
    .unwrap_err();
    assert_eq!(err, "plan \"pro\": unknown feature \"seats\"");
}

#[test]
fn duplicate_codes() {
    assert_eq!(
        load(&format!("{PRO}{PRO}")).unwrap_err(),
        "plan \"pro\" is defined more than once"
    );
    let dup_feature = "[[features]]\ncode = \"analytics\"\nname = \"Again\"\nkind = \"boolean\"\n";
    assert_eq!(
        load(dup_feature).unwrap_err(),
        "feature \"analytics\" is defined more than once"
    );
    let addon = |code: &str| {
        format!(
            "[[addons]]\ncode = \"{code}\"\nname = \"Pack\"\n\
             adds = [{{ feature = \"storage_bytes\", amount = 10 }}]\n"
        )
    };
    assert_eq!(
        load(&format!("{}{}", addon("extra"), addon("extra"))).unwrap_err(),
        "add-on \"extra\" is defined more than once"
    );
    assert_eq!(
        load(&format!("{PRO}{}", addon("pro"))).unwrap_err(),
        "code \"pro\" is used by both a plan and an add-on"
    );
    assert_eq!(
        load(
            "[[addons]]\ncode = \"x\"\nname = \"X\"\nadds = [{ feature = \"analytics\", amount = 1 }]\n"
        )
        .unwrap_err(),
        "add-on \"x\": entitlement \"analytics\": an add-on raises a limit, and a boolean feature has none"
    );
}

#[test]
fn shape_errors_carry_the_reason_and_location() {
    let both = load(&format!(
        "{PRO}
[[plans.entitlements]]
feature = \"api_calls\"
limit = 10
enabled = true
"
    ))
    .unwrap_err();
    assert!(
        both.contains(
            "entitlement \"api_calls\": give exactly one of limit, enabled or value (found limit and enabled)"
        ),
        "{both}"
    );
    assert!(both.contains("line"), "points at the line: {both}");

    let typo = load(&PRO.replace("priority", "priorty")).unwrap_err();
    assert!(typo.contains("unknown field `priorty`"), "{typo}");
    let float = load(&format!(
        "{PRO}
[[plans.entitlements]]
feature = \"api_calls\"
limit = 10
enforcement = \"soft\"
overage = {{ currency = \"USD\", unit_amount = 0.003 }}
"
    ))
    .unwrap_err();
    assert!(
        float.contains("expected a string"),
        "floats are refused: {float}"
    );
    let currency = load(&PRO.replace("USD", "USX")).unwrap_err();
    assert!(
        currency.contains("unknown ISO 4217 code \"USX\""),
        "{currency}"
    );
    let kind = load("[[features]]\ncode = \"x\"\nname = \"X\"\nkind = \"counter\"\n").unwrap_err();
    assert!(kind.contains("unknown variant `counter`"), "{kind}");
}

#[test]
fn rules_of_entries_surface_through_the_catalog() {
    let free = "[[plans]]\ncode = \"free\"\nname = \"Free\"\npriority = 0\n";
    assert_eq!(
        load(free).unwrap_err(),
        "plan \"free\": a public plan that is not custom needs at least one price \
         (a free plan has amount_minor = 0)"
    );
    let window = load(&format!(
        "{PRO}
[[plans.entitlements]]
feature = \"storage_bytes\"
limit = 10
window = \"month\"
"
    ))
    .unwrap_err();
    assert_eq!(
        window,
        "plan \"pro\": entitlement \"storage_bytes\": window applies only to metered features, not gauge"
    );
    let hard_overage = load(&format!(
        "{PRO}
[[plans.entitlements]]
feature = \"api_calls\"
limit = 10
overage = {{ currency = \"USD\", unit_amount = \"0.003\" }}
"
    ))
    .unwrap_err();
    assert_eq!(
        hard_overage,
        "plan \"pro\": entitlement \"api_calls\": overage needs enforcement \"soft\" \
         (a hard limit is never exceeded)"
    );
}
