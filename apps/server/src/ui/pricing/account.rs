//! The signed-in customer behind a pricing page: its user's session, the customer (its
//! billing currency) and its subscription, and what that allows.

use actix_web::HttpRequest;
use tollgate_billing::{Customer, Subscription, SubscriptionStatus};
use tollgate_engine::EngineError;
use tollgate_kernel::{Interval, PlanCode};
use tollgate_plans::Plan;

use super::matrix;
use crate::error::ApiError;
use crate::routes::Data;
use crate::ui::session::{self, CustomerSession};

#[derive(Debug, Clone)]
pub struct Account {
    pub session: CustomerSession,
    pub customer: Customer,
    /// `None` when the customer never subscribed.
    pub subscription: Option<Subscription>,
}

/// Which way a plan change goes for this account.
#[derive(Debug, Clone, Copy)]
pub enum Standing<'a> {
    /// Active or trialing: a change through the confirm page.
    Running(&'a Subscription),
    /// A payment is outstanding (past due, locked): settle it first.
    Blocked,
    /// Never subscribed, incomplete or canceled: a checkout.
    NotRunning,
}

impl Account {
    /// The account of the request's session cookie; `None` without a valid session or when
    /// its customer is gone.
    ///
    /// # Errors
    /// Store failures.
    pub async fn load(req: &HttpRequest, state: &Data) -> Result<Option<Self>, ApiError> {
        let Some(session) = session::customer(req, state) else {
            return Ok(None);
        };
        Self::of(session, state).await
    }

    /// The account of a verified session.
    ///
    /// # Errors
    /// Store failures.
    pub async fn of(session: CustomerSession, state: &Data) -> Result<Option<Self>, ApiError> {
        let customer = match state.engine.customer(&session.customer).await {
            Ok(c) => c,
            Err(EngineError::NotFound { .. }) => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        let subscription = match state.engine.subscription(&session.customer).await {
            Ok(s) => Some(s),
            Err(EngineError::NotFound { .. }) => None,
            Err(e) => return Err(e.into()),
        };
        Ok(Some(Self {
            session,
            customer,
            subscription,
        }))
    }

    pub fn standing(&self) -> Standing<'_> {
        match &self.subscription {
            Some(s) => match s.status {
                SubscriptionStatus::Active | SubscriptionStatus::Trialing => Standing::Running(s),
                SubscriptionStatus::PastDue | SubscriptionStatus::Locked => Standing::Blocked,
                SubscriptionStatus::Incomplete | SubscriptionStatus::Canceled => {
                    Standing::NotRunning
                }
            },
            None => Standing::NotRunning,
        }
    }

    /// The plan whose entitlements apply: the subscription's while it carries one, else the
    /// catalog's free plan (the engine's rule).
    pub fn plan_in_force(&self, plans: &[Plan]) -> Option<PlanCode> {
        match &self.subscription {
            Some(s)
                if matches!(
                    s.status,
                    SubscriptionStatus::Trialing
                        | SubscriptionStatus::Active
                        | SubscriptionStatus::PastDue
                        | SubscriptionStatus::Locked
                ) =>
            {
                Some(s.plan.clone())
            }
            _ => matrix::free_plan(plans).map(|p| p.code.clone()),
        }
    }

    /// The interval of a subscription in force, to preselect the toggle.
    pub fn running_interval(&self) -> Option<Interval> {
        self.subscription
            .as_ref()
            .filter(|s| {
                !matches!(
                    s.status,
                    SubscriptionStatus::Canceled | SubscriptionStatus::Incomplete
                )
            })
            .map(|s| s.interval)
    }
}
