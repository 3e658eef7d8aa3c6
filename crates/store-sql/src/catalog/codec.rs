//! How domain values become column values and back, for the catalog, token price and billing
//! adapters: enums as their snake_case words, exact decimals as their string form, timestamps at
//! the precision both backends keep, small nested values as JSON.
//!
//! Decoding never panics: a value the domain refuses (a row written by something else, a schema
//! drift) is a [`DbFailure`] naming the column, never the value.

use crate::error::DbFailure;
use chrono::SubsecRound;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::str::FromStr;
use tollgate_kernel::{Currency, Decimal, Timestamp};

/// A stored value that does not decode into its domain type.
pub(crate) fn corrupt(column: &str) -> DbFailure {
    tracing::warn!(column, "stored value could not be decoded");
    DbFailure(format!("stored {column} could not be decoded"))
}

/// A domain value that has no stored form (cannot happen for the types used here; reported
/// rather than unwrapped).
fn unencodable(column: &str) -> DbFailure {
    DbFailure(format!("{column} could not be encoded"))
}

/// A snake_case enum as the word serde gives it (`"per_request"`, `"past_due"`).
pub(crate) fn word<T: Serialize>(column: &str, value: &T) -> Result<String, DbFailure> {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => Ok(s),
        _ => Err(unencodable(column)),
    }
}

/// The enum a stored word names.
pub(crate) fn from_word<T: DeserializeOwned>(column: &str, raw: &str) -> Result<T, DbFailure> {
    serde_json::from_value(serde_json::Value::String(raw.to_owned())).map_err(|_| corrupt(column))
}

/// Any value as JSON, for columns of nested values.
pub(crate) fn json<T: Serialize>(column: &str, value: &T) -> Result<serde_json::Value, DbFailure> {
    serde_json::to_value(value).map_err(|_| unencodable(column))
}

pub(crate) fn from_json<T: DeserializeOwned>(
    column: &str,
    raw: serde_json::Value,
) -> Result<T, DbFailure> {
    serde_json::from_value(raw).map_err(|_| corrupt(column))
}

pub(crate) fn currency(column: &str, raw: &str) -> Result<Currency, DbFailure> {
    Currency::from_iso(raw).map_err(|_| corrupt(column))
}

/// Decimals are TEXT in their exact string form (`"0.60"` keeps its scale); never floats.
pub(crate) fn decimal(column: &str, raw: &str) -> Result<Decimal, DbFailure> {
    Decimal::from_str(raw).map_err(|_| corrupt(column))
}

/// Counts stored as BIGINT that the domain holds as `u32`.
pub(crate) fn count(column: &str, raw: i64) -> Result<u32, DbFailure> {
    u32::try_from(raw).map_err(|_| corrupt(column))
}

/// An instant as both backends store it: PostgreSQL keeps microseconds, so SQLite is given the
/// same precision and a value reads back equal on either.
pub(crate) fn at_rest(t: Timestamp) -> Timestamp {
    t.trunc_subsecs(6)
}

/// What can go wrong in an adapter method: the database failed, or a stored row does not decode.
/// Each adapter maps it to its port's error in one place.
#[derive(Debug)]
pub(crate) enum Failure {
    Db(sea_orm::DbErr),
    Decode(DbFailure),
}

impl From<sea_orm::DbErr> for Failure {
    fn from(e: sea_orm::DbErr) -> Self {
        Failure::Db(e)
    }
}

impl From<DbFailure> for Failure {
    fn from(e: DbFailure) -> Self {
        Failure::Decode(e)
    }
}
