//! Whether moving from one plan to another is an upgrade or a downgrade, which decides when it
//! applies (upgrades now with proration, downgrades at period end).

use crate::model::Plan;
use serde::Serialize;
use std::cmp::Ordering;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PlanChange {
    Upgrade,
    Downgrade,
    /// Same tier: the same plan, or another plan of equal priority.
    Same,
}

/// Compares tiers by [`Plan::priority`] only (higher is a higher tier); prices are not looked
/// at, since they differ by currency and interval.
///
/// Switching interval on the same plan (monthly → yearly) is [`PlanChange::Same`] here: the
/// caller decides how to treat it (usually as an immediate, prorated change).
pub fn compare(from: &Plan, to: &Plan) -> PlanChange {
    match to.priority.cmp(&from.priority) {
        Ordering::Greater => PlanChange::Upgrade,
        Ordering::Less => PlanChange::Downgrade,
        Ordering::Equal => PlanChange::Same,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tollgate_kernel::PlanCode;

    fn plan(code: &str, priority: i32) -> Plan {
        Plan::new(PlanCode::parse(code).unwrap(), code, priority)
    }

    #[test]
    fn by_priority() {
        let (hobby, pro, team) = (plan("hobby", 0), plan("pro", 20), plan("team", 20));
        assert_eq!(compare(&hobby, &pro), PlanChange::Upgrade);
        assert_eq!(compare(&pro, &hobby), PlanChange::Downgrade);
        assert_eq!(compare(&pro, &pro), PlanChange::Same);
        assert_eq!(compare(&pro, &team), PlanChange::Same);
        assert_eq!(compare(&plan("a", -5), &plan("b", -1)), PlanChange::Upgrade);
    }
}
