//! The conformance suite of [`TokenPriceRepository`]: every adapter runs these functions
//! against a fresh, empty store (`replace_all` owns the whole table, so a shared one won't do).
//! They panic with a message naming the broken rule.

use crate::{TokenPrice, TokenPriceRepository, TokenPriceStoreError};
use std::str::FromStr;
use std::sync::Arc;
use tollgate_kernel::{Currency, Decimal};

fn price(provider: &str, model: &str, input: &str, output: &str) -> TokenPrice {
    TokenPrice {
        provider: provider.to_owned(),
        model: model.to_owned(),
        currency: Currency::USD,
        input_per_million: Decimal::from_str(input).unwrap_or_default(),
        output_per_million: Decimal::from_str(output).unwrap_or_default(),
    }
}

async fn list(repo: &Arc<dyn TokenPriceRepository>) -> Vec<TokenPrice> {
    match repo.list().await {
        Ok(prices) => prices,
        Err(e) => panic!("list failed: {e}"),
    }
}

/// Runs every check in order on one store.
pub async fn token_prices(repo: Arc<dyn TokenPriceRepository>) {
    assert!(list(&repo).await.is_empty(), "a new store lists no prices");

    let first = vec![
        price("openai", "gpt-4o-mini", "0.15", "0.60"),
        price("anthropic", "claude-haiku", "0.80", "4.00"),
        price("openai", "GPT-4o-mini", "1", "2"),
    ];
    if let Err(e) = repo.replace_all(&first).await {
        panic!("replace_all of a valid list failed: {e}");
    }
    let listed = list(&repo).await;
    let keys: Vec<(&str, &str)> = listed
        .iter()
        .map(|p| (p.provider.as_str(), p.model.as_str()))
        .collect();
    assert_eq!(
        keys,
        [
            ("anthropic", "claude-haiku"),
            ("openai", "GPT-4o-mini"),
            ("openai", "gpt-4o-mini")
        ],
        "list is ordered by provider then model, and models are case-sensitive"
    );
    let mini = listed.iter().find(|p| p.model == "gpt-4o-mini");
    assert_eq!(
        mini.map(|p| p.output_per_million),
        Decimal::from_str("0.60").ok(),
        "decimals survive storage exactly"
    );

    let second = vec![price("openai", "gpt-4o", "2.50", "10.00")];
    if let Err(e) = repo.replace_all(&second).await {
        panic!("second replace_all failed: {e}");
    }
    assert_eq!(
        list(&repo).await,
        second,
        "replace_all drops prices not listed"
    );

    let duplicate = vec![
        price("openai", "x", "1", "1"),
        price("openai", "x", "2", "2"),
    ];
    assert!(
        matches!(
            repo.replace_all(&duplicate).await,
            Err(TokenPriceStoreError::Invalid(_))
        ),
        "a provider and model listed twice is refused"
    );
    let negative = vec![price("openai", "y", "-1", "1")];
    assert!(
        matches!(
            repo.replace_all(&negative).await,
            Err(TokenPriceStoreError::Invalid(_))
        ),
        "a negative price is refused"
    );
    assert_eq!(list(&repo).await, second, "a refused list writes nothing");

    if let Err(e) = repo.replace_all(&[]).await {
        panic!("replace_all with an empty list failed: {e}");
    }
    assert!(
        list(&repo).await.is_empty(),
        "an empty list clears the table"
    );
}
