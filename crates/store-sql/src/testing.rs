//! Test databases: a migrated SQLite file in a temporary directory, or a migrated fresh
//! PostgreSQL schema (`TOLLGATE_TEST_DATABASE_URL`, default the local server's `test`
//! database) that [`TestDb::cleanup`] drops.
#![allow(clippy::expect_used)]

use crate::{SqlOptions, SqlStore};
use sea_orm::{ConnectionTrait, Database};

/// The PostgreSQL server tests run against.
pub fn postgres_url() -> String {
    std::env::var("TOLLGATE_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

/// Which backend a test database is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A migrated, empty database for one test.
#[derive(Debug)]
pub struct TestDb {
    pub store: SqlStore,
    pub backend: Backend,
    /// What another process needs to open the same database.
    pub options: SqlOptions,
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    pub async fn new(backend: Backend) -> Self {
        match backend {
            Backend::Sqlite => Self::sqlite().await,
            Backend::Postgres => Self::postgres().await,
        }
    }

    /// A SQLite file in a fresh temporary directory (removed when the value is dropped).
    pub async fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("temporary directory");
        let path = dir.path().join("tollgate.db");
        let options = SqlOptions::new(format!("sqlite://{}?mode=rwc", path.display()));
        let store = SqlStore::open(&options).await.expect("open sqlite");
        Self {
            store,
            backend: Backend::Sqlite,
            options,
            _dir: Some(dir),
        }
    }

    /// A fresh schema `tg_test_<uuid>` on the test PostgreSQL server.
    pub async fn postgres() -> Self {
        let url = postgres_url();
        let schema = format!("tg_test_{}", uuid::Uuid::new_v4().simple());
        let admin = Database::connect(&url)
            .await
            .expect("connect to PostgreSQL (TOLLGATE_TEST_DATABASE_URL)");
        admin
            .execute_unprepared(&format!("CREATE SCHEMA \"{schema}\""))
            .await
            .expect("create schema");
        admin.close().await.ok();
        let options = SqlOptions {
            url,
            max_connections: Some(8),
            schema: Some(schema),
        };
        let store = SqlStore::open(&options).await.expect("open postgres");
        Self {
            store,
            backend: Backend::Postgres,
            options,
            _dir: None,
        }
    }

    /// Drops the PostgreSQL schema (SQLite files go with the temporary directory).
    pub async fn cleanup(self) {
        if let Some(schema) = &self.options.schema {
            self.store.db().clone().close().await.ok();
            if let Ok(admin) = Database::connect(&self.options.url).await {
                admin
                    .execute_unprepared(&format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"))
                    .await
                    .ok();
                admin.close().await.ok();
            }
        }
    }
}

/// Runs `body` against a fresh SQLite file and a fresh PostgreSQL schema, in turn.
#[macro_export]
macro_rules! on_both_backends {
    ($name:ident, $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn sqlite() {
                let db = $crate::testing::TestDb::new($crate::testing::Backend::Sqlite).await;
                ($body)(&db).await;
                db.cleanup().await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn postgres() {
                let db = $crate::testing::TestDb::new($crate::testing::Backend::Postgres).await;
                ($body)(&db).await;
                db.cleanup().await;
            }
        }
    };
}
