//! Errors of the plans context: one enum for an invalid catalog entry ([`PlanError`]), one for
//! loading a whole catalog ([`CatalogError`]) and one for the repository ports
//! ([`CatalogStoreError`]).

use std::fmt;
use thiserror::Error;
use tollgate_kernel::{Currency, FeatureCode, Interval, PlanCode};

/// The catalog entry a validation error is about; it opens every message
/// (`plan "pro": entitlement "api_calls": …`) so an operator knows where to look.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    Feature(FeatureCode),
    Plan(PlanCode),
    AddOn(PlanCode),
    /// A customer's overrides and add-on selections (the customer is known to the caller).
    Overrides,
}

impl fmt::Display for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Subject::Feature(c) => write!(f, "feature \"{c}\""),
            Subject::Plan(c) => write!(f, "plan \"{c}\""),
            Subject::AddOn(c) => write!(f, "add-on \"{c}\""),
            Subject::Overrides => f.write_str("overrides"),
        }
    }
}

/// A feature, plan, add-on or override breaks a catalog rule.
///
/// Messages name the entry, the feature or price and the rule, in words an operator can act on;
/// the server answers them as 400 `invalid_request`.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PlanError {
    /// An entry refers to a feature the catalog does not define.
    #[error("{subject}: unknown feature \"{feature}\"")]
    UnknownFeature {
        subject: Subject,
        feature: FeatureCode,
    },
    /// An entitlement (or add-on line, or override) does not fit its feature.
    #[error("{subject}: entitlement \"{feature}\": {reason}")]
    InvalidEntitlement {
        subject: Subject,
        feature: FeatureCode,
        reason: String,
    },
    /// Two entries of one plan, add-on or override set target the same feature.
    #[error("{subject}: more than one entitlement for feature \"{feature}\"")]
    DuplicateEntitlement {
        subject: Subject,
        feature: FeatureCode,
    },
    /// A price is negative or repeats a (currency, interval) pair.
    #[error("{subject}: price {currency}/{interval}: {reason}")]
    InvalidPrice {
        subject: Subject,
        currency: Currency,
        interval: Interval,
        reason: String,
    },
    /// Any other rule of the entry itself (name, prices of a custom plan, wallet grants, …).
    #[error("{subject}: {reason}")]
    Invalid { subject: Subject, reason: String },
}

/// A plan catalog (TOML file or set of entries) cannot be loaded.
#[derive(Debug, Error)]
pub enum CatalogError {
    /// The text is not TOML or does not have the catalog's shape; the message carries the line.
    #[error("catalog is not valid: {0}")]
    Syntax(#[from] toml::de::Error),
    #[error("feature \"{0}\" is defined more than once")]
    DuplicateFeature(FeatureCode),
    #[error("plan \"{0}\" is defined more than once")]
    DuplicatePlan(PlanCode),
    #[error("add-on \"{0}\" is defined more than once")]
    DuplicateAddOn(PlanCode),
    /// Plans and add-ons share one code space: both are sold through checkout by code.
    #[error("code \"{0}\" is used by both a plan and an add-on")]
    CodeClash(PlanCode),
    /// An entry breaks a catalog rule.
    #[error(transparent)]
    Invalid(#[from] PlanError),
}

/// Failure of a catalog repository port.
#[derive(Debug, Error)]
pub enum CatalogStoreError {
    /// The entry to change does not exist (archiving an unknown plan).
    #[error("not found: {0}")]
    NotFound(String),
    /// The write conflicts with stored data (a concurrent change, a unique violation).
    #[error("conflict: {0}")]
    Conflict(String),
    /// The store refuses the value (it cannot be represented or breaks a stored constraint).
    #[error("invalid: {0}")]
    Invalid(String),
    /// The backend failed; the caller cannot fix it by changing the request.
    #[error("catalog store failed")]
    Unexpected(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl CatalogStoreError {
    pub fn unexpected(e: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self::Unexpected(e.into())
    }
}
