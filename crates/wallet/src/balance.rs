//! Balances by replaying the ledger: the one place where expiry, consumption order and debt
//! are decided, so every store and every screen agrees on a customer's balance.
//!
//! Replay, per currency, in `(created_at, id)` order:
//! - a grant or positive adjustment first repays any debt, then opens a lot with the rest
//!   (grants keep their `expires_at`);
//! - a debit or negative adjustment consumes lots soonest-expiring first (lots without expiry
//!   last, older lots first on ties); what the lots cannot cover becomes debt (a negative
//!   balance), which only an allowed debit can create;
//! - at a lot's `expires_at` its unconsumed remainder disappears;
//! - `Expiry` entries are records of that disappearance and are skipped.

use crate::{EntryKind, LedgerEntry};
use tollgate_kernel::{Amount, Currency, Decimal, Timestamp, new_id};

#[derive(Debug)]
struct Lot<'a> {
    entry: &'a LedgerEntry,
    remaining: Decimal,
}

/// The state of one currency's credits part-way through a replay.
#[derive(Debug, Default)]
pub(crate) struct Purse<'a> {
    /// Open lots, in the order they were opened; all have `remaining > 0`.
    lots: Vec<Lot<'a>>,
    /// What is owed (> 0 only when no lot is open).
    debt: Decimal,
    /// Total debt ever created: what an unallowed debit must not increase.
    pub(crate) shortfall: Decimal,
    /// Lots whose remainder expired, with that remainder.
    expired: Vec<(&'a LedgerEntry, Decimal)>,
}

impl<'a> Purse<'a> {
    /// Replays `entries` (any order, any currencies: only `currency` is used) up to and
    /// including `until`, then expires lots due by `until`.
    pub(crate) fn replay(
        entries: impl IntoIterator<Item = &'a LedgerEntry>,
        currency: Currency,
        until: Option<Timestamp>,
    ) -> Self {
        let mut ordered: Vec<&LedgerEntry> = entries
            .into_iter()
            .filter(|e| e.currency == currency && e.kind != EntryKind::Expiry)
            .filter(|e| until.is_none_or(|u| e.created_at <= u))
            .collect();
        ordered.sort_by(|a, b| LedgerEntry::ledger_order(a, b));
        let mut purse = Purse::default();
        for e in ordered {
            purse.expire(e.created_at);
            if e.amount > Decimal::ZERO {
                purse.credit(e);
            } else {
                purse.consume(e.amount.abs());
            }
        }
        if let Some(u) = until {
            purse.expire(u);
        }
        purse
    }

    pub(crate) fn balance(&self) -> Decimal {
        self.lots
            .iter()
            .fold(Decimal::ZERO, |acc, l| acc.saturating_add(l.remaining))
            .saturating_sub(self.debt)
    }

    fn expire(&mut self, now: Timestamp) {
        let (gone, kept): (Vec<Lot<'a>>, Vec<Lot<'a>>) = std::mem::take(&mut self.lots)
            .into_iter()
            .partition(|l| l.entry.expires_at.is_some_and(|x| x <= now));
        self.lots = kept;
        let mut gone: Vec<(&'a LedgerEntry, Decimal)> =
            gone.into_iter().map(|l| (l.entry, l.remaining)).collect();
        gone.sort_by_key(|(e, _)| e.expires_at);
        self.expired.extend(gone);
    }

    fn credit(&mut self, e: &'a LedgerEntry) {
        let repaid = e.amount.min(self.debt);
        self.debt = self.debt.saturating_sub(repaid);
        let rest = e.amount.saturating_sub(repaid);
        if rest > Decimal::ZERO {
            self.lots.push(Lot {
                entry: e,
                remaining: rest,
            });
        }
    }

    fn consume(&mut self, mut amount: Decimal) {
        // Soonest-expiring first; no expiry last; the stable sort keeps older lots first.
        self.lots
            .sort_by_key(|l| (l.entry.expires_at.is_none(), l.entry.expires_at));
        for lot in &mut self.lots {
            if amount.is_zero() {
                break;
            }
            let take = lot.remaining.min(amount);
            lot.remaining = lot.remaining.saturating_sub(take);
            amount = amount.saturating_sub(take);
        }
        self.lots.retain(|l| l.remaining > Decimal::ZERO);
        if amount > Decimal::ZERO {
            self.debt = self.debt.saturating_add(amount);
            self.shortfall = self.shortfall.saturating_add(amount);
        }
    }
}

fn currencies(entries: &[LedgerEntry]) -> Vec<Currency> {
    let mut cs: Vec<Currency> = entries.iter().map(|e| e.currency).collect();
    cs.sort_by(|a, b| a.code().cmp(b.code()));
    cs.dedup();
    cs
}

/// One balance per currency that appears in `entries`, sorted by currency code, as of `at`
/// (entries created after `at` are not counted; lots expired by `at` are gone).
pub fn balances(entries: &[LedgerEntry], at: Timestamp) -> Vec<Amount> {
    currencies(entries)
        .into_iter()
        .map(|c| Amount::new(c, Purse::replay(entries, c, Some(at)).balance()))
        .collect()
}

/// Grants whose unconsumed remainder had expired by `at`: `(grant entry id, amount that
/// expired)`, only for remainders above zero, in order of expiry within each currency.
pub fn expired_by(entries: &[LedgerEntry], at: Timestamp) -> Vec<(String, Amount)> {
    currencies(entries)
        .into_iter()
        .flat_map(|c| {
            Purse::replay(entries, c, Some(at))
                .expired
                .into_iter()
                .map(move |(e, left)| (e.id.clone(), Amount::new(c, left)))
        })
        .collect()
}

/// The `Expiry` entries that record [`expired_by`], one per expired grant, dated at the
/// grant's `expires_at`, with reference `expiry:{grant id}` so a job can write them on every
/// run and the store keeps one. Grants whose expiry is already recorded are left out.
pub fn expiry_entries(entries: &[LedgerEntry], at: Timestamp) -> Vec<LedgerEntry> {
    let recorded = |r: &str| {
        entries
            .iter()
            .any(|e| e.kind == EntryKind::Expiry && e.reference.as_deref() == Some(r))
    };
    currencies(entries)
        .into_iter()
        .flat_map(|c| Purse::replay(entries, c, Some(at)).expired)
        .filter_map(|(lot, left)| {
            let reference = format!("expiry:{}", lot.id);
            (!recorded(&reference)).then(|| LedgerEntry {
                id: new_id("led"),
                customer: lot.customer.clone(),
                currency: lot.currency,
                kind: EntryKind::Expiry,
                amount: -left,
                created_at: lot.expires_at.unwrap_or(at),
                expires_at: None,
                reference: Some(reference),
                description: format!("unused credits of {} expired", lot.id),
            })
        })
        .collect()
}

#[cfg(test)]
#[path = "balance_tests.rs"]
mod tests;
