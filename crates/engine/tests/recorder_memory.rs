//! The usage unit of work's conformance suite on the in-memory adapters.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use tollgate_engine::conformance::recorder::{RecorderRig, run_all};
use tollgate_engine::memory::{MemoryAuditLog, MemoryUsageRecorder};
use tollgate_quotas::MemoryCounterStore;
use tollgate_usage::MemoryUsageLog;
use tollgate_wallet::MemoryWalletStore;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn memory_recorder_conforms() {
    let log = Arc::new(MemoryUsageLog::default());
    let counters = Arc::new(MemoryCounterStore::default());
    let wallet = Arc::new(MemoryWalletStore::default());
    let audit = Arc::new(MemoryAuditLog::default());
    let recorder =
        MemoryUsageRecorder::new(log.clone(), counters.clone(), wallet.clone(), audit.clone());
    let rig = RecorderRig {
        recorder: Arc::new(recorder),
        log,
        counters,
        wallet,
        audit,
    };
    run_all(&rig, "mem").await;
}
