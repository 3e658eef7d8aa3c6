//! The plan catalog of Tollgate: features, plans with their prices and entitlements, add-on
//! packs and per-customer overrides, the rules that make a catalog valid, and the pure function
//! that turns all of them into a customer's effective entitlements. It also defines the catalog
//! storage ports, an in-memory adapter and (feature `conformance`) the suite every adapter must
//! pass.
//!
//! This crate must never do I/O, start or need a runtime, or know about any store, HTTP or
//! billing provider: it parses text it is given (TOML, JSON) and decides; adapters store and
//! the engine orchestrates. Money stays integer minor units or exact decimals, never floats.

mod catalog;
mod compare;
#[cfg(feature = "conformance")]
pub mod conformance;
mod error;
pub mod memory;
mod model;
#[cfg(feature = "openapi")]
mod openapi;
mod ports;
mod resolve;
mod validate;

pub use catalog::Catalog;
pub use compare::{PlanChange, compare};
pub use error::{CatalogError, CatalogStoreError, PlanError, Subject};
pub use memory::MemoryCatalogStore;
pub use model::{
    AddOn, AddOnLimit, AddOnSelection, CustomerOverrides, DEFAULT_WARN_AT, Entitlement,
    EntitlementValue, Feature, FeatureCatalog, Overage, Override, PayWith, Plan, Price,
    WalletGrant,
};
pub use ports::{FeatureRepository, OverrideRepository, PlanRepository};
pub use resolve::{EffectiveEntitlement, EntitlementSource, Entitlements, resolve};
