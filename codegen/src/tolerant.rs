//! Response schemas are decoded tolerantly; request schemas are enforced.
//!
//! A response may grow additively without a new API version: a new enum value, a new
//! property, `null` for an optional property, a stored value that breaks a documented
//! pattern (say a phone number with a space). typify would reject each of these, although
//! the call succeeded. The spec file keeps every constraint (it is Dintero's contract, and
//! the fake server and the validators enforce it); only the in-memory copy handed to
//! progenitor is prepared, and only for schemas reached *only* from responses:
//!
//! - string patterns and lengths are dropped, and so is `additionalProperties: false`;
//! - enums of strings are marked open (`open_enums.rs`: an `Unknown` variant);
//! - objects are marked tolerant (`nullable.rs`: `null` decodes as absent).
//!
//! A schema that a request also reaches is one Rust type used for sending too, so it keeps
//! every constraint and stays closed: what we send is still validated.
//!
//! [`response_only_schemas`] is the one place that decides which schemas are decoded
//! tolerantly: the generator prepares exactly those, the generated `RESPONSE_ONLY_SCHEMAS`
//! lists them for the fake and the tests, and `cargo xtask spec diff` uses the same set to
//! decide whether loosening or tightening a response schema can break a client.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::{doc, nullable, open_enums, schemas};

/// Keywords dropped from response-only schemas.
const STRING_CONSTRAINTS: &[&str] = &["pattern", "minLength", "maxLength"];

/// Prepares every schema reached only from responses for tolerant decoding.
pub(crate) fn relax_response_schemas(document: &mut Value) {
    for pointer in response_only_schemas(document) {
        if let Some(schema) = document.pointer_mut(&pointer) {
            schemas::visit_mut(schema, &mut relax);
        }
    }
}

/// JSON pointers of the schemas decoded tolerantly: the component schemas that responses
/// reach and requests do not, and the inline schemas of every response (response-only by
/// construction). A schema a request also reaches is one Rust type used for sending too, so
/// it keeps every constraint.
pub fn response_only_schemas(document: &Value) -> BTreeSet<String> {
    let (mut responses, mut requests) = (Vec::new(), Vec::new());
    for operation in doc::operations(document) {
        let pointer = operation.pointer();
        if let Some(value) = operation.value.get("responses") {
            responses.push((doc::join(&pointer, "responses"), value));
        }
        if let Some(body) = operation.value.get("requestBody") {
            requests.push((doc::join(&pointer, "requestBody"), body));
        }
        requests.extend(operation.parameters());
    }
    let reached = doc::reachable_components(document, &responses);
    let by_requests = doc::reachable_components(document, &requests);

    let mut relaxed: BTreeSet<String> = reached
        .difference(&by_requests)
        .filter(|p| p.starts_with("/components/schemas/"))
        .cloned()
        .collect();
    let response_objects = responses
        .iter()
        .flat_map(|(pointer, list)| {
            list.as_object()
                .into_iter()
                .flatten()
                .map(move |(status, r)| (doc::join(pointer, status), r))
        })
        .chain(
            reached
                .iter()
                .filter(|p| p.starts_with("/components/responses/"))
                .filter_map(|p| Some((p.clone(), document.pointer(p)?))),
        );
    for (pointer, response) in response_objects {
        relaxed.extend(inline_media_schemas(&pointer, response));
    }
    relaxed
}

/// Pointers of the inline (non-`$ref`) schemas of a response's media types.
fn inline_media_schemas(pointer: &str, response: &Value) -> Vec<String> {
    let content = doc::join(pointer, "content");
    response
        .get("content")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter(|(_, media)| media.get("schema").is_some_and(|s| s.get("$ref").is_none()))
        .map(|(media, _)| doc::join(&doc::join(&content, media), "schema"))
        .collect()
}

/// Prepares one schema (the walker visits the nested ones).
fn relax(schema: &mut Value) {
    open_enums::mark(schema);
    nullable::mark(schema);
    let Some(map) = schema.as_object_mut() else {
        return;
    };
    for keyword in STRING_CONSTRAINTS {
        map.remove(*keyword);
    }
    // An unknown property must decode: typify would deny them all.
    if map.get("additionalProperties") == Some(&Value::Bool(false)) {
        map.remove("additionalProperties");
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::relax_response_schemas;

    #[test]
    fn only_schemas_reached_from_responses_alone_lose_string_constraints() {
        let mut document = json!({
            "openapi": "3.0.3",
            "paths": {"/x/{id}": {"post": {
                "parameters": [{"$ref": "#/components/parameters/id"}],
                "requestBody": {"content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/Request"}}}},
                "responses": {
                    "200": {"content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/Response"}}}},
                    "400": {"$ref": "#/components/responses/Error"},
                },
            }}},
            "components": {
                "parameters": {"id": {"name": "id", "in": "path", "required": true,
                    "schema": {"$ref": "#/components/schemas/Id"}}},
                "responses": {"Error": {"content": {"application/json": {
                    "schema": {"type": "string", "maxLength": 5}}}}},
                "schemas": {
                    "Id": {"type": "string", "pattern": "^a$"},
                    "Request": {"properties": {"shared": {"$ref": "#/components/schemas/Shared"}}},
                    "Response": {"properties": {
                        "phone": {"type": "string", "pattern": "^\\+\\d+$", "minLength": 2},
                        "shared": {"$ref": "#/components/schemas/Shared"},
                        "items": {"type": "array", "items": {"type": "string", "maxLength": 3}},
                    }},
                    "Shared": {"type": "string", "maxLength": 9},
                },
            },
        });
        relax_response_schemas(&mut document);
        let schemas = &document["components"]["schemas"];
        assert_eq!(
            schemas["Response"]["properties"]["phone"],
            json!({"type": "string"})
        );
        assert_eq!(
            schemas["Response"]["properties"]["items"]["items"],
            json!({"type": "string"})
        );
        assert_eq!(
            document["components"]["responses"]["Error"]["content"]["application/json"]["schema"],
            json!({"type": "string"})
        );
        // Reached by a request too (body or parameter): still enforced.
        assert_eq!(schemas["Shared"]["maxLength"], 9);
        assert_eq!(schemas["Id"]["pattern"], "^a$");
    }

    fn described(schema: &serde_json::Value) -> bool {
        schema
            .get("description")
            .and_then(|d| d.as_str())
            .is_some_and(|d| d.contains("[[dintero-codegen:"))
    }

    #[test]
    fn response_only_enums_and_objects_are_marked_shared_ones_are_not() {
        let mut document = json!({
            "openapi": "3.0.3",
            "paths": {"/x": {"post": {
                "requestBody": {"content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/Request"}}}},
                "responses": {"200": {"content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/Response"}}}}},
            }}},
            "components": {"schemas": {
                "Request": {"properties": {"kind": {"$ref": "#/components/schemas/Kind"}}},
                "Response": {
                    "additionalProperties": false,
                    "properties": {
                        "kind": {"$ref": "#/components/schemas/Kind"},
                        "channels": {"type": "array", "items": {"type": "string", "enum": ["sms"]}},
                    },
                },
                "Kind": {"type": "string", "enum": ["a"]},
            }},
        });
        relax_response_schemas(&mut document);
        let schemas = &document["components"]["schemas"];
        assert!(described(&schemas["Response"]), "tolerant object");
        assert!(
            described(&schemas["Response"]["properties"]["channels"]["items"]),
            "open enum"
        );
        assert!(schemas["Response"].get("additionalProperties").is_none());
        // Shared with a request: closed and strict.
        assert!(!described(&schemas["Kind"]));
        assert!(!described(&schemas["Request"]));
    }
}
