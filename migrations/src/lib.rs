//! The one schema of Tollgate, for SQLite (the embedded default) and PostgreSQL.
//!
//! Every migration has an `up` and a `down`; `tests/migrations.rs` runs them forward, backward
//! and forward again on both backends. Tables are created with sea-query so one definition
//! serves both dialects; PostgreSQL-only refinements are guarded by the backend.

pub use sea_orm_migration::prelude::*;

mod m20261122_000001_catalog;
mod m20261122_000002_billing;
mod m20261122_000003_ledger;
mod m20261122_000004_counters;
mod m20261122_000005_idempotency;
mod m20261122_000006_counter_epochs;
mod m20261122_000007_meter_reports;

/// Runs Tollgate's migrations (`Migrator::up(&db, None)`).
#[derive(Debug)]
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261122_000001_catalog::Migration),
            Box::new(m20261122_000002_billing::Migration),
            Box::new(m20261122_000003_ledger::Migration),
            Box::new(m20261122_000004_counters::Migration),
            Box::new(m20261122_000005_idempotency::Migration),
            Box::new(m20261122_000006_counter_epochs::Migration),
            Box::new(m20261122_000007_meter_reports::Migration),
        ]
    }
}
