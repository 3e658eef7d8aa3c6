//! `/pricing`: the public plans × features matrix, and the plan change it starts.
//!
//! Anyone may read the matrix. A signed-in customer's user (the `tg_session` cookie) sees
//! the plan in force marked; an owner gets a button per other plan: a checkout when nothing
//! paid is running, else a confirm page (`/pricing/change`) that previews the change. The
//! interval and currency are query parameters, so the page works without JavaScript.

mod account;
mod change;
mod matrix;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use tollgate_kernel::{Currency, Interval};
use tollgate_plans::{Plan, PlanChange, compare};

use self::account::{Account, Standing};
use self::matrix::{CellKind, FeatureRow, Offer, PriceTag};
use super::i18n::{query_lang, url_param};
use super::{Area, Chrome, Lang, customer, encode_query, format, render};
use crate::error::ApiError;
use crate::routes::Data;

pub fn configure(cfg: &mut web::ServiceConfig) {
    let forms = || web::FormConfig::default().error_handler(change::form_error);
    cfg.route("/pricing", web::get().to(page))
        .service(
            web::resource("/pricing/checkout")
                .app_data(forms())
                .route(web::post().to(change::checkout)),
        )
        .service(
            web::resource("/pricing/change")
                .app_data(forms())
                .route(web::get().to(change::confirm))
                .route(web::post().to(change::apply)),
        );
}

/// A choice of the interval toggle or the currency switch: a link to the same page.
#[derive(Debug, Clone)]
struct Choice {
    code: String,
    label: String,
    hint: Option<String>,
    href: String,
    current: bool,
}

/// What a plan's column offers the viewer.
#[derive(Debug, Clone)]
enum Action {
    Nothing,
    /// Anonymous: how to start (from the product), on this page.
    GetStarted,
    /// A custom plan: sold by talking to the vendor.
    Contact,
    /// Owner without a running subscription: a form that opens checkout.
    Checkout {
        interval: &'static str,
        label: &'static str,
        primary: bool,
    },
    /// Owner with a running subscription: a link to the confirm page.
    Change {
        href: String,
        label: &'static str,
        primary: bool,
    },
    /// This change is already scheduled.
    Scheduled(String),
}

#[derive(Debug, Clone)]
struct Column {
    code: String,
    name: String,
    description: String,
    offer: Offer,
    trial: Option<String>,
    current: bool,
    action: Action,
}

/// A banner above the matrix.
#[derive(Debug, Clone)]
struct Note {
    class: &'static str,
    testid: &'static str,
    text: String,
    link: Option<(String, String)>,
}

#[derive(Debug, Template)]
#[template(path = "pricing.html")]
struct PricingPage {
    ui: Chrome,
    intervals: Vec<Choice>,
    currencies: Vec<Choice>,
    columns: Vec<Column>,
    rows: Vec<FeatureRow>,
    notes: Vec<Note>,
    anonymous: bool,
    /// Scopes the forms' operation ids: a double submit of one rendering acts once.
    nonce: String,
    /// `?lang=xx` when the page was asked for in a language, for links and form actions.
    lang_suffix: String,
}

impl PricingPage {
    /// Whether the row's cell in column `i` is in the current plan's column.
    fn current_at(&self, i: &usize) -> bool {
        self.columns.get(*i).is_some_and(|c| c.current)
    }
}

/// The query of a pricing link: interval, currency and the explicit language.
fn selection_query(interval: Interval, currency: Currency, lang: Option<Lang>) -> String {
    let mut q = vec![
        ("interval".to_owned(), interval.as_str().to_owned()),
        ("currency".to_owned(), currency.code().to_owned()),
    ];
    if let Some(l) = lang {
        q.push(("lang".to_owned(), l.code().to_owned()));
    }
    encode_query(&q)
}

/// `?lang=xx` when the request named a language, else nothing.
fn lang_suffix(req: &HttpRequest) -> String {
    query_lang(req).map_or_else(String::new, |l| format!("?lang={}", l.code()))
}

async fn page(req: HttpRequest, state: Data) -> HttpResponse {
    match build(&req, &state).await {
        Ok(page) => render(StatusCode::OK, &page),
        Err(e) => super::failure(&req, &state, &e),
    }
}

async fn build(req: &HttpRequest, state: &Data) -> Result<PricingPage, ApiError> {
    let plans = state.engine.public_plans().await?;
    let features = state.engine.features().await?;
    let account = Account::load(req, state).await?;
    let ui = match &account {
        Some(a) => customer::chrome(req, state, &a.session, "pricing.title", "/pricing"),
        None => {
            let ui = Chrome::new(req, state, Area::Public, "pricing.title");
            let nav = customer::nav(&ui, None, "/pricing");
            ui.nav(nav)
        }
    };
    let lang = ui.lang;
    let explicit_lang = query_lang(req);
    let query = req.query_string();

    let offered = matrix::currencies(&plans);
    let currency = url_param(query, "currency")
        .and_then(|c| Currency::from_iso(&c).ok())
        .filter(|c| offered.contains(c))
        .or_else(|| {
            account
                .as_ref()
                .map(|a| a.customer.currency)
                .filter(|c| offered.contains(c))
        })
        .unwrap_or(offered[0]);
    let interval = url_param(query, "interval")
        .and_then(|i| Interval::parse(&i).ok())
        .or_else(|| account.as_ref().and_then(Account::running_interval))
        .unwrap_or(Interval::Month);

    let current = account.as_ref().and_then(|a| a.plan_in_force(&plans));
    let current_plan = current
        .as_ref()
        .and_then(|code| plans.iter().find(|p| &p.code == code));

    let intervals = [Interval::Month, Interval::Year]
        .into_iter()
        .map(|i| {
            let best = plans
                .iter()
                .filter_map(|p| matrix::yearly_saving(p, currency).map(|(_, pct)| pct))
                .max();
            Choice {
                code: i.as_str().to_owned(),
                label: lang
                    .t(match i {
                        Interval::Month => "interval.month",
                        Interval::Year => "interval.year",
                    })
                    .to_owned(),
                hint: best
                    .filter(|_| i == Interval::Year)
                    .map(|pct| lang.tf("pricing.save_up_to", &[&pct])),
                href: format!("/pricing?{}", selection_query(i, currency, explicit_lang)),
                current: i == interval,
            }
        })
        .collect();
    let currencies = offered
        .iter()
        .map(|c| Choice {
            code: c.code().to_owned(),
            label: c.code().to_owned(),
            hint: None,
            href: format!("/pricing?{}", selection_query(interval, *c, explicit_lang)),
            current: *c == currency,
        })
        .collect();

    let suffix = lang_suffix(req);
    let columns = plans
        .iter()
        .map(|plan| {
            let offer = matrix::offer(lang, plan, currency, interval);
            let action = match &account {
                None if plan.custom => Action::Contact,
                None if offer.buy.is_some() => Action::GetStarted,
                None => Action::Nothing,
                Some(_) if plan.custom => Action::Contact,
                Some(a) if a.session.is_owner() => owner_action(
                    a,
                    plan,
                    current_plan,
                    &offer,
                    currency,
                    (lang, explicit_lang),
                ),
                Some(_) => Action::Nothing,
            };
            Column {
                code: plan.code.to_string(),
                name: plan.name.clone(),
                description: plan.description.clone(),
                trial: (plan.trial_days > 0 && !plan.custom)
                    .then(|| lang.tf("pricing.trial", &[&plan.trial_days])),
                current: current.as_ref() == Some(&plan.code),
                offer,
                action,
            }
        })
        .collect();

    let notes = account
        .as_ref()
        .map(|a| notes(&ui, a, &plans, currency, interval, explicit_lang))
        .unwrap_or_default();
    Ok(PricingPage {
        rows: matrix::rows(lang, &features, &plans),
        intervals,
        currencies,
        columns,
        notes,
        anonymous: account.is_none(),
        nonce: tollgate_kernel::new_id("form"),
        lang_suffix: suffix,
        ui,
    })
}

/// The owner's button for a plan, or why there is none.
fn owner_action(
    a: &Account,
    plan: &Plan,
    current: Option<&Plan>,
    offer: &Offer,
    currency: Currency,
    (lang, explicit): (Lang, Option<Lang>),
) -> Action {
    let Some(buy) = offer.buy else {
        return Action::Nothing;
    };
    if currency != a.customer.currency {
        return Action::Nothing;
    }
    let direction = current.map(|c| compare(c, plan));
    match a.standing() {
        Standing::Blocked => Action::Nothing,
        Standing::Running(sub) => {
            if sub.plan == plan.code && sub.interval == buy {
                return Action::Nothing;
            }
            if let Some(s) = sub
                .scheduled_change
                .as_ref()
                .filter(|s| s.plan == plan.code && s.interval == buy)
            {
                let date = format::date(lang, s.at);
                return Action::Scheduled(lang.tf("pricing.scheduled_on", &[&date]));
            }
            let (label, primary) = if sub.plan == plan.code {
                match buy {
                    Interval::Year => ("pricing.switch_yearly", true),
                    Interval::Month => ("pricing.switch_monthly", false),
                }
            } else {
                match direction {
                    Some(PlanChange::Upgrade) => ("pricing.upgrade", true),
                    Some(PlanChange::Downgrade) => ("pricing.downgrade", false),
                    Some(PlanChange::Same) | None => ("pricing.switch", false),
                }
            };
            let mut q = vec![
                ("plan".to_owned(), plan.code.to_string()),
                ("interval".to_owned(), buy.as_str().to_owned()),
            ];
            if let Some(l) = explicit {
                q.push(("lang".to_owned(), l.code().to_owned()));
            }
            Action::Change {
                href: format!("/pricing/change?{}", encode_query(&q)),
                label: lang.t(label),
                primary,
            }
        }
        Standing::NotRunning => {
            if current.is_some_and(|c| c.code == plan.code) || matches!(offer.tag, PriceTag::Free) {
                return Action::Nothing;
            }
            let (label, primary) = match direction {
                _ if a.subscription.is_none() && plan.trial_days > 0 => {
                    ("pricing.start_trial", true)
                }
                Some(PlanChange::Downgrade) => ("pricing.downgrade", false),
                Some(PlanChange::Upgrade) => ("pricing.upgrade", true),
                Some(PlanChange::Same) | None => ("pricing.choose", true),
            };
            Action::Checkout {
                interval: buy.as_str(),
                label: lang.t(label),
                primary,
            }
        }
    }
}

/// Banners for a signed-in user: who may change the plan, and what stands in the way.
fn notes(
    ui: &Chrome,
    a: &Account,
    plans: &[Plan],
    currency: Currency,
    interval: Interval,
    lang: Option<Lang>,
) -> Vec<Note> {
    let mut out = Vec::new();
    if !a.session.is_owner() {
        out.push(Note {
            class: "info",
            testid: "owner-only",
            text: ui.t("pricing.note.owner_only").to_owned(),
            link: None,
        });
        return out;
    }
    let billed = a.customer.currency;
    if currency != billed {
        out.push(Note {
            class: "info",
            testid: "currency-note",
            text: ui.t1("pricing.note.currency", billed.code()),
            link: Some((
                format!("/pricing?{}", selection_query(interval, billed, lang)),
                ui.t1("pricing.note.currency_link", billed.code()),
            )),
        });
    }
    match a.standing() {
        Standing::Blocked => out.push(Note {
            class: "warn",
            testid: "payment-note",
            text: ui.t("pricing.note.payment").to_owned(),
            link: Some((
                "/app/billing".to_owned(),
                ui.t("pricing.note.payment_link").to_owned(),
            )),
        }),
        Standing::Running(sub) => {
            if let Some(s) = &sub.scheduled_change {
                let name = plans
                    .iter()
                    .find(|p| p.code == s.plan)
                    .map_or_else(|| s.plan.to_string(), |p| p.name.clone());
                out.push(Note {
                    class: "info",
                    testid: "scheduled-note",
                    text: ui.t2("pricing.note.scheduled", name, format::date(ui.lang, s.at)),
                    link: None,
                });
            }
        }
        Standing::NotRunning => {}
    }
    out
}
