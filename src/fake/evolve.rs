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
//! the generator lists in [`RESPONSE_ONLY_SCHEMAS`](crate::generated::RESPONSE_ONLY_SCHEMAS);
//! a schema a request shares stays strict by design, so no such variant is derived for it.
//!
//! The same derivation backs [`FakeDintero::evolve_responses`](super::FakeDintero::evolve_responses)
//! (whose responses the fake checks against the spec read the same tolerant way), the
//! crate's evolution test suite, and services that want to check their own handling of
//! evolved responses:
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

use serde_json::{Map, Value, json};

use super::schema::{is_string_enum, list, required, tolerant};
use super::spec::{self, join, resolve, unescape};

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
    spec::operations(doc)
        .flat_map(|operation| {
            let statuses: Vec<u16> = operation.value["responses"]
                .as_object()
                .into_iter()
                .flatten()
                .filter_map(|(status, _)| status.parse().ok())
                .collect();
            statuses.into_iter().filter_map(move |status| {
                let (schema, at) = response_schema(doc, &operation.pointer, status)?;
                let example = Deriver::new(doc).synthesize(schema, &at)?;
                Some(DocumentedResponse {
                    operation_id: operation.id.to_string(),
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
    let Some(operation) = spec::operations(doc).find(|o| o.id == operation_id) else {
        return Vec::new();
    };
    let Some((schema, at)) = response_schema(doc, &operation.pointer, status) else {
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
        let (schema, pointer) = resolve(self.doc, schema, pointer);
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
            let property_pointer = join(&join(pointer, "properties"), name);
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
        let (schema, pointer) = resolve(self.doc, schema, pointer);
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
                let at = join(&join(pointer, "properties"), name);
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

/// The JSON body schema of one response of an operation, and its pointer (references
/// followed: the component's pointer for `$ref: '#/components/schemas/X'`).
fn response_schema<'a>(
    doc: &'a Value,
    operation: &str,
    status: u16,
) -> Option<(&'a Value, String)> {
    let pointer = join(&join(operation, "responses"), &status.to_string());
    let (response, pointer) = resolve(doc, doc.pointer(&pointer)?, &pointer);
    let pointer = join(&join(&pointer, "content"), "application/json");
    let schema = response
        .get("content")?
        .get("application/json")?
        .get("schema")?;
    Some(resolve(doc, schema, &join(&pointer, "schema")))
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

/// The fake's switch for evolved responses, and the turn of the next one.
#[derive(Debug, Default)]
pub(crate) struct Switch {
    on: bool,
    turn: usize,
}

impl Switch {
    pub(crate) fn set(&mut self, on: bool) {
        self.on = on;
    }

    /// The turn of the next evolved response, counted; `None` while the switch is off.
    pub(crate) fn take_turn(&mut self) -> Option<usize> {
        if !self.on {
            return None;
        }
        let turn = self.turn;
        self.turn = turn.wrapping_add(1);
        Some(turn)
    }
}

/// The `turn`th variant (in a cycle) of the JSON response `body` of `operation_id` with
/// `status`, as bytes; `None` when there is none (the spec documents no JSON body for it).
/// Taking the variants in turn, a run of calls meets every kind of evolution.
pub(crate) fn variant(
    operation_id: &str,
    status: u16,
    body: &[u8],
    turn: usize,
) -> Option<Vec<u8>> {
    let body: Value = serde_json::from_slice(body).ok()?;
    let variants = evolve(operation_id, status, &body);
    let chosen = variants.get(turn % variants.len().max(1))?;
    Some(serde_json::to_vec(&chosen.body).expect("a JSON value serializes"))
}

#[cfg(test)]
mod tests {
    use axum::http::header::CONTENT_TYPE;
    use axum::http::{HeaderMap, HeaderValue, StatusCode};

    use super::*;
    use crate::fake::Operation;
    use crate::fake::contract::{Reading, contract};

    /// The derivation and the contract's tolerant reading agree: every variant of every
    /// documented response meets the spec read with the additive changes allowed, and the
    /// unknown enum values break it read strictly (so this check has teeth).
    #[test]
    fn every_variant_meets_the_evolved_reading_of_the_spec() {
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        headers.insert("retry-after", HeaderValue::from_static("1"));
        let operations = [
            Operation::Token,
            Operation::ChangeCustomerId,
            Operation::ChangeUsername,
        ];
        let (mut checked, mut unknown_values) = (0, 0);
        for response in documented_responses() {
            let operation = operations
                .into_iter()
                .find(|o| o.operation_id() == Some(response.operation_id.as_str()))
                .expect("an operation of the fake");
            let status = StatusCode::from_u16(response.status).unwrap();
            let check = |body: &Value, reading| {
                let bytes = body.to_string();
                contract().check_response(operation, status, &headers, bytes.as_bytes(), reading)
            };
            for variant in evolve(&response.operation_id, response.status, &response.example) {
                let label = format!(
                    "{} {} {:?} at {}",
                    response.operation_id, response.status, variant.evolution, variant.at
                );
                assert_eq!(check(&variant.body, Reading::Evolved), Ok(()), "{label}");
                if variant.evolution == Evolution::UnknownEnumValue {
                    assert!(check(&variant.body, Reading::Strict).is_err(), "{label}");
                    unknown_values += 1;
                }
                checked += 1;
            }
        }
        assert!(
            checked > 100 && unknown_values >= 2,
            "{checked} {unknown_values}"
        );
    }

    #[test]
    fn pointers_are_set_removed_and_escaped() {
        let base = json!({"a": {"b/c": 1}, "list": [1, 2]});
        assert_eq!(with(&base, "/a/b~1c", json!(2))["a"]["b/c"], 2);
        assert_eq!(with(&base, "/list/1", json!(9))["list"], json!([1, 9]));
        assert_eq!(with(&base, "", json!(null)), json!(null));
        assert_eq!(without(&base, "/a/b~1c")["a"], json!({}));
    }

    #[test]
    fn the_switch_counts_turns_only_while_on() {
        let mut switch = Switch::default();
        assert_eq!(switch.take_turn(), None);
        switch.set(true);
        assert_eq!([switch.take_turn(), switch.take_turn()], [Some(0), Some(1)]);
        switch.set(false);
        assert_eq!(switch.take_turn(), None);
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
