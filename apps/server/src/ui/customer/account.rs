//! What both customer pages show about the account: the plan and its status, and the banners
//! the account's state calls for (payment trouble, trial end, a pending cancellation, limits).

use tollgate_billing::{Customer, Subscription, SubscriptionStatus};
use tollgate_engine::{EngineError, EntitlementStatus};
use tollgate_kernel::{CustomerId, Interval, Timestamp};
use tollgate_plans::Plan;
use tollgate_quotas::QuotaState;

use crate::error::ApiError;
use crate::state::AppState;
use crate::ui::session::CustomerSession;
use crate::ui::{Chrome, Lang, format};

/// The customer, its subscription (none when it never subscribed) and the catalog's plans.
#[derive(Debug)]
pub struct Account {
    pub customer: Customer,
    pub subscription: Option<Subscription>,
    pub plans: Vec<Plan>,
    pub now: Timestamp,
}

impl Account {
    /// # Errors
    /// The engine's, as an [`ApiError`] (an unknown customer is a 404).
    pub async fn load(state: &AppState, id: &CustomerId) -> Result<Self, ApiError> {
        let customer = state.engine.customer(id).await?;
        let subscription = match state.engine.subscription(id).await {
            Ok(s) => Some(s),
            Err(EngineError::NotFound { .. }) => None,
            Err(e) => return Err(e.into()),
        };
        Ok(Self {
            customer,
            subscription,
            plans: state.engine.all_plans().await?,
            now: state.engine.now(),
        })
    }

    fn plan(&self, code: &str) -> Option<&Plan> {
        self.plans.iter().find(|p| p.code.as_str() == code)
    }

    /// The plan a customer without a live subscription gets (the engine's rule: the lowest
    /// public, active, self-serve plan whose prices are all zero).
    fn free_plan(&self) -> Option<&Plan> {
        self.plans.iter().find(|p| {
            p.active
                && p.public
                && !p.custom
                && !p.prices.is_empty()
                && p.prices.iter().all(|pr| pr.amount_minor == 0)
        })
    }

    /// A live subscription: one that is neither over nor waiting for its first payment.
    pub fn live(&self) -> Option<&Subscription> {
        self.subscription.as_ref().filter(|s| {
            !matches!(
                s.status,
                SubscriptionStatus::Canceled | SubscriptionStatus::Incomplete
            )
        })
    }

    /// Whether the subscription ends at its period's end unless reactivated.
    pub fn cancel_pending(&self) -> bool {
        self.live().is_some_and(|s| s.cancel_at_period_end)
    }
}

/// A plan code's display name (the code itself for a plan no longer in the catalog).
fn plan_name(account: &Account, code: &str) -> String {
    account
        .plan(code)
        .map_or_else(|| code.to_owned(), |p| p.name.clone())
}

pub fn interval_key(i: Interval) -> &'static str {
    match i {
        Interval::Month => "interval.month",
        Interval::Year => "interval.year",
    }
}

fn per_interval_key(i: Interval) -> &'static str {
    match i {
        Interval::Month => "interval.per_month",
        Interval::Year => "interval.per_year",
    }
}

/// The plan card: name, status, price, the next date that matters, a scheduled change.
#[derive(Debug)]
pub struct PlanView {
    pub name: String,
    pub description: String,
    /// The badge's class (a status, or `none` for the free plan).
    pub status: &'static str,
    pub status_label: &'static str,
    pub interval: Option<&'static str>,
    pub price: Option<String>,
    /// "Renews on …", "Trial ends …", "Ends on …".
    pub date_line: Option<String>,
    pub scheduled: Option<String>,
    /// A sentence under the card for an ended or unpaid subscription.
    pub note: Option<String>,
}

pub fn plan_view(ui: &Chrome, account: &Account) -> PlanView {
    let lang = ui.lang;
    let date = |t: Timestamp| format::date(lang, t);
    let Some(sub) = account.subscription.as_ref() else {
        let free = account.free_plan();
        return PlanView {
            name: free.map_or_else(|| ui.t("status.none").to_owned(), |p| p.name.clone()),
            description: free.map(|p| p.description.clone()).unwrap_or_default(),
            status: "none",
            status_label: ui.t("status.none"),
            interval: None,
            price: None,
            date_line: None,
            scheduled: None,
            note: Some(ui.t("plan.no_subscription").to_owned()),
        };
    };
    let plan = account.plan(sub.plan.as_str());
    let price = plan
        .and_then(|p| {
            p.prices
                .iter()
                .find(|pr| pr.currency == sub.currency && pr.interval == sub.interval)
        })
        .map(|pr| {
            format!(
                "{} {}",
                format::money(lang, pr.amount_minor, &pr.currency),
                ui.t(per_interval_key(sub.interval))
            )
        });
    let end = sub.current_period.end;
    let date_line = match sub.status {
        SubscriptionStatus::Trialing if sub.cancel_at_period_end => {
            Some(ui.t1("plan.ends_on", date(sub.trial_end.unwrap_or(end))))
        }
        SubscriptionStatus::Trialing => {
            Some(ui.t1("plan.trial_ends", date(sub.trial_end.unwrap_or(end))))
        }
        SubscriptionStatus::Active | SubscriptionStatus::PastDue if sub.cancel_at_period_end => {
            Some(ui.t1("plan.ends_on", date(end)))
        }
        SubscriptionStatus::Active => Some(ui.t1("plan.renews_on", date(end))),
        SubscriptionStatus::PastDue => sub
            .grace_ends_at
            .map(|g| ui.t1("plan.grace_until", date(g))),
        SubscriptionStatus::Locked => sub.grace_ends_at.map(|g| ui.t1("plan.locked_on", date(g))),
        SubscriptionStatus::Canceled => {
            Some(ui.t1("plan.ended_on", date(sub.canceled_at.unwrap_or(end))))
        }
        SubscriptionStatus::Incomplete => Some(ui.t("plan.awaiting_payment").to_owned()),
    };
    let scheduled = sub
        .scheduled_change
        .as_ref()
        .filter(|_| account.live().is_some())
        .map(|c| {
            ui.t2(
                "plan.scheduled_change",
                format!(
                    "{} ({})",
                    plan_name(account, c.plan.as_str()),
                    ui.t(interval_key(c.interval))
                ),
                date(c.at),
            )
        });
    let note = match sub.status {
        SubscriptionStatus::Canceled | SubscriptionStatus::Incomplete => account
            .free_plan()
            .map(|p| ui.t1("plan.on_free_plan", &p.name)),
        _ => None,
    };
    PlanView {
        name: plan_name(account, sub.plan.as_str()),
        description: plan.map(|p| p.description.clone()).unwrap_or_default(),
        status: sub.status.as_str(),
        status_label: status_key(sub.status).map_or("", |k| ui.t(k)),
        interval: Some(ui.t(interval_key(sub.interval))),
        price,
        date_line,
        scheduled,
        note,
    }
}

fn status_key(s: SubscriptionStatus) -> Option<&'static str> {
    Some(match s {
        SubscriptionStatus::Incomplete => "status.incomplete",
        SubscriptionStatus::Trialing => "status.trialing",
        SubscriptionStatus::Active => "status.active",
        SubscriptionStatus::PastDue => "status.past_due",
        SubscriptionStatus::Locked => "status.locked",
        SubscriptionStatus::Canceled => "status.canceled",
    })
}

/// A button or link in a banner. `post` actions are forms to `href` with the page's token.
#[derive(Debug)]
pub struct BannerAction {
    pub href: &'static str,
    pub label: &'static str,
    pub testid: &'static str,
    pub post: bool,
}

/// A message at the top of a page about the account's state.
#[derive(Debug)]
pub struct Banner {
    /// `info`, `warn`, `danger` or `ok` (the CSS class).
    pub tone: &'static str,
    pub testid: &'static str,
    pub title: String,
    pub text: String,
    pub action: Option<BannerAction>,
}

/// Whole calendar days (UTC) from `now` to `at`: 0 on the day itself.
pub fn days_until(now: Timestamp, at: Timestamp) -> i64 {
    (at.date_naive() - now.date_naive()).num_days().max(0)
}

fn trial_text(lang: Lang, now: Timestamp, end: Timestamp) -> String {
    let date = format::date(lang, end);
    match days_until(now, end) {
        0 => lang.tf("banner.trial.today", &[&date]),
        1 => lang.tf("banner.trial.tomorrow", &[&date]),
        n => lang.tf("banner.trial.days", &[&n, &date]),
    }
}

fn names(entitlements: &[EntitlementStatus], states: &[QuotaState]) -> Vec<String> {
    entitlements
        .iter()
        .filter(|e| e.limit.is_some_and(|l| l > 0) && states.contains(&e.state))
        .map(|e| e.name.clone())
        .collect()
}

/// The banners for the account's state, most urgent first. `entitlements` are empty on pages
/// that do not show usage.
pub fn banners(
    ui: &Chrome,
    s: &CustomerSession,
    account: &Account,
    entitlements: &[EntitlementStatus],
) -> Vec<Banner> {
    let lang = ui.lang;
    let owner = s.is_owner();
    let portal = |label: &'static str| {
        owner.then_some(BannerAction {
            href: "/app/billing/portal",
            label,
            testid: "banner-portal",
            post: true,
        })
    };
    let mut out = Vec::new();
    if let Some(sub) = account.subscription.as_ref() {
        match sub.status {
            SubscriptionStatus::Locked => out.push(Banner {
                tone: "danger",
                testid: "banner-locked",
                title: ui.t("banner.locked.title").to_owned(),
                text: format!(
                    "{}{}",
                    ui.t("banner.locked.text"),
                    if owner {
                        ""
                    } else {
                        ui.t("banner.ask_owner_pay")
                    }
                ),
                action: portal(ui.t("banner.pay_now")),
            }),
            SubscriptionStatus::PastDue => {
                let grace = sub.grace_ends_at.unwrap_or(sub.current_period.end);
                out.push(Banner {
                    tone: "danger",
                    testid: "banner-past-due",
                    title: ui.t("banner.past_due.title").to_owned(),
                    text: format!(
                        "{}{}",
                        ui.t1("banner.past_due.text", format::date(lang, grace)),
                        if owner {
                            ""
                        } else {
                            ui.t("banner.ask_owner_pay")
                        }
                    ),
                    action: portal(ui.t("banner.update_payment")),
                });
            }
            SubscriptionStatus::Canceled => out.push(Banner {
                tone: "info",
                testid: "banner-ended",
                title: ui.t1(
                    "banner.ended.title",
                    format::date(lang, sub.canceled_at.unwrap_or(sub.current_period.end)),
                ),
                text: ui.t("banner.ended.text").to_owned(),
                action: Some(BannerAction {
                    href: "/pricing",
                    label: ui.t("banner.see_plans"),
                    testid: "banner-plans",
                    post: false,
                }),
            }),
            _ => {}
        }
    }
    let at_limit = names(entitlements, &[QuotaState::AtLimit, QuotaState::Over]);
    if !at_limit.is_empty() {
        out.push(Banner {
            tone: "danger",
            testid: "banner-limit",
            title: ui.t("banner.limit.title").to_owned(),
            text: format!(
                "{} {}",
                ui.t1("banner.limit.text", at_limit.join(", ")),
                ui.t(if owner {
                    "banner.limit.owner"
                } else {
                    "banner.limit.ask_owner"
                })
            ),
            action: Some(BannerAction {
                href: "/pricing",
                label: ui.t(if owner {
                    "banner.upgrade"
                } else {
                    "banner.see_plans"
                }),
                testid: "banner-upgrade",
                post: false,
            }),
        });
    }
    let approaching = names(entitlements, &[QuotaState::Approaching]);
    if !approaching.is_empty() {
        out.push(Banner {
            tone: "warn",
            testid: "banner-approaching",
            title: ui.t("banner.approaching.title").to_owned(),
            text: ui.t1("banner.approaching.text", approaching.join(", ")),
            action: None,
        });
    }
    if let Some(sub) = account.live() {
        if sub.status == SubscriptionStatus::Trialing && !sub.cancel_at_period_end {
            let end = sub.trial_end.unwrap_or(sub.current_period.end);
            out.push(Banner {
                tone: "info",
                testid: "banner-trial",
                title: ui.t("banner.trial.title").to_owned(),
                text: trial_text(lang, account.now, end),
                action: None,
            });
        }
        if sub.cancel_at_period_end {
            let end = match sub.status {
                SubscriptionStatus::Trialing => sub.trial_end.unwrap_or(sub.current_period.end),
                _ => sub.current_period.end,
            };
            out.push(Banner {
                tone: "warn",
                testid: "banner-canceled",
                title: ui.t1("banner.canceled.title", format::date(lang, end)),
                text: ui
                    .t(if owner {
                        "banner.canceled.owner"
                    } else {
                        "banner.canceled.ask_owner"
                    })
                    .to_owned(),
                action: owner.then_some(BannerAction {
                    href: "/app/billing/reactivate",
                    label: ui.t("billing.reactivate"),
                    testid: "banner-reactivate",
                    post: true,
                }),
            });
        }
    }
    out
}

/// The confirmation after a form: `?done=…` of the page's address.
pub fn flash(ui: &Chrome, query: &str) -> Option<&'static str> {
    let done = crate::ui::i18n::url_param(query, "done")?;
    let key = match done.as_str() {
        "canceled" => "flash.canceled",
        "reactivated" => "flash.reactivated",
        "checkout" => "flash.checkout",
        "changed" => "flash.changed",
        _ => return None,
    };
    Some(ui.t(key))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(d: u32, h: u32) -> Timestamp {
        chrono::Utc
            .with_ymd_and_hms(2026, 11, d, h, 0, 0)
            .single()
            .unwrap_or_default()
    }

    #[test]
    fn trial_days_count_calendar_days_on_the_given_clock() {
        assert_eq!(days_until(at(16, 10), at(30, 10)), 14);
        assert_eq!(days_until(at(29, 23), at(30, 1)), 1);
        assert_eq!(days_until(at(30, 1), at(30, 10)), 0);
        assert_eq!(days_until(at(30, 11), at(30, 10)), 0);
        assert_eq!(
            trial_text(Lang::En, at(16, 10), at(30, 10)),
            "Your trial ends in 14 days (Nov 30, 2026)."
        );
        assert_eq!(
            trial_text(Lang::En, at(29, 9), at(30, 10)),
            "Your trial ends tomorrow (Nov 30, 2026)."
        );
        assert_eq!(
            trial_text(Lang::En, at(30, 9), at(30, 10)),
            "Your trial ends today (Nov 30, 2026)."
        );
    }
}
