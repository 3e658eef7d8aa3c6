//! The OpenAPI 3.1 document, generated from the handlers' `#[utoipa::path]` annotations and the
//! domain types' schemas. Every operation also lists the fixed error responses, so a client
//! (or schemathesis) can rely on the document for every status the server may answer.

use std::sync::OnceLock;

use serde::Serialize;
use utoipa::openapi::path::Operation;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, Response, ResponseBuilder};
use utoipa::{Modify, OpenApi, ToSchema};

use crate::routes::{admin, catalog, customers, fake_billing, ops, subscriptions, usage, webhooks};

/// The error body every failure answers with.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// `invalid_request`, `unauthenticated`, `forbidden`, `not_found`, `conflict`,
    /// `account_locked`, `insufficient_credits`, `payload_too_large`, `quota_exceeded`,
    /// `billing_unavailable`, `internal`.
    pub code: String,
    pub message: String,
    /// What the error is about (for `quota_exceeded`: feature, limit, used, resets_at).
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
}

#[derive(Debug, OpenApi)]
#[openapi(
    info(
        title = "Tollgate",
        description = "Billing and quotas for SaaS and API products. Authentication, errors, idempotency and demo mode: docs/api.md.",
        license(name = "Apache-2.0")
    ),
    paths(
        ops::healthz, ops::readyz, ops::metrics, ops::openapi,
        catalog::public_plans, catalog::all_plans, catalog::create_plan, catalog::update_plan,
        catalog::archive_plan, catalog::features, catalog::put_feature, catalog::token_prices,
        catalog::put_token_prices,
        customers::create, customers::get, customers::delete, customers::create_session,
        customers::entitlements, customers::wallet, customers::invoices, customers::overrides,
        customers::put_overrides, customers::grant,
        subscriptions::checkout, subscriptions::portal, subscriptions::subscription,
        subscriptions::change, subscriptions::preview, subscriptions::cancel,
        subscriptions::reactivate, subscriptions::trial,
        usage::check, usage::record, usage::record_batch, usage::acquire, usage::release,
        admin::webhooks, admin::replay, admin::audit, admin::customers, admin::analytics,
        admin::keys, admin::new_key, admin::revoke_key, admin::advance_clock,
        admin::payment_method, webhooks::stripe,
        fake_billing::checkout_page, fake_billing::pay, fake_billing::cancel,
        fake_billing::portal_page, fake_billing::invoice_page,
    ),
    components(schemas(ErrorBody, ErrorDetail)),
    modifiers(&Security, &StandardErrors),
    security(("bearer" = [])),
    tags(
        (name = "catalog", description = "Plans, features, token prices"),
        (name = "customers", description = "Customers, sessions, entitlements, overrides"),
        (name = "billing", description = "Checkout, portal, subscription lifecycle, invoices"),
        (name = "usage", description = "Checks, usage records, leases"),
        (name = "wallet", description = "Prepaid credits"),
        (name = "admin", description = "Operator console"),
        (name = "demo", description = "Demo and test mode: fake billing and the clock"),
        (name = "operations", description = "Health, readiness, metrics, this document"),
    )
)]
pub struct ApiDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "An operator key, a server key, or a customer session token",
                    ))
                    .build(),
            ),
        );
    }
}

/// The fixed errors, added to every operation that does not describe them itself.
struct StandardErrors;

const ERRORS: &[(&str, &str)] = &[
    (
        "400",
        "invalid_request: malformed JSON, wrong types, invalid values",
    ),
    (
        "401",
        "unauthenticated: no key, or one that matches nothing",
    ),
    ("402", "account_locked or insufficient_credits"),
    ("403", "forbidden: this caller may not do this"),
    ("404", "not_found (also another customer's data)"),
    (
        "409",
        "conflict, or an Idempotency-Key reused for another request",
    ),
    ("413", "payload_too_large"),
    (
        "429",
        "quota_exceeded; Retry-After says when the window resets",
    ),
    (
        "500",
        "internal: logged with the x-request-id, never detailed",
    ),
    (
        "503",
        "billing_unavailable or unavailable: nothing changed, retry later",
    ),
];

fn error_response(description: &str) -> Response {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(RefOr::Ref(Ref::from_schema_name("ErrorBody"))))
                .build(),
        )
        .build()
}

fn add_errors(op: &mut Operation) {
    for (status, description) in ERRORS {
        if !op.responses.responses.contains_key(*status) {
            op.responses
                .responses
                .insert((*status).to_owned(), RefOr::T(error_response(description)));
        }
    }
}

impl Modify for StandardErrors {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        for item in doc.paths.paths.values_mut() {
            for op in [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ]
            .into_iter()
            .flatten()
            {
                add_errors(op);
            }
        }
    }
}

/// The document, built once.
pub fn document_json() -> &'static str {
    static DOC: OnceLock<String> = OnceLock::new();
    DOC.get_or_init(|| {
        let mut doc = ApiDoc::openapi();
        doc.info.version = env!("CARGO_PKG_VERSION").to_owned();
        doc.to_json().unwrap_or_else(|_| "{}".to_owned())
    })
}
