//! Identifiers as validated newtypes: an invalid id cannot be constructed.

use crate::ParseError;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Characters allowed in codes and ids: they end up in URLs, Redis keys and Stripe metadata.
fn valid_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | ':' | '@')
}

fn validate(what: &'static str, raw: &str, max: usize) -> Result<(), ParseError> {
    if raw.is_empty() {
        return Err(ParseError::new(what, "must not be empty"));
    }
    if raw.len() > max {
        return Err(ParseError::new(
            what,
            format!("must be at most {max} characters"),
        ));
    }
    if let Some(bad) = raw.chars().find(|c| !valid_char(*c)) {
        return Err(ParseError::new(
            what,
            format!("character {bad:?} is not allowed (use letters, digits, _ - . : @)"),
        ));
    }
    Ok(())
}

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident, $what:literal, $max:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// Parses an id: non-empty, at most
            #[doc = concat!(stringify!($max))]
            /// characters of `[A-Za-z0-9_.:@-]`.
            ///
            /// # Errors
            /// [`ParseError`] naming the rule that was broken.
            pub fn parse(raw: impl Into<String>) -> Result<Self, ParseError> {
                let raw = raw.into();
                validate($what, &raw, $max)?;
                Ok(Self(raw))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = ParseError;
            fn try_from(raw: String) -> Result<Self, Self::Error> {
                Self::parse(raw)
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl std::str::FromStr for $name {
            type Err = ParseError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }
    };
}

id_type!(
    /// The product's own id for a customer (tenant, organization).
    CustomerId, "customer id", 128
);
id_type!(
    /// Code of a plan or add-on in the catalog (`pro`, `storage_10gb`).
    PlanCode, "plan code", 64
);
id_type!(
    /// Code of a feature in the catalog (`api_calls`, `storage_bytes`).
    FeatureCode, "feature code", 64
);
id_type!(
    /// The caller's key that makes a usage event (or any mutation) count once.
    IdempotencyKey, "idempotency key", 255
);

/// A fresh, time-ordered id with a readable prefix (`evt_…`, `led_…`): UUIDv7 in simple form,
/// so ids sort by creation time in every store.
pub fn new_id(prefix: &str) -> String {
    format!("{prefix}_{}", uuid::Uuid::now_v7().simple())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_ordinary_codes() {
        assert_eq!(PlanCode::parse("pro").unwrap().as_str(), "pro");
        assert!(CustomerId::parse("org_42:eu-west.1@x").is_ok());
    }

    #[test]
    fn refuses_empty_long_and_odd_characters() {
        assert!(PlanCode::parse("").is_err());
        assert!(PlanCode::parse("a".repeat(65)).is_err());
        assert!(PlanCode::parse("a".repeat(64)).is_ok());
        let err = FeatureCode::parse("api calls").unwrap_err();
        assert!(err.reason.contains("' '"), "{err}");
        assert!(CustomerId::parse("acme/../x").is_err());
    }

    #[test]
    fn serde_goes_through_validation() {
        let ok: PlanCode = serde_json::from_str("\"pro\"").unwrap();
        assert_eq!(ok.as_str(), "pro");
        assert!(serde_json::from_str::<PlanCode>("\"\"").is_err());
        assert_eq!(serde_json::to_string(&ok).unwrap(), "\"pro\"");
    }

    #[test]
    fn new_ids_are_prefixed_and_ordered() {
        let a = new_id("evt");
        let b = new_id("evt");
        assert!(a.starts_with("evt_"));
        assert_ne!(a, b);
    }
}
