//! Aggregations over usage events: what a metered price or a report reads from the log.

use crate::UsageEvent;
use crate::query::by_occurrence;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// How a set of events becomes one number.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Aggregation {
    /// Number of events.
    Count,
    /// Sum of `quantity` (what was requested, not the clamped counter `delta`).
    Sum,
    /// Largest `quantity`; 0 for no events.
    Max,
    /// `quantity` of the last event by `(occurred_at, id)`; 0 for no events.
    Latest,
    /// Number of distinct values of one property; events without it (or with `null`) are
    /// not counted.
    Unique(String),
}

/// Aggregates events, saturating at the `i64` bounds rather than wrapping (a total that large
/// is already absurd; wrapping would turn it into a small or negative number).
pub fn aggregate(events: &[UsageEvent], agg: &Aggregation) -> i64 {
    match agg {
        Aggregation::Count => i64::try_from(events.len()).unwrap_or(i64::MAX),
        Aggregation::Sum => events
            .iter()
            .fold(0_i64, |acc, e| acc.saturating_add(e.quantity)),
        Aggregation::Max => events.iter().map(|e| e.quantity).max().unwrap_or(0),
        Aggregation::Latest => events
            .iter()
            .max_by(|a, b| by_occurrence(a, b))
            .map_or(0, |e| e.quantity),
        Aggregation::Unique(property) => {
            let distinct: HashSet<String> = events
                .iter()
                .filter_map(|e| e.properties.get(property))
                .filter(|v| !v.is_null())
                // Canonical JSON text: "1" and 1 stay different values, as they are.
                .map(|v| v.to_string())
                .collect();
            i64::try_from(distinct.len()).unwrap_or(i64::MAX)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::fixtures::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn with_props(q: i64, day: u32, props: serde_json::Value) -> UsageEvent {
        let mut e = event("acme", "ai_queries", q, ts(day, 0));
        e.properties = props;
        e
    }

    #[test]
    fn each_aggregation() {
        let events = vec![
            with_props(5, 3, json!({"model": "gpt-4o"})),
            with_props(7, 1, json!({"model": "claude"})),
            with_props(2, 2, json!({"model": "gpt-4o"})),
            with_props(1, 2, json!({"model": null})),
            with_props(4, 2, json!({})),
        ];
        assert_eq!(aggregate(&events, &Aggregation::Count), 5);
        assert_eq!(aggregate(&events, &Aggregation::Sum), 19);
        assert_eq!(aggregate(&events, &Aggregation::Max), 7);
        assert_eq!(aggregate(&events, &Aggregation::Latest), 5);
        assert_eq!(aggregate(&events, &Aggregation::Unique("model".into())), 2);
        assert_eq!(aggregate(&events, &Aggregation::Unique("user".into())), 0);
    }

    #[test]
    fn empty_is_zero_everywhere() {
        for agg in [
            Aggregation::Count,
            Aggregation::Sum,
            Aggregation::Max,
            Aggregation::Latest,
            Aggregation::Unique("x".into()),
        ] {
            assert_eq!(aggregate(&[], &agg), 0, "{agg:?}");
        }
    }

    #[test]
    fn latest_breaks_ties_by_id_and_max_handles_negatives() {
        let a = event("acme", "seats", -3, ts(1, 0));
        let b = event("acme", "seats", -8, ts(1, 0)); // same instant, larger id
        assert_eq!(aggregate(&[b.clone(), a.clone()], &Aggregation::Latest), -8);
        assert_eq!(aggregate(&[a, b], &Aggregation::Max), -3);
    }

    #[test]
    fn sum_saturates() {
        let events = vec![
            event("acme", "x", i64::MAX, ts(1, 0)),
            event("acme", "x", 1, ts(1, 1)),
        ];
        assert_eq!(aggregate(&events, &Aggregation::Sum), i64::MAX);
    }

    #[test]
    fn aggregation_serde() {
        let a: Aggregation = serde_json::from_value(json!({"unique": "model"})).unwrap();
        assert_eq!(a, Aggregation::Unique("model".into()));
        assert_eq!(
            serde_json::to_value(Aggregation::Sum).unwrap(),
            json!("sum")
        );
    }

    proptest! {
        #[test]
        fn sum_is_the_sum_of_quantities(qs in proptest::collection::vec(-1_000_000_i64..1_000_000, 0..60)) {
            let events: Vec<UsageEvent> = qs.iter().enumerate()
                .map(|(i, q)| event("acme", "x", *q, ts(1 + (i % 28) as u32, 0)))
                .collect();
            prop_assert_eq!(aggregate(&events, &Aggregation::Sum), qs.iter().sum::<i64>());
            prop_assert_eq!(aggregate(&events, &Aggregation::Count), qs.len() as i64);
            prop_assert_eq!(aggregate(&events, &Aggregation::Max), qs.iter().copied().max().unwrap_or(0));
        }
    }
}
