//! `AccessStore` on `api_keys` (hashes only, never a secret), `members` (created by the
//! billing migration), `settings` and `idempotency_keys` ([`idempotency`]).

mod idempotency;

use chrono::Utc;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ColumnTrait, DbErr, EntityTrait, IntoActiveModel, Order, QueryFilter, QueryOrder};
use tollgate_billing::Role;
use tollgate_engine::{
    AccessError, AccessStore, ApiKeyRecord, IdempotencyBegin, KeyRole, Member, StoredResponse,
};
use tollgate_kernel::{CustomerId, Timestamp};

use super::stored;
use crate::SqlStore;
use crate::error::{Fault, describe, failure, fault};

mod keys {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "api_keys")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        pub name: String,
        pub role: String,
        #[sea_orm(unique)]
        pub hash: String,
        pub prefix: String,
        pub created_at: DateTimeUtc,
        pub revoked_at: Option<DateTimeUtc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

mod members {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "members")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub customer: String,
        #[sea_orm(primary_key, auto_increment = false)]
        pub user_id: String,
        pub role: String,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

mod settings {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "settings")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub name: String,
        #[sea_orm(column_type = "JsonBinary")]
        pub value: Json,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

fn malformed(what: &str) -> DbErr {
    DbErr::Type(format!("stored access record has an invalid {what}"))
}

fn key_role_name(role: KeyRole) -> &'static str {
    match role {
        KeyRole::Admin => "admin",
        KeyRole::Server => "server",
    }
}

fn key_role_from(name: &str) -> Result<KeyRole, DbErr> {
    match name {
        "admin" => Ok(KeyRole::Admin),
        "server" => Ok(KeyRole::Server),
        _ => Err(malformed("key role")),
    }
}

fn member_role_name(role: Role) -> &'static str {
    match role {
        Role::Owner => "owner",
        Role::Admin => "admin",
        Role::Member => "member",
    }
}

fn member_role_from(name: &str) -> Result<Role, DbErr> {
    match name {
        "owner" => Ok(Role::Owner),
        "admin" => Ok(Role::Admin),
        "member" => Ok(Role::Member),
        _ => Err(malformed("member role")),
    }
}

fn key_to_row(k: &ApiKeyRecord) -> keys::Model {
    keys::Model {
        id: k.id.clone(),
        name: k.name.clone(),
        role: key_role_name(k.role).to_owned(),
        hash: k.hash.clone(),
        prefix: k.prefix.clone(),
        created_at: stored(k.created_at),
        revoked_at: k.revoked_at.map(stored),
    }
}

fn key_from_row(r: keys::Model) -> Result<ApiKeyRecord, DbErr> {
    Ok(ApiKeyRecord {
        role: key_role_from(&r.role)?,
        id: r.id,
        name: r.name,
        hash: r.hash,
        prefix: r.prefix,
        created_at: r.created_at,
        revoked_at: r.revoked_at,
    })
}

fn member_to_row(m: &Member) -> members::Model {
    members::Model {
        customer: m.customer.as_str().to_owned(),
        user_id: m.user_id.clone(),
        role: member_role_name(m.role).to_owned(),
        created_at: stored(m.created_at),
    }
}

fn member_from_row(r: members::Model) -> Result<Member, DbErr> {
    Ok(Member {
        customer: CustomerId::parse(r.customer).map_err(|_| malformed("customer"))?,
        role: member_role_from(&r.role)?,
        user_id: r.user_id,
        created_at: r.created_at,
    })
}

pub(super) fn access_error(e: DbErr) -> AccessError {
    match fault(&e) {
        Fault::Unavailable => AccessError::Unavailable(describe(&e)),
        _ => AccessError::Unexpected(Box::new(failure(&e))),
    }
}

#[async_trait::async_trait]
impl AccessStore for SqlStore {
    async fn insert_key(&self, key: &ApiKeyRecord) -> Result<(), AccessError> {
        match keys::Entity::insert(key_to_row(key).into_active_model())
            .exec_without_returning(self.db())
            .await
        {
            Ok(_) => Ok(()),
            Err(e) if fault(&e) == Fault::Duplicate => {
                Err(AccessError::Duplicate(format!("api key {}", key.id)))
            }
            Err(e) => Err(access_error(e)),
        }
    }

    async fn find_key(&self, hash: &str) -> Result<Option<ApiKeyRecord>, AccessError> {
        keys::Entity::find()
            .filter(keys::Column::Hash.eq(hash))
            .one(self.db())
            .await
            .and_then(|row| row.map(key_from_row).transpose())
            .map_err(access_error)
    }

    async fn list_keys(&self) -> Result<Vec<ApiKeyRecord>, AccessError> {
        keys::Entity::find()
            .order_by(keys::Column::CreatedAt, Order::Asc)
            .order_by(keys::Column::Id, Order::Asc)
            .all(self.db())
            .await
            .and_then(|rows| rows.into_iter().map(key_from_row).collect())
            .map_err(access_error)
    }

    async fn revoke_key(&self, id: &str, at: Timestamp) -> Result<bool, AccessError> {
        let revoked = keys::Entity::update_many()
            .col_expr(keys::Column::RevokedAt, Expr::val(Some(stored(at))))
            .filter(keys::Column::Id.eq(id))
            .filter(keys::Column::RevokedAt.is_null())
            .exec(self.db())
            .await
            .map_err(access_error)?;
        Ok(revoked.rows_affected == 1)
    }

    async fn put_member(&self, member: &Member) -> Result<(), AccessError> {
        members::Entity::insert(member_to_row(member).into_active_model())
            .on_conflict(
                OnConflict::columns([members::Column::Customer, members::Column::UserId])
                    .update_column(members::Column::Role)
                    .to_owned(),
            )
            .exec_without_returning(self.db())
            .await
            .map_err(access_error)?;
        Ok(())
    }

    async fn members(&self, customer: &CustomerId) -> Result<Vec<Member>, AccessError> {
        members::Entity::find()
            .filter(members::Column::Customer.eq(customer.as_str()))
            .order_by(members::Column::CreatedAt, Order::Asc)
            .order_by(members::Column::UserId, Order::Asc)
            .all(self.db())
            .await
            .and_then(|rows| rows.into_iter().map(member_from_row).collect())
            .map_err(access_error)
    }

    async fn get_setting(&self, name: &str) -> Result<Option<serde_json::Value>, AccessError> {
        settings::Entity::find_by_id(name.to_owned())
            .one(self.db())
            .await
            .map(|row| row.map(|r| r.value))
            .map_err(access_error)
    }

    async fn put_setting(&self, name: &str, value: &serde_json::Value) -> Result<(), AccessError> {
        let row = settings::Model {
            name: name.to_owned(),
            value: value.clone(),
            // Bookkeeping only: the port carries no instant.
            updated_at: stored(Utc::now()),
        };
        settings::Entity::insert(row.into_active_model())
            .on_conflict(
                OnConflict::column(settings::Column::Name)
                    .update_columns([settings::Column::Value, settings::Column::UpdatedAt])
                    .to_owned(),
            )
            .exec_without_returning(self.db())
            .await
            .map_err(access_error)?;
        Ok(())
    }

    async fn idempotency_begin(
        &self,
        key: &str,
        request_hash: &str,
        now: Timestamp,
        stale_after: chrono::Duration,
    ) -> Result<IdempotencyBegin, AccessError> {
        idempotency::begin(self, key, request_hash, now, stale_after).await
    }

    async fn idempotency_finish(
        &self,
        key: &str,
        reserved_at: Timestamp,
        response: &StoredResponse,
        now: Timestamp,
    ) -> Result<(), AccessError> {
        idempotency::finish(self, key, reserved_at, response, now).await
    }

    async fn idempotency_abandon(
        &self,
        key: &str,
        reserved_at: Timestamp,
    ) -> Result<(), AccessError> {
        idempotency::abandon(self, key, reserved_at).await
    }

    async fn idempotency_purge(&self, before: Timestamp) -> Result<u64, AccessError> {
        idempotency::purge(self, before).await
    }

    async fn put_setting_if_absent(
        &self,
        name: &str,
        value: &serde_json::Value,
    ) -> Result<serde_json::Value, AccessError> {
        let row = settings::Model {
            name: name.to_owned(),
            value: value.clone(),
            updated_at: stored(Utc::now()),
        };
        // ON CONFLICT DO NOTHING leaves the first writer's value; reading it back answers every
        // caller the same one.
        settings::Entity::insert(row.into_active_model())
            .on_conflict(
                OnConflict::column(settings::Column::Name)
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(self.db())
            .await
            .map_err(access_error)?;
        self.get_setting(name).await?.ok_or_else(|| {
            AccessError::Unexpected(format!("setting {name} vanished after its insert").into())
        })
    }
}
