//! `cargo xtask spec check`: lints the hand-written spec beyond schema validity.
//!
//! Each rule guards something progenitor or this crate relies on; every problem names the
//! JSON pointer of the object at fault, so it can be found in the YAML (`/paths/~1a~1{b}/post`
//! is `paths: "/a/{b}": post:`).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::doc::{self, Operation};

/// One finding of the linter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The JSON pointer of the object at fault (`""` for the whole document).
    pub pointer: String,
    /// What is wrong and, where useful, how to fix it.
    pub message: String,
}

impl Problem {
    fn new(pointer: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            pointer: pointer.into(),
            message: message.into(),
        }
    }
}

/// Runs every rule on a parsed document and returns the problems, ordered by pointer.
pub fn check(doc: &Value) -> Vec<Problem> {
    let mut problems = Vec::new();
    if let Err(message) = doc::require_openapi_30(doc) {
        problems.push(Problem::new("/openapi", message));
    }
    let mut ids: BTreeMap<&str, String> = BTreeMap::new();
    for op in doc::operations(doc) {
        match op.id() {
            None => problems.push(Problem::new(
                op.pointer(),
                format!(
                    "{}: no operationId (progenitor names the client method after it)",
                    op.route()
                ),
            )),
            Some(id) => {
                if let Some(first) = ids.insert(id, op.pointer()) {
                    problems.push(Problem::new(
                        op.pointer(),
                        format!("operationId `{id}` is also used by {first}"),
                    ));
                }
            }
        }
        check_responses(doc, &op, &mut problems);
        check_path_parameters(doc, &op, &mut problems);
    }
    check_refs(doc, &mut problems);
    check_unused(doc, &mut problems);
    problems.sort_by(|a, b| {
        a.pointer
            .cmp(&b.pointer)
            .then_with(|| a.message.cmp(&b.message))
    });
    problems.dedup();
    problems
}

/// What a response's body is, for comparing response bodies: the `$ref` of its schema, the
/// inline schema as JSON text, or `no body`.
fn body_identity(doc: &Value, response: &Value, pointer: &str) -> Option<String> {
    let (response, _) = doc::resolve(doc, response, pointer).ok()?;
    let schema = response
        .get("content")
        .and_then(Value::as_object)
        .and_then(|content| {
            content
                .get("application/json")
                .or_else(|| content.values().next())
        })
        .and_then(|media| media.get("schema"));
    Some(match schema {
        None => "no body".to_string(),
        Some(schema) => match schema.get("$ref").and_then(Value::as_str) {
            Some(reference) => reference.to_string(),
            None => format!("inline schema {schema}"),
        },
    })
}

/// progenitor generates one success type and one error type per operation.
fn check_responses(doc: &Value, op: &Operation<'_>, problems: &mut Vec<Problem>) {
    let pointer = format!("{}/responses", op.pointer());
    let Some(responses) = op.value.get("responses").and_then(Value::as_object) else {
        problems.push(Problem::new(
            op.pointer(),
            format!("{}: no responses", op.route()),
        ));
        return;
    };
    // body → the statuses that return it, for success and for error statuses
    let mut success: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    let mut error: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    for (status, response) in responses {
        let Some(identity) = body_identity(doc, response, &doc::join(&pointer, status)) else {
            continue; // a dangling response `$ref`: reported by the `$ref` rule
        };
        let side = if status.starts_with('2') {
            &mut success
        } else {
            &mut error
        };
        side.entry(identity).or_default().push(status);
    }
    for (side, bodies) in [("success", &success), ("error", &error)] {
        match bodies.len() {
            0 => problems.push(Problem::new(
                pointer.clone(),
                format!(
                    "{}: no {side} response (one {side} schema is needed)",
                    op.route()
                ),
            )),
            1 => {}
            _ => {
                let listed: Vec<String> = bodies
                    .iter()
                    .map(|(body, statuses)| format!("{} → {body}", statuses.join(", ")))
                    .collect();
                problems.push(Problem::new(
                    pointer.clone(),
                    format!(
                        "{}: {} different {side} bodies ({}); progenitor accepts one {side} \
                         schema per operation",
                        op.route(),
                        bodies.len(),
                        listed.join("; ")
                    ),
                ));
            }
        }
    }
}

/// Path parameters become URL segments: each must be declared and bounded, so the client
/// refuses a value that would change the URL's meaning or length.
fn check_path_parameters(doc: &Value, op: &Operation<'_>, problems: &mut Vec<Problem>) {
    let mut declared = BTreeSet::new();
    for (pointer, param) in op.parameters() {
        let Ok((param, pointer)) = doc::resolve(doc, param, &pointer) else {
            continue; // reported by the `$ref` rule
        };
        if param.get("in").and_then(Value::as_str) != Some("path") {
            continue;
        }
        let name = param.get("name").and_then(Value::as_str).unwrap_or("?");
        declared.insert(name.to_string());
        let schema_pointer = format!("{pointer}/schema");
        let Some(schema) = param.get("schema") else {
            problems.push(Problem::new(
                pointer,
                format!("path parameter `{name}` has no schema"),
            ));
            continue;
        };
        let Ok((schema, _)) = doc::resolve(doc, schema, &schema_pointer) else {
            continue;
        };
        let kind = schema
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or("string");
        let bounded = ["pattern", "maxLength", "enum"]
            .iter()
            .any(|k| schema.get(*k).is_some())
            || matches!(kind, "integer" | "number" | "boolean");
        if !bounded {
            problems.push(Problem::new(
                schema_pointer,
                format!(
                    "path parameter `{name}` is unconstrained: give it a `pattern` or a `maxLength`"
                ),
            ));
        }
    }
    for segment in op.path.split('/') {
        if let Some(name) = segment.strip_prefix('{').and_then(|s| s.strip_suffix('}'))
            && !declared.contains(name)
        {
            problems.push(Problem::new(
                op.pointer(),
                format!(
                    "{}: path template parameter `{{{name}}}` is not declared as a path parameter",
                    op.route()
                ),
            ));
        }
    }
}

/// Every `$ref` must resolve; a `nullable` beside a bare `$ref` is silently ignored in 3.0.
fn check_refs(doc: &Value, problems: &mut Vec<Problem>) {
    for (pointer, reference) in doc::refs_in(doc, "") {
        let holder = doc.pointer(&pointer).unwrap_or(&Value::Null);
        if let Err(e) = doc::resolve(doc, holder, &pointer) {
            problems.push(Problem::new(pointer.clone(), e));
        }
        if holder.get("nullable").is_some() {
            problems.push(Problem::new(
                pointer,
                format!(
                    "`nullable` beside `$ref: {reference}` is ignored in OpenAPI 3.0; write \
                     `allOf: [{{$ref: \"{reference}\"}}]` with `nullable: true` beside the `allOf`"
                ),
            ));
        }
    }
}

/// A component nothing uses is dead text that drifts from Dintero's spec unnoticed.
fn check_unused(doc: &Value, problems: &mut Vec<Problem>) {
    let used = doc::reachable_components(doc, &doc::path_roots(doc));
    for kind in [
        "schemas",
        "responses",
        "parameters",
        "requestBodies",
        "headers",
        "examples",
    ] {
        let pointer = doc::join("/components", kind);
        for name in doc
            .pointer(&pointer)
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .map(|m| m.0)
        {
            let component = doc::join(&pointer, name);
            if !used.contains(&component) {
                problems.push(Problem::new(
                    component,
                    format!("component `{name}` is not used by any operation: remove it"),
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn op(responses: Value) -> Value {
        json!({
            "openapi": "3.0.3",
            "paths": {"/a/{id}": {"post": {
                "operationId": "a",
                "parameters": [{"name": "id", "in": "path", "required": true,
                                "schema": {"type": "string", "maxLength": 9}}],
                "responses": responses,
            }}},
            "components": {"schemas": {"E": {"type": "object"}, "S": {"type": "object"}}},
        })
    }

    #[test]
    fn one_success_and_one_error_body_is_clean() {
        let doc = op(json!({
            "200": {"description": "", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/S"}}}},
            "400": {"description": "", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/E"}}}},
            "500": {"description": "", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/E"}}}},
        }));
        assert_eq!(check(&doc), vec![]);
    }

    #[test]
    fn two_error_bodies_and_no_success_are_reported() {
        let doc = op(json!({
            "400": {"description": "", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/E"}}}},
            "500": {"description": "", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/S"}}}},
        }));
        let messages: Vec<String> = check(&doc).into_iter().map(|p| p.message).collect();
        assert!(
            messages.iter().any(|m| m.contains("no success response")),
            "{messages:?}"
        );
        assert!(
            messages
                .iter()
                .any(|m| m.contains("2 different error bodies")),
            "{messages:?}"
        );
    }
}
