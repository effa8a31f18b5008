//! OpenAPI 3.0 Schema Objects as JSON Schema (draft 4), for the contract checks.
//!
//! OpenAPI 3.0 schemas are a dialect of JSON Schema draft 4 ("Wright-00"): the one keyword
//! a draft-4 validator would misread is `nullable`, which widens `type` to also allow `null`.
//! Everything else (`example`, `readOnly`, `description`) is an annotation that a validator
//! ignores. [`relaxed`] then derives the tolerant reading of a response schema: what a
//! client must still decode after Dintero evolved a response additively. It applies to
//! exactly the schemas the generator decodes tolerantly ([`tolerant`]).

use std::collections::BTreeSet;

use serde_json::{Map, Value, json};

use super::spec;
use crate::generated::RESPONSE_ONLY_SCHEMAS;

/// The keywords whose value is one subschema.
const ONE_SCHEMA: [&str; 3] = ["items", "not", "additionalProperties"];
/// The keywords whose value is a list of subschemas.
const SCHEMA_LISTS: [&str; 3] = ["allOf", "anyOf", "oneOf"];

/// `schema` with every `nullable: true` written as JSON Schema: `null` added to `type` (and
/// to `enum`), or, beside a bare `allOf`/`$ref`, as `anyOf: [{type: null}, schema]`.
pub(crate) fn to_json_schema(schema: &Value) -> Value {
    let Value::Object(map) = schema else {
        return schema.clone();
    };
    let mut out = map_subschemas(map, to_json_schema);
    if out.remove("nullable") == Some(Value::Bool(true)) {
        or_null(out)
    } else {
        Value::Object(out)
    }
}

/// `schema` widened to also allow `null`: `null` added to its `type` (and to its `enum`),
/// so a value that breaks a rule is still reported by that rule (`pattern`, `format`), or,
/// without a `type`, as `anyOf: [{type: null}, schema]`.
fn or_null(mut schema: Map<String, Value>) -> Value {
    let mut types = match schema.get("type") {
        Some(Value::String(t)) => vec![json!(t)],
        Some(Value::Array(types)) => types.clone(),
        // Without a `type` (a bare `allOf`/`$ref`), only the whole schema can be widened.
        _ => return json!({"anyOf": [{"type": "null"}, Value::Object(schema)]}),
    };
    if !types.contains(&json!("null")) {
        types.push(json!("null"));
    }
    schema.insert("type".into(), Value::Array(types));
    if let Some(Value::Array(values)) = schema.get_mut("enum")
        && !values.contains(&Value::Null)
    {
        values.push(Value::Null);
    }
    Value::Object(schema)
}

/// The additive evolutions of `schema` a tolerant reader accepts: an unknown property in
/// any object, `null` for any optional property, any string where an enum of strings stood.
/// Required properties stay required and types stay types, so a body that is wrong in a
/// breaking way still fails. Expects a schema already passed through [`to_json_schema`].
pub(crate) fn relaxed(schema: &Value) -> Value {
    let Value::Object(map) = schema else {
        return schema.clone();
    };
    let mut out = map_subschemas(map, relaxed);
    if is_string_enum(schema) {
        out.remove("enum");
    }
    if out.get("additionalProperties") == Some(&Value::Bool(false)) {
        out.remove("additionalProperties");
    }
    let required = required(schema);
    if let Some(Value::Object(properties)) = out.get_mut("properties") {
        for (name, property) in properties.iter_mut() {
            if let Value::Object(strict) = property
                && !required.contains(name.as_str())
            {
                *property = or_null(std::mem::take(strict));
            }
        }
    }
    Value::Object(out)
}

/// Whether `schema` is an enum of strings (an unknown string may take a listed one's place).
/// A nullable one lists `null` too.
pub(crate) fn is_string_enum(schema: &Value) -> bool {
    list(schema, "enum").iter().any(Value::is_string)
}

/// The names of the properties `schema` requires.
pub(crate) fn required(schema: &Value) -> BTreeSet<&str> {
    list(schema, "required")
        .iter()
        .filter_map(Value::as_str)
        .collect()
}

/// The list under `key` of a schema object (`enum`, `required`, `allOf`), empty if none.
pub(crate) fn list<'v>(schema: &'v Value, key: &str) -> &'v [Value] {
    schema
        .get(key)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

/// Whether the schema at `pointer` (into the spec) is read tolerantly: one of the generated
/// [`RESPONSE_ONLY_SCHEMAS`] or nested in one, by whole pointer segments. That list is the
/// generator's own decision (`dintero_codegen::tolerant::response_only_schemas`), so the
/// client's types, the evolved responses and their contract check cannot disagree on it.
pub(crate) fn tolerant(pointer: &str) -> bool {
    RESPONSE_ONLY_SCHEMAS.iter().any(|root| {
        pointer
            .strip_prefix(root)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    })
}

/// The schema at `pointer` as a tolerant client reads it: [`relaxed`] where it is
/// [`tolerant`], otherwise as written (a schema a request shares stays strict).
pub(crate) fn tolerant_reading(pointer: &str, schema: &Value) -> Value {
    let schema = to_json_schema(schema);
    if tolerant(pointer) {
        relaxed(&schema)
    } else {
        schema
    }
}

/// A copy of a schema object with `transform` applied to each direct subschema.
fn map_subschemas(map: &Map<String, Value>, transform: fn(&Value) -> Value) -> Map<String, Value> {
    let mut out = map.clone();
    if let Some(Value::Object(properties)) = out.get_mut("properties") {
        for property in properties.values_mut() {
            *property = transform(property);
        }
    }
    for keyword in ONE_SCHEMA {
        if let Some(sub @ Value::Object(_)) = out.get_mut(keyword) {
            *sub = transform(sub);
        }
    }
    for keyword in SCHEMA_LISTS {
        if let Some(Value::Array(list)) = out.get_mut(keyword) {
            for sub in list {
                *sub = transform(sub);
            }
        }
    }
    out
}

/// Every schema of `components/schemas`, passed through `transform` with its pointer.
pub(crate) fn components(document: &Value, transform: impl Fn(&str, &Value) -> Value) -> Value {
    let schemas: Map<String, Value> = document["components"]["schemas"]
        .as_object()
        .map(|schemas| {
            schemas
                .iter()
                .map(|(name, schema)| {
                    let pointer = spec::join("/components/schemas", name);
                    (name.clone(), transform(&pointer, schema))
                })
                .collect()
        })
        .unwrap_or_default();
    json!({"schemas": schemas})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nullable_widens_the_type_and_the_enum() {
        let schema = json!({"type": "string", "nullable": true, "enum": ["a"], "example": "a"});
        assert_eq!(
            to_json_schema(&schema),
            json!({"type": ["string", "null"], "enum": ["a", null], "example": "a"})
        );
    }

    #[test]
    fn nullable_beside_all_of_allows_null_or_the_schema() {
        let schema = json!({"nullable": true, "allOf": [{"$ref": "#/x"}]});
        assert_eq!(
            to_json_schema(&schema),
            json!({"anyOf": [{"type": "null"}, {"allOf": [{"$ref": "#/x"}]}]})
        );
    }

    #[test]
    fn nested_subschemas_are_converted_and_a_property_named_nullable_is_kept() {
        let schema = json!({
            "type": "object",
            "properties": {"nullable": {"type": "boolean"}, "a": {"type": "array",
                "items": {"type": "integer", "nullable": true}}},
        });
        let converted = to_json_schema(&schema);
        assert_eq!(
            converted["properties"]["nullable"],
            json!({"type": "boolean"})
        );
        assert_eq!(
            converted["properties"]["a"]["items"]["type"],
            json!(["integer", "null"])
        );
    }

    #[test]
    fn relaxed_opens_enums_and_optional_properties_but_keeps_required_ones() {
        let schema = json!({
            "type": "object",
            "required": ["kind"],
            "additionalProperties": false,
            "properties": {
                "kind": {"type": "string", "enum": ["a", "b"]},
                "note": {"type": "string"},
                "phone": {"type": "string", "nullable": true, "pattern": "^[0-9]+$"},
                "link": {"$ref": "#/components/schemas/Link"},
            },
        });
        let relaxed = relaxed(&to_json_schema(&schema));
        assert_eq!(relaxed["properties"]["kind"], json!({"type": "string"}));
        assert_eq!(
            relaxed["properties"]["note"],
            json!({"type": ["string", "null"]})
        );
        // Still its own rule, so a broken value is reported by it, not as "none of anyOf".
        assert_eq!(
            relaxed["properties"]["phone"],
            json!({"type": ["string", "null"], "pattern": "^[0-9]+$"})
        );
        assert_eq!(
            relaxed["properties"]["link"],
            json!({"anyOf": [{"type": "null"}, {"$ref": "#/components/schemas/Link"}]})
        );
        assert!(relaxed.get("additionalProperties").is_none());
        assert_eq!(relaxed["required"], json!(["kind"]));
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
    fn only_tolerant_schemas_are_read_relaxed() {
        let doc = spec::document();
        let reading = |name: &str| {
            let pointer = format!("/components/schemas/{name}");
            let schema = doc.pointer(&pointer).unwrap();
            (tolerant_reading(&pointer, schema), to_json_schema(schema))
        };
        // A request's schema keeps its closed enum.
        let (read, strict) = reading("TokenRequest");
        assert_eq!(read, strict);
        assert!(read["properties"]["grant_type"]["enum"].is_array());
        // A response-only one is relaxed.
        let (read, strict) = reading("CustomerType");
        assert_ne!(read, strict);
        assert!(read.get("enum").is_none());
    }
}
