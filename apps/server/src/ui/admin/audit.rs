//! `/admin/audit`: the journal (`GET /v1/admin/audit`), newest first, filtered by action,
//! subject, actor and dates, a page at a time.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::{NaiveDate, TimeZone, Utc};
use tollgate_engine::{AUDIT_MAX_LIMIT, AuditEntry, AuditQuery, EngineError};

use super::customers::customer_audit;
use super::{chrome, operator};
use crate::routes::Data;
use crate::ui::i18n::url_param;
use crate::ui::{Chrome, encode_query, format, render};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin/audit", web::get().to(page));
}

/// Entries per page.
const PAGE: usize = 50;

#[derive(Debug)]
struct Row {
    when: String,
    action: String,
    entity: String,
    /// The customer page the entity belongs to, when it names a customer.
    customer: Option<String>,
    actor: String,
    change: String,
    correlation: String,
}

#[derive(Debug, Default)]
struct Filters {
    action: String,
    subject: String,
    actor: String,
    from: String,
    to: String,
}

#[derive(Debug, Template)]
#[template(path = "admin/audit.html")]
struct AuditPage {
    ui: Chrome,
    filters: Filters,
    rows: Vec<Row>,
    older: Option<String>,
    newer: Option<String>,
    errors: Vec<String>,
    /// The note that the date filter searched only the newest entries the journal answers.
    capped: Option<String>,
}

fn day(raw: &str) -> Result<Option<NaiveDate>, String> {
    match raw.trim() {
        "" => Ok(None),
        d => NaiveDate::parse_from_str(d, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| format!("{d:?} is not a date (YYYY-MM-DD)")),
    }
}

/// What changed, in a line: the keys whose values differ between before and after.
fn change(e: &AuditEntry) -> String {
    let (before, after) = (e.before.as_ref(), e.after.as_ref());
    let keys = |v: Option<&serde_json::Value>| {
        v.and_then(|v| v.as_object())
            .map(|o| o.keys().cloned().collect::<Vec<_>>())
            .unwrap_or_default()
    };
    let mut all = keys(before);
    for k in keys(after) {
        if !all.contains(&k) {
            all.push(k);
        }
    }
    let changed: Vec<String> = all
        .into_iter()
        .filter(|k| before.map(|b| &b[k]) != after.map(|a| &a[k]))
        .collect();
    if before.is_none() {
        return after
            .map(|a| {
                let s = a.to_string();
                if s.chars().count() > 140 {
                    format!("{}…", s.chars().take(140).collect::<String>())
                } else {
                    s
                }
            })
            .unwrap_or_default();
    }
    changed.join(", ")
}

async fn page(req: HttpRequest, state: Data) -> HttpResponse {
    let s = match operator(&req, &state).await {
        Ok(s) => s,
        Err(page) => return page,
    };
    let ui = chrome(&req, &state, &s, "admin.audit.title", "/admin/audit");
    let lang = ui.lang;
    let q = req.query_string();
    let get = |k: &str| {
        url_param(q, k)
            .map(|v| v.trim().to_owned())
            .unwrap_or_default()
    };
    let filters = Filters {
        action: get("action"),
        subject: get("subject"),
        actor: get("actor"),
        from: get("from"),
        to: get("to"),
    };
    let skip = get("skip")
        .parse::<usize>()
        .unwrap_or(0)
        .min(AUDIT_MAX_LIMIT);
    let mut errors = Vec::new();
    let from = day(&filters.from).unwrap_or_else(|e| {
        errors.push(e);
        None
    });
    let to = day(&filters.to).unwrap_or_else(|e| {
        errors.push(e);
        None
    });
    // The journal filters by action, entity and actor; dates are applied here, over the
    // newest entries it answers (at most AUDIT_MAX_LIMIT: the page says when that cut in).
    let dated = from.is_some() || to.is_some();
    let limit = if dated {
        AUDIT_MAX_LIMIT
    } else {
        (skip + PAGE + 1).min(AUDIT_MAX_LIMIT)
    };
    let non_empty = |v: &str| Some(v.to_owned()).filter(|v| !v.is_empty());
    let loaded = async {
        // A bare id names a customer: its own entries and its subscription's.
        if !filters.subject.is_empty() && !filters.subject.contains(':') {
            let mut entries = customer_audit(&state, &filters.subject, limit).await?;
            entries.retain(|e| filters.action.is_empty() || e.action.starts_with(&filters.action));
            entries.retain(|e| filters.actor.is_empty() || e.actor == filters.actor);
            return Ok::<_, EngineError>(entries);
        }
        state
            .engine
            .audit(&AuditQuery {
                entity: non_empty(&filters.subject),
                action: non_empty(&filters.action),
                actor: non_empty(&filters.actor),
                limit: Some(limit),
            })
            .await
    };
    let mut entries = match loaded.await {
        Ok(e) => e,
        Err(e) => return super::failure(&req, &state, &e.into()),
    };
    let start = from
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| Utc.from_utc_datetime(&t));
    let end = to
        .and_then(|d| d.succ_opt())
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| Utc.from_utc_datetime(&t));
    // The journal answers at most its limit: when it did and even the oldest entry read is
    // inside the window, older entries of these dates may exist that were never searched.
    let capped = (dated
        && entries.len() >= AUDIT_MAX_LIMIT
        && entries
            .iter()
            .map(|e| e.ts)
            .min()
            .is_some_and(|oldest| start.is_none_or(|s| oldest >= s)))
    .then(|| {
        ui.t1(
            "admin.audit.capped",
            format::number(lang, AUDIT_MAX_LIMIT as i64),
        )
    });
    entries.retain(|e| start.is_none_or(|s| e.ts >= s) && end.is_none_or(|x| e.ts < x));
    let has_older = entries.len() > skip + PAGE;
    let rows = entries
        .iter()
        .skip(skip)
        .take(PAGE)
        .map(|e| Row {
            when: format::date_time(lang, e.ts),
            action: e.action.clone(),
            customer: e
                .entity
                .split_once(':')
                .filter(|(kind, _)| matches!(*kind, "customer" | "subscription"))
                .map(|(_, id)| id.to_owned()),
            entity: e.entity.clone(),
            actor: e.actor.clone(),
            change: change(e),
            correlation: e.correlation_id.clone().unwrap_or_default(),
        })
        .collect();
    let link = |skip: usize| {
        let mut pairs: Vec<(String, String)> = [
            ("action", &filters.action),
            ("subject", &filters.subject),
            ("actor", &filters.actor),
            ("from", &filters.from),
            ("to", &filters.to),
        ]
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| (k.to_owned(), v.clone()))
        .collect();
        if skip > 0 {
            pairs.push(("skip".to_owned(), skip.to_string()));
        }
        format!("/admin/audit?{}", encode_query(&pairs))
    };
    let older = has_older.then(|| link(skip + PAGE));
    let newer = (skip > 0).then(|| link(skip.saturating_sub(PAGE)));
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    render(
        status,
        &AuditPage {
            ui,
            filters,
            rows,
            older,
            newer,
            errors,
            capped,
        },
    )
}
