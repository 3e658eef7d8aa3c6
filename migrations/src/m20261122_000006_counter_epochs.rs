//! The authority over each customer's quota counters: which store holds them (`external`, the
//! Redis hot path, or `store`, the SQL `counters` table) and under which epoch.
//!
//! Usage commits fenced on an epoch read their customers' rows (`FOR SHARE` on PostgreSQL)
//! inside their transaction; moving the authority updates the row, so it waits for them and
//! every later commit sees the new epoch. The customer column sorts byte by byte on PostgreSQL
//! (`COLLATE "C"`), as the counters do, so rows are read in the order Rust sorts them.
use sea_orm_migration::prelude::*;

use crate::m20261122_000001_catalog::ordered_text;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum CounterEpochs {
    Table,
    Customer,
    /// `external` or `store`.
    Home,
    Epoch,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(CounterEpochs::Table)
                    .col(ordered_text(manager, CounterEpochs::Customer).primary_key())
                    .col(ColumnDef::new(CounterEpochs::Home).string().not_null())
                    .col(
                        ColumnDef::new(CounterEpochs::Epoch)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(CounterEpochs::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .check(Expr::col(CounterEpochs::Home).is_in(["external", "store"]))
                    .check(Expr::col(CounterEpochs::Epoch).gte(1))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(CounterEpochs::Table).to_owned())
            .await
    }
}
