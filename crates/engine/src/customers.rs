//! Customers (tenants): created by the product with its own id, idempotently.

use chrono::SubsecRound;
use serde::{Deserialize, Serialize};
use tollgate_billing::{Customer, CustomerStatus, SubscriptionStatus};
use tollgate_kernel::{Currency, CustomerId};
use tollgate_plans::CustomerOverrides;

use crate::audit::Caller;
use crate::engine::{Engine, snapshot};
use crate::error::EngineError;

/// `POST /v1/customers`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewCustomer {
    pub id: CustomerId,
    pub name: String,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub currency: Option<Currency>,
}

const MAX_NAME: usize = 200;

impl NewCustomer {
    fn validate(&self) -> Result<(), EngineError> {
        if self.name.trim().is_empty() || self.name.len() > MAX_NAME {
            return Err(EngineError::invalid(format!(
                "name must be 1 to {MAX_NAME} characters"
            )));
        }
        if let Some(email) = &self.email {
            let plausible = email.len() <= 254
                && email.split_once('@').is_some_and(|(local, domain)| {
                    !local.is_empty() && domain.contains('.') && !domain.starts_with('.')
                })
                && !email.chars().any(char::is_whitespace);
            if !plausible {
                return Err(EngineError::invalid(format!(
                    "email {email:?} is not valid"
                )));
            }
        }
        Ok(())
    }
}

impl Engine {
    /// Creates a customer, or returns the existing one with that id (`created == false`).
    ///
    /// # Errors
    /// [`EngineError::Invalid`] for a bad name or email; [`EngineError::Conflict`] when the id
    /// belonged to a deleted customer.
    pub async fn create_customer(
        &self,
        new: NewCustomer,
        caller: &Caller,
    ) -> Result<(Customer, bool), EngineError> {
        new.validate()?;
        let deleted = |c: &Customer| {
            EngineError::Conflict(format!("customer {} was deleted; use a new id", c.id))
        };
        // A repeat finds the customer: never a second "created" (even at the same instant).
        if let Some(existing) = self.d.customers.get(&new.id).await? {
            if existing.status == CustomerStatus::Deleted {
                return Err(deleted(&existing));
            }
            return Ok((existing, false));
        }
        let candidate = Customer {
            id: new.id.clone(),
            name: new.name.trim().to_owned(),
            email: new.email,
            currency: new.currency.unwrap_or(Currency::USD),
            status: CustomerStatus::Active,
            provider_customer_id: None,
            // Stores keep instants to the microsecond: the candidate must equal what is
            // stored for a fresh insert to be recognised below.
            created_at: self.now().trunc_subsecs(6),
        };
        // Racing first requests: the one whose row was stored is the one that created it.
        let stored = self.d.customers.insert(&candidate).await?;
        if stored.status == CustomerStatus::Deleted {
            return Err(deleted(&stored));
        }
        let created = stored == candidate;
        if created {
            self.journal(
                caller,
                "customer.created",
                format!("customer:{}", stored.id),
                None,
                snapshot(&stored),
            )
            .await?;
        }
        Ok((stored, created))
    }

    /// # Errors
    /// [`EngineError::NotFound`] for an unknown or deleted customer.
    pub async fn customer(&self, id: &CustomerId) -> Result<Customer, EngineError> {
        self.live_customer(id).await
    }

    /// Every live customer.
    ///
    /// # Errors
    /// Only on store failure.
    pub async fn customers(&self) -> Result<Vec<Customer>, EngineError> {
        Ok(self
            .d
            .customers
            .list()
            .await?
            .into_iter()
            .filter(|c| c.status != CustomerStatus::Deleted)
            .collect())
    }

    /// Deletes a customer: its subscription is canceled now (at the provider too), its usage
    /// history stays (the log is append-only) and the id cannot be reused.
    ///
    /// # Errors
    /// [`EngineError::NotFound`]; [`EngineError::BillingUnavailable`] when the provider cannot
    /// cancel (nothing changes then).
    pub async fn delete_customer(
        &self,
        id: &CustomerId,
        caller: &Caller,
    ) -> Result<(), EngineError> {
        let customer = self.live_customer(id).await?;
        if let Some(sub) = self.d.subscriptions.get(id).await?
            && sub.status != SubscriptionStatus::Canceled
        {
            self.cancel_subscription(id, false, caller).await?;
        }
        let mut deleted = customer.clone();
        deleted.status = CustomerStatus::Deleted;
        self.d.customers.update(&deleted).await?;
        self.journal(
            caller,
            "customer.deleted",
            format!("customer:{id}"),
            snapshot(&customer),
            snapshot(&deleted),
        )
        .await
    }

    /// Replaces a customer's overrides and add-ons after validating them against the catalog.
    ///
    /// # Errors
    /// [`EngineError::NotFound`] for an unknown customer or add-on; [`EngineError::Invalid`]
    /// for an override the catalog does not allow.
    pub async fn put_overrides(
        &self,
        id: &CustomerId,
        overrides: CustomerOverrides,
        caller: &Caller,
    ) -> Result<CustomerOverrides, EngineError> {
        self.live_customer(id).await?;
        let features = self.feature_catalog().await?;
        for o in &overrides.overrides {
            o.validate(&features)?;
        }
        for sel in &overrides.addons {
            if self.d.plans.get_addon(&sel.code).await?.is_none() {
                return Err(EngineError::not_found("add-on", &sel.code));
            }
        }
        let before = self.d.overrides.get_overrides(id).await?;
        self.d.overrides.put_overrides(id, &overrides).await?;
        self.journal(
            caller,
            "customer.overrides_changed",
            format!("customer:{id}"),
            snapshot(&before),
            snapshot(&overrides),
        )
        .await?;
        Ok(overrides)
    }

    /// # Errors
    /// [`EngineError::NotFound`] for an unknown customer.
    pub async fn overrides(&self, id: &CustomerId) -> Result<CustomerOverrides, EngineError> {
        self.live_customer(id).await?;
        Ok(self.d.overrides.get_overrides(id).await?)
    }
}
