//! Constants generated beside the client, for the hand-written layer, the fake and tests.

use std::collections::BTreeSet;

use openapiv3::OpenAPI;

/// `OPERATION_PATHS`: each operation's path template, by operationId, so the hooks can
/// check that a request reaches the path it was built for (URL parsing turns a `.` or `..`
/// path parameter, or one with a `\`, into a different path).
pub(crate) fn operation_paths(spec: &OpenAPI) -> String {
    let entries: String = spec
        .operations()
        .filter_map(|(path, _, operation)| {
            let id = operation.operation_id.as_deref()?;
            Some(format!("({id:?}, {path:?}),"))
        })
        .collect();
    format!(
        "/// The path template of every operation of the spec, by operationId.\n\
         pub const OPERATION_PATHS: &[(&str, &str)] = &[{entries}];"
    )
}

/// `RESPONSE_ONLY_SCHEMAS`: the one decision of which schemas decode tolerantly (see
/// `tolerant.rs`), exported so that the fake's evolved responses and the tests apply the
/// very same set instead of a rule of their own.
pub(crate) fn response_only_schemas(pointers: &BTreeSet<String>) -> String {
    let entries: String = pointers.iter().map(|p| format!("{p:?},")).collect();
    format!(
        "/// JSON pointers (into `openapi/dintero.yaml`) of the schemas reached only from \
         responses, which decode tolerantly: open enums, `null` read as absent, unknown \
         properties ignored, string patterns and lengths not enforced. A schema nested in one of them is \
         tolerant too.\n\
         pub const RESPONSE_ONLY_SCHEMAS: &[&str] = &[{entries}];"
    )
}
