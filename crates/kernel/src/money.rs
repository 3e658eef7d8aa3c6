//! Money in integer minor units, currencies with their ISO 4217 exponents, and the one rounding
//! point (half-even to the currency's minor unit).

use crate::ParseError;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};
use std::fmt;

/// ISO 4217 codes Tollgate accepts, with their minor-unit exponent.
/// Zero-decimal currencies (JPY, KRW, VND, …) have exponent 0: `amount_minor` is whole units.
pub(crate) const CURRENCIES: &[(&str, u32)] = &[
    ("USD", 2),
    ("EUR", 2),
    ("GBP", 2),
    ("CHF", 2),
    ("CAD", 2),
    ("AUD", 2),
    ("NZD", 2),
    ("SEK", 2),
    ("NOK", 2),
    ("DKK", 2),
    ("PLN", 2),
    ("CZK", 2),
    ("BRL", 2),
    ("MXN", 2),
    ("INR", 2),
    ("SGD", 2),
    ("HKD", 2),
    ("CNY", 2),
    ("ZAR", 2),
    ("THB", 2),
    ("TWD", 2),
    ("ILS", 2),
    ("AED", 2),
    ("JPY", 0),
    ("KRW", 0),
    ("VND", 0),
    ("CLP", 0),
    ("ISK", 0),
    ("HUF", 2),
    ("IDR", 2),
    ("KWD", 3),
    ("BHD", 3),
    ("JOD", 3),
    ("OMR", 3),
    ("TND", 3),
];

/// A currency Tollgate knows, by its upper-case ISO 4217 code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Currency {
    code: [u8; 3],
    exponent: u32,
}

impl Currency {
    pub const USD: Currency = Currency {
        code: *b"USD",
        exponent: 2,
    };
    pub const EUR: Currency = Currency {
        code: *b"EUR",
        exponent: 2,
    };
    pub const VND: Currency = Currency {
        code: *b"VND",
        exponent: 0,
    };
    pub const JPY: Currency = Currency {
        code: *b"JPY",
        exponent: 0,
    };

    /// Parses an ISO 4217 code, case-insensitively (`usd` → `USD`).
    ///
    /// # Errors
    /// [`ParseError`] when the code is not one Tollgate knows.
    pub fn from_iso(raw: &str) -> Result<Self, ParseError> {
        let upper = raw.trim().to_ascii_uppercase();
        CURRENCIES
            .iter()
            .find(|(code, _)| *code == upper)
            .map(|(code, exponent)| {
                let b = code.as_bytes();
                Currency {
                    code: [b[0], b[1], b[2]],
                    exponent: *exponent,
                }
            })
            .ok_or_else(|| ParseError::new("currency", format!("unknown ISO 4217 code {raw:?}")))
    }

    pub fn code(&self) -> &str {
        // The bytes come from the ASCII table above.
        std::str::from_utf8(&self.code).unwrap_or("???")
    }

    /// Number of decimal digits of the minor unit (2 for USD, 0 for VND and JPY, 3 for KWD).
    pub fn exponent(&self) -> u32 {
        self.exponent
    }
}

impl TryFrom<String> for Currency {
    type Error = ParseError;
    fn try_from(raw: String) -> Result<Self, Self::Error> {
        Self::from_iso(&raw)
    }
}

impl From<Currency> for String {
    fn from(c: Currency) -> String {
        c.code().to_owned()
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// An amount in a currency's minor unit (cents for USD, dong for VND). Never floating point.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Money {
    pub minor: i64,
    pub currency: Currency,
}

impl Money {
    pub fn new(minor: i64, currency: Currency) -> Self {
        Self { minor, currency }
    }

    pub fn zero(currency: Currency) -> Self {
        Self::new(0, currency)
    }

    /// The amount in major units as an exact decimal (`4900 USD` → `49.00`).
    pub fn to_major(&self) -> Decimal {
        Decimal::new(self.minor, self.currency.exponent())
    }

    /// Rounds an exact major-unit amount to this currency's minor unit, half-even.
    /// This is Tollgate's single rounding point for money that is charged.
    ///
    /// # Errors
    /// [`ParseError`] when the amount does not fit in `i64` minor units.
    pub fn from_major_rounded(amount: Decimal, currency: Currency) -> Result<Self, ParseError> {
        Ok(Self::new(round_to_minor(amount, currency)?, currency))
    }

    /// Adds two amounts of the same currency.
    ///
    /// # Errors
    /// [`ParseError`] when the currencies differ or the sum overflows.
    pub fn checked_add(self, other: Money) -> Result<Money, ParseError> {
        if self.currency != other.currency {
            return Err(ParseError::new(
                "money",
                format!("cannot add {} to {}", other.currency, self.currency),
            ));
        }
        self.minor
            .checked_add(other.minor)
            .map(|minor| Money::new(minor, self.currency))
            .ok_or_else(|| ParseError::new("money", "amount overflows"))
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.to_major(), self.currency)
    }
}

/// Rounds a major-unit decimal to integer minor units of `currency`, half-even (banker's).
///
/// # Errors
/// [`ParseError`] when the result does not fit in `i64`.
pub fn round_to_minor(amount: Decimal, currency: Currency) -> Result<i64, ParseError> {
    let scaled = amount
        .checked_mul(Decimal::from(10_i64.pow(currency.exponent())))
        .ok_or_else(|| ParseError::new("money", "amount overflows"))?;
    let rounded = scaled.round_dp_with_strategy(0, RoundingStrategy::MidpointNearestEven);
    i64::try_from(rounded).map_err(|_| ParseError::new("money", "amount overflows"))
}

/// Formats an exact decimal with at least `min_scale` fractional digits and no trailing noise
/// beyond its own scale: `0.00045` with 6 → `"0.000450"`, `1.2345678` with 6 → `"1.2345678"`.
pub fn format_decimal(amount: Decimal, min_scale: u32) -> String {
    let mut d = amount.normalize();
    if d.scale() < min_scale {
        d.rescale(min_scale);
    }
    d.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn currency_exponents() {
        assert_eq!(Currency::from_iso("usd").unwrap(), Currency::USD);
        assert_eq!(Currency::from_iso("VND").unwrap().exponent(), 0);
        assert_eq!(Currency::from_iso("JPY").unwrap().exponent(), 0);
        assert_eq!(Currency::from_iso("KRW").unwrap().exponent(), 0);
        assert_eq!(Currency::from_iso("KWD").unwrap().exponent(), 3);
        assert!(Currency::from_iso("XXX").is_err());
        assert!(Currency::from_iso("").is_err());
    }

    #[test]
    fn currency_serde_is_the_code() {
        let c: Currency = serde_json::from_str("\"eur\"").unwrap();
        assert_eq!(serde_json::to_string(&c).unwrap(), "\"EUR\"");
        assert!(serde_json::from_str::<Currency>("\"EURO\"").is_err());
    }

    #[test]
    fn major_units() {
        assert_eq!(
            Money::new(4900, Currency::USD).to_major(),
            Decimal::from_str("49.00").unwrap()
        );
        assert_eq!(
            Money::new(250_000, Currency::VND).to_major(),
            Decimal::from(250_000)
        );
    }

    #[test]
    fn rounding_is_half_even_at_the_minor_unit() {
        let r = |s: &str, c| round_to_minor(Decimal::from_str(s).unwrap(), c).unwrap();
        assert_eq!(r("0.125", Currency::USD), 12);
        assert_eq!(r("0.135", Currency::USD), 14);
        assert_eq!(r("-0.125", Currency::USD), -12);
        assert_eq!(r("1000.5", Currency::VND), 1000);
        assert_eq!(r("1001.5", Currency::VND), 1002);
    }

    #[test]
    fn adding_different_currencies_fails() {
        let a = Money::new(1, Currency::USD);
        assert!(a.checked_add(Money::new(1, Currency::EUR)).is_err());
        assert_eq!(a.checked_add(a).unwrap().minor, 2);
        assert!(Money::new(i64::MAX, Currency::USD).checked_add(a).is_err());
    }

    #[test]
    fn decimal_formatting_keeps_six_digits() {
        let f = |s: &str| format_decimal(Decimal::from_str(s).unwrap(), 6);
        assert_eq!(f("0.00045"), "0.000450");
        assert_eq!(f("4.99955"), "4.999550");
        assert_eq!(f("1.2345678"), "1.2345678");
        assert_eq!(f("5"), "5.000000");
    }
}

/// An exact decimal amount in major units of a currency: costs of usage events (a token call may
/// cost a fraction of a cent) and wallet balances. Serialized as
/// `{"currency": "USD", "amount": "0.000450"}` with at least six fractional digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Amount {
    pub currency: Currency,
    /// Major units, written with at least six fractional digits (`"0.000450"`).
    #[cfg_attr(feature = "openapi", schema(value_type = crate::DecimalString))]
    pub amount: Decimal,
}

impl Amount {
    pub fn new(currency: Currency, amount: Decimal) -> Self {
        Self { currency, amount }
    }

    pub fn zero(currency: Currency) -> Self {
        Self::new(currency, Decimal::ZERO)
    }

    /// The amount rounded half-even to whole minor units, for charging.
    ///
    /// # Errors
    /// [`ParseError`] when it does not fit in `i64` minor units.
    pub fn to_money(&self) -> Result<Money, ParseError> {
        Money::from_major_rounded(self.amount, self.currency)
    }
}

impl From<Money> for Amount {
    fn from(m: Money) -> Self {
        Self::new(m.currency, m.to_major())
    }
}

#[derive(Serialize, Deserialize)]
struct AmountWire {
    currency: Currency,
    amount: String,
}

impl Serialize for Amount {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        AmountWire {
            currency: self.currency,
            amount: format_decimal(self.amount, 6),
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for Amount {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let wire = AmountWire::deserialize(d)?;
        let amount = wire
            .amount
            .parse::<Decimal>()
            .map_err(|e| serde::de::Error::custom(format!("invalid amount: {e}")))?;
        Ok(Self::new(wire.currency, amount))
    }
}

impl fmt::Display for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", format_decimal(self.amount, 2), self.currency)
    }
}

#[cfg(test)]
mod amount_tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn serializes_with_six_digits_and_round_trips() {
        let a = Amount::new(Currency::USD, Decimal::from_str("0.00045").unwrap());
        let json = serde_json::to_string(&a).unwrap();
        assert_eq!(json, r#"{"currency":"USD","amount":"0.000450"}"#);
        assert_eq!(serde_json::from_str::<Amount>(&json).unwrap(), a);
        assert!(serde_json::from_str::<Amount>(r#"{"currency":"USD","amount":"x"}"#).is_err());
    }

    #[test]
    fn rounds_to_money_half_even() {
        let a = Amount::new(Currency::USD, Decimal::from_str("0.125").unwrap());
        assert_eq!(a.to_money().unwrap().minor, 12);
    }
}
