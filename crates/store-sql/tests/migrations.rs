//! The schema migrates forward, backward and forward again on both backends, and the store
//! works after the round trip.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use sea_orm::{ConnectionTrait, DbBackend, Statement};
use sea_orm_migration::MigratorTrait;
use tollgate_migrations::Migrator;
use tollgate_store_sql::testing::TestDb;

async fn tables(db: &TestDb) -> Vec<String> {
    let conn = db.store.db();
    let sql = match conn.get_database_backend() {
        DbBackend::Postgres => {
            "SELECT table_name AS name FROM information_schema.tables \
             WHERE table_schema = current_schema() ORDER BY 1"
        }
        _ => {
            "SELECT name FROM sqlite_master WHERE type = 'table' \
             AND name NOT LIKE 'sqlite_%' ORDER BY 1"
        }
    };
    conn.query_all_raw(Statement::from_string(conn.get_database_backend(), sql))
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get::<String>("", "name").unwrap())
        .filter(|n| n != "seaql_migrations")
        .collect()
}

async fn round_trip(db: &TestDb) {
    let conn = db.store.db();
    let migrated = tables(db).await;
    for table in [
        "counters",
        "leases",
        "lease_slots",
        "idempotency_keys",
        "counter_epochs",
        "meter_reports",
    ] {
        assert!(
            migrated.contains(&table.to_owned()),
            "{table} in {migrated:?}"
        );
    }
    let applied = Migrator::get_applied_migrations(conn).await.unwrap().len();
    assert_eq!(applied, Migrator::migrations().len());
    assert!(
        Migrator::get_pending_migrations(conn)
            .await
            .unwrap()
            .is_empty()
    );

    // One step back removes only the last migration's table, the next the one before.
    Migrator::down(conn, Some(1)).await.unwrap();
    let mut expected = migrated.clone();
    expected.retain(|t| t != "meter_reports");
    assert_eq!(tables(db).await, expected);
    assert_eq!(
        Migrator::get_pending_migrations(conn).await.unwrap().len(),
        1
    );
    Migrator::down(conn, Some(1)).await.unwrap();
    expected.retain(|t| t != "counter_epochs");
    assert_eq!(tables(db).await, expected);
    assert_eq!(
        Migrator::get_pending_migrations(conn).await.unwrap().len(),
        2
    );

    // The next removes the idempotency records, the one after the counters' tables.
    Migrator::down(conn, Some(1)).await.unwrap();
    expected.retain(|t| t != "idempotency_keys");
    assert_eq!(tables(db).await, expected);
    Migrator::down(conn, Some(1)).await.unwrap();
    let after_three = tables(db).await;
    for table in ["counters", "leases", "lease_slots"] {
        assert!(!after_three.contains(&table.to_owned()), "{table} dropped");
    }
    assert_eq!(
        Migrator::get_pending_migrations(conn).await.unwrap().len(),
        4
    );

    // All the way down leaves nothing but the migration bookkeeping.
    Migrator::down(conn, None).await.unwrap();
    assert_eq!(tables(db).await, Vec::<String>::new());

    // And up again gives the same schema, which works.
    db.store.migrate().await.unwrap();
    assert_eq!(tables(db).await, migrated);
    db.store.migrate().await.unwrap(); // idempotent
}
tollgate_store_sql::on_both_backends!(forward_backward_forward, round_trip);
