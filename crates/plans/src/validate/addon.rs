//! Add-on and customer-override rules.

use super::{check_prices, has_limit};
use crate::error::{PlanError, Subject};
use crate::model::{AddOn, CustomerOverrides, FeatureCatalog, Override};
use tollgate_kernel::FeatureKind;

impl AddOn {
    /// Checks the pack against the catalog: it raises at least one limit, each line targets a
    /// distinct limit feature (gauge, metered, concurrency, per_request) by a positive amount.
    ///
    /// # Errors
    /// - [`PlanError::UnknownFeature`], [`PlanError::DuplicateEntitlement`];
    /// - [`PlanError::InvalidEntitlement`] for a feature without a limit or a non-positive amount;
    /// - [`PlanError::InvalidPrice`] for negative or repeated prices;
    /// - [`PlanError::Invalid`] for an empty name or no lines.
    pub fn validate(&self, features: &FeatureCatalog) -> Result<(), PlanError> {
        let subject = Subject::AddOn(self.code.clone());
        let invalid = |reason: &str| PlanError::Invalid {
            subject: subject.clone(),
            reason: reason.to_owned(),
        };
        if self.name.trim().is_empty() {
            return Err(invalid("name must not be empty"));
        }
        if self.adds.is_empty() {
            return Err(invalid("an add-on must add to at least one feature"));
        }
        check_prices(&subject, &self.prices)?;
        for (i, line) in self.adds.iter().enumerate() {
            let feature = features.require(&subject, &line.feature)?;
            let bad = |reason: String| PlanError::InvalidEntitlement {
                subject: subject.clone(),
                feature: line.feature.clone(),
                reason,
            };
            if self.adds[..i].iter().any(|o| o.feature == line.feature) {
                return Err(PlanError::DuplicateEntitlement {
                    subject: subject.clone(),
                    feature: line.feature.clone(),
                });
            }
            if !has_limit(feature.kind) {
                return Err(bad(format!(
                    "an add-on raises a limit, and a {} feature has none",
                    feature.kind
                )));
            }
            if line.amount <= 0 {
                return Err(bad(format!(
                    "amount must be positive (got {})",
                    line.amount
                )));
            }
        }
        Ok(())
    }
}

impl Override {
    /// Checks the override against its feature: `limit` (≥ 0 or unlimited) and `enforcement`
    /// only on limit features, `enabled` only on boolean, `value` only on config, and at least
    /// one field set.
    ///
    /// # Errors
    /// [`PlanError::UnknownFeature`] or [`PlanError::InvalidEntitlement`], with subject
    /// "overrides".
    pub fn validate(&self, features: &FeatureCatalog) -> Result<(), PlanError> {
        let subject = Subject::Overrides;
        let feature = features.require(&subject, &self.feature)?;
        let kind = feature.kind;
        let bad = |reason: String| PlanError::InvalidEntitlement {
            subject: subject.clone(),
            feature: self.feature.clone(),
            reason,
        };
        if self.limit.is_none()
            && self.enabled.is_none()
            && self.value.is_none()
            && self.enforcement.is_none()
        {
            return Err(bad(
                "an override must set limit, enabled, value or enforcement".to_owned(),
            ));
        }
        if self.limit.is_some() && !has_limit(kind) {
            return Err(bad(format!("limit does not apply to a {kind} feature")));
        }
        if self.enforcement.is_some() && !has_limit(kind) {
            return Err(bad(format!(
                "enforcement does not apply to a {kind} feature"
            )));
        }
        if self.enabled.is_some() && kind != FeatureKind::Boolean {
            return Err(bad(format!("enabled does not apply to a {kind} feature")));
        }
        if self.value.is_some() && kind != FeatureKind::Config {
            return Err(bad(format!("value does not apply to a {kind} feature")));
        }
        if let Some(Some(n)) = self.limit
            && n < 0
        {
            return Err(bad(format!(
                "limit must not be negative (got {n}; use null or \"unlimited\" for no limit)"
            )));
        }
        Ok(())
    }
}

impl CustomerOverrides {
    /// Checks every override against the catalog and every add-on selection against the
    /// add-ons on offer.
    ///
    /// # Errors
    /// As [`Override::validate`]; [`PlanError::DuplicateEntitlement`] for two overrides of one
    /// feature; [`PlanError::Invalid`] for an unknown add-on, a quantity of 0 or an add-on
    /// selected twice.
    pub fn validate(&self, features: &FeatureCatalog, addons: &[AddOn]) -> Result<(), PlanError> {
        let invalid = |reason: String| PlanError::Invalid {
            subject: Subject::Overrides,
            reason,
        };
        for (i, o) in self.overrides.iter().enumerate() {
            o.validate(features)?;
            if self.overrides[..i].iter().any(|p| p.feature == o.feature) {
                return Err(PlanError::DuplicateEntitlement {
                    subject: Subject::Overrides,
                    feature: o.feature.clone(),
                });
            }
        }
        for (i, sel) in self.addons.iter().enumerate() {
            if !addons.iter().any(|a| a.code == sel.code) {
                return Err(invalid(format!("unknown add-on \"{}\"", sel.code)));
            }
            if sel.quantity == 0 {
                return Err(invalid(format!(
                    "add-on \"{}\": quantity must be at least 1",
                    sel.code
                )));
            }
            if self.addons[..i].iter().any(|o| o.code == sel.code) {
                return Err(invalid(format!(
                    "add-on \"{}\" is selected more than once",
                    sel.code
                )));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{fc, features, pc};
    use crate::model::{AddOn, AddOnLimit, AddOnSelection, CustomerOverrides, Override, Price};
    use tollgate_kernel::{Currency, Enforcement, Interval};

    fn pack() -> AddOn {
        AddOn {
            code: pc("storage_10gb"),
            name: "+10 GB".to_owned(),
            description: String::new(),
            prices: vec![Price::new(Currency::USD, Interval::Month, 500)],
            adds: vec![AddOnLimit {
                feature: fc("storage_bytes"),
                amount: 10 << 30,
            }],
        }
    }

    fn addon_error(change: impl FnOnce(&mut AddOn)) -> String {
        let mut a = pack();
        change(&mut a);
        a.validate(&features()).unwrap_err().to_string()
    }

    #[test]
    fn addon_rules() {
        pack().validate(&features()).unwrap();
        assert_eq!(
            addon_error(|a| a.adds[0].feature = fc("analytics")),
            "add-on \"storage_10gb\": entitlement \"analytics\": an add-on raises a limit, \
             and a boolean feature has none"
        );
        assert_eq!(
            addon_error(|a| a.adds[0].amount = 0),
            "add-on \"storage_10gb\": entitlement \"storage_bytes\": amount must be positive (got 0)"
        );
        assert_eq!(
            addon_error(|a| a.adds[0].feature = fc("disk")),
            "add-on \"storage_10gb\": unknown feature \"disk\""
        );
        assert_eq!(
            addon_error(|a| a.adds.push(a.adds[0].clone())),
            "add-on \"storage_10gb\": more than one entitlement for feature \"storage_bytes\""
        );
        assert_eq!(
            addon_error(|a| a.adds.clear()),
            "add-on \"storage_10gb\": an add-on must add to at least one feature"
        );
        assert_eq!(
            addon_error(|a| a.prices[0].amount_minor = -5),
            "add-on \"storage_10gb\": price USD/month: amount_minor must not be negative (got -5)"
        );
        // Every limit kind can be raised.
        for f in ["api_calls", "jobs", "upload"] {
            let mut a = pack();
            a.adds[0].feature = fc(f);
            a.validate(&features()).unwrap();
        }
    }

    fn override_error(o: Override) -> String {
        o.validate(&features()).unwrap_err().to_string()
    }

    #[test]
    fn override_rules() {
        Override::new(fc("api_calls"))
            .with_limit(None)
            .validate(&features())
            .unwrap();
        Override::new(fc("retention"))
            .with_value(serde_json::Value::Null)
            .validate(&features())
            .unwrap();
        assert_eq!(
            override_error(Override::new(fc("analytics")).with_limit(Some(3))),
            "overrides: entitlement \"analytics\": limit does not apply to a boolean feature"
        );
        assert_eq!(
            override_error(Override::new(fc("api_calls")).with_enabled(true)),
            "overrides: entitlement \"api_calls\": enabled does not apply to a metered feature"
        );
        assert_eq!(
            override_error(Override::new(fc("jobs")).with_value(serde_json::json!(1))),
            "overrides: entitlement \"jobs\": value does not apply to a concurrency feature"
        );
        assert_eq!(
            override_error(Override::new(fc("retention")).with_enforcement(Enforcement::Soft)),
            "overrides: entitlement \"retention\": enforcement does not apply to a config feature"
        );
        assert!(
            override_error(Override::new(fc("jobs")).with_limit(Some(-2))).ends_with(
                "limit must not be negative (got -2; use null or \"unlimited\" for no limit)"
            )
        );
        assert!(
            override_error(Override::new(fc("jobs")))
                .ends_with("must set limit, enabled, value or enforcement")
        );
        assert_eq!(
            override_error(Override::new(fc("ghost")).with_limit(Some(1))),
            "overrides: unknown feature \"ghost\""
        );
    }

    #[test]
    fn customer_overrides_rules() {
        let sel = |code: &str, quantity| AddOnSelection {
            code: pc(code),
            quantity,
        };
        let check = |o: CustomerOverrides| o.validate(&features(), &[pack()]);
        check(CustomerOverrides {
            overrides: vec![Override::new(fc("jobs")).with_limit(Some(5))],
            addons: vec![sel("storage_10gb", 2)],
        })
        .unwrap();
        let twice = CustomerOverrides {
            overrides: vec![
                Override::new(fc("jobs")).with_limit(Some(5)),
                Override::new(fc("jobs")).with_limit(Some(6)),
            ],
            addons: vec![],
        };
        assert_eq!(
            check(twice).unwrap_err().to_string(),
            "overrides: more than one entitlement for feature \"jobs\""
        );
        let addons = |addons| CustomerOverrides {
            overrides: vec![],
            addons,
        };
        assert_eq!(
            check(addons(vec![sel("gpu_pack", 1)]))
                .unwrap_err()
                .to_string(),
            "overrides: unknown add-on \"gpu_pack\""
        );
        assert_eq!(
            check(addons(vec![sel("storage_10gb", 0)]))
                .unwrap_err()
                .to_string(),
            "overrides: add-on \"storage_10gb\": quantity must be at least 1"
        );
        assert_eq!(
            check(addons(vec![sel("storage_10gb", 1), sel("storage_10gb", 1)]))
                .unwrap_err()
                .to_string(),
            "overrides: add-on \"storage_10gb\" is selected more than once"
        );
    }
}
