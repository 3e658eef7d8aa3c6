//! Ledger entries and the values that travel with a debit.

use crate::WalletError;
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use tollgate_kernel::{Amount, Currency, CustomerId, Decimal, Timestamp};

/// The largest magnitude one entry may carry, in major units (10^18). Keeps every sum of a
/// realistic ledger far inside `Decimal`'s range, so replay arithmetic cannot overflow.
pub const MAX_ENTRY_AMOUNT: Decimal = Decimal::from_parts(0xA764_0000, 0x0DE0_B6B3, 0, false, 0);

/// What an entry does to the wallet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    /// Credits added (a plan's grant, a top-up): positive, may expire.
    Grant,
    /// Credits spent (a usage event's cost): negative.
    Debit,
    /// An operator's correction, either sign; negative ones consume credits like a debit.
    Adjustment,
    /// The record that a grant's unconsumed remainder expired: negative. The replay expires
    /// lots by itself, so these entries never move the balance a second time; they exist so
    /// the ledger reads (and sums) like the balance.
    Expiry,
}

/// One line of a customer's ledger. Append-only: never updated or deleted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LedgerEntry {
    /// `led_…` from [`tollgate_kernel::new_id`].
    pub id: String,
    pub customer: CustomerId,
    pub currency: Currency,
    pub kind: EntryKind,
    /// Signed, exact, major units: grants > 0, debits and expiries < 0.
    #[cfg_attr(feature = "openapi", schema(value_type = tollgate_kernel::DecimalString))]
    pub amount: Decimal,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: Timestamp,
    /// When the grant's unconsumed remainder disappears (grants only).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub expires_at: Option<Timestamp>,
    /// Idempotency: unique per customer when present (`usage:evt_…`, `grant:pro:start:2026-11`).
    pub reference: Option<String>,
    pub description: String,
}

impl LedgerEntry {
    /// Checks the ledger rules; stores call this before writing.
    ///
    /// # Errors
    /// [`WalletError::Invalid`] for an empty id, an amount whose sign does not fit its kind (or
    /// beyond [`MAX_ENTRY_AMOUNT`]), an expiry on a non-grant or not after `created_at`, or an
    /// empty reference.
    pub fn validate(&self) -> Result<(), WalletError> {
        let invalid = |m: String| Err(WalletError::Invalid(m));
        if self.id.trim().is_empty() {
            return invalid("entry id must not be empty".into());
        }
        let sign_ok = match self.kind {
            EntryKind::Grant => self.amount > Decimal::ZERO,
            EntryKind::Debit | EntryKind::Expiry => self.amount < Decimal::ZERO,
            EntryKind::Adjustment => !self.amount.is_zero(),
        };
        if !sign_ok {
            return invalid(format!(
                "a {:?} entry cannot have amount {}",
                self.kind, self.amount
            ));
        }
        if self.amount.abs() > MAX_ENTRY_AMOUNT {
            return invalid(format!("amount {} is too large", self.amount));
        }
        if let Some(expires_at) = self.expires_at {
            if self.kind != EntryKind::Grant {
                return invalid("only grants can expire".into());
            }
            if expires_at <= self.created_at {
                return invalid("a grant must expire after it is created".into());
            }
        }
        if self
            .reference
            .as_deref()
            .is_some_and(|r| r.trim().is_empty())
        {
            return invalid("reference must not be empty when present".into());
        }
        Ok(())
    }

    /// The ledger's order: `(created_at, id)`.
    pub fn ledger_order(a: &LedgerEntry, b: &LedgerEntry) -> Ordering {
        (a.created_at, &a.id).cmp(&(b.created_at, &b.id))
    }
}

/// What [`crate::WalletStore::append`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AppendEntry {
    Inserted(LedgerEntry),
    /// The customer already has an entry with this reference: that entry, unchanged.
    Duplicate(LedgerEntry),
}

impl AppendEntry {
    pub fn entry(&self) -> &LedgerEntry {
        match self {
            AppendEntry::Inserted(e) | AppendEntry::Duplicate(e) => e,
        }
    }

    pub fn is_duplicate(&self) -> bool {
        matches!(self, AppendEntry::Duplicate(_))
    }
}

/// A request to spend credits, checked and written atomically by
/// [`crate::WalletStore::debit`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Debit {
    pub customer: CustomerId,
    /// Positive, exact (a token event may cost a fraction of a cent).
    pub amount: Amount,
    /// Idempotency: the same reference twice debits once (`usage:evt_…`).
    pub reference: String,
    /// The debit's instant; the entry is created at it.
    pub at: Timestamp,
    /// Whether the balance may go below zero (soft enforcement, post-paid overage).
    pub allow_negative: bool,
    pub description: String,
}

/// The answer of a debit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DebitOutcome {
    /// The debit entry (the first one, for a repeated reference).
    pub entry: LedgerEntry,
    /// The balance in the debit's currency at `Debit::at`, after the debit.
    pub balance: Amount,
    pub duplicate: bool,
}

#[cfg(test)]
pub(crate) mod fixtures {
    use super::*;
    use chrono::{TimeZone, Utc};

    pub fn ts(day: u32, hour: u32) -> Timestamp {
        Utc.with_ymd_and_hms(2026, 11, day, hour, 0, 0).unwrap()
    }

    pub fn dec(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    pub fn acme() -> CustomerId {
        CustomerId::parse("acme").unwrap()
    }

    pub fn entry(kind: EntryKind, amount: &str, at: Timestamp) -> LedgerEntry {
        LedgerEntry {
            id: tollgate_kernel::new_id("led"),
            customer: acme(),
            currency: Currency::USD,
            kind,
            amount: dec(amount),
            created_at: at,
            expires_at: None,
            reference: None,
            description: String::new(),
        }
    }

    pub fn grant(amount: &str, at: Timestamp, expires_at: Option<Timestamp>) -> LedgerEntry {
        LedgerEntry {
            expires_at,
            ..entry(EntryKind::Grant, amount, at)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::fixtures::*;
    use super::*;

    #[test]
    fn max_amount_is_ten_to_the_eighteenth() {
        assert_eq!(
            MAX_ENTRY_AMOUNT,
            Decimal::from(1_000_000_000_000_000_000_i64)
        );
    }

    #[test]
    fn signs_must_fit_the_kind() {
        assert!(grant("1", ts(1, 0), None).validate().is_ok());
        assert!(grant("-1", ts(1, 0), None).validate().is_err());
        assert!(grant("0", ts(1, 0), None).validate().is_err());
        assert!(
            entry(EntryKind::Debit, "-0.000450", ts(1, 0))
                .validate()
                .is_ok()
        );
        assert!(entry(EntryKind::Debit, "0.5", ts(1, 0)).validate().is_err());
        assert!(entry(EntryKind::Expiry, "1", ts(1, 0)).validate().is_err());
        assert!(
            entry(EntryKind::Adjustment, "-3", ts(1, 0))
                .validate()
                .is_ok()
        );
        assert!(
            entry(EntryKind::Adjustment, "0", ts(1, 0))
                .validate()
                .is_err()
        );
        assert!(
            grant("1000000000000000001", ts(1, 0), None)
                .validate()
                .is_err()
        );
    }

    #[test]
    fn expiry_and_reference_rules() {
        assert!(grant("1", ts(2, 0), Some(ts(2, 0))).validate().is_err());
        assert!(grant("1", ts(2, 0), Some(ts(3, 0))).validate().is_ok());
        let mut debit = entry(EntryKind::Debit, "-1", ts(2, 0));
        debit.expires_at = Some(ts(3, 0));
        assert!(debit.validate().is_err());
        let mut g = grant("1", ts(2, 0), None);
        g.reference = Some(" ".into());
        assert!(g.validate().is_err());
    }

    #[test]
    fn entry_json_shape() {
        let g = grant("5.00", ts(1, 0), Some(ts(30, 0)));
        let json = serde_json::to_value(&g).unwrap();
        assert_eq!(json["kind"], "grant");
        assert_eq!(json["amount"], "5.00");
        assert_eq!(json["currency"], "USD");
        assert_eq!(serde_json::from_value::<LedgerEntry>(json).unwrap(), g);
    }
}
