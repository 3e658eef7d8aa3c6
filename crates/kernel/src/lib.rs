//! The shared vocabulary of Tollgate: validated identifiers, money in integer minor units,
//! exact decimals for unit prices, quota windows and the `Clock` port.
//!
//! This crate must never do I/O, hold global state or depend on a runtime: every other crate,
//! including the pure domain crates, builds on it.

mod catalog;
mod clock;
mod error;
mod ids;
mod money;
#[cfg(feature = "openapi")]
mod openapi;
mod window;

pub use catalog::{Enforcement, FeatureKind, GrantTrigger, Interval};
pub use clock::{Clock, ClockControl, ManualClock, SystemClock};
pub use error::ParseError;
pub use ids::{CustomerId, FeatureCode, IdempotencyKey, PlanCode, new_id};
pub use money::{Amount, Currency, Money, format_decimal, round_to_minor};
#[cfg(feature = "openapi")]
pub use openapi::{DECIMAL_PATTERN, DecimalString, ID_PATTERN};
pub use rust_decimal::Decimal;
pub use window::{Period, Window, WindowSpan, add_months};

/// An instant in UTC; every timestamp in Tollgate is one.
pub type Timestamp = chrono::DateTime<chrono::Utc>;
