//! Which events a list or an aggregate looks at, and the one ordering every adapter uses.

use crate::{UsageEvent, UsageLogError};
use std::cmp::Ordering;
use tollgate_kernel::{CustomerId, FeatureCode, Timestamp};

/// A filter over the log. Every field narrows; the default selects everything.
///
/// Results are ordered by `(occurred_at, id)`. `after_id` is a keyset cursor: it names the
/// last event of the previous page, and the next page starts strictly after that event's
/// `(occurred_at, id)` position. (Comparing ids alone would skip back-dated events, since ids
/// sort by *recording* time and the order is by *occurrence* time.)
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UsageQuery {
    pub customer: Option<CustomerId>,
    pub feature: Option<FeatureCode>,
    /// Inclusive lower bound on `occurred_at`.
    pub from: Option<Timestamp>,
    /// Exclusive upper bound on `occurred_at`.
    pub to: Option<Timestamp>,
    /// At most this many events (after the cursor).
    pub limit: Option<usize>,
    /// Id of the last event already seen.
    pub after_id: Option<String>,
}

impl UsageQuery {
    pub fn for_customer(customer: CustomerId) -> Self {
        Self {
            customer: Some(customer),
            ..Self::default()
        }
    }

    /// Whether an event passes the customer, feature and time filters (not cursor or limit).
    pub fn matches(&self, e: &UsageEvent) -> bool {
        self.customer.as_ref().is_none_or(|c| *c == e.customer)
            && self.feature.as_ref().is_none_or(|f| *f == e.feature)
            && self.from.is_none_or(|from| e.occurred_at >= from)
            && self.to.is_none_or(|to| e.occurred_at < to)
    }

    /// Applies the whole query to a set of events: filter, order, cursor, limit. The reference
    /// semantics for adapters; the memory adapter uses it directly.
    ///
    /// # Errors
    /// [`UsageLogError::Invalid`] when `after_id` names no event in `all`.
    pub fn select<'a>(
        &self,
        all: impl IntoIterator<Item = &'a UsageEvent>,
    ) -> Result<Vec<UsageEvent>, UsageLogError> {
        let all: Vec<&UsageEvent> = all.into_iter().collect();
        let cursor = match &self.after_id {
            None => None,
            Some(id) => Some(
                all.iter()
                    .find(|e| e.id == *id)
                    .map(|e| (e.occurred_at, e.id.clone()))
                    .ok_or_else(|| UsageLogError::Invalid(format!("unknown cursor {id:?}")))?,
            ),
        };
        let mut hits: Vec<&UsageEvent> = all
            .into_iter()
            .filter(|e| self.matches(e))
            .filter(|e| {
                cursor.as_ref().is_none_or(|(at, id)| {
                    (e.occurred_at, e.id.as_str()).cmp(&(*at, id.as_str())) == Ordering::Greater
                })
            })
            .collect();
        hits.sort_by(|a, b| by_occurrence(a, b));
        let limit = self.limit.unwrap_or(usize::MAX);
        Ok(hits.into_iter().take(limit).cloned().collect())
    }
}

/// The log's order: by `occurred_at`, then `id` (ids are unique, so the order is total).
pub fn by_occurrence(a: &UsageEvent, b: &UsageEvent) -> Ordering {
    (a.occurred_at, &a.id).cmp(&(b.occurred_at, &b.id))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::fixtures::*;

    #[test]
    fn filters_are_half_open_and_ordered() {
        let a = event("acme", "api_calls", 1, ts(3, 0));
        let b = event("acme", "api_calls", 2, ts(1, 0));
        let c = event("acme", "storage", 3, ts(2, 0));
        let d = event("globex", "api_calls", 4, ts(2, 0));
        let all = [a.clone(), b.clone(), c.clone(), d.clone()];

        let q = UsageQuery::for_customer(CustomerId::parse("acme").unwrap());
        let ids = |v: Vec<UsageEvent>| v.into_iter().map(|e| e.quantity).collect::<Vec<_>>();
        assert_eq!(ids(q.select(&all).unwrap()), vec![2, 3, 1]);

        let q = UsageQuery {
            from: Some(ts(2, 0)),
            to: Some(ts(3, 0)),
            ..UsageQuery::default()
        };
        // [from, to): the event at `to` is out, both at `from` are in.
        assert_eq!(ids(q.select(&all).unwrap()).len(), 2);
        assert!(!q.matches(&a));

        let q = UsageQuery {
            feature: Some(FeatureCode::parse("api_calls").unwrap()),
            limit: Some(2),
            ..UsageQuery::default()
        };
        assert_eq!(ids(q.select(&all).unwrap()), vec![2, 4]);
    }

    #[test]
    fn cursor_pages_by_occurrence_not_by_id() {
        // `late` is recorded first (smaller id) but happened last.
        let late = event("acme", "api_calls", 9, ts(9, 0));
        let early: Vec<UsageEvent> = (1..=4)
            .map(|i| event("acme", "api_calls", i, ts(i as u32, 0)))
            .collect();
        let mut all = vec![late.clone()];
        all.extend(early);

        let mut seen = Vec::new();
        let mut q = UsageQuery {
            limit: Some(2),
            ..UsageQuery::default()
        };
        loop {
            let page = q.select(&all).unwrap();
            if page.is_empty() {
                break;
            }
            q.after_id = page.last().map(|e| e.id.clone());
            seen.extend(page.into_iter().map(|e| e.quantity));
        }
        assert_eq!(seen, vec![1, 2, 3, 4, 9]);
    }

    #[test]
    fn unknown_cursor_is_invalid() {
        let q = UsageQuery {
            after_id: Some("evt_nope".into()),
            ..UsageQuery::default()
        };
        assert!(matches!(q.select(&[]), Err(UsageLogError::Invalid(_))));
    }
}
