//! `GET /app/usage`: the plan, a card per counted feature with its progress bar, a chart of
//! each metered feature's use over its window, and the plan's other features and settings.
//! Any role of the customer may look.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use askama::Template;
use chrono::{NaiveDate, TimeZone, Utc};
use tollgate_engine::{EntitlementStatus, UsageHistory};
use tollgate_kernel::{Enforcement, FeatureKind, Timestamp, Window};
use tollgate_quotas::QuotaState;

use super::account::{self, Account, Banner, PlanView};
use crate::auth::Need;
use crate::error::ApiError;
use crate::routes::Data;
use crate::ui::chart::{Bar, BarChart};
use crate::ui::session::{self, CustomerSession};
use crate::ui::{Chrome, Lang, format, render};

/// A counted feature (metered or gauge) as a card.
#[derive(Debug)]
pub struct Quota {
    pub code: String,
    pub name: String,
    /// "340 of 1,000", "1.5 GB of 10 GB", "12 used".
    pub amount: String,
    /// `Some` when limited and included: the bar.
    pub meter: Option<Meter>,
    pub unlimited: bool,
    pub not_included: bool,
    /// "Resets Dec 1, 2026", "Current level", "Lifetime total".
    pub period: String,
    /// A soft limit's overage note.
    pub note: Option<String>,
}

#[derive(Debug)]
pub struct Meter {
    /// The percentage for `aria-valuenow`, capped at 100.
    pub percent: u32,
    /// The percentage shown as text: above 100 over a soft limit.
    pub shown: u32,
    /// The width class's number (at least 1 when anything is used, so it shows).
    pub width: u32,
    /// `ok`, `approaching`, `at_limit`, `over`.
    pub state: &'static str,
    pub state_label: &'static str,
}

/// A metered feature's chart.
#[derive(Debug)]
pub struct Chart {
    pub code: String,
    pub name: String,
    pub caption: String,
    pub svg: String,
    /// The same numbers as a table (for screen readers and copying).
    pub rows: Vec<(String, String, String)>,
}

/// A line of the plan's features and settings.
#[derive(Debug)]
pub struct Setting {
    pub name: String,
    pub value: String,
    /// For boolean features: a badge (`ok` or `none`) instead of plain text.
    pub badge: Option<&'static str>,
}

#[derive(Debug, Template)]
#[template(path = "app_usage.html")]
pub struct UsagePage {
    pub ui: Chrome,
    /// Where a banner's form returns to.
    pub from_page: &'static str,
    /// The customer's name.
    pub workspace: String,
    pub flash: Option<&'static str>,
    pub banners: Vec<Banner>,
    pub plan: PlanView,
    pub sees_billing: bool,
    pub quotas: Vec<Quota>,
    pub charts: Vec<Chart>,
    pub features: Vec<Setting>,
    pub limits: Vec<Setting>,
}

pub async fn page(req: HttpRequest, state: Data) -> HttpResponse {
    let Some(s) = session::customer(&req, &state) else {
        return super::needs_session(&req, &state);
    };
    match build(&req, &state, &s).await {
        Ok(page) => render(StatusCode::OK, &page),
        Err(e) => crate::ui::failure(&req, &state, &e),
    }
}

async fn build(
    req: &HttpRequest,
    state: &Data,
    s: &CustomerSession,
) -> Result<UsagePage, ApiError> {
    s.principal().customer(&s.customer, Need::Member)?;
    let ui = super::chrome(req, state, s, "usage.title", "/app/usage");
    let account = Account::load(state, &s.customer).await?;
    let entitlements = state.engine.entitlements(&s.customer).await?;
    let mut charts = Vec::new();
    for e in entitlements
        .iter()
        .filter(|e| e.kind == FeatureKind::Metered && e.limit != Some(0))
    {
        let history = state.engine.usage_history(&s.customer, &e.feature).await?;
        charts.push(chart(ui.lang, e, &history));
    }
    let mut quotas: Vec<Quota> = entitlements
        .iter()
        .filter(|e| e.kind.is_counted())
        .map(|e| quota(&ui, e))
        .collect();
    // What the plan includes first; the rest after, in catalog order.
    quotas.sort_by_key(|q| q.not_included);
    let features = entitlements
        .iter()
        .filter(|e| e.kind == FeatureKind::Boolean)
        .map(|e| Setting {
            name: e.name.clone(),
            value: ui
                .t(if e.enabled {
                    "common.included"
                } else {
                    "common.not_included"
                })
                .to_owned(),
            badge: Some(if e.enabled { "ok" } else { "none" }),
        })
        .collect();
    let limits = entitlements
        .iter()
        .filter_map(|e| setting(&ui, e))
        .collect();
    Ok(UsagePage {
        workspace: account.customer.name.clone(),
        from_page: "usage",
        flash: account::flash(&ui, req.query_string()),
        banners: account::banners(&ui, s, &account, &entitlements),
        plan: account::plan_view(&ui, &account),
        sees_billing: s.sees_billing(),
        quotas,
        charts,
        features,
        limits,
        ui,
    })
}

fn state_of(s: QuotaState) -> (&'static str, &'static str) {
    match s {
        QuotaState::Ok => ("ok", "quota.state.ok"),
        QuotaState::Approaching => ("approaching", "quota.state.approaching"),
        QuotaState::AtLimit => ("at_limit", "quota.state.at_limit"),
        QuotaState::Over => ("over", "quota.state.over"),
    }
}

fn qty(lang: Lang, e: &EntitlementStatus, n: i64) -> String {
    format::quantity(lang, n, e.unit.as_deref())
}

fn quota(ui: &Chrome, e: &EntitlementStatus) -> Quota {
    let lang = ui.lang;
    let used = qty(lang, e, e.used);
    let period = match (e.kind, e.window, e.resets_at) {
        (FeatureKind::Gauge, _, _) => ui.t("quota.current_level").to_owned(),
        (_, Some(Window::Lifetime), _) | (_, _, None) => ui.t("quota.lifetime").to_owned(),
        (_, _, Some(at)) => ui.t1("quota.resets", format::date(lang, at)),
    };
    let base = Quota {
        code: e.feature.to_string(),
        name: e.name.clone(),
        amount: String::new(),
        meter: None,
        unlimited: false,
        not_included: false,
        period,
        note: None,
    };
    match e.limit {
        None => Quota {
            amount: ui.t1("quota.used", used),
            unlimited: true,
            ..base
        },
        Some(0) => Quota {
            amount: ui.t("common.not_included").to_owned(),
            not_included: true,
            period: String::new(),
            ..base
        },
        Some(limit) => {
            let shown = e.percent.unwrap_or(0);
            let percent = shown.min(100);
            let (state, key) = state_of(e.state);
            Quota {
                amount: ui.t2("quota.of", used, qty(lang, e, limit)),
                meter: Some(Meter {
                    percent,
                    shown,
                    width: if e.used > 0 { percent.max(1) } else { 0 },
                    state,
                    state_label: ui.t(key),
                }),
                note: (e.enforcement == Enforcement::Soft && e.overage > 0)
                    .then(|| ui.t1("quota.overage", qty(lang, e, e.overage)))
                    .or_else(|| {
                        (e.enforcement == Enforcement::Soft).then(|| ui.t("quota.soft").to_owned())
                    }),
                ..base
            }
        }
    }
}

/// Concurrency and per-request caps, and config values, as a line each.
fn setting(ui: &Chrome, e: &EntitlementStatus) -> Option<Setting> {
    let lang = ui.lang;
    let value = match e.kind {
        FeatureKind::Concurrency => match e.limit {
            Some(0) => ui.t("common.not_included").to_owned(),
            Some(l) => format!(
                "{} · {}",
                ui.t1("limit.at_once", format::number(lang, l)),
                ui.t1("limit.in_use", format::number(lang, e.used))
            ),
            None => ui.t("common.unlimited").to_owned(),
        },
        FeatureKind::PerRequest => match e.limit {
            Some(0) => ui.t("common.not_included").to_owned(),
            Some(l) => ui.t1("limit.per_request", qty(lang, e, l)),
            None => ui.t("common.unlimited").to_owned(),
        },
        FeatureKind::Config => config_value(ui, e)?,
        _ => return None,
    };
    Some(Setting {
        name: e.name.clone(),
        value,
        badge: None,
    })
}

fn config_value(ui: &Chrome, e: &EntitlementStatus) -> Option<String> {
    let lang = ui.lang;
    let v = e.value.as_ref()?;
    Some(match v {
        serde_json::Value::Number(n) => match (n.as_i64(), e.unit.as_deref()) {
            (Some(d), Some("day")) => ui.t1("value.days", format::number(lang, d)),
            (Some(n), unit) => format::quantity(lang, n, unit),
            (None, _) => n.to_string(),
        },
        serde_json::Value::String(s) if s == "forever" => ui.t("value.forever").to_owned(),
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Bool(b) => ui
            .t(if *b {
                "common.included"
            } else {
                "common.not_included"
            })
            .to_owned(),
        serde_json::Value::Array(items) => {
            let words: Vec<String> = items
                .iter()
                .map(|i| match i {
                    serde_json::Value::String(s) => s.to_uppercase(),
                    other => other.to_string(),
                })
                .collect();
            if words.is_empty() {
                ui.t("common.none").to_owned()
            } else {
                words.join(", ")
            }
        }
        serde_json::Value::Null => return None,
        serde_json::Value::Object(_) => v.to_string(),
    })
}

fn midnight(d: NaiveDate) -> Timestamp {
    Utc.from_utc_datetime(&d.and_time(chrono::NaiveTime::MIN))
}

/// The chart of a metered feature: a bar per day, each the total that counts toward the
/// limit at the end of that day, and the limit as a line.
fn chart(lang: Lang, e: &EntitlementStatus, h: &UsageHistory) -> Chart {
    let q = |n: i64| qty(lang, e, n);
    let daily = h.window == Window::Day;
    let mut rows = Vec::with_capacity(h.days.len());
    let bars = h
        .days
        .iter()
        .map(|d| {
            let day = format::day(lang, midnight(d.day));
            let title = if daily {
                lang.tf("chart.bar_daily", &[&day, &q(d.used)])
            } else {
                lang.tf("chart.bar", &[&day, &q(d.used), &q(d.total)])
            };
            rows.push((day.clone(), q(d.used), q(d.total)));
            Bar {
                label: day,
                value: d.total,
                title,
            }
        })
        .collect();
    let span = match (h.days.first(), h.days.last()) {
        (Some(a), Some(b)) => format!(
            "{} – {}",
            format::day(lang, midnight(a.day)),
            format::day(lang, midnight(b.day))
        ),
        _ => String::new(),
    };
    let limit = h
        .limit
        .filter(|l| *l > 0)
        .map(|l| (l, lang.tf("chart.limit", &[&q(l)])));
    let caption = match (daily, h.limit) {
        (true, _) => lang.tf("chart.caption_daily", &[&span]),
        (false, Some(l)) => lang.tf("chart.caption_limit", &[&span, &q(l)]),
        (false, None) => lang.tf("chart.caption", &[&span]),
    };
    Chart {
        code: e.feature.to_string(),
        name: e.name.clone(),
        svg: BarChart {
            bars,
            label: lang.tf("chart.label", &[&e.name, &span]),
            limit,
            width: 400,
            height: 150,
        }
        .svg(),
        caption,
        rows,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tollgate_engine::DayUsage;

    #[test]
    fn a_chart_has_a_bar_per_day_with_the_running_total_and_the_limit() {
        let e: EntitlementStatus = serde_json::from_value(serde_json::json!({
            "feature": "api_calls", "name": "API calls", "kind": "metered", "unit": "call",
            "enabled": true, "value": null, "limit": 1000, "used": 18, "remaining": 982,
            "percent": 1, "window": "month", "resets_at": "2026-12-01T00:00:00Z",
            "enforcement": "hard", "state": "ok", "overage": 0
        }))
        .unwrap_or_else(|e| panic!("{e}"));
        let day = |d| NaiveDate::from_ymd_opt(2026, 11, d).unwrap_or_default();
        let h = UsageHistory {
            feature: e.feature.clone(),
            window: Window::Month,
            limit: Some(1000),
            days: vec![
                DayUsage {
                    day: day(1),
                    used: 0,
                    total: 0,
                },
                DayUsage {
                    day: day(2),
                    used: 7,
                    total: 7,
                },
                DayUsage {
                    day: day(3),
                    used: 11,
                    total: 18,
                },
            ],
        };
        let c = chart(Lang::En, &e, &h);
        assert_eq!(c.svg.matches("<rect class=\"bar\"").count(), 3);
        assert!(c.svg.contains("data-value=\"18\""), "{}", c.svg);
        assert!(c.svg.contains("Nov 3: 11 (total 18)"), "{}", c.svg);
        assert!(c.svg.contains("class=\"limit\""), "{}", c.svg);
        assert_eq!(c.rows[2], ("Nov 3".into(), "11".into(), "18".into()));
    }
}
