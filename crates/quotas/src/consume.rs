//! What a counter store is asked to do, and the arithmetic every backend must reproduce
//! exactly (memory in Rust, SQL in a conditional `UPDATE`, Redis in Lua).

use crate::{CounterError, CounterKey, QuotaRule};
use serde::{Deserialize, Serialize};
use tollgate_kernel::{Enforcement, FeatureKind};

/// An atomic check-and-add on one counter.
///
/// - `amount >= 0`: with `Hard` enforcement and `Some(limit)`, refused (counter unchanged) when
///   `used + amount > limit`; otherwise `used += amount`.
/// - `amount < 0` (a gauge release): `used = max(0, used + amount)`, always accepted, whatever
///   the limit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Consume {
    pub key: CounterKey,
    pub amount: i64,
    /// `None` is unlimited; ignored with `Soft` enforcement.
    pub limit: Option<i64>,
    pub enforcement: Enforcement,
}

impl Consume {
    /// The store request that enforces `rule` the way [`decide`](crate::decide) judges it: the
    /// effective limit (0 for a disabled feature) and hard enforcement for a disabled feature
    /// or a concurrency count. Building `Consume` by hand from `rule.limit` would let a
    /// feature outside the plan consume without limit.
    pub fn for_rule(key: CounterKey, rule: &QuotaRule, amount: i64) -> Self {
        let hard = !rule.enabled || rule.kind == FeatureKind::Concurrency;
        Self {
            key,
            amount,
            limit: rule.effective_limit(),
            enforcement: if hard {
                Enforcement::Hard
            } else {
                rule.enforcement
            },
        }
    }
}

/// The outcome of a [`Consume`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Consumption {
    pub accepted: bool,
    /// The counter after the operation (unchanged when refused).
    pub used: i64,
    /// How far the counter moved: `amount` when accepted, 0 when refused, and the clamped
    /// delta (`-min(used, -amount)`) for a release. Refunding `applied` undoes it exactly.
    pub applied: i64,
}

/// The reference semantics of [`Consume`] applied to a counter currently at `current`.
/// Adapters that can run Rust inside their transaction use it directly; the others must match
/// it (the conformance suite checks).
///
/// # Errors
/// [`CounterError::Invalid`] when `current` or `limit` is negative, or when `current + amount`
/// does not fit in `i64` (nothing is applied).
pub fn apply_consume(current: i64, req: &Consume) -> Result<Consumption, CounterError> {
    if current < 0 {
        return Err(CounterError::Invalid(format!(
            "counter {} is negative ({current})",
            req.key.storage_key()
        )));
    }
    if req.limit.is_some_and(|l| l < 0) {
        return Err(CounterError::Invalid(format!(
            "limit of {} must not be negative",
            req.key.storage_key()
        )));
    }
    if req.amount < 0 {
        // current >= 0 and amount < 0: cannot overflow.
        let used = current.saturating_add(req.amount).max(0);
        return Ok(Consumption {
            accepted: true,
            used,
            applied: used - current,
        });
    }
    let after = current.checked_add(req.amount).ok_or_else(|| {
        CounterError::Invalid(format!(
            "counter {} would overflow: {current} + {}",
            req.key.storage_key(),
            req.amount
        ))
    })?;
    let refused = req.enforcement == Enforcement::Hard && req.limit.is_some_and(|l| after > l);
    Ok(if refused {
        Consumption {
            accepted: false,
            used: current,
            applied: 0,
        }
    } else {
        Consumption {
            accepted: true,
            used: after,
            applied: req.amount,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use tollgate_kernel::{CustomerId, FeatureCode};

    fn req(amount: i64, limit: Option<i64>, enforcement: Enforcement) -> Consume {
        Consume {
            key: CounterKey {
                customer: CustomerId::parse("c").unwrap(),
                feature: FeatureCode::parse("f").unwrap(),
                window_key: "life".into(),
                resets_at: None,
            },
            amount,
            limit,
            enforcement,
        }
    }

    fn ok(used: i64, applied: i64) -> Consumption {
        Consumption {
            accepted: true,
            used,
            applied,
        }
    }

    #[test]
    fn hard_limit_refuses_past_it() {
        let h = |a, l| req(a, l, Enforcement::Hard);
        assert_eq!(apply_consume(8, &h(2, Some(10))).unwrap(), ok(10, 2));
        let refused = Consumption {
            accepted: false,
            used: 8,
            applied: 0,
        };
        assert_eq!(apply_consume(8, &h(3, Some(10))).unwrap(), refused);
        assert_eq!(apply_consume(8, &h(3, None)).unwrap(), ok(11, 3));
        // Zero against a counter already over a lowered limit is refused too.
        assert!(!apply_consume(12, &h(0, Some(10))).unwrap().accepted);
    }

    #[test]
    fn soft_and_release() {
        assert_eq!(
            apply_consume(8, &req(5, Some(10), Enforcement::Soft)).unwrap(),
            ok(13, 5)
        );
        assert_eq!(
            apply_consume(8, &req(-3, Some(0), Enforcement::Hard)).unwrap(),
            ok(5, -3)
        );
        assert_eq!(
            apply_consume(2, &req(-5, None, Enforcement::Hard)).unwrap(),
            ok(0, -2)
        );
        assert_eq!(
            apply_consume(2, &req(i64::MIN, None, Enforcement::Soft)).unwrap(),
            ok(0, -2)
        );
    }

    #[test]
    fn for_rule_enforces_what_decide_enforces() {
        let mut rule = QuotaRule {
            feature: FeatureCode::parse("f").unwrap(),
            kind: FeatureKind::Metered,
            limit: None,
            enforcement: Enforcement::Soft,
            window: None,
            warn_at: vec![],
            enabled: true,
        };
        let key = req(0, None, Enforcement::Hard).key;
        let c = Consume::for_rule(key.clone(), &rule, 5);
        assert_eq!(
            (c.limit, c.enforcement, c.amount),
            (None, Enforcement::Soft, 5)
        );
        rule.enabled = false;
        let c = Consume::for_rule(key, &rule, 5);
        assert_eq!((c.limit, c.enforcement), (Some(0), Enforcement::Hard));
        assert!(!apply_consume(0, &c).unwrap().accepted);
    }

    #[test]
    fn invalid_inputs() {
        let soft = |a| req(a, None, Enforcement::Soft);
        assert!(matches!(
            apply_consume(i64::MAX, &soft(1)),
            Err(CounterError::Invalid(_))
        ));
        assert!(matches!(
            apply_consume(-1, &soft(1)),
            Err(CounterError::Invalid(_))
        ));
        let neg = req(1, Some(-1), Enforcement::Hard);
        assert!(matches!(
            apply_consume(0, &neg),
            Err(CounterError::Invalid(_))
        ));
    }
}
