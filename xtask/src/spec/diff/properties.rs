//! Object properties, `required`, and `additionalProperties`.

use std::collections::BTreeSet;

use serde_json::Value;

use super::report::Side;
use super::rules::{self, Rule};
use super::schema::{self, Ctx, Pair};
use super::walk::{Differ, Node, View, show};
use crate::spec::doc;

fn required_names(view: &View<'_>) -> BTreeSet<String> {
    let list = view.get("required").and_then(Value::as_array);
    list.into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_string)
        .collect()
}

fn property<'a>(view: &View<'a>, name: &str) -> Option<Node<'a>> {
    view.node("properties")?.child(name)
}

/// Where a property is (or would be) written.
fn property_pointer(view: &View<'_>, name: &str) -> String {
    doc::join(&doc::join(view.holder("properties"), "properties"), name)
}

/// Compares the properties of a pair of object schemas.
pub fn compare<'a>(d: &mut Differ<'a>, ctx: Ctx, pair: &Pair<'_, 'a>) {
    let (old_req, new_req) = (required_names(pair.old), required_names(pair.new));
    let keys = |v: &View<'a>| -> BTreeSet<String> {
        let props = v.get("properties").and_then(Value::as_object);
        props.into_iter().flat_map(|m| m.keys().cloned()).collect()
    };
    let names: BTreeSet<String> = keys(pair.old)
        .into_iter()
        .chain(keys(pair.new))
        .chain(old_req.iter().cloned())
        .chain(new_req.iter().cloned())
        .collect();
    for name in &names {
        let (was, is) = (old_req.contains(name), new_req.contains(name));
        let (op, np) = (
            property_pointer(pair.old, name),
            property_pointer(pair.new, name),
        );
        match (property(pair.old, name), property(pair.new, name)) {
            (Some(_), None) => removed(d, ctx, name, was, &op),
            (None, Some(_)) => added(d, ctx, pair, name, is, &np),
            (Some(a), Some(b)) => {
                requiredness(d, ctx, name, (was, is), (&op, &np));
                schema::compare(d, ctx.property(was), a, b);
            }
            // Declared elsewhere (another allOf part): only `required` can change here.
            (None, None) => requiredness(
                d,
                ctx,
                name,
                (was, is),
                (pair.old.pointer(), pair.new.pointer()),
            ),
        }
    }
    additional(d, ctx, pair);
}

fn kind(required: bool) -> &'static str {
    if required { "required" } else { "optional" }
}

fn removed(d: &mut Differ<'_>, ctx: Ctx, name: &str, was: bool, at: &str) {
    let rule = ctx.pick(
        &rules::REQUEST_PROPERTY_REMOVED,
        &rules::RESPONSE_PROPERTY_REMOVED,
    );
    let message = format!("{} property `{name}` removed", kind(was));
    d.push(rule, Some(ctx.side), Some(at), None, message);
}

fn added(d: &mut Differ<'_>, ctx: Ctx, pair: &Pair<'_, '_>, name: &str, is: bool, at: &str) {
    let closed = pair.old.get("additionalProperties") == Some(&Value::Bool(false));
    let (rule, why): (&'static Rule, &str) = match ctx.side {
        Side::Request if is => (&rules::REQUEST_PROPERTY_ADDED_REQUIRED, ""),
        Side::Request => (&rules::REQUEST_PROPERTY_ADDED_OPTIONAL, ""),
        Side::Response if closed => (
            &rules::RESPONSE_PROPERTY_ADDED_TO_CLOSED_OBJECT,
            " (OLD forbids additional properties: clients reject it)",
        ),
        Side::Response => (&rules::RESPONSE_PROPERTY_ADDED, ""),
    };
    let message = format!("{} property `{name}` added{why}", kind(is));
    d.push(rule, Some(ctx.side), None, Some(at), message);
}

fn requiredness(
    d: &mut Differ<'_>,
    ctx: Ctx,
    name: &str,
    (was, is): (bool, bool),
    (op, np): (&str, &str),
) {
    let (rule, message): (&'static Rule, &str) = match (ctx.side, was, is) {
        (_, a, b) if a == b => return,
        (Side::Request, _, true) => (&rules::REQUEST_PROPERTY_BECAME_REQUIRED, "is now required"),
        (Side::Request, _, false) => (
            &rules::REQUEST_PROPERTY_BECAME_OPTIONAL,
            "is no longer required",
        ),
        (Side::Response, _, true) => (
            &rules::RESPONSE_PROPERTY_BECAME_REQUIRED,
            "is now always present",
        ),
        (Side::Response, _, false) => (
            &rules::RESPONSE_PROPERTY_BECAME_OPTIONAL,
            "is no longer required (it may be absent)",
        ),
    };
    d.push_pair(
        rule,
        Some(ctx.side),
        op,
        np,
        format!("property `{name}` {message}"),
    );
}

/// How much `additionalProperties` allows: 2 anything (absent or `true`), 1 values of a
/// schema, 0 nothing.
fn openness(value: Option<&Value>) -> u8 {
    match value {
        None | Some(Value::Bool(true)) => 2,
        Some(Value::Bool(false)) => 0,
        Some(_) => 1,
    }
}

fn additional<'a>(d: &mut Differ<'a>, ctx: Ctx, pair: &Pair<'_, 'a>) {
    let key = "additionalProperties";
    let (a, b) = (pair.old.node(key), pair.new.node(key));
    if let (Some(a), Some(b)) = (&a, &b)
        && a.value.is_object()
        && b.value.is_object()
    {
        return schema::compare(d, ctx.nested(), a.clone(), b.clone());
    }
    let (was, is) = (
        openness(a.as_ref().map(|n| n.value)),
        openness(b.as_ref().map(|n| n.value)),
    );
    if was == is {
        return;
    }
    let rule = match (ctx.side, is < was) {
        (Side::Request, true) => &rules::REQUEST_ADDITIONAL_PROPERTIES_NARROWED,
        (Side::Request, false) => &rules::REQUEST_ADDITIONAL_PROPERTIES_WIDENED,
        (Side::Response, true) => &rules::RESPONSE_ADDITIONAL_PROPERTIES_NARROWED,
        (Side::Response, false) => &rules::RESPONSE_ADDITIONAL_PROPERTIES_WIDENED,
    };
    let message = format!(
        "{key} changed from {} to {}",
        show(a.as_ref().map(|n| n.value)),
        show(b.as_ref().map(|n| n.value))
    );
    pair.push(d, rule, ctx, key, message);
}
