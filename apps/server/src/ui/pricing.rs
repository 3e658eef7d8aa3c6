//! `/pricing`: the public plans × features matrix.

use actix_web::web;

pub fn configure(_cfg: &mut web::ServiceConfig) {}
