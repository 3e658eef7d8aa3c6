//! The catalog's data: features, plans, prices, entitlements, add-ons and customer overrides.

mod addon;
mod entitlement;
mod feature;
mod overrides;
mod plan;
mod price;
mod wire;

pub use addon::{AddOn, AddOnLimit};
pub use entitlement::{DEFAULT_WARN_AT, Entitlement, EntitlementValue};
pub use feature::{Feature, FeatureCatalog};
pub(crate) use feature::{MAX_DESCRIPTION, MAX_NAME};
pub use overrides::{AddOnSelection, CustomerOverrides, Override};
pub use plan::Plan;
pub use price::{Overage, PayWith, Price, WalletGrant};
