//! Typed keys of counters and leases, and their string forms for each backend.
//!
//! Customer ids and feature codes may contain `:`, so parts are escaped before they are joined
//! (`%` → `%25`, `:` → `%3A`, `{` → `%7B`, `}` → `%7D`): two different keys can never share a
//! string, and no part can open or close a Redis Cluster hash tag. Ordinary ids
//! (`acme`, `api_calls`) are left as they are, so keys stay readable.

use serde::{Deserialize, Serialize};
use std::fmt::Write as _;
use tollgate_kernel::{CustomerId, FeatureCode, Timestamp, WindowSpan};

fn escape(part: &str) -> String {
    // The common case (ordinary ids) has nothing to escape.
    if !part.contains(['%', ':', '{', '}']) {
        return part.to_owned();
    }
    let mut out = String::with_capacity(part.len());
    for c in part.chars() {
        match c {
            '%' => out.push_str("%25"),
            ':' => out.push_str("%3A"),
            '{' => out.push_str("%7B"),
            '}' => out.push_str("%7D"),
            c => out.push(c),
        }
    }
    out
}

/// The prefix is the operator's (`tollgate`, `tollgate:prod`): colons are kept, only braces are
/// escaped, so the customer's tag stays the first `{…}` of the key.
pub fn escape_prefix(prefix: &str) -> String {
    prefix.replace('{', "%7B").replace('}', "%7D")
}

/// `{prefix}:{<customer>}:<rest…>`, each part escaped: all of one customer's keys hash to one
/// Cluster slot, so a script may touch several of them atomically. Counter and lease keys are
/// built with it; a store adding keys of its own beside them uses it too.
pub fn redis_key(prefix: &str, customer: &CustomerId, rest: &[&str]) -> String {
    let mut key = format!(
        "{}:{{{}}}",
        escape_prefix(prefix),
        escape(customer.as_str())
    );
    for part in rest {
        // Writing to a String cannot fail.
        let _ = write!(key, ":{}", escape(part));
    }
    key
}

/// The counter of one feature of one customer in one window.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CounterKey {
    pub customer: CustomerId,
    pub feature: FeatureCode,
    /// The window's stable key (`m202611`, `life`), from [`WindowSpan::key`].
    pub window_key: String,
    /// When the window ends; backends may expire the counter some time after it.
    pub resets_at: Option<Timestamp>,
}

impl CounterKey {
    pub fn new(customer: CustomerId, feature: FeatureCode, span: &WindowSpan) -> Self {
        Self {
            customer,
            feature,
            window_key: span.key.clone(),
            resets_at: span.resets_at,
        }
    }

    /// `acme:api_calls:m202611`: unique and stable, for SQL rows and in-memory maps.
    /// `resets_at` is not part of it: it follows from the window key.
    pub fn storage_key(&self) -> String {
        format!(
            "{}:{}:{}",
            escape(self.customer.as_str()),
            escape(self.feature.as_str()),
            escape(&self.window_key)
        )
    }

    /// `tollgate:{acme}:api_calls:m202611`, with the customer as the Redis Cluster hash tag.
    pub fn redis_key(&self, prefix: &str) -> String {
        redis_key(
            prefix,
            &self.customer,
            &[self.feature.as_str(), &self.window_key],
        )
    }
}

/// The set of concurrency leases of one feature of one customer.
///
/// Its string forms have one part fewer than a [`CounterKey`]'s (`acme:concurrent_jobs`,
/// `tollgate:{acme}:concurrent_jobs`), so a lease set can never collide with a counter.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct LeaseKey {
    pub customer: CustomerId,
    pub feature: FeatureCode,
}

impl LeaseKey {
    pub fn new(customer: CustomerId, feature: FeatureCode) -> Self {
        Self { customer, feature }
    }

    pub fn storage_key(&self) -> String {
        format!(
            "{}:{}",
            escape(self.customer.as_str()),
            escape(self.feature.as_str())
        )
    }

    pub fn redis_key(&self, prefix: &str) -> String {
        redis_key(prefix, &self.customer, &[self.feature.as_str()])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};
    use tollgate_kernel::Window;

    fn key(customer: &str, feature: &str, window: &str) -> CounterKey {
        CounterKey {
            customer: CustomerId::parse(customer).unwrap(),
            feature: FeatureCode::parse(feature).unwrap(),
            window_key: window.to_owned(),
            resets_at: None,
        }
    }

    #[test]
    fn readable_keys_for_ordinary_ids() {
        let at = Utc.with_ymd_and_hms(2026, 11, 21, 10, 0, 0).unwrap();
        let span = Window::Month.span_at(at, None);
        let k = CounterKey::new(
            CustomerId::parse("acme").unwrap(),
            FeatureCode::parse("api_calls").unwrap(),
            &span,
        );
        assert_eq!(k.storage_key(), "acme:api_calls:m202611");
        assert_eq!(k.redis_key("tollgate"), "tollgate:{acme}:api_calls:m202611");
        assert_eq!(k.resets_at, span.resets_at);
        let l = LeaseKey::new(k.customer.clone(), FeatureCode::parse("jobs").unwrap());
        assert_eq!(l.storage_key(), "acme:jobs");
        assert_eq!(l.redis_key("tg:prod"), "tg:prod:{acme}:jobs");
    }

    #[test]
    fn colons_in_ids_cannot_make_two_keys_equal() {
        let a = key("a:b", "c", "m1");
        let b = key("a", "b:c", "m1");
        assert_ne!(a.storage_key(), b.storage_key());
        assert_ne!(a.redis_key("p"), b.redis_key("p"));
        assert_eq!(a.storage_key(), "a%3Ab:c:m1");
        // A window key with a brace cannot end the hash tag early or start another.
        let odd = key("acme", "f", "}{x%");
        assert_eq!(odd.redis_key("p{"), "p%7B:{acme}:f:%7D%7Bx%25");
    }

    #[test]
    fn lease_and_counter_keys_never_collide() {
        let c = key("a", "b", "c");
        let l = LeaseKey::new(
            CustomerId::parse("a").unwrap(),
            FeatureCode::parse("b:c").unwrap(),
        );
        assert_ne!(c.storage_key(), l.storage_key());
        assert_ne!(c.redis_key("p"), l.redis_key("p"));
    }
}
