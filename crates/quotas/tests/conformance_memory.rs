//! The port conformance suites, run against the in-memory stores.
#![cfg(feature = "conformance")]

use std::sync::Arc;
use tollgate_quotas::conformance::{
    counter_store_suite, fenced_counter_store_suite, lease_store_suite,
};
use tollgate_quotas::{MemoryCounterStore, MemoryFencedCounters, MemoryLeaseStore};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn memory_counter_store_conforms() {
    counter_store_suite(Arc::new(MemoryCounterStore::new()), "mem").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn memory_lease_store_conforms() {
    lease_store_suite(Arc::new(MemoryLeaseStore::new()), "mem").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn suites_can_share_one_store_with_different_prefixes() {
    let counters = Arc::new(MemoryCounterStore::new());
    let leases = Arc::new(MemoryLeaseStore::new());
    let runs = ["run-a", "run-b"].map(|p| {
        let (c, l) = (counters.clone(), leases.clone());
        tokio::spawn(async move {
            counter_store_suite(c, p).await;
            lease_store_suite(l, p).await;
        })
    });
    for run in runs {
        run.await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn memory_fenced_counters_conform() {
    fenced_counter_store_suite(Arc::new(MemoryFencedCounters::new()), "mem").await;
}
