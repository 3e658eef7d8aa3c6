//! Record-usage throughput on PostgreSQL: one transaction per event against group commit,
//! with `pgbench` inserting single rows (one transaction each) as the baseline, measured in
//! the same run against the same server.
//!
//! ```text
//! cargo bench -p tollgate-store-sql --bench ingest
//! ```
//! Environment: `TOLLGATE_TEST_DATABASE_URL` (default the local server's `test` database),
//! `BENCH_SECONDS` per measurement (default 10), `BENCH_CLIENTS` concurrent callers (1024;
//! pgbench and the one-per-transaction recorder get at most 64 connections), `BENCH_WORKERS` and
//! `BENCH_BATCH` for the group committer (defaults of `GroupCommit`), `BENCH_SKIP_DIRECT=1`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tollgate_engine::conformance::recorder::commit;
use tollgate_engine::{CommitOutcome, Finalized, UsageRecorder};
use tollgate_kernel::CustomerId;
use tollgate_quotas::Consumption;
use tollgate_store_sql::testing::{TestDb, postgres_url};
use tollgate_store_sql::{GroupCommit, SqlStore, SqlUsageRecorder};

/// The allocator the `tollgate` server runs with.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// `clients` callers recording one event each in a loop for `seconds`: events per second.
async fn drive(recorder: Arc<dyn UsageRecorder>, tag: &str, clients: u64, seconds: u64) -> f64 {
    let done = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..clients {
        let (recorder, done, tag) = (recorder.clone(), done.clone(), tag.to_owned());
        tasks.push(tokio::spawn(async move {
            // 1,000 customers: counters spread like real traffic.
            let mut i = 0_u64;
            while Instant::now() < deadline {
                let customer =
                    CustomerId::parse(format!("cust-{}", (c * 7919 + i) % 1000)).unwrap();
                let mut unit = commit(&customer, &format!("{tag}-{c}-{i}"), 1, None, None);
                // Like the engine's: an answer per event, journal entries only when a warning
                // threshold is crossed (none here).
                unit.finalize = Box::new(|c: &Consumption| Finalized {
                    answer: serde_json::json!({ "used": c.used, "applied": c.applied }),
                    cost: None,
                    billable: true,
                    audit: Vec::new(),
                });
                let out = recorder.commit(unit).await.unwrap();
                assert!(matches!(out, CommitOutcome::Inserted { .. }));
                i += 1;
                done.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    done.load(Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64()
}

/// `pgbench` inserting one row per transaction from `clients` connections.
fn pgbench(schema: &str, clients: u64, seconds: u64) -> Option<f64> {
    let dir = tempfile::tempdir().ok()?;
    let script = dir.path().join("insert.sql");
    std::fs::write(
        &script,
        "INSERT INTO bench_insert (customer, idempotency_key, quantity) \
         VALUES ('cust', md5(random()::text), 1);\n",
    )
    .ok()?;
    let url = postgres_url();
    let out = std::process::Command::new("pgbench")
        .args(["-n", "-M", "prepared", "-j", "2"])
        .args(["-c", &clients.to_string(), "-T", &seconds.to_string()])
        .arg("-f")
        .arg(&script)
        .arg(&url)
        .env("PGOPTIONS", format!("-c search_path={schema}"))
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        println!(
            "  pgbench failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    text.lines()
        .find_map(|l| l.strip_prefix("tps = "))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|n| n.parse().ok())
}

fn main() {
    let seconds = env_or("BENCH_SECONDS", 10);
    let clients = env_or("BENCH_CLIENTS", 1024);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let db = TestDb::postgres().await;
        let schema = db.options.schema.clone().unwrap();
        use sea_orm::ConnectionTrait;
        db.store
            .db()
            .execute_unprepared(
                "CREATE TABLE bench_insert (id bigserial PRIMARY KEY, customer text NOT NULL, \
                 idempotency_key text NOT NULL, quantity bigint NOT NULL, \
                 recorded_at timestamptz NOT NULL DEFAULT now())",
            )
            .await
            .unwrap();

        println!("record-usage throughput on PostgreSQL, {clients} concurrent callers, {seconds} s each");
        // pgbench gets its own connections: at most 64 (the server allows 100 in all).
        let baseline = pgbench(&schema, clients.min(64), seconds);
        match baseline {
            Some(tps) => println!("  pgbench single-row INSERT (1 row/txn):  {tps:>10.0} rows/s"),
            None => println!("  pgbench not available: no baseline"),
        }
        // As many connections as callers, like pgbench: one transaction per event needs them.
        let mut wide = db.options.clone();
        wide.max_connections = Some(u32::try_from(clients.min(64)).unwrap_or(64));
        let wide = SqlStore::connect(&wide).await.unwrap();
        let direct: Arc<dyn UsageRecorder> = Arc::new(SqlUsageRecorder::direct(wide.clone()));
        let d = if env_or("BENCH_SKIP_DIRECT", 0) == 1 {
            f64::NAN
        } else {
            drive(direct, "direct", clients, seconds).await
        };
        println!("  record usage, one transaction per event:  {d:>10.0} events/s");
        let defaults = GroupCommit::default();
        let group = GroupCommit {
            workers: usize::try_from(env_or("BENCH_WORKERS", defaults.workers as u64)).unwrap(),
            max_batch: usize::try_from(env_or("BENCH_BATCH", defaults.max_batch as u64)).unwrap(),
            ..defaults
        };
        let grouped: Arc<dyn UsageRecorder> =
            Arc::new(SqlUsageRecorder::grouped(db.store.clone(), group));
        let g = drive(grouped, "grouped", clients, seconds).await;
        println!("  record usage, group commit:               {g:>10.0} events/s");
        wide.db().clone().close().await.ok();
        if let Some(tps) = baseline {
            println!(
                "  ratios: group commit / pgbench = {:.2}, one-per-txn / pgbench = {:.2}, group / one-per-txn = {:.1}",
                g / tps,
                d / tps,
                g / d
            );
        }
        db.cleanup().await;
    });
}
