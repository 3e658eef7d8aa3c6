//! `/admin/plans`: the catalog's plans, and the editor that creates and updates them the way
//! `POST /v1/admin/plans` and `PUT /v1/admin/plans/{code}` do — the form is turned into the
//! API's plan JSON, read by the same `Plan` type and validated by the same engine call, so a
//! plan the API would refuse is refused here too, and nothing is written.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde_json::{Map, Value, json};
use tollgate_engine::EngineError;
use tollgate_kernel::{Currency, Decimal, FeatureKind, PlanCode};
use tollgate_plans::{EntitlementValue, Feature, Plan};

use super::customers::{config_text, config_value, minor_units};
use super::{Words, caller, chrome, field, operator, operator_post};
use crate::routes::Data;
use crate::ui::i18n::url_param;
use crate::ui::{Chrome, format, render, see_other};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin/plans", web::get().to(list))
        .route("/admin/plans", web::post().to(create))
        .route("/admin/plans/new", web::get().to(new_form))
        .route("/admin/plans/{code}", web::get().to(edit_form))
        .route("/admin/plans/{code}", web::post().to(update))
        .route("/admin/plans/{code}/archive", web::post().to(archive));
}

#[derive(Debug)]
struct PlanRow {
    code: String,
    name: String,
    prices: Vec<String>,
    active: bool,
    public: bool,
    priority: i32,
    trial_days: u32,
    features: usize,
}

#[derive(Debug, Template)]
#[template(path = "admin/plans.html")]
struct ListPage {
    ui: Chrome,
    rows: Vec<PlanRow>,
    flash: Option<String>,
}

async fn list(req: HttpRequest, state: Data) -> HttpResponse {
    let s = match operator(&req, &state).await {
        Ok(s) => s,
        Err(page) => return page,
    };
    let ui = chrome(&req, &state, &s, "admin.plans.title", "/admin/plans");
    let lang = ui.lang;
    let mut plans = match state.engine.all_plans().await {
        Ok(p) => p,
        Err(e) => return super::failure(&req, &state, &e.into()),
    };
    plans.sort_by(|a, b| {
        b.active
            .cmp(&a.active)
            .then(a.priority.cmp(&b.priority))
            .then_with(|| a.code.cmp(&b.code))
    });
    let rows = plans
        .iter()
        .map(|p| PlanRow {
            code: p.code.to_string(),
            name: p.name.clone(),
            prices: p
                .prices
                .iter()
                .map(|price| {
                    format!(
                        "{} {}",
                        format::money_short(lang, price.amount_minor, &price.currency),
                        ui.t(&format!("interval.per_{}", price.interval.as_str()))
                    )
                })
                .collect(),
            active: p.active,
            public: p.public,
            priority: p.priority,
            trial_days: p.trial_days,
            features: p.entitlements.len(),
        })
        .collect();
    // The banner names a plan of the catalog, never text from the address.
    let flash = url_param(req.query_string(), "done").and_then(|d| {
        let (key, code) = d.split_once(':')?;
        let key = match key {
            "created" => "admin.plans.created",
            "updated" => "admin.plans.updated",
            "archived" => "admin.plans.archived",
            _ => return None,
        };
        let plan = plans.iter().find(|p| p.code.as_str() == code)?;
        Some(ui.t1(key, &plan.code))
    });
    render(StatusCode::OK, &ListPage { ui, rows, flash })
}

/// One price line of the editor, as typed.
#[derive(Debug, Clone, Default)]
struct PriceRow {
    currency: String,
    interval: String,
    amount: String,
}

/// One feature's line of the editor, as typed.
#[derive(Debug, Clone)]
struct EntRow {
    code: String,
    name: String,
    kind: &'static str,
    unit: String,
    included: bool,
    limit: String,
    window: String,
    enforcement: String,
    overage: String,
    enabled: bool,
    value: String,
}

impl EntRow {
    fn counted(&self) -> bool {
        !matches!(self.kind, "boolean" | "config")
    }
}

/// The editor's fields, from a stored plan or from a refused submission.
#[derive(Debug, Clone)]
struct PlanForm {
    code: String,
    name: String,
    description: String,
    priority: String,
    trial_days: String,
    public: bool,
    prices: Vec<PriceRow>,
    ents: Vec<EntRow>,
}

const CURRENCIES: [&str; 4] = ["USD", "EUR", "VND", "JPY"];
const WINDOWS: [&str; 5] = ["day", "week", "month", "billing_cycle", "lifetime"];
/// Price lines the editor offers beyond the plan's own.
const SPARE_PRICES: usize = 2;

fn blank_ent(f: &Feature) -> EntRow {
    EntRow {
        code: f.code.to_string(),
        name: f.name.clone(),
        kind: f.kind.as_str(),
        unit: f.unit.clone().unwrap_or_default(),
        included: false,
        limit: String::new(),
        window: if f.kind == FeatureKind::Metered {
            "month".to_owned()
        } else {
            String::new()
        },
        enforcement: "hard".to_owned(),
        overage: String::new(),
        enabled: true,
        value: String::new(),
    }
}

impl PlanForm {
    fn blank(features: &[Feature]) -> Self {
        Self {
            code: String::new(),
            name: String::new(),
            description: String::new(),
            priority: String::new(),
            trial_days: "0".to_owned(),
            public: true,
            prices: vec![
                PriceRow {
                    currency: "USD".to_owned(),
                    interval: "month".to_owned(),
                    amount: String::new(),
                },
                PriceRow {
                    currency: "USD".to_owned(),
                    interval: "year".to_owned(),
                    amount: String::new(),
                },
            ],
            ents: features.iter().map(blank_ent).collect(),
        }
    }

    fn of_plan(plan: &Plan, features: &[Feature]) -> Self {
        let mut prices: Vec<PriceRow> = plan
            .prices
            .iter()
            .map(|p| PriceRow {
                currency: p.currency.code().to_owned(),
                interval: p.interval.as_str().to_owned(),
                amount: Decimal::new(p.amount_minor, p.currency.exponent()).to_string(),
            })
            .collect();
        prices.extend((0..SPARE_PRICES).map(|_| PriceRow::default()));
        let ents = features
            .iter()
            .map(|f| {
                let mut row = blank_ent(f);
                if let Some(e) = plan.entitlement(&f.code) {
                    row.included = true;
                    match &e.value {
                        EntitlementValue::Limit(l) => {
                            row.limit = l.map(|n| n.to_string()).unwrap_or_default();
                        }
                        EntitlementValue::Enabled(b) => row.enabled = *b,
                        EntitlementValue::Config(v) => row.value = config_text(v),
                    }
                    if let Some(w) = e.window {
                        row.window = w.as_str().to_owned();
                    }
                    row.enforcement = e.enforcement.as_str().to_owned();
                    row.overage = e
                        .overage
                        .map(|o| o.unit_amount.to_string())
                        .unwrap_or_default();
                }
                row
            })
            .collect();
        Self {
            code: plan.code.to_string(),
            name: plan.name.clone(),
            description: plan.description.clone(),
            priority: plan.priority.to_string(),
            trial_days: plan.trial_days.to_string(),
            public: plan.public,
            prices,
            ents,
        }
    }

    fn of_form(form: &[(String, String)], features: &[Feature]) -> Self {
        let get = |k: &str| field(form, k).to_owned();
        let on = |k: &str| !field(form, k).is_empty();
        let mut prices = Vec::new();
        for i in 0..50 {
            let (c, n, a) = (
                format!("price.{i}.currency"),
                format!("price.{i}.interval"),
                format!("price.{i}.amount"),
            );
            if !form.iter().any(|(k, _)| k == &c || k == &n || k == &a) {
                break;
            }
            prices.push(PriceRow {
                currency: get(&c),
                interval: get(&n),
                amount: get(&a),
            });
        }
        let ents = features
            .iter()
            .map(|f| {
                let p = |x: &str| format!("ent.{}.{x}", f.code);
                EntRow {
                    included: on(&p("included")),
                    limit: get(&p("limit")),
                    window: get(&p("window")),
                    enforcement: get(&p("enforcement")),
                    overage: get(&p("overage")),
                    enabled: on(&p("enabled")),
                    value: get(&p("value")),
                    ..blank_ent(f)
                }
            })
            .collect();
        Self {
            code: get("code"),
            name: get("name"),
            description: get("description"),
            priority: get("priority"),
            trial_days: get("trial_days"),
            public: on("public"),
            prices,
            ents,
        }
    }

    /// The API's plan JSON for these fields; fields the editor does not show (`active`,
    /// `custom`, wallet grants, Stripe price ids of unchanged prices, warning thresholds,
    /// wallet payment) are kept from `existing`.
    fn to_json(&self, existing: Option<&Plan>) -> Result<Value, Vec<String>> {
        let mut errors = Vec::new();
        let priority = self.priority.trim().parse::<i32>().unwrap_or_else(|_| {
            errors.push(format!(
                "priority: {:?} is not a whole number",
                self.priority
            ));
            0
        });
        let trial_days = match self.trial_days.trim() {
            "" => 0,
            raw => raw.parse::<u32>().unwrap_or_else(|_| {
                errors.push(format!(
                    "trial days: {raw:?} is not a whole number of 0 or more"
                ));
                0
            }),
        };
        let mut prices = Vec::new();
        for (i, row) in self.prices.iter().enumerate() {
            if row.amount.trim().is_empty() {
                continue;
            }
            let n = i + 1;
            let Ok(currency) = Currency::from_iso(row.currency.trim()) else {
                errors.push(format!("price {n}: {:?} is not a currency", row.currency));
                continue;
            };
            let Some(amount_minor) = minor_units(&row.amount, currency.exponent()) else {
                errors.push(format!(
                    "price {n}: {:?} is not an amount in {} (at most {} decimals)",
                    row.amount,
                    currency.code(),
                    currency.exponent()
                ));
                continue;
            };
            let stripe_price_id = existing
                .and_then(|p| {
                    p.prices.iter().find(|x| {
                        x.currency == currency
                            && x.interval.as_str() == row.interval
                            && x.amount_minor == amount_minor
                    })
                })
                .and_then(|x| x.stripe_price_id.clone());
            prices.push(json!({
                "currency": currency.code(), "interval": row.interval.trim(),
                "amount_minor": amount_minor, "stripe_price_id": stripe_price_id,
            }));
        }
        let overage_currency = prices
            .first()
            .and_then(|p| p["currency"].as_str())
            .unwrap_or("USD")
            .to_owned();
        let mut entitlements = Vec::new();
        for row in self.ents.iter().filter(|r| r.included) {
            let mut e = Map::new();
            e.insert("feature".into(), json!(row.code));
            match row.kind {
                "boolean" => {
                    e.insert("enabled".into(), json!(row.enabled));
                }
                "config" => {
                    let raw = row.value.trim();
                    if raw.is_empty() {
                        errors.push(format!("{}: give a value", row.code));
                    }
                    e.insert("value".into(), config_value(raw));
                }
                _ => {
                    let raw = row.limit.trim().replace([',', '_', ' '], "");
                    let limit = if raw.is_empty() || raw.eq_ignore_ascii_case("unlimited") {
                        Value::Null
                    } else if let Ok(n) = raw.parse::<i64>() {
                        json!(n)
                    } else {
                        errors.push(format!(
                            "{}: limit {raw:?} is not a whole number (leave it blank for unlimited)",
                            row.code
                        ));
                        Value::Null
                    };
                    e.insert("limit".into(), limit);
                    e.insert("enforcement".into(), json!(row.enforcement.trim()));
                    if row.kind == "metered" && !row.window.trim().is_empty() {
                        e.insert("window".into(), json!(row.window.trim()));
                    }
                    let overage = row.overage.trim();
                    if !overage.is_empty() {
                        // An existing overage keeps its currency (the form edits the amount).
                        let currency = existing
                            .and_then(|p| {
                                p.entitlements
                                    .iter()
                                    .find(|x| x.feature.as_str() == row.code)
                            })
                            .and_then(|x| x.overage.as_ref())
                            .map_or_else(
                                || overage_currency.clone(),
                                |o| o.currency.code().to_owned(),
                            );
                        e.insert(
                            "overage".into(),
                            json!({"currency": currency, "unit_amount": overage.replace(',', ".")}),
                        );
                    }
                }
            }
            let kept = existing.and_then(|p| {
                p.entitlements
                    .iter()
                    .find(|x| x.feature.as_str() == row.code)
            });
            if let Some(k) = kept {
                let k = serde_json::to_value(k).unwrap_or_default();
                for extra in ["warn_at", "pay_with"] {
                    if let Some(v) = k.get(extra) {
                        e.insert(extra.into(), v.clone());
                    }
                }
            }
            entitlements.push(Value::Object(e));
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(json!({
            "code": self.code.trim(),
            "name": self.name.trim(),
            "description": self.description.trim(),
            "priority": priority,
            "trial_days": trial_days,
            "active": existing.is_none_or(|p| p.active),
            "public": self.public,
            "custom": existing.is_some_and(|p| p.custom),
            "prices": prices,
            "entitlements": entitlements,
            "wallet_grants": existing.map_or_else(|| json!([]), |p| json!(p.wallet_grants)),
        }))
    }
}

#[derive(Debug, Template)]
#[template(path = "admin/plan_form.html")]
struct FormPage {
    ui: Chrome,
    /// `None` for a new plan.
    editing: Option<String>,
    archived: bool,
    form: PlanForm,
    errors: Vec<String>,
    currencies: &'static [&'static str],
    windows: &'static [&'static str],
}

fn form_page(
    ui: Chrome,
    editing: Option<String>,
    archived: bool,
    form: PlanForm,
    errors: Vec<String>,
) -> FormPage {
    FormPage {
        ui,
        editing,
        archived,
        form,
        errors,
        currencies: &CURRENCIES,
        windows: &WINDOWS,
    }
}

async fn new_form(req: HttpRequest, state: Data) -> HttpResponse {
    let s = match operator(&req, &state).await {
        Ok(s) => s,
        Err(page) => return page,
    };
    let ui = chrome(&req, &state, &s, "admin.plan.new", "/admin/plans");
    match state.engine.features().await {
        Ok(features) => render(
            StatusCode::OK,
            &form_page(ui, None, false, PlanForm::blank(&features), Vec::new()),
        ),
        Err(e) => super::failure(&req, &state, &e.into()),
    }
}

fn parse_code(raw: &str) -> Result<PlanCode, crate::error::ApiError> {
    PlanCode::parse(raw)
        .map_err(|_| crate::error::ApiError::not_found(format!("plan {raw:?} not found")))
}

async fn load(state: &Data, code: &PlanCode) -> Result<(Plan, Vec<Feature>), EngineError> {
    let plan = state
        .engine
        .all_plans()
        .await?
        .into_iter()
        .find(|p| &p.code == code)
        .ok_or_else(|| EngineError::not_found("plan", code))?;
    Ok((plan, state.engine.features().await?))
}

async fn edit_form(req: HttpRequest, state: Data, code: web::Path<String>) -> HttpResponse {
    let s = match operator(&req, &state).await {
        Ok(s) => s,
        Err(page) => return page,
    };
    let mut ui = chrome(&req, &state, &s, "admin.plan.edit", "/admin/plans");
    let code = match parse_code(&code) {
        Ok(c) => c,
        Err(e) => return super::failure(&req, &state, &e),
    };
    match load(&state, &code).await {
        Ok((plan, features)) => {
            ui.title = ui.t1("admin.plan.edit_named", &plan.name);
            render(
                StatusCode::OK,
                &form_page(
                    ui,
                    Some(code.to_string()),
                    !plan.active,
                    PlanForm::of_plan(&plan, &features),
                    Vec::new(),
                ),
            )
        }
        Err(e) => super::failure(&req, &state, &e.into()),
    }
}

/// The editor again with what was typed and why it was refused (400; 409 for a taken code).
fn refused(
    ui: Chrome,
    editing: Option<String>,
    archived: bool,
    form: PlanForm,
    errors: Vec<String>,
    status: StatusCode,
) -> HttpResponse {
    render(status, &form_page(ui, editing, archived, form, errors))
}

/// Turns a submission into a [`Plan`] exactly as the API reads its body.
fn plan_of(form: &PlanForm, existing: Option<&Plan>) -> Result<Plan, Vec<String>> {
    let value = form.to_json(existing)?;
    serde_json::from_value::<Plan>(value).map_err(|e| vec![e.to_string()])
}

fn engine_refusal(e: &EngineError) -> Option<(StatusCode, String)> {
    match e {
        EngineError::Invalid(why) => Some((StatusCode::BAD_REQUEST, why.clone())),
        EngineError::Conflict(why) => Some((StatusCode::CONFLICT, why.clone())),
        _ => None,
    }
}

/// Whether the catalog holds exactly `plan` (same code and every field).
async fn stored_as(state: &Data, plan: &Plan) -> bool {
    state
        .engine
        .all_plans()
        .await
        .is_ok_and(|plans| plans.iter().any(|p| p == plan))
}

/// `POST /admin/plans`: creates a plan as `POST /v1/admin/plans` does; posting the same form
/// again answers as the first post did.
async fn create(
    req: HttpRequest,
    state: Data,
    body: web::Form<Vec<(String, String)>>,
) -> HttpResponse {
    let s = match operator_post(&req, &state, field(&body, "csrf")).await {
        Ok(s) => s,
        Err(refused) => return refused,
    };
    let features = match state.engine.features().await {
        Ok(f) => f,
        Err(e) => return super::failure(&req, &state, &e.into()),
    };
    let form = PlanForm::of_form(&body, &features);
    let ui = chrome(&req, &state, &s, "admin.plan.new", "/admin/plans");
    let plan = match plan_of(&form, None) {
        Ok(p) => p,
        Err(errors) => return refused(ui, None, false, form, errors, StatusCode::BAD_REQUEST),
    };
    match state
        .engine
        .create_plan(plan.clone(), &caller(&req, &s))
        .await
    {
        Ok(p) => see_other(&format!("/admin/plans?done=created:{}", p.code)),
        // A second submission of the form (a double click, a retry after a lost answer)
        // finds the plan it would create already there: the same answer as the first.
        Err(EngineError::Conflict(_)) if stored_as(&state, &plan).await => {
            see_other(&format!("/admin/plans?done=created:{}", plan.code))
        }
        Err(e) => match engine_refusal(&e) {
            Some((status, why)) => refused(ui, None, false, form, vec![why], status),
            None => super::failure(&req, &state, &e.into()),
        },
    }
}

/// `POST /admin/plans/{code}`: replaces a plan as `PUT /v1/admin/plans/{code}` does.
async fn update(
    req: HttpRequest,
    state: Data,
    code: web::Path<String>,
    body: web::Form<Vec<(String, String)>>,
) -> HttpResponse {
    let s = match operator_post(&req, &state, field(&body, "csrf")).await {
        Ok(s) => s,
        Err(refused) => return refused,
    };
    let code = match parse_code(&code) {
        Ok(c) => c,
        Err(e) => return super::failure(&req, &state, &e),
    };
    let (existing, features) = match load(&state, &code).await {
        Ok(v) => v,
        Err(e) => return super::failure(&req, &state, &e.into()),
    };
    let mut form = PlanForm::of_form(&body, &features);
    // The code is the plan's identity: the path names it, the form cannot change it.
    form.code = code.to_string();
    let ui = chrome(&req, &state, &s, "admin.plan.edit", "/admin/plans");
    let editing = Some(code.to_string());
    let archived = !existing.active;
    let plan = match plan_of(&form, Some(&existing)) {
        Ok(p) => p,
        Err(errors) => {
            return refused(ui, editing, archived, form, errors, StatusCode::BAD_REQUEST);
        }
    };
    match state
        .engine
        .update_plan(&code, plan, &caller(&req, &s))
        .await
    {
        Ok(p) => see_other(&format!("/admin/plans?done=updated:{}", p.code)),
        Err(e) => match engine_refusal(&e) {
            Some((status, why)) => refused(ui, editing, archived, form, vec![why], status),
            None => super::failure(&req, &state, &e.into()),
        },
    }
}

/// `POST /admin/plans/{code}/archive`: no longer sold; subscribers keep it.
async fn archive(
    req: HttpRequest,
    state: Data,
    code: web::Path<String>,
    body: web::Form<Vec<(String, String)>>,
) -> HttpResponse {
    let s = match operator_post(&req, &state, field(&body, "csrf")).await {
        Ok(s) => s,
        Err(refused) => return refused,
    };
    let code = match parse_code(&code) {
        Ok(c) => c,
        Err(e) => return super::failure(&req, &state, &e),
    };
    match state.engine.archive_plan(&code, &caller(&req, &s)).await {
        Ok(p) => see_other(&format!("/admin/plans?done=archived:{}", p.code)),
        Err(e) => super::failure(&req, &state, &e.into()),
    }
}
