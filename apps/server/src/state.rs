//! What every handler shares: the engine, the access store, the fake provider in demo mode.

use std::sync::Arc;

use tollgate_engine::{AccessStore, Caller, Engine};
use tollgate_store_sql::SqlStore;

use crate::auth::{KeyCache, Principal};
use crate::config::{Config, Mode};
use crate::fake_store::FakeStore;
use crate::metrics::Metrics;

pub struct AppState {
    pub engine: Engine,
    pub access: Arc<dyn AccessStore>,
    pub store: SqlStore,
    /// The in-process provider (demo and test mode), with its saved state.
    pub fake: Option<Arc<FakeStore>>,
    pub config: Config,
    /// Where users reach this server, without a trailing slash.
    pub base_url: String,
    /// SHA-256 of `TOLLGATE_ADMIN_KEY`, when set.
    pub operator_key_hash: Option<String>,
    /// Signs customer session tokens.
    pub session_secret: Vec<u8>,
    pub keys: KeyCache,
    pub metrics: Metrics,
    /// Stripe webhook signing secrets (several during a rotation); empty without Stripe.
    pub webhook_secrets: Vec<String>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("base_url", &self.base_url)
            .field("mode", &self.config.mode)
            .finish_non_exhaustive()
    }
}

impl AppState {
    pub fn demo(&self) -> bool {
        self.config.mode == Mode::Demo
    }

    /// The audit actor for a request, with its correlation id.
    pub fn caller(principal: &Principal, request_id: &str) -> Caller {
        Caller::new(principal.actor()).with_correlation(request_id)
    }
}
