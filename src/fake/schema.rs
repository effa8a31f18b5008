//! OpenAPI 3.0 Schema Objects as JSON Schema (draft 4), for the contract checks.
//!
//! OpenAPI 3.0 schemas are a dialect of JSON Schema draft 4 ("Wright-00"): the one keyword
//! a draft-4 validator would misread is `nullable`, which widens `type` to also allow `null`.
//! Everything else (`example`, `readOnly`, `description`) is an annotation that a validator
//! ignores. [`relaxed`] then derives the tolerant reading of a response schema: what a
//! client must still decode after Dintero evolved a response additively.

use serde_json::{Map, Value, json};

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
    if out.remove("nullable") != Some(Value::Bool(true)) {
        return Value::Object(out);
    }
    match out.get_mut("type") {
        Some(Value::String(t)) => {
            let t = std::mem::take(t);
            out.insert("type".into(), json!([t, "null"]));
            if let Some(Value::Array(values)) = out.get_mut("enum") {
                values.push(Value::Null);
            }
            Value::Object(out)
        }
        // Without a `type`, `nullable` can only widen the whole schema.
        _ => json!({"anyOf": [{"type": "null"}, Value::Object(out)]}),
    }
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
    let string_enum = out
        .get("enum")
        .and_then(Value::as_array)
        .is_some_and(|values| values.iter().any(Value::is_string));
    if string_enum {
        out.remove("enum");
    }
    if out.get("additionalProperties") == Some(&Value::Bool(false)) {
        out.remove("additionalProperties");
    }
    let required: Vec<Value> = out
        .get("required")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if let Some(Value::Object(properties)) = out.get_mut("properties") {
        for (name, property) in properties.iter_mut() {
            if !required.contains(&Value::String(name.clone())) {
                let strict = std::mem::take(property);
                *property = json!({"anyOf": [{"type": "null"}, strict]});
            }
        }
    }
    Value::Object(out)
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

/// Every schema of `components/schemas`, passed through `transform`.
pub(crate) fn components(document: &Value, transform: impl Fn(&Value) -> Value) -> Value {
    let schemas: Map<String, Value> = document["components"]["schemas"]
        .as_object()
        .map(|schemas| {
            schemas
                .iter()
                .map(|(name, schema)| (name.clone(), transform(schema)))
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
            },
        });
        let relaxed = relaxed(&schema);
        assert_eq!(relaxed["properties"]["kind"], json!({"type": "string"}));
        assert_eq!(
            relaxed["properties"]["note"],
            json!({"anyOf": [{"type": "null"}, {"type": "string"}]})
        );
        assert!(relaxed.get("additionalProperties").is_none());
        assert_eq!(relaxed["required"], json!(["kind"]));
    }
}
