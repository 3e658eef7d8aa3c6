//! The few fields of Stripe's objects that Tollgate reads, as its own lenient serde types: every
//! field optional or defaulted, so that older API versions (2017's `plan` on items, periods on
//! the subscription, `subscription` on invoices) and newer ones (prices, periods on items,
//! `parent.subscription_details`) both read, and a local fake's partial objects too.

use std::collections::HashMap;

use serde::Deserialize;
use serde_json::Value;
use tollgate_billing::{Invoice, InvoiceLine, InvoiceStatus, SubscriptionStatus};
use tollgate_kernel::{Currency, CustomerId, Interval, Period, PlanCode, Timestamp};

/// Metadata keys Tollgate writes on Stripe objects and reads back.
pub const META_CUSTOMER: &str = "tollgate_customer";
pub const META_PLAN: &str = "tollgate_plan";
pub const META_INTERVAL: &str = "tollgate_interval";

/// An event envelope.
#[derive(Debug, Clone, Deserialize)]
pub struct Event {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub created: i64,
    pub data: EventData,
}

#[derive(Debug, Clone, Deserialize)]
pub struct EventData {
    pub object: Value,
}

/// A field that is an id or, expanded, an object with an `id`.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Ref {
    Id(String),
    Object {
        id: String,
        #[serde(default)]
        metadata: Option<HashMap<String, String>>,
    },
}

impl Ref {
    pub fn id(&self) -> &str {
        match self {
            Ref::Id(id) | Ref::Object { id, .. } => id,
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Recurring {
    #[serde(default)]
    pub interval: Option<String>,
}

/// A price, or a legacy plan (which is a price with `interval` at the top).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct PriceLike {
    pub id: String,
    #[serde(default)]
    pub metadata: Option<HashMap<String, String>>,
    #[serde(default)]
    pub recurring: Option<Recurring>,
    #[serde(default)]
    pub interval: Option<String>,
    #[serde(default)]
    pub lookup_key: Option<String>,
    #[serde(default)]
    pub unit_amount: Option<i64>,
    #[serde(default)]
    pub currency: Option<String>,
    #[serde(default)]
    pub product: Option<Ref>,
    #[serde(default)]
    pub active: Option<bool>,
}

impl PriceLike {
    pub fn interval(&self) -> Option<Interval> {
        let raw = self
            .recurring
            .as_ref()
            .and_then(|r| r.interval.as_deref())
            .or(self.interval.as_deref())?;
        interval(raw)
    }

    /// The plan Tollgate wrote on the price when it synced it.
    pub fn tagged_plan(&self) -> Option<(PlanCode, Option<Interval>)> {
        let meta = self.metadata.as_ref()?;
        let plan = PlanCode::parse(meta.get(META_PLAN)?).ok()?;
        let interval = meta
            .get(META_INTERVAL)
            .and_then(|i| interval(i))
            .or(self.interval());
        Some((plan, interval))
    }
}

pub fn interval(raw: &str) -> Option<Interval> {
    match raw {
        "month" => Some(Interval::Month),
        "year" => Some(Interval::Year),
        _ => None,
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct SubscriptionItem {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub price: Option<PriceLike>,
    #[serde(default)]
    pub plan: Option<PriceLike>,
    #[serde(default)]
    pub current_period_start: Option<i64>,
    #[serde(default)]
    pub current_period_end: Option<i64>,
}

impl SubscriptionItem {
    /// The price (new API) or the legacy plan.
    pub fn price(&self) -> Option<&PriceLike> {
        self.price.as_ref().or(self.plan.as_ref())
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct List<T> {
    #[serde(default = "Vec::new")]
    pub data: Vec<T>,
    #[serde(default)]
    pub has_more: bool,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Subscription {
    pub id: String,
    #[serde(default)]
    pub customer: Option<Ref>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub items: Option<List<SubscriptionItem>>,
    #[serde(default)]
    pub current_period_start: Option<i64>,
    #[serde(default)]
    pub current_period_end: Option<i64>,
    #[serde(default)]
    pub trial_end: Option<i64>,
    #[serde(default)]
    pub cancel_at_period_end: Option<bool>,
    #[serde(default)]
    pub cancel_at: Option<i64>,
    #[serde(default)]
    pub canceled_at: Option<i64>,
    #[serde(default)]
    pub ended_at: Option<i64>,
    #[serde(default)]
    pub metadata: Option<HashMap<String, String>>,
    #[serde(default)]
    pub schedule: Option<Ref>,
    #[serde(default)]
    pub currency: Option<String>,
}

impl Subscription {
    pub fn first_item(&self) -> Option<&SubscriptionItem> {
        self.items.as_ref().and_then(|l| l.data.first())
    }

    /// The current period: on the subscription (older API versions) or on its item (newer).
    pub fn period(&self) -> Option<Period> {
        let item = self.first_item();
        let start = self
            .current_period_start
            .or(item.and_then(|i| i.current_period_start))?;
        let end = self
            .current_period_end
            .or(item.and_then(|i| i.current_period_end))?;
        Period::new(at(start)?, at(end)?).ok()
    }

    pub fn meta(&self, key: &str) -> Option<&str> {
        self.metadata.as_ref()?.get(key).map(String::as_str)
    }

    /// Whether it ends at the end of its period: `cancel_at_period_end`, or (newer API
    /// versions) a `cancel_at` on the period's end.
    pub fn cancels_at_period_end(&self) -> bool {
        self.cancel_at_period_end.unwrap_or(false)
            || matches!((self.cancel_at, self.period()), (Some(c), Some(p)) if at(c) == Some(p.end))
    }

    pub fn status(&self) -> Option<SubscriptionStatus> {
        tollgate_billing::map_provider_status(self.status.as_deref()?)
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct CheckoutSession {
    pub id: String,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub mode: Option<String>,
    #[serde(default)]
    pub customer: Option<Ref>,
    #[serde(default)]
    pub subscription: Option<Ref>,
    #[serde(default)]
    pub client_reference_id: Option<String>,
    #[serde(default)]
    pub metadata: Option<HashMap<String, String>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct LinePeriod {
    pub start: i64,
    pub end: i64,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct LineParentDetails {
    #[serde(default)]
    pub proration: Option<bool>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct LineParent {
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    #[serde(default)]
    pub subscription_item_details: Option<LineParentDetails>,
    #[serde(default)]
    pub invoice_item_details: Option<LineParentDetails>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct InvoiceLineItem {
    #[serde(default)]
    pub amount: i64,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub quantity: Option<i64>,
    #[serde(default)]
    pub period: Option<LinePeriod>,
    /// Older API versions.
    #[serde(default)]
    pub proration: Option<bool>,
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    #[serde(default)]
    pub parent: Option<LineParent>,
}

impl InvoiceLineItem {
    pub fn is_proration(&self) -> bool {
        let parent = self.parent.as_ref();
        self.proration
            .or(parent
                .and_then(|p| p.subscription_item_details.as_ref())
                .and_then(|d| d.proration))
            .or(parent
                .and_then(|p| p.invoice_item_details.as_ref())
                .and_then(|d| d.proration))
            .unwrap_or(false)
    }

    /// A subscription's own fee for a period (not a proration, not a one-off item).
    pub fn is_subscription_fee(&self) -> bool {
        let kind = self
            .parent
            .as_ref()
            .and_then(|p| p.kind.as_deref())
            .or(self.kind.as_deref());
        matches!(
            kind,
            Some("subscription" | "subscription_item_details" | "line_item")
        ) && !self.is_proration()
    }

    pub fn period(&self) -> Option<Period> {
        let p = self.period.as_ref()?;
        Period::new(at(p.start)?, at(p.end)?).ok()
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct SubscriptionDetails {
    #[serde(default)]
    pub subscription: Option<Ref>,
    #[serde(default)]
    pub metadata: Option<HashMap<String, String>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct InvoiceParent {
    #[serde(default)]
    pub subscription_details: Option<SubscriptionDetails>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct StripeInvoice {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub customer: Option<Ref>,
    #[serde(default)]
    pub number: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
    /// Older API versions and local fakes say `paid` rather than a status.
    #[serde(default)]
    pub paid: Option<bool>,
    #[serde(default)]
    pub currency: Option<String>,
    #[serde(default)]
    pub amount_due: i64,
    #[serde(default)]
    pub amount_paid: i64,
    #[serde(default)]
    pub period_start: Option<i64>,
    #[serde(default)]
    pub period_end: Option<i64>,
    #[serde(default)]
    pub hosted_invoice_url: Option<String>,
    #[serde(default)]
    pub created: Option<i64>,
    /// Older API versions.
    #[serde(default)]
    pub date: Option<i64>,
    #[serde(default)]
    pub lines: Option<List<InvoiceLineItem>>,
    /// Older API versions.
    #[serde(default)]
    pub subscription: Option<Ref>,
    #[serde(default)]
    pub subscription_details: Option<SubscriptionDetails>,
    #[serde(default)]
    pub parent: Option<InvoiceParent>,
}

impl StripeInvoice {
    pub fn subscription_details(&self) -> Option<&SubscriptionDetails> {
        self.parent
            .as_ref()
            .and_then(|p| p.subscription_details.as_ref())
            .or(self.subscription_details.as_ref())
    }

    pub fn subscription_id(&self) -> Option<&str> {
        self.subscription
            .as_ref()
            .or(self
                .subscription_details()
                .and_then(|d| d.subscription.as_ref()))
            .map(Ref::id)
    }

    /// The customer Tollgate named in the subscription's metadata, if Stripe copied it here.
    pub fn tagged_customer(&self) -> Option<&str> {
        self.subscription_details()?
            .metadata
            .as_ref()?
            .get(META_CUSTOMER)
            .map(String::as_str)
    }

    fn lines(&self) -> &[InvoiceLineItem] {
        self.lines.as_ref().map_or(&[], |l| l.data.as_slice())
    }

    /// The period the invoice bills: its subscription fee line's (Stripe's own
    /// `period_start`/`period_end` are the usage period, one behind for renewals), else the
    /// invoice's.
    pub fn period(&self) -> Option<Period> {
        self.lines()
            .iter()
            .find(|l| l.is_subscription_fee())
            .and_then(InvoiceLineItem::period)
            .or_else(|| {
                let (s, e) = (self.period_start?, self.period_end?);
                Period::new(at(s)?, at(e)?).ok().filter(|p| p.end > p.start)
            })
    }

    pub fn status(&self) -> InvoiceStatus {
        match self.status.as_deref() {
            Some("draft") => InvoiceStatus::Draft,
            Some("paid") => InvoiceStatus::Paid,
            Some("void") => InvoiceStatus::Void,
            Some("uncollectible") => InvoiceStatus::Uncollectible,
            Some("open") => InvoiceStatus::Open,
            _ if self.paid == Some(true) => InvoiceStatus::Paid,
            _ => InvoiceStatus::Open,
        }
    }

    /// In Tollgate's terms, for `customer`; `None` without an id or a known currency.
    pub fn to_invoice(&self, customer: CustomerId) -> Option<Invoice> {
        let id = self.id.clone()?;
        let currency = Currency::from_iso(self.currency.as_deref()?).ok()?;
        let created = self.created.or(self.date).and_then(at)?;
        Some(Invoice {
            id: id.clone(),
            customer,
            number: self.number.clone(),
            status: self.status(),
            currency,
            amount_due: self.amount_due,
            amount_paid: self.amount_paid,
            period: self.period(),
            lines: self
                .lines()
                .iter()
                .map(|l| InvoiceLine {
                    description: l.description.clone().unwrap_or_default(),
                    amount_minor: l.amount,
                    quantity: l.quantity.unwrap_or(1),
                    proration: l.is_proration(),
                    period: l.period(),
                })
                .collect(),
            hosted_url: self.hosted_invoice_url.clone(),
            provider_invoice_id: Some(id),
            created_at: created,
        })
    }
}

/// A unix timestamp as an instant.
pub fn at(seconds: i64) -> Option<Timestamp> {
    chrono::DateTime::from_timestamp(seconds, 0)
}
