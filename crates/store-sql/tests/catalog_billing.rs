//! The catalog, token price and billing adapters on SQLite and PostgreSQL: the shared
//! conformance suites, the demo catalog, error mapping and durability.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{TimeZone, Utc};
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use sea_orm_migration::MigratorTrait;
use std::str::FromStr;
use std::sync::Arc;
use tollgate_billing::{
    BillingStoreError, Customer, CustomerRepository, Invoice, InvoiceLine, InvoiceRepository,
    InvoiceStatus, ScheduledChange, Subscription, SubscriptionRepository,
};
use tollgate_kernel::{Currency, CustomerId, Decimal, Interval, Period, PlanCode, Timestamp};
use tollgate_migrations::Migrator;
use tollgate_plans::{
    AddOnSelection, Catalog, CustomerOverrides, FeatureRepository, OverrideRepository,
    PlanRepository,
};
use tollgate_pricing::{TokenPrice, TokenPriceRepository};
use tollgate_store_sql::testing::{Backend, TestDb};
use tollgate_store_sql::{SqlStore, on_both_backends};

// --- the conformance suites -------------------------------------------------------------------

async fn catalog_store(db: &TestDb) {
    tollgate_plans::conformance::catalog_store_contract(&db.store).await;
    // The contract holds again on a store that already holds its entries.
    tollgate_plans::conformance::catalog_store_contract(&db.store).await;
}
on_both_backends!(catalog_store_contract, catalog_store);

async fn features(db: &TestDb) {
    tollgate_plans::conformance::feature_repository_contract(&db.store).await;
}
on_both_backends!(feature_repository_contract, features);

async fn plans(db: &TestDb) {
    tollgate_plans::conformance::plan_repository_contract(&db.store).await;
}
on_both_backends!(plan_repository_contract, plans);

async fn overrides(db: &TestDb) {
    tollgate_plans::conformance::override_repository_contract(&db.store).await;
}
on_both_backends!(override_repository_contract, overrides);

async fn token_prices(db: &TestDb) {
    tollgate_pricing::conformance::token_prices(Arc::new(db.store.clone())).await;
}
on_both_backends!(token_price_repository_contract, token_prices);

async fn customers(db: &TestDb) {
    tollgate_billing::conformance::customers(Arc::new(db.store.clone())).await;
}
on_both_backends!(customer_repository_contract, customers);

async fn subscriptions(db: &TestDb) {
    tollgate_billing::conformance::subscriptions(Arc::new(db.store.clone())).await;
}
on_both_backends!(subscription_repository_contract, subscriptions);

async fn concurrent_saves(db: &TestDb) {
    tollgate_billing::conformance::concurrent_saves(Arc::new(db.store.clone())).await;
}
on_both_backends!(subscription_concurrent_saves, concurrent_saves);

async fn invoices(db: &TestDb) {
    tollgate_billing::conformance::invoices(Arc::new(db.store.clone())).await;
}
on_both_backends!(invoice_repository_contract, invoices);

// --- the demo catalog -------------------------------------------------------------------------

fn demo_catalog() -> Catalog {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fixtures/catalogs/saas.toml"
    );
    let text = std::fs::read_to_string(path).expect("read the demo catalog");
    Catalog::from_toml_str(&text).expect("the demo catalog is valid")
}

/// Seeds as the engine does (features, then plans, then add-ons) and reads everything back.
async fn demo_catalog_round_trips(db: &TestDb) {
    let catalog = demo_catalog();
    let store = &db.store;
    for f in &catalog.features {
        store.upsert_feature(f).await.unwrap();
    }
    for p in &catalog.plans {
        store.upsert_plan(p).await.unwrap();
    }
    for a in &catalog.addons {
        store.upsert_addon(a).await.unwrap();
    }

    assert_eq!(store.list_features().await.unwrap(), catalog.features);
    for f in &catalog.features {
        assert_eq!(store.get_feature(&f.code).await.unwrap().as_ref(), Some(f));
    }
    for p in &catalog.plans {
        assert_eq!(store.get_plan(&p.code).await.unwrap().as_ref(), Some(p));
    }
    let mut by_priority = catalog.plans.clone();
    by_priority.sort_by_key(|p| p.priority);
    assert_eq!(store.list_plans().await.unwrap(), by_priority);
    assert_eq!(store.list_addons().await.unwrap(), catalog.addons);
    for a in &catalog.addons {
        assert_eq!(store.get_addon(&a.code).await.unwrap().as_ref(), Some(a));
    }

    // Seeding again (an operator re-applies the file) changes nothing.
    for p in &catalog.plans {
        store.upsert_plan(p).await.unwrap();
    }
    assert_eq!(store.list_plans().await.unwrap(), by_priority);
}
on_both_backends!(demo_catalog, demo_catalog_round_trips);

// --- errors -----------------------------------------------------------------------------------

fn ts(secs: i64) -> Timestamp {
    Utc.timestamp_opt(1_900_000_000 + secs, 0).single().unwrap()
}

fn customer_id(s: &str) -> CustomerId {
    CustomerId::parse(s).unwrap()
}

/// No SQL, driver text or bound values in a message a caller may show.
fn assert_safe(message: &str) {
    for leak in [
        "INSERT",
        "UPDATE",
        "SELECT",
        "UNIQUE",
        "unique",
        "constraint",
        "violates",
        "sqlx",
        "SQLITE",
        "\"subscriptions\"",
    ] {
        assert!(!message.contains(leak), "{message:?} leaks {leak:?}");
    }
}

async fn duplicates_are_domain_errors(db: &TestDb) {
    let store = &db.store;
    let id = customer_id("dup_acme");

    // The customer port is idempotent on id: the duplicate answers the stored customer.
    let first = Customer::new(id.clone(), "Acme", Currency::USD, ts(0));
    let again = Customer::new(id.clone(), "Someone else", Currency::EUR, ts(5));
    assert_eq!(
        CustomerRepository::insert(store, &first).await.unwrap(),
        first
    );
    assert_eq!(
        CustomerRepository::insert(store, &again).await.unwrap(),
        first
    );
    assert_eq!(CustomerRepository::list(store).await.unwrap(), vec![first]);

    // A second subscription for the customer hits the primary key: a Conflict, not a panic.
    let period = Period::new(ts(0), ts(86_400 * 30)).unwrap();
    let plan = PlanCode::parse("pro").unwrap();
    let s = Subscription::active(id, plan, Interval::Month, Currency::USD, period, ts(0));
    store.save(&s, None).await.unwrap();
    match store.save(&s, None).await {
        Err(BillingStoreError::Conflict(message)) => {
            assert!(message.contains("already has a subscription"), "{message}");
            assert_safe(&message);
        }
        other => panic!("a duplicate subscription must be a Conflict, got {other:?}"),
    }
}
on_both_backends!(duplicate_inserts, duplicates_are_domain_errors);

/// A row the domain refuses (written by hand) is an `Unexpected` error naming the column only.
async fn undecodable_rows_are_errors(db: &TestDb) {
    let store = &db.store;
    let c = Customer::new(customer_id("bad_row"), "Bad", Currency::USD, ts(0));
    CustomerRepository::insert(store, &c).await.unwrap();
    store
        .db()
        .execute_unprepared("UPDATE customers SET currency = 'XYZ', status = 'gone'")
        .await
        .unwrap();
    match CustomerRepository::get(store, &c.id).await {
        Err(BillingStoreError::Unexpected(source)) => {
            let message = source.to_string();
            assert!(message.contains("customers."), "{message}");
            assert!(!message.contains("XYZ"), "{message}");
        }
        other => panic!("an undecodable row must be Unexpected, got {other:?}"),
    }
    assert!(CustomerRepository::list(store).await.is_err());
}
on_both_backends!(undecodable_rows, undecodable_rows_are_errors);

// --- ordering and precision -------------------------------------------------------------------

/// Ids sort byte by byte on both backends, whatever the PostgreSQL server's locale.
async fn ids_sort_bytewise(db: &TestDb) {
    let store = &db.store;
    for id in ["b_x", "B_x", "a_x", "A_x", "_x"] {
        let c = Customer::new(customer_id(id), id, Currency::USD, ts(0));
        CustomerRepository::insert(store, &c).await.unwrap();
    }
    let listed: Vec<String> = CustomerRepository::list(store)
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.id.to_string())
        .collect();
    assert_eq!(listed, ["A_x", "B_x", "_x", "a_x", "b_x"]);

    // The test server's own locale may be C already: check the columns carry the collation.
    if db.backend == Backend::Postgres {
        for (table, column) in [
            ("customers", "id"),
            ("subscriptions", "customer"),
            ("invoices", "id"),
            ("token_prices", "provider"),
            ("token_prices", "model"),
        ] {
            let sql = format!(
                "SELECT collation_name FROM information_schema.columns \
                 WHERE table_schema = current_schema() AND table_name = '{table}' \
                 AND column_name = '{column}'"
            );
            let row = store
                .db()
                .query_one_raw(Statement::from_string(DbBackend::Postgres, sql))
                .await
                .unwrap()
                .unwrap();
            let collation: Option<String> = row.try_get("", "collation_name").unwrap();
            assert_eq!(collation.as_deref(), Some("C"), "{table}.{column}");
        }
    }
}
on_both_backends!(customer_order, ids_sort_bytewise);

/// Both backends keep microseconds: a finer instant reads back truncated, the same on each.
async fn timestamps_keep_microseconds(db: &TestDb) {
    let store = &db.store;
    let fine = ts(0) + chrono::TimeDelta::nanoseconds(123_456_789);
    let c = Customer::new(customer_id("fine"), "Fine", Currency::USD, fine);
    let stored = CustomerRepository::insert(store, &c).await.unwrap();
    assert_eq!(
        stored.created_at,
        ts(0) + chrono::TimeDelta::nanoseconds(123_456_000)
    );
}
on_both_backends!(timestamp_precision, timestamps_keep_microseconds);

// --- concurrent writers -----------------------------------------------------------------------

/// Writers replacing the same whole entry at once all succeed, and one of them is what remains:
/// no half-merged entry, no key clash between two replacements.
async fn concurrent_replacements(db: &TestDb) {
    let store = Arc::new(db.store.clone());
    let catalog = demo_catalog();
    let plan = catalog.plans[1].clone();
    let id = customer_id("busy");
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..8_u32 {
        let store = Arc::clone(&store);
        let mut plan = plan.clone();
        plan.name = format!("Writer {i}");
        plan.entitlements
            .truncate(1 + (i as usize % plan.entitlements.len()));
        let id = id.clone();
        let selection = CustomerOverrides {
            overrides: vec![],
            addons: (0..=i)
                .map(|q| AddOnSelection {
                    code: catalog.addons[0].code.clone(),
                    quantity: q + 1,
                })
                .collect(),
        };
        let prices: Vec<TokenPrice> = (0..=i)
            .map(|m| TokenPrice {
                provider: "openai".into(),
                model: format!("model-{m}"),
                currency: Currency::USD,
                input_per_million: Decimal::from(i),
                output_per_million: Decimal::from(m),
            })
            .collect();
        tasks.spawn(async move {
            for _ in 0..5 {
                store.upsert_plan(&plan).await.unwrap();
                store.put_overrides(&id, &selection).await.unwrap();
                store.replace_all(&prices).await.unwrap();
            }
            (plan, selection, prices)
        });
    }
    let mut written = Vec::new();
    while let Some(done) = tasks.join_next().await {
        written.push(done.unwrap());
    }
    let stored = store.get_plan(&plan.code).await.unwrap().unwrap();
    assert!(written.iter().any(|(p, _, _)| *p == stored), "{stored:?}");
    let overrides = store.get_overrides(&id).await.unwrap();
    assert!(written.iter().any(|(_, o, _)| *o == overrides));
    let prices = TokenPriceRepository::list(store.as_ref()).await.unwrap();
    assert!(written.iter().any(|(_, _, t)| *t == prices));
}
on_both_backends!(concurrent_writers, concurrent_replacements);

// --- durability -------------------------------------------------------------------------------

fn sample_subscription(customer: &CustomerId) -> Subscription {
    let period = Period::new(ts(0), ts(86_400 * 30)).unwrap();
    let plan = PlanCode::parse("pro").unwrap();
    let mut s = Subscription::active(
        customer.clone(),
        plan.clone(),
        Interval::Month,
        Currency::EUR,
        period,
        ts(0),
    );
    s.scheduled_change = Some(ScheduledChange {
        plan,
        interval: Interval::Year,
        at: ts(86_400 * 30),
    });
    s.provider_subscription_id = Some("sub_durable".into());
    s.provider_updated_at = Some(ts(10));
    s
}

fn sample_invoice(customer: &CustomerId) -> Invoice {
    Invoice {
        id: "in_durable".into(),
        customer: customer.clone(),
        number: Some("N-1".into()),
        status: InvoiceStatus::Paid,
        currency: Currency::EUR,
        amount_due: 1_000,
        amount_paid: 1_000,
        period: Period::new(ts(0), ts(86_400)).ok(),
        lines: vec![InvoiceLine {
            description: "Credit".into(),
            amount_minor: -250,
            quantity: 2,
            proration: true,
            period: Period::new(ts(3), ts(86_400)).ok(),
        }],
        hosted_url: Some("https://billing.example/in_durable".into()),
        provider_invoice_id: None,
        created_at: ts(20),
    }
}

/// Everything written through one pool reads back equal through a new one (for SQLite: the
/// file reopened).
async fn data_survives_reopening(db: &TestDb) {
    let catalog = demo_catalog();
    let id = customer_id("durable");
    let c = Customer {
        email: Some("ops@durable.test".into()),
        provider_customer_id: Some("cus_durable".into()),
        ..Customer::new(id.clone(), "Durable", Currency::EUR, ts(0))
    };
    let s = sample_subscription(&id);
    let invoice = sample_invoice(&id);
    let prices = vec![TokenPrice {
        provider: "openai".into(),
        model: "gpt-4o".into(),
        currency: Currency::USD,
        input_per_million: Decimal::from_str("2.50").unwrap(),
        output_per_million: Decimal::from_str("10.000").unwrap(),
    }];
    let overrides = CustomerOverrides {
        overrides: vec![],
        addons: vec![AddOnSelection {
            code: catalog.addons[0].code.clone(),
            quantity: 3,
        }],
    };
    {
        let store = &db.store;
        for f in &catalog.features {
            store.upsert_feature(f).await.unwrap();
        }
        for p in &catalog.plans {
            store.upsert_plan(p).await.unwrap();
        }
        CustomerRepository::insert(store, &c).await.unwrap();
        store.save(&s, None).await.unwrap();
        store.upsert(&invoice).await.unwrap();
        store.replace_all(&prices).await.unwrap();
        store.put_overrides(&id, &overrides).await.unwrap();
        store.db().clone().close().await.unwrap();
    }

    let reopened = SqlStore::connect(&db.options).await.unwrap();
    assert_eq!(reopened.list_features().await.unwrap(), catalog.features);
    for p in &catalog.plans {
        assert_eq!(reopened.get_plan(&p.code).await.unwrap().as_ref(), Some(p));
    }
    assert_eq!(
        CustomerRepository::get(&reopened, &id).await.unwrap(),
        Some(c)
    );
    assert_eq!(
        SubscriptionRepository::get(&reopened, &id).await.unwrap(),
        Some(s.clone())
    );
    assert_eq!(
        reopened.find_by_provider_id("sub_durable").await.unwrap(),
        Some(s)
    );
    assert_eq!(
        InvoiceRepository::list(&reopened, &id).await.unwrap(),
        vec![invoice]
    );
    let listed = TokenPriceRepository::list(&reopened).await.unwrap();
    assert_eq!(listed, prices);
    assert_eq!(listed[0].output_per_million.to_string(), "10.000");
    assert_eq!(reopened.get_overrides(&id).await.unwrap(), overrides);
    reopened.db().clone().close().await.unwrap();
}
on_both_backends!(reopen, data_survives_reopening);

// --- the schema -------------------------------------------------------------------------------

/// Every migration goes down and up again, and the tables work afterwards.
async fn migrations_go_down_and_up(db: &TestDb) {
    let conn = db.store.db();
    let plan = demo_catalog().plans[0].clone();
    db.store.upsert_plan(&plan).await.unwrap();
    Migrator::down(conn, None).await.unwrap();
    Migrator::up(conn, None).await.unwrap();
    assert_eq!(db.store.get_plan(&plan.code).await.unwrap(), None);
    db.store.upsert_plan(&plan).await.unwrap();
    assert_eq!(db.store.get_plan(&plan.code).await.unwrap(), Some(plan));
}
on_both_backends!(migrations, migrations_go_down_and_up);
