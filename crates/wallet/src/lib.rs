//! Prepaid credit wallets for Tollgate: an append-only ledger of grants (with optional
//! expiry), debits, adjustments and expiry records per customer; the pure replay that turns it
//! into balances (expiring lots are consumed first, expired remainders vanish, debts are repaid
//! by the next grant); the pure debit decision; and the [`WalletStore`] port with an exact
//! in-memory adapter and a conformance suite.
//!
//! This crate must never do I/O, depend on a runtime (tokio only behind the `conformance`
//! feature), round money (balances and debits are exact decimals; rounding belongs to billing),
//! use floating point, or depend on the `plans` or `quotas` crates: the engine maps a plan's
//! wallet grants into [`GrantSpec`]s.

mod balance;
#[cfg(feature = "conformance")]
pub mod conformance;
mod debit;
mod error;
mod grants;
pub mod memory;
mod model;
mod ports;

pub use balance::{balances, expired_by, expiry_entries};
pub use debit::{DebitDecision, plan_debit};
pub use error::WalletError;
pub use grants::{GrantSpec, grants_for};
pub use memory::MemoryWalletStore;
pub use model::{AppendEntry, Debit, DebitOutcome, EntryKind, LedgerEntry, MAX_ENTRY_AMOUNT};
pub use ports::WalletStore;
