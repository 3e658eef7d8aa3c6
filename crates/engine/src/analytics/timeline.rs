//! Each customer's subscription over the analytics window, rebuilt from the audit journal.
//!
//! Every change of a subscription is journaled (`subscription.*`, entity `subscription:<id>`)
//! with the subscription before and after it, and `version` grows by one per change, also
//! across a canceled subscription and the one that replaces it. So the state at any instant is
//! the `after` of the last change journaled at or before it; with no such change, the `before`
//! of the first later one; with no change at all, the stored subscription as it is.

use std::collections::HashMap;

use tollgate_billing::Subscription;
use tollgate_kernel::{CustomerId, Timestamp};

use crate::audit::AuditEntry;

/// One customer's subscription around a window.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Timeline {
    /// The subscription at the window start; `None` when there was none.
    pub at_start: Option<Subscription>,
    /// Every state it took after the window start, oldest first.
    pub in_window: Vec<Subscription>,
}

struct Change {
    ts: Timestamp,
    before: Option<Subscription>,
    after: Subscription,
}

fn decode(value: Option<&serde_json::Value>) -> Option<Subscription> {
    value.and_then(|v| serde_json::from_value(v.clone()).ok())
}

/// Timelines of every customer that has journaled changes or a stored subscription.
///
/// `entries` are the journal's subscription entries in any order; those whose `after` is not a
/// subscription (`subscription.trial_will_end` notices) are skipped. `current` is the stored
/// subscription of each customer, used when the journal holds nothing for it.
pub(crate) fn timelines(
    entries: &[AuditEntry],
    current: &HashMap<CustomerId, Subscription>,
    start: Timestamp,
) -> HashMap<CustomerId, Timeline> {
    let mut changes: HashMap<CustomerId, Vec<Change>> = HashMap::new();
    for e in entries {
        let Some(id) = e.entity.strip_prefix("subscription:") else {
            continue;
        };
        let (Ok(customer), Some(after)) = (CustomerId::parse(id), decode(e.after.as_ref())) else {
            continue;
        };
        changes.entry(customer).or_default().push(Change {
            ts: e.ts,
            before: decode(e.before.as_ref()),
            after,
        });
    }
    let mut out: HashMap<CustomerId, Timeline> = current
        .iter()
        .filter(|(id, _)| !changes.contains_key(*id))
        .map(|(id, s)| {
            let timeline = if s.updated_at <= start {
                Timeline {
                    at_start: Some(s.clone()),
                    in_window: Vec::new(),
                }
            } else {
                Timeline {
                    at_start: None,
                    in_window: vec![s.clone()],
                }
            };
            (id.clone(), timeline)
        })
        .collect();
    for (id, mut list) in changes {
        list.sort_by(|a, b| a.after.version.cmp(&b.after.version).then(a.ts.cmp(&b.ts)));
        // A change journaled twice (an upgrade's summary entry) counts once.
        list.dedup_by_key(|c| c.after.version);
        let at_start = match list.iter().rev().find(|c| c.ts <= start) {
            Some(c) => Some(c.after.clone()),
            None => list.first().and_then(|c| c.before.clone()),
        };
        let in_window = list
            .into_iter()
            .filter(|c| c.ts > start)
            .map(|c| c.after)
            .collect();
        out.insert(
            id,
            Timeline {
                at_start,
                in_window,
            },
        );
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::audit::Caller;
    use chrono::{Duration, TimeZone, Utc};
    use tollgate_billing::SubscriptionStatus;
    use tollgate_kernel::{Currency, Interval, PlanCode};

    fn day(d: u32) -> Timestamp {
        Utc.with_ymd_and_hms(2026, 11, d, 0, 0, 0).unwrap()
    }

    fn sub(plan: &str, status: SubscriptionStatus, version: i64, at: Timestamp) -> Subscription {
        let mut s = Subscription::trial(
            CustomerId::parse("acme").unwrap(),
            PlanCode::parse(plan).unwrap(),
            Interval::Month,
            Currency::USD,
            14,
            day(1),
        )
        .unwrap();
        s.status = status;
        s.version = version;
        s.updated_at = at;
        s
    }

    fn entry(
        action: &str,
        at: Timestamp,
        before: Option<&Subscription>,
        after: &Subscription,
    ) -> AuditEntry {
        AuditEntry::new(
            &Caller::system(),
            at,
            action,
            "subscription:acme".into(),
            before.map(|s| serde_json::to_value(s).unwrap()),
            Some(serde_json::to_value(after).unwrap()),
        )
    }

    fn acme() -> CustomerId {
        CustomerId::parse("acme").unwrap()
    }

    #[test]
    fn the_state_at_the_start_is_the_last_change_before_it() {
        let trial = sub("pro", SubscriptionStatus::Trialing, 1, day(1));
        let active = sub("pro", SubscriptionStatus::Active, 2, day(3));
        let team = sub("team", SubscriptionStatus::Active, 3, day(12));
        let canceled = sub("team", SubscriptionStatus::Canceled, 4, day(20));
        // Newest first, as the journal lists them, with the upgrade journaled twice.
        let entries = vec![
            entry("subscription.canceled", day(20), Some(&team), &canceled),
            entry("subscription.upgraded", day(12), Some(&active), &team),
            entry("subscription.changed", day(12), Some(&active), &team),
            entry("subscription.activated", day(3), Some(&trial), &active),
            entry("subscription.trial_started", day(1), None, &trial),
        ];
        let current = HashMap::from([(acme(), canceled.clone())]);
        let t = &timelines(&entries, &current, day(10))[&acme()];
        assert_eq!(t.at_start.as_ref(), Some(&active));
        assert_eq!(t.in_window, vec![team, canceled]);

        let before_all = &timelines(&entries, &current, day(1) - Duration::hours(1))[&acme()];
        assert_eq!(before_all.at_start, None, "the trial started later");
        assert_eq!(before_all.in_window.len(), 4);
    }

    #[test]
    fn without_history_before_the_window_the_first_change_tells_the_start() {
        let active = sub("pro", SubscriptionStatus::Active, 7, day(2));
        let canceled = sub("pro", SubscriptionStatus::Canceled, 8, day(15));
        let notice = AuditEntry::new(
            &Caller::system(),
            day(14),
            "subscription.trial_will_end",
            "subscription:acme".into(),
            None,
            Some(serde_json::json!({"trial_end": day(16)})),
        );
        let entries = vec![
            entry("subscription.canceled", day(15), Some(&active), &canceled),
            notice,
        ];
        let current = HashMap::from([(acme(), canceled.clone())]);
        let t = &timelines(&entries, &current, day(10))[&acme()];
        assert_eq!(t.at_start.as_ref(), Some(&active));
        assert_eq!(t.in_window, vec![canceled]);
    }

    #[test]
    fn without_any_journal_the_stored_subscription_is_used() {
        let old = sub("pro", SubscriptionStatus::Active, 3, day(2));
        let t = &timelines(&[], &HashMap::from([(acme(), old.clone())]), day(10))[&acme()];
        assert_eq!((t.at_start.as_ref(), t.in_window.len()), (Some(&old), 0));

        let new = sub("pro", SubscriptionStatus::Active, 1, day(12));
        let t = &timelines(&[], &HashMap::from([(acme(), new.clone())]), day(10))[&acme()];
        assert_eq!(
            (t.at_start.as_ref(), t.in_window.clone()),
            (None, vec![new])
        );
    }
}
