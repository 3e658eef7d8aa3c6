//! HTTP idempotency records: the first answer to a mutating request, by the caller's
//! `Idempotency-Key` (scoped by the caller to its principal), kept at least 7 days.
//!
//! A row is inserted when a request reserves its key (`status` and `body` NULL) and completed
//! with the answer when it finishes. `created_at` is the reservation instant: stale
//! reservations are taken over from it and purges delete by it (hence its index).
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum IdempotencyKeys {
    Table,
    Key,
    /// The hash of the request body, compared by the caller to detect key reuse (409).
    RequestHash,
    /// The answer's HTTP status; NULL while the request runs.
    Status,
    /// The answer's body; NULL while the request runs.
    Body,
    CreatedAt,
    FinishedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(IdempotencyKeys::Table)
                    .col(
                        ColumnDef::new(IdempotencyKeys::Key)
                            .string()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(IdempotencyKeys::RequestHash)
                            .string()
                            .not_null(),
                    )
                    .col(ColumnDef::new(IdempotencyKeys::Status).integer())
                    .col(ColumnDef::new(IdempotencyKeys::Body).text())
                    .col(
                        ColumnDef::new(IdempotencyKeys::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(ColumnDef::new(IdempotencyKeys::FinishedAt).timestamp_with_time_zone())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_idempotency_keys_created")
                    .table(IdempotencyKeys::Table)
                    .col(IdempotencyKeys::CreatedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(IdempotencyKeys::Table).to_owned())
            .await
    }
}
