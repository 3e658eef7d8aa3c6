//! `/admin`: the business at a glance (`GET /v1/admin/analytics`), what needs attention
//! (failed payments, locked accounts, quota warnings) and, in demo mode, the clock.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use tollgate_billing::SubscriptionStatus;
use tollgate_engine::{AuditQuery, WindowRate};
use tollgate_kernel::{Currency, Decimal};

use super::{caller, chrome, field, operator, operator_post};
use crate::routes::Data;
use crate::routes::admin::advance_clock_by;
use crate::ui::chart::{Bar, BarChart};
use crate::ui::i18n::url_param;
use crate::ui::{Chrome, Lang, format, render, see_other};

/// A headline number.
#[derive(Debug)]
struct Kpi {
    label: &'static str,
    value: String,
    note: String,
    testid: &'static str,
}

/// A customer that needs a look, and why.
#[derive(Debug)]
struct Incident {
    customer: String,
    name: String,
    detail: String,
    when: String,
}

#[derive(Debug, Template)]
#[template(path = "admin/overview.html")]
struct OverviewPage {
    ui: Chrome,
    kpis: Vec<Kpi>,
    other_mrr: Vec<String>,
    chart: String,
    has_revenue: bool,
    plans: Vec<(String, String, u64)>,
    past_due: Vec<Incident>,
    locked: Vec<Incident>,
    warnings: Vec<Incident>,
    now: String,
    /// The engine's now as the page saw it (Unix seconds): the clock form's `from`.
    clock_from: i64,
    clock_moved: Option<String>,
}

/// A rate (`0.6667`) as a percentage with one decimal in the page's language (`66.7 %`).
pub(crate) fn percent(lang: Lang, rate: Option<Decimal>) -> String {
    let Some(rate) = rate else {
        return "—".to_owned();
    };
    let tenths = (rate * Decimal::from(1000))
        .round()
        .try_into()
        .unwrap_or(0_i64);
    let sep = if lang == Lang::En { '.' } else { ',' };
    let space = if lang == Lang::En { "" } else { "\u{a0}" };
    format!("{}{sep}{}{space}%", tenths / 10, (tenths % 10).abs())
}

fn rate_note(ui: &Chrome, r: &WindowRate) -> String {
    ui.t2("admin.kpi.of", r.count, r.base)
}

/// The catalog's main currency: the first price of the cheapest public plan (USD without one).
pub(crate) async fn main_currency(state: &Data) -> Currency {
    state
        .engine
        .public_plans()
        .await
        .ok()
        .and_then(|plans| {
            plans
                .iter()
                .find_map(|p| p.prices.first().map(|price| price.currency))
        })
        .unwrap_or(Currency::USD)
}

pub(super) async fn page(req: HttpRequest, state: Data) -> HttpResponse {
    let s = match operator(&req, &state).await {
        Ok(s) => s,
        Err(page) => return page,
    };
    let ui = chrome(&req, &state, &s, "admin.overview.title", "/admin");
    let lang = ui.lang;
    let loaded = async {
        let analytics = state.engine.analytics().await?;
        let summaries = state.engine.customer_summaries().await?;
        let plans = state.engine.all_plans().await?;
        let warnings = state
            .engine
            .audit(&AuditQuery {
                action: Some("quota.warning".to_owned()),
                limit: Some(8),
                ..AuditQuery::default()
            })
            .await?;
        Ok::<_, tollgate_engine::EngineError>((analytics, summaries, plans, warnings))
    };
    let (analytics, summaries, plans, warnings) = match loaded.await {
        Ok(v) => v,
        Err(e) => return super::failure(&req, &state, &e.into()),
    };
    let currency = main_currency(&state).await;
    let in_main = |mrr: &[tollgate_kernel::Money]| {
        mrr.iter()
            .filter(|m| m.currency == currency)
            .map(|m| m.minor)
            .sum::<i64>()
    };
    let kpis = vec![
        Kpi {
            label: ui.t("admin.kpi.mrr"),
            value: format::money(lang, in_main(&analytics.mrr), &currency),
            note: ui.t1(
                "admin.kpi.customers",
                format::number(lang, analytics.customers as i64),
            ),
            testid: "kpi-mrr",
        },
        Kpi {
            label: ui.t("admin.kpi.active"),
            value: format::number(lang, analytics.active as i64),
            note: ui.t1("admin.kpi.past_due", analytics.past_due),
            testid: "kpi-active",
        },
        Kpi {
            label: ui.t("admin.kpi.trialing"),
            value: format::number(lang, analytics.trialing as i64),
            note: ui.t1("admin.kpi.locked", analytics.locked),
            testid: "kpi-trialing",
        },
        Kpi {
            label: ui.t("admin.kpi.churn"),
            value: percent(lang, analytics.churn.rate),
            note: rate_note(&ui, &analytics.churn),
            testid: "kpi-churn",
        },
        Kpi {
            label: ui.t("admin.kpi.conversion"),
            value: percent(lang, analytics.upgrade_conversion.rate),
            note: rate_note(&ui, &analytics.upgrade_conversion),
            testid: "kpi-conversion",
        },
    ];
    let other_mrr = analytics
        .mrr
        .iter()
        .filter(|m| m.currency != currency)
        .map(|m| format::money(lang, m.minor, &m.currency))
        .collect();
    let names: HashMap<String, String> = plans
        .iter()
        .map(|p| (p.code.to_string(), p.name.clone()))
        .collect();
    let name_of = |code: &str| names.get(code).cloned().unwrap_or_else(|| code.to_owned());
    let bars = analytics
        .by_plan
        .iter()
        .map(|p| {
            let value = in_main(&p.mrr);
            Bar {
                label: name_of(p.plan.as_str()),
                value,
                title: format!(
                    "{}: {} · {}",
                    name_of(p.plan.as_str()),
                    format::money(lang, value, &currency),
                    ui.t1("admin.kpi.customers", p.customers)
                ),
            }
        })
        .collect();
    let has_revenue = analytics.by_plan.iter().any(|p| in_main(&p.mrr) > 0);
    let chart = BarChart {
        bars,
        label: ui.t1("admin.overview.mrr_by_plan", currency.code()),
        limit: None,
        width: 560,
        height: 200,
    }
    .svg();
    let plan_rows = analytics
        .by_plan
        .iter()
        .map(|p| {
            (
                name_of(p.plan.as_str()),
                format::money(lang, in_main(&p.mrr), &currency),
                p.customers,
            )
        })
        .collect();
    let incident = |c: &tollgate_engine::CustomerSummary, detail: String| Incident {
        customer: c.customer.id.to_string(),
        name: c.customer.name.clone(),
        detail,
        when: String::new(),
    };
    let past_due = summaries
        .iter()
        .filter(|c| c.status == Some(SubscriptionStatus::PastDue))
        .map(|c| {
            incident(
                c,
                c.plan
                    .as_ref()
                    .map(|p| name_of(p.as_str()))
                    .unwrap_or_default(),
            )
        })
        .collect();
    let locked = summaries
        .iter()
        .filter(|c| c.locked)
        .map(|c| {
            incident(
                c,
                c.plan
                    .as_ref()
                    .map(|p| name_of(p.as_str()))
                    .unwrap_or_default(),
            )
        })
        .collect();
    let customer_names: HashMap<String, String> = summaries
        .iter()
        .map(|c| (c.customer.id.to_string(), c.customer.name.clone()))
        .collect();
    let warnings = warnings
        .iter()
        .filter_map(|e| {
            let id = e.entity.strip_prefix("customer:")?.to_owned();
            let after = e.after.as_ref()?;
            let feature = after["feature"].as_str().unwrap_or_default();
            let threshold = after["threshold"].as_u64().unwrap_or_default();
            Some(Incident {
                name: customer_names
                    .get(&id)
                    .cloned()
                    .unwrap_or_else(|| id.clone()),
                detail: ui.t2("admin.overview.warning", feature, threshold),
                when: format::date_time(lang, e.ts),
                customer: id,
            })
        })
        .collect();
    let clock_moved = url_param(req.query_string(), "done")
        .filter(|d| d == "clock")
        .map(|_| {
            ui.t1(
                "admin.clock.moved",
                format::date_time(lang, state.engine.now()),
            )
        });
    let clock_from = state.engine.now().timestamp();
    let now = format::date_time(lang, state.engine.now());
    render(
        StatusCode::OK,
        &OverviewPage {
            ui,
            kpis,
            other_mrr,
            chart,
            has_revenue,
            plans: plan_rows,
            past_due,
            locked,
            warnings,
            now,
            clock_from,
            clock_moved,
        },
    )
}

/// The form's `from`: Unix seconds, or an RFC 3339 time.
fn parse_from(raw: &str) -> Option<i64> {
    let raw = raw.trim();
    raw.parse::<i64>().ok().or_else(|| {
        chrono::DateTime::parse_from_rfc3339(raw)
            .ok()
            .map(|t| t.timestamp())
    })
}

/// How far to move a clock that reads `now` so that it reaches the form's target, `days`
/// after the time its page showed (`from`); nothing when it is there already (a second post
/// of the same form) or the form names a time ahead of the clock.
fn remaining(from: i64, days: i64, now: i64) -> i64 {
    if from > now {
        return 0;
    }
    (from + days * 86_400 - now).max(0)
}

/// One clock move at a time in this process: a retry waits for the first post's move and
/// then finds nothing left to do.
static CLOCK: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// `POST /admin/clock` (demo mode): moves the engine clock by whole days, running the jobs
/// that fall due, as `POST /v1/admin/clock/advance` does. The form carries the time its page
/// showed (`from`) and moves the clock to `from` + the days: a second post of the same form
/// (a double click, a retry) finds the clock there already, moves nothing and answers as the
/// first did.
pub(super) async fn move_clock(
    req: HttpRequest,
    state: Data,
    form: web::Form<Vec<(String, String)>>,
) -> HttpResponse {
    let s = match operator_post(&req, &state, field(&form, "csrf")).await {
        Ok(s) => s,
        Err(refused) => return refused,
    };
    let days = match field(&form, "days").trim().parse::<i64>() {
        Ok(d) if (1..=400).contains(&d) => d,
        _ => {
            let ui = chrome(&req, &state, &s, "admin.clock.title", "/admin");
            let (h, t) = (ui.t("admin.clock.title"), ui.t("admin.clock.invalid"));
            return crate::ui::message(StatusCode::BAD_REQUEST, ui, h, t, "clock-invalid");
        }
    };
    let Some(from) = parse_from(field(&form, "from")) else {
        let ui = chrome(&req, &state, &s, "admin.clock.title", "/admin");
        let (h, t) = (ui.t("admin.clock.title"), ui.t("admin.clock.stale"));
        return crate::ui::message(StatusCode::BAD_REQUEST, ui, h, t, "clock-stale");
    };
    let _one_move = CLOCK.lock().await;
    let by = remaining(from, days, state.engine.now().timestamp());
    if by == 0 {
        return see_other("/admin?done=clock");
    }
    match advance_clock_by(&state, by, &caller(&req, &s)).await {
        Ok(_) => see_other("/admin?done=clock"),
        Err(e) => super::failure(&req, &state, &e),
    }
}

#[cfg(test)]
mod tests {
    use super::{parse_from, remaining};

    #[test]
    fn the_clock_form_knows_when_it_was_already_applied() {
        assert_eq!(parse_from("1794823200"), Some(1_794_823_200));
        assert_eq!(parse_from("2026-11-16T10:00:00Z"), Some(1_794_823_200));
        assert_eq!(parse_from("2026-11-16T11:00:00+01:00"), Some(1_794_823_200));
        assert_eq!(parse_from(""), None);
        assert_eq!(parse_from("yesterday"), None);
        let from = 1_794_823_200;
        assert_eq!(
            remaining(from, 2, from),
            2 * 86_400,
            "a manual clock that did not move"
        );
        assert_eq!(
            remaining(from, 2, from + 90),
            2 * 86_400 - 90,
            "a running demo clock"
        );
        assert_eq!(
            remaining(from, 2, from + 2 * 86_400),
            0,
            "the same form again"
        );
        assert_eq!(
            remaining(from, 2, from + 5 * 86_400),
            0,
            "moved further since"
        );
        assert_eq!(remaining(from, 2, from - 1), 0, "a time ahead of the clock");
    }
}
