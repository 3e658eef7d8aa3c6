//! Billing: customers and their members, one subscription per customer (saved with optimistic
//! concurrency on `version`), and the customers' invoices.
use crate::m20261122_000001_catalog::ordered_text;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Customers {
    Table,
    Id,
    Name,
    Email,
    Currency,
    Status,
    ProviderCustomerId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Members {
    Table,
    Customer,
    UserId,
    Role,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Subscriptions {
    Table,
    Customer,
    Plan,
    Interval,
    Currency,
    Status,
    CurrentPeriodStart,
    CurrentPeriodEnd,
    TrialEnd,
    CancelAtPeriodEnd,
    CanceledAt,
    /// The scheduled change: all three set, or none.
    ScheduledPlan,
    ScheduledInterval,
    ScheduledAt,
    GraceEndsAt,
    ProviderCustomerId,
    ProviderSubscriptionId,
    CreatedAt,
    UpdatedAt,
    Version,
    ProviderUpdatedAt,
    /// The earliest pending job's instant (derived on save); NULL when nothing is scheduled.
    NextDueAt,
}

#[derive(DeriveIden)]
enum Invoices {
    Table,
    Id,
    Customer,
    Number,
    Status,
    Currency,
    AmountDue,
    AmountPaid,
    /// The invoiced period: both set, or none.
    PeriodStart,
    PeriodEnd,
    Lines,
    HostedUrl,
    ProviderInvoiceId,
    CreatedAt,
}

fn timestamp(name: impl IntoIden) -> ColumnDef {
    ColumnDef::new(name).timestamp_with_time_zone().to_owned()
}

async fn customers_and_members(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table(Customers::Table)
                .col(ordered_text(manager, Customers::Id).primary_key())
                .col(ColumnDef::new(Customers::Name).string().not_null())
                .col(ColumnDef::new(Customers::Email).string())
                .col(ColumnDef::new(Customers::Currency).string().not_null())
                .col(ColumnDef::new(Customers::Status).string().not_null())
                .col(ColumnDef::new(Customers::ProviderCustomerId).string())
                .col(timestamp(Customers::CreatedAt).not_null())
                .to_owned(),
        )
        .await?;
    manager
        .create_index(
            Index::create()
                .name("idx_customers_provider_id")
                .table(Customers::Table)
                .col(Customers::ProviderCustomerId)
                .to_owned(),
        )
        .await?;
    manager
        .create_table(
            Table::create()
                .table(Members::Table)
                .col(ColumnDef::new(Members::Customer).string().not_null())
                .col(ColumnDef::new(Members::UserId).string().not_null())
                .col(ColumnDef::new(Members::Role).string().not_null())
                .col(timestamp(Members::CreatedAt).not_null())
                .primary_key(Index::create().col(Members::Customer).col(Members::UserId))
                .to_owned(),
        )
        .await?;
    manager
        .create_index(
            Index::create()
                .name("idx_members_user")
                .table(Members::Table)
                .col(Members::UserId)
                .to_owned(),
        )
        .await
}

async fn subscriptions(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table(Subscriptions::Table)
                .col(ordered_text(manager, Subscriptions::Customer).primary_key())
                .col(ColumnDef::new(Subscriptions::Plan).string().not_null())
                .col(ColumnDef::new(Subscriptions::Interval).string().not_null())
                .col(ColumnDef::new(Subscriptions::Currency).string().not_null())
                .col(ColumnDef::new(Subscriptions::Status).string().not_null())
                .col(timestamp(Subscriptions::CurrentPeriodStart).not_null())
                .col(timestamp(Subscriptions::CurrentPeriodEnd).not_null())
                .col(timestamp(Subscriptions::TrialEnd))
                .col(
                    ColumnDef::new(Subscriptions::CancelAtPeriodEnd)
                        .boolean()
                        .not_null(),
                )
                .col(timestamp(Subscriptions::CanceledAt))
                .col(ColumnDef::new(Subscriptions::ScheduledPlan).string())
                .col(ColumnDef::new(Subscriptions::ScheduledInterval).string())
                .col(timestamp(Subscriptions::ScheduledAt))
                .col(timestamp(Subscriptions::GraceEndsAt))
                .col(ColumnDef::new(Subscriptions::ProviderCustomerId).string())
                .col(ColumnDef::new(Subscriptions::ProviderSubscriptionId).string())
                .col(timestamp(Subscriptions::CreatedAt).not_null())
                .col(timestamp(Subscriptions::UpdatedAt).not_null())
                .col(
                    ColumnDef::new(Subscriptions::Version)
                        .big_integer()
                        .not_null(),
                )
                .col(timestamp(Subscriptions::ProviderUpdatedAt))
                .col(timestamp(Subscriptions::NextDueAt))
                .to_owned(),
        )
        .await?;
    manager
        .create_index(
            Index::create()
                .name("idx_subscriptions_due")
                .table(Subscriptions::Table)
                .col(Subscriptions::NextDueAt)
                .col(Subscriptions::Customer)
                .to_owned(),
        )
        .await?;
    manager
        .create_index(
            Index::create()
                .name("idx_subscriptions_provider_id")
                .table(Subscriptions::Table)
                .col(Subscriptions::ProviderSubscriptionId)
                .to_owned(),
        )
        .await
}

async fn invoices(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table(Invoices::Table)
                .col(ordered_text(manager, Invoices::Id).primary_key())
                .col(ColumnDef::new(Invoices::Customer).string().not_null())
                .col(ColumnDef::new(Invoices::Number).string())
                .col(ColumnDef::new(Invoices::Status).string().not_null())
                .col(ColumnDef::new(Invoices::Currency).string().not_null())
                .col(ColumnDef::new(Invoices::AmountDue).big_integer().not_null())
                .col(
                    ColumnDef::new(Invoices::AmountPaid)
                        .big_integer()
                        .not_null(),
                )
                .col(timestamp(Invoices::PeriodStart))
                .col(timestamp(Invoices::PeriodEnd))
                .col(ColumnDef::new(Invoices::Lines).json_binary().not_null())
                .col(ColumnDef::new(Invoices::HostedUrl).text())
                .col(ColumnDef::new(Invoices::ProviderInvoiceId).string())
                .col(timestamp(Invoices::CreatedAt).not_null())
                .to_owned(),
        )
        .await?;
    manager
        .create_index(
            Index::create()
                .name("idx_invoices_customer")
                .table(Invoices::Table)
                .col(Invoices::Customer)
                .col(Invoices::CreatedAt)
                .col(Invoices::Id)
                .to_owned(),
        )
        .await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        customers_and_members(manager).await?;
        subscriptions(manager).await?;
        invoices(manager).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Invoices::Table.into_iden(),
            Subscriptions::Table.into_iden(),
            Members::Table.into_iden(),
            Customers::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
