//! The usage event and the small values that travel with it.

use crate::UsageLogError;
use serde::{Deserialize, Serialize};
use tollgate_kernel::{Amount, CustomerId, FeatureCode, IdempotencyKey, Timestamp};

/// One accepted unit of usage, as the engine recorded it. Events are append-only: once stored
/// an event never changes, and every counter can be recomputed from them (`sum(delta)` per
/// customer, feature and window).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UsageEvent {
    /// `evt_…` from [`tollgate_kernel::new_id`]: UUIDv7, so ids sort by creation time.
    pub id: String,
    pub customer: CustomerId,
    pub feature: FeatureCode,
    /// The quantity as the caller requested it (signed for gauges).
    pub quantity: i64,
    /// How much the feature's counter actually moved: `quantity` normally, the clamped value
    /// for a gauge release (never below zero), `0` for kinds without a counter.
    pub delta: i64,
    /// The counter window `delta` went to (`m202611`, `d20261121`, `life`); `""` when the
    /// event moved no counter.
    pub window_key: String,
    /// When the usage happened (the caller's `occurred_at`, or the receive time).
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub occurred_at: Timestamp,
    /// When Tollgate stored it.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub recorded_at: Timestamp,
    /// Unique per customer: the same key always names this event.
    pub idempotency_key: IdempotencyKey,
    /// Free-form attributes (`model`, `provider`, `input_tokens`, …); always a JSON object.
    pub properties: serde_json::Value,
    pub billable: bool,
    /// Exact cost, when the feature is priced (token prices, overage).
    pub cost: Option<Amount>,
    /// The first answer given to the caller, returned verbatim for duplicates. Opaque here.
    pub answer: serde_json::Value,
}

impl UsageEvent {
    /// Checks the rules every stored event obeys. Adapters call this before writing, so bad
    /// input writes nothing.
    ///
    /// # Errors
    /// [`UsageLogError::Invalid`] when the id is empty, `properties` is not a JSON object, or
    /// the event moves a counter (`delta != 0`) without naming its window.
    pub fn validate(&self) -> Result<(), UsageLogError> {
        if self.id.trim().is_empty() {
            return Err(UsageLogError::Invalid("event id must not be empty".into()));
        }
        if !self.properties.is_object() {
            return Err(UsageLogError::Invalid(
                "properties must be a JSON object".into(),
            ));
        }
        if self.delta != 0 && self.window_key.is_empty() {
            return Err(UsageLogError::Invalid(format!(
                "event {} moves a counter by {} but names no window",
                self.id, self.delta
            )));
        }
        Ok(())
    }
}

/// What [`crate::UsageLog::append`] did.
#[derive(Debug, Clone, PartialEq)]
pub enum AppendOutcome {
    /// The event is new and is now stored.
    Inserted(UsageEvent),
    /// The customer already used this idempotency key: this is the stored first event,
    /// unchanged, and nothing was written.
    Duplicate(UsageEvent),
}

impl AppendOutcome {
    /// The stored event, whichever way it got there.
    pub fn event(&self) -> &UsageEvent {
        match self {
            AppendOutcome::Inserted(e) | AppendOutcome::Duplicate(e) => e,
        }
    }

    pub fn into_event(self) -> UsageEvent {
        match self {
            AppendOutcome::Inserted(e) | AppendOutcome::Duplicate(e) => e,
        }
    }

    pub fn is_duplicate(&self) -> bool {
        matches!(self, AppendOutcome::Duplicate(_))
    }
}

/// The total of one counter as recomputed from events: `sum(delta)` for one customer,
/// feature and window.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CounterTotal {
    pub customer: CustomerId,
    pub feature: FeatureCode,
    pub window_key: String,
    pub total: i64,
}

#[cfg(test)]
pub(crate) mod fixtures {
    use super::*;
    use chrono::{TimeZone, Utc};

    pub fn ts(day: u32, hour: u32) -> Timestamp {
        Utc.with_ymd_and_hms(2026, 11, day, hour, 0, 0).unwrap()
    }

    /// A plain metered event in window `m202611`.
    pub fn event(customer: &str, feature: &str, quantity: i64, at: Timestamp) -> UsageEvent {
        let id = tollgate_kernel::new_id("evt");
        UsageEvent {
            customer: CustomerId::parse(customer).unwrap(),
            feature: FeatureCode::parse(feature).unwrap(),
            quantity,
            delta: quantity,
            window_key: "m202611".into(),
            occurred_at: at,
            recorded_at: at,
            idempotency_key: IdempotencyKey::parse(id.clone()).unwrap(),
            id,
            properties: serde_json::json!({}),
            billable: true,
            cost: None,
            answer: serde_json::json!({}),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::fixtures::*;
    use super::*;
    use rust_decimal::Decimal;
    use tollgate_kernel::Currency;

    #[test]
    fn validation_rules() {
        let ok = event("acme", "api_calls", 3, ts(1, 0));
        assert!(ok.validate().is_ok());

        let mut e = ok.clone();
        e.properties = serde_json::json!([1, 2]);
        assert!(matches!(e.validate(), Err(UsageLogError::Invalid(m)) if m.contains("object")));

        let mut e = ok.clone();
        e.window_key.clear();
        assert!(e.validate().is_err());
        e.delta = 0; // a boolean check or a clamped release to zero moves nothing
        assert!(e.validate().is_ok());

        let mut e = ok;
        e.id = " ".into();
        assert!(e.validate().is_err());
    }

    #[test]
    fn serde_round_trip_keeps_cost_format() {
        let mut e = event("acme", "ai_queries", 1, ts(2, 3));
        e.cost = Some(Amount::new(Currency::USD, Decimal::new(45, 5)));
        let json = serde_json::to_value(&e).unwrap();
        assert_eq!(
            json["cost"],
            serde_json::json!({"currency": "USD", "amount": "0.000450"})
        );
        let back: UsageEvent = serde_json::from_value(json).unwrap();
        assert_eq!(back, e);
    }

    #[test]
    fn outcome_accessors() {
        let e = event("acme", "api_calls", 1, ts(1, 0));
        let d = AppendOutcome::Duplicate(e.clone());
        assert!(d.is_duplicate());
        assert_eq!(d.event(), &e);
        assert!(!AppendOutcome::Inserted(e.clone()).is_duplicate());
        assert_eq!(AppendOutcome::Inserted(e.clone()).into_event(), e);
    }
}
