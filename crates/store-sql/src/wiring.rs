//! An engine on SQL: every port from one [`SqlStore`].

use std::sync::Arc;

use tollgate_billing::BillingAdapter;
use tollgate_engine::{CounterMode, Engine, EngineDeps};
use tollgate_kernel::{Clock, ClockControl};

use crate::{GroupCommit, SqlStore, SqlUsageRecorder};

impl SqlStore {
    /// The engine's ports on this store, counters included (`CounterMode::InCommit`): usage is
    /// recorded with group commit when `group` is given, one transaction per event otherwise.
    /// Must be called inside a Tokio runtime when `group` is given (it spawns the workers).
    pub fn engine_deps(
        &self,
        clock: Arc<dyn Clock>,
        clock_control: Option<Arc<dyn ClockControl>>,
        billing: Arc<dyn BillingAdapter>,
        group: Option<GroupCommit>,
    ) -> EngineDeps {
        let store = Arc::new(self.clone());
        let recorder = match group {
            Some(options) => SqlUsageRecorder::grouped(self.clone(), options),
            None => SqlUsageRecorder::direct(self.clone()),
        };
        EngineDeps {
            clock,
            clock_control,
            features: store.clone(),
            plans: store.clone(),
            overrides: store.clone(),
            customers: store.clone(),
            subscriptions: store.clone(),
            invoices: store.clone(),
            counters: store.clone(),
            counter_mode: CounterMode::InCommit,
            leases: store.clone(),
            usage_log: store.clone(),
            recorder: Arc::new(recorder),
            wallet: store.clone(),
            token_prices: store.clone(),
            billing,
            audit: store.clone(),
            events: store.clone(),
            reconciler: Some(store),
        }
    }

    /// [`Self::engine_deps`] as an [`Engine`].
    pub fn engine(
        &self,
        clock: Arc<dyn Clock>,
        clock_control: Option<Arc<dyn ClockControl>>,
        billing: Arc<dyn BillingAdapter>,
        group: Option<GroupCommit>,
    ) -> Engine {
        Engine::new(self.engine_deps(clock, clock_control, billing, group))
    }
}
