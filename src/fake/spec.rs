//! The crate's own OpenAPI document, embedded at build time, and the few ways the fake walks
//! it: its operations, its `$ref`s, JSON pointers into it.
//!
//! `build.rs` writes `openapi/dintero.yaml` as JSON into `OUT_DIR`, exactly as written (no
//! schema relaxed), so the fake judges requests and responses by the contract itself rather
//! than by the client's code. The contract checks and the evolved responses both walk it
//! with the functions here, so a `$ref` is followed, and a pointer written, one way.

use std::sync::LazyLock;

use serde_json::Value;

/// The spec's text as JSON.
const SPEC_JSON: &str = include_str!(concat!(env!("OUT_DIR"), "/dintero.spec.json"));

static DOCUMENT: LazyLock<Value> =
    LazyLock::new(|| serde_json::from_str(SPEC_JSON).expect("build.rs wrote valid JSON"));

/// `openapi/dintero.yaml` as a JSON tree, parsed once.
pub(crate) fn document() -> &'static Value {
    &DOCUMENT
}

/// One operation of a spec document.
pub(crate) struct SpecOperation<'a> {
    /// Its `operationId`.
    pub(crate) id: &'a str,
    /// JSON pointer of the Operation Object (`/paths/~1accounts~1.../post`).
    pub(crate) pointer: String,
    /// The Operation Object.
    pub(crate) value: &'a Value,
}

/// Every operation of `document` that has an `operationId` (progenitor requires one).
pub(crate) fn operations(document: &Value) -> impl Iterator<Item = SpecOperation<'_>> {
    document["paths"]
        .as_object()
        .into_iter()
        .flatten()
        .flat_map(|(path, item)| {
            let path = join("/paths", path);
            item.as_object()
                .into_iter()
                .flatten()
                .filter_map(move |(method, value)| {
                    Some(SpecOperation {
                        id: value.get("operationId")?.as_str()?,
                        pointer: join(&path, method),
                        value,
                    })
                })
        })
}

/// Follows the local `$ref`s of `value` (which stands at `pointer`): the object they lead
/// to and its pointer, or `value` and `pointer` themselves when there is no reference or it
/// leads nowhere (a schema compiler then reports it).
pub(crate) fn resolve<'a>(
    document: &'a Value,
    value: &'a Value,
    pointer: &str,
) -> (&'a Value, String) {
    let (mut found, mut at) = (value, pointer.to_string());
    // A chain longer than this is a loop: no spec nests references that deep.
    for _ in 0..64 {
        let Some(target) = found
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix('#'))
        else {
            return (found, at);
        };
        let Some(next) = document.pointer(target) else {
            break;
        };
        (found, at) = (next, target.to_string());
    }
    (value, pointer.to_string())
}

/// `pointer` with one more segment, escaped (`/a` and `b/c` give `/a/b~1c`).
pub(crate) fn join(pointer: &str, key: &str) -> String {
    format!("{pointer}/{}", key.replace('~', "~0").replace('/', "~1"))
}

/// One segment of a JSON pointer as the key it stands for (`b~1c` is `b/c`).
pub(crate) fn unescape(segment: &str) -> String {
    segment.replace("~1", "/").replace("~0", "~")
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn the_embedded_spec_is_the_repository_spec() {
        let doc = document();
        assert!(
            doc["openapi"]
                .as_str()
                .is_some_and(|v| v.starts_with("3.0."))
        );
        assert!(doc["paths"]["/accounts/{aid}/auth/token"]["post"].is_object());
    }

    #[test]
    fn every_operation_is_found_with_its_pointer() {
        let found: Vec<(&str, String)> =
            operations(document()).map(|o| (o.id, o.pointer)).collect();
        assert_eq!(found.len(), 3, "{found:?}");
        let (_, pointer) = found
            .iter()
            .find(|(id, _)| *id == "aid_auths_oauth_token_post")
            .unwrap();
        assert_eq!(pointer, "/paths/~1accounts~1{aid}~1auth~1token/post");
        assert!(document().pointer(pointer).is_some());
    }

    #[test]
    fn references_are_followed_to_their_target_and_pointer() {
        let doc = json!({
            "a": {"$ref": "#/b"},
            "b": {"$ref": "#/c"},
            "c": {"type": "string"},
            "loop": {"$ref": "#/loop"},
            "dangling": {"$ref": "#/nowhere"},
        });
        assert_eq!(
            resolve(&doc, &doc["a"], "/a"),
            (&json!({"type": "string"}), "/c".to_string())
        );
        assert_eq!(resolve(&doc, &doc["c"], "/c").1, "/c");
        assert_eq!(resolve(&doc, &doc["loop"], "/loop").1, "/loop");
        assert_eq!(resolve(&doc, &doc["dangling"], "/dangling").1, "/dangling");
    }

    #[test]
    fn pointer_segments_are_escaped_and_unescaped() {
        assert_eq!(join("/a", "b/c~d"), "/a/b~1c~0d");
        assert_eq!(unescape("b~1c~0d"), "b/c~d");
        assert_eq!(unescape("~01"), "~1");
    }
}
