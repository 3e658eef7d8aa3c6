//! The journal, webhook log and access store conformance suites, run against the in-memory
//! adapters.
#![cfg(feature = "conformance")]

use std::sync::Arc;

use tollgate_engine::conformance::journal;
use tollgate_engine::memory::{MemoryAccessStore, MemoryAuditLog, MemoryBillingEventLog};
use tollgate_engine::{AccessStore, AuditLog, BillingEventLog};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn memory_audit_log_conforms() {
    let log: Arc<dyn AuditLog> = Arc::new(MemoryAuditLog::default());
    journal::run_audit(log.clone(), "run1").await;
    journal::run_audit(log, "run2").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn memory_billing_event_log_conforms() {
    let log: Arc<dyn BillingEventLog> = Arc::new(MemoryBillingEventLog::default());
    journal::run_billing_events(log.clone(), "run1").await;
    journal::run_billing_events(log, "run2").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn memory_access_store_conforms() {
    let store: Arc<dyn AccessStore> = Arc::new(MemoryAccessStore::default());
    journal::run_access(store.clone(), "run1").await;
    journal::run_access(store, "run2").await;
}
