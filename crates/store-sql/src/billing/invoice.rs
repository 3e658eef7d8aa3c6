//! The `invoices` table; the lines are a JSON column (never queried on).

use crate::catalog::codec::{at_rest, corrupt, currency, from_json, from_word, json, word};
use crate::error::DbFailure;
use tollgate_billing::Invoice;
use tollgate_kernel::{CustomerId, Period};

pub(super) mod entity {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "invoices")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        pub customer: String,
        pub number: Option<String>,
        pub status: String,
        pub currency: String,
        pub amount_due: i64,
        pub amount_paid: i64,
        pub period_start: Option<DateTimeUtc>,
        pub period_end: Option<DateTimeUtc>,
        #[sea_orm(column_type = "JsonBinary")]
        pub lines: Json,
        #[sea_orm(column_type = "Text", nullable)]
        pub hosted_url: Option<String>,
        pub provider_invoice_id: Option<String>,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub(super) fn to_row(i: &Invoice) -> Result<entity::Model, DbFailure> {
    Ok(entity::Model {
        id: i.id.clone(),
        customer: i.customer.as_str().to_owned(),
        number: i.number.clone(),
        status: word("invoices.status", &i.status)?,
        currency: i.currency.code().to_owned(),
        amount_due: i.amount_due,
        amount_paid: i.amount_paid,
        period_start: i.period.map(|p| at_rest(p.start)),
        period_end: i.period.map(|p| at_rest(p.end)),
        lines: json("invoices.lines", &i.lines)?,
        hosted_url: i.hosted_url.clone(),
        provider_invoice_id: i.provider_invoice_id.clone(),
        created_at: at_rest(i.created_at),
    })
}

pub(super) fn from_row(row: entity::Model) -> Result<Invoice, DbFailure> {
    let period = match (row.period_start, row.period_end) {
        (Some(start), Some(end)) => {
            Some(Period::new(start, end).map_err(|_| corrupt("invoices.period"))?)
        }
        (None, None) => None,
        _ => return Err(corrupt("invoices.period")),
    };
    Ok(Invoice {
        id: row.id,
        customer: CustomerId::parse(row.customer).map_err(|_| corrupt("invoices.customer"))?,
        number: row.number,
        status: from_word("invoices.status", &row.status)?,
        currency: currency("invoices.currency", &row.currency)?,
        amount_due: row.amount_due,
        amount_paid: row.amount_paid,
        period,
        lines: from_json("invoices.lines", row.lines)?,
        hosted_url: row.hosted_url,
        provider_invoice_id: row.provider_invoice_id,
        created_at: row.created_at,
    })
}
