//! Invoices as the provider reports them, kept for the customer's billing history.

use serde::{Deserialize, Serialize};
use tollgate_kernel::{Currency, CustomerId, Period, Timestamp};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum InvoiceStatus {
    Draft,
    Open,
    Paid,
    Void,
    Uncollectible,
}

/// One line: a period's subscription fee, a proration credit or charge, metered overage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InvoiceLine {
    pub description: String,
    /// Signed: a proration credit is negative.
    pub amount_minor: i64,
    pub quantity: i64,
    pub proration: bool,
    pub period: Option<Period>,
}

/// An invoice in integer minor units of `currency` (the provider's own format is converted in
/// its adapter).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Invoice {
    /// Ours or the provider's id; the upsert key.
    pub id: String,
    pub customer: CustomerId,
    pub number: Option<String>,
    pub status: InvoiceStatus,
    pub currency: Currency,
    pub amount_due: i64,
    pub amount_paid: i64,
    pub period: Option<Period>,
    pub lines: Vec<InvoiceLine>,
    /// Where the customer can see and pay it.
    pub hosted_url: Option<String>,
    pub provider_invoice_id: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: Timestamp,
}

impl Invoice {
    /// The sum of the lines (what `amount_due` should be before payments and credits).
    pub fn lines_total(&self) -> i64 {
        self.lines
            .iter()
            .map(|l| l.amount_minor)
            .fold(0_i64, i64::saturating_add)
    }
}
