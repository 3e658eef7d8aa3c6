//! Small enums shared by the catalog, quota and billing contexts.

use crate::ParseError;
use serde::{Deserialize, Serialize};
use std::fmt;

/// What kind of thing a feature is, which decides how it is enforced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum FeatureKind {
    /// A gate: on or off (analytics, API access, white-label).
    Boolean,
    /// A counter per window (API calls per month, tokens per day).
    Metered,
    /// A current level that goes up and down (storage bytes, seats).
    Gauge,
    /// Simultaneous leases (concurrent jobs).
    Concurrency,
    /// A cap on one request's value (max upload size).
    PerRequest,
    /// A configuration value (retention days, export formats).
    Config,
}

impl FeatureKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            FeatureKind::Boolean => "boolean",
            FeatureKind::Metered => "metered",
            FeatureKind::Gauge => "gauge",
            FeatureKind::Concurrency => "concurrency",
            FeatureKind::PerRequest => "per_request",
            FeatureKind::Config => "config",
        }
    }

    /// # Errors
    /// [`ParseError`] for an unknown kind.
    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        serde_json::from_value(serde_json::Value::String(raw.to_owned())).map_err(|_| {
            ParseError::new(
                "feature kind",
                format!(
                    "{raw:?} is not one of boolean, metered, gauge, concurrency, per_request, config"
                ),
            )
        })
    }

    /// Whether usage of this kind is counted (and so has a counter and events).
    pub fn is_counted(&self) -> bool {
        matches!(self, FeatureKind::Metered | FeatureKind::Gauge)
    }
}

impl fmt::Display for FeatureKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What happens at a limit: `hard` refuses (429), `soft` allows and records overage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Enforcement {
    #[default]
    Hard,
    Soft,
}

impl Enforcement {
    pub fn as_str(&self) -> &'static str {
        match self {
            Enforcement::Hard => "hard",
            Enforcement::Soft => "soft",
        }
    }
}

/// A billing interval of a recurring price.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Interval {
    #[serde(alias = "monthly")]
    Month,
    #[serde(alias = "yearly", alias = "annual")]
    Year,
}

impl Interval {
    pub fn as_str(&self) -> &'static str {
        match self {
            Interval::Month => "month",
            Interval::Year => "year",
        }
    }

    pub fn months(&self) -> u32 {
        match self {
            Interval::Month => 1,
            Interval::Year => 12,
        }
    }

    /// # Errors
    /// [`ParseError`] for anything but `month` or `year`.
    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        match raw {
            "month" | "monthly" => Ok(Interval::Month),
            "year" | "yearly" | "annual" => Ok(Interval::Year),
            other => Err(ParseError::new(
                "interval",
                format!("{other:?} is not month or year"),
            )),
        }
    }
}

impl fmt::Display for Interval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip() {
        for k in [
            FeatureKind::Boolean,
            FeatureKind::Metered,
            FeatureKind::Gauge,
            FeatureKind::Concurrency,
            FeatureKind::PerRequest,
            FeatureKind::Config,
        ] {
            assert_eq!(FeatureKind::parse(k.as_str()).unwrap(), k);
        }
        assert!(FeatureKind::parse("counter").is_err());
    }

    #[test]
    fn intervals() {
        assert_eq!(Interval::parse("year").unwrap().months(), 12);
        assert!(Interval::parse("week").is_err());
    }
}

/// When a plan's wallet grant is credited.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum GrantTrigger {
    /// When the subscription starts (trial or first payment).
    Start,
    /// At each renewal (a new paid period).
    Renewal,
    /// When the customer upgrades to this plan.
    Upgrade,
}
