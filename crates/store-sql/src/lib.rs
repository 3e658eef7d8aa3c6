//! Tollgate's SQL adapters, on SeaORM: every repository port, the usage unit of work (with
//! group commit), SQL quota counters and leases, reconciliation against the usage log.
//!
//! One [`SqlStore`] implements every port; hand it to the engine as `Arc<SqlStore>` (it
//! coerces to each `Arc<dyn Port>`). The same code runs on SQLite (the embedded default,
//! WAL, `synchronous=FULL`) and PostgreSQL; the schema is the `tollgate-migrations` crate.
//!
//! Every write transaction begins with [`SqlStore::write_txn`]: `BEGIN IMMEDIATE` on SQLite,
//! so that two processes sharing one file queue for the write lock instead of failing on a
//! stale snapshot; read-committed on PostgreSQL, where the statements lock the rows they
//! change.

mod authority;
mod billing;
mod catalog;
mod counters;
mod error;
mod journal;
mod leases;
mod reconcile;
mod recorder;
mod sql;
mod tokens;
mod usage_log;
mod wallet;
mod wiring;

pub use error::{SqlStoreError, describe as describe_db_error};
pub use recorder::{GroupCommit, SqlUsageRecorder};

#[cfg(feature = "testing")]
pub mod testing;

use std::time::Duration;

use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, Database, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr,
    SqliteTransactionMode, TransactionOptions, TransactionTrait,
};
use sea_orm_migration::MigratorTrait;
use tollgate_migrations::Migrator;

/// How to reach the database.
#[derive(Debug, Clone)]
pub struct SqlOptions {
    /// `sqlite://path?mode=rwc` or `postgres://user@host:port/db`.
    pub url: String,
    /// Pool size; SQLite defaults to 4 (one writer at a time anyway), PostgreSQL to 16.
    pub max_connections: Option<u32>,
    /// PostgreSQL only: the schema to use (`search_path`); tests use a fresh one per run.
    pub schema: Option<String>,
}

impl SqlOptions {
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            max_connections: None,
            schema: None,
        }
    }
}

/// Every SQL adapter, over one connection pool.
#[derive(Debug, Clone)]
pub struct SqlStore {
    db: DatabaseConnection,
}

impl SqlStore {
    /// Connects (creating the SQLite file when the URL says `mode=rwc`).
    ///
    /// # Errors
    /// [`SqlStoreError::Connect`] when the database cannot be reached; the message names the
    /// backend, never the URL (which may carry a password).
    pub async fn connect(options: &SqlOptions) -> Result<Self, SqlStoreError> {
        let sqlite = options.url.starts_with("sqlite:");
        let mut opts = ConnectOptions::new(options.url.clone());
        opts.max_connections(
            options
                .max_connections
                .unwrap_or(if sqlite { 4 } else { 16 }),
        )
        .acquire_timeout(Duration::from_secs(10))
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(|o| {
            o.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Full)
                .busy_timeout(Duration::from_secs(30))
                .foreign_keys(true)
        });
        if let Some(schema) = &options.schema {
            opts.set_schema_search_path(schema.clone());
        }
        let db = Database::connect(opts)
            .await
            .map_err(|e| SqlStoreError::Connect(error::describe(&e)))?;
        Ok(Self { db })
    }

    /// Connects and runs every pending migration.
    ///
    /// # Errors
    /// [`SqlStoreError`] when the database cannot be reached or a migration fails.
    pub async fn open(options: &SqlOptions) -> Result<Self, SqlStoreError> {
        let store = Self::connect(options).await?;
        store.migrate().await?;
        Ok(store)
    }

    /// Applies every pending migration.
    ///
    /// # Errors
    /// [`SqlStoreError::Migrate`] when one fails (it is rolled back where the backend can).
    pub async fn migrate(&self) -> Result<(), SqlStoreError> {
        Migrator::up(&self.db, None)
            .await
            .map_err(|e| SqlStoreError::Migrate(error::describe(&e)))
    }

    pub fn db(&self) -> &DatabaseConnection {
        &self.db
    }

    pub fn backend(&self) -> DbBackend {
        self.db.get_database_backend()
    }

    /// Begins a transaction that will write: `BEGIN IMMEDIATE` on SQLite (the write lock is
    /// taken up front, waiting up to the busy timeout), a plain `BEGIN` on PostgreSQL.
    pub(crate) async fn write_txn(&self) -> Result<DatabaseTransaction, DbErr> {
        self.db
            .begin_with_options(TransactionOptions {
                isolation_level: None,
                access_mode: None,
                sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            })
            .await
    }
}
