//! `allOf`, `anyOf`, `oneOf` and `discriminator`.
//!
//! Subschemas are matched by content, not by position or list length: first those that
//! name the same component or are written identically, then the rest by how many property
//! names they share (a lone leftover on each side is the same subschema, changed). Matched
//! subschemas are compared; the others are reported added or removed.

use std::collections::BTreeSet;

use serde_json::Value;

use super::report::Side;
use super::rules::{self, Rule};
use super::schema::{self, Ctx, Pair};
use super::walk::{COMPOSITIONS, Differ, Node, Which};

/// Compares the composition keywords and discriminators of a pair of schemas.
pub fn compare<'a>(d: &mut Differ<'a>, ctx: Ctx, pair: &Pair<'_, 'a>) {
    for keyword in COMPOSITIONS {
        let (old, new) = (pair.old.list(keyword), pair.new.list(keyword));
        if old.is_empty() && new.is_empty() {
            continue;
        }
        let (matched, removed, added) = match_lists(d, old, new);
        for (o, n) in matched {
            schema::compare(d, ctx.nested(), o, n);
        }
        let [add_rule, remove_rule] = list_rules(ctx.side, keyword);
        for node in removed {
            let message = format!("`{keyword}` subschema removed: {}", label(&node));
            d.push(
                remove_rule,
                Some(ctx.side),
                Some(&node.pointer),
                None,
                message,
            );
        }
        for node in added {
            let message = format!("`{keyword}` subschema added: {}", label(&node));
            d.push(add_rule, Some(ctx.side), None, Some(&node.pointer), message);
        }
    }
    let (a, b) = pair.get("discriminator");
    if a != b {
        let rule = ctx.pick(
            &rules::REQUEST_DISCRIMINATOR_CHANGED,
            &rules::RESPONSE_DISCRIMINATOR_CHANGED,
        );
        let message = format!(
            "discriminator changed from {} to {}",
            a.map_or("none".to_string(), Value::to_string),
            b.map_or("none".to_string(), Value::to_string)
        );
        pair.push(d, rule, ctx, "discriminator", message);
    }
}

/// (added, removed) rules for a keyword on a side.
fn list_rules(side: Side, keyword: &str) -> [&'static Rule; 2] {
    match (side, keyword) {
        (Side::Request, "allOf") => [&rules::REQUEST_ALL_OF_ADDED, &rules::REQUEST_ALL_OF_REMOVED],
        (Side::Request, _) => [
            &rules::REQUEST_ALTERNATIVE_ADDED,
            &rules::REQUEST_ALTERNATIVE_REMOVED,
        ],
        (Side::Response, "allOf") => [
            &rules::RESPONSE_ALL_OF_ADDED,
            &rules::RESPONSE_ALL_OF_REMOVED,
        ],
        (Side::Response, _) => [
            &rules::RESPONSE_ALTERNATIVE_ADDED,
            &rules::RESPONSE_ALTERNATIVE_REMOVED,
        ],
    }
}

/// A subschema as the report names it: its `$ref`, or its title, or "inline schema".
fn label(node: &Node<'_>) -> String {
    let text = |k: &str| node.value.get(k).and_then(Value::as_str);
    match (text("$ref"), text("title")) {
        (Some(reference), _) => reference.to_string(),
        (None, Some(title)) => format!("`{title}`"),
        (None, None) => "inline schema".to_string(),
    }
}

/// What makes two subschemas the same one: the component they name, or their text.
fn identity(node: &Node<'_>) -> String {
    match node.value.get("$ref").and_then(Value::as_str) {
        Some(reference) => reference.to_string(),
        None => node.value.to_string(),
    }
}

/// The most (old, new) subschema pairs weighed by shared property names, per list.
const MAX_SIMILARITY_PAIRS: usize = 10_000;

type Matched<'a> = (Vec<(Node<'a>, Node<'a>)>, Vec<Node<'a>>, Vec<Node<'a>>);

/// Pairs subschemas of OLD and NEW; returns (pairs, only in OLD, only in NEW).
fn match_lists<'a>(d: &mut Differ<'a>, old: Vec<Node<'a>>, new: Vec<Node<'a>>) -> Matched<'a> {
    let mut new: Vec<Option<Node<'a>>> = new.into_iter().map(Some).collect();
    let mut pairs = Vec::new();
    let mut rest = Vec::new();
    for o in old {
        let id = identity(&o);
        let found = new
            .iter_mut()
            .find(|n| n.as_ref().is_some_and(|n| identity(n) == id));
        match found.and_then(Option::take) {
            Some(n) => pairs.push((o, n)),
            None => rest.push(o),
        }
    }
    let mut new: Vec<Node<'a>> = new.into_iter().flatten().collect();
    let mut removed = Vec::new();
    let lone = rest.len() == 1 && new.len() == 1;
    if rest.len() * new.len() > MAX_SIMILARITY_PAIRS {
        // Too many to weigh one by one: what is left is removed and added.
        return (pairs, rest, new);
    }
    for o in rest {
        let names = property_names(d, Which::Old, &o);
        let best = new
            .iter()
            .enumerate()
            .map(|(i, n)| {
                (
                    i,
                    names
                        .intersection(&property_names(d, Which::New, n))
                        .count(),
                )
            })
            .max_by_key(|(_, shared)| *shared)
            .filter(|(_, shared)| *shared > 0 || lone);
        match best {
            Some((i, _)) => pairs.push((o, new.remove(i))),
            None => removed.push(o),
        }
    }
    (pairs, removed, new)
}

/// The property names a subschema declares (through its `$ref`s).
fn property_names<'a>(d: &mut Differ<'a>, which: Which, node: &Node<'a>) -> BTreeSet<String> {
    let Some(view) = d.view(which, node, None) else {
        return BTreeSet::new();
    };
    let props = view.get("properties").and_then(Value::as_object);
    props.into_iter().flat_map(|m| m.keys().cloned()).collect()
}
