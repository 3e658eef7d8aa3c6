//! Conformance suites of the engine's own ports. Every adapter (memory here, SQL in
//! `store-sql`) runs the same functions.

pub mod authority;
pub mod idempotency;
pub mod journal;
pub mod recorder;

pub use authority::{AuthorityRig, run_all as counter_authority_suite};
