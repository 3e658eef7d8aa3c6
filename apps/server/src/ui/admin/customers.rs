//! `/admin/customers`: the tenants (`GET /v1/admin/customers`) in a sortable table, and one
//! customer's page: subscription, entitlements, overrides editor, wallet and credit grants,
//! recent audit entries.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use tollgate_billing::SubscriptionStatus;
use tollgate_engine::{AuditEntry, AuditQuery, CustomerSummary, EngineError, EntitlementStatus};
use tollgate_kernel::{CustomerId, Decimal, FeatureKind, round_to_minor};
use tollgate_plans::{CustomerOverrides, Override};

use super::{Words, caller, chrome, field, operator, operator_post};
use crate::error::ApiError;
use crate::routes::Data;
use crate::ui::i18n::url_param;
use crate::ui::{Chrome, Lang, encode_query, format, render, see_other};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin/customers", web::get().to(list))
        .route("/admin/customers/{id}", web::get().to(detail))
        .route(
            "/admin/customers/{id}/overrides",
            web::post().to(save_overrides),
        )
        .route("/admin/customers/{id}/credits", web::post().to(grant));
}

/// The word of a subscription status (`past_due`), `none` without a subscription: a badge's
/// class and the key of its label (`status.past_due`).
pub(crate) fn status_word(s: Option<SubscriptionStatus>) -> &'static str {
    match s {
        None => "none",
        Some(SubscriptionStatus::Incomplete) => "incomplete",
        Some(SubscriptionStatus::Trialing) => "trialing",
        Some(SubscriptionStatus::Active) => "active",
        Some(SubscriptionStatus::PastDue) => "past_due",
        Some(SubscriptionStatus::Locked) => "locked",
        Some(SubscriptionStatus::Canceled) => "canceled",
    }
}

/// A thin usage bar.
#[derive(Debug)]
pub(crate) struct Meter {
    pub name: String,
    pub text: String,
    pub percent: u32,
    pub state: &'static str,
}

pub(crate) fn state_word(s: tollgate_quotas::QuotaState) -> &'static str {
    match s {
        tollgate_quotas::QuotaState::Ok => "ok",
        tollgate_quotas::QuotaState::Approaching => "approaching",
        tollgate_quotas::QuotaState::AtLimit => "at_limit",
        tollgate_quotas::QuotaState::Over => "over",
    }
}

fn usage_text(
    lang: Lang,
    ui: &Chrome,
    used: i64,
    limit: Option<i64>,
    unit: Option<&str>,
) -> String {
    match limit {
        Some(l) => ui.t2(
            "admin.usage.of",
            format::quantity(lang, used, unit),
            format::quantity(lang, l, unit),
        ),
        None => ui.t1("admin.usage.unlimited", format::quantity(lang, used, unit)),
    }
}

#[derive(Debug)]
struct Row {
    id: String,
    name: String,
    plan: String,
    status: &'static str,
    meters: Vec<Meter>,
    mrr: String,
}

#[derive(Debug)]
struct SortLink {
    label: &'static str,
    href: String,
    /// `ascending` / `descending` on the sorted column.
    aria: Option<&'static str>,
    num: bool,
    testid: String,
}

#[derive(Debug, Template)]
#[template(path = "admin/customers.html")]
struct ListPage {
    ui: Chrome,
    heads: Vec<SortLink>,
    rows: Vec<Row>,
}

const SORTS: [&str; 5] = ["name", "plan", "status", "mrr", "usage"];

fn highest_percent(c: &CustomerSummary) -> u32 {
    c.usage.iter().filter_map(|u| u.percent).max().unwrap_or(0)
}

/// Sorts tenants by a column; ties fall back to the id, so the order is stable.
fn sort(rows: &mut [CustomerSummary], by: &str, descending: bool) {
    rows.sort_by(|a, b| {
        let order = match by {
            "plan" => a.plan.cmp(&b.plan),
            "status" => status_word(a.status).cmp(status_word(b.status)),
            "mrr" => a.mrr.minor.cmp(&b.mrr.minor),
            "usage" => highest_percent(a).cmp(&highest_percent(b)),
            _ => a
                .customer
                .name
                .to_lowercase()
                .cmp(&b.customer.name.to_lowercase()),
        }
        .then_with(|| a.customer.id.cmp(&b.customer.id));
        if descending { order.reverse() } else { order }
    });
}

async fn list(req: HttpRequest, state: Data) -> HttpResponse {
    let s = match operator(&req, &state).await {
        Ok(s) => s,
        Err(page) => return page,
    };
    let ui = chrome(
        &req,
        &state,
        &s,
        "admin.customers.title",
        "/admin/customers",
    );
    let lang = ui.lang;
    let q = req.query_string();
    let by = url_param(q, "sort")
        .filter(|s| SORTS.contains(&s.as_str()))
        .unwrap_or_else(|| "name".to_owned());
    let descending = url_param(q, "dir").as_deref() == Some("desc");
    let (mut summaries, plans, features) = match async {
        Ok::<_, EngineError>((
            state.engine.customer_summaries().await?,
            state.engine.all_plans().await?,
            state.engine.features().await?,
        ))
    }
    .await
    {
        Ok(v) => v,
        Err(e) => return super::failure(&req, &state, &e.into()),
    };
    sort(&mut summaries, &by, descending);
    let plan_name = |code: &str| {
        plans
            .iter()
            .find(|p| p.code.as_str() == code)
            .map_or_else(|| code.to_owned(), |p| p.name.clone())
    };
    let rows = summaries
        .iter()
        .map(|c| Row {
            id: c.customer.id.to_string(),
            name: c.customer.name.clone(),
            plan: c
                .plan
                .as_ref()
                .map(|p| plan_name(p.as_str()))
                .unwrap_or_default(),
            status: status_word(c.status),
            meters: c
                .usage
                .iter()
                .take(3)
                .map(|u| {
                    let feature = features.iter().find(|f| f.code == u.feature);
                    Meter {
                        name: feature.map_or_else(|| u.feature.to_string(), |f| f.name.clone()),
                        text: usage_text(
                            lang,
                            &ui,
                            u.used,
                            u.limit,
                            feature.and_then(|f| f.unit.as_deref()),
                        ),
                        percent: u.percent.unwrap_or(0).min(100),
                        state: state_word(u.state),
                    }
                })
                .collect(),
            mrr: format::money(lang, c.mrr.minor, &c.mrr.currency),
        })
        .collect();
    let heads = [
        ("name", "admin.col.customer", false),
        ("plan", "admin.col.plan", false),
        ("status", "admin.col.status", false),
        ("usage", "admin.col.usage", false),
        ("mrr", "admin.col.mrr", true),
    ]
    .into_iter()
    .map(|(key, label, num)| {
        let current = key == by;
        // A click on the sorted column flips it; another column starts with the order that
        // makes sense for it (largest first for money and usage).
        let dir = match (current, descending) {
            (true, true) => "asc",
            (true, false) => "desc",
            _ if matches!(key, "mrr" | "usage") => "desc",
            _ => "asc",
        };
        SortLink {
            label: ui.t(label),
            href: format!(
                "/admin/customers?{}",
                encode_query(&[
                    ("sort".to_owned(), key.to_owned()),
                    ("dir".to_owned(), dir.to_owned())
                ])
            ),
            aria: current.then_some(if descending {
                "descending"
            } else {
                "ascending"
            }),
            num,
            testid: format!("sort-{key}"),
        }
    })
    .collect();
    render(StatusCode::OK, &ListPage { ui, heads, rows })
}

/// One feature's line on the customer page: what applies now, and the override field.
#[derive(Debug)]
struct FeatureRow {
    code: String,
    name: String,
    /// `limit`, `enabled` or `value`: which override field the row has.
    field: &'static str,
    applies: String,
    meter: Option<Meter>,
    /// The override's current text (`""` = the plan's value).
    current: String,
}

#[derive(Debug)]
struct AuditRow {
    when: String,
    action: String,
    actor: String,
}

#[derive(Debug, Template)]
#[template(path = "admin/customer.html")]
struct DetailPage {
    ui: Chrome,
    id: String,
    name: String,
    email: String,
    currency: String,
    created: String,
    plan: String,
    status: &'static str,
    interval: String,
    period_end: String,
    trial_end: String,
    grace_ends: String,
    cancel_at_period_end: bool,
    scheduled: String,
    mrr: String,
    features: Vec<FeatureRow>,
    balances: Vec<String>,
    ledger: Vec<(String, String, String)>,
    reference: String,
    audit: Vec<AuditRow>,
    flash: Option<String>,
}

fn override_text(o: Option<&Override>, kind: FeatureKind) -> String {
    let Some(o) = o else {
        return String::new();
    };
    match kind {
        FeatureKind::Boolean => match o.enabled {
            Some(true) => "on".to_owned(),
            Some(false) => "off".to_owned(),
            None => String::new(),
        },
        FeatureKind::Config => o.value.as_ref().map_or_else(String::new, config_text),
        _ => match o.limit {
            Some(Some(n)) => n.to_string(),
            Some(None) => "unlimited".to_owned(),
            None => String::new(),
        },
    }
}

/// A config value as the editors show it: a string as its text (`dark`), unless that text
/// would not read back as the same string — it reads as other JSON (`"30"`, `"true"`,
/// `"null"`, `"[1]"`), is empty or has spaces the form trims — which then shows in its
/// quoted JSON form, so an unchanged save keeps it a string; other values as JSON.
pub(crate) fn config_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s)
            if !s.is_empty()
                && s.trim() == s
                && serde_json::from_str::<serde_json::Value>(s).is_err() =>
        {
            s.clone()
        }
        other => other.to_string(),
    }
}

/// A config value typed in an editor: JSON when it reads as JSON (`30`, `true`, `"30"`),
/// otherwise the text as a string. The inverse of [`config_text`].
pub(crate) fn config_value(raw: &str) -> serde_json::Value {
    serde_json::from_str(raw).unwrap_or_else(|_| serde_json::Value::String(raw.to_owned()))
}

fn applies_text(lang: Lang, ui: &Chrome, e: &EntitlementStatus) -> String {
    match e.kind {
        FeatureKind::Boolean => ui
            .t(if e.enabled {
                "common.included"
            } else {
                "common.not_included"
            })
            .to_owned(),
        FeatureKind::Config => e.value.as_ref().map_or_else(
            || ui.t("common.none").to_owned(),
            |v| match v {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            },
        ),
        _ if e.limit == Some(0) && e.used == 0 => ui.t("common.not_included").to_owned(),
        _ => usage_text(lang, ui, e.used, e.limit, e.unit.as_deref()),
    }
}

/// The journal entries about a customer (its own and its subscription's), newest first.
pub(crate) async fn customer_audit(
    state: &Data,
    id: &str,
    limit: usize,
) -> Result<Vec<AuditEntry>, EngineError> {
    let mut entries = Vec::new();
    for entity in [format!("customer:{id}"), format!("subscription:{id}")] {
        entries.extend(
            state
                .engine
                .audit(&AuditQuery {
                    entity: Some(entity),
                    limit: Some(limit),
                    ..AuditQuery::default()
                })
                .await?,
        );
    }
    entries.sort_by(|a, b| b.ts.cmp(&a.ts).then_with(|| b.id.cmp(&a.id)));
    entries.truncate(limit);
    Ok(entries)
}

fn parse_id(raw: &str) -> Result<CustomerId, ApiError> {
    CustomerId::parse(raw).map_err(|_| ApiError::not_found(format!("customer {raw:?} not found")))
}

async fn detail(req: HttpRequest, state: Data, id: web::Path<String>) -> HttpResponse {
    let s = match operator(&req, &state).await {
        Ok(s) => s,
        Err(page) => return page,
    };
    let ui = chrome(&req, &state, &s, "admin.customer.title", "/admin/customers");
    let id = match parse_id(&id) {
        Ok(id) => id,
        Err(e) => return super::failure(&req, &state, &e),
    };
    match detail_page(&state, ui, &id, url_param(req.query_string(), "done")).await {
        Ok(page) => render(StatusCode::OK, &page),
        Err(e) => super::failure(&req, &state, &e.into()),
    }
}

async fn detail_page(
    state: &Data,
    mut ui: Chrome,
    id: &CustomerId,
    done: Option<String>,
) -> Result<DetailPage, EngineError> {
    let lang = ui.lang;
    let customer = state.engine.customer(id).await?;
    let sub = match state.engine.subscription(id).await {
        Ok(s) => Some(s),
        Err(EngineError::NotFound { .. }) => None,
        Err(e) => return Err(e),
    };
    let entitlements = state.engine.entitlements(id).await?;
    let overrides = state.engine.overrides(id).await?;
    let wallet = state.engine.wallet(id).await?;
    let audit = customer_audit(state, id.as_str(), 15).await?;
    let summary = match state.engine.customer_summary(id).await {
        Ok(s) => Some(s),
        // Deleted since the page began loading.
        Err(EngineError::NotFound { .. }) => None,
        Err(e) => return Err(e),
    };
    let plans = state.engine.all_plans().await?;
    let plan_name = |code: &str| {
        plans
            .iter()
            .find(|p| p.code.as_str() == code)
            .map_or_else(|| code.to_owned(), |p| p.name.clone())
    };
    ui.title = customer.name.clone();
    let date = |t: Option<tollgate_kernel::Timestamp>| {
        t.map(|t| format::date(lang, t)).unwrap_or_default()
    };
    let features = entitlements
        .iter()
        .map(|e| {
            let o = overrides.overrides.iter().find(|o| o.feature == e.feature);
            FeatureRow {
                code: e.feature.to_string(),
                name: e.name.clone(),
                field: match e.kind {
                    FeatureKind::Boolean => "enabled",
                    FeatureKind::Config => "value",
                    _ => "limit",
                },
                applies: applies_text(lang, &ui, e),
                meter: (e.kind.is_counted() && e.limit.is_some_and(|l| l > 0)).then(|| Meter {
                    name: e.name.clone(),
                    text: String::new(),
                    percent: e.percent.unwrap_or(0).min(100),
                    state: state_word(e.state),
                }),
                current: override_text(o, e.kind),
            }
        })
        .collect();
    let balances = wallet
        .balances
        .iter()
        .map(|a| {
            let minor = round_to_minor(a.amount, a.currency).unwrap_or(0);
            format::money(lang, minor, &a.currency)
        })
        .collect();
    let ledger = wallet
        .entries
        .iter()
        .rev()
        .take(8)
        .map(|e| {
            let minor = round_to_minor(e.amount, e.currency).unwrap_or(0);
            (
                format::date_time(lang, e.created_at),
                e.description.clone(),
                format::money(lang, minor, &e.currency),
            )
        })
        .collect();
    let flash = match done.as_deref() {
        Some("overrides") => Some(ui.t("admin.customer.overrides_saved").to_owned()),
        Some("granted") => Some(ui.t("admin.customer.granted").to_owned()),
        _ => None,
    };
    Ok(DetailPage {
        id: customer.id.to_string(),
        name: customer.name.clone(),
        email: customer.email.clone().unwrap_or_default(),
        currency: customer.currency.code().to_owned(),
        created: format::date(lang, customer.created_at),
        plan: summary
            .as_ref()
            .and_then(|c| c.plan.as_ref())
            .map(|p| plan_name(p.as_str()))
            .unwrap_or_default(),
        status: status_word(sub.as_ref().map(|s| s.status)),
        interval: sub
            .as_ref()
            .map(|s| {
                ui.t(&format!("interval.{}", s.interval.as_str()))
                    .to_owned()
            })
            .unwrap_or_default(),
        period_end: date(sub.as_ref().map(|s| s.current_period.end)),
        trial_end: date(sub.as_ref().and_then(|s| {
            (s.status == SubscriptionStatus::Trialing)
                .then_some(s.trial_end)
                .flatten()
        })),
        grace_ends: date(sub.as_ref().and_then(|s| s.grace_ends_at)),
        cancel_at_period_end: sub.as_ref().is_some_and(|s| s.cancel_at_period_end),
        scheduled: sub
            .as_ref()
            .and_then(|s| s.scheduled_change.as_ref())
            .map(|c| {
                ui.t2(
                    "admin.customer.scheduled",
                    plan_name(c.plan.as_str()),
                    format::date(lang, c.at),
                )
            })
            .unwrap_or_default(),
        mrr: summary
            .as_ref()
            .map(|c| format::money(lang, c.mrr.minor, &c.mrr.currency))
            .unwrap_or_default(),
        features,
        balances,
        ledger,
        reference: tollgate_kernel::new_id("ui"),
        audit: audit
            .iter()
            .map(|e| AuditRow {
                when: format::date_time(lang, e.ts),
                action: e.action.clone(),
                actor: e.actor.clone(),
            })
            .collect(),
        flash,
        ui,
    })
}

/// Reads the overrides form: one field per feature (`limit.<code>`, `enabled.<code>`,
/// `value.<code>`), blank keeping the plan's value. An enforcement override set through the
/// API is kept, as are add-ons.
fn overrides_from_form(
    form: &[(String, String)],
    entitlements: &[EntitlementStatus],
    existing: &CustomerOverrides,
) -> Result<CustomerOverrides, Vec<String>> {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for e in entitlements {
        let code = e.feature.as_str();
        let mut o = Override::new(e.feature.clone());
        o.enforcement = existing
            .overrides
            .iter()
            .find(|x| x.feature == e.feature)
            .and_then(|x| x.enforcement);
        match e.kind {
            FeatureKind::Boolean => match field(form, &format!("enabled.{code}")) {
                "on" => o.enabled = Some(true),
                "off" => o.enabled = Some(false),
                "" => {}
                other => errors.push(format!("{code}: {other:?} is not on or off")),
            },
            FeatureKind::Config => {
                let raw = field(form, &format!("value.{code}")).trim();
                if !raw.is_empty() {
                    o.value = Some(config_value(raw));
                }
            }
            _ => {
                let raw = field(form, &format!("limit.{code}"))
                    .trim()
                    .replace([',', '_', ' '], "");
                if raw.eq_ignore_ascii_case("unlimited") {
                    o.limit = Some(None);
                } else if !raw.is_empty() {
                    match raw.parse::<i64>() {
                        Ok(n) if n >= 0 => o.limit = Some(Some(n)),
                        _ => errors.push(format!(
                            "{code}: {raw:?} is not a whole number of 0 or more, or \"unlimited\""
                        )),
                    }
                }
            }
        }
        if o.limit.is_some() || o.enabled.is_some() || o.value.is_some() || o.enforcement.is_some()
        {
            out.push(o);
        }
    }
    if errors.is_empty() {
        Ok(CustomerOverrides {
            overrides: out,
            addons: existing.addons.clone(),
        })
    } else {
        Err(errors)
    }
}

/// `POST /admin/customers/{id}/overrides`: replaces the customer's overrides, as
/// `PUT /v1/admin/customers/{id}/overrides` does.
async fn save_overrides(
    req: HttpRequest,
    state: Data,
    id: web::Path<String>,
    form: web::Form<Vec<(String, String)>>,
) -> HttpResponse {
    let s = match operator_post(&req, &state, field(&form, "csrf")).await {
        Ok(s) => s,
        Err(refused) => return refused,
    };
    let id = match parse_id(&id) {
        Ok(id) => id,
        Err(e) => return super::failure(&req, &state, &e),
    };
    let loaded = async {
        Ok::<_, EngineError>((
            state.engine.entitlements(&id).await?,
            state.engine.overrides(&id).await?,
        ))
    };
    let (entitlements, existing) = match loaded.await {
        Ok(v) => v,
        Err(e) => return super::failure(&req, &state, &e.into()),
    };
    let overrides = match overrides_from_form(&form, &entitlements, &existing) {
        Ok(o) => o,
        Err(errors) => {
            let ui = chrome(&req, &state, &s, "admin.form.invalid", "/admin/customers");
            return super::invalid(ui, &errors, &format!("/admin/customers/{id}"));
        }
    };
    match state
        .engine
        .put_overrides(&id, overrides, &caller(&req, &s))
        .await
    {
        Ok(_) => see_other(&format!("/admin/customers/{id}?done=overrides")),
        Err(EngineError::Invalid(why)) => {
            let ui = chrome(&req, &state, &s, "admin.form.invalid", "/admin/customers");
            super::invalid(ui, &[why], &format!("/admin/customers/{id}"))
        }
        Err(e) => super::failure(&req, &state, &e.into()),
    }
}

/// A major-unit amount typed by the operator (`12.50`, `12,50`) in minor units of a currency
/// with `exponent` decimals; more decimals than the currency has are refused, not rounded.
pub(crate) fn minor_units(raw: &str, exponent: u32) -> Option<i64> {
    let cleaned = raw
        .trim()
        .replace(['_', ' ', '\u{a0}'], "")
        .replace(',', ".");
    let d: Decimal = cleaned.parse().ok()?;
    if d.scale() > exponent {
        return None;
    }
    let scaled = d.checked_mul(Decimal::from(10_i64.checked_pow(exponent)?))?;
    i64::try_from(scaled.trunc()).ok()
}

/// `POST /admin/customers/{id}/credits`: grants credits in the customer's currency, as
/// `POST /v1/admin/customers/{id}/wallet/grants` does; the page's reference makes a second
/// post of the same form grant nothing more.
async fn grant(
    req: HttpRequest,
    state: Data,
    id: web::Path<String>,
    form: web::Form<Vec<(String, String)>>,
) -> HttpResponse {
    let s = match operator_post(&req, &state, field(&form, "csrf")).await {
        Ok(s) => s,
        Err(refused) => return refused,
    };
    let id = match parse_id(&id) {
        Ok(id) => id,
        Err(e) => return super::failure(&req, &state, &e),
    };
    let customer = match state.engine.customer(&id).await {
        Ok(c) => c,
        Err(e) => return super::failure(&req, &state, &e.into()),
    };
    let mut errors = Vec::new();
    let amount = minor_units(field(&form, "amount"), customer.currency.exponent());
    if amount.is_none_or(|a| a <= 0) {
        errors.push(format!(
            "{:?} is not a positive amount in {}",
            field(&form, "amount"),
            customer.currency.code()
        ));
    }
    let expires = match field(&form, "expires_after_days").trim() {
        "" => None,
        raw => match raw.parse::<u32>() {
            Ok(d) if d > 0 => Some(d),
            _ => {
                errors.push(format!("{raw:?} is not a positive number of days"));
                None
            }
        },
    };
    let description = Some(field(&form, "description").trim().to_owned()).filter(|d| !d.is_empty());
    let reference = field(&form, "reference").trim();
    if reference.is_empty() {
        errors.push("the form lacks its reference; reload the page".to_owned());
    }
    if !errors.is_empty() {
        let ui = chrome(&req, &state, &s, "admin.form.invalid", "/admin/customers");
        return super::invalid(ui, &errors, &format!("/admin/customers/{id}"));
    }
    match state
        .engine
        .grant_credits(
            &id,
            amount.unwrap_or_default(),
            customer.currency,
            expires,
            description,
            reference,
            &caller(&req, &s),
        )
        .await
    {
        Ok(_) => see_other(&format!("/admin/customers/{id}?done=granted")),
        Err(EngineError::Invalid(why)) => {
            let ui = chrome(&req, &state, &s, "admin.form.invalid", "/admin/customers");
            super::invalid(ui, &[why], &format!("/admin/customers/{id}"))
        }
        Err(e) => super::failure(&req, &state, &e.into()),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::{config_text, config_value, minor_units};

    #[test]
    fn config_values_keep_their_type_through_the_editor() {
        for v in [
            json!("dark"),
            json!("30"),
            json!("true"),
            json!("null"),
            json!("[1, 2]"),
            json!(" 7 "),
            json!(" dark "),
            json!(""),
            json!("\"quoted\""),
            json!(30),
            json!(true),
            json!(null),
            json!({"a": 1}),
        ] {
            let text = config_text(&v);
            // The editors trim what is typed.
            assert_eq!(config_value(text.trim()), v, "{v} shown as {text:?}");
        }
        assert_eq!(config_text(&json!("dark")), "dark");
        assert_eq!(config_text(&json!("30")), "\"30\"");
        assert_eq!(config_value("90"), Value::from(90));
        assert_eq!(config_value("dark mode"), Value::from("dark mode"));
    }

    #[test]
    fn typed_amounts_become_minor_units_of_the_currency() {
        assert_eq!(minor_units("12.50", 2), Some(1250));
        assert_eq!(minor_units("12,5", 2), Some(1250));
        assert_eq!(minor_units("49", 2), Some(4900));
        assert_eq!(minor_units("1 190 000", 0), Some(1_190_000));
        assert_eq!(minor_units("0.001", 2), None);
        assert_eq!(minor_units("1.5", 0), None);
        assert_eq!(minor_units("abc", 2), None);
    }
}
