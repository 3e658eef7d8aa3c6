use super::*;
use crate::model::fixtures::*;
use crate::{Debit, DebitDecision, plan_debit};
use proptest::prelude::*;
use tollgate_kernel::CustomerId;

fn usd(entries: &[LedgerEntry], at: Timestamp) -> Decimal {
    balances(entries, at)
        .into_iter()
        .find(|a| a.currency == Currency::USD)
        .map_or(Decimal::ZERO, |a| a.amount)
}

#[test]
fn balance_is_the_sum_without_expiry() {
    let entries = vec![
        grant("5.00", ts(1, 0), None),
        entry(EntryKind::Debit, "-0.000450", ts(2, 0)),
        entry(EntryKind::Adjustment, "1.5", ts(3, 0)),
    ];
    assert_eq!(usd(&entries, ts(4, 0)), dec("6.499550"));
    assert_eq!(
        usd(&entries, ts(2, 0)),
        dec("4.999550"),
        "entries at `at` count"
    );
    assert_eq!(
        usd(&entries, ts(1, 23)),
        dec("5.00"),
        "later entries do not"
    );
}

#[test]
fn remainders_expire_and_expiring_lots_are_used_first() {
    let entries = vec![
        grant("10", ts(1, 0), None),
        grant("3", ts(1, 0), Some(ts(10, 0))),
        grant("4", ts(2, 0), Some(ts(5, 0))),
        entry(EntryKind::Debit, "-5", ts(3, 0)), // takes 4 (expires day 5), then 1 of the 3
    ];
    assert_eq!(usd(&entries, ts(4, 0)), dec("12"));
    assert_eq!(
        usd(&entries, ts(5, 0)),
        dec("12"),
        "the day-5 lot was already empty"
    );
    assert_eq!(
        usd(&entries, ts(10, 0)),
        dec("10"),
        "2 left of the 3 expire at day 10"
    );
    let expired = expired_by(&entries, ts(10, 0));
    assert_eq!(expired.len(), 1);
    assert_eq!(expired[0].0, entries[1].id);
    assert_eq!(expired[0].1, Amount::new(Currency::USD, dec("2")));
    assert!(expired_by(&entries, ts(9, 0)).is_empty());
}

#[test]
fn debt_is_repaid_by_the_next_grant_before_it_can_expire() {
    let entries = vec![
        entry(EntryKind::Debit, "-3", ts(1, 0)),
        grant("10", ts(2, 0), Some(ts(4, 0))),
    ];
    assert_eq!(usd(&entries, ts(1, 0)), dec("-3"));
    assert_eq!(usd(&entries, ts(3, 0)), dec("7"));
    // Only the 7 left after repaying expires; the debt stays paid.
    assert_eq!(usd(&entries, ts(4, 0)), dec("0"));
    assert_eq!(expired_by(&entries, ts(4, 0))[0].1.amount, dec("7"));
}

#[test]
fn expiry_entries_record_expiry_once_and_do_not_move_the_balance() {
    let g = grant("4", ts(1, 0), Some(ts(5, 0)));
    let mut entries = vec![g.clone(), entry(EntryKind::Debit, "-1", ts(2, 0))];
    let records = expiry_entries(&entries, ts(6, 0));
    assert_eq!(records.len(), 1);
    let r = &records[0];
    assert_eq!(
        (r.kind, r.amount, r.created_at),
        (EntryKind::Expiry, dec("-3"), ts(5, 0))
    );
    assert_eq!(r.reference, Some(format!("expiry:{}", g.id)));
    assert!(r.validate().is_ok());
    entries.extend(records);
    assert_eq!(usd(&entries, ts(6, 0)), dec("0"));
    let sum: Decimal = entries.iter().map(|e| e.amount).sum();
    assert_eq!(
        sum,
        dec("0"),
        "with expiries recorded the ledger sums to the balance"
    );
    assert!(expiry_entries(&entries, ts(6, 0)).is_empty());
}

#[test]
fn one_balance_per_currency_sorted_by_code() {
    let mut eur = grant("2", ts(1, 0), None);
    eur.currency = Currency::EUR;
    let mut jpy = grant("500", ts(1, 0), None);
    jpy.currency = Currency::JPY;
    let entries = vec![grant("1", ts(1, 0), None), jpy, eur];
    let codes: Vec<String> = balances(&entries, ts(2, 0))
        .iter()
        .map(|a| format!("{} {}", a.currency, a.amount))
        .collect();
    assert_eq!(codes, vec!["EUR 2", "JPY 500", "USD 1"]);
    assert!(balances(&[], ts(1, 0)).is_empty());
}

fn at(offset_hours: u32) -> Timestamp {
    ts(1, 0) + chrono::Duration::hours(i64::from(offset_hours))
}

fn cents(c: i64) -> Decimal {
    Decimal::new(c, 2)
}

proptest! {
    /// Without expiry, replay is just addition: the balance is the sum of the amounts.
    #[test]
    fn balance_is_the_sum_of_amounts_when_nothing_expires(
        ops in proptest::collection::vec((0_u8..3, 1_i64..10_000, 0_u32..200, any::<bool>()), 0..60)
    ) {
        let entries: Vec<LedgerEntry> = ops.iter().map(|(kind, c, h, eur)| {
            let (kind, amount) = match kind {
                0 => (EntryKind::Grant, cents(*c)),
                1 => (EntryKind::Debit, -cents(*c)),
                _ => (EntryKind::Adjustment, if c % 2 == 0 { cents(*c) } else { -cents(*c) }),
            };
            let mut e = entry(kind, "1", at(*h));
            e.amount = amount;
            if *eur { e.currency = Currency::EUR; }
            e
        }).collect();
        for b in balances(&entries, at(1_000)) {
            let sum: Decimal = entries.iter().filter(|e| e.currency == b.currency).map(|e| e.amount).sum();
            prop_assert_eq!(b.amount, sum);
        }
    }

    /// Debits decided by `plan_debit` without `allow_negative`, in any time order and with
    /// expiring grants, never take the balance below zero at any instant.
    #[test]
    fn balance_never_negative_unless_a_debit_allowed_it(
        ops in proptest::collection::vec(
            (any::<bool>(), 1_i64..500, 0_u32..100, proptest::option::of(1_u32..50)), 1..50)
    ) {
        let mut ledger: Vec<LedgerEntry> = Vec::new();
        for (i, (is_grant, c, h, expires_in)) in ops.iter().enumerate() {
            if *is_grant {
                ledger.push(grant("1", at(*h), expires_in.map(|x| at(*h + x))));
                if let Some(last) = ledger.last_mut() { last.amount = cents(*c); }
                continue;
            }
            let d = Debit {
                customer: CustomerId::parse("acme").unwrap(),
                amount: Amount::new(Currency::USD, cents(*c)),
                reference: format!("r{i}"),
                at: at(*h),
                allow_negative: false,
                description: String::new(),
            };
            match plan_debit(&ledger, &d) {
                Ok(DebitDecision::Append(e)) => ledger.push(e),
                Ok(DebitDecision::Duplicate(_)) => prop_assert!(false, "fresh reference"),
                Err(_) => {} // refused: nothing written
            }
        }
        // Every instant where the balance can change: each entry, each expiry, and after.
        let mut instants: Vec<Timestamp> = ledger.iter()
            .flat_map(|e| [Some(e.created_at), e.expires_at])
            .flatten()
            .collect();
        instants.push(at(10_000));
        for t in instants {
            prop_assert!(usd(&ledger, t) >= Decimal::ZERO, "negative at {}", t);
        }
    }

    /// The same ledger with an allowed overdraft does go negative: the check above can fail.
    #[test]
    fn an_allowed_debit_can_go_negative(g in 1_i64..1000, extra in 1_i64..1000) {
        let ledger = vec![grant("1", at(0), None)];
        let mut ledger = ledger;
        ledger[0].amount = cents(g);
        let d = Debit {
            customer: CustomerId::parse("acme").unwrap(),
            amount: Amount::new(Currency::USD, cents(g + extra)),
            reference: "r".into(),
            at: at(1),
            allow_negative: true,
            description: String::new(),
        };
        match plan_debit(&ledger, &d) {
            Ok(DebitDecision::Append(e)) => ledger.push(e),
            other => prop_assert!(false, "{:?}", other),
        }
        prop_assert_eq!(usd(&ledger, at(2)), -cents(extra));
    }
}
