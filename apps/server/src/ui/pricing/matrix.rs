//! The pricing matrix as text: one row per feature, one cell per plan, and each plan's price
//! for an interval and currency. Pure functions of the catalog and the page's language, so
//! every wording rule is tested here rather than through HTML.

use tollgate_kernel::{Currency, Enforcement, FeatureKind, Interval, Window};
use tollgate_plans::{Entitlement, EntitlementValue, Feature, Overage, Plan};

use crate::ui::Lang;
use crate::ui::format;

/// How a cell reads; the template draws marks for gates and mutes what is missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CellKind {
    Value,
    Unlimited,
    /// A gate that is on (✓, the text for screen readers).
    Yes,
    /// A gate that is off (—, the text for screen readers).
    No,
    /// The plan does not grant the feature at all.
    Missing,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    pub kind: CellKind,
    pub text: String,
    /// A second line: the overage price of a soft limit.
    pub note: Option<String>,
}

impl Cell {
    fn new(kind: CellKind, text: impl Into<String>) -> Self {
        Self {
            kind,
            text: text.into(),
            note: None,
        }
    }
}

/// One feature across the plans.
#[derive(Debug, Clone)]
pub struct FeatureRow {
    pub code: String,
    pub name: String,
    /// The catalog's description, or one made from the kind and unit.
    pub description: String,
    pub cells: Vec<Cell>,
}

impl FeatureRow {
    /// The row header's id; `…-name` and `…-desc` label and describe it.
    pub fn dom_id(&self) -> String {
        format!("feature-{}", self.code)
    }
}

/// The rows of the matrix: every feature of the catalog, in catalog order.
pub fn rows(lang: Lang, features: &[Feature], plans: &[Plan]) -> Vec<FeatureRow> {
    features
        .iter()
        .map(|f| FeatureRow {
            code: f.code.to_string(),
            name: f.name.clone(),
            description: description(lang, f),
            cells: plans
                .iter()
                .map(|p| cell(lang, f, p.entitlement(&f.code)))
                .collect(),
        })
        .collect()
}

fn description(lang: Lang, f: &Feature) -> String {
    if let Some(d) = f.description.as_deref().filter(|d| !d.trim().is_empty()) {
        return d.to_owned();
    }
    let kind = lang.t(match f.kind {
        FeatureKind::Boolean => "pricing.kind.boolean",
        FeatureKind::Metered => "pricing.kind.metered",
        FeatureKind::Gauge => "pricing.kind.gauge",
        FeatureKind::Concurrency => "pricing.kind.concurrency",
        FeatureKind::PerRequest => "pricing.kind.per_request",
        FeatureKind::Config => "pricing.kind.config",
    });
    match f.unit.as_deref() {
        Some(unit) => lang.tf("pricing.kind.with_unit", &[&kind, &unit]),
        None => kind.to_owned(),
    }
}

/// What one plan grants of one feature.
pub fn cell(lang: Lang, f: &Feature, e: Option<&Entitlement>) -> Cell {
    let Some(e) = e else {
        return Cell::new(CellKind::Missing, lang.t("common.not_included"));
    };
    match &e.value {
        EntitlementValue::Enabled(true) => Cell::new(CellKind::Yes, lang.t("common.included")),
        EntitlementValue::Enabled(false) => Cell::new(CellKind::No, lang.t("common.not_included")),
        EntitlementValue::Limit(None) => Cell::new(CellKind::Unlimited, lang.t("common.unlimited")),
        EntitlementValue::Limit(Some(n)) => {
            let amount = format::quantity(lang, *n, f.unit.as_deref());
            let text = match f.kind {
                FeatureKind::Metered => {
                    lang.tf(window_key(e.window.unwrap_or(Window::Month)), &[&amount])
                }
                FeatureKind::Concurrency => lang.tf("pricing.concurrency", &[&amount]),
                _ => amount,
            };
            let note = match (e.enforcement, e.overage.as_ref()) {
                (Enforcement::Soft, Some(o)) => {
                    Some(lang.tf("pricing.overage", &[&unit_price(lang, o)]))
                }
                (Enforcement::Soft, None) => Some(lang.t("pricing.soft_limit").to_owned()),
                _ => None,
            };
            Cell {
                kind: CellKind::Value,
                text,
                note,
            }
        }
        EntitlementValue::Config(v) => config(lang, f, v),
    }
}

fn window_key(w: Window) -> &'static str {
    match w {
        Window::Day => "pricing.window.day",
        Window::Week => "pricing.window.week",
        Window::Month => "pricing.window.month",
        Window::BillingCycle => "pricing.window.billing_cycle",
        Window::Lifetime => "pricing.window.lifetime",
    }
}

fn config(lang: Lang, f: &Feature, v: &serde_json::Value) -> Cell {
    use serde_json::Value;
    match v {
        Value::Bool(true) => Cell::new(CellKind::Yes, lang.t("common.included")),
        Value::Bool(false) => Cell::new(CellKind::No, lang.t("common.not_included")),
        Value::Null => Cell::new(CellKind::No, lang.t("common.not_included")),
        Value::String(s) if matches!(s.as_str(), "unlimited" | "forever") => {
            let key = if s == "forever" {
                "pricing.value.forever"
            } else {
                "common.unlimited"
            };
            Cell::new(CellKind::Unlimited, lang.t(key))
        }
        other => Cell::new(CellKind::Value, config_text(lang, f.unit.as_deref(), other)),
    }
}

fn config_text(lang: Lang, unit: Option<&str>, v: &serde_json::Value) -> String {
    use serde_json::Value;
    match v {
        Value::Number(n) => match n.as_i64() {
            Some(i) => with_unit(lang, i, unit),
            None => n.to_string().replace('.', decimal_separator(lang)),
        },
        Value::String(s) => s.clone(),
        Value::Array(items) => items
            .iter()
            .map(|i| config_text(lang, None, i))
            .collect::<Vec<_>>()
            .join(", "),
        Value::Bool(b) => lang
            .t(if *b {
                "common.included"
            } else {
                "common.not_included"
            })
            .to_owned(),
        Value::Null => "—".to_owned(),
        Value::Object(_) => v.to_string(),
    }
}

/// A count of a unit: time units are translated ("365 days", "365 Tage"); others are the
/// catalog's own word after the number.
fn with_unit(lang: Lang, n: i64, unit: Option<&str>) -> String {
    let key = match (unit, n == 1) {
        (Some("day" | "days"), true) => Some("pricing.unit.day"),
        (Some("day" | "days"), false) => Some("pricing.unit.days"),
        (Some("month" | "months"), true) => Some("pricing.unit.month"),
        (Some("month" | "months"), false) => Some("pricing.unit.months"),
        (Some("year" | "years"), true) => Some("pricing.unit.year"),
        (Some("year" | "years"), false) => Some("pricing.unit.years"),
        (Some("hour" | "hours"), true) => Some("pricing.unit.hour"),
        (Some("hour" | "hours"), false) => Some("pricing.unit.hours"),
        _ => None,
    };
    match (key, unit) {
        (Some(k), _) => lang.tf(k, &[&format::number(lang, n)]),
        (None, Some("byte" | "bytes")) => format::bytes(lang, n),
        (None, Some(u)) => format!("{} {u}", format::number(lang, n)),
        (None, None) => format::number(lang, n),
    }
}

fn decimal_separator(lang: Lang) -> &'static str {
    match lang {
        Lang::En => ".",
        Lang::De | Lang::Fr | Lang::Vi => ",",
    }
}

/// An overage unit price (an exact decimal of major units, `0.003`) written like money in
/// the page's language: `$0.003`, `0,003 $`. The symbol and its place come from
/// [`format::money`], so both stay consistent.
pub fn unit_price(lang: Lang, o: &Overage) -> String {
    let sep = decimal_separator(lang);
    let exp = o.currency.exponent() as usize;
    let zero = if exp == 0 {
        "0".to_owned()
    } else {
        format!("0{sep}{}", "0".repeat(exp))
    };
    let template = format::money(lang, 0, &o.currency);
    let raw = o.unit_amount.normalize().to_string();
    let (whole, frac) = raw.split_once('.').unwrap_or((raw.as_str(), ""));
    let whole = whole
        .parse::<i64>()
        .map_or_else(|_| whole.to_owned(), |w| format::number(lang, w));
    let amount = if frac.is_empty() {
        whole
    } else {
        format!("{whole}{sep}{frac}")
    };
    template.replacen(&zero, &amount, 1)
}

/// The headline price of a plan column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PriceTag {
    Free,
    Amount {
        text: String,
        per: &'static str,
    },
    /// Sold by contact, not self-serve.
    Custom,
    /// No price for this currency or interval: why, in words.
    Unavailable(String),
}

/// A plan's offer in one currency and interval.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Offer {
    pub tag: PriceTag,
    /// "Save $98 a year" when yearly costs less than twelve months.
    pub saving: Option<String>,
    /// The interval to buy it with: the chosen one, or for a free plan the one it is listed
    /// with; `None` when it cannot be bought in this currency and interval.
    pub buy: Option<Interval>,
}

/// Free: self-serve and every price in `currency` is zero.
pub fn is_free(plan: &Plan, currency: Currency) -> bool {
    let mut prices = plan.prices.iter().filter(|p| p.currency == currency);
    !plan.custom && prices.clone().next().is_some() && prices.all(|p| p.amount_minor == 0)
}

pub fn offer(lang: Lang, plan: &Plan, currency: Currency, interval: Interval) -> Offer {
    if plan.custom {
        return Offer {
            tag: PriceTag::Custom,
            saving: None,
            buy: None,
        };
    }
    if is_free(plan, currency) {
        let buy = plan
            .price(currency, interval)
            .map(|p| p.interval)
            .or_else(|| {
                plan.prices
                    .iter()
                    .find(|p| p.currency == currency)
                    .map(|p| p.interval)
            });
        return Offer {
            tag: PriceTag::Free,
            saving: None,
            buy,
        };
    }
    let Some(price) = plan.price(currency, interval) else {
        let other_interval = plan.prices.iter().any(|p| p.currency == currency);
        let text = if other_interval {
            lang.t(match interval {
                Interval::Month => "pricing.unavailable.monthly",
                Interval::Year => "pricing.unavailable.yearly",
            })
            .to_owned()
        } else {
            lang.tf("pricing.unavailable.currency", &[&currency.code()])
        };
        return Offer {
            tag: PriceTag::Unavailable(text),
            saving: None,
            buy: None,
        };
    };
    let saving = yearly_saving(plan, currency)
        .filter(|_| interval == Interval::Year)
        .map(|(minor, _)| {
            lang.tf(
                "pricing.saving",
                &[&format::money_short(lang, minor, &currency)],
            )
        });
    Offer {
        tag: PriceTag::Amount {
            text: format::money_short(lang, price.amount_minor, &currency),
            per: lang.t(match interval {
                Interval::Month => "interval.per_month",
                Interval::Year => "interval.per_year",
            }),
        },
        saving,
        buy: Some(interval),
    }
}

/// What a year costs less than twelve months, in minor units and whole percent (rounded
/// half up); `None`
/// without both prices or without a saving.
pub fn yearly_saving(plan: &Plan, currency: Currency) -> Option<(i64, i64)> {
    let month = plan.price(currency, Interval::Month)?.amount_minor;
    let year = plan.price(currency, Interval::Year)?.amount_minor;
    let twelve = month.checked_mul(12)?;
    let saving = twelve - year;
    (saving > 0).then(|| (saving, (saving * 100 + twelve / 2) / twelve))
}

/// The currencies the plans are priced in, in the order the catalog first names them.
pub fn currencies(plans: &[Plan]) -> Vec<Currency> {
    let mut out: Vec<Currency> = Vec::new();
    for p in plans.iter().flat_map(|p| p.prices.iter()) {
        if !out.contains(&p.currency) {
            out.push(p.currency);
        }
    }
    if out.is_empty() {
        out.push(Currency::USD);
    }
    out
}

/// The plan a customer without a running subscription is on: the lowest listed self-serve
/// plan whose prices are all zero (the engine's rule for entitlements).
pub fn free_plan(plans: &[Plan]) -> Option<&Plan> {
    plans
        .iter()
        .filter(|p| {
            p.is_listed()
                && !p.custom
                && !p.prices.is_empty()
                && p.prices.iter().all(|pr| pr.amount_minor == 0)
        })
        .min_by_key(|p| p.priority)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tollgate_kernel::{Decimal, FeatureCode, PlanCode};
    use tollgate_plans::Price;

    fn feature(code: &str, kind: FeatureKind, unit: Option<&str>) -> Feature {
        let f = Feature::new(FeatureCode::parse(code).unwrap(), code, kind);
        match unit {
            Some(u) => f.with_unit(u),
            None => f,
        }
    }

    fn code(c: &str) -> FeatureCode {
        FeatureCode::parse(c).unwrap()
    }

    fn pro() -> Plan {
        let mut p = Plan::new(PlanCode::parse("pro").unwrap(), "Pro", 20);
        p.prices = vec![
            Price::new(Currency::USD, Interval::Month, 4_900),
            Price::new(Currency::USD, Interval::Year, 49_000),
            Price::new(Currency::VND, Interval::Month, 1_190_000),
        ];
        p
    }

    #[test]
    fn limits_read_with_their_window_unit_and_overage() {
        let calls = feature("api_calls", FeatureKind::Metered, Some("call"));
        let e = Entitlement::limit(code("api_calls"), Some(100_000)).with_window(Window::Month);
        let c = cell(Lang::En, &calls, Some(&e));
        assert_eq!(
            (c.kind, c.text.as_str()),
            (CellKind::Value, "100,000 / month")
        );
        assert_eq!(cell(Lang::De, &calls, Some(&e)).text, "100.000 / Monat");

        let soft = Entitlement::limit(code("api_calls"), Some(1_000)).with_overage(Overage {
            currency: Currency::USD,
            unit_amount: Decimal::new(3, 3),
        });
        let c = cell(Lang::En, &calls, Some(&soft));
        assert_eq!(c.note.as_deref(), Some("then $0.003 each above the limit"));
        let fr = cell(Lang::Fr, &calls, Some(&soft)).note.unwrap();
        assert!(fr.contains("0,003\u{a0}$"), "{fr}");

        let storage = feature("storage_bytes", FeatureKind::Gauge, Some("byte"));
        let e = Entitlement::limit(code("storage_bytes"), Some(10_737_418_240));
        assert_eq!(cell(Lang::En, &storage, Some(&e)).text, "10\u{a0}GB");
        let unlimited = Entitlement::limit(code("storage_bytes"), None);
        assert_eq!(
            cell(Lang::En, &storage, Some(&unlimited)).kind,
            CellKind::Unlimited
        );
        assert_eq!(cell(Lang::En, &storage, None).text, "Not included");

        let jobs = feature("concurrent_jobs", FeatureKind::Concurrency, Some("job"));
        let e = Entitlement::limit(code("concurrent_jobs"), Some(3));
        assert_eq!(cell(Lang::En, &jobs, Some(&e)).text, "3 at a time");
    }

    #[test]
    fn gates_and_settings() {
        let gate = feature("analytics", FeatureKind::Boolean, None);
        let on = Entitlement::enabled(code("analytics"), true);
        let off = Entitlement::enabled(code("analytics"), false);
        assert_eq!(cell(Lang::En, &gate, Some(&on)).kind, CellKind::Yes);
        assert_eq!(cell(Lang::En, &gate, Some(&off)).kind, CellKind::No);

        let days = feature("retention_days", FeatureKind::Config, Some("day"));
        let e = Entitlement::config(code("retention_days"), serde_json::json!(365));
        assert_eq!(cell(Lang::En, &days, Some(&e)).text, "365 days");
        assert_eq!(cell(Lang::De, &days, Some(&e)).text, "365 Tage");
        let forever = Entitlement::config(code("retention_days"), serde_json::json!("forever"));
        assert_eq!(cell(Lang::Fr, &days, Some(&forever)).text, "Pour toujours");
        let formats = feature("export_formats", FeatureKind::Config, None);
        let e = Entitlement::config(code("export_formats"), serde_json::json!(["csv", "json"]));
        assert_eq!(cell(Lang::En, &formats, Some(&e)).text, "csv, json");
        assert_eq!(description(Lang::En, &formats), "A setting");
        assert_eq!(description(Lang::En, &days), "A setting · unit: day");
    }

    #[test]
    fn offers_free_paid_saving_and_unavailable() {
        let p = pro();
        let month = offer(Lang::En, &p, Currency::USD, Interval::Month);
        assert_eq!(
            month.tag,
            PriceTag::Amount {
                text: "$49".into(),
                per: "/ month"
            }
        );
        assert_eq!(month.saving, None);
        let year = offer(Lang::En, &p, Currency::USD, Interval::Year);
        assert_eq!(year.saving.as_deref(), Some("Save $98 a year"));
        assert_eq!(yearly_saving(&p, Currency::USD), Some((9_800, 17)));
        let vnd_year = offer(Lang::En, &p, Currency::VND, Interval::Year);
        assert_eq!(
            vnd_year.tag,
            PriceTag::Unavailable("Not available with yearly billing".into())
        );
        assert_eq!(vnd_year.buy, None);
        let eur = offer(Lang::En, &p, Currency::EUR, Interval::Month);
        assert_eq!(
            eur.tag,
            PriceTag::Unavailable("Not available in EUR".into())
        );

        let mut hobby = Plan::new(PlanCode::parse("hobby").unwrap(), "Hobby", 0);
        hobby.prices = vec![Price::new(Currency::USD, Interval::Month, 0)];
        let free = offer(Lang::En, &hobby, Currency::USD, Interval::Year);
        assert_eq!(
            (free.tag, free.buy),
            (PriceTag::Free, Some(Interval::Month))
        );
        let plans = [p, hobby];
        assert_eq!(free_plan(&plans).map(|p| p.name.as_str()), Some("Hobby"));
        assert_eq!(currencies(&plans), [Currency::USD, Currency::VND]);
    }
}
