//! Reading what happened: a customer's invoices and the audit trail.

use tollgate_billing::Invoice;
use tollgate_kernel::CustomerId;

use crate::audit::{AuditEntry, AuditQuery};
use crate::engine::Engine;
use crate::error::EngineError;

/// Entries `GET /v1/admin/audit` answers when the query names no limit.
pub const AUDIT_DEFAULT_LIMIT: usize = 100;
/// The most entries one audit read answers.
pub const AUDIT_MAX_LIMIT: usize = 1000;

impl Engine {
    /// The customer's billing history as the provider reported it: every stored invoice,
    /// newest first (`created_at`, then `id`, descending).
    ///
    /// # Errors
    /// [`EngineError::NotFound`] for an unknown or deleted customer.
    pub async fn invoices(&self, id: &CustomerId) -> Result<Vec<Invoice>, EngineError> {
        self.live_customer(id).await?;
        let mut invoices = self.d.invoices.list(id).await?;
        invoices.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.id.cmp(&a.id)));
        Ok(invoices)
    }

    /// The audit trail, newest first, filtered by `query`. The limit is clamped to
    /// `1..=`[`AUDIT_MAX_LIMIT`] and defaults to [`AUDIT_DEFAULT_LIMIT`], so one read never
    /// loads the whole journal.
    ///
    /// # Errors
    /// Only when the journal cannot be read.
    pub async fn audit(&self, query: &AuditQuery) -> Result<Vec<AuditEntry>, EngineError> {
        let limit = query
            .limit
            .unwrap_or(AUDIT_DEFAULT_LIMIT)
            .clamp(1, AUDIT_MAX_LIMIT);
        let query = AuditQuery {
            limit: Some(limit),
            ..query.clone()
        };
        Ok(self.d.audit.list(&query).await?)
    }
}
