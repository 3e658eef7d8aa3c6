use super::*;
use serde_json::json;
use std::str::FromStr;

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

fn mini() -> TokenPrice {
    TokenPrice {
        provider: "openai".into(),
        model: "gpt-4o-mini".into(),
        currency: Currency::USD,
        input_per_million: d("0.15"),
        output_per_million: d("0.60"),
    }
}

#[test]
fn design_example_costs_0_000450() {
    let table = TokenPriceTable::new([mini()]).unwrap();
    let usage = TokenUsage {
        provider: "openai".into(),
        model: "gpt-4o-mini".into(),
        input_tokens: 1_000,
        output_tokens: 500,
    };
    let cost = table.cost(&usage).unwrap();
    assert_eq!(cost.amount, d("0.00045"));
    assert_eq!(cost.currency, Currency::USD);
    assert_eq!(
        serde_json::to_value(cost).unwrap(),
        json!({"currency": "USD", "amount": "0.000450"})
    );
}

#[test]
fn cost_is_exact_for_tiny_and_huge_counts() {
    let p = mini();
    assert_eq!(p.cost(1, 0).amount, d("0.00000015"));
    assert_eq!(p.cost(0, 0).amount, Decimal::ZERO);
    assert_eq!(
        p.cost(u64::MAX, u64::MAX).amount,
        d("13835058055282.16371125")
    );
    let max = TokenPrice {
        input_per_million: MAX_PRICE_PER_MILLION,
        output_per_million: MAX_PRICE_PER_MILLION,
        ..mini()
    };
    assert!(max.validate().is_ok());
    assert!(max.cost(u64::MAX, u64::MAX).amount < Decimal::MAX);
}

#[test]
fn lookup_is_case_sensitive_and_exact() {
    let table = TokenPriceTable::new([mini()]).unwrap();
    assert!(table.get("openai", "gpt-4o-mini").is_some());
    assert!(table.get("OpenAI", "gpt-4o-mini").is_none());
    assert!(table.get("openai", "gpt-4o").is_none());
    let usage = TokenUsage {
        provider: "openai".into(),
        model: "GPT-4o-mini".into(),
        input_tokens: 1,
        output_tokens: 1,
    };
    assert_eq!(table.cost(&usage), None);
}

#[test]
fn table_refuses_duplicates_and_invalid_prices() {
    assert!(TokenPriceTable::new([mini(), mini()]).is_err());
    let negative = TokenPrice {
        output_per_million: d("-0.01"),
        ..mini()
    };
    assert!(matches!(
        TokenPriceTable::new([negative]),
        Err(PricingError::InvalidTokenPrice(_))
    ));
    assert!(
        TokenPrice {
            model: " ".into(),
            ..mini()
        }
        .validate()
        .is_err()
    );
    assert!(
        TokenPrice {
            provider: String::new(),
            ..mini()
        }
        .validate()
        .is_err()
    );
    let absurd = TokenPrice {
        input_per_million: MAX_PRICE_PER_MILLION + Decimal::ONE,
        ..mini()
    };
    assert!(absurd.validate().is_err());
}

#[test]
fn serde_matches_the_design() {
    let wire = json!({"provider": "openai", "model": "gpt-4o-mini", "currency": "USD",
        "input_per_million": "0.15", "output_per_million": "0.60"});
    let price: TokenPrice = serde_json::from_value(wire.clone()).unwrap();
    assert_eq!(price, mini());
    assert_eq!(serde_json::to_value(&price).unwrap(), wire);
    let number = json!({"provider": "openai", "model": "m", "currency": "USD",
        "input_per_million": 0.15, "output_per_million": "0.60"});
    assert!(serde_json::from_value::<TokenPrice>(number).is_err());
    let negative = json!({"provider": "openai", "model": "m", "currency": "USD",
        "input_per_million": "-1", "output_per_million": "0.60"});
    assert!(serde_json::from_value::<TokenPrice>(negative).is_err());
}

#[test]
fn usage_from_properties() {
    let props = json!({"provider": "openai", "model": "gpt-4o-mini",
        "input_tokens": 1000, "output_tokens": 500, "other": true});
    let usage = TokenUsage::from_properties(&props).unwrap().unwrap();
    assert_eq!((usage.input_tokens, usage.output_tokens), (1_000, 500));
    assert_eq!(usage.model, "gpt-4o-mini");

    let only_input = json!({"provider": "a", "model": "b", "input_tokens": 7});
    let u = TokenUsage::from_properties(&only_input).unwrap().unwrap();
    assert_eq!((u.input_tokens, u.output_tokens), (7, 0));

    for not_tokens in [
        json!({"model": "b", "input_tokens": 1}),
        json!({"provider": "a", "input_tokens": 1}),
        json!({"provider": null, "model": "b"}),
        json!({}),
        json!(null),
        json!([1, 2]),
    ] {
        assert_eq!(
            TokenUsage::from_properties(&not_tokens).unwrap(),
            None,
            "{not_tokens}"
        );
    }

    for bad in [
        json!({"provider": "a", "model": "b", "input_tokens": -1}),
        json!({"provider": "a", "model": "b", "output_tokens": 1.5}),
        json!({"provider": "a", "model": "b", "input_tokens": "10"}),
        json!({"provider": "a", "model": "b", "input_tokens": 1e30}),
        json!({"provider": 3, "model": "b"}),
        json!({"provider": "a", "model": ""}),
    ] {
        assert!(
            matches!(
                TokenUsage::from_properties(&bad),
                Err(PricingError::InvalidTokenUsage(_))
            ),
            "{bad}"
        );
    }
}

#[test]
fn prices_refuse_unknown_fields_and_over_long_names() {
    let mut raw = serde_json::to_value(mini()).unwrap();
    raw["note"] = json!("cheap");
    let err = serde_json::from_value::<TokenPrice>(raw).unwrap_err();
    assert!(err.to_string().contains("unknown field"), "{err}");
    let long = TokenPrice {
        model: "m".repeat(201),
        ..mini()
    };
    assert!(long.validate().is_err());
    let fits = TokenPrice {
        model: "m".repeat(200),
        ..mini()
    };
    assert!(fits.validate().is_ok());
}
