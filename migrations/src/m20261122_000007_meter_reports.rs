//! Soft-limit overage reported to the billing provider (Stripe meter events): one row per usage
//! event reported, so each is reported once.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum MeterReports {
    Table,
    EventId,
    Customer,
    Quantity,
    ReportedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(MeterReports::Table)
                    .col(
                        ColumnDef::new(MeterReports::EventId)
                            .string()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(MeterReports::Customer).string().not_null())
                    .col(
                        ColumnDef::new(MeterReports::Quantity)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(MeterReports::ReportedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .check(Expr::col(MeterReports::Quantity).gt(0))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(MeterReports::Table).to_owned())
            .await
    }
}
