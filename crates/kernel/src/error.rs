use thiserror::Error;

/// A value from outside (HTTP, a catalog file, a database row) did not parse into a domain type.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("invalid {what}: {reason}")]
pub struct ParseError {
    /// What was being parsed (`customer id`, `currency`, …).
    pub what: &'static str,
    /// Why it was refused, in words a caller can act on.
    pub reason: String,
}

impl ParseError {
    pub fn new(what: &'static str, reason: impl Into<String>) -> Self {
        Self {
            what,
            reason: reason.into(),
        }
    }
}
