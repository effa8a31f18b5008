//! Parameters: added, removed, required, deprecated, serialization, default, and their
//! schemas (compared on the request side).
//!
//! Path parameters are matched by their place in the path template, so a renamed one is
//! the same parameter (its new name is reported once, by the operation). Header names are
//! case-insensitive.

use std::collections::BTreeMap;

use serde_json::Value;

use super::endpoints;
use super::presence::{self, FlagRules, required};
use super::report::Side;
use super::rules;
use super::schema::{self, Ctx};
use super::walk::{Differ, Node, Which, show};
use crate::spec::doc::Operation;

/// Keywords of a parameter compared below.
const HANDLED: &[&str] = &[
    "name",
    "in",
    "required",
    "deprecated",
    "schema",
    "style",
    "explode",
    "allowReserved",
    "allowEmptyValue",
    "content",
];

/// Keywords that change how a parameter is written on the wire.
const SERIALIZATION: &[&str] = &[
    "style",
    "explode",
    "allowReserved",
    "allowEmptyValue",
    "content",
];

const SIDE: Option<Side> = Some(Side::Request);

const FLAGS: FlagRules = FlagRules {
    became_required: &rules::REQUEST_PARAMETER_BECAME_REQUIRED,
    became_optional: &rules::REQUEST_PARAMETER_BECAME_OPTIONAL,
    deprecation: &rules::REQUEST_PARAMETER_DEPRECATION_CHANGED,
};

/// Compares the effective parameters of two operations.
pub fn compare<'a>(d: &mut Differ<'a>, old: &Operation<'a>, new: &Operation<'a>) {
    let (old_params, new_params) = (index(d, Which::Old, old), index(d, Which::New, new));
    let keys: Vec<&String> = old_params
        .keys()
        .chain(new_params.keys().filter(|k| !old_params.contains_key(*k)))
        .collect();
    for key in keys {
        match (old_params.get(key), new_params.get(key)) {
            (Some(o), None) => {
                let message = format!("{} removed", describe(o.value));
                d.push(
                    &rules::REQUEST_PARAMETER_REMOVED,
                    SIDE,
                    Some(&o.pointer),
                    None,
                    message,
                );
            }
            (None, Some(n)) => {
                let rule = if required(n.value) {
                    &rules::REQUEST_PARAMETER_ADDED_REQUIRED
                } else {
                    &rules::REQUEST_PARAMETER_ADDED_OPTIONAL
                };
                let message = format!("{} added", describe(n.value));
                d.push(rule, SIDE, None, Some(&n.pointer), message);
            }
            (Some(o), Some(n)) => both(d, o, n),
            (None, None) => {}
        }
    }
}

/// The resolved parameters of an operation by match key, operation-level ones overriding
/// path-level ones.
fn index<'a>(d: &mut Differ<'a>, which: Which, op: &Operation<'a>) -> BTreeMap<String, Node<'a>> {
    let positions = endpoints::path_names(op.path);
    let mut map = BTreeMap::new();
    for (pointer, param) in op.parameters() {
        let Some(resolved) = d.resolve(which, &Node::new(param, pointer)) else {
            continue;
        };
        let field = |k: &str| resolved.value.get(k).and_then(Value::as_str).unwrap_or("");
        let (location, name) = (field("in"), field("name"));
        let key = match location {
            "path" => match positions.iter().position(|p| *p == name) {
                Some(at) => format!("path #{at}"),
                None => format!("path {name}"),
            },
            "header" => format!("header {}", name.to_ascii_lowercase()),
            _ => format!("{location} {name}"),
        };
        map.insert(key, resolved);
    }
    map
}

/// A serialization keyword with OpenAPI 3.0's default filled in (`style` by location,
/// `explode` true for `form`), so writing the default out is no change.
fn effective(param: &Value, key: &str) -> Option<Value> {
    let location = param.get("in").and_then(Value::as_str).unwrap_or("query");
    let default_style = if matches!(location, "path" | "header") {
        "simple"
    } else {
        "form"
    };
    let style = param
        .get("style")
        .and_then(Value::as_str)
        .unwrap_or(default_style);
    match (key, param.get(key)) {
        (_, Some(value)) => Some(value.clone()),
        ("style", None) => Some(Value::from(style)),
        ("explode", None) => Some(Value::Bool(style == "form")),
        ("allowReserved" | "allowEmptyValue", None) => Some(Value::Bool(false)),
        _ => None,
    }
}

/// `required query parameter `limit``.
fn describe(param: &Value) -> String {
    let field = |k: &str| param.get(k).and_then(Value::as_str).unwrap_or("?");
    let kind = if required(param) {
        "required"
    } else {
        "optional"
    };
    format!("{kind} {} parameter `{}`", field("in"), field("name"))
}

fn both<'a>(d: &mut Differ<'a>, old: &Node<'a>, new: &Node<'a>) {
    let (op, np) = (old.pointer.as_str(), new.pointer.as_str());
    let name = new.value.get("name").and_then(Value::as_str).unwrap_or("?");
    let what = format!("parameter `{name}`");
    presence::compare(d, Side::Request, &what, (old, new), &FLAGS);
    for key in SERIALIZATION {
        let (a, b) = (effective(old.value, key), effective(new.value, key));
        if a != b {
            let message = format!(
                "parameter `{name}` {key}: {} → {}",
                show(a.as_ref()),
                show(b.as_ref())
            );
            d.push_pair(
                &rules::REQUEST_PARAMETER_SERIALIZATION_CHANGED,
                SIDE,
                op,
                np,
                message,
            );
        }
    }
    d.rest(SIDE, (&old.entries(), op), (&new.entries(), np), HANDLED);
    if let (Some(o), Some(n)) = (old.child("schema"), new.child("schema")) {
        default(d, name, &o, &n);
        schema::compare(d, Ctx::parameter(), o, n);
    } else if old.value.get("schema").is_some() != new.value.get("schema").is_some() {
        let message = format!("parameter `{name}` schema added or removed");
        d.push_pair(&rules::REQUEST_TYPE_CHANGED, SIDE, op, np, message);
    }
}

/// The default a client that omits the parameter gets.
fn default<'a>(d: &mut Differ<'a>, name: &str, old: &Node<'a>, new: &Node<'a>) {
    let (Some(o), Some(n)) = (d.view(Which::Old, old, None), d.view(Which::New, new, None)) else {
        return;
    };
    if o.get("default") != n.get("default") {
        let message = format!(
            "parameter `{name}` default: {} → {}",
            show(o.get("default")),
            show(n.get("default"))
        );
        let (op, np) = (o.pointer().to_string(), n.pointer().to_string());
        d.push_pair(
            &rules::REQUEST_PARAMETER_DEFAULT_CHANGED,
            SIDE,
            &op,
            &np,
            message,
        );
    }
}
