//! Wallet ledgers on SQL: `wallet_entries` (append-only, unique reference per customer) and
//! `wallet_accounts`, one row per customer that every write to the ledger touches first.
//!
//! Writing the account row (`INSERT … ON CONFLICT (customer) DO UPDATE SET version = version
//! + 1`) takes its row lock on PostgreSQL and the database write lock on SQLite, so the ledger
//! read that follows is the latest one and no other process can append until the transaction
//! ends: the pure [`plan_debit`] then decides on exactly what will be written.

use chrono::SubsecRound;
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, IntoActiveModel, Order, QueryFilter,
    QueryOrder,
};
use tollgate_kernel::{Amount, Currency, CustomerId, Decimal, Timestamp};
use tollgate_wallet::{
    AppendEntry, Debit, DebitDecision, DebitOutcome, EntryKind, LedgerEntry, WalletError,
    WalletStore, balances, plan_debit,
};

use crate::SqlStore;
use crate::error::{Fault, describe, failure, fault};

mod entries {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "wallet_entries")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        pub customer: String,
        pub currency: String,
        pub kind: String,
        #[sea_orm(column_type = "Text")]
        pub amount: String,
        pub created_at: DateTimeUtc,
        pub expires_at: Option<DateTimeUtc>,
        pub reference: Option<String>,
        #[sea_orm(column_type = "Text")]
        pub description: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

mod accounts {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "wallet_accounts")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub customer: String,
        pub version: i64,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

use entries::{Column, Entity as Entries, Model as Row};

fn stored(t: Timestamp) -> Timestamp {
    t.trunc_subsecs(6)
}

fn kind_name(kind: EntryKind) -> &'static str {
    match kind {
        EntryKind::Grant => "grant",
        EntryKind::Debit => "debit",
        EntryKind::Adjustment => "adjustment",
        EntryKind::Expiry => "expiry",
    }
}

fn malformed(what: &str) -> DbErr {
    DbErr::Type(format!("stored ledger entry has an invalid {what}"))
}

fn kind_from(name: &str) -> Result<EntryKind, DbErr> {
    match name {
        "grant" => Ok(EntryKind::Grant),
        "debit" => Ok(EntryKind::Debit),
        "adjustment" => Ok(EntryKind::Adjustment),
        "expiry" => Ok(EntryKind::Expiry),
        _ => Err(malformed("kind")),
    }
}

fn to_row(e: &LedgerEntry) -> Row {
    Row {
        id: e.id.clone(),
        customer: e.customer.as_str().to_owned(),
        currency: e.currency.code().to_owned(),
        kind: kind_name(e.kind).to_owned(),
        amount: e.amount.to_string(),
        created_at: stored(e.created_at),
        expires_at: e.expires_at.map(stored),
        reference: e.reference.clone(),
        description: e.description.clone(),
    }
}

fn from_row(r: Row) -> Result<LedgerEntry, DbErr> {
    Ok(LedgerEntry {
        customer: CustomerId::parse(r.customer).map_err(|_| malformed("customer"))?,
        currency: Currency::from_iso(&r.currency).map_err(|_| malformed("currency"))?,
        kind: kind_from(&r.kind)?,
        amount: r
            .amount
            .parse::<Decimal>()
            .map_err(|_| malformed("amount"))?,
        id: r.id,
        created_at: r.created_at,
        expires_at: r.expires_at,
        reference: r.reference,
        description: r.description,
    })
}

/// The entry exactly as the store keeps it (instants to the microsecond).
fn as_stored(e: LedgerEntry) -> LedgerEntry {
    LedgerEntry {
        created_at: stored(e.created_at),
        expires_at: e.expires_at.map(stored),
        ..e
    }
}

fn wallet_error(e: DbErr) -> WalletError {
    match fault(&e) {
        Fault::Unavailable => WalletError::Unavailable(describe(&e)),
        _ => WalletError::unexpected(failure(&e)),
    }
}

/// An insert that hit a unique index not covered by `ON CONFLICT`: the entry id.
fn insert_error(e: DbErr, id: &str) -> WalletError {
    if fault(&e) == Fault::Duplicate {
        WalletError::Invalid(format!("entry id {id} is already used"))
    } else {
        wallet_error(e)
    }
}

/// Writes the customer's account row, creating it on first use: from here to the end of the
/// transaction no other writer can touch this customer's ledger.
pub(crate) async fn lock_account<C: ConnectionTrait>(
    conn: &C,
    customer: &CustomerId,
) -> Result<(), DbErr> {
    let row = accounts::Model {
        customer: customer.as_str().to_owned(),
        version: 1,
    };
    accounts::Entity::insert(row.into_active_model())
        .on_conflict(
            OnConflict::column(accounts::Column::Customer)
                .value(
                    accounts::Column::Version,
                    Expr::col((accounts::Entity, accounts::Column::Version)).add(1),
                )
                .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
    Ok(())
}

/// The customer's ledger in `(created_at, id)` order.
async fn ledger<C: ConnectionTrait>(
    conn: &C,
    customer: &CustomerId,
) -> Result<Vec<LedgerEntry>, DbErr> {
    let rows = Entries::find()
        .filter(Column::Customer.eq(customer.as_str()))
        .order_by(Column::CreatedAt, Order::Asc)
        .order_by(Column::Id, Order::Asc)
        .all(conn)
        .await?;
    let mut entries = rows
        .into_iter()
        .map(from_row)
        .collect::<Result<Vec<_>, _>>()?;
    // The reference order, by bytes whatever the database's collation.
    entries.sort_by(LedgerEntry::ledger_order);
    Ok(entries)
}

async fn by_reference<C: ConnectionTrait>(
    conn: &C,
    customer: &CustomerId,
    reference: &str,
) -> Result<Option<LedgerEntry>, DbErr> {
    Entries::find()
        .filter(Column::Customer.eq(customer.as_str()))
        .filter(Column::Reference.eq(reference))
        .one(conn)
        .await?
        .map(from_row)
        .transpose()
}

/// Checks and appends a debit inside the caller's transaction (begun with
/// [`SqlStore::write_txn`]): locks the customer's account row, reads the ledger, asks
/// [`plan_debit`] and inserts the entry it decides on. A repeated reference answers with the
/// first entry and inserts nothing; a refused debit ([`WalletError::InsufficientCredits`],
/// [`WalletError::Invalid`]) inserts no entry; a caller that goes on with its transaction runs
/// this inside a savepoint and rolls that back (the usage unit of work does), which also
/// undoes the account row's version bump.
pub(crate) async fn debit_on<C: ConnectionTrait>(
    conn: &C,
    d: &Debit,
) -> Result<DebitOutcome, WalletError> {
    lock_account(conn, &d.customer)
        .await
        .map_err(wallet_error)?;
    let mut entries = ledger(conn, &d.customer).await.map_err(wallet_error)?;
    let (entry, duplicate) = match plan_debit(&entries, d)? {
        DebitDecision::Duplicate(first) => (first, true),
        DebitDecision::Append(entry) => {
            let entry = as_stored(entry);
            Entries::insert(to_row(&entry).into_active_model())
                .exec_without_returning(conn)
                .await
                .map_err(|e| insert_error(e, &entry.id))?;
            entries.push(entry.clone());
            (entry, false)
        }
    };
    let currency = d.amount.currency;
    let balance = balances(&entries, d.at)
        .into_iter()
        .find(|a| a.currency == currency)
        .unwrap_or_else(|| Amount::zero(currency));
    Ok(DebitOutcome {
        entry,
        balance,
        duplicate,
    })
}

#[async_trait::async_trait]
impl WalletStore for SqlStore {
    async fn append(&self, entry: LedgerEntry) -> Result<AppendEntry, WalletError> {
        entry.validate()?;
        let entry = as_stored(entry);
        let txn = self.write_txn().await.map_err(wallet_error)?;
        lock_account(&txn, &entry.customer)
            .await
            .map_err(wallet_error)?;
        let inserted = Entries::insert(to_row(&entry).into_active_model())
            .on_conflict(
                OnConflict::columns([Column::Customer, Column::Reference])
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(&txn)
            .await
            .map_err(|e| insert_error(e, &entry.id))?;
        let outcome = if inserted == 1 {
            AppendEntry::Inserted(entry)
        } else {
            let first = match &entry.reference {
                Some(reference) => by_reference(&txn, &entry.customer, reference)
                    .await
                    .map_err(wallet_error)?,
                None => None,
            };
            match first {
                Some(first) => AppendEntry::Duplicate(first),
                None => {
                    return Err(WalletError::unexpected(
                        "an append conflicted but the first entry is not there",
                    ));
                }
            }
        };
        txn.commit().await.map_err(wallet_error)?;
        Ok(outcome)
    }

    async fn debit(&self, d: &Debit) -> Result<DebitOutcome, WalletError> {
        let txn = self.write_txn().await.map_err(wallet_error)?;
        let outcome = debit_on(&txn, d).await?;
        txn.commit().await.map_err(wallet_error)?;
        Ok(outcome)
    }

    async fn entries(&self, customer: &CustomerId) -> Result<Vec<LedgerEntry>, WalletError> {
        ledger(self.db(), customer).await.map_err(wallet_error)
    }
}

/// The debit helper inside a caller's transaction, on both backends.
#[cfg(all(test, feature = "testing"))]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod on_sql {
    use super::*;
    use crate::testing::TestDb;
    use chrono::TimeZone;

    fn at(day: u32) -> Timestamp {
        chrono::Utc
            .with_ymd_and_hms(2026, 11, day, 0, 0, 0)
            .unwrap()
    }

    fn debit(amount: i64, reference: &str) -> Debit {
        Debit {
            customer: CustomerId::parse("acme").unwrap(),
            amount: Amount::new(Currency::USD, Decimal::new(amount, 2)),
            reference: reference.into(),
            at: at(2),
            allow_negative: false,
            description: String::new(),
        }
    }

    async fn debit_inside_a_transaction(db: &TestDb) {
        let acme = CustomerId::parse("acme").unwrap();
        let grant = LedgerEntry {
            id: tollgate_kernel::new_id("led"),
            customer: acme.clone(),
            currency: Currency::USD,
            kind: EntryKind::Grant,
            amount: Decimal::new(100, 2),
            created_at: at(1),
            expires_at: None,
            reference: None,
            description: String::new(),
        };
        WalletStore::append(&db.store, grant).await.unwrap();

        // Rolled back: nothing stays.
        let txn = db.store.write_txn().await.unwrap();
        let out = debit_on(&txn, &debit(40, "usage:a")).await.unwrap();
        assert_eq!(out.balance.amount, Decimal::new(60, 2));
        txn.rollback().await.unwrap();
        assert_eq!(db.store.entries(&acme).await.unwrap().len(), 1);

        // Committed, then repeated in the same transaction: one entry.
        let txn = db.store.write_txn().await.unwrap();
        let first = debit_on(&txn, &debit(40, "usage:a")).await.unwrap();
        let again = debit_on(&txn, &debit(40, "usage:a")).await.unwrap();
        assert!(!first.duplicate && again.duplicate);
        assert_eq!(again.entry, first.entry);
        let short = debit_on(&txn, &debit(61, "usage:b")).await;
        assert!(matches!(
            short,
            Err(WalletError::InsufficientCredits { .. })
        ));
        txn.commit().await.unwrap();
        assert_eq!(db.store.entries(&acme).await.unwrap().len(), 2);
    }
    crate::on_both_backends!(debit_on_helper, debit_inside_a_transaction);
}
