//! The fake provider's own records.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};
use tollgate_billing::{
    BillingEvent, BillingEventKind, CheckoutRequest, Invoice, InvoiceLine, InvoiceStatus,
    MeterReport, SubscriptionStatus,
};
use tollgate_kernel::{CustomerId, Interval, Money, Period, PlanCode, Timestamp};

pub(crate) const PROVIDER: &str = "fake";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FakeSessionStatus {
    Open,
    Completed,
    Canceled,
}

/// What the checkout page shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FakeSessionView {
    pub id: String,
    pub customer: CustomerId,
    pub customer_name: String,
    pub plan: PlanCode,
    pub interval: Interval,
    pub price: Money,
    pub trial_days: u32,
    pub status: FakeSessionStatus,
    pub success_url: String,
    pub cancel_url: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Session {
    pub id: String,
    pub req: CheckoutRequest,
    pub status: FakeSessionStatus,
    /// The events paying produced, answered again when a completed session is paid again.
    #[serde(default)]
    pub events: Vec<BillingEvent>,
}

impl Session {
    pub fn view(&self) -> FakeSessionView {
        FakeSessionView {
            id: self.id.clone(),
            customer: self.req.customer.id.clone(),
            customer_name: self.req.customer.name.clone(),
            plan: self.req.plan.clone(),
            interval: self.req.interval,
            price: self.req.price,
            trial_days: self.req.trial_days,
            status: self.status,
            success_url: self.req.success_url.clone(),
            cancel_url: self.req.cancel_url.clone(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Scheduled {
    pub plan: PlanCode,
    pub interval: Interval,
    pub price: Money,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct FakeSubscription {
    pub id: String,
    pub customer: CustomerId,
    pub plan: PlanCode,
    pub interval: Interval,
    pub price: Money,
    pub status: SubscriptionStatus,
    pub period: Period,
    pub trial_end: Option<Timestamp>,
    pub trial_warned: bool,
    pub cancel_at_period_end: bool,
    pub scheduled: Option<Scheduled>,
    /// The unpaid invoice a fixed payment method settles.
    pub open_invoice: Option<String>,
    pub last_update: Option<Timestamp>,
}

/// Everything the fake provider knows; serializable so demo mode keeps it across restarts.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub(crate) struct State {
    pub invoice_seq: u64,
    pub customers: HashMap<CustomerId, String>,
    pub sessions: HashMap<String, Session>,
    pub checkout_keys: HashMap<String, String>,
    /// Mutating calls are idempotent on their key: a retry answers the first events.
    pub call_keys: HashMap<String, Vec<BillingEvent>>,
    pub subs: HashMap<CustomerId, FakeSubscription>,
    pub invoices: HashMap<CustomerId, Vec<Invoice>>,
    pub failing: HashSet<CustomerId>,
    pub meter: Vec<MeterReport>,
    /// Portal sessions: an unguessable id → the customer and where "Return" goes.
    pub portals: HashMap<String, (CustomerId, String)>,
}

pub(crate) fn event(at: Timestamp, kind: BillingEventKind) -> BillingEvent {
    BillingEvent {
        id: tollgate_kernel::new_id("fevt"),
        provider: PROVIDER.to_owned(),
        occurred_at: at,
        kind,
    }
}

impl State {
    /// A strictly increasing provider timestamp per subscription, so each update is newer
    /// than the last even within one instant.
    pub fn stamp(sub: &mut FakeSubscription, at: Timestamp) -> Timestamp {
        let t = match sub.last_update {
            Some(last) if last >= at => last + chrono::Duration::milliseconds(1),
            _ => at,
        };
        sub.last_update = Some(t);
        t
    }

    pub fn updated(sub: &mut FakeSubscription, at: Timestamp) -> BillingEvent {
        let stamp = Self::stamp(sub, at);
        event(
            at,
            BillingEventKind::SubscriptionUpdated {
                provider_customer_id: None,
                started: false,
                customer: sub.customer.clone(),
                provider_subscription_id: Some(sub.id.clone()),
                plan: Some(sub.plan.clone()),
                interval: Some(sub.interval),
                status: sub.status,
                period: Some(sub.period),
                trial_end: sub.trial_end,
                cancel_at_period_end: sub.cancel_at_period_end,
                provider_updated_at: stamp,
            },
        )
    }

    /// Issues an invoice and tries to charge it; returns the invoice event.
    pub fn charge(
        &mut self,
        customer: &CustomerId,
        currency: tollgate_kernel::Currency,
        lines: Vec<InvoiceLine>,
        period: Option<Period>,
        at: Timestamp,
    ) -> (Invoice, BillingEvent) {
        self.invoice_seq += 1;
        let total: i64 = lines.iter().map(|l| l.amount_minor).sum();
        let due = total.max(0);
        let fails = due > 0 && self.failing.contains(customer);
        let id = format!("fin_{:06}", self.invoice_seq);
        let invoice = Invoice {
            id: id.clone(),
            customer: customer.clone(),
            number: Some(format!("TG-{:06}", self.invoice_seq)),
            status: if fails {
                InvoiceStatus::Open
            } else {
                InvoiceStatus::Paid
            },
            currency,
            amount_due: due,
            amount_paid: if fails { 0 } else { due },
            period,
            lines,
            hosted_url: Some(format!("/fake-billing/invoices/{id}")),
            provider_invoice_id: Some(id),
            created_at: at,
        };
        self.invoices
            .entry(customer.clone())
            .or_default()
            .push(invoice.clone());
        let kind = if fails {
            BillingEventKind::InvoicePaymentFailed {
                customer: customer.clone(),
                invoice: invoice.clone(),
            }
        } else {
            BillingEventKind::InvoicePaid {
                customer: customer.clone(),
                invoice: invoice.clone(),
            }
        };
        (invoice, event(at, kind))
    }
}

pub(crate) fn line(
    description: String,
    amount: Money,
    proration: bool,
    period: Option<Period>,
) -> InvoiceLine {
    InvoiceLine {
        description,
        amount_minor: amount.minor,
        quantity: 1,
        proration,
        period,
    }
}
