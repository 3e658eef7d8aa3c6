//! AI token prices per provider and model, and the exact cost of one call.

use crate::PricingError;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use tollgate_kernel::{Amount, Currency, Decimal};

/// The highest accepted price per million tokens. Far above any real price, it keeps
/// `tokens × price` inside `Decimal` for every `u64` token count, so costs never overflow.
pub const MAX_PRICE_PER_MILLION: Decimal = Decimal::from_parts(1_000_000_000, 0, 0, false, 0);

/// Longest provider or model name, in characters.
const MAX_NAME: usize = 200;

/// The price of one model of one provider, per million input and output tokens.
///
/// JSON (`PUT /v1/admin/token-prices`): `{"provider": "openai", "model": "gpt-4o-mini",
/// "currency": "USD", "input_per_million": "0.15", "output_per_million": "0.60"}`; the prices
/// are strings (a JSON number is refused: it would pass through a float). Deserializing
/// validates, so an invalid price cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(try_from = "TokenPriceWire")]
pub struct TokenPrice {
    pub provider: String,
    pub model: String,
    pub currency: Currency,
    #[serde(with = "rust_decimal::serde::str")]
    #[cfg_attr(feature = "openapi", schema(value_type = tollgate_kernel::DecimalString))]
    pub input_per_million: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    #[cfg_attr(feature = "openapi", schema(value_type = tollgate_kernel::DecimalString))]
    pub output_per_million: Decimal,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TokenPriceWire {
    provider: String,
    model: String,
    currency: Currency,
    #[serde(with = "rust_decimal::serde::str")]
    input_per_million: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    output_per_million: Decimal,
}

impl TryFrom<TokenPriceWire> for TokenPrice {
    type Error = PricingError;
    fn try_from(w: TokenPriceWire) -> Result<Self, Self::Error> {
        let price = TokenPrice {
            provider: w.provider,
            model: w.model,
            currency: w.currency,
            input_per_million: w.input_per_million,
            output_per_million: w.output_per_million,
        };
        price.validate()?;
        Ok(price)
    }
}

impl TokenPrice {
    /// # Errors
    /// [`PricingError::InvalidTokenPrice`] for an empty (or blank) or over-long provider or
    /// model, a negative price, or one above [`MAX_PRICE_PER_MILLION`].
    pub fn validate(&self) -> Result<(), PricingError> {
        let invalid = |m: String| Err(PricingError::InvalidTokenPrice(m));
        if self.provider.trim().is_empty() {
            return invalid("provider must not be empty".to_owned());
        }
        if self.model.trim().is_empty() {
            return invalid("model must not be empty".to_owned());
        }
        for (name, value) in [("provider", &self.provider), ("model", &self.model)] {
            if value.chars().count() > MAX_NAME {
                return invalid(format!("{name} must be at most {MAX_NAME} characters"));
            }
        }
        for (name, price) in [
            ("input_per_million", self.input_per_million),
            ("output_per_million", self.output_per_million),
        ] {
            if price.is_sign_negative() && !price.is_zero() {
                return invalid(format!("{name} must not be negative"));
            }
            if price > MAX_PRICE_PER_MILLION {
                return invalid(format!("{name} must be at most {MAX_PRICE_PER_MILLION}"));
            }
        }
        Ok(())
    }

    /// The exact cost of a call: `input × input_per_million / 10^6 + output ×
    /// output_per_million / 10^6`, in major units, not rounded (a call may cost a fraction of a
    /// cent; rounding happens when it is charged).
    pub fn cost(&self, input_tokens: u64, output_tokens: u64) -> Amount {
        let million = Decimal::from(1_000_000_u32);
        let per_million = Decimal::from(input_tokens)
            .checked_mul(self.input_per_million)
            .and_then(|i| {
                Decimal::from(output_tokens)
                    .checked_mul(self.output_per_million)
                    .and_then(|o| i.checked_add(o))
            });
        // Unreachable for validated prices (see MAX_PRICE_PER_MILLION); saturate, never panic.
        let amount = per_million
            .and_then(|p| p.checked_div(million))
            .unwrap_or(Decimal::MAX);
        Amount::new(self.currency, amount.normalize())
    }
}

/// Tokens of one AI call, read from a usage event's `properties`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenUsage {
    pub provider: String,
    pub model: String,
    pub input_tokens: u64,
    pub output_tokens: u64,
}

impl TokenUsage {
    /// Reads `provider`, `model`, `input_tokens`, `output_tokens` from event properties.
    ///
    /// `Ok(None)` when the properties are not an object or `provider` or `model` is absent (or
    /// null): the event is not a token call. A missing or null token count is 0.
    ///
    /// # Errors
    /// [`PricingError::InvalidTokenUsage`] when `provider`/`model` is not a non-empty string,
    /// or a token count is negative, fractional, too large or not a number.
    pub fn from_properties(properties: &serde_json::Value) -> Result<Option<Self>, PricingError> {
        let Some(map) = properties.as_object() else {
            return Ok(None);
        };
        let (Some(provider), Some(model)) = (present(map, "provider"), present(map, "model"))
        else {
            return Ok(None);
        };
        Ok(Some(Self {
            provider: name(provider, "provider")?,
            model: name(model, "model")?,
            input_tokens: tokens(present(map, "input_tokens"), "input_tokens")?,
            output_tokens: tokens(present(map, "output_tokens"), "output_tokens")?,
        }))
    }
}

fn present<'a>(
    map: &'a serde_json::Map<String, serde_json::Value>,
    key: &str,
) -> Option<&'a serde_json::Value> {
    map.get(key).filter(|v| !v.is_null())
}

fn name(value: &serde_json::Value, key: &str) -> Result<String, PricingError> {
    match value.as_str() {
        Some(s) if !s.trim().is_empty() => Ok(s.to_owned()),
        _ => Err(PricingError::InvalidTokenUsage(format!(
            "{key} must be a non-empty string"
        ))),
    }
}

fn tokens(value: Option<&serde_json::Value>, key: &str) -> Result<u64, PricingError> {
    let Some(value) = value else {
        return Ok(0);
    };
    value.as_u64().ok_or_else(|| {
        let why = match value {
            serde_json::Value::Number(n) if n.as_i64().is_some_and(|i| i < 0) => "negative",
            serde_json::Value::Number(n) if n.is_f64() => "not an integer",
            serde_json::Value::Number(_) => "too large",
            _ => "not a number",
        };
        PricingError::InvalidTokenUsage(format!("{key} is {why}"))
    })
}

/// The token prices in force, looked up by provider and model (case-sensitive, exact match:
/// `gpt-4o-mini` and `GPT-4o-mini` are different models).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TokenPriceTable {
    prices: BTreeMap<(String, String), TokenPrice>,
}

impl TokenPriceTable {
    /// # Errors
    /// [`PricingError::InvalidTokenPrice`] for an invalid price or the same provider and model
    /// twice (which one would win is not obvious, so neither does).
    pub fn new(prices: impl IntoIterator<Item = TokenPrice>) -> Result<Self, PricingError> {
        let mut table = BTreeMap::new();
        for price in prices {
            price.validate()?;
            let key = (price.provider.clone(), price.model.clone());
            if table.contains_key(&key) {
                return Err(PricingError::InvalidTokenPrice(format!(
                    "{}/{} is listed twice",
                    key.0, key.1
                )));
            }
            table.insert(key, price);
        }
        Ok(Self { prices: table })
    }

    pub fn get(&self, provider: &str, model: &str) -> Option<&TokenPrice> {
        self.prices.get(&(provider.to_owned(), model.to_owned()))
    }

    /// The exact cost of `usage`; `None` when its provider and model have no price.
    pub fn cost(&self, usage: &TokenUsage) -> Option<Amount> {
        self.get(&usage.provider, &usage.model)
            .map(|p| p.cost(usage.input_tokens, usage.output_tokens))
    }

    /// The prices ordered by provider, then model.
    pub fn prices(&self) -> impl Iterator<Item = &TokenPrice> {
        self.prices.values()
    }

    pub fn len(&self) -> usize {
        self.prices.len()
    }

    pub fn is_empty(&self) -> bool {
        self.prices.is_empty()
    }
}

#[cfg(test)]
mod tests;
