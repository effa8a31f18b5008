//! Walks a JSON Schema (as OpenAPI 3.0 writes it) and every schema nested in it.
//!
//! The spec transforms act on each schema of a tree the same way (drop a constraint, mark an
//! enum), so they share this one walker instead of each recursing on its own.

use serde_json::Value;

/// Keywords whose value is one subschema.
const ONE: [&str; 3] = ["items", "additionalProperties", "not"];
/// Keywords whose value is a list of subschemas.
const LISTS: [&str; 3] = ["allOf", "anyOf", "oneOf"];

/// Calls `visit` on `schema`, then on every schema nested in it, parents first.
///
/// `$ref`s are not followed: a referenced component is its own tree, and whether it is
/// visited is the caller's decision (it may be shared with requests).
pub(crate) fn visit_mut(schema: &mut Value, visit: &mut dyn FnMut(&mut Value)) {
    if !schema.is_object() {
        return; // `additionalProperties: true` and the like are not schemas to change.
    }
    visit(schema);
    let Some(map) = schema.as_object_mut() else {
        return;
    };
    for key in ONE {
        if let Some(child) = map.get_mut(key) {
            visit_mut(child, visit);
        }
    }
    for key in LISTS {
        for child in map
            .get_mut(key)
            .and_then(Value::as_array_mut)
            .into_iter()
            .flatten()
        {
            visit_mut(child, visit);
        }
    }
    for child in map
        .get_mut("properties")
        .and_then(Value::as_object_mut)
        .into_iter()
        .flat_map(|p| p.values_mut())
    {
        visit_mut(child, visit);
    }
}

/// Whether `schema` is an enumeration of strings (what typify turns into a Rust enum).
pub(crate) fn is_string_enum(schema: &Value) -> bool {
    schema
        .get("enum")
        .and_then(Value::as_array)
        .is_some_and(|values| !values.is_empty() && values.iter().all(Value::is_string))
}

/// Whether `schema` declares an object with named properties (what typify turns into a
/// struct). A free-form object (`additionalProperties` only) becomes a map instead.
pub(crate) fn is_struct(schema: &Value) -> bool {
    schema.get("properties").is_some_and(Value::is_object)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn visits_every_nested_schema_once_parents_first() {
        let mut schema = json!({
            "properties": {
                "a": {"type": "string"},
                "b": {"type": "array", "items": {"enum": ["x"]}},
                "c": {"additionalProperties": {"type": "integer"}},
                "d": {"allOf": [{"$ref": "#/components/schemas/D"}]},
                "e": {"additionalProperties": true},
            },
        });
        let mut seen = 0;
        visit_mut(&mut schema, &mut |s| {
            seen += 1;
            s["seen"] = json!(seen);
        });
        // Root, five properties, the items, the map values and the allOf member.
        assert_eq!(seen, 9);
        assert_eq!(schema["seen"], 1);
        assert!(schema["properties"]["b"]["items"]["seen"].is_number());
        assert!(schema["properties"]["c"]["additionalProperties"]["seen"].is_number());
        assert!(schema["properties"]["d"]["allOf"][0]["seen"].is_number());
        assert_eq!(schema["properties"]["e"]["additionalProperties"], true);
    }

    #[test]
    fn string_enums_and_structs_are_recognised() {
        assert!(is_string_enum(
            &json!({"type": "string", "enum": ["a", "b"]})
        ));
        assert!(!is_string_enum(&json!({"type": "integer", "enum": [1, 2]})));
        assert!(!is_string_enum(&json!({"type": "string"})));
        assert!(is_struct(&json!({"type": "object", "properties": {}})));
        assert!(!is_struct(
            &json!({"type": "object", "additionalProperties": true})
        ));
    }
}
