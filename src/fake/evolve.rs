//! Evolved responses: what a newer Dintero may send for the same call.
//!
//! An API grows additively without a new version: a new enum value, a new property, `null`
//! for an optional property, a response that leaves out what is optional. This module
//! derives such bodies *mechanically from the spec*, so a value or property added to
//! `openapi/dintero.yaml` is covered without anyone listing it. Starting from a body (the
//! spec's example, or a response of the fake), [`evolve`] returns one variant per change:
//!
//! - [`Evolution::UnknownEnumValue`]: an unlisted value at every enum;
//! - [`Evolution::Null`]: `null` at every optional property, present in the body or not;
//! - [`Evolution::UnknownProperty`]: an undeclared property in every object;
//! - [`Evolution::OnlyRequired`]: each object with its optional properties left out.
//!
//! An optional property the body lacks is filled in from the spec (its example, default,
//! first enum value, or a minimal value of its type) so that what is inside it is evolved
//! too. Only schemas that decode tolerantly get unknown enum values and `null`s: the ones
//! the generator lists in [`RESPONSE_ONLY_SCHEMAS`]; a schema a request shares stays strict
//! by design, so no such variant is derived for it.
//!
//! The same derivation backs [`FakeDintero::evolve_responses`], the crate's evolution test
//! suite, and services that want to check their own handling of evolved responses:
//!
//! ```
//! use dintero_client::fake::evolve::{self, Evolution};
//!
//! let example = evolve::documented_responses()
//!     .into_iter()
//!     .find(|r| r.operation_id == "aid_customers_cid_change_customer_id_post" && r.status == 200)
//!     .unwrap()
//!     .example;
//! let variants = evolve::evolve("aid_customers_cid_change_customer_id_post", 200, &example);
//! let unknown_type = variants
//!     .iter()
//!     .find(|v| v.evolution == Evolution::UnknownEnumValue && v.at == "/type")
//!     .unwrap();
//! let customer: dintero_client::types::Customer =
//!     serde_json::from_value(unknown_type.body.clone()).unwrap();
//! assert_eq!(customer.type_.as_str(), unknown_type.body["type"]);
//! ```

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::header::CONTENT_LENGTH;
use axum::middleware::Next;
use axum::response::Response;
use serde_json::{Map, Value, json};

use super::{FakeDintero, spec};
use crate::generated::RESPONSE_ONLY_SCHEMAS;

/// The value put where an enum stood, unless the enum lists it.
const UNKNOWN_VALUE: &str = "added_by_dintero_later";

/// The name of the undeclared property added to objects.
const UNKNOWN_PROPERTY: &str = "added_by_dintero_later";

/// How a body was evolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Evolution {
    /// A value the spec does not list, at an enum.
    UnknownEnumValue,
    /// `null` at an optional property (which a tolerant reader treats as absent).
    Null,
    /// A property the spec does not declare, in an object (with a nested JSON value).
    UnknownProperty,
    /// An object with only its required properties.
    OnlyRequired,
}

/// One evolved response body.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct EvolvedBody {
    /// What changed.
    pub evolution: Evolution,
    /// Where it changed: a JSON pointer into the body (`""` for the body itself).
    pub at: String,
    /// The body as a newer Dintero may send it.
    pub body: Value,
    /// What a tolerant reader makes of it: `body` without the unknown property, with the
    /// `null` property absent; otherwise `body` itself (an unknown enum value is kept).
    pub expected: Value,
}

/// A response the spec documents for an operation, with the body it starts from.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct DocumentedResponse {
    /// The operation's `operationId`.
    pub operation_id: String,
    /// The HTTP status.
    pub status: u16,
    /// JSON pointer of the body's schema in the spec (a component or an inline schema).
    pub schema: String,
    /// The schema's `example`, or a minimal body built from the schema if it has none.
    pub example: Value,
}

/// Every JSON response the spec documents, operation by operation, status by status.
pub fn documented_responses() -> Vec<DocumentedResponse> {
    let doc = spec::document();
    operations(doc)
        .into_iter()
        .flat_map(|(operation_id, pointer)| {
            let statuses = doc
                .pointer(&format!("{pointer}/responses"))
                .and_then(Value::as_object)
                .map(|r| {
                    r.keys()
                        .filter_map(|s| s.parse().ok())
                        .collect::<Vec<u16>>()
                })
                .unwrap_or_default();
            statuses.into_iter().filter_map(move |status| {
                let (schema, at) = response_schema(doc, &pointer, status)?;
                let example = Deriver::new(doc).synthesize(schema, &at)?;
                Some(DocumentedResponse {
                    operation_id: operation_id.clone(),
                    status,
                    schema: at,
                    example,
                })
            })
        })
        .collect()
}

/// The evolved variants of `body`, a response of `operation_id` with HTTP `status`;
/// empty if the spec documents no JSON body for them.
pub fn evolve(operation_id: &str, status: u16, body: &Value) -> Vec<EvolvedBody> {
    let doc = spec::document();
    let Some((_, pointer)) = operations(doc)
        .into_iter()
        .find(|(id, _)| id == operation_id)
    else {
        return Vec::new();
    };
    let Some((schema, at)) = response_schema(doc, &pointer, status) else {
        return Vec::new();
    };
    let mut deriver = Deriver::new(doc);
    deriver.walk(schema, &at, body, "");
    deriver.out
}

/// Walks a body along its schema and collects the variants.
struct Deriver<'a> {
    doc: &'a Value,
    out: Vec<EvolvedBody>,
    /// Schemas being synthesized, so that a recursive schema ends.
    synthesizing: Vec<String>,
}

impl<'a> Deriver<'a> {
    fn new(doc: &'a Value) -> Self {
        Self {
            doc,
            out: Vec::new(),
            synthesizing: Vec::new(),
        }
    }

    /// Derives the variants for the value at `at` in `base`, described by `schema`.
    fn walk(&mut self, schema: &'a Value, pointer: &str, base: &Value, at: &str) {
        let Some((schema, pointer)) = resolve(self.doc, schema, pointer) else {
            return;
        };
        // `allOf: [X]` is how OpenAPI 3.0 puts `nullable` beside a reference: X is the
        // schema. (A merge of several members is not evolved.)
        if let [member] = list(schema, "allOf") {
            self.walk(member, &format!("{pointer}/allOf/0"), base, at);
        }
        match base.pointer(at) {
            Some(Value::String(_)) if is_string_enum(schema) && tolerant(&pointer) => {
                let body = with(base, at, Value::String(unlisted(schema)));
                self.push(Evolution::UnknownEnumValue, at, body.clone(), body);
            }
            Some(Value::Object(_)) if schema.get("properties").is_some() => {
                self.object(schema, &pointer, base, at);
            }
            Some(Value::Array(items)) => {
                if let Some(item_schema) = schema.get("items") {
                    let item_pointer = format!("{pointer}/items");
                    for i in 0..items.len() {
                        self.walk(item_schema, &item_pointer, base, &join(at, &i.to_string()));
                    }
                }
            }
            _ => {}
        }
    }

    /// The variants of one object and of everything in it.
    fn object(&mut self, schema: &'a Value, pointer: &str, base: &Value, at: &str) {
        let required = required(schema);
        let tolerant = tolerant(pointer);
        let properties = schema["properties"].as_object().into_iter().flatten();
        for (name, property) in properties {
            let property_at = join(at, name);
            let property_pointer = format!("{pointer}/properties/{}", escape(name));
            let optional = !required.contains(name.as_str());
            if optional && tolerant {
                let body = with(base, &property_at, Value::Null);
                self.push(
                    Evolution::Null,
                    &property_at,
                    body,
                    without(base, &property_at),
                );
            }
            if base.pointer(&property_at).is_some() {
                self.walk(property, &property_pointer, base, &property_at);
            } else if optional && let Some(value) = self.synthesize(property, &property_pointer) {
                // Absent here, but what is inside it may evolve too.
                let grown = with(base, &property_at, value);
                self.walk(property, &property_pointer, &grown, &property_at);
            }
        }
        if tolerant || schema.get("additionalProperties") != Some(&Value::Bool(false)) {
            let value = json!({"nested": [1, "two", null, {"three": true}]});
            let body = with(base, &join(at, UNKNOWN_PROPERTY), value);
            self.push(Evolution::UnknownProperty, at, body, base.clone());
        }
        if let Some(Value::Object(object)) = base.pointer(at)
            && object.keys().any(|k| !required.contains(k.as_str()))
        {
            let kept: Map<String, Value> = object
                .iter()
                .filter(|(k, _)| required.contains(k.as_str()))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            let body = with(base, at, Value::Object(kept));
            self.push(Evolution::OnlyRequired, at, body.clone(), body);
        }
    }

    fn push(&mut self, evolution: Evolution, at: &str, body: Value, expected: Value) {
        self.out.push(EvolvedBody {
            evolution,
            at: at.to_string(),
            body,
            expected,
        });
    }

    /// A value for `schema`: its example, default or first enum value, else the smallest
    /// value of its type (an object with its required properties, a list of one item).
    fn synthesize(&mut self, schema: &'a Value, pointer: &str) -> Option<Value> {
        let (schema, pointer) = resolve(self.doc, schema, pointer)?;
        if let Some(given) = ["example", "default"].iter().find_map(|k| schema.get(*k)) {
            return Some(given.clone());
        }
        if let Some(first) = list(schema, "enum").first() {
            return Some(first.clone());
        }
        if self.synthesizing.contains(&pointer) {
            return None; // a recursive schema: stop at the first repetition
        }
        self.synthesizing.push(pointer.clone());
        let value = self.synthesize_type(schema, &pointer);
        self.synthesizing.pop();
        value
    }

    fn synthesize_type(&mut self, schema: &'a Value, pointer: &str) -> Option<Value> {
        let kind = schema.get("type").and_then(Value::as_str);
        if kind == Some("object") || schema.get("properties").is_some() {
            let mut object = Map::new();
            for name in required(schema) {
                let property = schema.get("properties")?.get(name)?;
                let at = format!("{pointer}/properties/{}", escape(name));
                object.insert(name.to_string(), self.synthesize(property, &at)?);
            }
            return Some(Value::Object(object));
        }
        if let [member] = list(schema, "allOf") {
            return self.synthesize(member, &format!("{pointer}/allOf/0"));
        }
        let format = schema.get("format").and_then(Value::as_str);
        Some(match (kind?, format) {
            ("array", _) => {
                let item = schema
                    .get("items")
                    .and_then(|items| self.synthesize(items, &format!("{pointer}/items")));
                Value::Array(item.into_iter().collect())
            }
            ("string", Some("date-time")) => json!("2024-01-31T12:00:00Z"),
            ("string", Some("date")) => json!("2024-01-31"),
            ("string", Some("uuid")) => json!("00000000-0000-4000-8000-000000000000"),
            ("string", _) => json!("string"),
            ("integer", _) => json!(0),
            ("number", _) => json!(0.5),
            ("boolean", _) => json!(false),
            _ => return None,
        })
    }
}

/// `(operationId, JSON pointer)` of every operation of the spec.
fn operations(doc: &Value) -> Vec<(String, String)> {
    let mut found = Vec::new();
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        for (method, operation) in item.as_object().into_iter().flatten() {
            if let Some(id) = operation.get("operationId").and_then(Value::as_str) {
                let pointer = format!("/paths/{}/{}", escape(path), escape(method));
                found.push((id.to_string(), pointer));
            }
        }
    }
    found
}

/// The JSON body schema of one response of an operation, and its pointer (references
/// followed: the component's pointer for `$ref: '#/components/schemas/X'`).
fn response_schema<'a>(
    doc: &'a Value,
    operation: &str,
    status: u16,
) -> Option<(&'a Value, String)> {
    let pointer = format!("{operation}/responses/{status}");
    let (response, pointer) = resolve(doc, doc.pointer(&pointer)?, &pointer)?;
    let pointer = format!("{pointer}/content/application~1json/schema");
    let schema = response.pointer("/content/application~1json/schema")?;
    resolve(doc, schema, &pointer)
}

/// Follows local `$ref`s; the target and its pointer (`pointer` itself if no `$ref`).
fn resolve<'a>(doc: &'a Value, value: &'a Value, pointer: &str) -> Option<(&'a Value, String)> {
    let (mut value, mut pointer) = (value, pointer.to_string());
    // A chain longer than the document has objects would be a loop.
    for _ in 0..64 {
        let Some(reference) = value.get("$ref").and_then(Value::as_str) else {
            return Some((value, pointer));
        };
        pointer = reference.strip_prefix('#')?.to_string();
        value = doc.pointer(&pointer)?;
    }
    None
}

/// Whether the schema at `pointer` decodes tolerantly (see [`RESPONSE_ONLY_SCHEMAS`]).
fn tolerant(pointer: &str) -> bool {
    RESPONSE_ONLY_SCHEMAS.iter().any(|root| {
        pointer
            .strip_prefix(root)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    })
}

fn is_string_enum(schema: &Value) -> bool {
    let values = list(schema, "enum");
    !values.is_empty() && values.iter().all(Value::is_string)
}

fn list<'v>(schema: &'v Value, key: &str) -> &'v [Value] {
    schema
        .get(key)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

fn required(schema: &Value) -> BTreeSet<&str> {
    list(schema, "required")
        .iter()
        .filter_map(Value::as_str)
        .collect()
}

/// [`UNKNOWN_VALUE`], made unlisted if an enum ever lists it.
fn unlisted(schema: &Value) -> String {
    let mut value = UNKNOWN_VALUE.to_string();
    while list(schema, "enum").iter().any(|v| v == value.as_str()) {
        value.push('_');
    }
    value
}

/// `base` with the value at `at` set (the parent must exist).
fn with(base: &Value, at: &str, value: Value) -> Value {
    let mut body = base.clone();
    if at.is_empty() {
        return value;
    }
    let (parent, key) = at.rsplit_once('/').expect("a JSON pointer starts with '/'");
    match body.pointer_mut(parent) {
        Some(Value::Object(map)) => {
            map.insert(unescape(key), value);
        }
        Some(Value::Array(items)) => {
            if let Some(slot) = key.parse::<usize>().ok().and_then(|i| items.get_mut(i)) {
                *slot = value;
            }
        }
        _ => {}
    }
    body
}

/// `base` without the object member at `at`.
fn without(base: &Value, at: &str) -> Value {
    let mut body = base.clone();
    if let Some((parent, key)) = at.rsplit_once('/')
        && let Some(Value::Object(map)) = body.pointer_mut(parent)
    {
        map.remove(&unescape(key));
    }
    body
}

fn join(pointer: &str, key: &str) -> String {
    format!("{pointer}/{}", escape(key))
}

fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

fn unescape(key: &str) -> String {
    key.replace("~1", "/").replace("~0", "~")
}

/// The fake's switch for evolved responses, and which variant comes next.
#[derive(Debug, Default)]
pub(crate) struct Switch {
    on: AtomicBool,
    turn: AtomicUsize,
}

/// Wraps the fake's router: with the switch on, each JSON response the spec documents is
/// replaced by one of its evolved variants, in turn.
pub(crate) fn layer(router: axum::Router, switch: Arc<Switch>) -> axum::Router {
    router.layer(axum::middleware::from_fn_with_state(
        switch,
        evolve_response,
    ))
}

async fn evolve_response(
    State(switch): State<Arc<Switch>>,
    request: Request,
    next: Next,
) -> Response {
    if !switch.on.load(Ordering::Relaxed) {
        return next.run(request).await;
    }
    let operation = operation_for(request.method().as_str(), request.uri().path());
    let response = next.run(request).await;
    let Some(operation) = operation else {
        return response;
    };
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return Response::from_parts(parts, Body::empty());
    };
    let Ok(json) = serde_json::from_slice::<Value>(&bytes) else {
        return Response::from_parts(parts, Body::from(bytes));
    };
    let variants = evolve(&operation, parts.status.as_u16(), &json);
    if variants.is_empty() {
        return Response::from_parts(parts, Body::from(bytes));
    }
    let turn = switch.turn.fetch_add(1, Ordering::Relaxed);
    let evolved = variants[turn % variants.len()].body.to_string();
    parts.headers.remove(CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(evolved))
}

/// The operationId whose path template matches the end of `path` (the fake serves under a
/// `/v1` prefix the spec's paths leave to the server URL).
fn operation_for(method: &str, path: &str) -> Option<String> {
    let doc = spec::document();
    let segments: Vec<&str> = path.split('/').collect();
    doc["paths"]
        .as_object()?
        .iter()
        .filter(|(template, _)| matches_tail(template, &segments))
        .find_map(|(_, item)| {
            item.get(method.to_ascii_lowercase())?
                .get("operationId")?
                .as_str()
                .map(str::to_string)
        })
}

fn matches_tail(template: &str, segments: &[&str]) -> bool {
    let expected: Vec<&str> = template.split('/').skip(1).collect();
    let Some(tail) = segments.len().checked_sub(expected.len()) else {
        return false;
    };
    expected
        .iter()
        .zip(&segments[tail..])
        .all(|(want, got)| want.starts_with('{') && !got.is_empty() || want == got)
}

impl FakeDintero {
    /// Sends evolved responses from now on (or stops, with `false`): each JSON response the
    /// spec documents (successes and errors) is replaced by one of its [`evolve`]d
    /// variants, taking them in turn: an unknown enum value, a `null` optional property, an
    /// undeclared property, an object with only its required properties. What the fake
    /// stores does not change. Use it to check that a service keeps working when Dintero's
    /// responses grow as APIs do without a new version.
    ///
    /// ```
    /// use dintero_client::fake::FakeDintero;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let fake = FakeDintero::start().await?;
    /// fake.seed_demo();
    /// fake.evolve_responses(true);
    /// let client = fake.demo_client()?;
    /// let customer = client.change_customer_id("crm-17", "crm-2024-17").await?;
    /// assert_eq!(customer.customer_id, "crm-2024-17");
    /// # Ok(()) }
    /// ```
    pub fn evolve_responses(&self, on: bool) {
        self.evolution.on.store(on, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointers_are_set_removed_and_escaped() {
        let base = json!({"a": {"b/c": 1}, "list": [1, 2]});
        assert_eq!(with(&base, "/a/b~1c", json!(2))["a"]["b/c"], 2);
        assert_eq!(with(&base, "/list/1", json!(9))["list"], json!([1, 9]));
        assert_eq!(with(&base, "", json!(null)), json!(null));
        assert_eq!(without(&base, "/a/b~1c")["a"], json!({}));
        assert_eq!(join("/a", "b/c"), "/a/b~1c");
    }

    #[test]
    fn tolerance_follows_the_generated_list_by_whole_segments() {
        assert!(tolerant("/components/schemas/Customer"));
        assert!(tolerant(
            "/components/schemas/Mfa/properties/oob_channels/items"
        ));
        assert!(!tolerant("/components/schemas/TokenRequest"));
        assert!(!tolerant("/components/schemas/CustomerTypeX"));
    }

    #[test]
    fn requests_are_matched_to_operations_by_template() {
        let id = |m, p| operation_for(m, p);
        assert_eq!(
            id("POST", "/v1/accounts/T12345678/auth/token").as_deref(),
            Some("aid_auths_oauth_token_post")
        );
        assert_eq!(
            id(
                "POST",
                "/v1/accounts/T1/customers/users/a%2Fb/change_customer_id"
            )
            .as_deref(),
            Some("aid_customers_cid_change_customer_id_post")
        );
        assert_eq!(id("GET", "/v1/accounts/T1/auth/token"), None);
        assert_eq!(id("POST", "/v1/accounts//auth/token"), None);
    }

    #[test]
    fn a_schema_without_example_gets_a_minimal_body() {
        let doc = json!({"components": {"schemas": {
            "Node": {"type": "object", "required": ["id", "when", "child"], "properties": {
                "id": {"type": "string", "format": "uuid"},
                "when": {"type": "string", "format": "date-time"},
                "child": {"$ref": "#/components/schemas/Node"},
                "kind": {"type": "string", "enum": ["a", "b"]},
            }},
        }}});
        let schema = json!({"$ref": "#/components/schemas/Node"});
        // The required recursion cannot end: no body.
        assert_eq!(Deriver::new(&doc).synthesize(&schema, ""), None);
        let mut doc = doc;
        doc["components"]["schemas"]["Node"]["required"] = json!(["id", "when"]);
        let body = Deriver::new(&doc).synthesize(&schema, "").unwrap();
        assert_eq!(
            body,
            json!({"id": "00000000-0000-4000-8000-000000000000", "when": "2024-01-31T12:00:00Z"})
        );
    }
}
