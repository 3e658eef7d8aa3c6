//! Turning a plan's wallet grants into ledger entries.

use crate::{EntryKind, LedgerEntry};
use chrono::Duration;
use serde::{Deserialize, Serialize};
use tollgate_kernel::{Currency, CustomerId, GrantTrigger, Money, Timestamp, new_id};

/// A plan's promise of credits: `{"amount_minor": 500, "currency": "USD", "on": "start",
/// "expires_after_days": 30}`. Grants are whole minor units; the ledger holds exact decimals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GrantSpec {
    pub amount_minor: i64,
    pub currency: Currency,
    pub on: GrantTrigger,
    /// Days until the grant's unused remainder expires; `None` (or 0) never expires.
    #[serde(default)]
    pub expires_after_days: Option<u32>,
}

fn trigger_word(t: GrantTrigger) -> &'static str {
    match t {
        GrantTrigger::Start => "start",
        GrantTrigger::Renewal => "renewal",
        GrantTrigger::Upgrade => "upgrade",
    }
}

/// The grant entries due for `trigger`, created at `now`.
///
/// Each entry's reference is `"{reference_prefix}:{index}"`, where `index` is the spec's
/// position in `specs`: with a prefix that names the occasion (`grant:pro:start:2026-11`), a
/// re-run produces the same references and the store keeps one of each. Specs with a
/// non-positive amount grant nothing and are skipped (their index is still reserved).
pub fn grants_for(
    specs: &[GrantSpec],
    trigger: GrantTrigger,
    customer: &CustomerId,
    now: Timestamp,
    reference_prefix: &str,
) -> Vec<LedgerEntry> {
    specs
        .iter()
        .enumerate()
        .filter(|(_, s)| s.on == trigger && s.amount_minor > 0)
        .map(|(index, s)| LedgerEntry {
            id: new_id("led"),
            customer: customer.clone(),
            currency: s.currency,
            kind: EntryKind::Grant,
            amount: Money::new(s.amount_minor, s.currency).to_major(),
            created_at: now,
            expires_at: s
                .expires_after_days
                .filter(|d| *d > 0)
                .map(|d| now + Duration::days(i64::from(d))),
            reference: Some(format!("{reference_prefix}:{index}")),
            description: format!("plan credits ({})", trigger_word(trigger)),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::fixtures::*;

    fn specs() -> Vec<GrantSpec> {
        serde_json::from_value(serde_json::json!([
            {"amount_minor": 500, "currency": "USD", "on": "start", "expires_after_days": 30},
            {"amount_minor": 250000, "currency": "VND", "on": "renewal"},
            {"amount_minor": 1234, "currency": "KWD", "on": "start"},
            {"amount_minor": 0, "currency": "USD", "on": "start"}
        ]))
        .unwrap()
    }

    #[test]
    fn converts_minor_units_exactly_per_currency() {
        let g = grants_for(
            &specs(),
            GrantTrigger::Start,
            &acme(),
            ts(1, 0),
            "grant:pro:start:2026-11",
        );
        assert_eq!(g.len(), 2);
        assert_eq!(g[0].amount, dec("5.00"));
        assert_eq!(g[0].currency, Currency::USD);
        assert_eq!(g[0].expires_at, Some(ts(1, 0) + Duration::days(30)));
        assert_eq!(g[0].reference.as_deref(), Some("grant:pro:start:2026-11:0"));
        assert_eq!(g[1].amount, dec("1.234"));
        assert_eq!(g[1].reference.as_deref(), Some("grant:pro:start:2026-11:2"));
        assert!(
            g.iter()
                .all(|e| e.kind == EntryKind::Grant && e.validate().is_ok())
        );

        let r = grants_for(&specs(), GrantTrigger::Renewal, &acme(), ts(1, 0), "p");
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].amount, dec("250000"));
        assert_eq!(r[0].expires_at, None);
        assert!(grants_for(&specs(), GrantTrigger::Upgrade, &acme(), ts(1, 0), "p").is_empty());
    }

    #[test]
    fn reruns_give_the_same_references() {
        let a = grants_for(&specs(), GrantTrigger::Start, &acme(), ts(1, 0), "x");
        let b = grants_for(&specs(), GrantTrigger::Start, &acme(), ts(2, 0), "x");
        let refs = |v: &[LedgerEntry]| v.iter().map(|e| e.reference.clone()).collect::<Vec<_>>();
        assert_eq!(refs(&a), refs(&b));
        assert_ne!(a[0].id, b[0].id);
    }
}
