//! Demo mode keeps the fake provider's records (its sessions, subscriptions, invoices, failing
//! cards) in the database's settings, so renewals and the checkout pages survive a restart.
//! Every provider call that may change them is followed by a save; saves are serialized so an
//! older snapshot never overwrites a newer one.

use std::sync::Arc;

use async_trait::async_trait;
use tokio::sync::{Mutex, MutexGuard};
use tollgate_billing::{
    BillingAdapter, BillingError, BillingEvent, CancelRequest, ChangePlanRequest, CheckoutRequest,
    CheckoutSession, Customer, Invoice, MeterReport, PortalRequest, PortalSession,
    ReactivateRequest,
};
use tollgate_billing_fake::FakeBilling;
use tollgate_engine::AccessStore;
use tollgate_kernel::Timestamp;
use tollgate_pricing::Proration;

pub const FAKE_STATE_SETTING: &str = "fake_billing_state";

/// The fake provider and where its state is kept.
pub struct FakeStore {
    pub fake: Arc<FakeBilling>,
    access: Arc<dyn AccessStore>,
    saving: Mutex<()>,
    paying: Mutex<()>,
}

impl std::fmt::Debug for FakeStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeStore").finish_non_exhaustive()
    }
}

impl FakeStore {
    /// Restores the stored state, if any (an unreadable one is logged and left).
    pub async fn open(fake: Arc<FakeBilling>, access: Arc<dyn AccessStore>) -> Self {
        match access.get_setting(FAKE_STATE_SETTING).await {
            Ok(Some(value)) => {
                if let Err(e) = fake.import_state(value) {
                    tracing::warn!(error = %e, "stored fake billing state not restored");
                }
            }
            Ok(None) => {}
            Err(e) => tracing::warn!(error = %e, "fake billing state not readable"),
        }
        Self {
            fake,
            access,
            saving: Mutex::new(()),
            paying: Mutex::new(()),
        }
    }

    /// Held for the whole of a checkout payment, until its events are applied: a second Pay
    /// (a double-click, a retry) waits, then finds the session complete and its events
    /// applied. One lock for every session is enough for demo traffic.
    pub async fn paying(&self) -> MutexGuard<'_, ()> {
        self.paying.lock().await
    }

    /// Saves the current state; a failure is logged (the demo goes on in memory).
    pub async fn save(&self) {
        let _one_at_a_time = self.saving.lock().await;
        let value = self.fake.export_state();
        if let Err(e) = self.access.put_setting(FAKE_STATE_SETTING, &value).await {
            tracing::warn!(error = %e, "fake billing state not saved");
        }
    }

    async fn saved<T>(&self, result: Result<T, BillingError>) -> Result<T, BillingError> {
        self.save().await;
        result
    }
}

#[async_trait]
impl BillingAdapter for FakeStore {
    async fn ensure_customer(&self, customer: &Customer) -> Result<String, BillingError> {
        let r = self.fake.ensure_customer(customer).await;
        self.saved(r).await
    }

    async fn create_checkout(
        &self,
        req: &CheckoutRequest,
    ) -> Result<CheckoutSession, BillingError> {
        let r = self.fake.create_checkout(req).await;
        self.saved(r).await
    }

    async fn create_portal(&self, req: &PortalRequest) -> Result<PortalSession, BillingError> {
        let r = self.fake.create_portal(req).await;
        self.saved(r).await
    }

    async fn change_plan(
        &self,
        req: &ChangePlanRequest,
    ) -> Result<Vec<BillingEvent>, BillingError> {
        let r = self.fake.change_plan(req).await;
        self.saved(r).await
    }

    async fn preview_change(&self, req: &ChangePlanRequest) -> Result<Proration, BillingError> {
        self.fake.preview_change(req).await
    }

    async fn cancel(&self, req: &CancelRequest) -> Result<Vec<BillingEvent>, BillingError> {
        let r = self.fake.cancel(req).await;
        self.saved(r).await
    }

    async fn reactivate(&self, req: &ReactivateRequest) -> Result<Vec<BillingEvent>, BillingError> {
        let r = self.fake.reactivate(req).await;
        self.saved(r).await
    }

    async fn report_usage(&self, req: &MeterReport) -> Result<(), BillingError> {
        let r = self.fake.report_usage(req).await;
        self.saved(r).await
    }

    async fn list_invoices(&self, customer: &Customer) -> Result<Vec<Invoice>, BillingError> {
        self.fake.list_invoices(customer).await
    }

    async fn due_events(&self, now: Timestamp) -> Result<Vec<BillingEvent>, BillingError> {
        let r = self.fake.due_events(now).await;
        if matches!(&r, Ok(events) if !events.is_empty()) {
            self.save().await;
        }
        r
    }
}
