//! One error for the use cases. Port errors are translated here, once, into the business
//! outcomes the HTTP layer maps to status codes; infrastructure detail stays in `Unexpected`.

use tollgate_billing::{BillingError, BillingStoreError, TransitionError};
use tollgate_kernel::{Currency, Decimal, FeatureCode, ParseError, Timestamp};
use tollgate_plans::{CatalogError, CatalogStoreError, PlanError};
use tollgate_pricing::PricingError;
use tollgate_quotas::{CounterError, DenyReason, QuotaError};
use tollgate_usage::UsageLogError;
use tollgate_wallet::WalletError;

use crate::ports::{AuditError, CommitError, EventLogError};

type Source = Box<dyn std::error::Error + Send + Sync>;

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The request is malformed or breaks a rule (400 `invalid_request`).
    #[error("{0}")]
    Invalid(String),
    /// A named thing does not exist (404 `not_found`).
    #[error("{entity} {id:?} not found")]
    NotFound { entity: &'static str, id: String },
    /// The request conflicts with current state (409 `conflict`).
    #[error("{0}")]
    Conflict(String),
    /// A hard limit would be passed (429 `quota_exceeded`).
    #[error("quota exceeded for {feature}")]
    QuotaExceeded {
        feature: FeatureCode,
        limit: Option<i64>,
        used: i64,
        resets_at: Option<Timestamp>,
        reason: DenyReason,
    },
    /// The account is locked after its grace period: read-only (402 `account_locked`).
    #[error("account is locked after a failed payment; it is read-only until paid")]
    AccountLocked,
    /// The prepaid wallet cannot pay for this event (402 `insufficient_credits`).
    #[error("insufficient credits: balance {balance} {currency}, needed {needed}")]
    InsufficientCredits {
        currency: Currency,
        balance: Decimal,
        needed: Decimal,
    },
    /// The payment provider cannot be reached; nothing changed (503 `billing_unavailable`).
    #[error("billing provider unavailable")]
    BillingUnavailable(String),
    /// A store is briefly unavailable (a pool timeout, the counters' authority moving under a
    /// request again and again); nothing was changed, a retry may succeed (503 `unavailable`).
    #[error("temporarily unavailable: {0}")]
    Unavailable(String),
    /// Anything else: logged with its source, answered as an opaque 500.
    #[error("unexpected error")]
    Unexpected(#[source] Source),
}

impl EngineError {
    pub fn invalid(msg: impl Into<String>) -> Self {
        Self::Invalid(msg.into())
    }

    pub fn not_found(entity: &'static str, id: impl ToString) -> Self {
        Self::NotFound {
            entity,
            id: id.to_string(),
        }
    }

    pub(crate) fn unexpected(msg: impl Into<String>) -> Self {
        Self::Unexpected(msg.into().into())
    }
}

impl From<ParseError> for EngineError {
    fn from(e: ParseError) -> Self {
        Self::Invalid(e.to_string())
    }
}

impl From<CatalogStoreError> for EngineError {
    fn from(e: CatalogStoreError) -> Self {
        match e {
            CatalogStoreError::NotFound(what) => Self::NotFound {
                entity: "catalog entry",
                id: what,
            },
            CatalogStoreError::Conflict(msg) => Self::Conflict(msg),
            CatalogStoreError::Invalid(msg) => Self::Invalid(msg),
            CatalogStoreError::Unexpected(src) => Self::Unexpected(src),
        }
    }
}

impl From<PlanError> for EngineError {
    fn from(e: PlanError) -> Self {
        Self::Invalid(e.to_string())
    }
}

impl From<CatalogError> for EngineError {
    fn from(e: CatalogError) -> Self {
        Self::Invalid(e.to_string())
    }
}

impl From<tollgate_pricing::TokenPriceStoreError> for EngineError {
    fn from(e: tollgate_pricing::TokenPriceStoreError) -> Self {
        match e {
            tollgate_pricing::TokenPriceStoreError::Invalid(p) => Self::Invalid(p.to_string()),
            other => Self::Unexpected(Box::new(other)),
        }
    }
}

impl From<CounterError> for EngineError {
    fn from(e: CounterError) -> Self {
        match e {
            CounterError::Invalid(msg) => Self::Invalid(msg),
            CounterError::Unavailable(msg) => Self::Unavailable(msg),
            other => Self::Unexpected(Box::new(other)),
        }
    }
}

impl From<QuotaError> for EngineError {
    fn from(e: QuotaError) -> Self {
        Self::Invalid(e.to_string())
    }
}

impl From<UsageLogError> for EngineError {
    fn from(e: UsageLogError) -> Self {
        match e {
            UsageLogError::Invalid(msg) => Self::Invalid(msg),
            other => Self::Unexpected(Box::new(other)),
        }
    }
}

impl From<WalletError> for EngineError {
    fn from(e: WalletError) -> Self {
        CommitError::from(e).into()
    }
}

impl From<PricingError> for EngineError {
    fn from(e: PricingError) -> Self {
        Self::Invalid(e.to_string())
    }
}

impl From<BillingError> for EngineError {
    fn from(e: BillingError) -> Self {
        match e {
            BillingError::Unavailable(msg) => Self::BillingUnavailable(msg),
            BillingError::NotFound(what) => Self::NotFound {
                entity: "billing object",
                id: what,
            },
            BillingError::Invalid(msg) | BillingError::Declined(msg) => Self::Invalid(msg),
            BillingError::Unexpected(src) => Self::Unexpected(src),
        }
    }
}

impl From<BillingStoreError> for EngineError {
    fn from(e: BillingStoreError) -> Self {
        match e {
            BillingStoreError::NotFound(what) => Self::NotFound {
                entity: "billing record",
                id: what,
            },
            BillingStoreError::Conflict(msg) => Self::Conflict(msg),
            BillingStoreError::Unexpected(src) => Self::Unexpected(src),
        }
    }
}

impl From<TransitionError> for EngineError {
    fn from(e: TransitionError) -> Self {
        Self::Conflict(e.to_string())
    }
}

impl From<AuditError> for EngineError {
    fn from(e: AuditError) -> Self {
        Self::Unexpected(Box::new(e))
    }
}

impl From<EventLogError> for EngineError {
    fn from(e: EventLogError) -> Self {
        Self::Unexpected(Box::new(e))
    }
}

impl From<CommitError> for EngineError {
    fn from(e: CommitError) -> Self {
        match e {
            CommitError::InsufficientCredits {
                currency,
                balance,
                needed,
            } => Self::InsufficientCredits {
                currency,
                balance,
                needed,
            },
            CommitError::Invalid(msg) => Self::Invalid(msg),
            CommitError::Unavailable(msg) => Self::Unavailable(msg),
            other => Self::Unexpected(Box::new(other)),
        }
    }
}
