//! `/admin/features`: the feature catalog, and a form that creates a feature or renames one
//! (`POST /v1/admin/features`: a feature's kind is fixed once created).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use tollgate_engine::EngineError;
use tollgate_kernel::{FeatureCode, FeatureKind};
use tollgate_plans::Feature;

use super::{Words, caller, chrome, field, operator, operator_post};
use crate::routes::Data;
use crate::ui::i18n::url_param;
use crate::ui::{Chrome, render, see_other};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin/features", web::get().to(page))
        .route("/admin/features", web::post().to(save));
}

const KINDS: [&str; 6] = [
    "metered",
    "gauge",
    "concurrency",
    "per_request",
    "boolean",
    "config",
];

#[derive(Debug, Default)]
struct FeatureForm {
    code: String,
    name: String,
    kind: String,
    unit: String,
    description: String,
    /// Editing an existing feature: its code and kind are fixed.
    existing: bool,
}

#[derive(Debug, Template)]
#[template(path = "admin/features.html")]
struct FeaturesPage {
    ui: Chrome,
    features: Vec<Feature>,
    form: FeatureForm,
    kinds: &'static [&'static str],
    errors: Vec<String>,
    flash: Option<String>,
}

async fn render_page(
    req: &HttpRequest,
    state: &Data,
    ui: Chrome,
    form: FeatureForm,
    errors: Vec<String>,
    status: StatusCode,
) -> HttpResponse {
    let features = match state.engine.features().await {
        Ok(f) => f,
        Err(e) => return super::failure(req, state, &e.into()),
    };
    let flash = url_param(req.query_string(), "done").and_then(|d| {
        let (key, code) = d.split_once(':')?;
        let key = match key {
            "created" => "admin.features.created",
            "updated" => "admin.features.updated",
            _ => return None,
        };
        // The banner names a feature of the catalog, never text from the address.
        let feature = features.iter().find(|f| f.code.as_str() == code)?;
        Some(ui.t1(key, &feature.code))
    });
    render(
        status,
        &FeaturesPage {
            ui,
            features,
            form,
            kinds: &KINDS,
            errors,
            flash,
        },
    )
}

async fn page(req: HttpRequest, state: Data) -> HttpResponse {
    let s = match operator(&req, &state).await {
        Ok(s) => s,
        Err(page) => return page,
    };
    let ui = chrome(&req, &state, &s, "admin.features.title", "/admin/features");
    let mut form = FeatureForm {
        kind: "metered".to_owned(),
        ..FeatureForm::default()
    };
    if let Some(code) = url_param(req.query_string(), "edit")
        && let Ok(code) = FeatureCode::parse(code)
    {
        match state.engine.feature(&code).await {
            Ok(f) => {
                form = FeatureForm {
                    code: f.code.to_string(),
                    name: f.name,
                    kind: f.kind.as_str().to_owned(),
                    unit: f.unit.unwrap_or_default(),
                    description: f.description.unwrap_or_default(),
                    existing: true,
                };
            }
            Err(EngineError::NotFound { .. }) => {}
            Err(e) => return super::failure(&req, &state, &e.into()),
        }
    }
    render_page(&req, &state, ui, form, Vec::new(), StatusCode::OK).await
}

/// `POST /admin/features`: creates or updates a feature as `POST /v1/admin/features` does.
async fn save(
    req: HttpRequest,
    state: Data,
    body: web::Form<Vec<(String, String)>>,
) -> HttpResponse {
    let s = match operator_post(&req, &state, field(&body, "csrf")).await {
        Ok(s) => s,
        Err(refused) => return refused,
    };
    let ui = chrome(&req, &state, &s, "admin.features.title", "/admin/features");
    let form = FeatureForm {
        code: field(&body, "code").trim().to_owned(),
        name: field(&body, "name").trim().to_owned(),
        kind: field(&body, "kind").trim().to_owned(),
        unit: field(&body, "unit").trim().to_owned(),
        description: field(&body, "description").trim().to_owned(),
        existing: field(&body, "existing") == "1",
    };
    let mut errors = Vec::new();
    let code = FeatureCode::parse(form.code.clone())
        .map_err(|e| errors.push(e.to_string()))
        .ok();
    let kind = FeatureKind::parse(&form.kind)
        .map_err(|e| errors.push(e.to_string()))
        .ok();
    let (Some(code), Some(kind)) = (code, kind) else {
        return render_page(&req, &state, ui, form, errors, StatusCode::BAD_REQUEST).await;
    };
    // The "new feature" form never replaces one: a taken code is refused with the form.
    if !form.existing && state.engine.feature(&code).await.is_ok() {
        let why = ui.t1("admin.feature.taken", &code);
        return render_page(&req, &state, ui, form, vec![why], StatusCode::CONFLICT).await;
    }
    let feature = Feature {
        code,
        name: form.name.clone(),
        kind,
        unit: Some(form.unit.clone()).filter(|u| !u.is_empty()),
        description: Some(form.description.clone()).filter(|d| !d.is_empty()),
    };
    match state.engine.put_feature(feature, &caller(&req, &s)).await {
        Ok((f, created)) => see_other(&format!(
            "/admin/features?done={}:{}",
            if created { "created" } else { "updated" },
            f.code
        )),
        Err(EngineError::Invalid(why)) => {
            render_page(&req, &state, ui, form, vec![why], StatusCode::BAD_REQUEST).await
        }
        Err(EngineError::Conflict(why)) => {
            render_page(&req, &state, ui, form, vec![why], StatusCode::CONFLICT).await
        }
        Err(e) => super::failure(&req, &state, &e.into()),
    }
}
