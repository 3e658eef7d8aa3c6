//! Building the application from a [`Config`]: open and migrate the database, wire the engine
//! to its adapters, make sure there is an operator key, bind, serve, and run due jobs.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{App, HttpServer, web};
use rand::RngCore;
use tollgate_billing::BillingAdapter;
use tollgate_billing_fake::FakeBilling;
use tollgate_billing_stripe::StripeBilling;
use tollgate_engine::{AccessStore, Caller, Engine, HotPath, KeyRole, hash_secret};
use tollgate_kernel::{Clock, ClockControl, SystemClock};
use tollgate_store_redis::RedisCounters;
use tollgate_store_sql::{GroupCommit, SqlOptions, SqlStore};

use crate::auth::{KeyCache, create_key};
use crate::config::{Config, Mode};
use crate::fake_store::FakeStore;
use crate::metrics::Metrics;
use crate::middleware::observe;
use crate::routes;
use crate::state::AppState;

/// Setting under which the demo clock's offset survives restarts.
pub const CLOCK_OFFSET_SETTING: &str = "demo_clock_offset_seconds";
const SESSION_SECRET_SETTING: &str = "session_secret";
const SESSION_SECRET_BYTES: usize = 32;
/// Idempotency records are kept at least seven days (DESIGN guarantee 7); purged after eight.
const IDEMPOTENCY_RETENTION_DAYS: i64 = 8;

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("database {url}: {message}")]
    Database { url: String, message: String },
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: String,
        source: std::io::Error,
    },
    #[error("catalog {path}: {message}")]
    Catalog { path: String, message: String },
    #[error("{0}")]
    Config(String),
    #[error("start-up failed: {0}")]
    Setup(String),
}

/// What tests (and embedders) may swap: the clock, and whether to listen on a given socket.
#[derive(Default)]
pub struct Overrides {
    /// A controllable clock (tests: `ManualClock`). Demo mode otherwise uses the system clock
    /// with the stored offset.
    pub clock: Option<Arc<dyn ClockControl>>,
    /// Already-bound listener (tests bind port 0).
    pub listener: Option<TcpListener>,
}

impl std::fmt::Debug for Overrides {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Overrides").finish_non_exhaustive()
    }
}

/// A built, bound server.
pub struct Application {
    pub base_url: String,
    pub port: u16,
    /// The operator key generated at this start (first start without `TOLLGATE_ADMIN_KEY`);
    /// shown once, stored hashed.
    pub generated_admin_key: Option<String>,
    /// A server key for the product backend, made with the first operator key.
    pub generated_server_key: Option<String>,
    pub plans_loaded: usize,
    pub state: web::Data<AppState>,
    server: Server,
}

/// The plan catalog file at `path`, read and validated (the server's start and
/// `tollgate stripe sync` seed the database from it).
///
/// # Errors
/// [`StartError::Catalog`] when it cannot be read or is not a valid catalog.
pub fn read_catalog(path: &std::path::Path) -> Result<tollgate_plans::Catalog, StartError> {
    let failed = |message: String| StartError::Catalog {
        path: path.display().to_string(),
        message,
    };
    let text = std::fs::read_to_string(path).map_err(|e| failed(e.to_string()))?;
    tollgate_plans::Catalog::from_toml_str(&text).map_err(|e| failed(e.to_string()))
}

fn setup<E: std::fmt::Display>(e: E) -> StartError {
    StartError::Setup(e.to_string())
}

impl std::fmt::Debug for Application {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Application")
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

impl Application {
    /// # Errors
    /// [`StartError`] naming what could not be opened, bound or read.
    pub async fn build(config: Config, overrides: Overrides) -> Result<Self, StartError> {
        let listener = match overrides.listener {
            Some(l) => l,
            None => TcpListener::bind(config.bind).map_err(|source| StartError::Bind {
                addr: config.bind.to_string(),
                source,
            })?,
        };
        let addr = listener.local_addr().map_err(setup)?;
        let base_url = config
            .public_url
            .clone()
            .unwrap_or_else(|| format!("http://{addr}"));
        if config.mode == Mode::Production && !base_url.starts_with("https://") {
            tracing::warn!(
                %base_url,
                "TOLLGATE_PUBLIC_URL is not https: the web UI's cookies go out without Secure; \
                 set it to the https address users reach"
            );
        }

        let store = SqlStore::open(&SqlOptions::new(config.database_url.as_str()))
            .await
            .map_err(|e| StartError::Database {
                url: crate::database::redacted(&config.database_url),
                message: e.to_string(),
            })?;
        let access: Arc<dyn AccessStore> = Arc::new(store.clone());

        let (clock, control): (Arc<dyn Clock>, Option<Arc<dyn ClockControl>>) =
            match (overrides.clock, config.mode) {
                (Some(c), _) => (c.clone(), Some(c)),
                (None, Mode::Demo) => {
                    let offset = access
                        .get_setting(CLOCK_OFFSET_SETTING)
                        .await
                        .map_err(setup)?
                        .and_then(|v| v.as_i64())
                        .unwrap_or(0);
                    let c = Arc::new(SystemClock::with_offset(chrono::Duration::seconds(offset)));
                    (c.clone(), Some(c))
                }
                (None, Mode::Production) => (Arc::new(SystemClock::new()), None),
            };
        let webhook_secrets: Vec<String> = config
            .stripe_webhook_secret
            .as_ref()
            .map(|s| {
                s.expose()
                    .split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        let mut stripe = None;
        let (billing, fake): (Arc<dyn BillingAdapter>, Option<Arc<FakeStore>>) = match (
            config.stripe(),
            config.mode,
        ) {
            (Some(_), Mode::Demo) => {
                return Err(StartError::Config(
                    "Stripe runs in production mode (demo mode moves the clock and bills with the fake provider): set TOLLGATE_MODE=production, or unset TOLLGATE_STRIPE_SECRET_KEY".into(),
                ));
            }
            (Some(stripe_config), Mode::Production) => {
                if webhook_secrets.is_empty() {
                    return Err(StartError::Config(
                            "Stripe needs TOLLGATE_STRIPE_WEBHOOK_SECRET (whsec_…) to accept its webhooks".into(),
                        ));
                }
                let adapter = StripeBilling::new(&stripe_config)
                    .map_err(|e| StartError::Config(e.to_string()))?;
                let adapter = Arc::new(adapter);
                stripe = Some(adapter.clone());
                (adapter, None)
            }
            (None, Mode::Demo) => {
                let f = Arc::new(FakeBilling::new(base_url.clone()));
                let f = Arc::new(FakeStore::open(f, access.clone()).await);
                (f.clone(), Some(f))
            }
            (None, Mode::Production) => {
                return Err(StartError::Config(
                        "production mode needs a billing provider: set TOLLGATE_STRIPE_SECRET_KEY, or run TOLLGATE_MODE=demo".into(),
                    ));
            }
        };
        let mut engine = store
            .engine(clock, control, billing, Some(GroupCommit::default()))
            .with_context_cache(Duration::from_millis(config.context_cache_ms));
        if let Some(adapter) = stripe {
            engine = engine
                .with_event_decoder(adapter)
                .with_meter_reports(Arc::new(store.clone()));
        }
        if let Some(url) = &config.redis_url {
            engine = engine.with_hot_path(hot_path(url, &config.redis_prefix, &store).await?);
        }

        let mut plans_loaded = 0;
        if let Some(path) = &config.catalog {
            let catalog = read_catalog(path)?;
            plans_loaded = engine
                .seed_catalog(&catalog, &Caller::system())
                .await
                .map_err(setup)?;
        }

        let generated_admin_key = match &config.admin_key {
            Some(_) => None,
            None => ensure_operator_key(access.as_ref(), engine.now()).await?,
        };
        let generated_server_key = match &generated_admin_key {
            Some(_) => Some(
                create_key(
                    access.as_ref(),
                    "demo backend (first start)",
                    KeyRole::Server,
                    engine.now(),
                )
                .await
                .map_err(setup)?
                .1,
            ),
            None => None,
        };
        let session_secret = session_secret(access.as_ref()).await?;

        let state = web::Data::new(AppState {
            engine,
            access,
            store,
            fake,
            operator_key_hash: config.admin_key.as_ref().map(|k| hash_secret(k.expose())),
            config,
            base_url: base_url.clone(),
            session_secret,
            keys: KeyCache::default(),
            metrics: Metrics::new(),
            webhook_secrets,
        });
        let server = serve(state.clone(), listener)?;
        spawn_jobs(state.clone());
        if let Some(hot) = state.engine.hot_path() {
            spawn_probe(hot.clone());
        }
        Ok(Self {
            base_url,
            port: addr.port(),
            generated_admin_key,
            generated_server_key,
            plans_loaded,
            state,
            server,
        })
    }

    /// Serves until the process is stopped (SIGINT/SIGTERM stop it gracefully).
    ///
    /// # Errors
    /// I/O errors of the server.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }

    /// Runs the server in the background (tests).
    pub fn spawn(self) -> (String, web::Data<AppState>) {
        let Self {
            base_url,
            state,
            server,
            ..
        } = self;
        tokio::spawn(server);
        (base_url, state)
    }
}

/// The HTTP app: the correlation id and metrics around everything; the body guard and the
/// idempotency records sit on the `/v1` scope (see `routes::configure`).
fn serve(state: web::Data<AppState>, listener: TcpListener) -> Result<Server, StartError> {
    let server = HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .configure(routes::configure)
            .wrap(from_fn(crate::ui::remember_lang))
            .wrap(from_fn(observe))
    })
    .listen(listener)
    .map_err(setup)?
    .shutdown_timeout(10)
    .run();
    Ok(server)
}

/// At first start with no operator key configured and none stored, makes one.
async fn ensure_operator_key(
    access: &dyn AccessStore,
    now: tollgate_kernel::Timestamp,
) -> Result<Option<String>, StartError> {
    let keys = access.list_keys().await.map_err(setup)?;
    if keys
        .iter()
        .any(|k| k.role == KeyRole::Admin && k.revoked_at.is_none())
    {
        return Ok(None);
    }
    let (_, secret) = create_key(access, "operator (first start)", KeyRole::Admin, now)
        .await
        .map_err(setup)?;
    Ok(Some(secret))
}

/// The key that signs session tokens: made once, shared by every process on this database.
/// Replicas starting together on a fresh database each offer a key; the first one stored wins
/// and every replica reads that one back, so all of them sign and verify with the same key.
async fn session_secret(access: &dyn AccessStore) -> Result<Vec<u8>, StartError> {
    let stored = match access
        .get_setting(SESSION_SECRET_SETTING)
        .await
        .map_err(setup)?
    {
        Some(value) => value,
        None => {
            let mut bytes = vec![0u8; SESSION_SECRET_BYTES];
            rand::rng().fill_bytes(&mut bytes);
            access
                .put_setting_if_absent(
                    SESSION_SECRET_SETTING,
                    &serde_json::Value::String(hex::encode(&bytes)),
                )
                .await
                .map_err(setup)?
        }
    };
    // Replacing an unreadable key here would let replicas disagree again: refuse to start.
    stored
        .as_str()
        .and_then(|h| hex::decode(h).ok())
        .filter(|bytes| bytes.len() >= SESSION_SECRET_BYTES)
        .ok_or_else(|| {
            StartError::Setup(format!(
                "the stored {SESSION_SECRET_SETTING} setting is not a {SESSION_SECRET_BYTES}-byte hex key; delete it to make a new one (open sessions end)"
            ))
        })
}

/// The Redis hot path over `store`. An unreachable Redis does not stop the server: counters
/// stay in the database until the probe finds Redis again.
pub(crate) async fn hot_path(
    url: &str,
    prefix: &str,
    store: &SqlStore,
) -> Result<Arc<HotPath>, StartError> {
    let redis = RedisCounters::connect(url, prefix)
        .map_err(|e| {
            StartError::Config(format!(
                "TOLLGATE_REDIS_URL ({}): {e}",
                crate::database::redacted(url)
            ))
        })?
        .with_guard_lifetime(GUARD_LIFETIME);
    let redis = Arc::new(redis);
    let hot = Arc::new(HotPath::new(redis.clone(), redis, Arc::new(store.clone())));
    if !hot.probe().await {
        tracing::warn!(
            "Redis is unreachable at start: quota counters stay in the database until it answers"
        );
    }
    Ok(hot)
}

/// How long a usage event's idempotency guard lives in Redis: far longer than a commit takes,
/// short enough that a retry after a crashed attempt is not refused for long.
const GUARD_LIFETIME: Duration = Duration::from_secs(10);

/// How often an unreachable Redis is tried again.
const PROBE_INTERVAL: Duration = Duration::from_millis(500);

fn spawn_probe(hot: Arc<HotPath>) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(PROBE_INTERVAL);
        loop {
            tick.tick().await;
            if !hot.is_up() {
                hot.probe().await;
            }
        }
    });
}

/// Due jobs in real time (renewals, trial ends, grace expiry, retries of failed events) and
/// the daily purge of old idempotency records.
fn spawn_jobs(state: web::Data<AppState>) {
    let every = state.config.jobs_interval_seconds;
    if every == 0 {
        return;
    }
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(every));
        let mut last_purge: Option<tokio::time::Instant> = None;
        loop {
            tick.tick().await;
            run_jobs_once(&state.engine).await;
            if last_purge.is_none_or(|t| t.elapsed() > Duration::from_secs(3600)) {
                last_purge = Some(tokio::time::Instant::now());
                // Wall-clock time, like the records: the demo clock must not age them.
                let before =
                    chrono::Utc::now() - chrono::Duration::days(IDEMPOTENCY_RETENTION_DAYS);
                if let Err(e) = state.access.idempotency_purge(before).await {
                    tracing::warn!(error = %e, "idempotency purge failed");
                }
            }
        }
    });
}

/// Deletes idempotency records older than the retention, on the wall clock like the records
/// themselves (the demo clock must not age them); answers how many.
///
/// # Errors
/// Store failures.
pub async fn purge_idempotency_records(
    state: &AppState,
) -> Result<u64, tollgate_engine::AccessError> {
    let before = chrono::Utc::now() - chrono::Duration::days(IDEMPOTENCY_RETENTION_DAYS);
    state.access.idempotency_purge(before).await
}

async fn run_jobs_once(engine: &Engine) {
    match engine.run_due(&Caller::system()).await {
        Ok(report) => {
            for f in &report.failures {
                tracing::warn!(failure = %f, "due job failed");
            }
        }
        Err(e) => tracing::warn!(error = %e, "due jobs could not run"),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use std::time::Duration;

    use async_trait::async_trait;
    use tokio::sync::Barrier;
    use tollgate_engine::memory::MemoryAccessStore;
    use tollgate_engine::{AccessError, ApiKeyRecord, IdempotencyBegin, Member, StoredResponse};
    use tollgate_kernel::{CustomerId, Timestamp};

    use super::*;

    const REPLICAS: usize = 8;

    /// The first start of several replicas at their worst: every replica has read the settings
    /// before any of them writes (each write waits until all replicas are about to write).
    struct ReadersFirst {
        inner: MemoryAccessStore,
        writers: Barrier,
    }

    impl ReadersFirst {
        async fn all_writing(&self) {
            tokio::time::timeout(Duration::from_secs(5), self.writers.wait())
                .await
                .expect("every replica reaches its write");
        }
    }

    #[async_trait]
    impl AccessStore for ReadersFirst {
        async fn insert_key(&self, key: &ApiKeyRecord) -> Result<(), AccessError> {
            self.inner.insert_key(key).await
        }
        async fn find_key(&self, hash: &str) -> Result<Option<ApiKeyRecord>, AccessError> {
            self.inner.find_key(hash).await
        }
        async fn list_keys(&self) -> Result<Vec<ApiKeyRecord>, AccessError> {
            self.inner.list_keys().await
        }
        async fn revoke_key(&self, id: &str, at: Timestamp) -> Result<bool, AccessError> {
            self.inner.revoke_key(id, at).await
        }
        async fn put_member(&self, member: &Member) -> Result<(), AccessError> {
            self.inner.put_member(member).await
        }
        async fn members(&self, customer: &CustomerId) -> Result<Vec<Member>, AccessError> {
            self.inner.members(customer).await
        }
        async fn get_setting(&self, name: &str) -> Result<Option<serde_json::Value>, AccessError> {
            self.inner.get_setting(name).await
        }
        async fn put_setting(
            &self,
            name: &str,
            value: &serde_json::Value,
        ) -> Result<(), AccessError> {
            self.all_writing().await;
            self.inner.put_setting(name, value).await
        }
        async fn idempotency_begin(
            &self,
            key: &str,
            request_hash: &str,
            now: Timestamp,
            stale_after: chrono::Duration,
        ) -> Result<IdempotencyBegin, AccessError> {
            self.inner
                .idempotency_begin(key, request_hash, now, stale_after)
                .await
        }
        async fn idempotency_finish(
            &self,
            key: &str,
            reserved_at: Timestamp,
            response: &StoredResponse,
            now: Timestamp,
        ) -> Result<(), AccessError> {
            self.inner
                .idempotency_finish(key, reserved_at, response, now)
                .await
        }
        async fn idempotency_abandon(
            &self,
            key: &str,
            reserved_at: Timestamp,
        ) -> Result<(), AccessError> {
            self.inner.idempotency_abandon(key, reserved_at).await
        }
        async fn idempotency_purge(&self, before: Timestamp) -> Result<u64, AccessError> {
            self.inner.idempotency_purge(before).await
        }
        async fn put_setting_if_absent(
            &self,
            name: &str,
            value: &serde_json::Value,
        ) -> Result<serde_json::Value, AccessError> {
            self.all_writing().await;
            self.inner.put_setting_if_absent(name, value).await
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn replicas_starting_together_share_one_session_secret() {
        let store = Arc::new(ReadersFirst {
            inner: MemoryAccessStore::default(),
            writers: Barrier::new(REPLICAS),
        });
        let mut replicas = tokio::task::JoinSet::new();
        for _ in 0..REPLICAS {
            let store = store.clone();
            replicas.spawn(async move { session_secret(store.as_ref()).await });
        }
        let mut secrets = Vec::new();
        while let Some(joined) = replicas.join_next().await {
            secrets.push(joined.expect("replica").expect("secret"));
        }
        let stored = store
            .inner
            .get_setting(SESSION_SECRET_SETTING)
            .await
            .unwrap()
            .expect("stored");
        let stored = hex::decode(stored.as_str().expect("hex")).expect("hex");
        assert_eq!(stored.len(), SESSION_SECRET_BYTES);
        assert!(
            secrets.iter().all(|s| *s == stored),
            "every replica signs with the stored key"
        );
        // A later start reads the same key.
        assert_eq!(session_secret(store.as_ref()).await.unwrap(), stored);
    }

    #[tokio::test]
    async fn an_unreadable_stored_secret_stops_the_start() {
        let store = MemoryAccessStore::default();
        store
            .put_setting(SESSION_SECRET_SETTING, &serde_json::json!("not hex"))
            .await
            .unwrap();
        let e = session_secret(&store).await.unwrap_err();
        assert!(e.to_string().contains(SESSION_SECRET_SETTING), "{e}");
    }
}
