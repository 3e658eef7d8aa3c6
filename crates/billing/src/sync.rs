//! Adopting the provider's view of a subscription (webhooks arrive late, twice, out of order).

use crate::{
    BillingEventKind, GRACE_PERIOD, ProviderSnapshot, ScheduledChange, Subscription,
    SubscriptionStatus, Transition, TransitionError,
};

use SubscriptionStatus::{Canceled, Locked, PastDue};

impl Transition {
    /// The transition a provider event asks of `current`: `SubscriptionUpdated` becomes
    /// [`Transition::SyncFromProvider`] of its snapshot.
    ///
    /// # Errors
    /// - [`TransitionError::StaleSnapshot`] when the snapshot is older than the one `current`
    ///   already applied (ignore the event).
    /// - [`TransitionError::Invalid`] for any other kind of event: those map to transitions by
    ///   the engine's rules (a paid invoice, a checkout), not one-to-one.
    pub fn from_provider_event(
        current: &Subscription,
        kind: &BillingEventKind,
    ) -> Result<Transition, TransitionError> {
        let snapshot = kind.provider_snapshot().ok_or_else(|| {
            TransitionError::Invalid("only subscription_updated carries a provider snapshot".into())
        })?;
        if let Some(applied) = current.provider_updated_at
            && snapshot.provider_updated_at < applied
        {
            return Err(TransitionError::StaleSnapshot {
                snapshot: snapshot.provider_updated_at,
                applied,
            });
        }
        Ok(Transition::SyncFromProvider(snapshot))
    }
}

impl Subscription {
    /// The body of [`Transition::SyncFromProvider`]; see there for the rules.
    pub(crate) fn sync(&mut self, snap: ProviderSnapshot) -> Result<(), TransitionError> {
        if let Some(applied) = self.provider_updated_at
            && snap.provider_updated_at < applied
        {
            return Err(TransitionError::StaleSnapshot {
                snapshot: snap.provider_updated_at,
                applied,
            });
        }
        let status = match (snap.status, self.status) {
            (PastDue, Locked) => Locked,
            (status, _) => status,
        };
        self.grace_ends_at = match status {
            PastDue if self.status == PastDue && self.grace_ends_at.is_some() => self.grace_ends_at,
            PastDue => Some(snap.provider_updated_at + GRACE_PERIOD),
            Locked => self.grace_ends_at,
            _ => None,
        };
        self.canceled_at = match status {
            Canceled => self
                .canceled_at
                .or(snap.canceled_at)
                .or(Some(snap.provider_updated_at)),
            _ => None,
        };
        self.status = status;
        self.plan = snap.plan.unwrap_or_else(|| self.plan.clone());
        self.interval = snap.interval.unwrap_or(self.interval);
        self.current_period = snap.period.unwrap_or(self.current_period);
        self.trial_end = snap.trial_end.or(self.trial_end);
        self.cancel_at_period_end = snap.cancel_at_period_end && status != Canceled;
        let reached = |c: &ScheduledChange| c.plan == self.plan && c.interval == self.interval;
        if status == Canceled || self.scheduled_change.as_ref().is_some_and(reached) {
            self.scheduled_change = None;
        }
        self.provider_subscription_id = snap
            .provider_subscription_id
            .or(self.provider_subscription_id.take());
        self.provider_updated_at = Some(snap.provider_updated_at);
        Ok(())
    }
}
