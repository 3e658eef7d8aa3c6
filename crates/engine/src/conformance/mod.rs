//! Conformance suites of the engine's own ports. Every adapter (memory here, SQL in
//! `store-sql`) runs the same functions.

pub mod idempotency;
pub mod journal;
pub mod recorder;
