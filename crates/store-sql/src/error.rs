//! Database errors, sorted into what callers can act on. Messages handed to callers never
//! contain SQL text, bound values or connection strings: only the kind of failure.

use sea_orm::{DbErr, RuntimeErr, SqlErr};

/// Failures of opening the store.
#[derive(Debug, thiserror::Error)]
pub enum SqlStoreError {
    #[error("cannot connect to the database: {0}")]
    Connect(String),
    #[error("migration failed: {0}")]
    Migrate(String),
}

/// What went wrong, in the terms the ports speak.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fault {
    /// A unique or primary key constraint: the row is there already.
    Duplicate,
    /// A foreign key constraint: what it refers to does not exist.
    MissingReference,
    /// A check constraint or a value out of range.
    Invalid,
    /// The database cannot be reached, or it is busy past its timeout.
    Unavailable,
    /// Anything else: a bug or a schema mismatch.
    Other,
}

pub(crate) fn fault(e: &DbErr) -> Fault {
    match e.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => return Fault::Duplicate,
        Some(SqlErr::ForeignKeyConstraintViolation(_)) => return Fault::MissingReference,
        _ => {}
    }
    match e {
        DbErr::Conn(_) | DbErr::ConnectionAcquire(_) => Fault::Unavailable,
        DbErr::Exec(RuntimeErr::SqlxError(x)) | DbErr::Query(RuntimeErr::SqlxError(x)) => {
            use sea_orm::sqlx::Error as X;
            match x.as_ref() {
                X::Io(_) | X::PoolTimedOut | X::PoolClosed | X::WorkerCrashed => Fault::Unavailable,
                X::Database(d) => {
                    let code = d.code().unwrap_or_default();
                    match code.as_ref() {
                        // PostgreSQL: check violation, numeric out of range, not null.
                        "23514" | "22003" | "23502" => Fault::Invalid,
                        // PostgreSQL: serialization failure, deadlock, lock timeout, statement
                        // timeout, shutdown, starting up, aborted transaction.
                        "40001" | "40P01" | "55P03" | "57014" | "57P01" | "57P02" | "57P03"
                        | "25P02" => Fault::Unavailable,
                        // PostgreSQL: insufficient resources, connection exceptions.
                        c if c.starts_with("53") || c.starts_with("08") => Fault::Unavailable,
                        // SQLite: constraint (check / not null), busy, locked, I/O.
                        "275" | "1299" => Fault::Invalid,
                        "5" | "6" | "517" | "261" | "262" | "773" | "10" => Fault::Unavailable,
                        _ => Fault::Other,
                    }
                }
                _ => Fault::Other,
            }
        }
        _ => Fault::Other,
    }
}

/// A short, safe description of a database error for messages and logs: the kind of failure,
/// never SQL text, values or the connection URL.
pub fn describe(e: &DbErr) -> String {
    match fault(e) {
        Fault::Duplicate => "duplicate key".to_owned(),
        Fault::MissingReference => "missing referenced row".to_owned(),
        Fault::Invalid => "value rejected by a constraint".to_owned(),
        Fault::Unavailable => "database unavailable or busy".to_owned(),
        Fault::Other => match e {
            DbErr::Conn(_) | DbErr::ConnectionAcquire(_) => "connection failed".to_owned(),
            DbErr::Migration(m) => format!("migration: {m}"),
            DbErr::Json(_) | DbErr::Type(_) | DbErr::TryIntoErr { .. } => {
                "stored value could not be decoded".to_owned()
            }
            DbErr::RecordNotFound(_) => "record not found".to_owned(),
            _ => "database error".to_owned(),
        },
    }
}

/// A database error kept as the `source` of an `Unexpected` domain error: its `Display` is the
/// safe description; the full error is logged at the point of failure.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub(crate) struct DbFailure(pub String);

/// Logs the full error (at debug: it may contain values) and returns a safe source.
pub(crate) fn failure(e: &DbErr) -> DbFailure {
    tracing::debug!(error = %e, "database error");
    DbFailure(describe(e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_never_carry_the_driver_text() {
        let e = DbErr::Custom("SELECT secret FROM keys WHERE password='hunter2'".into());
        assert_eq!(describe(&e), "database error");
        assert!(!failure(&e).to_string().contains("hunter2"));
    }
}
