//! Plan rules.

use super::{check_entitlement, check_prices};
use crate::error::{PlanError, Subject};
use crate::model::{FeatureCatalog, MAX_DESCRIPTION, MAX_NAME, Plan};
use tollgate_kernel::{FeatureKind, Window};

impl Plan {
    /// Checks the plan against the catalog rules and its features. Metered entitlements without
    /// a window are valid (they count per month, see [`Plan::normalize`]).
    ///
    /// # Errors
    /// The first broken rule, naming this plan:
    /// - [`PlanError::UnknownFeature`] for an entitlement of a feature not in `features`;
    /// - [`PlanError::InvalidEntitlement`] for a value that does not fit the feature's kind
    ///   (boolean → `enabled`, config → `value`, others → `limit` ≥ 0), a window, overage or
    ///   `pay_with` on a non-metered feature, overage without soft enforcement or with an
    ///   unlimited limit, or `warn_at` outside 1..=100 / not ascending;
    /// - [`PlanError::DuplicateEntitlement`] for two entitlements of one feature;
    /// - [`PlanError::InvalidPrice`] for a negative or repeated (currency, interval) price;
    /// - [`PlanError::Invalid`] for an empty or over-long name or description, a custom plan
    ///   with prices, a public self-serve plan without any price, or a wallet grant that is not
    ///   positive or expires after 0 days.
    pub fn validate(&self, features: &FeatureCatalog) -> Result<(), PlanError> {
        let subject = Subject::Plan(self.code.clone());
        let invalid = |reason: String| PlanError::Invalid {
            subject: subject.clone(),
            reason,
        };
        if self.name.trim().is_empty() {
            return Err(invalid("name must not be empty".to_owned()));
        }
        if self.name.chars().count() > MAX_NAME {
            return Err(invalid(format!(
                "name must be at most {MAX_NAME} characters"
            )));
        }
        if self.description.chars().count() > MAX_DESCRIPTION {
            return Err(invalid(format!(
                "description must be at most {MAX_DESCRIPTION} characters"
            )));
        }
        check_prices(&subject, &self.prices)?;
        if self.custom && !self.prices.is_empty() {
            return Err(invalid(
                "a custom plan is sold by contact sales and must not have prices".to_owned(),
            ));
        }
        if !self.custom && self.public && self.prices.is_empty() {
            return Err(invalid(
                "a public plan that is not custom needs at least one price \
                 (a free plan has amount_minor = 0)"
                    .to_owned(),
            ));
        }
        for (i, e) in self.entitlements.iter().enumerate() {
            let feature = features.require(&subject, &e.feature)?;
            if self.entitlements[..i]
                .iter()
                .any(|o| o.feature == e.feature)
            {
                return Err(PlanError::DuplicateEntitlement {
                    subject: subject.clone(),
                    feature: e.feature.clone(),
                });
            }
            check_entitlement(&subject, e, feature)?;
        }
        for (i, g) in self.wallet_grants.iter().enumerate() {
            let n = i + 1;
            if g.amount_minor <= 0 {
                return Err(invalid(format!(
                    "wallet grant {n}: amount_minor must be positive (got {})",
                    g.amount_minor
                )));
            }
            if g.expires_after_days == Some(0) {
                return Err(invalid(format!(
                    "wallet grant {n}: expires_after_days must be at least 1 \
                     (leave it out for credit that never expires)"
                )));
            }
        }
        Ok(())
    }

    /// Writes defaults in so stored plans say what they mean: a metered entitlement without a
    /// window gets [`Window::Month`]. Entitlements of unknown features are left alone.
    pub fn normalize(&mut self, features: &FeatureCatalog) {
        for e in &mut self.entitlements {
            let metered = features
                .get(&e.feature)
                .is_some_and(|f| f.kind == FeatureKind::Metered);
            if metered && e.window.is_none() {
                e.window = Some(Window::Month);
            }
        }
    }

    /// [`Plan::validate`] then [`Plan::normalize`]: the way into the catalog for a plan from
    /// outside (admin API, catalog file).
    ///
    /// # Errors
    /// As [`Plan::validate`].
    pub fn validated(mut self, features: &FeatureCatalog) -> Result<Self, PlanError> {
        self.validate(features)?;
        self.normalize(features);
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{fc, features, pc};
    use crate::model::{Entitlement, Overage, PayWith, Plan, Price, WalletGrant};
    use tollgate_kernel::{Currency, Decimal, Enforcement, GrantTrigger, Interval, Window};

    fn plan() -> Plan {
        let mut p = Plan::new(pc("pro"), "Pro", 20);
        p.prices
            .push(Price::new(Currency::USD, Interval::Month, 4900));
        p.entitlements = vec![
            Entitlement::limit(fc("api_calls"), Some(10_000)),
            Entitlement::limit(fc("storage_bytes"), Some(1 << 30)),
            Entitlement::limit(fc("jobs"), Some(3)),
            Entitlement::limit(fc("upload"), None),
            Entitlement::enabled(fc("analytics"), true),
            Entitlement::config(fc("retention"), serde_json::json!(365)),
        ];
        p
    }

    fn usd(s: &str) -> Overage {
        Overage {
            currency: Currency::USD,
            unit_amount: s.parse::<Decimal>().unwrap(),
        }
    }

    /// Applies `change` to a valid plan and returns the validation message.
    fn error(change: impl FnOnce(&mut Plan)) -> String {
        let mut p = plan();
        change(&mut p);
        p.validate(&features()).unwrap_err().to_string()
    }

    fn set(p: &mut Plan, e: Entitlement) {
        let slot = p.entitlements.iter_mut().find(|x| x.feature == e.feature);
        *slot.unwrap() = e;
    }

    #[test]
    fn a_good_plan_passes() {
        plan().validate(&features()).unwrap();
    }

    #[test]
    fn unknown_and_duplicate_features() {
        assert_eq!(
            error(|p| p.entitlements.push(Entitlement::limit(fc("nope"), Some(1)))),
            "plan \"pro\": unknown feature \"nope\""
        );
        assert_eq!(
            error(|p| p
                .entitlements
                .push(Entitlement::limit(fc("api_calls"), Some(1)))),
            "plan \"pro\": more than one entitlement for feature \"api_calls\""
        );
    }

    #[test]
    fn values_must_fit_the_kind() {
        assert_eq!(
            error(|p| set(p, Entitlement::enabled(fc("api_calls"), true))),
            "plan \"pro\": entitlement \"api_calls\": metered feature needs a limit"
        );
        assert_eq!(
            error(|p| set(p, Entitlement::config(fc("jobs"), serde_json::json!(3)))),
            "plan \"pro\": entitlement \"jobs\": concurrency feature needs a limit"
        );
        assert_eq!(
            error(|p| set(p, Entitlement::limit(fc("analytics"), Some(1)))),
            "plan \"pro\": entitlement \"analytics\": boolean feature needs enabled"
        );
        assert_eq!(
            error(|p| set(p, Entitlement::enabled(fc("retention"), true))),
            "plan \"pro\": entitlement \"retention\": config feature needs a value"
        );
        assert_eq!(
            error(|p| set(p, Entitlement::limit(fc("storage_bytes"), Some(-1)))),
            "plan \"pro\": entitlement \"storage_bytes\": limit must not be negative \
             (got -1; use null or \"unlimited\" for no limit)"
        );
    }

    #[test]
    fn window_overage_and_pay_with_are_for_metered_features() {
        let gauge = || Entitlement::limit(fc("storage_bytes"), Some(5));
        assert_eq!(
            error(|p| set(p, gauge().with_window(Window::Day))),
            "plan \"pro\": entitlement \"storage_bytes\": window applies only to metered features, not gauge"
        );
        assert_eq!(
            error(|p| set(p, gauge().with_overage(usd("0.1")))),
            "plan \"pro\": entitlement \"storage_bytes\": overage applies only to metered features, not gauge"
        );
        assert_eq!(
            error(|p| set(p, gauge().with_pay_with(PayWith::Wallet))),
            "plan \"pro\": entitlement \"storage_bytes\": pay_with applies only to metered features, not gauge"
        );
    }

    #[test]
    fn overage_needs_soft_finite_non_negative() {
        let calls = |l| Entitlement::limit(fc("api_calls"), l);
        let hard = calls(Some(5))
            .with_overage(usd("0.003"))
            .with_enforcement(Enforcement::Hard);
        assert!(
            error(|p| set(p, hard))
                .ends_with("overage needs enforcement \"soft\" (a hard limit is never exceeded)")
        );
        assert!(
            error(|p| set(p, calls(None).with_overage(usd("0.003"))))
                .ends_with("overage needs a finite limit")
        );
        assert!(
            error(|p| set(p, calls(Some(5)).with_overage(usd("-0.01"))))
                .ends_with("overage unit_amount must not be negative (got -0.01)")
        );
        let mut ok = plan();
        set(&mut ok, calls(Some(5)).with_overage(usd("0.003")));
        ok.validate(&features()).unwrap();
    }

    #[test]
    fn warn_at_rules() {
        let with = |w: Vec<u8>| {
            let mut e = Entitlement::limit(fc("api_calls"), Some(5));
            e.warn_at = w;
            e
        };
        assert!(
            error(|p| set(p, with(vec![0, 50])))
                .ends_with("warn_at values must be between 1 and 100 (got 0)")
        );
        assert!(error(|p| set(p, with(vec![101]))).ends_with("(got 101)"));
        assert!(
            error(|p| set(p, with(vec![90, 50])))
                .ends_with("warn_at must be ascending without repeats")
        );
        assert!(error(|p| set(p, with(vec![50, 50]))).ends_with("without repeats"));
    }

    #[test]
    fn price_rules() {
        assert_eq!(
            error(|p| p.prices[0].amount_minor = -1),
            "plan \"pro\": price USD/month: amount_minor must not be negative (got -1)"
        );
        assert_eq!(
            error(|p| p.prices.push(Price::new(Currency::USD, Interval::Month, 1))),
            "plan \"pro\": price USD/month: defined more than once"
        );
        assert_eq!(
            error(|p| p.prices[0].stripe_price_id = Some(String::new())),
            "plan \"pro\": price USD/month: stripe_price_id must not be empty"
        );
        // Same currency, other interval is fine.
        let mut p = plan();
        p.prices
            .push(Price::new(Currency::USD, Interval::Year, 49_000));
        p.validate(&features()).unwrap();
    }

    #[test]
    fn public_self_serve_plans_need_a_price_and_custom_plans_have_none() {
        assert_eq!(
            error(|p| p.prices.clear()),
            "plan \"pro\": a public plan that is not custom needs at least one price \
             (a free plan has amount_minor = 0)"
        );
        assert_eq!(
            error(|p| p.custom = true),
            "plan \"pro\": a custom plan is sold by contact sales and must not have prices"
        );
        let mut hidden = plan();
        hidden.prices.clear();
        hidden.public = false;
        hidden.validate(&features()).unwrap();
        let mut custom = plan();
        custom.prices.clear();
        custom.custom = true;
        custom.validate(&features()).unwrap();
    }

    #[test]
    fn name_and_wallet_grants() {
        assert_eq!(
            error(|p| p.name = String::new()),
            "plan \"pro\": name must not be empty"
        );
        let grant = |amount_minor, expires_after_days| WalletGrant {
            amount_minor,
            currency: Currency::USD,
            on: GrantTrigger::Start,
            expires_after_days,
        };
        assert_eq!(
            error(|p| p.wallet_grants.push(grant(0, None))),
            "plan \"pro\": wallet grant 1: amount_minor must be positive (got 0)"
        );
        assert!(
            error(|p| p.wallet_grants = vec![grant(500, Some(30)), grant(5, Some(0))])
                .starts_with("plan \"pro\": wallet grant 2: expires_after_days must be at least 1")
        );
    }

    #[test]
    fn normalize_gives_metered_entitlements_a_monthly_window() {
        let mut p = plan();
        p.entitlements[0].window = None;
        let p = p.validated(&features()).unwrap();
        assert_eq!(p.entitlements[0].window, Some(Window::Month));
        assert_eq!(p.entitlements[1].window, None, "gauges stay windowless");
        let mut weekly = plan();
        weekly.entitlements[0].window = Some(Window::Week);
        weekly.normalize(&features());
        assert_eq!(weekly.entitlements[0].window, Some(Window::Week));
    }

    #[test]
    fn names_and_descriptions_have_bounded_lengths() {
        assert_eq!(
            error(|p| p.name = "n".repeat(201)),
            "plan \"pro\": name must be at most 200 characters"
        );
        assert_eq!(
            error(|p| p.description = "d".repeat(2001)),
            "plan \"pro\": description must be at most 2000 characters"
        );
        let mut p = plan();
        p.name = "é".repeat(200);
        p.description = "d".repeat(2000);
        p.validate(&features()).unwrap();
    }
}
