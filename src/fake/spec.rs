//! The crate's own OpenAPI document, embedded at build time, for the fake's run-time checks.
//!
//! `build.rs` writes `openapi/dintero.yaml` as JSON into `OUT_DIR`, exactly as written (no
//! schema relaxed), so the fake judges requests and responses by the contract itself rather
//! than by the client's code.

use std::sync::LazyLock;

use serde_json::Value;

/// The spec's text as JSON.
const SPEC_JSON: &str = include_str!(concat!(env!("OUT_DIR"), "/dintero.spec.json"));

static DOCUMENT: LazyLock<Value> =
    LazyLock::new(|| serde_json::from_str(SPEC_JSON).expect("build.rs wrote valid JSON"));

/// `openapi/dintero.yaml` as a JSON tree, parsed once.
pub(crate) fn document() -> &'static Value {
    &DOCUMENT
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_spec_is_the_repository_spec() {
        let doc = document();
        assert!(
            doc["openapi"]
                .as_str()
                .is_some_and(|v| v.starts_with("3.0."))
        );
        assert!(doc["paths"]["/accounts/{aid}/auth/token"]["post"].is_object());
    }
}
