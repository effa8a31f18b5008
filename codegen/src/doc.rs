//! An OpenAPI document as a JSON tree: JSON pointers, operations and `$ref`s.
//!
//! Shared by the generator (which relaxes response-only schemas before progenitor sees
//! them) and by `cargo xtask spec check|diff|extract`, which report the JSON path of every
//! finding. A JSON tree, not typed `openapiv3` structs, shows what typed structs would
//! hide (a `nullable` beside a `$ref`, a `$ref` that resolves nowhere).

use std::collections::BTreeSet;

use serde_json::Value;

/// The HTTP methods an OpenAPI 3.0 path item may hold, in the order the spec lists them.
pub const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Escapes one JSON pointer segment (`~` as `~0`, `/` as `~1`).
pub fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// Appends one segment to a JSON pointer.
pub fn join(pointer: &str, segment: &str) -> String {
    format!("{pointer}/{}", escape(segment))
}

/// One operation of a document with where it sits.
#[derive(Debug, Clone, Copy)]
pub struct Operation<'a> {
    /// The path template, such as `/accounts/{aid}/auth/token`.
    pub path: &'a str,
    /// The lower-case HTTP method.
    pub method: &'a str,
    /// The operation object.
    pub value: &'a Value,
    /// The path item holding it (for path-level parameters).
    pub path_item: &'a Value,
}

impl<'a> Operation<'a> {
    /// The `operationId`, if any.
    pub fn id(&self) -> Option<&'a str> {
        self.value.get("operationId").and_then(Value::as_str)
    }

    /// The JSON pointer of the operation object.
    pub fn pointer(&self) -> String {
        join(&join("/paths", self.path), self.method)
    }

    /// `POST /accounts/{aid}/auth/token`.
    pub fn route(&self) -> String {
        format!("{} {}", self.method.to_uppercase(), self.path)
    }

    /// The `operationId`, or the route when there is none.
    pub fn key(&self) -> String {
        self.id().map_or_else(|| self.route(), str::to_string)
    }

    /// The effective parameters (path-level ones overridden by operation-level ones of the
    /// same name and location), each with the JSON pointer where it is listed.
    pub fn parameters(&self) -> Vec<(String, &'a Value)> {
        let mut params: Vec<(String, &'a Value)> = Vec::new();
        let item_pointer = join("/paths", self.path);
        let lists = [
            (item_pointer.clone(), self.path_item),
            (self.pointer(), self.value),
        ];
        for (base, holder) in lists {
            let list = holder.get("parameters").and_then(Value::as_array);
            for (i, param) in list.into_iter().flatten().enumerate() {
                params.push((format!("{base}/parameters/{i}"), param));
            }
        }
        params
    }
}

/// Every operation of the document, in path order then method order.
pub fn operations(doc: &Value) -> Vec<Operation<'_>> {
    let mut ops = Vec::new();
    for (path, item) in doc
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        for method in METHODS {
            if let Some(value) = item.get(*method) {
                ops.push(Operation {
                    path,
                    method,
                    value,
                    path_item: item,
                });
            }
        }
    }
    ops
}

/// The operation with this `operationId`.
pub fn find_operation<'a>(doc: &'a Value, id: &str) -> Option<Operation<'a>> {
    operations(doc).into_iter().find(|op| op.id() == Some(id))
}

/// Follows a chain of local `$ref`s from `value` (found at `pointer`) to the object it names.
///
/// Returns the target and its pointer; a value without `$ref` is its own target. Fails on a
/// non-local (`other.yaml#/...`) reference, a dangling one, or a loop of references; the
/// error does not repeat `pointer`, so callers can place it as they report.
pub fn resolve<'a>(
    doc: &'a Value,
    value: &'a Value,
    pointer: &str,
) -> Result<(&'a Value, String), String> {
    let (mut value, mut pointer) = (value, pointer.to_string());
    let mut seen = BTreeSet::new();
    while let Some(reference) = value.get("$ref").and_then(Value::as_str) {
        let target = local_target(reference)
            .ok_or_else(|| format!("`$ref: {reference}` is not a local reference (#/...)"))?;
        if !seen.insert(target.to_string()) {
            return Err(format!("`$ref: {reference}` refers to itself"));
        }
        value = doc
            .pointer(target)
            .ok_or_else(|| format!("`$ref: {reference}` resolves to nothing"))?;
        pointer = target.to_string();
    }
    Ok((value, pointer))
}

/// The JSON pointer of a local reference (`#/components/schemas/X` → `/components/schemas/X`).
pub fn local_target(reference: &str) -> Option<&str> {
    reference.strip_prefix('#')
}

/// Every `$ref` inside `value` (found at `pointer`), with the pointer of the object holding it.
pub fn refs_in<'a>(value: &'a Value, pointer: &str) -> Vec<(String, &'a str)> {
    let mut found = Vec::new();
    let mut stack = vec![(pointer.to_string(), value)];
    while let Some((here, value)) = stack.pop() {
        match value {
            Value::Object(map) => {
                if let Some(reference) = map.get("$ref").and_then(Value::as_str) {
                    found.push((here.clone(), reference));
                }
                for (key, child) in map.iter().rev() {
                    stack.push((join(&here, key), child));
                }
            }
            Value::Array(items) => {
                for (i, child) in items.iter().enumerate().rev() {
                    stack.push((format!("{here}/{i}"), child));
                }
            }
            _ => {}
        }
    }
    found
}

/// The pointers of every component (`/components/<kind>/<name>`) that `roots` reach through
/// local `$ref`s, transitively. Dangling and non-local references are skipped here (`spec
/// check` reports them).
pub fn reachable_components(doc: &Value, roots: &[(String, &Value)]) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut stack: Vec<(String, &Value)> = roots.to_vec();
    while let Some((pointer, value)) = stack.pop() {
        for (_, reference) in refs_in(value, &pointer) {
            let Some(target) = local_target(reference).and_then(component_of) else {
                continue;
            };
            if seen.insert(target.clone())
                && let Some(component) = doc.pointer(&target)
            {
                stack.push((target, component));
            }
        }
    }
    seen
}

/// The component a pointer lies in: `/components/schemas/A/properties/b` → `/components/schemas/A`.
pub fn component_of(pointer: &str) -> Option<String> {
    let rest = pointer.strip_prefix("/components/")?;
    let mut parts = rest.splitn(3, '/');
    let (kind, name) = (parts.next()?, parts.next()?);
    Some(format!("/components/{kind}/{name}"))
}

/// The JSON pointers and values of every path item: the roots from which a document's
/// components are used.
pub fn path_roots(doc: &Value) -> Vec<(String, &Value)> {
    doc.get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .map(|(path, item)| (join("/paths", path), item))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn escape_follows_rfc_6901() {
        assert_eq!(escape("/a/{b}~c"), "~1a~1{b}~0c");
        assert_eq!(join("/paths", "/x"), "/paths/~1x");
    }

    #[test]
    fn resolve_follows_chains_and_reports_dangling_and_loops() {
        let doc = json!({
            "components": {"schemas": {
                "A": {"$ref": "#/components/schemas/B"},
                "B": {"type": "string"},
                "L": {"$ref": "#/components/schemas/L"},
            }},
            "x": {"$ref": "#/components/schemas/A"},
            "d": {"$ref": "#/components/schemas/Nope"},
        });
        let (target, pointer) = resolve(&doc, &doc["x"], "/x").unwrap();
        assert_eq!(target, &json!({"type": "string"}));
        assert_eq!(pointer, "/components/schemas/B");
        assert!(
            resolve(&doc, &doc["d"], "/d")
                .unwrap_err()
                .contains("resolves to nothing")
        );
        let looping = &doc["components"]["schemas"]["L"];
        assert!(
            resolve(&doc, looping, "/l")
                .unwrap_err()
                .contains("refers to itself")
        );
    }

    #[test]
    fn reachable_components_is_transitive_and_survives_cycles() {
        let doc = json!({
            "paths": {"/a": {"get": {"responses": {"200": {"$ref": "#/components/responses/R"}}}}},
            "components": {
                "responses": {"R": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/A"}}}}},
                "schemas": {
                    "A": {"properties": {"b": {"$ref": "#/components/schemas/B"}}},
                    "B": {"items": {"$ref": "#/components/schemas/A"}},
                    "Unused": {"type": "string"},
                },
            },
        });
        let reached = reachable_components(&doc, &path_roots(&doc));
        let expected: BTreeSet<String> = [
            "/components/responses/R",
            "/components/schemas/A",
            "/components/schemas/B",
        ]
        .map(String::from)
        .into();
        assert_eq!(reached, expected);
    }
}
