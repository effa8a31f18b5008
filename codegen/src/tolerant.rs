//! Response schemas are decoded tolerantly; request schemas are enforced.
//!
//! typify turns a pattern- or length-constrained string into a validating newtype, and it
//! validates when deserializing too: a response that breaks a documented pattern (say a
//! stored phone number with a space) would fail to decode although the call succeeded.
//! The spec file keeps every constraint (it is Dintero's contract, and the fake server and
//! the validators enforce it); only the in-memory copy handed to progenitor drops string
//! patterns and lengths from schemas that are reached *only* from responses. A schema that
//! a request also reaches keeps its constraints, so what we send is still validated.
//!
//! [`response_only_schemas`] is the one place that decides which schemas are decoded
//! tolerantly: the generator relaxes exactly those, and `cargo xtask spec diff` uses the same
//! set to decide whether loosening or tightening a response schema can break a client.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::doc;

/// Keywords dropped from response-only schemas.
const STRING_CONSTRAINTS: &[&str] = &["pattern", "minLength", "maxLength"];

/// Drops string constraints from every schema reached only from responses.
pub(crate) fn relax_response_schemas(document: &mut Value) {
    for pointer in response_only_schemas(document) {
        if let Some(schema) = document.pointer_mut(&pointer) {
            relax(schema);
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

/// Removes string constraints from a schema and the schemas nested in it.
fn relax(schema: &mut Value) {
    let Some(map) = schema.as_object_mut() else {
        return;
    };
    for keyword in STRING_CONSTRAINTS {
        map.remove(*keyword);
    }
    for key in ["items", "additionalProperties", "not"] {
        if let Some(child) = map.get_mut(key) {
            relax(child);
        }
    }
    for key in ["allOf", "anyOf", "oneOf"] {
        for child in map
            .get_mut(key)
            .and_then(Value::as_array_mut)
            .into_iter()
            .flatten()
        {
            relax(child);
        }
    }
    for child in map
        .get_mut("properties")
        .and_then(Value::as_object_mut)
        .into_iter()
        .flat_map(|p| p.values_mut())
    {
        relax(child);
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
}
