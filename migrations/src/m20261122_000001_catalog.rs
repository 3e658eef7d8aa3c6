//! The plan catalog: features, plans with their prices, entitlements and wallet grants, add-on
//! packs with their prices and limits, per-customer overrides and add-on selections, and the
//! operator's AI token prices.
//!
//! `position` columns keep the order entries were given in (a plan's prices, the catalog's
//! features); exact decimals are TEXT in their string form; small nested values that are never
//! queried on (`warn_at`, a config value) are JSON.
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// A non-null text column that sorts byte by byte on both backends: SQLite compares text with
/// `BINARY` anyway; on PostgreSQL the column gets the `C` collation so that `ORDER BY` does not
/// depend on the server's locale (`"GPT" < "gpt"` everywhere, as in Rust).
pub(crate) fn ordered_text<T: IntoIden>(manager: &SchemaManager, name: T) -> ColumnDef {
    let mut column = ColumnDef::new(name);
    column.string().not_null();
    if manager.get_database_backend() == DbBackend::Postgres {
        column.extra("COLLATE \"C\"");
    }
    column
}

#[derive(DeriveIden)]
enum Features {
    Table,
    Code,
    Position,
    Name,
    Kind,
    Unit,
    Description,
}

#[derive(DeriveIden)]
enum Plans {
    Table,
    Code,
    Position,
    Name,
    Description,
    Priority,
    TrialDays,
    Active,
    Public,
    Custom,
}

#[derive(DeriveIden)]
enum PlanPrices {
    Table,
    Plan,
    Position,
    Currency,
    Interval,
    AmountMinor,
    StripePriceId,
}

#[derive(DeriveIden)]
enum PlanEntitlements {
    Table,
    Plan,
    Position,
    Feature,
    /// `limit`, `enabled` or `config`: which of the three value columns holds the grant.
    ValueKind,
    /// With `limit`: the limit, NULL for unlimited.
    LimitValue,
    Enabled,
    ConfigValue,
    Window,
    Enforcement,
    OverageCurrency,
    OverageUnitAmount,
    WarnAt,
    PayWith,
}

#[derive(DeriveIden)]
enum PlanWalletGrants {
    Table,
    Plan,
    Position,
    AmountMinor,
    Currency,
    GrantOn,
    ExpiresAfterDays,
}

#[derive(DeriveIden)]
enum Addons {
    Table,
    Code,
    Position,
    Name,
    Description,
}

#[derive(DeriveIden)]
enum AddonPrices {
    Table,
    Addon,
    Position,
    Currency,
    Interval,
    AmountMinor,
    StripePriceId,
}

#[derive(DeriveIden)]
enum AddonLimits {
    Table,
    Addon,
    Position,
    Feature,
    Amount,
}

/// One row per overridden feature of a customer.
#[derive(DeriveIden)]
enum CustomerOverrides {
    Table,
    Customer,
    Position,
    Feature,
    /// Whether `limit` is overridden at all (`limit_value` NULL then means unlimited).
    LimitSet,
    LimitValue,
    Enabled,
    /// Whether `value` is overridden at all (`config_value` may hold JSON `null`).
    ValueSet,
    ConfigValue,
    Enforcement,
}

/// The add-on packs a customer bought.
#[derive(DeriveIden)]
enum CustomerAddons {
    Table,
    Customer,
    Position,
    Addon,
    Quantity,
}

#[derive(DeriveIden)]
enum TokenPrices {
    Table,
    Provider,
    Model,
    Currency,
    InputPerMillion,
    OutputPerMillion,
}

/// A child table's link to its parent, deleted with it.
fn parent(
    name: &str,
    from: (impl IntoIden, impl IntoIden),
    to: (impl IntoIden, impl IntoIden),
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(from.0, from.1)
        .to(to.0, to.1)
        .on_delete(ForeignKeyAction::Cascade)
        .on_update(ForeignKeyAction::Cascade)
        .to_owned()
}

async fn features_and_plans(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table(Features::Table)
                .col(
                    ColumnDef::new(Features::Code)
                        .string()
                        .not_null()
                        .primary_key(),
                )
                .col(ColumnDef::new(Features::Position).big_integer().not_null())
                .col(ColumnDef::new(Features::Name).string().not_null())
                .col(ColumnDef::new(Features::Kind).string().not_null())
                .col(ColumnDef::new(Features::Unit).string())
                .col(ColumnDef::new(Features::Description).text())
                .to_owned(),
        )
        .await?;
    manager
        .create_table(
            Table::create()
                .table(Plans::Table)
                .col(
                    ColumnDef::new(Plans::Code)
                        .string()
                        .not_null()
                        .primary_key(),
                )
                .col(ColumnDef::new(Plans::Position).big_integer().not_null())
                .col(ColumnDef::new(Plans::Name).string().not_null())
                .col(ColumnDef::new(Plans::Description).text().not_null())
                .col(ColumnDef::new(Plans::Priority).integer().not_null())
                .col(ColumnDef::new(Plans::TrialDays).big_integer().not_null())
                .col(ColumnDef::new(Plans::Active).boolean().not_null())
                .col(ColumnDef::new(Plans::Public).boolean().not_null())
                .col(ColumnDef::new(Plans::Custom).boolean().not_null())
                .to_owned(),
        )
        .await?;
    manager
        .create_index(
            Index::create()
                .name("idx_plans_priority")
                .table(Plans::Table)
                .col(Plans::Priority)
                .col(Plans::Position)
                .to_owned(),
        )
        .await?;
    manager
        .create_table(
            Table::create()
                .table(PlanPrices::Table)
                .col(ColumnDef::new(PlanPrices::Plan).string().not_null())
                .col(ColumnDef::new(PlanPrices::Position).integer().not_null())
                .col(ColumnDef::new(PlanPrices::Currency).string().not_null())
                .col(ColumnDef::new(PlanPrices::Interval).string().not_null())
                .col(
                    ColumnDef::new(PlanPrices::AmountMinor)
                        .big_integer()
                        .not_null(),
                )
                .col(ColumnDef::new(PlanPrices::StripePriceId).string())
                .primary_key(
                    Index::create()
                        .col(PlanPrices::Plan)
                        .col(PlanPrices::Position),
                )
                .foreign_key(&mut parent(
                    "fk_plan_prices_plan",
                    (PlanPrices::Table, PlanPrices::Plan),
                    (Plans::Table, Plans::Code),
                ))
                .to_owned(),
        )
        .await?;
    manager
        .create_table(
            Table::create()
                .table(PlanEntitlements::Table)
                .col(ColumnDef::new(PlanEntitlements::Plan).string().not_null())
                .col(
                    ColumnDef::new(PlanEntitlements::Position)
                        .integer()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(PlanEntitlements::Feature)
                        .string()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(PlanEntitlements::ValueKind)
                        .string()
                        .not_null(),
                )
                .col(ColumnDef::new(PlanEntitlements::LimitValue).big_integer())
                .col(ColumnDef::new(PlanEntitlements::Enabled).boolean())
                .col(ColumnDef::new(PlanEntitlements::ConfigValue).json_binary())
                .col(ColumnDef::new(PlanEntitlements::Window).string())
                .col(
                    ColumnDef::new(PlanEntitlements::Enforcement)
                        .string()
                        .not_null(),
                )
                .col(ColumnDef::new(PlanEntitlements::OverageCurrency).string())
                .col(ColumnDef::new(PlanEntitlements::OverageUnitAmount).text())
                .col(
                    ColumnDef::new(PlanEntitlements::WarnAt)
                        .json_binary()
                        .not_null(),
                )
                .col(ColumnDef::new(PlanEntitlements::PayWith).string())
                .primary_key(
                    Index::create()
                        .col(PlanEntitlements::Plan)
                        .col(PlanEntitlements::Position),
                )
                .foreign_key(&mut parent(
                    "fk_plan_entitlements_plan",
                    (PlanEntitlements::Table, PlanEntitlements::Plan),
                    (Plans::Table, Plans::Code),
                ))
                .to_owned(),
        )
        .await?;
    manager
        .create_index(
            Index::create()
                .name("idx_plan_entitlements_feature")
                .table(PlanEntitlements::Table)
                .col(PlanEntitlements::Feature)
                .to_owned(),
        )
        .await?;
    manager
        .create_table(
            Table::create()
                .table(PlanWalletGrants::Table)
                .col(ColumnDef::new(PlanWalletGrants::Plan).string().not_null())
                .col(
                    ColumnDef::new(PlanWalletGrants::Position)
                        .integer()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(PlanWalletGrants::AmountMinor)
                        .big_integer()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(PlanWalletGrants::Currency)
                        .string()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(PlanWalletGrants::GrantOn)
                        .string()
                        .not_null(),
                )
                .col(ColumnDef::new(PlanWalletGrants::ExpiresAfterDays).big_integer())
                .primary_key(
                    Index::create()
                        .col(PlanWalletGrants::Plan)
                        .col(PlanWalletGrants::Position),
                )
                .foreign_key(&mut parent(
                    "fk_plan_wallet_grants_plan",
                    (PlanWalletGrants::Table, PlanWalletGrants::Plan),
                    (Plans::Table, Plans::Code),
                ))
                .to_owned(),
        )
        .await
}

async fn addons(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table(Addons::Table)
                .col(
                    ColumnDef::new(Addons::Code)
                        .string()
                        .not_null()
                        .primary_key(),
                )
                .col(ColumnDef::new(Addons::Position).big_integer().not_null())
                .col(ColumnDef::new(Addons::Name).string().not_null())
                .col(ColumnDef::new(Addons::Description).text().not_null())
                .to_owned(),
        )
        .await?;
    manager
        .create_table(
            Table::create()
                .table(AddonPrices::Table)
                .col(ColumnDef::new(AddonPrices::Addon).string().not_null())
                .col(ColumnDef::new(AddonPrices::Position).integer().not_null())
                .col(ColumnDef::new(AddonPrices::Currency).string().not_null())
                .col(ColumnDef::new(AddonPrices::Interval).string().not_null())
                .col(
                    ColumnDef::new(AddonPrices::AmountMinor)
                        .big_integer()
                        .not_null(),
                )
                .col(ColumnDef::new(AddonPrices::StripePriceId).string())
                .primary_key(
                    Index::create()
                        .col(AddonPrices::Addon)
                        .col(AddonPrices::Position),
                )
                .foreign_key(&mut parent(
                    "fk_addon_prices_addon",
                    (AddonPrices::Table, AddonPrices::Addon),
                    (Addons::Table, Addons::Code),
                ))
                .to_owned(),
        )
        .await?;
    manager
        .create_table(
            Table::create()
                .table(AddonLimits::Table)
                .col(ColumnDef::new(AddonLimits::Addon).string().not_null())
                .col(ColumnDef::new(AddonLimits::Position).integer().not_null())
                .col(ColumnDef::new(AddonLimits::Feature).string().not_null())
                .col(ColumnDef::new(AddonLimits::Amount).big_integer().not_null())
                .primary_key(
                    Index::create()
                        .col(AddonLimits::Addon)
                        .col(AddonLimits::Position),
                )
                .foreign_key(&mut parent(
                    "fk_addon_limits_addon",
                    (AddonLimits::Table, AddonLimits::Addon),
                    (Addons::Table, Addons::Code),
                ))
                .to_owned(),
        )
        .await
}

async fn customer_overrides(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table(CustomerOverrides::Table)
                .col(
                    ColumnDef::new(CustomerOverrides::Customer)
                        .string()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(CustomerOverrides::Position)
                        .integer()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(CustomerOverrides::Feature)
                        .string()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(CustomerOverrides::LimitSet)
                        .boolean()
                        .not_null(),
                )
                .col(ColumnDef::new(CustomerOverrides::LimitValue).big_integer())
                .col(ColumnDef::new(CustomerOverrides::Enabled).boolean())
                .col(
                    ColumnDef::new(CustomerOverrides::ValueSet)
                        .boolean()
                        .not_null(),
                )
                .col(ColumnDef::new(CustomerOverrides::ConfigValue).json_binary())
                .col(ColumnDef::new(CustomerOverrides::Enforcement).string())
                .primary_key(
                    Index::create()
                        .col(CustomerOverrides::Customer)
                        .col(CustomerOverrides::Position),
                )
                .to_owned(),
        )
        .await?;
    manager
        .create_table(
            Table::create()
                .table(CustomerAddons::Table)
                .col(ColumnDef::new(CustomerAddons::Customer).string().not_null())
                .col(
                    ColumnDef::new(CustomerAddons::Position)
                        .integer()
                        .not_null(),
                )
                .col(ColumnDef::new(CustomerAddons::Addon).string().not_null())
                .col(
                    ColumnDef::new(CustomerAddons::Quantity)
                        .big_integer()
                        .not_null(),
                )
                .primary_key(
                    Index::create()
                        .col(CustomerAddons::Customer)
                        .col(CustomerAddons::Position),
                )
                .to_owned(),
        )
        .await?;
    manager
        .create_index(
            Index::create()
                .name("idx_customer_addons_addon")
                .table(CustomerAddons::Table)
                .col(CustomerAddons::Addon)
                .to_owned(),
        )
        .await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        features_and_plans(manager).await?;
        addons(manager).await?;
        customer_overrides(manager).await?;
        manager
            .create_table(
                Table::create()
                    .table(TokenPrices::Table)
                    .col(ordered_text(manager, TokenPrices::Provider))
                    .col(ordered_text(manager, TokenPrices::Model))
                    .col(ColumnDef::new(TokenPrices::Currency).string().not_null())
                    .col(
                        ColumnDef::new(TokenPrices::InputPerMillion)
                            .text()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(TokenPrices::OutputPerMillion)
                            .text()
                            .not_null(),
                    )
                    .primary_key(
                        Index::create()
                            .col(TokenPrices::Provider)
                            .col(TokenPrices::Model),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            TokenPrices::Table.into_iden(),
            CustomerAddons::Table.into_iden(),
            CustomerOverrides::Table.into_iden(),
            AddonLimits::Table.into_iden(),
            AddonPrices::Table.into_iden(),
            Addons::Table.into_iden(),
            PlanWalletGrants::Table.into_iden(),
            PlanEntitlements::Table.into_iden(),
            PlanPrices::Table.into_iden(),
            Plans::Table.into_iden(),
            Features::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
