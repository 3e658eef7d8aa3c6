//! The UI's one stylesheet and one script, compiled into the binary and served under a
//! content-hashed path with a year-long cache (a new build gets new paths).

use std::fmt::Write as _;
use std::sync::OnceLock;

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use sha2::{Digest, Sha256};

const CSS_PARTS: [&str; 4] = [
    include_str!("../../assets/base.css"),
    include_str!("../../assets/pricing.css"),
    include_str!("../../assets/app.css"),
    include_str!("../../assets/admin.css"),
];
const JS: &str = include_str!("../../assets/ui.js");

/// The hashed paths of the stylesheet and the script.
#[derive(Debug)]
pub struct Paths {
    pub css: String,
    pub js: String,
}

struct Assets {
    css: String,
    paths: Paths,
}

fn assets() -> &'static Assets {
    static ASSETS: OnceLock<Assets> = OnceLock::new();
    ASSETS.get_or_init(|| {
        let mut css = CSS_PARTS.concat();
        // Bar widths as classes (`w0` … `w100`): the policy allows no inline style attributes.
        for i in 0..=100 {
            let _ = writeln!(css, ".w{i}{{width:{i}%}}");
        }
        let tag = |s: &str| hex::encode(&Sha256::digest(s.as_bytes())[..6]);
        let paths = Paths {
            css: format!("/ui/tollgate.{}.css", tag(&css)),
            js: format!("/ui/tollgate.{}.js", tag(JS)),
        };
        Assets { css, paths }
    })
}

pub fn paths() -> &'static Paths {
    &assets().paths
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/ui/{file}", web::get().to(serve))
        .route("/favicon.ico", web::get().to(favicon));
}

async fn serve(file: web::Path<String>) -> HttpResponse {
    let a = assets();
    let path = format!("/ui/{file}");
    let (body, kind) = if path == a.paths.css {
        (a.css.clone(), "text/css; charset=utf-8")
    } else if path == a.paths.js {
        (JS.to_owned(), "text/javascript; charset=utf-8")
    } else {
        return HttpResponse::NotFound()
            .content_type("text/plain; charset=utf-8")
            .body("not found");
    };
    HttpResponse::Ok()
        .content_type(kind)
        .insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .body(body)
}

/// Pages name their icon inline; a browser that asks for `/favicon.ico` anyway (the demo's
/// provider pages, a bookmark) gets an empty answer rather than a 404 in its console.
async fn favicon() -> HttpResponse {
    HttpResponse::NoContent()
        .insert_header((header::CACHE_CONTROL, "public, max-age=86400"))
        .finish()
}
