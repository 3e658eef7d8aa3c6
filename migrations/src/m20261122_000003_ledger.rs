//! The ledgers and journals: usage events (append-only, unique per customer and idempotency
//! key), wallet entries with one lock row per customer, the audit journal, the webhook (billing
//! event) log, API keys and settings. (The `members` table belongs to the billing migration.)
//!
//! Exact decimals (costs, wallet amounts) are TEXT, never floating point; JSON is `jsonb` on
//! PostgreSQL (so properties can be compared and indexed) and JSON text on SQLite.
//!
//! `usage_events` is not partitioned by month on PostgreSQL yet: deduplication needs a global
//! unique index on `(customer, idempotency_key)`, and PostgreSQL only allows unique indexes on
//! a partitioned table when they include the partition key.
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum UsageEvents {
    Table,
    Id,
    Customer,
    Feature,
    Quantity,
    Delta,
    WindowKey,
    OccurredAt,
    RecordedAt,
    IdempotencyKey,
    Properties,
    Answer,
    Billable,
    CostAmount,
    CostCurrency,
}

#[derive(DeriveIden)]
enum WalletEntries {
    Table,
    Id,
    Customer,
    Currency,
    Kind,
    Amount,
    CreatedAt,
    ExpiresAt,
    Reference,
    Description,
}

/// One row per customer with a ledger: a debit writes it first, which serializes debits of one
/// customer across processes (the row lock on PostgreSQL, the write lock on SQLite).
#[derive(DeriveIden)]
enum WalletAccounts {
    Table,
    Customer,
    Version,
}

#[derive(DeriveIden)]
enum AuditEntries {
    Table,
    Id,
    Ts,
    Actor,
    Action,
    Entity,
    Before,
    After,
    CorrelationId,
}

#[derive(DeriveIden)]
enum BillingEvents {
    Table,
    /// Insertion order: the tie-break of "newest first".
    Seq,
    Provider,
    EventId,
    EventType,
    ReceivedAt,
    Status,
    Attempts,
    Error,
    ProcessedAt,
    /// Set while a worker holds the event (a lease, so a crashed worker's claim runs out).
    ClaimedUntil,
    Payload,
}

#[derive(DeriveIden)]
enum ApiKeys {
    Table,
    Id,
    Name,
    Role,
    Hash,
    Prefix,
    CreatedAt,
    RevokedAt,
}

#[derive(DeriveIden)]
enum Settings {
    Table,
    Name,
    Value,
    UpdatedAt,
}

fn instant<T: IntoIden>(name: T) -> ColumnDef {
    ColumnDef::new(name)
        .timestamp_with_time_zone()
        .not_null()
        .to_owned()
}

fn text<T: IntoIden>(name: T) -> ColumnDef {
    ColumnDef::new(name).string().not_null().to_owned()
}

/// An id column that sorts like Rust strings, byte by byte: the tie-break of every "in order"
/// read. SQLite compares bytes already; PostgreSQL would follow the database's locale.
fn ordered_id<T: IntoIden>(manager: &SchemaManager, name: T) -> ColumnDef {
    let mut col = text(name);
    if manager.get_database_backend() == DbBackend::Postgres {
        col.extra("COLLATE \"C\"");
    }
    col.primary_key().to_owned()
}

fn index(name: &str) -> IndexCreateStatement {
    Index::create().name(name).to_owned()
}

impl Migration {
    async fn usage_events(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(UsageEvents::Table)
                    .col(ordered_id(manager, UsageEvents::Id))
                    .col(text(UsageEvents::Customer))
                    .col(text(UsageEvents::Feature))
                    .col(
                        ColumnDef::new(UsageEvents::Quantity)
                            .big_integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(UsageEvents::Delta).big_integer().not_null())
                    .col(text(UsageEvents::WindowKey))
                    .col(instant(UsageEvents::OccurredAt))
                    .col(instant(UsageEvents::RecordedAt))
                    .col(text(UsageEvents::IdempotencyKey))
                    .col(
                        ColumnDef::new(UsageEvents::Properties)
                            .json_binary()
                            .not_null(),
                    )
                    .col(ColumnDef::new(UsageEvents::Answer).json_binary().not_null())
                    .col(ColumnDef::new(UsageEvents::Billable).boolean().not_null())
                    .col(ColumnDef::new(UsageEvents::CostAmount).text())
                    .col(ColumnDef::new(UsageEvents::CostCurrency).string())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index("ux_usage_events_key")
                    .table(UsageEvents::Table)
                    .col(UsageEvents::Customer)
                    .col(UsageEvents::IdempotencyKey)
                    .unique()
                    .to_owned(),
            )
            .await?;
        // Window totals and reconciliation: sum(delta) per (customer, feature, window).
        manager
            .create_index(
                index("idx_usage_events_window")
                    .table(UsageEvents::Table)
                    .col(UsageEvents::Customer)
                    .col(UsageEvents::Feature)
                    .col(UsageEvents::WindowKey)
                    .to_owned(),
            )
            .await?;
        // Listing one customer's events in log order, and everyone's.
        manager
            .create_index(
                index("idx_usage_events_customer_time")
                    .table(UsageEvents::Table)
                    .col(UsageEvents::Customer)
                    .col(UsageEvents::OccurredAt)
                    .col(UsageEvents::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index("idx_usage_events_time")
                    .table(UsageEvents::Table)
                    .col(UsageEvents::OccurredAt)
                    .col(UsageEvents::Id)
                    .to_owned(),
            )
            .await
    }

    async fn wallet(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(WalletAccounts::Table)
                    .col(text(WalletAccounts::Customer).primary_key())
                    .col(
                        ColumnDef::new(WalletAccounts::Version)
                            .big_integer()
                            .not_null()
                            .default(0),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(WalletEntries::Table)
                    .col(ordered_id(manager, WalletEntries::Id))
                    .col(text(WalletEntries::Customer))
                    .col(text(WalletEntries::Currency))
                    .col(text(WalletEntries::Kind))
                    .col(ColumnDef::new(WalletEntries::Amount).text().not_null())
                    .col(instant(WalletEntries::CreatedAt))
                    .col(ColumnDef::new(WalletEntries::ExpiresAt).timestamp_with_time_zone())
                    .col(ColumnDef::new(WalletEntries::Reference).string())
                    .col(ColumnDef::new(WalletEntries::Description).text().not_null())
                    .to_owned(),
            )
            .await?;
        // Idempotency: a reference names one entry per customer (NULLs never collide).
        manager
            .create_index(
                index("ux_wallet_entries_reference")
                    .table(WalletEntries::Table)
                    .col(WalletEntries::Customer)
                    .col(WalletEntries::Reference)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index("idx_wallet_entries_ledger")
                    .table(WalletEntries::Table)
                    .col(WalletEntries::Customer)
                    .col(WalletEntries::CreatedAt)
                    .col(WalletEntries::Id)
                    .to_owned(),
            )
            .await
    }

    async fn audit(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AuditEntries::Table)
                    .col(ordered_id(manager, AuditEntries::Id))
                    .col(instant(AuditEntries::Ts))
                    .col(text(AuditEntries::Actor))
                    .col(text(AuditEntries::Action))
                    .col(text(AuditEntries::Entity))
                    .col(ColumnDef::new(AuditEntries::Before).json_binary())
                    .col(ColumnDef::new(AuditEntries::After).json_binary())
                    .col(ColumnDef::new(AuditEntries::CorrelationId).string())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index("idx_audit_entries_entity")
                    .table(AuditEntries::Table)
                    .col(AuditEntries::Entity)
                    .col(AuditEntries::Ts)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index("idx_audit_entries_ts")
                    .table(AuditEntries::Table)
                    .col(AuditEntries::Ts)
                    .to_owned(),
            )
            .await
    }

    async fn billing_events(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(BillingEvents::Table)
                    .col(
                        ColumnDef::new(BillingEvents::Seq)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(text(BillingEvents::Provider))
                    .col(text(BillingEvents::EventId))
                    .col(text(BillingEvents::EventType))
                    .col(instant(BillingEvents::ReceivedAt))
                    .col(text(BillingEvents::Status))
                    .col(
                        ColumnDef::new(BillingEvents::Attempts)
                            .integer()
                            .not_null()
                            .default(0),
                    )
                    .col(ColumnDef::new(BillingEvents::Error).text())
                    .col(ColumnDef::new(BillingEvents::ProcessedAt).timestamp_with_time_zone())
                    .col(ColumnDef::new(BillingEvents::ClaimedUntil).timestamp_with_time_zone())
                    .col(
                        ColumnDef::new(BillingEvents::Payload)
                            .json_binary()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index("ux_billing_events_event")
                    .table(BillingEvents::Table)
                    .col(BillingEvents::Provider)
                    .col(BillingEvents::EventId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index("idx_billing_events_received")
                    .table(BillingEvents::Table)
                    .col(BillingEvents::ReceivedAt)
                    .to_owned(),
            )
            .await
    }

    async fn access(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ApiKeys::Table)
                    .col(ordered_id(manager, ApiKeys::Id))
                    .col(text(ApiKeys::Name))
                    .col(text(ApiKeys::Role))
                    .col(text(ApiKeys::Hash))
                    .col(text(ApiKeys::Prefix))
                    .col(instant(ApiKeys::CreatedAt))
                    .col(ColumnDef::new(ApiKeys::RevokedAt).timestamp_with_time_zone())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index("ux_api_keys_hash")
                    .table(ApiKeys::Table)
                    .col(ApiKeys::Hash)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Settings::Table)
                    .col(text(Settings::Name).primary_key())
                    .col(ColumnDef::new(Settings::Value).json_binary().not_null())
                    .col(instant(Settings::UpdatedAt))
                    .to_owned(),
            )
            .await
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        Self::usage_events(manager).await?;
        Self::wallet(manager).await?;
        Self::audit(manager).await?;
        Self::billing_events(manager).await?;
        Self::access(manager).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Settings::Table.into_iden(),
            ApiKeys::Table.into_iden(),
            BillingEvents::Table.into_iden(),
            AuditEntries::Table.into_iden(),
            WalletEntries::Table.into_iden(),
            WalletAccounts::Table.into_iden(),
            UsageEvents::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
