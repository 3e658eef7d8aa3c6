//! The counter authority on SQL passes the engine's suite with the usage unit of work — one
//! transaction per event and group commit — on SQLite and PostgreSQL; moving the counters back
//! to the store rebuilds every counter of the customer, listed or not.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use tollgate_engine::conformance::authority::{AuthorityRig, run_all};
use tollgate_engine::{CounterAuthority, CounterHome};
use tollgate_kernel::{CustomerId, FeatureCode};
use tollgate_quotas::{CounterKey, CounterStore};
use tollgate_store_sql::testing::TestDb;
use tollgate_store_sql::{GroupCommit, SqlStore, SqlUsageRecorder};

fn rig(store: &SqlStore, recorder: SqlUsageRecorder) -> AuthorityRig {
    let store = Arc::new(store.clone());
    AuthorityRig {
        authority: store.clone(),
        recorder: Arc::new(recorder),
        counters: store.clone(),
        log: store,
    }
}

async fn direct(db: &TestDb) {
    let r = rig(&db.store, SqlUsageRecorder::direct(db.store.clone()));
    run_all(&r, "direct").await;
}
tollgate_store_sql::on_both_backends!(direct_authority_conforms, direct);

async fn grouped(db: &TestDb) {
    let r = rig(
        &db.store,
        SqlUsageRecorder::grouped(db.store.clone(), GroupCommit::default()),
    );
    run_all(&r, "grouped").await;
}
tollgate_store_sql::on_both_backends!(grouped_authority_conforms, grouped);

/// Two pools (two "servers"): commits through one, the take-over through the other.
async fn two_pools(db: &TestDb) {
    let second = SqlStore::connect(&db.options).await.unwrap();
    let r = AuthorityRig {
        authority: Arc::new(second.clone()),
        ..rig(
            &db.store,
            SqlUsageRecorder::grouped(db.store.clone(), GroupCommit::default()),
        )
    };
    tollgate_engine::conformance::authority::take_over_races_commits(&r, "pools", 16).await;
}
tollgate_store_sql::on_both_backends!(take_over_across_pools, two_pools);

/// The rebuild covers every stored counter of the customer, not only the keys asked for, and
/// leaves other customers' counters alone.
async fn rebuild_everything(db: &TestDb) {
    let store = Arc::new(db.store.clone());
    let key = |customer: &str, feature: &str, window: &str| CounterKey {
        customer: CustomerId::parse(customer).unwrap(),
        feature: FeatureCode::parse(feature).unwrap(),
        window_key: window.to_owned(),
        resets_at: None,
    };
    let unlisted = key("acme", "api_calls", "m202610");
    let neighbour = key("globex", "api_calls", "m202610");
    store.set(&unlisted, 7).await.unwrap();
    store.set(&neighbour, 7).await.unwrap();
    let acme = CustomerId::parse("acme").unwrap();
    let (fence, totals) = store
        .take_over(&acme, CounterHome::Store, &[])
        .await
        .unwrap();
    assert_eq!(
        (fence.home, fence.epoch, totals),
        (CounterHome::Store, 1, vec![])
    );
    assert_eq!(store.get(&unlisted).await.unwrap(), 0, "no events: 0");
    assert_eq!(
        store.get(&neighbour).await.unwrap(),
        7,
        "another customer's"
    );
}
tollgate_store_sql::on_both_backends!(
    store_take_over_rebuilds_unlisted_counters,
    rebuild_everything
);
