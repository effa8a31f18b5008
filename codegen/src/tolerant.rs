//! Response schemas are decoded tolerantly; request schemas are enforced.
//!
//! typify turns a pattern- or length-constrained string into a validating newtype, and it
//! validates when deserializing too: a response that breaks a documented pattern (say a
//! stored phone number with a space) would fail to decode although the call succeeded.
//! The spec file keeps every constraint (it is Dintero's contract, and the fake server and
//! the validators enforce it); only the in-memory copy handed to progenitor drops string
//! patterns and lengths from schemas that are reached *only* from responses. A schema that
//! a request also reaches keeps its constraints, so what we send is still validated.

use std::collections::BTreeSet;

use serde_json::Value;

/// Keywords dropped from response-only schemas.
const STRING_CONSTRAINTS: &[&str] = &["pattern", "minLength", "maxLength"];

const REF_PREFIX: &str = "#/components/schemas/";

/// Drops string constraints from every schema reached only from responses.
pub(crate) fn relax_response_schemas(doc: &mut Value) {
    let (mut response_roots, mut request_roots) = (Vec::new(), Vec::new());
    for operation in operations(doc) {
        for response in operation
            .get("responses")
            .and_then(Value::as_object)
            .into_iter()
            .flat_map(|r| r.values())
        {
            response_roots.extend(media_schemas(resolve(doc, response)));
        }
        if let Some(body) = operation.get("requestBody") {
            request_roots.extend(media_schemas(body));
        }
        for param in operation
            .get("parameters")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            request_roots.extend(resolve(doc, param).get("schema"));
        }
    }
    let response_only: BTreeSet<String> = reachable(doc, &response_roots)
        .difference(&reachable(doc, &request_roots))
        .cloned()
        .collect();

    // Inline schemas under responses are response-only by construction.
    for pointer in inline_response_schema_paths(doc) {
        if let Some(schema) = doc.pointer_mut(&pointer) {
            relax(schema);
        }
    }
    for name in response_only {
        if let Some(schema) = doc.pointer_mut(&format!("/components/schemas/{name}")) {
            relax(schema);
        }
    }
}

fn operations(doc: &Value) -> Vec<&Value> {
    const METHODS: &[&str] = &[
        "get", "put", "post", "delete", "options", "head", "patch", "trace",
    ];
    doc.get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|paths| paths.values())
        .flat_map(|item| METHODS.iter().filter_map(move |m| item.get(*m)))
        .collect()
}

fn resolve<'a>(doc: &'a Value, value: &'a Value) -> &'a Value {
    match value.get("$ref").and_then(Value::as_str) {
        Some(r) => r
            .strip_prefix('#')
            .and_then(|pointer| doc.pointer(pointer))
            .unwrap_or(value),
        None => value,
    }
}

/// The schemas of every media type of a response or request body.
fn media_schemas(holder: &Value) -> Vec<&Value> {
    holder
        .get("content")
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|c| c.values())
        .filter_map(|media| media.get("schema"))
        .collect()
}

/// JSON pointers of the inline (non-`$ref`) schemas of every response.
fn inline_response_schema_paths(doc: &Value) -> Vec<String> {
    let mut pointers = Vec::new();
    let escape = |s: &str| s.replace('~', "~0").replace('/', "~1");
    let mut push_media = |base: String, response: &Value| {
        for (media, content) in response
            .get("content")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            if content
                .get("schema")
                .is_some_and(|s| s.get("$ref").is_none())
            {
                pointers.push(format!("{base}/content/{}/schema", escape(media)));
            }
        }
    };
    for (path, item) in doc
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        for (method, operation) in item.as_object().into_iter().flatten() {
            for (status, response) in operation
                .get("responses")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
            {
                let base = format!("/paths/{}/{method}/responses/{status}", escape(path));
                push_media(base, response);
            }
        }
    }
    for (name, response) in doc
        .pointer("/components/responses")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        push_media(format!("/components/responses/{}", escape(name)), response);
    }
    pointers
}

/// Names of the component schemas reachable from `roots` through `$ref`s.
fn reachable(doc: &Value, roots: &[&Value]) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut stack: Vec<&Value> = roots.to_vec();
    while let Some(value) = stack.pop() {
        match value {
            Value::Object(map) => {
                if let Some(name) = map
                    .get("$ref")
                    .and_then(Value::as_str)
                    .and_then(|r| r.strip_prefix(REF_PREFIX))
                    && seen.insert(name.to_string())
                {
                    stack.extend(doc.pointer(&format!("/components/schemas/{name}")));
                }
                stack.extend(map.values());
            }
            Value::Array(items) => stack.extend(items),
            _ => {}
        }
    }
    seen
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
