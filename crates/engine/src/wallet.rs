//! Prepaid credits: plan grants (idempotent per occasion), operator grants, the wallet view.

use serde::{Deserialize, Serialize};
use tollgate_kernel::{Amount, Currency, CustomerId, Decimal, GrantTrigger, Timestamp};
use tollgate_plans::Plan;
use tollgate_wallet::{AppendEntry, EntryKind, GrantSpec, LedgerEntry, grants_for};

use crate::audit::Caller;
use crate::engine::{Engine, snapshot};
use crate::error::EngineError;

/// `GET /v1/customers/{id}/wallet`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WalletView {
    pub customer: CustomerId,
    pub balances: Vec<Amount>,
    pub entries: Vec<LedgerEntry>,
}

/// Longest operator grant reference and description.
const MAX_REFERENCE: usize = 255;
const MAX_DESCRIPTION: usize = 500;

fn trigger_name(t: GrantTrigger) -> &'static str {
    match t {
        GrantTrigger::Start => "start",
        GrantTrigger::Renewal => "renewal",
        GrantTrigger::Upgrade => "upgrade",
    }
}

impl Engine {
    /// Credits the plan's grants for `trigger`. `occasion` makes the grant idempotent: the same
    /// plan, trigger and occasion (a period start, `trial`) credit once however often called.
    pub(crate) async fn grant_plan_credits(
        &self,
        customer: &CustomerId,
        plan: &Plan,
        trigger: GrantTrigger,
        occasion: &str,
        caller: &Caller,
    ) -> Result<(), EngineError> {
        let specs: Vec<GrantSpec> = plan
            .wallet_grants
            .iter()
            .filter(|g| g.on == trigger)
            .map(|g| GrantSpec {
                amount_minor: g.amount_minor,
                currency: g.currency,
                on: g.on,
                expires_after_days: g.expires_after_days,
            })
            .collect();
        if specs.is_empty() {
            return Ok(());
        }
        let prefix = format!("grant:{}:{}:{occasion}", plan.code, trigger_name(trigger));
        for entry in grants_for(&specs, trigger, customer, self.now(), &prefix) {
            self.credit(entry, caller).await?;
        }
        Ok(())
    }

    /// Appends a grant, journaling it only when it is new (its reference makes it idempotent);
    /// answers the stored entry either way.
    async fn credit(
        &self,
        entry: LedgerEntry,
        caller: &Caller,
    ) -> Result<LedgerEntry, EngineError> {
        match self.d.wallet.append(entry).await? {
            AppendEntry::Inserted(e) => {
                self.journal(
                    caller,
                    "wallet.granted",
                    format!("customer:{}", e.customer),
                    None,
                    snapshot(&e),
                )
                .await?;
                Ok(e)
            }
            AppendEntry::Duplicate(e) => Ok(e),
        }
    }

    /// An operator's grant of credits, idempotent on `reference`, in the customer's own
    /// currency (a grant in another one could never be spent).
    ///
    /// # Errors
    /// [`EngineError::Invalid`] for a reference of 0 or over 255 characters, a description
    /// over 500, another currency than the customer's, a non-positive amount or a bad expiry;
    /// [`EngineError::NotFound`] for an unknown customer.
    #[allow(clippy::too_many_arguments)]
    pub async fn grant_credits(
        &self,
        customer: &CustomerId,
        amount_minor: i64,
        currency: Currency,
        expires_after_days: Option<u32>,
        description: Option<String>,
        reference: &str,
        caller: &Caller,
    ) -> Result<LedgerEntry, EngineError> {
        if reference.is_empty() || reference.len() > MAX_REFERENCE {
            return Err(EngineError::invalid(format!(
                "reference must be 1 to {MAX_REFERENCE} characters"
            )));
        }
        if description
            .as_ref()
            .is_some_and(|d| d.len() > MAX_DESCRIPTION)
        {
            return Err(EngineError::invalid(format!(
                "description must be at most {MAX_DESCRIPTION} characters"
            )));
        }
        let owner = self.live_customer(customer).await?;
        if currency != owner.currency {
            return Err(EngineError::invalid(format!(
                "customer {} is billed in {}; a grant in {currency} cannot be spent",
                owner.id, owner.currency
            )));
        }
        if amount_minor <= 0 {
            return Err(EngineError::invalid("amount_minor must be positive"));
        }
        if expires_after_days == Some(0) {
            return Err(EngineError::invalid("expires_after_days must be positive"));
        }
        let now = self.now();
        let entry = LedgerEntry {
            id: tollgate_kernel::new_id("led"),
            customer: customer.clone(),
            currency,
            kind: EntryKind::Grant,
            amount: Decimal::new(amount_minor, currency.exponent()),
            created_at: now,
            expires_at: expires_after_days.map(|d| now + chrono::Duration::days(i64::from(d))),
            reference: Some(format!("admin:{reference}")),
            description: description.unwrap_or_else(|| "Credit grant".to_owned()),
        };
        self.credit(entry, caller).await
    }

    /// Balances (after expiries) and the ledger.
    ///
    /// # Errors
    /// [`EngineError::NotFound`] for an unknown customer.
    pub async fn wallet(&self, customer: &CustomerId) -> Result<WalletView, EngineError> {
        self.live_customer(customer).await?;
        let at: Timestamp = self.now();
        Ok(WalletView {
            customer: customer.clone(),
            balances: self.d.wallet.balances(customer, at).await?,
            entries: self.d.wallet.entries(customer).await?,
        })
    }
}
