//! The OpenAPI 3.1 document, generated from the handlers' annotations.

pub fn document() -> serde_json::Value {
    serde_json::json!({"openapi": "3.1.0", "info": {"title": "Tollgate", "version": env!("CARGO_PKG_VERSION")}, "paths": {}})
}
