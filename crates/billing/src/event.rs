//! Billing events: what a provider tells Tollgate happened (a Stripe webhook, or the fake
//! provider's clock), in provider-neutral terms. The engine applies each once, by `id`.

use crate::{Invoice, ProviderSnapshot, SubscriptionStatus};
use serde::{Deserialize, Serialize};
use tollgate_kernel::{Currency, CustomerId, Interval, Period, PlanCode, Timestamp};

/// One event from a billing provider.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BillingEvent {
    /// The provider's event id (`evt_…`): the dedupe key of the webhook log.
    pub id: String,
    /// `"stripe"` or `"fake"`.
    pub provider: String,
    pub occurred_at: Timestamp,
    pub kind: BillingEventKind,
}

/// What happened. JSON: `{"type": "invoice_paid", "customer": "acme", …}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum BillingEventKind {
    /// A checkout was paid (or started a trial when `trial_end` is set).
    CheckoutCompleted {
        customer: CustomerId,
        plan: PlanCode,
        interval: Interval,
        currency: Currency,
        session_id: String,
        provider_customer_id: Option<String>,
        provider_subscription_id: Option<String>,
        period: Period,
        trial_end: Option<Timestamp>,
    },
    /// The provider's current view of the subscription; adopted unless older than the last.
    SubscriptionUpdated {
        customer: CustomerId,
        /// The provider's customer (`cus_…`), linked to ours when not yet.
        #[serde(default)]
        provider_customer_id: Option<String>,
        /// This snapshot is the subscription's creation: its plan is the one the customer
        /// started on (credited once, whatever order the snapshots arrive in).
        #[serde(default)]
        started: bool,
        provider_subscription_id: Option<String>,
        plan: Option<PlanCode>,
        interval: Option<Interval>,
        status: SubscriptionStatus,
        period: Option<Period>,
        trial_end: Option<Timestamp>,
        cancel_at_period_end: bool,
        provider_updated_at: Timestamp,
    },
    SubscriptionDeleted {
        customer: CustomerId,
        provider_subscription_id: Option<String>,
    },
    /// Sent a few days before a trial ends (a reminder; changes nothing).
    TrialWillEnd {
        customer: CustomerId,
        trial_end: Timestamp,
    },
    InvoicePaid {
        customer: CustomerId,
        invoice: Invoice,
    },
    InvoicePaymentFailed {
        customer: CustomerId,
        invoice: Invoice,
    },
    /// The payment needs the customer (3-D Secure): the invoice stays open.
    PaymentActionRequired {
        customer: CustomerId,
        invoice: Invoice,
    },
}

impl BillingEvent {
    /// The customer the event is about (every kind names one).
    pub fn customer(&self) -> &CustomerId {
        match &self.kind {
            BillingEventKind::CheckoutCompleted { customer, .. }
            | BillingEventKind::SubscriptionUpdated { customer, .. }
            | BillingEventKind::SubscriptionDeleted { customer, .. }
            | BillingEventKind::TrialWillEnd { customer, .. }
            | BillingEventKind::InvoicePaid { customer, .. }
            | BillingEventKind::InvoicePaymentFailed { customer, .. }
            | BillingEventKind::PaymentActionRequired { customer, .. } => customer,
        }
    }

    /// The snake_case type name (`invoice_paid`), for logs and the webhook log.
    pub fn type_name(&self) -> &'static str {
        match &self.kind {
            BillingEventKind::CheckoutCompleted { .. } => "checkout_completed",
            BillingEventKind::SubscriptionUpdated { .. } => "subscription_updated",
            BillingEventKind::SubscriptionDeleted { .. } => "subscription_deleted",
            BillingEventKind::TrialWillEnd { .. } => "trial_will_end",
            BillingEventKind::InvoicePaid { .. } => "invoice_paid",
            BillingEventKind::InvoicePaymentFailed { .. } => "invoice_payment_failed",
            BillingEventKind::PaymentActionRequired { .. } => "payment_action_required",
        }
    }

    /// For `SubscriptionUpdated`, the snapshot to apply with
    /// [`crate::Transition::SyncFromProvider`]; `None` for other kinds.
    pub fn provider_snapshot(&self) -> Option<ProviderSnapshot> {
        self.kind.provider_snapshot()
    }
}

impl BillingEventKind {
    /// For `SubscriptionUpdated`, the provider's view it carries; `None` for other kinds.
    pub fn provider_snapshot(&self) -> Option<ProviderSnapshot> {
        match self {
            BillingEventKind::SubscriptionUpdated {
                provider_subscription_id,
                plan,
                interval,
                status,
                period,
                trial_end,
                cancel_at_period_end,
                provider_updated_at,
                ..
            } => Some(ProviderSnapshot {
                status: *status,
                plan: plan.clone(),
                interval: *interval,
                period: *period,
                trial_end: *trial_end,
                cancel_at_period_end: *cancel_at_period_end,
                canceled_at: None,
                provider_subscription_id: provider_subscription_id.clone(),
                provider_updated_at: *provider_updated_at,
            }),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::InvoiceStatus;
    use chrono::{TimeZone, Utc};

    #[test]
    fn events_are_tagged_json_and_name_their_customer() {
        let at = Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap();
        let acme = CustomerId::parse("acme").unwrap();
        let invoice = Invoice {
            id: "in_1".into(),
            customer: acme.clone(),
            number: None,
            status: InvoiceStatus::Paid,
            currency: Currency::USD,
            amount_due: 4_900,
            amount_paid: 4_900,
            period: Some(Period::months_from(at, 1)),
            lines: vec![],
            hosted_url: None,
            provider_invoice_id: None,
            created_at: at,
        };
        let event = BillingEvent {
            id: "evt_1".into(),
            provider: "fake".into(),
            occurred_at: at,
            kind: BillingEventKind::InvoicePaid {
                customer: acme.clone(),
                invoice,
            },
        };
        let json = serde_json::to_value(&event).unwrap();
        assert_eq!(json["kind"]["type"], "invoice_paid");
        assert_eq!(json["kind"]["invoice"]["status"], "paid");
        assert_eq!(serde_json::from_value::<BillingEvent>(json).unwrap(), event);
        assert_eq!(event.customer(), &acme);
        assert_eq!(event.type_name(), "invoice_paid");
        assert_eq!(event.provider_snapshot(), None);

        let updated = BillingEvent {
            kind: BillingEventKind::SubscriptionUpdated {
                customer: acme,
                provider_customer_id: None,
                started: false,
                provider_subscription_id: Some("sub_1".into()),
                plan: None,
                interval: None,
                status: SubscriptionStatus::PastDue,
                period: None,
                trial_end: None,
                cancel_at_period_end: true,
                provider_updated_at: at,
            },
            ..event
        };
        let snap = updated.provider_snapshot().unwrap();
        assert_eq!(snap.status, SubscriptionStatus::PastDue);
        assert!(snap.cancel_at_period_end);
        assert_eq!(snap.provider_subscription_id.as_deref(), Some("sub_1"));
    }
}
