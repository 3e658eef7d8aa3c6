//! The shared conformance suite for [`WalletStore`] adapters (feature `conformance`).
//!
//! Every function takes the adapter as `Arc<dyn WalletStore>` and a `prefix` unique to the run
//! (customers are named `{prefix}-…`), and panics on the first broken rule. Call [`run_all`]
//! from a `#[tokio::test(flavor = "multi_thread")]` so the race really runs in parallel.

use crate::{
    AppendEntry, Debit, DebitOutcome, EntryKind, GrantSpec, LedgerEntry, WalletError, WalletStore,
    grants_for,
};
use chrono::{TimeZone, Utc};
use std::fmt::Debug;
use std::sync::Arc;
use tollgate_kernel::{Amount, Currency, CustomerId, Decimal, GrantTrigger, Timestamp, new_id};

/// Runs every check below, in order.
pub async fn run_all(store: Arc<dyn WalletStore>, prefix: &str) {
    grants_debits_and_balance(store.clone(), prefix).await;
    expiry(store.clone(), prefix).await;
    duplicate_reference(store.clone(), prefix).await;
    insufficient_credits_writes_nothing(store.clone(), prefix).await;
    allow_negative(store.clone(), prefix).await;
    invalid_entries_write_nothing(store.clone(), prefix).await;
    concurrent_debits_never_overspend(store, prefix).await;
}

fn must<T, E: Debug>(r: Result<T, E>, what: &str) -> T {
    match r {
        Ok(v) => v,
        Err(e) => panic!("{what}: {e:?}"),
    }
}

fn customer(prefix: &str, name: &str) -> CustomerId {
    must(CustomerId::parse(format!("{prefix}-{name}")), "customer id")
}

fn at(day: u32) -> Timestamp {
    Utc.with_ymd_and_hms(2026, 11, day, 12, 0, 0)
        .single()
        .unwrap_or_else(|| panic!("bad test day {day}"))
}

fn dec(s: &str) -> Decimal {
    must(s.parse::<Decimal>(), "decimal")
}

fn usd(s: &str) -> Amount {
    Amount::new(Currency::USD, dec(s))
}

fn grant(c: &CustomerId, amount: &str, day: u32, expires: Option<u32>) -> LedgerEntry {
    LedgerEntry {
        id: new_id("led"),
        customer: c.clone(),
        currency: Currency::USD,
        kind: EntryKind::Grant,
        amount: dec(amount),
        created_at: at(day),
        expires_at: expires.map(at),
        reference: None,
        description: "conformance grant".into(),
    }
}

fn debit(c: &CustomerId, amount: &str, reference: &str, day: u32) -> Debit {
    Debit {
        customer: c.clone(),
        amount: usd(amount),
        reference: reference.into(),
        at: at(day),
        allow_negative: false,
        description: "conformance debit".into(),
    }
}

async fn append(store: &Arc<dyn WalletStore>, e: LedgerEntry) -> AppendEntry {
    must(store.append(e).await, "append")
}

async fn spend(store: &Arc<dyn WalletStore>, d: &Debit) -> DebitOutcome {
    must(store.debit(d).await, "debit")
}

async fn balance(store: &Arc<dyn WalletStore>, c: &CustomerId, day: u32) -> Vec<Amount> {
    must(store.balances(c, at(day)).await, "balances")
}

/// Grants add, debits subtract exactly (fractions of a cent included), entries come back in
/// `(created_at, id)` order, currencies are kept apart.
pub async fn grants_debits_and_balance(store: Arc<dyn WalletStore>, prefix: &str) {
    let c = customer(prefix, "basic");
    assert!(
        balance(&store, &c, 1).await.is_empty(),
        "a new customer has no balance"
    );
    let specs = [
        GrantSpec {
            amount_minor: 500,
            currency: Currency::USD,
            on: GrantTrigger::Start,
            expires_after_days: None,
        },
        GrantSpec {
            amount_minor: 250_000,
            currency: Currency::VND,
            on: GrantTrigger::Start,
            expires_after_days: None,
        },
    ];
    for g in grants_for(&specs, GrantTrigger::Start, &c, at(2), "grant:conf:start") {
        assert!(!append(&store, g).await.is_duplicate());
    }
    let out = spend(&store, &debit(&c, "0.000450", "usage:evt_1", 3)).await;
    assert!(!out.duplicate);
    assert_eq!(out.balance, usd("4.999550"));
    assert_eq!(
        (out.entry.kind, out.entry.amount),
        (EntryKind::Debit, dec("-0.000450"))
    );
    assert_eq!(
        balance(&store, &c, 4).await,
        vec![usd("4.999550"), Amount::new(Currency::VND, dec("250000"))]
    );
    assert_eq!(
        balance(&store, &c, 2).await[0],
        usd("5.00"),
        "the debit is later"
    );
    let entries = must(store.entries(&c).await, "entries");
    assert_eq!(entries.len(), 3);
    assert!(
        entries
            .windows(2)
            .all(|w| LedgerEntry::ledger_order(&w[0], &w[1]).is_lt())
    );
    assert!(entries.iter().all(|e| e.customer == c));
}

/// Expiring lots are spent first; their remainder vanishes at `expires_at`.
pub async fn expiry(store: Arc<dyn WalletStore>, prefix: &str) {
    let c = customer(prefix, "expiry");
    append(&store, grant(&c, "10", 1, None)).await;
    append(&store, grant(&c, "4", 2, Some(6))).await;
    spend(&store, &debit(&c, "3", "spend-1", 3)).await; // from the expiring lot
    assert_eq!(balance(&store, &c, 5).await, vec![usd("11")]);
    assert_eq!(
        balance(&store, &c, 6).await,
        vec![usd("10")],
        "1 left of 4 expired"
    );
    let late = spend(&store, &debit(&c, "10", "spend-2", 7)).await;
    assert_eq!(late.balance, usd("0"));
    let r = store.debit(&debit(&c, "0.01", "spend-3", 7)).await;
    assert!(
        matches!(r, Err(WalletError::InsufficientCredits { .. })),
        "{r:?}"
    );
}

/// The same reference twice: one entry, the first answer, no second debit or grant.
pub async fn duplicate_reference(store: Arc<dyn WalletStore>, prefix: &str) {
    let c = customer(prefix, "dup");
    let other = customer(prefix, "dup-other");
    let mut g = grant(&c, "1.00", 1, None);
    g.reference = Some("grant:pro:start:2026-11:0".into());
    let mut again = grant(&c, "7.00", 1, None);
    again.reference = g.reference.clone();
    assert_eq!(
        append(&store, g.clone()).await,
        AppendEntry::Inserted(g.clone())
    );
    assert_eq!(
        append(&store, again).await,
        AppendEntry::Duplicate(g.clone())
    );
    let mut theirs = grant(&other, "2.00", 1, None);
    theirs.reference = g.reference.clone();
    assert!(
        !append(&store, theirs).await.is_duplicate(),
        "references are per customer"
    );

    let first = spend(&store, &debit(&c, "0.25", "usage:evt_x", 2)).await;
    let repeat = spend(&store, &debit(&c, "0.25", "usage:evt_x", 2)).await;
    assert!(repeat.duplicate && !first.duplicate);
    assert_eq!(repeat.entry, first.entry);
    assert_eq!(repeat.balance, usd("0.75"));
    assert_eq!(must(store.entries(&c).await, "entries").len(), 2);
    assert_eq!(balance(&store, &c, 3).await, vec![usd("0.75")]);
    assert_eq!(balance(&store, &other, 3).await, vec![usd("2.00")]);
}

/// A debit beyond the balance is refused with the balance and writes nothing.
pub async fn insufficient_credits_writes_nothing(store: Arc<dyn WalletStore>, prefix: &str) {
    let c = customer(prefix, "short");
    append(&store, grant(&c, "0.50", 1, None)).await;
    match store.debit(&debit(&c, "0.51", "usage:evt_big", 2)).await {
        Err(WalletError::InsufficientCredits {
            currency,
            balance,
            needed,
        }) => {
            assert_eq!(currency, Currency::USD);
            assert_eq!(balance, dec("0.50"));
            assert_eq!(needed, dec("0.51"));
        }
        other => panic!("expected InsufficientCredits, got {other:?}"),
    }
    assert_eq!(must(store.entries(&c).await, "entries").len(), 1);
    // The reference was not consumed: a later, affordable retry goes through.
    let ok = spend(&store, &debit(&c, "0.50", "usage:evt_big", 2)).await;
    assert!(!ok.duplicate);
    assert_eq!(ok.balance, usd("0"));
    let r = store.debit(&debit(&c, "-1", "neg", 2)).await;
    assert!(matches!(r, Err(WalletError::Invalid(_))), "{r:?}");
}

/// `allow_negative` lets a debit overdraw; the next grant repays the debt first.
pub async fn allow_negative(store: Arc<dyn WalletStore>, prefix: &str) {
    let c = customer(prefix, "negative");
    append(&store, grant(&c, "1.00", 1, None)).await;
    let mut over = debit(&c, "1.40", "usage:overage", 2);
    over.allow_negative = true;
    assert_eq!(spend(&store, &over).await.balance, usd("-0.40"));
    let r = store.debit(&debit(&c, "0.01", "more", 3)).await;
    assert!(
        matches!(r, Err(WalletError::InsufficientCredits { .. })),
        "{r:?}"
    );
    append(&store, grant(&c, "1.00", 4, Some(10))).await;
    assert_eq!(balance(&store, &c, 5).await, vec![usd("0.60")]);
    assert_eq!(
        balance(&store, &c, 10).await,
        vec![usd("0")],
        "only the rest expired"
    );
}

/// Entries that break ledger rules are refused and write nothing.
pub async fn invalid_entries_write_nothing(store: Arc<dyn WalletStore>, prefix: &str) {
    let c = customer(prefix, "invalid");
    let mut negative_grant = grant(&c, "1", 1, None);
    negative_grant.amount = dec("-1");
    let mut expiring_debit = grant(&c, "1", 1, Some(3));
    expiring_debit.kind = EntryKind::Debit;
    expiring_debit.amount = dec("-1");
    let mut empty_reference = grant(&c, "1", 1, None);
    empty_reference.reference = Some(String::new());
    for bad in [negative_grant, expiring_debit, empty_reference] {
        let r = store.append(bad).await;
        assert!(matches!(r, Err(WalletError::Invalid(_))), "{r:?}");
    }
    assert!(must(store.entries(&c).await, "entries").is_empty());
}

/// 50 tasks each debit 0.10 from 1.00 at once: exactly 10 succeed, the rest are refused for
/// insufficient credits, and the balance ends at exactly zero.
pub async fn concurrent_debits_never_overspend(store: Arc<dyn WalletStore>, prefix: &str) {
    let c = customer(prefix, "race");
    append(&store, grant(&c, "1.00", 1, None)).await;
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..50 {
        let store = store.clone();
        let d = debit(&c, "0.10", &format!("usage:race-{i}"), 2);
        tasks.spawn(async move { store.debit(&d).await });
    }
    let (mut ok, mut refused) = (0, 0);
    while let Some(joined) = tasks.join_next().await {
        match must(joined, "task") {
            Ok(_) => ok += 1,
            Err(WalletError::InsufficientCredits { .. }) => refused += 1,
            Err(other) => panic!("unexpected debit failure: {other:?}"),
        }
    }
    assert_eq!((ok, refused), (10, 40));
    assert_eq!(balance(&store, &c, 3).await, vec![usd("0")]);
    assert_eq!(must(store.entries(&c).await, "entries").len(), 11);
}
