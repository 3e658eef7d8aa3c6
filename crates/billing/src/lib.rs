//! The billing context of Tollgate: customers, the subscription lifecycle as an explicit state
//! machine (trial, active, past due with a 3-day grace, locked, canceled), invoices, the billing
//! events providers send, and the ports to a billing provider ([`BillingAdapter`]) and to
//! storage (customer, subscription and invoice repositories).
//!
//! This crate must never do I/O, talk to Stripe, read the clock or depend on a runtime: every
//! transition is a pure function of the current value, the transition and a `now` passed in, so
//! replays converge and tests can move time. It knows nothing of plans' contents or prices'
//! sources: the engine maps them in.

mod customer;
mod decode;
mod error;
mod event;
mod invoice;
mod jobs;
mod ports;
mod requests;
mod subscription;
mod sync;
mod transition;

pub mod memory;

#[cfg(feature = "conformance")]
pub mod conformance;

pub use customer::{Customer, CustomerStatus, Role};
pub use decode::{Decoded, EventDecoder, ProviderDirectory};
pub use error::{BillingError, BillingStoreError, TransitionError};
pub use event::{BillingEvent, BillingEventKind};
pub use invoice::{Invoice, InvoiceLine, InvoiceStatus};
pub use jobs::DueJob;
pub use ports::{BillingAdapter, CustomerRepository, InvoiceRepository, SubscriptionRepository};
pub use requests::{
    CancelRequest, ChangeMode, ChangePlanRequest, CheckoutRequest, CheckoutSession, MeterReport,
    PortalRequest, PortalSession, ReactivateRequest,
};
pub use subscription::{
    GRACE_PERIOD, ProviderSnapshot, ScheduledChange, Subscription, SubscriptionStatus,
    map_provider_status,
};
pub use transition::Transition;
