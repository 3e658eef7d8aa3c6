//! The audit journal: who changed what, with the value before and after.

use serde::{Deserialize, Serialize};
use tollgate_kernel::Timestamp;

/// Who is calling and under which correlation id: carried into every audit entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Caller {
    /// `operator`, `server:<key prefix>`, `customer:<id>/<user>`, `system`, `billing:<provider>`.
    pub actor: String,
    pub correlation_id: Option<String>,
}

impl Caller {
    pub fn new(actor: impl Into<String>) -> Self {
        Self {
            actor: actor.into(),
            correlation_id: None,
        }
    }

    pub fn system() -> Self {
        Self::new("system")
    }

    pub fn with_correlation(mut self, id: impl Into<String>) -> Self {
        self.correlation_id = Some(id.into());
        self
    }
}

/// One change. `entity` is `kind:id` (`plan:pro`, `subscription:acme`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditEntry {
    pub id: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub ts: Timestamp,
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub correlation_id: Option<String>,
}

impl AuditEntry {
    pub fn new(
        caller: &Caller,
        ts: Timestamp,
        action: &str,
        entity: String,
        before: Option<serde_json::Value>,
        after: Option<serde_json::Value>,
    ) -> Self {
        Self {
            id: tollgate_kernel::new_id("aud"),
            ts,
            actor: caller.actor.clone(),
            action: action.to_owned(),
            entity,
            before,
            after,
            correlation_id: caller.correlation_id.clone(),
        }
    }
}

/// Filters for reading the journal, newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditQuery {
    pub entity: Option<String>,
    /// Prefix of the action (`subscription.` matches every subscription change).
    pub action: Option<String>,
    pub actor: Option<String>,
    pub limit: Option<usize>,
}

impl AuditQuery {
    pub fn matches(&self, e: &AuditEntry) -> bool {
        self.entity.as_ref().is_none_or(|x| &e.entity == x)
            && self.action.as_ref().is_none_or(|x| e.action.starts_with(x))
            && self.actor.as_ref().is_none_or(|x| &e.actor == x)
    }
}
