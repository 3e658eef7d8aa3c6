use super::*;
use proptest::prelude::*;
use std::str::FromStr;

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

fn tiers() -> Vec<Tier> {
    vec![
        Tier::new(Some(1_000), d("0.01"), d("0")),
        Tier::new(Some(10_000), d("0.008"), d("5")),
        Tier::new(None, d("0.005"), d("0")),
    ]
}

#[test]
fn per_unit_and_package() {
    let per_unit = PriceModel::PerUnit {
        unit_amount: d("0.003"),
    };
    assert_eq!(per_unit.amount(1_500), d("4.5"));
    let package = PriceModel::Package {
        size: 100,
        amount: d("2"),
    };
    assert_eq!(package.amount(1), d("2"));
    assert_eq!(package.amount(100), d("2"));
    assert_eq!(package.amount(101), d("4"));
    assert_eq!(package.amount(0), d("0"));
}

#[test]
fn graduated_sums_tier_by_tier() {
    let m = PriceModel::Graduated { tiers: tiers() };
    // 1,000 × 0.01 + (5 + 4,000 × 0.008)
    assert_eq!(m.amount(5_000), d("10") + d("5") + d("32"));
    // 1,000 × 0.01 + (5 + 9,000 × 0.008) + 2,000 × 0.005
    assert_eq!(m.amount(12_000), d("10") + d("77") + d("10"));
    assert_eq!(m.amount(1_000), d("10"));
    assert_eq!(m.amount(1_001), d("10") + d("5.008"));
}

#[test]
fn volume_charges_every_unit_at_the_reached_tier() {
    let m = PriceModel::Volume { tiers: tiers() };
    assert_eq!(m.amount(1_000), d("10"));
    assert_eq!(m.amount(5_000), d("5") + d("40"));
    assert_eq!(m.amount(12_000), d("60"));
}

#[test]
fn validation_rules() {
    let ok = |m: PriceModel| m.validate().is_ok();
    assert!(ok(PriceModel::Graduated { tiers: tiers() }));
    assert!(!ok(PriceModel::Graduated { tiers: vec![] }));
    let mut bounded_last = tiers();
    bounded_last[2].up_to = Some(20_000);
    assert!(!ok(PriceModel::Volume {
        tiers: bounded_last
    }));
    let mut descending = tiers();
    descending[1].up_to = Some(500);
    assert!(!ok(PriceModel::Volume { tiers: descending }));
    let mut unbounded_middle = tiers();
    unbounded_middle[1].up_to = None;
    assert!(!ok(PriceModel::Graduated {
        tiers: unbounded_middle
    }));
    let mut negative = tiers();
    negative[0].flat_amount = d("-1");
    assert!(!ok(PriceModel::Graduated { tiers: negative }));
    assert!(!ok(PriceModel::Package {
        size: 0,
        amount: d("1")
    }));
    assert!(!ok(PriceModel::PerUnit {
        unit_amount: d("-0.01")
    }));
    let zero_first = vec![
        Tier::new(Some(0), d("1"), d("0")),
        Tier::new(None, d("1"), d("0")),
    ];
    assert!(!ok(PriceModel::Volume { tiers: zero_first }));
}

#[test]
fn charge_rounds_once_half_even() {
    let m = PriceModel::PerUnit {
        unit_amount: d("0.0025"),
    };
    // 5 × 0.0025 = 0.0125 → 0.01 (half-even), not 0.02
    assert_eq!(charge(&m, 5, Currency::USD).unwrap().minor, 1);
    // 7 × 0.0025 = 0.0175 → 0.02
    assert_eq!(charge(&m, 7, Currency::USD).unwrap().minor, 2);
    let vnd = PriceModel::PerUnit {
        unit_amount: d("2.5"),
    };
    assert_eq!(charge(&vnd, 1, Currency::VND).unwrap().minor, 2);
    assert!(matches!(
        charge(
            &PriceModel::Package {
                size: 0,
                amount: d("1")
            },
            1,
            Currency::USD
        ),
        Err(PricingError::InvalidModel(_))
    ));
    let huge = PriceModel::PerUnit {
        unit_amount: d("1000000000"),
    };
    assert_eq!(
        charge(&huge, u64::MAX, Currency::USD),
        Err(PricingError::Overflow)
    );
}

#[test]
fn serde_uses_string_decimals() {
    let m = PriceModel::Volume {
        tiers: vec![Tier::new(None, d("0.003"), d("0"))],
    };
    let json = serde_json::to_value(&m).unwrap();
    assert_eq!(json["type"], "volume");
    assert_eq!(json["tiers"][0]["unit_amount"], "0.003");
    assert_eq!(serde_json::from_value::<PriceModel>(json).unwrap(), m);
    let float = serde_json::json!({"type": "per_unit", "unit_amount": 0.1});
    assert!(serde_json::from_value::<PriceModel>(float).is_err());
}

fn arb_tiers() -> impl Strategy<Value = Vec<Tier>> {
    prop::collection::vec((1_u64..1_000, 0_i64..10_000, 0_i64..10_000), 1..5).prop_map(|raw| {
        let mut up_to = 0;
        let n = raw.len();
        raw.into_iter()
            .enumerate()
            .map(|(i, (step, unit, flat))| {
                up_to += step;
                let bound = (i + 1 < n).then_some(up_to);
                Tier::new(bound, Decimal::new(unit, 3), Decimal::new(flat, 2))
            })
            .collect()
    })
}

proptest! {
    #[test]
    fn tiered_prices_are_never_negative_and_grow(tiers in arb_tiers(), q in 0_u64..20_000) {
        for m in [PriceModel::Graduated { tiers: tiers.clone() }, PriceModel::Volume { tiers }] {
            prop_assert!(m.validate().is_ok());
            prop_assert!(m.amount(q) >= Decimal::ZERO);
        }
    }

    #[test]
    fn graduated_is_monotone(tiers in arb_tiers(), q in 0_u64..20_000, more in 0_u64..5_000) {
        let m = PriceModel::Graduated { tiers };
        prop_assert!(m.amount(q + more) >= m.amount(q));
    }

    #[test]
    fn graduated_equals_per_unit_with_one_tier(unit in 0_i64..1_000_000, q in 0_u64..1_000_000) {
        let unit_amount = Decimal::new(unit, 4);
        let graduated = PriceModel::Graduated { tiers: vec![Tier::new(None, unit_amount, Decimal::ZERO)] };
        let volume = PriceModel::Volume { tiers: vec![Tier::new(None, unit_amount, Decimal::ZERO)] };
        let per_unit = PriceModel::PerUnit { unit_amount };
        prop_assert_eq!(graduated.amount(q), per_unit.amount(q));
        prop_assert_eq!(volume.amount(q), per_unit.amount(q));
    }

    #[test]
    fn graduated_is_the_sum_of_its_tiers(tiers in arb_tiers(), q in 1_u64..5_000) {
        // Independent oracle: price unit by unit, adding a tier's flat amount at its first unit.
        let m = PriceModel::Graduated { tiers: tiers.clone() };
        let mut expected = Decimal::ZERO;
        let mut floor = 0;
        for tier in &tiers {
            let ceiling = tier.up_to.unwrap_or(u64::MAX);
            for unit in 1..=q {
                if unit > floor && unit <= ceiling {
                    if unit == floor + 1 { expected += tier.flat_amount; }
                    expected += tier.unit_amount;
                }
            }
            floor = ceiling;
        }
        prop_assert_eq!(m.amount(q), expected);
    }

    #[test]
    fn volume_prices_all_units_at_one_tier(tiers in arb_tiers(), q in 1_u64..20_000) {
        let m = PriceModel::Volume { tiers: tiers.clone() };
        let amount = m.amount(q);
        let matches = tiers.iter().filter(|t| Decimal::from(q) * t.unit_amount + t.flat_amount == amount).count();
        prop_assert!(matches >= 1);
        let reached = tiers.iter().find(|t| t.up_to.is_none_or(|u| q <= u)).unwrap();
        prop_assert_eq!(amount, Decimal::from(q) * reached.unit_amount + reached.flat_amount);
    }
}
