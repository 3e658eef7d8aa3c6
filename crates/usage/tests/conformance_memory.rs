//! The shared `UsageLog` conformance suite, run against the in-memory adapter.
#![cfg(feature = "conformance")]

use std::sync::Arc;
use tollgate_usage::{MemoryUsageLog, UsageLog, conformance};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn memory_usage_log_conforms() {
    let log: Arc<dyn UsageLog> = Arc::new(MemoryUsageLog::new());
    conformance::run_all(log, "conf").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_runs_can_share_one_log() {
    let log: Arc<dyn UsageLog> = Arc::new(MemoryUsageLog::new());
    conformance::run_all(log.clone(), "run1").await;
    conformance::run_all(log, "run2").await;
}
