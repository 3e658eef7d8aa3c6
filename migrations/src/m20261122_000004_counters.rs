//! Quota counters (one row per customer, feature and window) and concurrency leases.
//!
//! The counter key columns sort byte by byte on PostgreSQL too (`COLLATE "C"`), so the order
//! in which a batch locks counters is the same in Rust and in the database: one total lock
//! order for every writer.
use sea_orm_migration::prelude::*;

use crate::m20261122_000001_catalog::ordered_text;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Counters {
    Table,
    Customer,
    Feature,
    WindowKey,
    Used,
    ResetsAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Leases {
    Table,
    Id,
    Customer,
    Feature,
    AcquiredAt,
    ExpiresAt,
}

/// One row per `(customer, feature)` that holds leases: the row lock that serializes acquirers.
#[derive(DeriveIden)]
enum LeaseSlots {
    Table,
    Customer,
    Feature,
    Version,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Counters::Table)
                    .col(ordered_text(manager, Counters::Customer))
                    .col(ordered_text(manager, Counters::Feature))
                    .col(ordered_text(manager, Counters::WindowKey))
                    .col(
                        ColumnDef::new(Counters::Used)
                            .big_integer()
                            .not_null()
                            .default(0),
                    )
                    .col(ColumnDef::new(Counters::ResetsAt).timestamp_with_time_zone())
                    .col(
                        ColumnDef::new(Counters::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .primary_key(
                        Index::create()
                            .col(Counters::Customer)
                            .col(Counters::Feature)
                            .col(Counters::WindowKey),
                    )
                    .check(Expr::col(Counters::Used).gte(0))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(LeaseSlots::Table)
                    .col(ColumnDef::new(LeaseSlots::Customer).string().not_null())
                    .col(ColumnDef::new(LeaseSlots::Feature).string().not_null())
                    .col(
                        ColumnDef::new(LeaseSlots::Version)
                            .big_integer()
                            .not_null()
                            .default(0),
                    )
                    .primary_key(
                        Index::create()
                            .col(LeaseSlots::Customer)
                            .col(LeaseSlots::Feature),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Leases::Table)
                    .col(ColumnDef::new(Leases::Customer).string().not_null())
                    .col(ColumnDef::new(Leases::Feature).string().not_null())
                    .col(ColumnDef::new(Leases::Id).string().not_null())
                    .col(
                        ColumnDef::new(Leases::AcquiredAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Leases::ExpiresAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .primary_key(
                        Index::create()
                            .col(Leases::Customer)
                            .col(Leases::Feature)
                            .col(Leases::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_leases_holder")
                    .table(Leases::Table)
                    .col(Leases::Customer)
                    .col(Leases::Feature)
                    .col(Leases::ExpiresAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Leases::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(LeaseSlots::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Counters::Table).to_owned())
            .await
    }
}
