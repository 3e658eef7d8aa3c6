//! What a plan or add-on costs: recurring prices, overage unit prices and wallet grants.
//!
//! Amounts are integer minor units of their currency (cents for USD, whole dong for VND, whose
//! exponent is 0); unit prices are exact decimals written as strings (`"0.003"`), never floats.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use tollgate_kernel::{Currency, Decimal, GrantTrigger, Interval, Money};

/// One recurring price of a plan or add-on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Price {
    pub currency: Currency,
    pub interval: Interval,
    /// Per interval, in the currency's minor unit; `0` is a free plan. Never negative.
    pub amount_minor: i64,
    /// The provider's price id once the price is synced to Stripe.
    #[serde(default)]
    pub stripe_price_id: Option<String>,
}

impl Price {
    pub fn new(currency: Currency, interval: Interval, amount_minor: i64) -> Self {
        Self {
            currency,
            interval,
            amount_minor,
            stripe_price_id: None,
        }
    }

    pub fn money(&self) -> Money {
        Money::new(self.amount_minor, self.currency)
    }
}

/// Price of each unit used above a soft limit, in major units of `currency`
/// (`"0.003"` USD per API call is $3 per thousand). Rounding to minor units happens when the
/// overage is invoiced, not here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Overage {
    pub currency: Currency,
    #[serde(with = "decimal_string")]
    #[cfg_attr(feature = "openapi", schema(value_type = tollgate_kernel::DecimalString))]
    pub unit_amount: Decimal,
}

/// How usage of an entitlement is paid for besides the subscription.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PayWith {
    /// Each accepted event's cost is debited from the customer's prepaid wallet; an event that
    /// costs more than the balance is refused.
    Wallet,
}

/// Credit a plan puts into the customer's wallet when `on` happens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct WalletGrant {
    /// Whole minor units; always positive.
    pub amount_minor: i64,
    pub currency: Currency,
    pub on: GrantTrigger,
    /// Days after the grant that its unspent credit lapses; `None` never lapses.
    #[serde(default)]
    pub expires_after_days: Option<u32>,
}

/// Decimals as JSON/TOML strings only: a float (`0.003`) is refused rather than rounded through
/// `f64`.
pub(crate) mod decimal_string {
    use super::*;

    pub fn serialize<S: Serializer>(d: &Decimal, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&d.to_string())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
        let raw = String::deserialize(d)?;
        raw.trim()
            .parse::<Decimal>()
            .map_err(|e| serde::de::Error::custom(format!("{raw:?} is not a decimal number ({e})")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn overage_unit_amount_is_an_exact_string() {
        let o: Overage =
            serde_json::from_str(r#"{"currency": "USD", "unit_amount": "0.003"}"#).unwrap();
        assert_eq!(o.unit_amount, Decimal::from_str("0.003").unwrap());
        assert_eq!(
            serde_json::to_string(&o).unwrap(),
            r#"{"currency":"USD","unit_amount":"0.003"}"#
        );
        let float = serde_json::from_str::<Overage>(r#"{"currency": "USD", "unit_amount": 0.003}"#);
        assert!(float.is_err());
        let junk =
            serde_json::from_str::<Overage>(r#"{"currency": "USD", "unit_amount": "3/1000"}"#)
                .unwrap_err();
        assert!(junk.to_string().contains("not a decimal"), "{junk}");
    }

    #[test]
    fn price_json_shape() {
        let p: Price = serde_json::from_str(
            r#"{"currency": "VND", "interval": "month", "amount_minor": 1190000}"#,
        )
        .unwrap();
        assert_eq!(p.money().to_major(), Decimal::from(1_190_000));
        assert_eq!(
            serde_json::to_value(&p).unwrap(),
            serde_json::json!({"currency": "VND", "interval": "month", "amount_minor": 1190000, "stripe_price_id": null})
        );
    }

    #[test]
    fn wallet_grant_json_shape() {
        let g: WalletGrant = serde_json::from_str(
            r#"{"amount_minor": 500, "currency": "USD", "on": "start", "expires_after_days": 30}"#,
        )
        .unwrap();
        assert_eq!(g.on, GrantTrigger::Start);
        assert_eq!(g.expires_after_days, Some(30));
        assert_eq!(
            serde_json::to_string(&PayWith::Wallet).unwrap(),
            "\"wallet\""
        );
    }
}
