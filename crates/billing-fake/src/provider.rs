//! The fake provider's behaviour: what Stripe would do, in process and on the engine's clock.

use std::sync::{Mutex, MutexGuard};

use async_trait::async_trait;
use tollgate_billing::{
    BillingAdapter, BillingError, BillingEvent, BillingEventKind, CancelRequest, ChangeMode,
    ChangePlanRequest, CheckoutRequest, CheckoutSession, Customer, Invoice, InvoiceStatus,
    MeterReport, PortalRequest, PortalSession, ReactivateRequest, SubscriptionStatus,
};
use tollgate_kernel::{CustomerId, Money, Period, Timestamp};
use tollgate_pricing::{Proration, prorate};

use crate::state::{
    FakeSessionStatus, FakeSessionView, FakeSubscription, Scheduled, Session, State, event, line,
};

/// Days before a trial's end when `trial_will_end` is sent, as Stripe does.
const TRIAL_WARNING_DAYS: i64 = 3;

/// The fake provider. `base_url` prefixes the checkout and portal pages it hands out.
#[derive(Debug)]
pub struct FakeBilling {
    base_url: String,
    state: Mutex<State>,
}

impl FakeBilling {
    pub fn new(base_url: impl Into<String>) -> Self {
        Self {
            base_url: base_url.into().trim_end_matches('/').to_owned(),
            state: Mutex::new(State::default()),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The provider's whole state, to keep it across restarts (demo mode stores it).
    pub fn export_state(&self) -> serde_json::Value {
        serde_json::to_value(&*self.state()).unwrap_or(serde_json::Value::Null)
    }

    /// Replaces the state with one made by [`Self::export_state`].
    ///
    /// # Errors
    /// The value is not a state this version understands; nothing changes then.
    pub fn import_state(&self, value: serde_json::Value) -> Result<(), String> {
        let restored: State = serde_json::from_value(value).map_err(|e| e.to_string())?;
        *self.state() = restored;
        Ok(())
    }

    /// The checkout session, for its page.
    pub fn session(&self, id: &str) -> Option<FakeSessionView> {
        self.state().sessions.get(id).map(Session::view)
    }

    /// Pays an open checkout session: creates the subscription (trialing when the plan has a
    /// trial, else charged now) and answers its events and the success URL. Paying a completed
    /// session again answers the same events (same ids): whoever applies them dedupes by id,
    /// so a retry after a failed application applies what is missing and nothing twice.
    ///
    /// # Errors
    /// [`BillingError::NotFound`] for an unknown session, [`BillingError::Invalid`] for a
    /// canceled one, [`BillingError::Declined`] when the customer's card fails (the session
    /// stays open).
    pub fn complete_checkout(
        &self,
        session_id: &str,
        now: Timestamp,
    ) -> Result<(Vec<BillingEvent>, String), BillingError> {
        let mut st = self.state();
        let session = st
            .sessions
            .get(session_id)
            .cloned()
            .ok_or_else(|| BillingError::NotFound(format!("checkout session {session_id}")))?;
        match session.status {
            FakeSessionStatus::Completed => return Ok((session.events, session.req.success_url)),
            FakeSessionStatus::Canceled => {
                return Err(BillingError::Invalid(
                    "checkout session was canceled".into(),
                ));
            }
            FakeSessionStatus::Open => {}
        }
        let req = &session.req;
        let customer = req.customer.id.clone();
        if req.trial_days == 0 && req.price.minor > 0 && st.failing.contains(&customer) {
            return Err(BillingError::Declined("your card was declined".into()));
        }
        let provider_customer_id = st
            .customers
            .entry(customer.clone())
            .or_insert_with(|| tollgate_kernel::new_id("fcus"))
            .clone();
        let (status, period, trial_end) = if req.trial_days > 0 {
            let end = now + chrono::Duration::days(i64::from(req.trial_days));
            (
                SubscriptionStatus::Trialing,
                Period { start: now, end },
                Some(end),
            )
        } else {
            (
                SubscriptionStatus::Active,
                Period::months_from(now, req.interval.months()),
                None,
            )
        };
        let sub = FakeSubscription {
            id: tollgate_kernel::new_id("fsub"),
            customer: customer.clone(),
            plan: req.plan.clone(),
            interval: req.interval,
            price: req.price,
            status,
            period,
            trial_end,
            trial_warned: false,
            cancel_at_period_end: false,
            scheduled: None,
            open_invoice: None,
            last_update: None,
        };
        let mut events = vec![event(
            now,
            BillingEventKind::CheckoutCompleted {
                customer: customer.clone(),
                plan: req.plan.clone(),
                interval: req.interval,
                currency: req.price.currency,
                session_id: session.id.clone(),
                provider_customer_id: Some(provider_customer_id),
                provider_subscription_id: Some(sub.id.clone()),
                period,
                trial_end,
            },
        )];
        if trial_end.is_none() {
            let l = line(
                format!("{} ({})", req.plan, req.interval),
                req.price,
                false,
                Some(period),
            );
            let (_, e) = st.charge(&customer, req.price.currency, vec![l], Some(period), now);
            events.push(e);
        }
        st.subs.insert(customer, sub);
        if let Some(s) = st.sessions.get_mut(session_id) {
            s.status = FakeSessionStatus::Completed;
            s.events = events.clone();
        }
        Ok((events, session.req.success_url.clone()))
    }

    /// Abandons an open checkout session; answers its cancel URL.
    ///
    /// # Errors
    /// [`BillingError::NotFound`] for an unknown session.
    pub fn cancel_checkout(&self, session_id: &str) -> Result<String, BillingError> {
        let mut st = self.state();
        let s = st
            .sessions
            .get_mut(session_id)
            .ok_or_else(|| BillingError::NotFound(format!("checkout session {session_id}")))?;
        if s.status == FakeSessionStatus::Open {
            s.status = FakeSessionStatus::Canceled;
        }
        Ok(s.req.cancel_url.clone())
    }

    /// Makes the customer's next charges fail (`fails`), or fixes the card — which settles an
    /// open invoice at once, as a successful retry would.
    pub fn set_payment_method(
        &self,
        customer: &CustomerId,
        fails: bool,
        now: Timestamp,
    ) -> Vec<BillingEvent> {
        let mut st = self.state();
        if fails {
            st.failing.insert(customer.clone());
            return Vec::new();
        }
        st.failing.remove(customer);
        let Some(mut sub) = st.subs.get(customer).cloned() else {
            return Vec::new();
        };
        let Some(open) = sub.open_invoice.take() else {
            return Vec::new();
        };
        let mut events = Vec::new();
        if let Some(inv) = st
            .invoices
            .get_mut(customer)
            .and_then(|list| list.iter_mut().find(|i| i.id == open))
        {
            inv.status = InvoiceStatus::Paid;
            inv.amount_paid = inv.amount_due;
            events.push(event(
                now,
                BillingEventKind::InvoicePaid {
                    customer: customer.clone(),
                    invoice: inv.clone(),
                },
            ));
        }
        if sub.status == SubscriptionStatus::PastDue {
            sub.status = SubscriptionStatus::Active;
            events.push(State::updated(&mut sub, now));
        }
        st.subs.insert(customer.clone(), sub);
        events
    }

    /// A portal session: its customer and return URL.
    pub fn portal(&self, id: &str) -> Option<(CustomerId, String)> {
        self.state().portals.get(id).cloned()
    }

    /// The customer's invoices and card state, for the portal page.
    pub fn portal_view(&self, customer: &CustomerId) -> (Vec<Invoice>, bool) {
        let st = self.state();
        let mut invoices = st.invoices.get(customer).cloned().unwrap_or_default();
        invoices.reverse();
        (invoices, st.failing.contains(customer))
    }

    /// Usage reported for metered billing, in order.
    pub fn meter_reports(&self) -> Vec<MeterReport> {
        self.state().meter.clone()
    }

    /// Renews or ends one subscription whose period (or trial) is over at `at`.
    fn roll(
        st: &mut State,
        mut sub: FakeSubscription,
        at: Timestamp,
        events: &mut Vec<BillingEvent>,
    ) -> FakeSubscription {
        if sub.cancel_at_period_end {
            sub.status = SubscriptionStatus::Canceled;
            events.push(event(
                at,
                BillingEventKind::SubscriptionDeleted {
                    customer: sub.customer.clone(),
                    provider_subscription_id: Some(sub.id.clone()),
                },
            ));
            return sub;
        }
        if let Some(s) = sub.scheduled.take() {
            sub.plan = s.plan;
            sub.interval = s.interval;
            sub.price = s.price;
        }
        let start = sub
            .trial_end
            .filter(|_| sub.status == SubscriptionStatus::Trialing)
            .unwrap_or(sub.period.end);
        sub.period = Period::months_from(start, sub.interval.months());
        sub.trial_end = None;
        let l = line(
            format!("{} ({})", sub.plan, sub.interval),
            sub.price,
            false,
            Some(sub.period),
        );
        let (invoice, e) = st.charge(
            &sub.customer,
            sub.price.currency,
            vec![l],
            Some(sub.period),
            at,
        );
        if invoice.status == InvoiceStatus::Paid {
            sub.status = SubscriptionStatus::Active;
            sub.open_invoice = None;
        } else {
            sub.status = SubscriptionStatus::PastDue;
            sub.open_invoice = Some(invoice.id);
        }
        events.push(State::updated(&mut sub, at));
        events.push(e);
        sub
    }

    /// Runs one idempotent mutating call on a customer's subscription: a repeated key answers
    /// the first events; otherwise `step` changes the subscription and says what it emitted.
    fn mutate<F>(
        &self,
        key: &str,
        customer: &CustomerId,
        step: F,
    ) -> Result<Vec<BillingEvent>, BillingError>
    where
        F: FnOnce(&mut State, &mut FakeSubscription) -> Result<Vec<BillingEvent>, BillingError>,
    {
        let mut st = self.state();
        if let Some(events) = st.call_keys.get(key) {
            return Ok(events.clone());
        }
        let mut sub = st
            .subs
            .get(customer)
            .cloned()
            .ok_or_else(|| BillingError::NotFound(format!("subscription of {customer}")))?;
        let events = step(&mut st, &mut sub)?;
        st.subs.insert(customer.clone(), sub);
        st.call_keys.insert(key.to_owned(), events.clone());
        Ok(events)
    }

    fn proration(req: &ChangePlanRequest) -> Result<(Proration, Option<Period>), BillingError> {
        let sub = &req.subscription;
        let at = req.at.max(sub.current_period.start);
        if req.interval != sub.interval {
            // A new interval restarts the billing cycle now: credit the unused old time and
            // charge a full period of the new price (as Stripe does).
            let p = prorate(req.old_price, req.old_price, sub.current_period, at)
                .map_err(|e| BillingError::Invalid(e.to_string()))?;
            let charge = req.price;
            let total = Money::new(p.unused_credit.minor + charge.minor, charge.currency);
            let new_period = Period::months_from(at, req.interval.months());
            return Ok((
                Proration {
                    unused_credit: p.unused_credit,
                    remaining_charge: charge,
                    total,
                    at,
                    fraction: p.fraction,
                },
                Some(new_period),
            ));
        }
        let p = prorate(req.old_price, req.price, sub.current_period, at)
            .map_err(|e| BillingError::Invalid(e.to_string()))?;
        Ok((p, None))
    }
}

#[async_trait]
impl BillingAdapter for FakeBilling {
    async fn ensure_customer(&self, customer: &Customer) -> Result<String, BillingError> {
        Ok(self
            .state()
            .customers
            .entry(customer.id.clone())
            .or_insert_with(|| tollgate_kernel::new_id("fcus"))
            .clone())
    }

    async fn create_checkout(
        &self,
        req: &CheckoutRequest,
    ) -> Result<CheckoutSession, BillingError> {
        let mut st = self.state();
        let id = match st.checkout_keys.get(&req.idempotency_key) {
            Some(id) => id.clone(),
            None => {
                let id = tollgate_kernel::new_id("fcs");
                st.checkout_keys
                    .insert(req.idempotency_key.clone(), id.clone());
                st.sessions.insert(
                    id.clone(),
                    Session {
                        id: id.clone(),
                        req: req.clone(),
                        status: FakeSessionStatus::Open,
                        events: Vec::new(),
                    },
                );
                id
            }
        };
        Ok(CheckoutSession {
            url: format!("{}/fake-billing/checkout/{id}", self.base_url),
            id,
        })
    }

    async fn create_portal(&self, req: &PortalRequest) -> Result<PortalSession, BillingError> {
        let id = tollgate_kernel::new_id("fps");
        self.state().portals.insert(
            id.clone(),
            (req.customer.id.clone(), req.return_url.clone()),
        );
        Ok(PortalSession {
            url: format!("{}/fake-billing/portal/{id}", self.base_url),
        })
    }

    async fn change_plan(
        &self,
        req: &ChangePlanRequest,
    ) -> Result<Vec<BillingEvent>, BillingError> {
        let customer = req.subscription.customer.clone();
        self.mutate(&req.idempotency_key, &customer, |st, sub| {
            let mut events = Vec::new();
            match req.mode {
                ChangeMode::AtPeriodEnd => {
                    sub.scheduled = Some(Scheduled {
                        plan: req.plan.clone(),
                        interval: req.interval,
                        price: req.price,
                    });
                }
                ChangeMode::Immediate => {
                    sub.scheduled = None;
                    let (p, new_period) = Self::proration(req)?;
                    sub.plan = req.plan.clone();
                    sub.interval = req.interval;
                    sub.price = req.price;
                    if let Some(np) = new_period {
                        sub.period = np;
                    }
                    if sub.status == SubscriptionStatus::Trialing {
                        events.push(State::updated(sub, req.at));
                    } else {
                        let lines = vec![
                            line(
                                "Unused time on the previous plan".to_owned(),
                                p.unused_credit,
                                true,
                                Some(sub.period),
                            ),
                            line(
                                format!("Remaining time on {} ({})", req.plan, req.interval),
                                p.remaining_charge,
                                true,
                                Some(sub.period),
                            ),
                        ];
                        let (invoice, e) = st.charge(
                            &customer,
                            req.price.currency,
                            lines,
                            Some(sub.period),
                            req.at,
                        );
                        if invoice.status != InvoiceStatus::Paid {
                            sub.status = SubscriptionStatus::PastDue;
                            sub.open_invoice = Some(invoice.id);
                        }
                        events.push(State::updated(sub, req.at));
                        events.push(e);
                    }
                }
            }
            Ok(events)
        })
    }

    async fn preview_change(&self, req: &ChangePlanRequest) -> Result<Proration, BillingError> {
        Ok(Self::proration(req)?.0)
    }

    async fn cancel(&self, req: &CancelRequest) -> Result<Vec<BillingEvent>, BillingError> {
        let customer = req.subscription.customer.clone();
        self.mutate(&req.idempotency_key, &customer, |_, sub| {
            Ok(if req.at_period_end {
                sub.cancel_at_period_end = true;
                vec![State::updated(sub, req.at)]
            } else {
                sub.status = SubscriptionStatus::Canceled;
                vec![event(
                    req.at,
                    BillingEventKind::SubscriptionDeleted {
                        customer: customer.clone(),
                        provider_subscription_id: Some(sub.id.clone()),
                    },
                )]
            })
        })
    }

    async fn reactivate(&self, req: &ReactivateRequest) -> Result<Vec<BillingEvent>, BillingError> {
        self.mutate(
            &req.idempotency_key,
            &req.subscription.customer,
            |_, sub| {
                sub.cancel_at_period_end = false;
                Ok(vec![State::updated(sub, req.at)])
            },
        )
    }

    async fn report_usage(&self, req: &MeterReport) -> Result<(), BillingError> {
        let mut st = self.state();
        if !st.meter.iter().any(|m| m.event_id == req.event_id) {
            st.meter.push(req.clone());
        }
        Ok(())
    }

    async fn list_invoices(&self, customer: &Customer) -> Result<Vec<Invoice>, BillingError> {
        let mut list = self
            .state()
            .invoices
            .get(&customer.id)
            .cloned()
            .unwrap_or_default();
        list.reverse();
        Ok(list)
    }

    async fn due_events(&self, now: Timestamp) -> Result<Vec<BillingEvent>, BillingError> {
        let mut st = self.state();
        let mut customers: Vec<CustomerId> = st.subs.keys().cloned().collect();
        customers.sort();
        let mut events = Vec::new();
        for c in customers {
            let Some(mut sub) = st.subs.get(&c).cloned() else {
                continue;
            };
            // Several periods may have passed: roll until the subscription is current.
            for _ in 0..1000 {
                if sub.status == SubscriptionStatus::Canceled {
                    break;
                }
                if let Some(trial_end) = sub
                    .trial_end
                    .filter(|_| sub.status == SubscriptionStatus::Trialing)
                {
                    let warn_at = trial_end - chrono::Duration::days(TRIAL_WARNING_DAYS);
                    if !sub.trial_warned && warn_at <= now && now < trial_end {
                        sub.trial_warned = true;
                        events.push(event(
                            warn_at,
                            BillingEventKind::TrialWillEnd {
                                customer: c.clone(),
                                trial_end,
                            },
                        ));
                    }
                    if trial_end <= now {
                        sub = Self::roll(&mut st, sub, trial_end, &mut events);
                        continue;
                    }
                    break;
                }
                if sub.period.end <= now {
                    let at = sub.period.end;
                    sub = Self::roll(&mut st, sub, at, &mut events);
                    continue;
                }
                break;
            }
            st.subs.insert(c, sub);
        }
        Ok(events)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use chrono::{TimeZone, Utc};
    use tollgate_billing::CustomerStatus;
    use tollgate_kernel::{Currency, Interval, PlanCode};

    use super::*;

    fn now() -> Timestamp {
        Utc.with_ymd_and_hms(2026, 11, 16, 10, 0, 0)
            .single()
            .unwrap()
    }

    async fn open_session(fake: &FakeBilling, trial_days: u32) -> String {
        let customer = Customer {
            id: CustomerId::parse("acme").unwrap(),
            name: "Acme".into(),
            email: None,
            currency: Currency::USD,
            status: CustomerStatus::Active,
            provider_customer_id: None,
            created_at: now(),
        };
        fake.create_checkout(&CheckoutRequest {
            customer,
            plan: PlanCode::parse("business").unwrap(),
            interval: Interval::Month,
            price: Money::new(9900, Currency::USD),
            provider_price_id: None,
            trial_days,
            success_url: "https://app.test/ok".into(),
            cancel_url: "https://app.test/no".into(),
            idempotency_key: "k1".into(),
        })
        .await
        .unwrap()
        .id
    }

    #[tokio::test]
    async fn paying_a_completed_session_again_answers_the_same_events() {
        let fake = FakeBilling::new("http://localhost");
        let id = open_session(&fake, 0).await;
        let (first, url) = fake.complete_checkout(&id, now()).unwrap();
        assert_eq!(first.len(), 2, "checkout completed and the invoice paid");
        assert_eq!(url, "https://app.test/ok");
        let later = now() + chrono::Duration::hours(1);
        let (again, url) = fake.complete_checkout(&id, later).unwrap();
        assert_eq!(again, first, "the same events, ids included");
        assert_eq!(url, "https://app.test/ok");
        let (invoices, _) = fake.portal_view(&CustomerId::parse("acme").unwrap());
        assert_eq!(invoices.len(), 1, "charged once");
    }

    #[tokio::test]
    async fn the_completed_sessions_events_survive_an_export_and_import() {
        let fake = FakeBilling::new("http://localhost");
        let id = open_session(&fake, 14).await;
        let (first, _) = fake.complete_checkout(&id, now()).unwrap();
        let restored = FakeBilling::new("http://localhost");
        restored.import_state(fake.export_state()).unwrap();
        let (again, _) = restored.complete_checkout(&id, now()).unwrap();
        assert_eq!(again, first);
    }
}
