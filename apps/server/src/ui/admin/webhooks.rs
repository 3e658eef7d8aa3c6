//! `/admin/webhooks`: the billing-event log (`GET /v1/admin/webhooks`), filtered by status and
//! type, with a Replay button per event (`POST /v1/admin/webhooks/{event_id}/replay`).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use tollgate_engine::{
    BillingEventLog, BillingEventRecord, EngineError, EventStatus, WebhookQuery,
};

use super::{Words, caller, chrome, field, operator, operator_post};
use crate::routes::Data;
use crate::routes::admin::replay_event;
use crate::ui::i18n::url_param;
use crate::ui::{Chrome, encode_query, format, render, see_other, urlencode};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin/webhooks", web::get().to(page))
        .route("/admin/webhooks/{event_id}/replay", web::post().to(replay));
}

const STATUSES: [&str; 4] = ["received", "processed", "failed", "ignored"];
/// The most events the page lists.
const PAGE: usize = 200;

fn status_word(s: EventStatus) -> &'static str {
    match s {
        EventStatus::Received => "received",
        EventStatus::Processed => "processed",
        EventStatus::Failed => "failed",
        EventStatus::Ignored => "ignored",
    }
}

fn parse_status(raw: &str) -> Option<EventStatus> {
    match raw {
        "received" => Some(EventStatus::Received),
        "processed" => Some(EventStatus::Processed),
        "failed" => Some(EventStatus::Failed),
        "ignored" => Some(EventStatus::Ignored),
        _ => None,
    }
}

#[derive(Debug)]
struct EventRow {
    event_id: String,
    /// The id percent-encoded for the replay form's address.
    path_id: String,
    provider: String,
    event_type: String,
    status: &'static str,
    received: String,
    error: String,
    attempts: i32,
}

/// The outcome of a replay, shown after the redirect.
#[derive(Debug)]
struct Replayed {
    event_id: String,
    outcome: String,
    error: String,
    ok: bool,
}

#[derive(Debug, Template)]
#[template(path = "admin/webhooks.html")]
struct WebhooksPage {
    ui: Chrome,
    rows: Vec<EventRow>,
    statuses: &'static [&'static str],
    status: String,
    event_type: String,
    /// The filters as a query string, carried through a replay so the page comes back the same.
    back: String,
    replayed: Option<Replayed>,
}

async fn page(req: HttpRequest, state: Data) -> HttpResponse {
    let s = match operator(&req, &state).await {
        Ok(s) => s,
        Err(page) => return page,
    };
    let ui = chrome(&req, &state, &s, "admin.webhooks.title", "/admin/webhooks");
    let lang = ui.lang;
    let q = req.query_string();
    let status = url_param(q, "status")
        .filter(|s| parse_status(s).is_some())
        .unwrap_or_default();
    let event_type = url_param(q, "type")
        .map(|t| t.trim().to_owned())
        .unwrap_or_default();
    let records = match state
        .engine
        .billing_events(&WebhookQuery {
            provider: None,
            status: parse_status(&status),
            event_type: Some(event_type.clone()).filter(|t| !t.is_empty()),
            limit: Some(PAGE),
        })
        .await
    {
        Ok(r) => r,
        Err(e) => return super::failure(&req, &state, &e.into()),
    };
    let rows = records
        .into_iter()
        .map(|r| EventRow {
            path_id: urlencode(&r.event_id),
            event_id: r.event_id,
            provider: r.provider,
            event_type: r.event_type,
            status: status_word(r.status),
            received: format::date_time(lang, r.received_at),
            error: r.error.unwrap_or_default(),
            attempts: r.attempts,
        })
        .collect();
    // The address names the replayed event only: what became of it is read from the log.
    let replayed = match url_param(q, "replayed") {
        Some(event_id) => match replayed_event(&state, &event_id).await {
            Ok(record) => record.map(|r| {
                let (key, ok) = outcome_of(r.status);
                Replayed {
                    ok,
                    outcome: ui.t(key).to_owned(),
                    error: if ok {
                        String::new()
                    } else {
                        r.error
                            .map(|e| e.chars().take(300).collect())
                            .unwrap_or_default()
                    },
                    event_id: r.event_id,
                }
            }),
            Err(e) => return super::failure(&req, &state, &e.into()),
        },
        None => None,
    };
    let mut back = Vec::new();
    if !status.is_empty() {
        back.push(("status".to_owned(), status.clone()));
    }
    if !event_type.is_empty() {
        back.push(("type".to_owned(), event_type.clone()));
    }
    render(
        StatusCode::OK,
        &WebhooksPage {
            ui,
            rows,
            statuses: &STATUSES,
            status,
            event_type,
            back: encode_query(&back),
            replayed,
        },
    )
}

/// The providers an event id is looked up with, in the replay's order.
const PROVIDERS: [&str; 2] = ["stripe", "fake"];

/// The logged event of a replay's result, as it stands now; `None` when no provider has it.
async fn replayed_event(
    state: &Data,
    event_id: &str,
) -> Result<Option<BillingEventRecord>, EngineError> {
    for provider in PROVIDERS {
        if let Some(r) = BillingEventLog::get(&state.store, provider, event_id).await? {
            return Ok(Some(r));
        }
    }
    Ok(None)
}

/// The banner's words for an event's status after a replay (the only strings it can pick),
/// and whether that is a good outcome. `received` after a replay means another worker holds it.
fn outcome_of(status: EventStatus) -> (&'static str, bool) {
    match status {
        EventStatus::Processed => ("admin.webhooks.outcome.processed", true),
        EventStatus::Ignored => ("admin.webhooks.outcome.ignored", true),
        EventStatus::Failed => ("admin.webhooks.outcome.failed", false),
        EventStatus::Received => ("admin.webhooks.outcome.duplicate", false),
    }
}

/// `POST /admin/webhooks/{event_id}/replay`: re-applies the event through the normal path and
/// comes back to the log, which shows what became of the event.
async fn replay(
    req: HttpRequest,
    state: Data,
    event_id: web::Path<String>,
    body: web::Form<Vec<(String, String)>>,
) -> HttpResponse {
    let s = match operator_post(&req, &state, field(&body, "csrf")).await {
        Ok(s) => s,
        Err(refused) => return refused,
    };
    match replay_event(&state, &event_id, &caller(&req, &s)).await {
        Ok(answer) => {
            let mut q: Vec<(String, String)> =
                web::Query::<Vec<(String, String)>>::from_query(field(&body, "back"))
                    .map(web::Query::into_inner)
                    .unwrap_or_default()
                    .into_iter()
                    .filter(|(k, _)| k == "status" || k == "type")
                    .collect();
            q.push(("replayed".to_owned(), answer.event_id));
            see_other(&format!("/admin/webhooks?{}", encode_query(&q)))
        }
        Err(e) => super::failure(&req, &state, &e),
    }
}
