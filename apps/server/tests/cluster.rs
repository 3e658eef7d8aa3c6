//! Several `tollgate serve` processes on one PostgreSQL and one Redis, raced by a client that
//! spreads its requests over them: exactness with Redis up, with Redis stopped (and restarted
//! empty) during the run, and with a server killed mid-run.
//!
//! Each test starts its own `redis-server` on a unix socket (so it can stop it without
//! disturbing anything else) and its own PostgreSQL database, dropped at the end. PostgreSQL
//! comes from `TOLLGATE_TEST_DATABASE_URL` (default `postgres://postgres@127.0.0.1:5432/test`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{HashMap, HashSet};
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, Statement};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::Semaphore;

const ADMIN_KEY: &str = "tg_admin_cluster000000000000000000000000000000";
const LIMIT: usize = 200;
const REQUESTS: usize = 600;
const CONCURRENCY: usize = 60;

fn postgres_url() -> String {
    std::env::var("TOLLGATE_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

/// A private Redis without persistence, on a unix socket of its own (no port to collide with
/// another test's).
struct Redis {
    dir: tempfile::TempDir,
    child: Option<Child>,
}

impl Redis {
    async fn start() -> Self {
        let mut r = Self {
            dir: tempfile::tempdir().expect("temporary directory"),
            child: None,
        };
        r.restart().await;
        r
    }

    fn socket(&self) -> String {
        self.dir.path().join("redis.sock").display().to_string()
    }

    async fn restart(&mut self) {
        let child = Command::new("redis-server")
            .args([
                "--port",
                "0",
                "--unixsocket",
                &self.socket(),
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("redis-server (Debian package redis-server) starts");
        self.child = Some(child);
        for _ in 0..100 {
            if tokio::net::UnixStream::connect(self.socket()).await.is_ok() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("redis-server did not start on {}", self.socket());
    }

    /// Kills it: everything it held is gone.
    async fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            c.kill().await.ok();
            c.wait().await.ok();
        }
    }

    fn url(&self) -> String {
        format!("redis+unix://{}", self.socket())
    }

    async fn cli(&self, args: &[&str]) -> String {
        let out = Command::new("redis-cli")
            .args(["-s", &self.socket()])
            .args(args)
            .output()
            .await
            .expect("redis-cli runs");
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }
}

/// A fresh PostgreSQL database, dropped at the end.
struct Pg {
    name: String,
    url: String,
    admin: DatabaseConnection,
}

impl Pg {
    async fn create() -> Self {
        let base = postgres_url();
        let admin = Database::connect(&base)
            .await
            .expect("PostgreSQL reachable");
        let name = format!("tg_test_cluster_{}", uuid_like());
        admin
            .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
            .await
            .expect("create database");
        let (prefix, _) = base.rsplit_once('/').expect("database URL with a path");
        Self {
            url: format!("{prefix}/{name}"),
            name,
            admin,
        }
    }

    async fn count(&self, sql: &str) -> i64 {
        let db = Database::connect(&self.url).await.expect("connect");
        let row = db
            .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
            .await
            .expect("query")
            .expect("a row");
        let n: i64 = row.try_get_by_index(0).expect("a count");
        db.close().await.ok();
        n
    }

    async fn keys(&self, customer: &str) -> Vec<String> {
        let db = Database::connect(&self.url).await.expect("connect");
        let rows = db
            .query_all_raw(Statement::from_string(
                db.get_database_backend(),
                format!("SELECT idempotency_key FROM usage_events WHERE customer = '{customer}'"),
            ))
            .await
            .expect("query");
        db.close().await.ok();
        rows.iter()
            .map(|r| r.try_get_by_index::<String>(0).expect("key"))
            .collect()
    }

    async fn drop(self) {
        self.admin
            .execute_unprepared(&format!(
                "DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)",
                self.name
            ))
            .await
            .ok();
    }
}

fn uuid_like() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("{}_{nanos}", std::process::id())
}

/// One `tollgate serve` process.
struct Server {
    base: String,
    child: Option<Child>,
}

impl Server {
    async fn start(database_url: &str, redis_url: &str, prefix: &str) -> Self {
        let catalog = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../fixtures/catalogs/saas.toml"
        );
        let child = Command::new(env!("CARGO_BIN_EXE_tollgate"))
            .arg("serve")
            .env("TOLLGATE_BIND", "127.0.0.1:0")
            .env("TOLLGATE_DATABASE_URL", database_url)
            .env("TOLLGATE_REDIS_URL", redis_url)
            .env("TOLLGATE_REDIS_PREFIX", prefix)
            .env("TOLLGATE_ADMIN_KEY", ADMIN_KEY)
            .env("TOLLGATE_MODE", "demo")
            .env("TOLLGATE_CATALOG", catalog)
            .env("TOLLGATE_JOBS_INTERVAL_SECONDS", "0")
            .env("TOLLGATE_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .expect("tollgate starts");
        let mut child = child;
        // The server binds a port of its own choosing and prints it.
        let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
        let base = tokio::time::timeout(Duration::from_secs(120), async {
            while let Some(line) = lines.next_line().await.expect("stdout") {
                if let Some(url) = line.trim().strip_prefix("listening: ") {
                    return url.trim().to_owned();
                }
            }
            panic!("tollgate serve exited before listening");
        })
        .await
        .expect("tollgate serve printed its address");
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        let client = reqwest::Client::new();
        for _ in 0..600 {
            if let Ok(r) = client.get(format!("{base}/healthz")).send().await
                && r.status() == StatusCode::OK
            {
                return Self {
                    base,
                    child: Some(child),
                };
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("tollgate serve did not answer on {base}");
    }

    async fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            c.start_kill().ok();
            c.wait().await.ok();
        }
    }
}

struct Cluster {
    redis: Redis,
    pg: Pg,
    servers: Vec<Server>,
    prefix: String,
    client: reqwest::Client,
}

impl Cluster {
    /// Redis, PostgreSQL, three servers, and a customer whose `api_calls` are capped at 200.
    async fn start(customer: &str) -> Self {
        let redis = Redis::start().await;
        let pg = Pg::create().await;
        let prefix = format!("tg-test-{}", uuid_like());
        // The first server migrates and seeds the catalog; the others find it done.
        let mut servers = vec![Server::start(&pg.url, &redis.url(), &prefix).await];
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .expect("client");
        let base = servers[0].base.clone();
        let r = client
            .post(format!("{base}/v1/customers"))
            .bearer_auth(ADMIN_KEY)
            .json(&json!({"id": customer, "name": "Racer Inc"}))
            .send()
            .await
            .expect("create customer");
        assert!(r.status().is_success(), "{:?}", r.text().await);
        let r = client
            .put(format!("{base}/v1/admin/customers/{customer}/overrides"))
            .bearer_auth(ADMIN_KEY)
            .json(&json!({"overrides": [
                {"feature": "api_calls", "limit": LIMIT},
                {"feature": "concurrent_jobs", "limit": 3}
            ], "addons": []}))
            .send()
            .await
            .expect("overrides");
        assert_eq!(r.status(), StatusCode::OK, "{:?}", r.text().await);
        for _ in 0..2 {
            servers.push(Server::start(&pg.url, &redis.url(), &prefix).await);
        }
        Self {
            redis,
            pg,
            servers,
            prefix,
            client,
        }
    }

    fn bases(&self) -> Vec<String> {
        self.servers.iter().map(|s| s.base.clone()).collect()
    }

    async fn entitlement(&self, customer: &str, feature: &str) -> Value {
        let r = self
            .client
            .get(format!(
                "{}/v1/customers/{customer}/entitlements",
                self.servers[0].base
            ))
            .bearer_auth(ADMIN_KEY)
            .send()
            .await
            .expect("entitlements");
        let body: Value = r.json().await.expect("json");
        body["entitlements"]
            .as_array()
            .expect("entitlements")
            .iter()
            .find(|e| e["feature"] == feature)
            .cloned()
            .expect("feature listed")
    }

    /// The Redis counter of `feature` for `customer` in the current month, 0 when absent.
    async fn redis_counter(&self, customer: &str, feature: &str) -> i64 {
        let month = chrono::Utc::now().format("m%Y%m");
        let key = format!("{}:{{{customer}}}:{feature}:{month}", self.prefix);
        self.redis.cli(&["GET", &key]).await.parse().unwrap_or(0)
    }

    async fn stop(mut self) {
        for s in &mut self.servers {
            s.kill().await;
        }
        self.redis.kill().await;
        self.pg.drop().await;
    }
}

/// What the racing client saw.
#[derive(Debug, Default)]
struct Tally {
    created: usize,
    duplicate: usize,
    refused: usize,
    /// Idempotency keys acknowledged with 201 or 200.
    acknowledged: HashSet<String>,
    other: HashMap<u16, usize>,
}

/// Sends `REQUESTS` usage events (distinct keys) with `CONCURRENCY` in flight, spread over
/// `bases` round-robin. A request that cannot reach its server (killed) is retried, with the
/// same idempotency key, on the next one; a 409 (the same key still in flight elsewhere) or
/// a 5xx is retried after a pause. `after(n)` runs once `n` answers are in.
async fn race(
    client: &reqwest::Client,
    bases: Vec<String>,
    customer: &str,
    on_progress: impl Fn(usize) + Send + Sync + 'static,
) -> Tally {
    let bases = Arc::new(bases);
    let done = Arc::new(AtomicUsize::new(0));
    let on_progress = Arc::new(on_progress);
    let gate = Arc::new(Semaphore::new(CONCURRENCY));
    let mut tasks = Vec::new();
    for i in 0..REQUESTS {
        let (client, bases, done, on_progress, gate) = (
            client.clone(),
            bases.clone(),
            done.clone(),
            on_progress.clone(),
            gate.clone(),
        );
        let customer = customer.to_owned();
        tasks.push(tokio::spawn(async move {
            let _permit = gate.acquire().await.expect("semaphore");
            let key = format!("race-{i}");
            let body = json!({"customer": customer, "feature": "api_calls",
                              "quantity": 1, "idempotency_key": key});
            let mut server = i % bases.len();
            let mut status = None;
            for _ in 0..120 {
                match client
                    .post(format!("{}/v1/usage", bases[server]))
                    .bearer_auth(ADMIN_KEY)
                    .json(&body)
                    .send()
                    .await
                {
                    Ok(r) if r.status() == StatusCode::CONFLICT || r.status().is_server_error() => {
                        tokio::time::sleep(Duration::from_millis(500)).await;
                    }
                    Ok(r) => {
                        status = Some(r.status());
                        break;
                    }
                    Err(_) => {
                        server = (server + 1) % bases.len();
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                }
            }
            let n = done.fetch_add(1, Ordering::SeqCst) + 1;
            on_progress(n);
            (key, status)
        }));
    }
    let mut tally = Tally::default();
    for t in tasks {
        let (key, status) = t.await.expect("task");
        match status {
            Some(StatusCode::CREATED) => {
                tally.created += 1;
                tally.acknowledged.insert(key);
            }
            Some(StatusCode::OK) => {
                tally.duplicate += 1;
                tally.acknowledged.insert(key);
            }
            Some(StatusCode::TOO_MANY_REQUESTS) => tally.refused += 1,
            Some(s) => *tally.other.entry(s.as_u16()).or_default() += 1,
            None => *tally.other.entry(0).or_default() += 1,
        }
    }
    tally
}

async fn events(pg: &Pg, customer: &str) -> i64 {
    pg.count(&format!(
        "SELECT count(*) FROM usage_events WHERE customer = '{customer}'"
    ))
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_servers_accept_exactly_the_limit() {
    let c = Cluster::start("racer").await;
    let tally = race(&c.client, c.bases(), "racer", |_| {}).await;
    assert!(tally.other.is_empty(), "{tally:?}");
    assert_eq!(
        (tally.created, tally.refused),
        (LIMIT, REQUESTS - LIMIT),
        "{tally:?}"
    );
    assert_eq!(events(&c.pg, "racer").await, LIMIT as i64);
    assert_eq!(c.redis_counter("racer", "api_calls").await, LIMIT as i64);
    let e = c.entitlement("racer", "api_calls").await;
    assert_eq!(e["used"], LIMIT);

    // Leases through the three servers: 50 racers against a limit of 3.
    let bases = c.bases();
    let mut tasks = Vec::new();
    for i in 0..50 {
        let (client, base) = (c.client.clone(), bases[i % bases.len()].clone());
        tasks.push(tokio::spawn(async move {
            client
                .post(format!("{base}/v1/leases"))
                .bearer_auth(ADMIN_KEY)
                .json(
                    &json!({"customer": "racer", "feature": "concurrent_jobs", "ttl_seconds": 60}),
                )
                .send()
                .await
                .expect("lease request")
                .status()
        }));
    }
    let mut granted = 0;
    for t in tasks {
        match t.await.expect("task") {
            StatusCode::CREATED => granted += 1,
            StatusCode::TOO_MANY_REQUESTS => {}
            other => panic!("unexpected lease answer {other}"),
        }
    }
    assert_eq!(granted, 3);
    c.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn redis_stopped_mid_run_still_accepts_exactly_the_limit() {
    let mut c = Cluster::start("failover").await;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let racing = {
        let (client, bases) = (c.client.clone(), c.bases());
        tokio::spawn(async move {
            race(&client, bases, "failover", move |n| {
                if n == REQUESTS / 6 || n == REQUESTS / 2 {
                    tx.send(n).ok();
                }
            })
            .await
        })
    };
    // A sixth of the way in, Redis dies (losing everything); halfway, a new empty one starts.
    rx.recv().await.expect("progress");
    c.redis.kill().await;
    rx.recv().await.expect("progress");
    c.redis.restart().await;
    let tally = racing.await.expect("race");
    assert!(tally.other.is_empty(), "{tally:?}");
    assert_eq!(
        (tally.created, tally.refused),
        (LIMIT, REQUESTS - LIMIT),
        "{tally:?}"
    );
    assert_eq!(events(&c.pg, "failover").await, LIMIT as i64);
    // Every server saw Redis go: /readyz said so, and the counters moved to the database.
    // Once the probe finds Redis again, the counter is rebuilt from the log on first use.
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    let e = c.entitlement("failover", "api_calls").await;
    assert_eq!(e["used"], LIMIT);
    let ready = c
        .client
        .get(format!("{}/readyz", c.servers[0].base))
        .send()
        .await
        .expect("readyz")
        .text()
        .await
        .expect("text");
    assert_eq!(
        c.redis_counter("failover", "api_calls").await,
        LIMIT as i64,
        "{ready}"
    );
    let metrics = c
        .client
        .get(format!("{}/metrics", c.servers[0].base))
        .send()
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    assert!(
        metrics.contains("tollgate_counter_store_events_total{event=\"failover\"}")
            && metrics.contains("tollgate_counter_store_up 1"),
        "{metrics}"
    );
    c.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_server_killed_mid_run_loses_nothing_acknowledged() {
    let mut c = Cluster::start("crash").await;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let racing = {
        let (client, bases) = (c.client.clone(), c.bases());
        tokio::spawn(async move {
            race(&client, bases, "crash", move |n| {
                if n == REQUESTS / 4 {
                    tx.send(n).ok();
                }
            })
            .await
        })
    };
    rx.recv().await.expect("progress");
    c.servers[1].kill().await;
    let tally = racing.await.expect("race");
    assert!(tally.other.is_empty(), "{tally:?}");
    let stored: Vec<String> = c.pg.keys("crash").await;
    let unique: HashSet<&String> = stored.iter().collect();
    // None twice, and every acknowledged event is durable.
    assert_eq!(unique.len(), stored.len());
    for key in &tally.acknowledged {
        assert!(
            unique.contains(key),
            "acknowledged {key} is not in PostgreSQL"
        );
    }
    // Never past the limit. A request the killed server had counted but not yet committed
    // may have left its units in Redis (never more than the limit in total).
    assert!(stored.len() <= LIMIT, "{} events", stored.len());
    let held = c.redis_counter("crash", "api_calls").await;
    assert!(
        held >= stored.len() as i64,
        "redis {held} < {} events",
        stored.len()
    );

    // `tollgate reconcile` rebuilds Redis from the log: afterwards they agree.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tollgate"))
        .arg("reconcile")
        .env("TOLLGATE_DATABASE_URL", &c.pg.url)
        .env("TOLLGATE_REDIS_URL", c.redis.url())
        .env("TOLLGATE_REDIS_PREFIX", &c.prefix)
        .env("TOLLGATE_ADMIN_KEY", ADMIN_KEY)
        .output()
        .expect("reconcile runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.code() == Some(0) || out.status.code() == Some(3),
        "{text} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("rebuilt"), "{text}");
    assert_eq!(
        c.redis_counter("crash", "api_calls").await,
        stored.len() as i64
    );
    c.stop().await;
}
