//! The `customers` table.

use crate::catalog::codec::{at_rest, corrupt, currency, from_word, word};
use crate::error::DbFailure;
use tollgate_billing::Customer;
use tollgate_kernel::CustomerId;

pub(super) mod entity {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "customers")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        pub name: String,
        pub email: Option<String>,
        pub currency: String,
        pub status: String,
        pub provider_customer_id: Option<String>,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub(super) fn to_row(c: &Customer) -> Result<entity::Model, DbFailure> {
    Ok(entity::Model {
        id: c.id.as_str().to_owned(),
        name: c.name.clone(),
        email: c.email.clone(),
        currency: c.currency.code().to_owned(),
        status: word("customers.status", &c.status)?,
        provider_customer_id: c.provider_customer_id.clone(),
        created_at: at_rest(c.created_at),
    })
}

pub(super) fn from_row(row: entity::Model) -> Result<Customer, DbFailure> {
    Ok(Customer {
        id: CustomerId::parse(row.id).map_err(|_| corrupt("customers.id"))?,
        name: row.name,
        email: row.email,
        currency: currency("customers.currency", &row.currency)?,
        status: from_word("customers.status", &row.status)?,
        provider_customer_id: row.provider_customer_id,
        created_at: row.created_at,
    })
}
