//! The usage unit of work on SQL — one transaction per event and group commit — passes the
//! engine's recorder suite on SQLite and PostgreSQL, and a bad event in a batch fails alone.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::Duration;

use tollgate_engine::conformance::recorder::{RecorderRig, commit, run_all};
use tollgate_engine::{CommitError, CommitOutcome, UsageRecorder};
use tollgate_kernel::{CustomerId, Decimal};
use tollgate_store_sql::testing::TestDb;
use tollgate_store_sql::{GroupCommit, SqlStore, SqlUsageRecorder};

fn rig(store: &SqlStore, recorder: SqlUsageRecorder) -> RecorderRig {
    let store = Arc::new(store.clone());
    RecorderRig {
        recorder: Arc::new(recorder),
        log: store.clone(),
        counters: store.clone(),
        wallet: store.clone(),
        audit: store,
    }
}

async fn direct(db: &TestDb) {
    let r = rig(&db.store, SqlUsageRecorder::direct(db.store.clone()));
    run_all(&r, "direct").await;
}
tollgate_store_sql::on_both_backends!(direct_recorder_conforms, direct);

async fn grouped(db: &TestDb) {
    let r = rig(
        &db.store,
        SqlUsageRecorder::grouped(db.store.clone(), GroupCommit::default()),
    );
    run_all(&r, "grouped").await;
}
tollgate_store_sql::on_both_backends!(grouped_recorder_conforms, grouped);

/// Two recorders on two pools (two "servers") racing one limit with group commit.
async fn two_pools(db: &TestDb) {
    let second = SqlStore::connect(&db.options).await.unwrap();
    let a = rig(
        &db.store,
        SqlUsageRecorder::grouped(db.store.clone(), GroupCommit::default()),
    );
    let b = rig(
        &second,
        SqlUsageRecorder::grouped(second.clone(), GroupCommit::default()),
    );
    let (ra, rb) = tokio::join!(
        tollgate_engine::conformance::recorder::race_never_overshoots(&a, "pools", 16, 25, 300),
        tollgate_engine::conformance::recorder::one_key_many_attempts(&b, "pools-b", 100),
    );
    let _ = (ra, rb);
    // And both pools racing the same key.
    let c = CustomerId::parse("pools-shared").unwrap();
    let mut tasks = Vec::new();
    for i in 0..60 {
        let rec = if i % 2 == 0 {
            a.recorder.clone()
        } else {
            b.recorder.clone()
        };
        let c = c.clone();
        tasks.push(tokio::spawn(async move {
            rec.commit(commit(&c, "shared", 1, Some(10), None))
                .await
                .unwrap()
        }));
    }
    let mut inserted = 0;
    for t in tasks {
        inserted += i32::from(matches!(t.await.unwrap(), CommitOutcome::Inserted { .. }));
    }
    assert_eq!(inserted, 1);
}
tollgate_store_sql::on_both_backends!(two_pools_group_commit, two_pools);

/// In one batch, an event the wallet cannot pay for is refused alone; its neighbours commit.
async fn isolated_failures(db: &TestDb) {
    let recorder: Arc<dyn UsageRecorder> = Arc::new(SqlUsageRecorder::grouped(
        db.store.clone(),
        GroupCommit {
            max_batch: 64,
            max_wait: Duration::from_millis(20),
            workers: 1,
        },
    ));
    let mut tasks = Vec::new();
    for i in 0..40 {
        let recorder = recorder.clone();
        tasks.push(tokio::spawn(async move {
            let c = CustomerId::parse(format!("iso-{i}")).unwrap();
            // Every fifth event is paid from an empty wallet.
            let cost = (i % 5 == 0).then(|| Decimal::new(100, 2));
            recorder.commit(commit(&c, "k", 1, Some(10), cost)).await
        }));
    }
    let (mut ok, mut refused) = (0, 0);
    for t in tasks {
        match t.await.unwrap() {
            Ok(CommitOutcome::Inserted { .. }) => ok += 1,
            Err(CommitError::InsufficientCredits { .. }) => refused += 1,
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!((ok, refused), (32, 8));
}
tollgate_store_sql::on_both_backends!(one_bad_event_fails_alone, isolated_failures);
