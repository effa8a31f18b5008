//! An OpenAPI document as a JSON tree: loading and version checks here; JSON pointers,
//! operations and `$ref`s come from `dintero_codegen::doc`, shared with the generator.
//!
//! `spec check`, `spec diff` and `spec extract` all work on a [`serde_json::Value`] rather
//! than on typed `openapiv3` structs, so they can report the JSON path of every finding and
//! see what typed structs would hide (a `nullable` beside a `$ref`, a `$ref` that resolves
//! nowhere, a Swagger 2.0 document).

use std::fmt;
use std::path::Path;

use serde_json::Value;

use super::{bundle, swagger2};

pub use dintero_codegen::doc::{
    METHODS, Operation, component_of, escape, find_operation, join, local_target, operations,
    path_roots, reachable_components, refs_in, resolve,
};

/// A failure that stops a command (unreadable or invalid input), as one clear message.
#[derive(Debug)]
pub struct Error(pub String);

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

impl From<String> for Error {
    fn from(message: String) -> Self {
        Self(message)
    }
}

/// Shorthand for results of the spec commands.
pub type Result<T> = std::result::Result<T, Error>;

/// The largest document file read: bounds memory whatever the input.
pub const MAX_FILE_BYTES: u64 = 32 * 1024 * 1024;

/// Reads a YAML or JSON document (JSON is valid YAML) into a JSON tree, as written.
pub fn load(path: &Path) -> Result<Value> {
    let value = parse_file(path)?;
    if !value.is_object() {
        return Err(Error(format!(
            "{}: not an OpenAPI document (no top-level mapping)",
            path.display()
        )));
    }
    Ok(value)
}

/// Parses one YAML or JSON file of at most [`MAX_FILE_BYTES`].
///
/// The YAML parser bounds nesting depth and alias expansion, so no file can make it run
/// away.
pub fn parse_file(path: &Path) -> Result<Value> {
    let cannot_read = |e: std::io::Error| Error(format!("{}: cannot read: {e}", path.display()));
    let size = std::fs::metadata(path).map_err(cannot_read)?.len();
    if size > MAX_FILE_BYTES {
        return Err(Error(format!(
            "{}: {size} bytes, more than the {MAX_FILE_BYTES} read",
            path.display()
        )));
    }
    let text = std::fs::read_to_string(path).map_err(cannot_read)?;
    serde_yaml_ng::from_str(&text)
        .map_err(|e| Error(format!("{}: not YAML or JSON: {e}", path.display())))
}

/// Reads a document as OpenAPI 3.0: external `$ref`s inlined, Swagger 2.0 converted.
pub fn load_openapi_30(path: &Path) -> Result<Value> {
    let doc = bundle::bundle(load(path)?, path)?;
    let doc = if swagger2::is_swagger2(&doc) {
        swagger2::convert(&doc).map_err(|e| Error(format!("{}: {e}", path.display())))?
    } else {
        doc
    };
    require_openapi_30(&doc).map_err(|e| Error(format!("{}: {e}", path.display())))?;
    Ok(doc)
}

/// Checks the `openapi` (or `swagger`) version field; the message explains what to do.
pub fn require_openapi_30(doc: &Value) -> std::result::Result<(), String> {
    if let Some(swagger) = doc.get("swagger") {
        return Err(format!(
            "this is a Swagger {} document; progenitor reads OpenAPI 3.0 only (`spec \
             extract`, `spec diff` and `spec upstream` convert Swagger 2.0 themselves)",
            scalar_text(swagger)
        ));
    }
    match doc.get("openapi") {
        Some(Value::String(v)) if v.starts_with("3.0.") => Ok(()),
        Some(v) => Err(format!(
            "`openapi: {}`: progenitor reads OpenAPI 3.0.x only (3.1 documents must be \
             rewritten as 3.0: `nullable: true` instead of `type: [T, \"null\"]`)",
            scalar_text(v)
        )),
        None => Err("no `openapi` field: not an OpenAPI 3.0 document".to_string()),
    }
}

fn scalar_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_openapi_3_0_passes() {
        let err = require_openapi_30(&json!({"swagger": "2.0"})).unwrap_err();
        assert!(err.contains("Swagger 2.0"), "{err}");
        assert!(require_openapi_30(&json!({"openapi": "3.1.0"})).is_err());
        assert!(require_openapi_30(&json!({"openapi": "3.0.3"})).is_ok());
    }
}
