//! The keys this crate adds beside the quotas' [`CounterKey`](tollgate_quotas::CounterKey) and
//! [`LeaseKey`](tollgate_quotas::LeaseKey) forms: the customer's epoch and consumption guards.
//!
//! They are built like the quotas' keys (`<prefix>:{<customer>}:…`, the same escaping), so all
//! of one customer's keys share one Cluster hash tag. Their first part after the tag starts
//! with `#`, which a feature code can never contain, so `…:#epoch` cannot be a lease set and
//! `…:#g:<guard>` cannot be a counter, whatever the feature is called.

use tollgate_kernel::CustomerId;
use tollgate_quotas::{escape_prefix, redis_key};

/// `<prefix>:{<customer>}:#epoch`
pub(crate) fn epoch_key(prefix: &str, customer: &CustomerId) -> String {
    redis_key(prefix, customer, &["#epoch"])
}

/// `<prefix>:{<customer>}:#g:<escaped guard>`
pub(crate) fn guard_key(prefix: &str, customer: &CustomerId, guard: &str) -> String {
    redis_key(prefix, customer, &["#g", guard])
}

/// The `SCAN MATCH` pattern of every key under `prefix` (glob characters escaped).
pub(crate) fn prefix_pattern(prefix: &str) -> String {
    let mut out = String::new();
    for c in escape_prefix(prefix).chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push_str(":*");
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use tollgate_kernel::FeatureCode;
    use tollgate_quotas::{CounterKey, LeaseKey};

    fn customer(id: &str) -> CustomerId {
        CustomerId::parse(id).unwrap()
    }

    #[test]
    fn readable_keys_for_ordinary_ids() {
        let c = customer("acme");
        assert_eq!(epoch_key("tollgate", &c), "tollgate:{acme}:#epoch");
        assert_eq!(
            guard_key("tollgate", &c, "evt_1"),
            "tollgate:{acme}:#g:evt_1"
        );
    }

    #[test]
    fn guards_cannot_break_the_hash_tag() {
        let k = guard_key("p{", &customer("a:b"), "}{x%:y");
        assert_eq!(k, "p%7B:{a%3Ab}:#g:%7D%7Bx%25%3Ay");
        assert_eq!(k.matches('{').count(), 1);
        assert_eq!(k.matches('}').count(), 1);
    }

    #[test]
    fn same_tag_as_the_quotas_keys() {
        for (prefix, id) in [("tollgate", "acme"), ("t:{x}", "a:b@c.d"), ("", "z@y.z")] {
            let c = customer(id);
            let feature = FeatureCode::parse("f").unwrap();
            let counter = CounterKey {
                customer: c.clone(),
                feature: feature.clone(),
                window_key: "life".into(),
                resets_at: None,
            };
            let base = epoch_key(prefix, &c)
                .strip_suffix(":#epoch")
                .unwrap()
                .to_owned();
            assert!(counter.redis_key(prefix).starts_with(&format!("{base}:")));
            let lease = LeaseKey::new(c.clone(), feature);
            assert!(lease.redis_key(prefix).starts_with(&format!("{base}:")));
        }
    }

    #[test]
    fn epoch_and_guard_keys_never_collide_with_features() {
        // Feature codes cannot contain `#`, so no counter or lease key starts a part with it.
        assert!(FeatureCode::parse("#epoch").is_err());
        let c = customer("acme");
        let lease = LeaseKey::new(c.clone(), FeatureCode::parse("epoch").unwrap());
        assert_ne!(lease.redis_key("p"), epoch_key("p", &c));
        let counter = CounterKey {
            customer: c.clone(),
            feature: FeatureCode::parse("g").unwrap(),
            window_key: "x".into(),
            resets_at: None,
        };
        assert_ne!(counter.redis_key("p"), guard_key("p", &c, "x"));
    }

    #[test]
    fn scan_pattern_escapes_globs() {
        assert_eq!(prefix_pattern("tg-test-1"), "tg-test-1:*");
        assert_eq!(prefix_pattern("a*b?[c]{d}"), "a\\*b\\?\\[c\\]%7Bd%7D:*");
    }
}
