//! Document-level rules: `openapi`, `info`, `servers`, global security, tags, security
//! schemes, and (with `--all`) components no operation uses.

use std::collections::BTreeSet;

use serde_json::Value;

use super::endpoints::Pair;
use super::rules;
use super::security;
use super::walk::{Differ, entries, show};
use crate::spec::doc;

/// Top-level keywords compared below or by the operations.
const HANDLED: &[&str] = &[
    "openapi",
    "info",
    "servers",
    "security",
    "tags",
    "paths",
    "components",
];

/// Compares what the documents say outside their operations. `all` is whether every
/// operation is compared (then tags and unused components are too).
pub fn compare<'a>(d: &mut Differ<'a>, pairs: &[Pair<'a>], all: bool) {
    d.begin(None);
    if d.old.get("openapi") != d.new.get("openapi") {
        let (a, b) = (d.old.get("openapi"), d.new.get("openapi"));
        let message = format!("openapi version changed from {} to {}", show(a), show(b));
        d.push_pair(&rules::INFO_CHANGED, None, "/openapi", "/openapi", message);
    }
    info(d);
    if d.old.get("servers") != d.new.get("servers") {
        d.push_pair(
            &rules::SERVERS_CHANGED,
            None,
            "/servers",
            "/servers",
            "servers changed",
        );
    }
    if all && d.old.get("tags") != d.new.get("tags") {
        d.push_pair(
            &rules::TAGS_CHANGED,
            None,
            "/tags",
            "/tags",
            "document tags changed",
        );
    }
    security::global(d);
    let scope = (!all).then(|| {
        let ops = |side: fn(&Pair<'a>) -> Option<doc::Operation<'a>>| -> Vec<doc::Operation<'a>> {
            pairs.iter().filter_map(side).collect()
        };
        let mut used = security::used_schemes(d.old, &ops(|p| p.old));
        used.extend(security::used_schemes(d.new, &ops(|p| p.new)));
        used
    });
    security::schemes(d, scope.as_ref());
    if all {
        unreferenced(d);
    }
    let (old, new) = (entries(d.old), entries(d.new));
    d.rest(None, (&old, ""), (&new, ""), HANDLED);
}

/// `info`: its description is documentation, its extensions are extensions, and the rest
/// (title, version, contact, license) has a rule of its own.
fn info(d: &mut Differ<'_>) {
    let empty = Value::Null;
    let (old, new) = (
        entries(d.old.get("info").unwrap_or(&empty)),
        entries(d.new.get("info").unwrap_or(&empty)),
    );
    let keys: BTreeSet<&str> = old.keys().chain(new.keys()).copied().collect();
    let mut changed = Vec::new();
    for key in keys {
        if old.get(key) == new.get(key) || key == "description" || key.starts_with("x-") {
            continue;
        }
        changed.push(key);
    }
    if !changed.is_empty() {
        let message = format!("info changed: {}", changed.join(", "));
        d.push_pair(&rules::INFO_CHANGED, None, "/info", "/info", message);
    }
    let others = |k: &&str| *k != "description" && !k.starts_with("x-");
    let handled: Vec<&str> = old
        .keys()
        .chain(new.keys())
        .copied()
        .filter(others)
        .collect();
    d.rest(None, (&old, "/info"), (&new, "/info"), &handled);
}

/// Components (other than security schemes) that no operation reaches, in either document.
fn unreferenced(d: &mut Differ<'_>) {
    let reached = |doc: &Value| doc::reachable_components(doc, &doc::path_roots(doc));
    let (old_used, new_used) = (reached(d.old), reached(d.new));
    let all = |doc: &Value| -> BTreeSet<String> {
        let kinds = doc.get("components").map(entries).unwrap_or_default();
        kinds
            .into_iter()
            .filter(|(kind, _)| *kind != "securitySchemes")
            .flat_map(|(kind, map)| {
                entries(map)
                    .into_keys()
                    .map(move |name| doc::join(&doc::join("/components", kind), name))
            })
            .collect()
    };
    let names: BTreeSet<String> = all(d.old).union(&all(d.new)).cloned().collect();
    for pointer in names {
        if old_used.contains(&pointer) || new_used.contains(&pointer) {
            continue;
        }
        let (a, b) = (d.old.pointer(&pointer), d.new.pointer(&pointer));
        if a == b {
            continue;
        }
        let how = match (a, b) {
            (None, _) => "added",
            (_, None) => "removed",
            _ => "changed",
        };
        let message = format!("unused component {pointer} {how}");
        let (op, np) = (a.map(|_| pointer.as_str()), b.map(|_| pointer.as_str()));
        d.push(
            &rules::UNREFERENCED_COMPONENT_CHANGED,
            None,
            op,
            np,
            message,
        );
    }
}
