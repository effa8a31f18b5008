//! `cargo xtask spec extract FULL --ops a,b --out FILE`: cuts named operations, with every
//! component they reach, out of a full upstream document (OpenAPI 3.0, or Swagger 2.0
//! converted on loading).
//!
//! The result is a small, valid document that `spec diff` can compare with
//! `openapi/dintero.yaml` in one step.

use serde_json::{Map, Value};

use super::doc::{self, Error, Result};

/// Top-level fields copied as they are.
const KEPT_FIELDS: &[&str] = &["openapi", "info", "servers", "security", "externalDocs"];

/// Builds the document holding only `operation_ids` (and what they reach) from `full`,
/// an OpenAPI 3.0 document (Swagger 2.0 is converted when it is loaded).
pub fn extract(full: &Value, operation_ids: &[String]) -> Result<Value> {
    doc::require_openapi_30(full).map_err(Error)?;
    let mut out = Map::new();
    for field in KEPT_FIELDS {
        if let Some(value) = full.get(*field) {
            out.insert(field.to_string(), value.clone());
        }
    }

    let mut paths = Map::new();
    let mut missing = Vec::new();
    let mut used_tags = Vec::new();
    let mut security_schemes = Vec::new();
    for id in operation_ids {
        let Some(op) = doc::find_operation(full, id) else {
            missing.push(id.as_str());
            continue;
        };
        let item = paths
            .entry(op.path.to_string())
            .or_insert_with(|| path_item_shell(op.path_item))
            .as_object_mut()
            .expect("a path item shell is an object");
        item.insert(op.method.to_string(), op.value.clone());
        for tag in op
            .value
            .get("tags")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if !used_tags.contains(tag) {
                used_tags.push(tag.clone());
            }
        }
        let security = op.value.get("security").or_else(|| full.get("security"));
        for requirement in security.and_then(Value::as_array).into_iter().flatten() {
            for scheme in requirement.as_object().into_iter().flat_map(|r| r.keys()) {
                if !security_schemes.contains(scheme) {
                    security_schemes.push(scheme.clone());
                }
            }
        }
    }
    if !missing.is_empty() {
        let available: Vec<String> = doc::operations(full)
            .iter()
            .filter_map(|op| op.id())
            .map(str::to_string)
            .collect();
        return Err(Error(format!(
            "operationId(s) {} not in the document (it has {} operations{})",
            missing.join(", "),
            available.len(),
            if available.len() <= 20 {
                format!(": {}", available.join(", "))
            } else {
                String::new()
            }
        )));
    }

    let paths = Value::Object(paths);
    let roots: Vec<(String, &Value)> = vec![("/paths".to_string(), &paths)];
    for (pointer, reference) in doc::refs_in(&paths, "/paths") {
        doc::resolve(full, &Value::Object(ref_object(reference)), &pointer)
            .map_err(|e| Error(format!("{pointer}: {e}")))?;
    }
    let reached = doc::reachable_components(full, &roots);
    // Every reference inside the components that exist is checked before any is copied,
    // so a dangling one is reported where it is written, whatever the names' order.
    for pointer in &reached {
        let Some(value) = full.pointer(pointer) else {
            continue;
        };
        for (at, reference) in doc::refs_in(value, pointer) {
            doc::resolve(full, &Value::Object(ref_object(reference)), &at)
                .map_err(|e| Error(format!("{at}: {e}")))?;
        }
    }
    let mut components = Map::new();
    for pointer in reached {
        let value = full
            .pointer(&pointer)
            .ok_or_else(|| Error(format!("{pointer}: referenced but not in the document")))?;
        let (kind, name) = split_component(&pointer);
        components
            .entry(kind)
            .or_insert_with(|| Value::Object(Map::new()))
            .as_object_mut()
            .expect("a component kind is an object")
            .insert(name, value.clone());
    }
    let all_schemes = full
        .pointer("/components/securitySchemes")
        .and_then(Value::as_object);
    for scheme in security_schemes {
        if let Some(value) = all_schemes.and_then(|s| s.get(&scheme)) {
            components
                .entry("securitySchemes")
                .or_insert_with(|| Value::Object(Map::new()))
                .as_object_mut()
                .expect("securitySchemes is an object")
                .insert(scheme, value.clone());
        }
    }

    if let Some(tags) = full.get("tags").and_then(Value::as_array) {
        let kept: Vec<Value> = tags
            .iter()
            .filter(|t| t.get("name").is_some_and(|n| used_tags.contains(n)))
            .cloned()
            .collect();
        if !kept.is_empty() {
            out.insert("tags".to_string(), Value::Array(kept));
        }
    }
    out.insert("paths".to_string(), paths);
    if !components.is_empty() {
        out.insert("components".to_string(), Value::Object(components));
    }
    Ok(Value::Object(out))
}

/// A path item without its operations: path-level `parameters`, `servers`, `summary`...
fn path_item_shell(item: &Value) -> Value {
    let shell: Map<String, Value> = item
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(key, _)| !doc::METHODS.contains(&key.as_str()))
        .map(|(key, value)| (key.clone(), value.clone()))
        .collect();
    Value::Object(shell)
}

fn ref_object(reference: &str) -> Map<String, Value> {
    Map::from_iter([("$ref".to_string(), Value::String(reference.to_string()))])
}

/// `/components/schemas/A~1B` → (`schemas`, `A/B`).
fn split_component(pointer: &str) -> (String, String) {
    let unescape = |s: &str| s.replace("~1", "/").replace("~0", "~");
    let rest = pointer.trim_start_matches("/components/");
    let (kind, name) = rest.split_once('/').unwrap_or((rest, ""));
    (unescape(kind), unescape(name))
}

/// The order of top-level fields in the output (others follow, sorted).
const FIELD_ORDER: &[&str] = &[
    "openapi",
    "info",
    "servers",
    "security",
    "tags",
    "externalDocs",
    "paths",
    "components",
];

/// Serializes a document as pretty JSON or as YAML, top-level fields in the usual order.
pub fn render(document: &Value, json: bool) -> Result<String> {
    if json {
        return serde_json::to_string_pretty(document)
            .map(|s| s + "\n")
            .map_err(|e| Error(e.to_string()));
    }
    let fields = document.as_object().into_iter().flatten();
    let rank = |key: &str| {
        FIELD_ORDER
            .iter()
            .position(|k| *k == key)
            .unwrap_or(FIELD_ORDER.len())
    };
    let mut fields: Vec<(&String, &Value)> = fields.collect();
    fields.sort_by_key(|(key, _)| rank(key));
    let mut mapping = serde_yaml_ng::Mapping::new();
    for (key, value) in fields {
        let value = serde_yaml_ng::to_value(value).map_err(|e| Error(e.to_string()))?;
        mapping.insert(serde_yaml_ng::Value::String(key.clone()), value);
    }
    serde_yaml_ng::to_string(&mapping).map_err(|e| Error(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keeps_only_the_named_operations_and_what_they_reach() {
        let full = json!({
            "openapi": "3.0.1",
            "info": {"title": "t", "version": "1"},
            "tags": [{"name": "a"}, {"name": "b"}],
            "paths": {
                "/a": {"parameters": [{"$ref": "#/components/parameters/P"}],
                       "get": {"operationId": "a", "tags": ["a"], "responses": {"200": {"$ref": "#/components/responses/R"}}},
                       "put": {"operationId": "a2", "tags": ["b"], "responses": {}}},
                "/b": {"get": {"operationId": "b", "responses": {}}},
            },
            "components": {
                "parameters": {"P": {"name": "p", "in": "query", "schema": {"$ref": "#/components/schemas/S"}}},
                "responses": {"R": {"description": "", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/T"}}}}},
                "schemas": {"S": {"type": "string"}, "T": {"type": "object"}, "Other": {"type": "object"}},
            },
        });
        let out = extract(&full, &["a".to_string()]).unwrap();
        assert_eq!(out["tags"], json!([{"name": "a"}]));
        assert!(out["paths"]["/a"]["put"].is_null() && out["paths"]["/b"].is_null());
        assert_eq!(
            out["paths"]["/a"]["parameters"],
            full["paths"]["/a"]["parameters"]
        );
        let schemas = out["components"]["schemas"].as_object().unwrap();
        assert_eq!(schemas.keys().collect::<Vec<_>>(), ["S", "T"]);
        assert!(out["components"]["parameters"]["P"].is_object());
        assert!(out["components"]["responses"]["R"].is_object());
    }

    #[test]
    fn a_dangling_component_reference_is_an_error_whatever_the_name_order() {
        for missing in ["0missing", "Zmissing"] {
            let full = json!({
                "openapi": "3.0.0",
                "paths": {"/a": {"get": {"operationId": "a", "responses": {"200": {
                    "description": "", "content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/A"}}}}}}}},
                "components": {"schemas": {"A": {"properties": {
                    "b": {"$ref": format!("#/components/schemas/{missing}")}}}}},
            });
            let err = extract(&full, &["a".to_string()]).unwrap_err().0;
            assert!(
                err.contains("/components/schemas/A/properties/b") && err.contains(missing),
                "{err}"
            );
        }
    }

    #[test]
    fn a_dangling_reference_is_an_error() {
        let full = json!({
            "openapi": "3.0.0",
            "paths": {"/a": {"get": {"operationId": "a", "responses": {"200": {"$ref": "#/components/responses/Gone"}}}}},
        });
        let err = extract(&full, &["a".to_string()]).unwrap_err().0;
        assert!(
            err.contains("/paths/~1a/get/responses/200") && err.contains("resolves to nothing"),
            "{err}"
        );
    }
}
