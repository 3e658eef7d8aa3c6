//! Request-wide concerns: the correlation id, latency metrics, the shape and size of request
//! bodies, and `Idempotency-Key` replay.

use std::time::Instant;

use actix_web::body::{BoxBody, MessageBody, to_bytes};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{Error, FromRequest, HttpMessage, HttpRequest, HttpResponse, ResponseError, web};
use futures::StreamExt;
use sha2::{Digest, Sha256};
use tollgate_engine::{IdempotencyBegin, StoredResponse};
use tracing::Instrument;

use crate::auth::{self, bearer};
use crate::error::ApiError;
use crate::state::AppState;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");
pub const IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");
pub const REPLAYED: HeaderName = HeaderName::from_static("idempotent-replayed");

/// Body limits: 1 MiB everywhere, 16 MiB for a usage batch.
pub const BODY_LIMIT: usize = 1024 * 1024;
pub const BATCH_BODY_LIMIT: usize = 16 * 1024 * 1024;
/// An unfinished reservation older than this is taken over (its process died).
const STALE_RESERVATION_SECONDS: i64 = 60;
const MAX_KEY_LEN: usize = 255;

/// Set on a response whose answer must not be kept for replay although its status is a
/// success: a usage batch with refused (429) or failed (5xx) events, which a retry after the
/// window resets should run again.
#[derive(Debug, Clone, Copy)]
pub struct NotKept;

/// This request's correlation id: the caller's `x-request-id` when it is a sane token,
/// else a new one. Echoed on the response and written into logs and audit entries.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

impl FromRequest for RequestId {
    type Error = Error;
    type Future = std::future::Ready<Result<Self, Error>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let id = req
            .extensions()
            .get::<RequestId>()
            .cloned()
            .unwrap_or_else(|| RequestId(uuid::Uuid::new_v4().to_string()));
        std::future::ready(Ok(id))
    }
}

fn incoming_id(req: &ServiceRequest) -> Option<String> {
    let v = req.headers().get(&REQUEST_ID)?.to_str().ok()?;
    let ok = !v.is_empty()
        && v.len() <= 128
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.:".contains(c));
    ok.then(|| v.to_owned())
}

/// Outermost: assigns the id, times the request, logs one line, records the metric.
pub async fn observe(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let id = incoming_id(&req).unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    req.extensions_mut().insert(RequestId(id.clone()));
    let started = Instant::now();
    let method = req.method().clone();
    let state = req.app_data::<web::Data<AppState>>().cloned();
    // Everything logged while handling the request (an unexpected error, say) carries its id.
    let span = tracing::info_span!("request", request_id = %id);
    let mut res = next.call(req).instrument(span).await?;
    let route = res
        .request()
        .match_pattern()
        .unwrap_or_else(|| "unmatched".to_owned());
    let status = res.status().as_u16();
    if let Ok(v) = HeaderValue::from_str(&id) {
        res.headers_mut().insert(REQUEST_ID, v);
    }
    let elapsed = started.elapsed();
    if let Some(state) = state {
        // Label values come from a closed set: a made-up method must not mint new series.
        let method_label = match method {
            Method::GET
            | Method::POST
            | Method::PUT
            | Method::DELETE
            | Method::PATCH
            | Method::HEAD
            | Method::OPTIONS => method.as_str(),
            _ => "other",
        };
        state
            .metrics
            .observe_request(method_label, &route, status, elapsed.as_secs_f64());
    }
    let micros = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX);
    if status >= 500 {
        tracing::warn!(request_id = %id, method = %method, status, route = %route, micros, "request failed");
    } else {
        tracing::debug!(request_id = %id, method = %method, status, route = %route, micros, "request");
    }
    Ok(res)
}

/// The body limit of a path: 16 MiB for a usage batch, else 1 MiB.
fn body_limit(path: &str) -> usize {
    if path == "/v1/usage/batch" {
        BATCH_BODY_LIMIT
    } else {
        BODY_LIMIT
    }
}

/// Guards every `/v1` request body before any handler (or the idempotency record) sees it
/// (mounted on the `/v1` scope, so it applies to whatever spelling of a path the router
/// matched, percent-encoded or not; Stripe's webhook, which reads raw bytes, is outside):
/// - a declared length over the path's limit is a 413, even on a route that reads no body, so
///   an oversized request never acts;
/// - a mutating request's body, when it has one, must be a JSON object: serde would otherwise
///   read a top-level array as a struct (`[]` would be an empty overrides list, a default
///   cancel), so `[]`, `"x"` or `42` are 400s;
/// - an error answered by actix itself rather than by our code (e.g. reading a raw body past
///   its limit) is rewritten into the fixed error body.
pub async fn guard_body(
    mut req: ServiceRequest,
    next: Next<BoxBody>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let limit = body_limit(req.path());
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Ok(req.into_response(ApiError::too_large(limit).error_response()));
    }
    if matches!(
        *req.method(),
        Method::POST | Method::PUT | Method::DELETE | Method::PATCH
    ) {
        // Read far enough to see the first significant byte, then put it all back.
        let mut payload = req.take_payload();
        let mut seen: Vec<web::Bytes> = Vec::new();
        let mut size = 0usize;
        let mut first = None;
        let mut failed = None;
        // Without a declared length (chunked), read it all: a route that reads no body must
        // not act on one over the limit.
        let whole = declared.is_none();
        while first.is_none() || whole {
            match payload.next().await {
                Some(Ok(chunk)) => {
                    size += chunk.len();
                    if first.is_none() {
                        first = chunk.iter().copied().find(|b| !b.is_ascii_whitespace());
                    }
                    seen.push(chunk);
                    if size > limit {
                        return Ok(req.into_response(ApiError::too_large(limit).error_response()));
                    }
                }
                Some(Err(e)) => {
                    failed = Some(e);
                    break;
                }
                None => break,
            }
        }
        if first.is_some_and(|b| b != b'{') {
            return Ok(req.into_response(
                ApiError::invalid("the request body must be a JSON object").error_response(),
            ));
        }
        let head = futures::stream::iter(
            seen.into_iter()
                .map(Ok)
                .chain(failed.map(Err))
                .collect::<Vec<_>>(),
        );
        let rest: actix_http::BoxedPayloadStream = Box::pin(head.chain(payload));
        req.set_payload(rest.into());
    }
    let res = next.call(req).await?;
    let foreign = res
        .response()
        .error()
        .is_some_and(|e| e.as_error::<ApiError>().is_none());
    if !foreign || res.status().is_success() {
        return Ok(res);
    }
    let status = res.status();
    let detail = res
        .response()
        .error()
        .map(ToString::to_string)
        .unwrap_or_default();
    let api = match status {
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::too_large(limit),
        StatusCode::NOT_FOUND => ApiError::not_found("not found"),
        s if s.is_client_error() => ApiError::new(
            s,
            "invalid_request",
            format!("the request could not be read: {detail}"),
        ),
        _ => {
            tracing::error!(error = %detail, "unexpected error outside the handlers");
            ApiError::internal()
        }
    };
    let (http_req, _) = res.into_parts();
    Ok(ServiceResponse::new(http_req, api.error_response()))
}

/// Keeps the first answer of a mutating request under its `Idempotency-Key`, scoped by caller,
/// and replays it for a repeat with the same method, path and body; a different request under
/// the same key is a 409, as is a repeat while the first is still running.
pub async fn idempotency(
    mut req: ServiceRequest,
    next: Next<BoxBody>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let mutating = matches!(*req.method(), Method::POST | Method::PUT | Method::DELETE);
    let Some(raw_key) = req.headers().get(&IDEMPOTENCY_KEY).cloned() else {
        return next.call(req).await;
    };
    if !mutating {
        return next.call(req).await;
    }
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return next.call(req).await;
    };
    let key = match raw_key.to_str() {
        Ok(k)
            if !k.is_empty()
                && k.len() <= MAX_KEY_LEN
                && k.chars().all(|c| c.is_ascii_graphic()) =>
        {
            k.to_owned()
        }
        _ => {
            return Ok(req.into_response(
                ApiError::invalid(format!(
                    "Idempotency-Key must be 1 to {MAX_KEY_LEN} printable ASCII characters"
                ))
                .error_response(),
            ));
        }
    };
    // The caller: an unauthenticated request runs as usual and gets its 401 from the route.
    let principal = match bearer(req.request()) {
        Some(secret) => match auth::resolve(&state, secret).await {
            Ok(Some(p)) => p,
            Ok(None) => return next.call(req).await,
            Err(e) => return Ok(req.into_response(e.error_response())),
        },
        None => return next.call(req).await,
    };
    req.extensions_mut().insert(principal.clone());
    let limit = body_limit(req.path());
    let body = match read_body(&mut req, limit).await {
        Ok(b) => b,
        Err(e) => return Ok(req.into_response(e.error_response())),
    };
    let mut h = Sha256::new();
    h.update(req.method().as_str());
    h.update([0]);
    // The path as the router matched it (percent-decoded), so every spelling is one request.
    h.update(req.match_info().as_str());
    h.update([0]);
    h.update(req.query_string());
    h.update([0]);
    h.update(&body);
    let request_hash = hex::encode(h.finalize());
    let scoped = format!("{}|{key}", principal.scope());
    // Wall-clock time: the records' retention must not follow the demo clock.
    let now = chrono::Utc::now();
    let begun = state
        .access
        .idempotency_begin(
            &scoped,
            &request_hash,
            now,
            chrono::Duration::seconds(STALE_RESERVATION_SECONDS),
        )
        .await;
    match begun {
        Err(e) => return Ok(req.into_response(ApiError::from(e).error_response())),
        Ok(IdempotencyBegin::InProgress { .. }) => {
            return Ok(req.into_response(
                ApiError::conflict("a request with this Idempotency-Key is still in progress")
                    .error_response(),
            ));
        }
        Ok(IdempotencyBegin::Done {
            request_hash: first,
            response,
        }) => {
            if first != request_hash {
                return Ok(req.into_response(
                    ApiError::conflict(
                        "this Idempotency-Key was used for a different request (method, path or body)",
                    )
                    .error_response(),
                ));
            }
            let status = StatusCode::from_u16(response.status).unwrap_or(StatusCode::OK);
            let mut res = HttpResponse::build(status);
            res.insert_header((REPLAYED, HeaderValue::from_static("true")));
            if !response.body.is_empty() {
                res.insert_header((
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                ));
            }
            return Ok(req.into_response(res.body(response.body)));
        }
        Ok(IdempotencyBegin::Started) => {}
    }
    put_back(&mut req, body);
    let res = next.call(req).await;
    let res = match res {
        Ok(r) => r,
        Err(e) => {
            let _ = state.access.idempotency_abandon(&scoped, now).await;
            return Err(e);
        }
    };
    let status = res.status();
    let partly_refused = res.response().extensions().get::<NotKept>().is_some();
    let (http_req, response) = res.into_parts();
    let (head, body) = response.into_parts();
    let bytes = match to_bytes(body).await {
        Ok(b) => b,
        Err(_) => {
            let _ = state.access.idempotency_abandon(&scoped, now).await;
            return Ok(ServiceResponse::new(
                http_req,
                ApiError::internal().error_response(),
            ));
        }
    };
    // Server errors and quota refusals are not kept: a retry deserves a fresh answer.
    let keep =
        !status.is_server_error() && status != StatusCode::TOO_MANY_REQUESTS && !partly_refused;
    let stored = if keep {
        let text = String::from_utf8_lossy(&bytes).into_owned();
        state
            .access
            .idempotency_finish(
                &scoped,
                now,
                &StoredResponse {
                    status: status.as_u16(),
                    body: text,
                },
                chrono::Utc::now(),
            )
            .await
    } else {
        state.access.idempotency_abandon(&scoped, now).await
    };
    if let Err(e) = stored {
        tracing::error!(error = %e, "idempotency record not saved");
    }
    Ok(ServiceResponse::new(
        http_req,
        head.set_body(bytes).map_into_boxed_body(),
    ))
}

async fn read_body(req: &mut ServiceRequest, limit: usize) -> Result<web::Bytes, ApiError> {
    let mut payload = req.take_payload();
    let mut buf = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| ApiError::invalid("the request body could not be read"))?;
        if buf.len() + chunk.len() > limit {
            return Err(ApiError::too_large(limit));
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(buf.freeze())
}

fn put_back(req: &mut ServiceRequest, body: web::Bytes) {
    let (_, mut payload) = actix_http::h1::Payload::create(true);
    payload.unread_data(body);
    req.set_payload(payload.into());
}
