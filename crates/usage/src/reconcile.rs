//! Reconciliation: counters are derived data, so the totals recomputed from events are the
//! truth, and any stored counter that differs is drift (guarantee 5: drift is always 0).

use crate::{CounterTotal, UsageEvent};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use tollgate_kernel::{CustomerId, FeatureCode};

/// Recomputes every counter from events: `sum(delta)` grouped by customer, feature and window,
/// skipping events that moved no counter (`window_key == ""`). Sorted by
/// `(customer, feature, window_key)`. A group whose deltas cancel out (a gauge that went up
/// and back down) is kept with total 0, so a stale stored counter for it is still checked.
pub fn expected_totals(events: &[UsageEvent]) -> Vec<CounterTotal> {
    let mut totals: BTreeMap<(&CustomerId, &FeatureCode, &str), i64> = BTreeMap::new();
    for e in events.iter().filter(|e| !e.window_key.is_empty()) {
        let t = totals
            .entry((&e.customer, &e.feature, e.window_key.as_str()))
            .or_insert(0);
        *t = t.saturating_add(e.delta);
    }
    totals
        .into_iter()
        .map(|((customer, feature, window_key), total)| CounterTotal {
            customer: customer.clone(),
            feature: feature.clone(),
            window_key: window_key.to_owned(),
            total,
        })
        .collect()
}

/// One counter whose stored value differs from the recomputation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Drift {
    pub customer: CustomerId,
    pub feature: FeatureCode,
    pub window_key: String,
    pub stored: i64,
    pub expected: i64,
}

/// The outcome of comparing counters with events.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DriftReport {
    /// How many counters were compared.
    pub checked: usize,
    pub drifts: Vec<Drift>,
}

impl DriftReport {
    pub fn is_clean(&self) -> bool {
        self.drifts.is_empty()
    }
}

/// Compares recomputed totals with the stored counter values, given in the same order.
/// A missing stored value (`stored` shorter than `expected`) reads as 0: a counter that was
/// lost is drift unless its events also sum to 0. Extra stored values are ignored.
pub fn compare(expected: &[CounterTotal], stored: &[i64]) -> DriftReport {
    let drifts = expected
        .iter()
        .enumerate()
        .filter_map(|(i, e)| {
            let s = stored.get(i).copied().unwrap_or(0);
            (s != e.total).then(|| Drift {
                customer: e.customer.clone(),
                feature: e.feature.clone(),
                window_key: e.window_key.clone(),
                stored: s,
                expected: e.total,
            })
        })
        .collect();
    DriftReport {
        checked: expected.len(),
        drifts,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::fixtures::*;
    use proptest::prelude::*;
    use std::collections::HashMap;

    #[test]
    fn groups_by_counter_and_skips_counterless_events() {
        let mut e1 = event("acme", "api_calls", 3, ts(1, 0));
        let e2 = event("acme", "api_calls", 4, ts(2, 0));
        let mut e3 = event("acme", "storage", 10, ts(2, 0));
        e3.window_key = "life".into();
        let mut release = event("acme", "storage", -50, ts(3, 0));
        release.window_key = "life".into();
        release.delta = -10; // clamped at zero
        let mut gate = event("acme", "analytics", 1, ts(3, 0));
        gate.delta = 0;
        gate.window_key.clear();
        e1.window_key = "m202610".into();

        let totals = expected_totals(&[e1, e2, e3, release, gate]);
        let flat: Vec<(&str, &str, i64)> = totals
            .iter()
            .map(|t| (t.feature.as_str(), t.window_key.as_str(), t.total))
            .collect();
        assert_eq!(
            flat,
            vec![
                ("api_calls", "m202610", 3),
                ("api_calls", "m202611", 4),
                ("storage", "life", 0)
            ]
        );
    }

    #[test]
    fn compare_reports_each_difference() {
        let totals = expected_totals(&[
            event("acme", "a", 3, ts(1, 0)),
            event("acme", "b", 5, ts(1, 0)),
            event("acme", "c", 7, ts(1, 0)),
        ]);
        let clean = compare(&totals, &[3, 5, 7]);
        assert!(clean.is_clean());
        assert_eq!(clean.checked, 3);

        let report = compare(&totals, &[3, 6]);
        assert!(!report.is_clean());
        let got: Vec<(i64, i64)> = report
            .drifts
            .iter()
            .map(|d| (d.stored, d.expected))
            .collect();
        assert_eq!(got, vec![(6, 5), (0, 7)]);
        assert_eq!(report.drifts[0].feature.as_str(), "b");
    }

    proptest! {
        /// Counters built the way the engine builds them (adding each delta as it goes) never
        /// drift from the recomputation, whatever the order of events.
        #[test]
        fn counters_built_by_summing_have_no_drift(
            raw in proptest::collection::vec((0_usize..3, 0_usize..3, 0_usize..3, -50_i64..50), 0..80)
        ) {
            let customers = ["acme", "globex", "initech"];
            let features = ["api_calls", "seats", "tokens"];
            let windows = ["m202611", "life", ""];
            let mut counters: HashMap<(String, String, String), i64> = HashMap::new();
            let events: Vec<UsageEvent> = raw.iter().map(|(c, f, w, d)| {
                let mut e = event(customers[*c], features[*f], *d, ts(1, 0));
                e.window_key = windows[*w].to_owned();
                if e.window_key.is_empty() { e.delta = 0; } else {
                    *counters.entry((customers[*c].into(), features[*f].into(), windows[*w].into())).or_insert(0) += d;
                }
                e
            }).collect();
            let expected = expected_totals(&events);
            let stored: Vec<i64> = expected.iter().map(|t| counters[&(
                t.customer.to_string(), t.feature.to_string(), t.window_key.clone())]).collect();
            let report = compare(&expected, &stored);
            prop_assert!(report.is_clean(), "{:?}", report);
            prop_assert_eq!(report.checked, counters.len());

            // And the comparison can fail: one unit off anywhere is reported.
            if !stored.is_empty() {
                let mut off = stored.clone();
                off[0] += 1;
                prop_assert_eq!(compare(&expected, &off).drifts.len(), 1);
            }
        }
    }
}
