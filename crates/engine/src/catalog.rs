//! Operator use cases on the catalog: features, plans, token prices; and seeding from a
//! catalog file at start-up.

use tollgate_kernel::{Currency, FeatureCode, Interval, PlanCode};
use tollgate_plans::{Catalog, Feature, Plan};
use tollgate_pricing::TokenPrice;

use crate::audit::Caller;
use crate::engine::{Engine, snapshot};
use crate::error::EngineError;

impl Engine {
    /// Active public plans by priority: the pricing matrix.
    ///
    /// # Errors
    /// Store failures only.
    pub async fn public_plans(&self) -> Result<Vec<Plan>, EngineError> {
        let mut plans: Vec<Plan> = self
            .d
            .plans
            .list_plans()
            .await?
            .into_iter()
            .filter(|p| p.active && p.public)
            .collect();
        plans.sort_by_key(|p| p.priority);
        Ok(plans)
    }

    /// Every plan, archived ones included, by priority.
    ///
    /// # Errors
    /// Store failures only.
    pub async fn all_plans(&self) -> Result<Vec<Plan>, EngineError> {
        let mut plans = self.d.plans.list_plans().await?;
        plans.sort_by_key(|p| p.priority);
        Ok(plans)
    }

    /// # Errors
    /// [`EngineError::Invalid`] when the plan does not validate against the feature catalog;
    /// [`EngineError::Conflict`] when the code exists.
    pub async fn create_plan(&self, plan: Plan, caller: &Caller) -> Result<Plan, EngineError> {
        plan.validate(&self.feature_catalog().await?)?;
        if self.d.plans.get_plan(&plan.code).await?.is_some() {
            return Err(EngineError::Conflict(format!(
                "plan {} already exists",
                plan.code
            )));
        }
        self.d.plans.upsert_plan(&plan).await?;
        self.journal(
            caller,
            "plan.created",
            format!("plan:{}", plan.code),
            None,
            snapshot(&plan),
        )
        .await?;
        Ok(plan)
    }

    /// Replaces a plan. Subscribers keep their subscription; new limits apply at once.
    ///
    /// # Errors
    /// [`EngineError::Invalid`] (validation, code mismatch), [`EngineError::NotFound`].
    pub async fn update_plan(
        &self,
        code: &PlanCode,
        plan: Plan,
        caller: &Caller,
    ) -> Result<Plan, EngineError> {
        if &plan.code != code {
            return Err(EngineError::invalid(format!(
                "body code {} does not match the path's {code}",
                plan.code
            )));
        }
        plan.validate(&self.feature_catalog().await?)?;
        let before = self.plan(code).await?;
        self.d.plans.upsert_plan(&plan).await?;
        self.journal(
            caller,
            "plan.updated",
            format!("plan:{code}"),
            snapshot(&before),
            snapshot(&plan),
        )
        .await?;
        Ok(plan)
    }

    /// Archives a plan: no longer sold or listed; existing subscribers keep it.
    ///
    /// # Errors
    /// [`EngineError::NotFound`].
    pub async fn archive_plan(
        &self,
        code: &PlanCode,
        caller: &Caller,
    ) -> Result<Plan, EngineError> {
        let before = self.plan(code).await?;
        self.d.plans.archive_plan(code).await?;
        let after = self.plan(code).await?;
        self.journal(
            caller,
            "plan.archived",
            format!("plan:{code}"),
            snapshot(&before),
            snapshot(&after),
        )
        .await?;
        Ok(after)
    }

    /// # Errors
    /// Store failures only.
    pub async fn features(&self) -> Result<Vec<Feature>, EngineError> {
        Ok(self.d.features.list_features().await?)
    }

    /// Creates a feature or updates its name, unit and description. Its kind is fixed once
    /// created, because plans and counters depend on it.
    ///
    /// # Errors
    /// [`EngineError::Invalid`] for a blank name or unit, or an over-long text;
    /// [`EngineError::Conflict`] when the kind would change.
    pub async fn put_feature(
        &self,
        feature: Feature,
        caller: &Caller,
    ) -> Result<(Feature, bool), EngineError> {
        // A stored feature that does not validate would fail every later catalog load.
        feature.validate()?;
        let before = self.d.features.get_feature(&feature.code).await?;
        if let Some(b) = &before {
            if b.kind != feature.kind {
                return Err(EngineError::Conflict(format!(
                    "feature {} is {}; its kind cannot change",
                    b.code, b.kind
                )));
            }
            if b == &feature {
                return Ok((feature, false));
            }
        }
        self.d.features.upsert_feature(&feature).await?;
        let action = if before.is_some() {
            "feature.updated"
        } else {
            "feature.created"
        };
        self.journal(
            caller,
            action,
            format!("feature:{}", feature.code),
            before.as_ref().and_then(snapshot),
            snapshot(&feature),
        )
        .await?;
        Ok((feature, before.is_none()))
    }

    /// # Errors
    /// [`EngineError::NotFound`].
    pub async fn feature(&self, code: &FeatureCode) -> Result<Feature, EngineError> {
        self.d
            .features
            .get_feature(code)
            .await?
            .ok_or_else(|| EngineError::not_found("feature", code))
    }

    /// # Errors
    /// Store failures only.
    pub async fn token_prices(&self) -> Result<Vec<TokenPrice>, EngineError> {
        Ok(self.d.token_prices.list().await?)
    }

    /// Replaces the token price table.
    ///
    /// # Errors
    /// [`EngineError::Invalid`] for an invalid or duplicated (provider, model) price.
    pub async fn put_token_prices(
        &self,
        prices: Vec<TokenPrice>,
        caller: &Caller,
    ) -> Result<Vec<TokenPrice>, EngineError> {
        let mut seen = std::collections::HashSet::new();
        for p in &prices {
            p.validate()?;
            if !seen.insert((p.provider.clone(), p.model.clone())) {
                return Err(EngineError::invalid(format!(
                    "token price for {}/{} is listed twice",
                    p.provider, p.model
                )));
            }
        }
        let before = self.d.token_prices.list().await?;
        self.d.token_prices.replace_all(&prices).await?;
        self.journal(
            caller,
            "token_prices.replaced",
            "token_prices".to_owned(),
            snapshot(&before),
            snapshot(&prices),
        )
        .await?;
        Ok(prices)
    }

    /// Seeds the stores from a validated catalog: features, plans and add-ons that do not exist
    /// yet are created; existing ones are left as operators edited them.
    ///
    /// # Errors
    /// Store failures only.
    pub async fn seed_catalog(
        &self,
        catalog: &Catalog,
        caller: &Caller,
    ) -> Result<usize, EngineError> {
        let mut created = 0;
        for f in &catalog.features {
            if self.d.features.get_feature(&f.code).await?.is_none() {
                self.d.features.upsert_feature(f).await?;
                created += 1;
            }
        }
        for p in &catalog.plans {
            if self.d.plans.get_plan(&p.code).await?.is_none() {
                self.d.plans.upsert_plan(p).await?;
                created += 1;
            }
        }
        for a in &catalog.addons {
            if self.d.plans.get_addon(&a.code).await?.is_none() {
                self.d.plans.upsert_addon(a).await?;
                created += 1;
            }
        }
        if created > 0 {
            self.journal(
                caller,
                "catalog.seeded",
                "catalog".to_owned(),
                None,
                Some(serde_json::json!({ "created": created })),
            )
            .await?;
        }
        Ok(created)
    }

    /// Records the provider's price id on a plan's price (`tollgate stripe sync`), if that
    /// price still has this amount. Answers whether it changed anything.
    ///
    /// # Errors
    /// [`EngineError::NotFound`] for an unknown plan; store failures.
    pub async fn link_provider_price(
        &self,
        plan: &PlanCode,
        currency: Currency,
        interval: Interval,
        amount_minor: i64,
        provider_price_id: &str,
        caller: &Caller,
    ) -> Result<bool, EngineError> {
        let mut stored = self
            .d
            .plans
            .get_plan(plan)
            .await?
            .ok_or_else(|| EngineError::not_found("plan", plan))?;
        let before = snapshot(&stored);
        let Some(price) = stored.prices.iter_mut().find(|p| {
            p.currency == currency && p.interval == interval && p.amount_minor == amount_minor
        }) else {
            return Ok(false);
        };
        if price.stripe_price_id.as_deref() == Some(provider_price_id) {
            return Ok(false);
        }
        price.stripe_price_id = Some(provider_price_id.to_owned());
        self.d.plans.upsert_plan(&stored).await?;
        self.journal(
            caller,
            "plan.price_linked",
            format!("plan:{plan}"),
            before,
            snapshot(&stored),
        )
        .await?;
        Ok(true)
    }
}
