//! Security: requirements (per operation and document-wide), their scopes, and the
//! schemes of `components.securitySchemes`.
//!
//! A requirement names schemes; requirements are matched by what those schemes *are*
//! (type, scheme, location, name), not by their names, so a scheme that only got another
//! name (`clientAuth` for `basicAuth`) is not a removed requirement.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::rules::{self, Rule};
use super::walk::{Differ, Node, Which, entries, show};
use crate::spec::doc::{self, Operation};

/// Keywords that say how credentials are sent.
const DEFINING: &[&str] = &[
    "type",
    "scheme",
    "in",
    "name",
    "bearerFormat",
    "openIdConnectUrl",
];

/// The four rules of a requirement list: added, removed, scope added, scope removed.
type RequirementRules = [&'static Rule; 4];

const OPERATION_RULES: RequirementRules = [
    &rules::SECURITY_REQUIREMENT_ADDED,
    &rules::SECURITY_REQUIREMENT_REMOVED,
    &rules::SECURITY_SCOPE_ADDED,
    &rules::SECURITY_SCOPE_REMOVED,
];

const GLOBAL_RULES: RequirementRules = [
    &rules::GLOBAL_SECURITY_REQUIREMENT_ADDED,
    &rules::GLOBAL_SECURITY_REQUIREMENT_REMOVED,
    &rules::GLOBAL_SECURITY_SCOPE_ADDED,
    &rules::GLOBAL_SECURITY_SCOPE_REMOVED,
];

/// What a scheme is, without its name or documentation.
fn fingerprint(doc: &Value, name: &str) -> String {
    let pointer = format!("/components/securitySchemes/{}", doc::escape(name));
    match doc.pointer(&pointer) {
        Some(scheme) => {
            let defining: BTreeMap<&str, &Value> = entries(scheme)
                .into_iter()
                .filter(|(k, _)| DEFINING.contains(k))
                .collect();
            serde_json::to_string(&defining).unwrap_or_default()
        }
        None => format!("undefined scheme `{name}`"),
    }
}

/// One requirement: each scheme's fingerprint with its name and scopes.
type Requirement = BTreeMap<String, (String, BTreeSet<String>)>;

fn requirements(doc: &Value, list: Option<&Value>) -> Vec<Requirement> {
    let list = list
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    list.iter()
        .map(|requirement| {
            entries(requirement)
                .into_iter()
                .map(|(name, scopes)| {
                    let scopes = scopes.as_array().into_iter().flatten();
                    let scopes = scopes
                        .filter_map(Value::as_str)
                        .map(str::to_string)
                        .collect();
                    (fingerprint(doc, name), (name.to_string(), scopes))
                })
                .collect()
        })
        .collect()
}

fn names(requirement: &Requirement) -> String {
    let names: Vec<&str> = requirement
        .values()
        .map(|(name, _)| name.as_str())
        .collect();
    if names.is_empty() {
        "{} (no authentication)".to_string()
    } else {
        names.join(" + ")
    }
}

/// Compares two requirement lists (alternatives) found at the given pointers.
fn compare_lists(
    d: &mut Differ<'_>,
    rules: RequirementRules,
    (old, op): (Option<&Value>, &str),
    (new, np): (Option<&Value>, &str),
) {
    let [added, removed, scope_added, scope_removed] = rules;
    let (old, new) = (requirements(d.old, old), requirements(d.new, new));
    // Matched by what the schemes are, then (for a scheme whose definition changed, which
    // its own rule reports) by their names.
    let shape = |r: &Requirement| r.keys().cloned().collect::<Vec<_>>();
    let named = |r: &Requirement| r.values().map(|(n, _)| n.clone()).collect::<Vec<_>>();
    let mut unmatched: Vec<&Requirement> = new.iter().collect();
    let mut pairs = Vec::new();
    let mut gone = Vec::new();
    for o in &old {
        match unmatched.iter().position(|n| shape(n) == shape(o)) {
            Some(i) => pairs.push((o, unmatched.remove(i))),
            None => gone.push(o),
        }
    }
    for o in gone {
        match unmatched.iter().position(|n| named(n) == named(o)) {
            Some(i) => pairs.push((o, unmatched.remove(i))),
            None => {
                let message = format!("security requirement {} removed", names(o));
                d.push_pair(removed, None, op, np, message);
            }
        }
    }
    for (o, n) in pairs {
        for (key, (name, was)) in o {
            let is = n
                .get(key)
                .or_else(|| n.values().find(|(other, _)| other == name));
            let Some((_, is)) = is else {
                continue;
            };
            for scope in is.difference(was) {
                let message = format!("scope `{scope}` now needed with `{name}`");
                d.push_pair(scope_added, None, op, np, message);
            }
            for scope in was.difference(is) {
                let message = format!("scope `{scope}` no longer needed with `{name}`");
                d.push_pair(scope_removed, None, op, np, message);
            }
        }
    }
    for n in unmatched {
        let message = format!("security requirement {} added", names(n));
        d.push_pair(added, None, op, np, message);
    }
}

/// The security of an operation, where either side declares its own.
pub fn operation(d: &mut Differ<'_>, old: &Operation<'_>, new: &Operation<'_>) {
    let (o, n) = (old.value.get("security"), new.value.get("security"));
    if o.is_none() && n.is_none() {
        return; // Both inherit the document's, compared once for the document.
    }
    let (o, n) = (
        o.or_else(|| d.old.get("security")),
        n.or_else(|| d.new.get("security")),
    );
    let (op, np) = (
        doc::join(&old.pointer(), "security"),
        doc::join(&new.pointer(), "security"),
    );
    compare_lists(d, OPERATION_RULES, (o, &op), (n, &np));
}

/// The document-level security.
pub fn global(d: &mut Differ<'_>) {
    let (o, n) = (d.old.get("security"), d.new.get("security"));
    compare_lists(d, GLOBAL_RULES, (o, "/security"), (n, "/security"));
}

/// The schemes the operations and the document name, in both documents.
pub fn used_schemes(doc: &Value, operations: &[Operation<'_>]) -> BTreeSet<String> {
    let lists = operations
        .iter()
        .filter_map(|op| op.value.get("security"))
        .chain(doc.get("security"));
    lists
        .flat_map(|list| list.as_array().into_iter().flatten())
        .flat_map(|requirement| entries(requirement).into_keys())
        .map(str::to_string)
        .collect()
}

/// Compares the schemes named in `scope` (all of them for `None`).
pub fn schemes(d: &mut Differ<'_>, scope: Option<&BTreeSet<String>>) {
    let base = "/components/securitySchemes";
    let all = |doc: &Value| -> BTreeSet<String> {
        doc.pointer(base)
            .map(entries)
            .unwrap_or_default()
            .into_keys()
            .map(str::to_string)
            .collect()
    };
    let (old_names, new_names) = (all(d.old), all(d.new));
    let in_scope = |name: &String| scope.is_none_or(|s| s.contains(name));
    let only_old: Vec<&String> = old_names
        .difference(&new_names)
        .filter(|n| in_scope(n))
        .collect();
    let only_new: Vec<&String> = new_names
        .difference(&old_names)
        .filter(|n| in_scope(n))
        .collect();
    for name in old_names.intersection(&new_names).filter(|n| in_scope(n)) {
        let pointer = doc::join(base, name);
        scheme(d, name, &pointer);
    }
    for name in &only_old {
        let (op, print) = (doc::join(base, name), fingerprint(d.old, name));
        match only_new.iter().find(|n| fingerprint(d.new, n) == print) {
            Some(renamed) => {
                let np = doc::join(base, renamed);
                let message = format!("security scheme `{name}` is now `{renamed}`");
                d.push_pair(&rules::SECURITY_SCHEME_RENAMED, None, &op, &np, message);
            }
            None => {
                let message = format!("security scheme `{name}` removed");
                d.push(
                    &rules::SECURITY_SCHEME_REMOVED,
                    None,
                    Some(&op),
                    None,
                    message,
                );
            }
        }
    }
    for name in &only_new {
        let print = fingerprint(d.new, name);
        if only_old.iter().any(|o| fingerprint(d.old, o) == print) {
            continue;
        }
        let message = format!("security scheme `{name}` added");
        let np = doc::join(base, name);
        d.push(
            &rules::SECURITY_SCHEME_ADDED,
            None,
            None,
            Some(&np),
            message,
        );
    }
}

/// One scheme present in both documents under the same name.
fn scheme(d: &mut Differ<'_>, name: &str, pointer: &str) {
    let (Some(old), Some(new)) = (d.old.pointer(pointer), d.new.pointer(pointer)) else {
        return;
    };
    let (old, new) = (Node::new(old, pointer), Node::new(new, pointer));
    let (Some(old), Some(new)) = (d.resolve(Which::Old, &old), d.resolve(Which::New, &new)) else {
        return;
    };
    for key in DEFINING {
        let (a, b) = (old.value.get(*key), new.value.get(*key));
        if a != b {
            let message = format!("security scheme `{name}` {key}: {} → {}", show(a), show(b));
            d.push_pair(
                &rules::SECURITY_SCHEME_CHANGED,
                None,
                &old.pointer,
                &new.pointer,
                message,
            );
        }
    }
    if old.value.get("flows") != new.value.get("flows") {
        let message = format!("security scheme `{name}` flows changed");
        d.push_pair(
            &rules::SECURITY_SCHEME_FLOWS_CHANGED,
            None,
            &old.pointer,
            &new.pointer,
            message,
        );
    }
    let mut handled = DEFINING.to_vec();
    handled.push("flows");
    d.rest(
        None,
        (&old.entries(), &old.pointer),
        (&new.entries(), &new.pointer),
        &handled,
    );
}
