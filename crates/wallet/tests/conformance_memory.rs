//! The shared `WalletStore` conformance suite, run against the in-memory adapter.
#![cfg(feature = "conformance")]

use std::sync::Arc;
use tollgate_wallet::{MemoryWalletStore, WalletStore, conformance};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn memory_wallet_store_conforms() {
    let store: Arc<dyn WalletStore> = Arc::new(MemoryWalletStore::new());
    conformance::run_all(store, "conf").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_runs_can_share_one_store() {
    let store: Arc<dyn WalletStore> = Arc::new(MemoryWalletStore::new());
    conformance::run_all(store.clone(), "run1").await;
    conformance::run_all(store, "run2").await;
}
