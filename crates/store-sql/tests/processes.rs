//! The guarantees across OS processes: two processes racing one hard limit on PostgreSQL,
//! one idempotency key retried from both, and a process killed with SIGKILL mid-stream.
//!
//! The parent tests re-run this test binary as children (`--ignored --exact child_*`), with
//! the database to use in the environment.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::Arc;

use tollgate_billing_fake::FakeBilling;
use tollgate_engine::{Caller, Engine, NewCustomer, Reconciler, RecordUsage};
use tollgate_kernel::{CustomerId, FeatureCode, IdempotencyKey, SystemClock};
use tollgate_plans::Catalog;
use tollgate_store_sql::testing::{Backend, TestDb};
use tollgate_store_sql::{GroupCommit, SqlOptions, SqlStore};
use tollgate_usage::UsageLog;

const CATALOG: &str = r#"
[[features]]
code = "api_calls"
name = "API calls"
kind = "metered"

[[features]]
code = "events"
name = "Events"
kind = "metered"

[[plans]]
code = "free"
name = "Free"
priority = 0
prices = [{ currency = "USD", interval = "month", amount_minor = 0 }]
entitlements = [
  { feature = "api_calls", limit = 500, window = "month" },
  { feature = "events", limit = "unlimited", window = "month" },
]

[[plans]]
code = "scale"
name = "Scale"
priority = 10
prices = [{ currency = "USD", interval = "month", amount_minor = 10000 }]
entitlements = [{ feature = "api_calls", limit = "unlimited", window = "month" }]
"#;

const TASKS: usize = 8;
const ATTEMPTS: usize = 200;
const RETRIES_PER_PROCESS: usize = 500;

fn engine_on(store: &SqlStore) -> Engine {
    store.engine(
        Arc::new(SystemClock::new()),
        None,
        Arc::new(FakeBilling::new("http://tollgate.test")),
        Some(GroupCommit::default()),
    )
}

fn usage(customer: &str, key: &str) -> RecordUsage {
    usage_of(customer, "api_calls", key)
}

fn usage_of(customer: &str, feature: &str, key: &str) -> RecordUsage {
    RecordUsage {
        customer: CustomerId::parse(customer).unwrap(),
        feature: FeatureCode::parse(feature).unwrap(),
        quantity: 1,
        idempotency_key: IdempotencyKey::parse(key).unwrap(),
        occurred_at: None,
        properties: None,
    }
}

async fn seed(db: &TestDb, customers: &[&str]) -> Engine {
    let engine = engine_on(&db.store);
    let caller = Caller::new("test");
    engine
        .seed_catalog(&Catalog::from_toml_str(CATALOG).unwrap(), &caller)
        .await
        .unwrap();
    for id in customers {
        engine
            .create_customer(
                NewCustomer {
                    id: CustomerId::parse(*id).unwrap(),
                    name: (*id).to_owned(),
                    email: None,
                    currency: None,
                },
                &caller,
            )
            .await
            .unwrap();
    }
    engine
}

/// The child's database, from the environment the parent set.
fn child_options() -> Option<SqlOptions> {
    let url = std::env::var("TOLLGATE_CHILD_DATABASE_URL").ok()?;
    let mut options = SqlOptions::new(url);
    options.schema = std::env::var("TOLLGATE_CHILD_SCHEMA").ok();
    Some(options)
}

fn child(test: &str, db: &TestDb, tag: &str) -> Command {
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args([
        "--ignored",
        "--exact",
        test,
        "--nocapture",
        "--test-threads=1",
    ])
    .env("TOLLGATE_CHILD_DATABASE_URL", &db.options.url)
    .env("TOLLGATE_CHILD_TAG", tag)
    .stdout(Stdio::piped())
    .stderr(Stdio::inherit());
    if let Some(schema) = &db.options.schema {
        cmd.env("TOLLGATE_CHILD_SCHEMA", schema);
    }
    cmd
}

/// Child: 8 tasks × 200 attempts against the limit, then 500 concurrent retries of one key.
/// Prints `accepted <n>` and `retry <event id>` for every retry answer.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "run as a child process by race_two_processes_on_postgres"]
async fn child_race() {
    let Some(options) = child_options() else {
        return;
    };
    let tag = std::env::var("TOLLGATE_CHILD_TAG").unwrap();
    let engine = engine_on(&SqlStore::connect(&options).await.unwrap());
    let caller = Caller::new("child");
    let mut tasks = Vec::new();
    for t in 0..TASKS {
        let (engine, caller, tag) = (engine.clone(), caller.clone(), tag.clone());
        tasks.push(tokio::spawn(async move {
            let mut accepted = 0;
            for a in 0..ATTEMPTS {
                let key = format!("{tag}-{t}-{a}");
                match engine.record_usage(usage("race", &key), &caller).await {
                    Ok(_) => accepted += 1,
                    Err(tollgate_engine::EngineError::QuotaExceeded { .. }) => {}
                    Err(e) => panic!("unexpected error: {e}"),
                }
            }
            accepted
        }));
    }
    let mut accepted = 0;
    for t in tasks {
        accepted += t.await.unwrap();
    }
    let mut out = std::io::stdout().lock();
    writeln!(out, "accepted {accepted}").unwrap();
    drop(out);

    let mut retries = Vec::new();
    for _ in 0..RETRIES_PER_PROCESS {
        let (engine, caller) = (engine.clone(), caller.clone());
        retries.push(tokio::spawn(async move {
            engine
                .record_usage(usage("retry", "the-one-key"), &caller)
                .await
                .unwrap()
                .0
                .id
        }));
    }
    let mut out = std::io::stdout().lock();
    for r in retries {
        writeln!(out, "retry {}", r.await.unwrap()).unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn race_two_processes_on_postgres() {
    let db = TestDb::new(Backend::Postgres).await;
    let engine = seed(&db, &["race", "retry"]).await;
    let children: Vec<_> = ["p1", "p2"]
        .iter()
        .map(|tag| child("child_race", &db, tag).spawn().unwrap())
        .collect();
    let mut accepted = 0;
    let mut retry_ids = Vec::new();
    for c in children {
        let out = c.wait_with_output().unwrap();
        assert!(out.status.success(), "child failed: {:?}", out.status);
        for line in String::from_utf8(out.stdout).unwrap().lines() {
            // libtest may print `test child_race ... ` on the same line first.
            if let Some((_, n)) = line.split_once("accepted ") {
                accepted += n.trim().parse::<i64>().unwrap();
            } else if let Some((_, id)) = line.split_once("retry ") {
                retry_ids.push(id.to_owned());
            }
        }
    }
    assert_eq!(
        accepted, 500,
        "exactly the limit accepted across 2 × 8 × 200 attempts"
    );
    let race = CustomerId::parse("race").unwrap();
    let feature = FeatureCode::parse("api_calls").unwrap();
    let entitlements = engine.entitlements(&race).await.unwrap();
    let calls = entitlements.iter().find(|e| e.feature == feature).unwrap();
    assert_eq!(calls.used, 500, "counter at the limit");
    let events = db
        .store
        .list(&tollgate_usage::UsageQuery {
            customer: Some(race.clone()),
            limit: Some(10_000),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(events.len(), 500, "one event per accepted attempt");

    assert_eq!(retry_ids.len(), 2 * RETRIES_PER_PROCESS);
    retry_ids.dedup();
    assert_eq!(
        retry_ids.len(),
        1,
        "1,000 retries of one key answer with one event"
    );
    let retry = CustomerId::parse("retry").unwrap();
    let retried = db
        .store
        .list(&tollgate_usage::UsageQuery {
            customer: Some(retry),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(retried.len(), 1, "one event stored for the retried key");
    let report = db.store.reconcile(None, false).await.unwrap();
    assert!(report.is_clean(), "{report:?}");
    db.cleanup().await;
}

/// Child: records usage from 4 tasks until killed, printing `ack <key>` after each answer.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "run as a child process by the crash tests"]
async fn child_stream() {
    let Some(options) = child_options() else {
        return;
    };
    let engine = engine_on(&SqlStore::connect(&options).await.unwrap());
    let caller = Caller::new("child");
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<String>();
    for t in 0..4 {
        let (engine, caller, tx) = (engine.clone(), caller.clone(), tx.clone());
        tokio::spawn(async move {
            for i in 0.. {
                let key = format!("s-{t}-{i}");
                engine
                    .record_usage(usage_of("stream", "events", &key), &caller)
                    .await
                    .unwrap();
                if tx.send(key).is_err() {
                    return;
                }
            }
        });
    }
    drop(tx);
    while let Some(key) = rx.recv().await {
        let mut out = std::io::stdout().lock();
        writeln!(out, "ack {key}").unwrap();
        out.flush().unwrap();
    }
}

async fn killed_mid_stream(db: &TestDb) {
    // `events` is unlimited: the child never runs out.
    seed(db, &["stream"]).await;
    let mut child = child("child_stream", db, "s").spawn().unwrap();
    let stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut acked = Vec::new();
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if let Some((_, key)) = line.split_once("ack ") {
                acked.push(key.to_owned());
            }
        }
        acked
    });
    // Let it run, then kill it without warning.
    let started = std::time::Instant::now();
    loop {
        std::thread::sleep(std::time::Duration::from_millis(50));
        if started.elapsed() > std::time::Duration::from_millis(1500) {
            break;
        }
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let acked = reader.join().unwrap();
    assert!(
        acked.len() > 50,
        "the child acknowledged events before dying: {}",
        acked.len()
    );

    let store = SqlStore::connect(&db.options).await.unwrap();
    let customer = CustomerId::parse("stream").unwrap();
    for key in &acked {
        let key = IdempotencyKey::parse(key).unwrap();
        assert!(
            store.find_by_key(&customer, &key).await.unwrap().is_some(),
            "acknowledged event {key} is in the database"
        );
    }
    let report = store.reconcile(None, false).await.unwrap();
    assert!(
        report.is_clean(),
        "counters equal the recomputation: {report:?}"
    );
    assert!(report.checked >= 1);
}
tollgate_store_sql::on_both_backends!(sigkill_loses_nothing_acknowledged, killed_mid_stream);
