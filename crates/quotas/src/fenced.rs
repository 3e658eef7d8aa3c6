//! The port of a fast counter store that is not the source of truth (Redis): every call is
//! fenced by the customer's *epoch*, so that counters rebuilt from the durable log can never be
//! mixed with consumptions made before the rebuild.
//!
//! The durable store keeps, per customer, which store is the authority over its counters and
//! under which epoch. Whoever makes the fast store the authority again bumps the epoch there,
//! computes the counters from the log and [`load`](FencedCounterStore::load)s them here with the
//! new epoch. A consumption made under an older epoch is refused at commit time by the durable
//! store, and its undo is refused here: nothing taken before a rebuild is counted twice, and
//! nothing is given back that the rebuild already left out.

use crate::{Consume, Consumption, CounterError, CounterKey};
use tollgate_kernel::CustomerId;

/// The answer of a fenced call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fenced<T> {
    /// Done under the expected epoch.
    Done(T),
    /// The guard was already taken: an earlier call with the same guard consumed (or is
    /// consuming) and nothing was applied now.
    Repeated,
    /// The customer's epoch in the store is not the expected one; `None` when the store holds
    /// no epoch for the customer (never loaded, expired or lost). Nothing was applied.
    Stale(Option<i64>),
}

/// Counters fenced by a per-customer epoch, with an idempotency guard per consumption.
/// Every call touches one customer only, so a clustered backend can run it in one slot.
#[async_trait::async_trait]
pub trait FencedCounterStore: Send + Sync {
    /// Whether the store answers at all (a health probe).
    ///
    /// # Errors
    /// [`CounterError::Unavailable`] when it cannot be reached.
    async fn ping(&self) -> Result<(), CounterError>;

    /// The customer's epoch, `None` when the store holds none.
    ///
    /// # Errors
    /// `Unavailable`/`Unexpected` as for [`CounterStore`](crate::CounterStore).
    async fn epoch(&self, customer: &CustomerId) -> Result<Option<i64>, CounterError>;

    /// Sets the counters in `values` (all of `customer`) and the customer's epoch to `epoch`,
    /// in one atomic step, unless the store already holds an epoch `>= epoch` for the customer:
    /// then nothing is written and `false` is returned. Counters not in `values` are left as
    /// they are.
    ///
    /// # Errors
    /// [`CounterError::Invalid`] for a negative value or a key of another customer;
    /// `Unavailable`/`Unexpected` as above.
    async fn load(
        &self,
        customer: &CustomerId,
        epoch: i64,
        values: &[(CounterKey, i64)],
    ) -> Result<bool, CounterError>;

    /// [`try_consume`](crate::CounterStore::try_consume) of `req`, applied only when the
    /// customer's epoch is `epoch` and `guard` was not taken under that epoch; the guard is
    /// then taken for the store's guard lifetime, so a retry in flight does not consume twice.
    /// A refused consumption takes no guard, and a guard taken under an older epoch does not
    /// count (the rebuild that moved the epoch left its consumption out).
    ///
    /// # Errors
    /// [`CounterError::Invalid`] as for `try_consume` or for an empty guard;
    /// `Unavailable`/`Unexpected` as above.
    async fn consume(
        &self,
        req: &Consume,
        epoch: i64,
        guard: &str,
    ) -> Result<Fenced<Consumption>, CounterError>;

    /// Frees the guard of a [`consume`](Self::consume) and, when the customer's epoch is still
    /// `epoch`, undoes what it moved (`applied` of its [`Consumption`]). A stale epoch undoes
    /// nothing (the counters were rebuilt without that consumption) but frees the guard all the
    /// same, so the event can be decided again under the new epoch.
    ///
    /// # Errors
    /// `Unavailable`/`Unexpected` as above.
    async fn undo(
        &self,
        key: &CounterKey,
        applied: i64,
        epoch: i64,
        guard: &str,
    ) -> Result<Fenced<()>, CounterError>;

    /// The values of `keys` (all of `customer`, 0 for absent ones) when the customer's epoch
    /// is `epoch`.
    ///
    /// # Errors
    /// [`CounterError::Invalid`] for a key of another customer; `Unavailable`/`Unexpected`.
    async fn read(
        &self,
        customer: &CustomerId,
        keys: &[CounterKey],
        epoch: i64,
    ) -> Result<Fenced<Vec<i64>>, CounterError>;
}

/// Refuses keys of another customer than the one a fenced call is about.
///
/// # Errors
/// [`CounterError::Invalid`] naming the first such key.
pub fn same_customer<'a>(
    customer: &CustomerId,
    keys: impl IntoIterator<Item = &'a CounterKey>,
) -> Result<(), CounterError> {
    for k in keys {
        if &k.customer != customer {
            return Err(CounterError::Invalid(format!(
                "counter {} is not of customer {customer}",
                k.storage_key()
            )));
        }
    }
    Ok(())
}

/// The checks of [`FencedCounterStore::load`]'s arguments every store makes before writing:
/// keys of `customer` only, no negative value.
///
/// # Errors
/// [`CounterError::Invalid`] naming the first key that breaks either.
pub fn check_load(customer: &CustomerId, values: &[(CounterKey, i64)]) -> Result<(), CounterError> {
    same_customer(customer, values.iter().map(|(k, _)| k))?;
    if let Some((k, v)) = values.iter().find(|(_, v)| *v < 0) {
        return Err(CounterError::Invalid(format!(
            "cannot load {} with a negative value ({v})",
            k.storage_key()
        )));
    }
    Ok(())
}
