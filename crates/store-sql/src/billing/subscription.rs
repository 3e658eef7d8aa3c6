//! The `subscriptions` table: one row per customer. `next_due_at` is derived from the
//! subscription on every save ([`Subscription::next_due_at`]) so that `due_before` is an index
//! range scan.

use crate::catalog::codec::{at_rest, corrupt, currency, from_word};
use crate::error::DbFailure;
use tollgate_billing::{ScheduledChange, Subscription};
use tollgate_kernel::{CustomerId, Period, PlanCode};

pub(super) mod entity {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "subscriptions")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub customer: String,
        pub plan: String,
        pub interval: String,
        pub currency: String,
        pub status: String,
        pub current_period_start: DateTimeUtc,
        pub current_period_end: DateTimeUtc,
        pub trial_end: Option<DateTimeUtc>,
        pub cancel_at_period_end: bool,
        pub canceled_at: Option<DateTimeUtc>,
        pub scheduled_plan: Option<String>,
        pub scheduled_interval: Option<String>,
        pub scheduled_at: Option<DateTimeUtc>,
        pub grace_ends_at: Option<DateTimeUtc>,
        pub provider_customer_id: Option<String>,
        pub provider_subscription_id: Option<String>,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
        pub version: i64,
        pub provider_updated_at: Option<DateTimeUtc>,
        pub next_due_at: Option<DateTimeUtc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub(super) fn to_row(s: &Subscription) -> entity::Model {
    let change = s.scheduled_change.as_ref();
    entity::Model {
        customer: s.customer.as_str().to_owned(),
        plan: s.plan.as_str().to_owned(),
        interval: s.interval.as_str().to_owned(),
        currency: s.currency.code().to_owned(),
        status: s.status.as_str().to_owned(),
        current_period_start: at_rest(s.current_period.start),
        current_period_end: at_rest(s.current_period.end),
        trial_end: s.trial_end.map(at_rest),
        cancel_at_period_end: s.cancel_at_period_end,
        canceled_at: s.canceled_at.map(at_rest),
        scheduled_plan: change.map(|c| c.plan.as_str().to_owned()),
        scheduled_interval: change.map(|c| c.interval.as_str().to_owned()),
        scheduled_at: change.map(|c| at_rest(c.at)),
        grace_ends_at: s.grace_ends_at.map(at_rest),
        provider_customer_id: s.provider_customer_id.clone(),
        provider_subscription_id: s.provider_subscription_id.clone(),
        created_at: at_rest(s.created_at),
        updated_at: at_rest(s.updated_at),
        version: s.version,
        provider_updated_at: s.provider_updated_at.map(at_rest),
        next_due_at: s.next_due_at().map(at_rest),
    }
}

pub(super) fn from_row(row: entity::Model) -> Result<Subscription, DbFailure> {
    let scheduled_change = match (row.scheduled_plan, row.scheduled_interval, row.scheduled_at) {
        (Some(plan), Some(interval), Some(at)) => Some(ScheduledChange {
            plan: PlanCode::parse(plan).map_err(|_| corrupt("subscriptions.scheduled_plan"))?,
            interval: from_word("subscriptions.scheduled_interval", &interval)?,
            at,
        }),
        (None, None, None) => None,
        _ => return Err(corrupt("subscriptions.scheduled_change")),
    };
    Ok(Subscription {
        customer: CustomerId::parse(row.customer).map_err(|_| corrupt("subscriptions.customer"))?,
        plan: PlanCode::parse(row.plan).map_err(|_| corrupt("subscriptions.plan"))?,
        interval: from_word("subscriptions.interval", &row.interval)?,
        currency: currency("subscriptions.currency", &row.currency)?,
        status: from_word("subscriptions.status", &row.status)?,
        current_period: Period::new(row.current_period_start, row.current_period_end)
            .map_err(|_| corrupt("subscriptions.current_period"))?,
        trial_end: row.trial_end,
        cancel_at_period_end: row.cancel_at_period_end,
        canceled_at: row.canceled_at,
        scheduled_change,
        grace_ends_at: row.grace_ends_at,
        provider_customer_id: row.provider_customer_id,
        provider_subscription_id: row.provider_subscription_id,
        created_at: row.created_at,
        updated_at: row.updated_at,
        version: row.version,
        provider_updated_at: row.provider_updated_at,
    })
}
