// Temporary signatures until the ledger adapters land.
#![allow(dead_code, unused_variables)]
use sea_orm::{ConnectionTrait, DbErr};
use tollgate_engine::AuditEntry;
use tollgate_kernel::{CustomerId, IdempotencyKey};
use tollgate_usage::UsageEvent;
use tollgate_wallet::{Debit, DebitOutcome, WalletError};

pub(crate) async fn insert_events<C: ConnectionTrait>(
    conn: &C,
    events: &[UsageEvent],
) -> Result<(), DbErr> {
    Err(DbErr::Custom("pending".into()))
}
pub(crate) async fn find_keys<C: ConnectionTrait>(
    conn: &C,
    keys: &[(CustomerId, IdempotencyKey)],
) -> Result<Vec<UsageEvent>, DbErr> {
    Err(DbErr::Custom("pending".into()))
}
pub(crate) async fn debit_on<C: ConnectionTrait>(
    conn: &C,
    d: &Debit,
) -> Result<DebitOutcome, WalletError> {
    Err(WalletError::Invalid("pending".into()))
}
pub(crate) async fn append_audit<C: ConnectionTrait>(
    conn: &C,
    entries: &[AuditEntry],
) -> Result<(), DbErr> {
    Err(DbErr::Custom("pending".into()))
}
