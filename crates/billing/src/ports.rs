//! Ports of the billing context: the billing provider and the three repositories.
//! Callers hold them as `Arc<dyn …>`.

use crate::{
    BillingError, BillingEvent, BillingStoreError, CancelRequest, ChangePlanRequest,
    CheckoutRequest, CheckoutSession, Customer, Invoice, MeterReport, PortalRequest, PortalSession,
    ReactivateRequest, Subscription,
};
use tollgate_kernel::{CustomerId, Timestamp};
use tollgate_pricing::Proration;

/// A billing provider (Stripe, or the deterministic fake). Mutating calls answer the
/// [`BillingEvent`]s that result, and the engine applies them through the same path as
/// webhooks (dedupe by event id, lifecycle, audit), so a change is never applied twice.
///
/// # Errors
/// Every method may fail with:
/// - [`BillingError::Unavailable`] when the provider cannot be reached (503
///   `billing_unavailable`; nothing changed locally);
/// - [`BillingError::NotFound`] when the provider does not know the customer, subscription or
///   price;
/// - [`BillingError::Invalid`] when the provider refuses the request;
/// - [`BillingError::Declined`] when a payment is declined (`change_plan`, `reactivate`);
/// - [`BillingError::Unexpected`] for anything else.
#[async_trait::async_trait]
pub trait BillingAdapter: Send + Sync {
    /// Creates the customer at the provider, or finds the one made before (idempotent on the
    /// customer id); answers the provider's customer id.
    async fn ensure_customer(&self, customer: &Customer) -> Result<String, BillingError>;

    /// Opens a hosted checkout; completion arrives later as `CheckoutCompleted`.
    async fn create_checkout(&self, req: &CheckoutRequest)
    -> Result<CheckoutSession, BillingError>;

    /// Opens the provider's customer portal.
    async fn create_portal(&self, req: &PortalRequest) -> Result<PortalSession, BillingError>;

    /// Changes plan now (prorated) or at period end; answers the events to apply.
    async fn change_plan(&self, req: &ChangePlanRequest)
    -> Result<Vec<BillingEvent>, BillingError>;

    /// What an immediate change would cost now, without changing anything.
    async fn preview_change(&self, req: &ChangePlanRequest) -> Result<Proration, BillingError>;

    async fn cancel(&self, req: &CancelRequest) -> Result<Vec<BillingEvent>, BillingError>;

    async fn reactivate(&self, req: &ReactivateRequest) -> Result<Vec<BillingEvent>, BillingError>;

    /// Reports metered usage; idempotent on `req.event_id`.
    async fn report_usage(&self, req: &MeterReport) -> Result<(), BillingError>;

    /// The customer's invoices at the provider, newest first.
    async fn list_invoices(&self, customer: &Customer) -> Result<Vec<Invoice>, BillingError>;

    /// Events that fall due by `now` for clock-driven providers (the fake emits renewals,
    /// charges and trial conversions here); webhook-driven providers (Stripe) answer `[]`.
    async fn due_events(&self, now: Timestamp) -> Result<Vec<BillingEvent>, BillingError>;
}

/// Customers, by the product's own id.
///
/// # Errors
/// [`BillingStoreError::Unexpected`] when the backend fails, on every method; others below.
#[async_trait::async_trait]
pub trait CustomerRepository: Send + Sync {
    /// Inserts `c` unless a customer with its id exists; answers the stored one (the existing
    /// one unchanged, so `POST /v1/customers` is idempotent on id).
    async fn insert(&self, c: &Customer) -> Result<Customer, BillingStoreError>;

    async fn get(&self, id: &CustomerId) -> Result<Option<Customer>, BillingStoreError>;

    /// Every customer, ordered by id.
    async fn list(&self) -> Result<Vec<Customer>, BillingStoreError>;

    /// Replaces the stored customer with the same id.
    ///
    /// # Errors
    /// [`BillingStoreError::NotFound`] when there is none.
    async fn update(&self, c: &Customer) -> Result<(), BillingStoreError>;

    /// The customer linked to the provider's customer id (`cus_…`), if any.
    async fn find_by_provider_customer(
        &self,
        provider_customer_id: &str,
    ) -> Result<Option<Customer>, BillingStoreError>;
}

/// One subscription per customer, saved with optimistic concurrency on `version`.
///
/// # Errors
/// [`BillingStoreError::Unexpected`] when the backend fails, on every method; others below.
#[async_trait::async_trait]
pub trait SubscriptionRepository: Send + Sync {
    async fn get(&self, customer: &CustomerId) -> Result<Option<Subscription>, BillingStoreError>;

    /// Stores `s`. With `expected_version: None` it inserts a new one; with `Some(v)` it
    /// replaces the stored one only if that one's version is still `v` (the one read before
    /// [`Subscription::apply`]).
    ///
    /// # Errors
    /// - [`BillingStoreError::Conflict`] when inserting over an existing subscription, or the
    ///   stored version is not `v` (someone else saved first: re-read and re-apply).
    /// - [`BillingStoreError::NotFound`] when `Some(v)` is given and none is stored.
    async fn save(
        &self,
        s: &Subscription,
        expected_version: Option<i64>,
    ) -> Result<(), BillingStoreError>;

    /// Every subscription, ordered by customer id.
    async fn list(&self) -> Result<Vec<Subscription>, BillingStoreError>;

    /// Subscriptions with a job due at or before `at` ([`Subscription::next_due_at`]),
    /// earliest first.
    async fn due_before(&self, at: Timestamp) -> Result<Vec<Subscription>, BillingStoreError>;

    async fn find_by_provider_id(
        &self,
        provider_subscription_id: &str,
    ) -> Result<Option<Subscription>, BillingStoreError>;
}

/// The customer's billing history.
///
/// # Errors
/// [`BillingStoreError::Unexpected`] when the backend fails.
#[async_trait::async_trait]
pub trait InvoiceRepository: Send + Sync {
    /// Inserts or replaces the invoice with the same `id` (provider updates: open → paid).
    async fn upsert(&self, i: &Invoice) -> Result<(), BillingStoreError>;

    /// The customer's invoices, newest first (`created_at`, then `id`, descending).
    async fn list(&self, customer: &CustomerId) -> Result<Vec<Invoice>, BillingStoreError>;
}
