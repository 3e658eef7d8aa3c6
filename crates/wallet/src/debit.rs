//! The debit decision, kept pure so every store makes the same one: a store loads the
//! customer's ledger under its lock or transaction, asks [`plan_debit`], and writes the answer
//! before releasing it. That is what makes the check-and-append atomic.

use crate::balance::Purse;
use crate::{Debit, EntryKind, LedgerEntry, MAX_ENTRY_AMOUNT, WalletError};
use tollgate_kernel::{Decimal, new_id};

/// What a store must do with a debit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DebitDecision {
    /// The reference was used before: answer with this first entry, write nothing.
    Duplicate(LedgerEntry),
    /// Write this new entry.
    Append(LedgerEntry),
}

/// Decides a debit against the customer's whole ledger (`ledger`, any order).
///
/// Unless `allow_negative`, a debit is refused when adding it would create any debt the ledger
/// did not already have, anywhere in the replay. Checking only the balance at `d.at` would not
/// be enough: a back-dated debit can consume a lot that a later debit relied on.
///
/// # Errors
/// - [`WalletError::Invalid`] when the amount is not positive (or too large) or the reference
///   is empty;
/// - [`WalletError::InsufficientCredits`] with the balance at `d.at` before the debit.
pub fn plan_debit(ledger: &[LedgerEntry], d: &Debit) -> Result<DebitDecision, WalletError> {
    let amount = d.amount.amount;
    if amount <= Decimal::ZERO || amount > MAX_ENTRY_AMOUNT {
        return Err(WalletError::Invalid(format!(
            "a debit must be positive and at most {MAX_ENTRY_AMOUNT}, got {amount}"
        )));
    }
    if d.reference.trim().is_empty() {
        return Err(WalletError::Invalid("a debit needs a reference".to_owned()));
    }
    if let Some(first) = ledger
        .iter()
        .find(|e| e.customer == d.customer && e.reference.as_deref() == Some(&d.reference))
    {
        return Ok(DebitDecision::Duplicate(first.clone()));
    }
    let entry = LedgerEntry {
        id: new_id("led"),
        customer: d.customer.clone(),
        currency: d.amount.currency,
        kind: EntryKind::Debit,
        amount: -amount,
        created_at: d.at,
        expires_at: None,
        reference: Some(d.reference.clone()),
        description: d.description.clone(),
    };
    entry.validate()?;
    if !d.allow_negative {
        let currency = d.amount.currency;
        let before = Purse::replay(ledger, currency, None).shortfall;
        let after = Purse::replay(ledger.iter().chain([&entry]), currency, None).shortfall;
        if after > before {
            return Err(WalletError::InsufficientCredits {
                currency,
                balance: Purse::replay(ledger, currency, Some(d.at)).balance(),
                needed: amount,
            });
        }
    }
    Ok(DebitDecision::Append(entry))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::fixtures::*;
    use tollgate_kernel::{Amount, Currency};

    fn debit(amount: &str, reference: &str, at: tollgate_kernel::Timestamp) -> Debit {
        Debit {
            customer: acme(),
            amount: Amount::new(Currency::USD, dec(amount)),
            reference: reference.into(),
            at,
            allow_negative: false,
            description: "tokens".into(),
        }
    }

    fn appended(r: Result<DebitDecision, WalletError>) -> LedgerEntry {
        match r.unwrap() {
            DebitDecision::Append(e) => e,
            other => panic!("expected an append, got {other:?}"),
        }
    }

    #[test]
    fn debits_within_the_balance_are_appended() {
        let ledger = vec![grant("1.00", ts(1, 0), None)];
        let e = appended(plan_debit(
            &ledger,
            &debit("0.000450", "usage:evt_1", ts(2, 0)),
        ));
        assert_eq!(e.amount, dec("-0.000450"));
        assert_eq!(e.kind, EntryKind::Debit);
        assert_eq!(e.reference.as_deref(), Some("usage:evt_1"));
        assert!(e.id.starts_with("led_"));
        appended(plan_debit(&ledger, &debit("1.00", "r", ts(2, 0))));
    }

    #[test]
    fn overdraft_is_refused_with_the_balance_unless_allowed() {
        let ledger = vec![grant("1.00", ts(1, 0), Some(ts(5, 0)))];
        let err = plan_debit(&ledger, &debit("1.01", "r", ts(2, 0))).unwrap_err();
        match err {
            WalletError::InsufficientCredits {
                balance, needed, ..
            } => {
                assert_eq!(balance, dec("1.00"));
                assert_eq!(needed, dec("1.01"));
            }
            other => panic!("{other:?}"),
        }
        // After the grant expired there is nothing left.
        assert!(plan_debit(&ledger, &debit("0.01", "r", ts(6, 0))).is_err());
        let mut allowed = debit("1.01", "r", ts(2, 0));
        allowed.allow_negative = true;
        appended(plan_debit(&ledger, &allowed));
    }

    #[test]
    fn repeated_reference_is_a_duplicate() {
        let mut first = entry(EntryKind::Debit, "-0.10", ts(2, 0));
        first.reference = Some("usage:evt_1".into());
        let ledger = vec![grant("1.00", ts(1, 0), None), first.clone()];
        // Even a body that would now be refused gets the first answer.
        let d = debit("500", "usage:evt_1", ts(3, 0));
        assert_eq!(
            plan_debit(&ledger, &d).unwrap(),
            DebitDecision::Duplicate(first)
        );
    }

    #[test]
    fn backdated_debit_cannot_starve_a_later_one() {
        // 1.00 at day 1; 0.80 spent at day 3. A debit of 0.50 dated day 2 would see 1.00
        // available at its instant, but would leave the day-3 debit 0.30 short.
        let mut later = entry(EntryKind::Debit, "-0.80", ts(3, 0));
        later.reference = Some("b".into());
        let ledger = vec![grant("1.00", ts(1, 0), None), later];
        assert!(matches!(
            plan_debit(&ledger, &debit("0.50", "a", ts(2, 0))),
            Err(WalletError::InsufficientCredits { .. })
        ));
        appended(plan_debit(&ledger, &debit("0.20", "a", ts(2, 0))));
    }

    #[test]
    fn existing_debt_does_not_block_debits_that_add_none() {
        // An allowed overdraft left -0.50; a new grant of 2.00 repays it, leaving 1.50.
        let ledger = vec![
            entry(EntryKind::Debit, "-0.50", ts(1, 0)),
            grant("2.00", ts(2, 0), None),
        ];
        appended(plan_debit(&ledger, &debit("1.50", "x", ts(3, 0))));
        assert!(plan_debit(&ledger, &debit("1.51", "x", ts(3, 0))).is_err());
    }

    #[test]
    fn bad_debits_are_invalid() {
        for d in [
            debit("0", "r", ts(1, 0)),
            debit("-1", "r", ts(1, 0)),
            debit("1", " ", ts(1, 0)),
        ] {
            assert!(matches!(plan_debit(&[], &d), Err(WalletError::Invalid(_))));
        }
    }
}
