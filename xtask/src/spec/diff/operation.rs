//! Operation-level rules: added, removed, moved, renamed, deprecated, tags, servers, and
//! the path item around the operation; then its parameters, body and responses.

use super::endpoints::{self, Pair};
use super::rules;
use super::walk::{Differ, Node};
use super::{body, parameters, responses, security};
use crate::spec::doc::{self, Operation};

/// Keywords of an operation that the rules below (or the parts they call) compare.
const HANDLED: &[&str] = &[
    "operationId",
    "tags",
    "deprecated",
    "security",
    "servers",
    "parameters",
    "requestBody",
    "responses",
];

/// Keywords of a path item compared elsewhere (its operations and parameters).
const PATH_ITEM_HANDLED: &[&str] = &[
    "get",
    "put",
    "post",
    "delete",
    "options",
    "head",
    "patch",
    "trace",
    "parameters",
    "$ref",
    "servers",
];

/// Compares one pair of operations.
pub fn compare<'a>(d: &mut Differ<'a>, pair: &Pair<'a>) {
    match (&pair.old, &pair.new) {
        (None, Some(new)) => {
            let message = format!("operation added: {}", new.route());
            d.push(
                &rules::OPERATION_ADDED,
                None,
                None,
                Some(&new.pointer()),
                message,
            );
        }
        (Some(old), None) => {
            let message = format!("operation removed: {}", old.route());
            d.push(
                &rules::OPERATION_REMOVED,
                None,
                Some(&old.pointer()),
                None,
                message,
            );
        }
        (Some(old), Some(new)) => both(d, old, new),
        (None, None) => {}
    }
}

fn both<'a>(d: &mut Differ<'a>, old: &Operation<'a>, new: &Operation<'a>) {
    let (op, np) = (old.pointer(), new.pointer());
    identity(d, old, new);
    path_item(d, old, new);
    if old.value.get("deprecated") != new.value.get("deprecated") {
        let now = new.value.get("deprecated").and_then(|v| v.as_bool()) == Some(true);
        let (rule, message) = if now {
            (&rules::OPERATION_DEPRECATED, "operation deprecated")
        } else {
            (
                &rules::OPERATION_REACTIVATED,
                "operation no longer deprecated",
            )
        };
        d.push_pair(rule, None, &op, &np, message);
    }
    for (key, rule) in [
        ("tags", &rules::TAGS_CHANGED),
        ("servers", &rules::SERVERS_CHANGED),
    ] {
        if old.value.get(key) != new.value.get(key) {
            d.push_pair(rule, None, &op, &np, format!("operation {key} changed"));
        }
    }
    security::operation(d, old, new);
    let (old_node, new_node) = (Node::new(old.value, &op), Node::new(new.value, &np));
    d.rest(
        None,
        (&old_node.entries(), &op),
        (&new_node.entries(), &np),
        HANDLED,
    );
    parameters::compare(d, old, new);
    body::request_body(d, &old_node, &new_node);
    responses::compare(d, &old_node, &new_node);
}

/// The endpoint and the operationId.
fn identity(d: &mut Differ<'_>, old: &Operation<'_>, new: &Operation<'_>) {
    let (op, np) = (old.pointer(), new.pointer());
    let same_endpoint =
        old.method == new.method && endpoints::template(old.path) == endpoints::template(new.path);
    if !same_endpoint {
        let message = format!("moved from {} to {}", old.route(), new.route());
        d.push_pair(&rules::OPERATION_MOVED, None, &op, &np, message);
    } else {
        let names = endpoints::path_names(old.path)
            .into_iter()
            .zip(endpoints::path_names(new.path));
        for (was, is) in names.filter(|(a, b)| a != b) {
            let message =
                format!("path parameter `{was}` is now `{is}` (the URL on the wire is the same)");
            d.push_pair(&rules::PATH_PARAMETER_RENAMED, None, &op, &np, message);
        }
    }
    if old.id() != new.id() {
        let message = format!(
            "operationId changed from {} to {} (the client method is renamed)",
            old.id().unwrap_or("none"),
            new.id().unwrap_or("none")
        );
        d.push_pair(&rules::OPERATION_ID_CHANGED, None, &op, &np, message);
    }
}

/// What the path item around the operation says besides its operations.
fn path_item(d: &mut Differ<'_>, old: &Operation<'_>, new: &Operation<'_>) {
    let (op, np) = (doc::join("/paths", old.path), doc::join("/paths", new.path));
    if old.path_item.get("servers") != new.path_item.get("servers") {
        d.push_pair(
            &rules::SERVERS_CHANGED,
            None,
            &op,
            &np,
            "path servers changed",
        );
    }
    let (old_node, new_node) = (Node::new(old.path_item, &op), Node::new(new.path_item, &np));
    d.rest(
        None,
        (&old_node.entries(), &op),
        (&new_node.entries(), &np),
        PATH_ITEM_HANDLED,
    );
}
