//! The engine's own journals on SQL: the audit journal (`audit_entries`), the webhook log
//! (`billing_events`) and the access store (`api_keys`, `members`, `settings`).

mod access;
mod audit;
mod events;
mod meters;

#[allow(
    unused_imports,
    reason = "the usage unit of work writes its entries with it"
)]
pub(crate) use audit::append_audit;

use chrono::SubsecRound;
use tollgate_kernel::Timestamp;

/// Instants are stored to the microsecond (PostgreSQL's precision), on both backends alike.
fn stored(t: Timestamp) -> Timestamp {
    t.trunc_subsecs(6)
}
