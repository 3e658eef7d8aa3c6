//! The one pure decision: given a rule, the current usage and a request, is it allowed, and
//! what does the customer see afterwards? Stores apply the same arithmetic atomically
//! ([`apply_consume`](crate::apply_consume)); this function never touches a counter.

use crate::model::crossed;
use crate::{Decision, DenyReason, QuotaError, QuotaRule, QuotaState, state_for};
use tollgate_kernel::{Enforcement, FeatureKind, Timestamp};

/// Decides one request of `amount` against `rule` when `used_before` is already used.
///
/// Per kind:
/// - `metered`: `amount > 0`. Hard: allowed iff `used_before + amount <= limit`. Soft: always
///   allowed; the units above the limit are reported as overage.
/// - `gauge`: signed. A decrease is always allowed (even for a disabled feature, so a customer
///   can free what a downgrade took away) and floors at zero; an increase (or 0) is judged like
///   metered.
/// - `concurrency`: `used_before` is the number of leases held, `amount` (normally 1) the
///   leases wanted; always hard, since a lease store has no overage.
/// - `per_request`: no counter. `amount >= 0` is the request's value; allowed iff
///   `amount <= limit`, always hard; `used` is the value itself.
/// - `boolean`: allowed iff the rule is enabled; `amount` (must be `>= 0`) is ignored.
/// - `config`: not checkable. Answered, not failed, because `/v1/check` answers for every kind:
///   `allowed: false` with [`DenyReason::NotCheckable`] (the engine answers 400 to usage).
///
/// A disabled feature reports a limit of 0 and refuses everything but a gauge decrease, with
/// [`DenyReason::FeatureDisabled`] (even a zero quantity: the feature is not in the plan).
/// Refusals report `used_before`, no overage and no warnings.
///
/// # Errors
/// - [`QuotaError::InvalidRule`] when the rule fails [`QuotaRule::validate`].
/// - [`QuotaError::InvalidQuantity`] when `amount` does not fit the kind (see above).
/// - [`QuotaError::InvalidUsage`] when `used_before` is negative for a counted kind.
/// - [`QuotaError::Overflow`] when `used_before + amount` does not fit in `i64`.
pub fn decide(
    rule: &QuotaRule,
    used_before: i64,
    amount: i64,
    resets_at: Option<Timestamp>,
) -> Result<Decision, QuotaError> {
    rule.validate()?;
    let invalid = |reason| QuotaError::InvalidQuantity {
        feature: rule.feature.clone(),
        kind: rule.kind,
        amount,
        reason,
    };
    match rule.kind {
        FeatureKind::Metered => {
            if amount <= 0 {
                return Err(invalid("a metered quantity must be positive"));
            }
            counted(rule, used_before, amount, resets_at, rule.enforcement)
        }
        FeatureKind::Gauge if amount < 0 => gauge_decrease(rule, used_before, amount, resets_at),
        FeatureKind::Gauge => counted(rule, used_before, amount, resets_at, rule.enforcement),
        FeatureKind::Concurrency => {
            if amount <= 0 {
                return Err(invalid("a concurrency request takes at least one lease"));
            }
            counted(rule, used_before, amount, resets_at, Enforcement::Hard)
        }
        FeatureKind::PerRequest => {
            if amount < 0 {
                return Err(invalid("a per-request value must not be negative"));
            }
            Ok(per_request(rule, amount, resets_at))
        }
        FeatureKind::Boolean => {
            if amount < 0 {
                return Err(invalid("a quantity must not be negative"));
            }
            Ok(boolean(rule))
        }
        FeatureKind::Config => Ok(not_checkable(rule)),
    }
}

/// A decision with nothing crossed and no overage; callers fill in the rest.
fn base(rule: &QuotaRule, limit: Option<i64>, used: i64, resets_at: Option<Timestamp>) -> Decision {
    Decision {
        allowed: true,
        feature: rule.feature.clone(),
        limit,
        used,
        // Both sides are >= 0 here, so the subtraction cannot overflow.
        remaining: limit.map(|l| l.saturating_sub(used).max(0)),
        state: state_for(used, limit, &rule.warn_at),
        resets_at,
        overage: 0,
        overage_delta: 0,
        warnings: Vec::new(),
        reason: None,
    }
}

fn refuse(mut d: Decision, rule: &QuotaRule, reason: DenyReason) -> Decision {
    d.allowed = false;
    d.reason = Some(if rule.enabled {
        reason
    } else {
        DenyReason::FeatureDisabled
    });
    d
}

fn check_used(rule: &QuotaRule, used: i64) -> Result<(), QuotaError> {
    if used < 0 {
        return Err(QuotaError::InvalidUsage {
            feature: rule.feature.clone(),
            used,
        });
    }
    Ok(())
}

/// Metered, gauge increase and concurrency: a counter that grows by `amount`.
fn counted(
    rule: &QuotaRule,
    used_before: i64,
    amount: i64,
    resets_at: Option<Timestamp>,
    enforcement: Enforcement,
) -> Result<Decision, QuotaError> {
    check_used(rule, used_before)?;
    let limit = rule.effective_limit();
    if !rule.enabled {
        let d = base(rule, limit, used_before, resets_at);
        return Ok(refuse(d, rule, DenyReason::FeatureDisabled));
    }
    let after = used_before
        .checked_add(amount)
        .ok_or_else(|| QuotaError::Overflow {
            feature: rule.feature.clone(),
            used: used_before,
            amount,
        })?;
    let fits = limit.is_none_or(|l| after <= l);
    if !fits && enforcement == Enforcement::Hard {
        let reason = if rule.kind == FeatureKind::Concurrency {
            DenyReason::ConcurrencyLimit
        } else {
            DenyReason::QuotaExceeded
        };
        return Ok(refuse(
            base(rule, limit, used_before, resets_at),
            rule,
            reason,
        ));
    }
    let mut d = base(rule, limit, after, resets_at);
    if enforcement == Enforcement::Soft {
        let over = |used: i64| limit.map_or(0, |l| used.saturating_sub(l).max(0));
        d.overage = over(after);
        d.overage_delta = d.overage - over(used_before);
    }
    d.warnings = crossed(used_before, after, limit, &rule.warn_at);
    Ok(d)
}

/// A gauge going down: always allowed, floored at zero, never crossing a warning.
fn gauge_decrease(
    rule: &QuotaRule,
    used_before: i64,
    amount: i64,
    resets_at: Option<Timestamp>,
) -> Result<Decision, QuotaError> {
    check_used(rule, used_before)?;
    let limit = rule.effective_limit();
    // used_before >= 0 and amount < 0: the sum cannot overflow.
    let after = used_before.saturating_add(amount).max(0);
    let mut d = base(rule, limit, after, resets_at);
    if rule.enabled && rule.enforcement == Enforcement::Soft {
        d.overage = limit.map_or(0, |l| after.saturating_sub(l).max(0));
    }
    Ok(d)
}

fn per_request(rule: &QuotaRule, amount: i64, resets_at: Option<Timestamp>) -> Decision {
    let limit = rule.effective_limit();
    let d = base(rule, limit, amount, resets_at);
    if rule.enabled && limit.is_none_or(|l| amount <= l) {
        d
    } else {
        refuse(d, rule, DenyReason::OverRequestCap)
    }
}

fn boolean(rule: &QuotaRule) -> Decision {
    let d = base(rule, None, 0, None);
    if rule.enabled {
        d
    } else {
        refuse(d, rule, DenyReason::FeatureDisabled)
    }
}

fn not_checkable(rule: &QuotaRule) -> Decision {
    let mut d = base(rule, None, 0, None);
    d.limit = rule.limit;
    d.allowed = false;
    d.state = QuotaState::Ok;
    d.reason = Some(DenyReason::NotCheckable);
    d
}

#[cfg(test)]
mod tests;
