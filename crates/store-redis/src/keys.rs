//! The keys this crate adds beside the quotas' [`CounterKey`](tollgate_quotas::CounterKey) and
//! [`LeaseKey`](tollgate_quotas::LeaseKey) forms: the customer's epoch and consumption guards.
//!
//! They are built like the quotas' keys (`<prefix>:{<customer>}:…`, the same escaping), so all
//! of one customer's keys share one Cluster hash tag. Their first part after the tag starts
//! with `#`, which a feature code can never contain, so `…:#epoch` cannot be a lease set and
//! `…:#g:<guard>` cannot be a counter, whatever the feature is called.

use tollgate_kernel::CustomerId;

/// `%`, `:`, `{` and `}` as in `tollgate-quotas`' keys: no part can open or close a hash tag.
fn escape(part: &str) -> String {
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

/// The operator's prefix keeps its colons; only braces are escaped.
pub(crate) fn escape_prefix(prefix: &str) -> String {
    prefix.replace('{', "%7B").replace('}', "%7D")
}

/// `<prefix>:{<customer>}`, the start of every key of the customer.
fn customer_base(prefix: &str, customer: &CustomerId) -> String {
    format!(
        "{}:{{{}}}",
        escape_prefix(prefix),
        escape(customer.as_str())
    )
}

/// `<prefix>:{<customer>}:#epoch`
pub(crate) fn epoch_key(prefix: &str, customer: &CustomerId) -> String {
    format!("{}:#epoch", customer_base(prefix, customer))
}

/// `<prefix>:{<customer>}:#g:<escaped guard>`
pub(crate) fn guard_key(prefix: &str, customer: &CustomerId, guard: &str) -> String {
    format!("{}:#g:{}", customer_base(prefix, customer), escape(guard))
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
            let base = customer_base(prefix, &c);
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
