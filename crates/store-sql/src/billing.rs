//! The billing repositories on SQL: customers (insert idempotent on id), one subscription per
//! customer saved with optimistic concurrency on `version`, and invoices upserted by id.
//! Tables: see `tollgate-migrations` (`m20261122_000002_billing`).

mod customer;
mod invoice;
mod subscription;

use crate::SqlStore;
use crate::catalog::codec::{Failure, at_rest};
use crate::error::{Fault, describe, failure, fault};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DbErr, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder,
    QuerySelect,
};
use tollgate_billing::{
    BillingStoreError, Customer, CustomerRepository, Invoice, InvoiceRepository, Subscription,
    SubscriptionRepository,
};
use tollgate_kernel::{CustomerId, Timestamp};

/// The one mapping of this module's failures onto the port's error: a unique violation is a
/// conflict; anything else (the database unreachable or busy included: the port has no such
/// variant) is unexpected with a safe source.
fn store_error(e: Failure) -> BillingStoreError {
    match e {
        Failure::Db(e) => match fault(&e) {
            Fault::Duplicate => BillingStoreError::Conflict(describe(&e)),
            _ => BillingStoreError::Unexpected(Box::new(failure(&e))),
        },
        Failure::Decode(e) => BillingStoreError::Unexpected(Box::new(e)),
    }
}

fn db_error(e: DbErr) -> BillingStoreError {
    store_error(Failure::Db(e))
}

fn decoded<T>(r: Result<T, crate::error::DbFailure>) -> Result<T, BillingStoreError> {
    r.map_err(|e| store_error(e.into()))
}

#[async_trait::async_trait]
impl CustomerRepository for SqlStore {
    async fn insert(&self, c: &Customer) -> Result<Customer, BillingStoreError> {
        let row = decoded(customer::to_row(c))?;
        // Idempotent on id: an existing customer is left as it is and answered.
        customer::entity::Entity::insert(row.into_active_model())
            .on_conflict_do_nothing()
            .exec_without_returning(self.db())
            .await
            .map_err(db_error)?;
        match CustomerRepository::get(self, &c.id).await? {
            Some(stored) => Ok(stored),
            None => Err(BillingStoreError::Unexpected(
                format!("customer {} vanished after its insert", c.id).into(),
            )),
        }
    }

    async fn get(&self, id: &CustomerId) -> Result<Option<Customer>, BillingStoreError> {
        let row = customer::entity::Entity::find_by_id(id.as_str())
            .one(self.db())
            .await
            .map_err(db_error)?;
        row.map(|r| decoded(customer::from_row(r))).transpose()
    }

    async fn list(&self) -> Result<Vec<Customer>, BillingStoreError> {
        // `id` sorts byte by byte on both backends (see the migration), as in Rust.
        let rows = customer::entity::Entity::find()
            .order_by_asc(customer::entity::Column::Id)
            .all(self.db())
            .await
            .map_err(db_error)?;
        rows.into_iter()
            .map(|r| decoded(customer::from_row(r)))
            .collect()
    }

    async fn update(&self, c: &Customer) -> Result<(), BillingStoreError> {
        let row = decoded(customer::to_row(c))?;
        let done = customer::entity::Entity::update_many()
            .set(row.into_active_model().reset_all())
            .filter(customer::entity::Column::Id.eq(c.id.as_str()))
            .exec(self.db())
            .await
            .map_err(db_error)?;
        if done.rows_affected == 0 {
            return Err(BillingStoreError::NotFound(format!("customer {}", c.id)));
        }
        Ok(())
    }

    async fn find_by_provider_customer(
        &self,
        provider_customer_id: &str,
    ) -> Result<Option<Customer>, BillingStoreError> {
        let row = customer::entity::Entity::find()
            .filter(customer::entity::Column::ProviderCustomerId.eq(provider_customer_id))
            .one(self.db())
            .await
            .map_err(db_error)?;
        row.map(|r| decoded(customer::from_row(r))).transpose()
    }
}

#[async_trait::async_trait]
impl SubscriptionRepository for SqlStore {
    async fn get(&self, customer: &CustomerId) -> Result<Option<Subscription>, BillingStoreError> {
        let row = subscription::entity::Entity::find_by_id(customer.as_str())
            .one(self.db())
            .await
            .map_err(db_error)?;
        row.map(|r| decoded(subscription::from_row(r))).transpose()
    }

    async fn save(
        &self,
        s: &Subscription,
        expected_version: Option<i64>,
    ) -> Result<(), BillingStoreError> {
        use subscription::entity::{Column, Entity};
        let row = subscription::to_row(s);
        let Some(expected) = expected_version else {
            return match Entity::insert(row.into_active_model())
                .exec_without_returning(self.db())
                .await
            {
                Ok(_) => Ok(()),
                Err(e) if fault(&e) == Fault::Duplicate => Err(BillingStoreError::Conflict(
                    format!("customer {} already has a subscription", s.customer),
                )),
                Err(e) => Err(db_error(e)),
            };
        };
        let txn = self.write_txn().await.map_err(db_error)?;
        let done = Entity::update_many()
            .set(row.into_active_model().reset_all())
            .filter(Column::Customer.eq(s.customer.as_str()))
            .filter(Column::Version.eq(expected))
            .exec(&txn)
            .await
            .map_err(db_error)?;
        if done.rows_affected > 0 {
            return txn.commit().await.map_err(db_error);
        }
        // Nothing matched: tell a missing subscription from one that moved on.
        let stored: Option<i64> = Entity::find_by_id(s.customer.as_str())
            .select_only()
            .column(Column::Version)
            .into_tuple()
            .one(&txn)
            .await
            .map_err(db_error)?;
        txn.rollback().await.map_err(db_error)?;
        Err(match stored {
            None => BillingStoreError::NotFound(format!("subscription of {}", s.customer)),
            Some(version) => BillingStoreError::Conflict(format!(
                "subscription of {} is at version {version}, not {expected}",
                s.customer
            )),
        })
    }

    async fn list(&self) -> Result<Vec<Subscription>, BillingStoreError> {
        // `customer` sorts byte by byte on both backends (see the migration), as in Rust.
        let rows = subscription::entity::Entity::find()
            .order_by_asc(subscription::entity::Column::Customer)
            .all(self.db())
            .await
            .map_err(db_error)?;
        rows.into_iter()
            .map(|r| decoded(subscription::from_row(r)))
            .collect()
    }

    async fn due_before(&self, at: Timestamp) -> Result<Vec<Subscription>, BillingStoreError> {
        use subscription::entity::{Column, Entity};
        let rows = Entity::find()
            .filter(Column::NextDueAt.lte(at_rest(at)))
            .order_by_asc(Column::NextDueAt)
            .order_by_asc(Column::Customer)
            .all(self.db())
            .await
            .map_err(db_error)?;
        rows.into_iter()
            .map(|r| decoded(subscription::from_row(r)))
            .collect()
    }

    async fn find_by_provider_id(
        &self,
        provider_subscription_id: &str,
    ) -> Result<Option<Subscription>, BillingStoreError> {
        use subscription::entity::{Column, Entity};
        let row = Entity::find()
            .filter(Column::ProviderSubscriptionId.eq(provider_subscription_id))
            .order_by_asc(Column::Customer)
            .one(self.db())
            .await
            .map_err(db_error)?;
        row.map(|r| decoded(subscription::from_row(r))).transpose()
    }
}

#[async_trait::async_trait]
impl InvoiceRepository for SqlStore {
    async fn upsert(&self, i: &Invoice) -> Result<(), BillingStoreError> {
        use invoice::entity::{Column, Entity};
        let row = decoded(invoice::to_row(i))?;
        Entity::insert(row.into_active_model())
            .on_conflict(
                OnConflict::column(Column::Id)
                    .update_columns([
                        Column::Customer,
                        Column::Number,
                        Column::Status,
                        Column::Currency,
                        Column::AmountDue,
                        Column::AmountPaid,
                        Column::PeriodStart,
                        Column::PeriodEnd,
                        Column::Lines,
                        Column::HostedUrl,
                        Column::ProviderInvoiceId,
                        Column::CreatedAt,
                    ])
                    .to_owned(),
            )
            .exec_without_returning(self.db())
            .await
            .map_err(db_error)?;
        Ok(())
    }

    async fn list(&self, customer: &CustomerId) -> Result<Vec<Invoice>, BillingStoreError> {
        use invoice::entity::{Column, Entity};
        let rows = Entity::find()
            .filter(Column::Customer.eq(customer.as_str()))
            .order_by_desc(Column::CreatedAt)
            .order_by_desc(Column::Id)
            .all(self.db())
            .await
            .map_err(db_error)?;
        rows.into_iter()
            .map(|r| decoded(invoice::from_row(r)))
            .collect()
    }
}
