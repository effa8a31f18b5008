//! Responses: status codes, their media types and their headers.
//!
//! A success status added or removed breaks an old client: the generated client turns any
//! status its spec does not list into an unexpected-response error.

use std::collections::BTreeSet;

use super::body;
use super::presence::{self, FlagRules};
use super::report::Side;
use super::rules;
use super::schema::{self, Ctx};
use super::walk::{Differ, Node, Which};

/// Keywords of a response compared below.
const RESPONSE_HANDLED: &[&str] = &["content", "headers"];
/// Keywords of a header compared below.
const HEADER_HANDLED: &[&str] = &["required", "deprecated", "schema"];

const SIDE: Option<Side> = Some(Side::Response);

const FLAGS: FlagRules = FlagRules {
    became_required: &rules::RESPONSE_HEADER_BECAME_REQUIRED,
    became_optional: &rules::RESPONSE_HEADER_BECAME_OPTIONAL,
    deprecation: &rules::RESPONSE_PROPERTY_DEPRECATION_CHANGED,
};

/// `200`, `2XX`: a success status (`default` is not).
fn success(status: &str) -> bool {
    status.starts_with('2')
}

/// Compares the responses of two operations.
pub fn compare<'a>(d: &mut Differ<'a>, old_op: &Node<'a>, new_op: &Node<'a>) {
    let (old, new) = (old_op.child("responses"), new_op.child("responses"));
    let statuses = |r: &Option<Node<'a>>| -> BTreeSet<&'a str> {
        r.as_ref()
            .map(|r| r.entries().into_keys().collect())
            .unwrap_or_default()
    };
    let all: BTreeSet<&str> = statuses(&old).union(&statuses(&new)).copied().collect();
    for status in all {
        let listed_o = old.as_ref().and_then(|r| r.child(status));
        let listed_n = new.as_ref().and_then(|r| r.child(status));
        let o = listed_o.as_ref().and_then(|o| d.resolve(Which::Old, o));
        let n = listed_n.as_ref().and_then(|n| d.resolve(Which::New, n));
        let (added, removed) = if success(status) {
            (
                &rules::RESPONSE_SUCCESS_STATUS_ADDED,
                &rules::RESPONSE_SUCCESS_STATUS_REMOVED,
            )
        } else {
            (
                &rules::RESPONSE_ERROR_STATUS_ADDED,
                &rules::RESPONSE_ERROR_STATUS_REMOVED,
            )
        };
        match (o, n) {
            (None, Some(_)) => {
                let message = format!("response {status} added");
                let at = listed_n.map(|n| n.pointer);
                d.push(added, SIDE, None, at.as_deref(), message);
            }
            (Some(_), None) => {
                let message = format!("response {status} removed");
                let at = listed_o.map(|o| o.pointer);
                d.push(removed, SIDE, at.as_deref(), None, message);
            }
            (Some(o), Some(n)) => {
                let (op, np) = (o.pointer.as_str(), n.pointer.as_str());
                d.rest(
                    SIDE,
                    (&o.entries(), op),
                    (&n.entries(), np),
                    RESPONSE_HANDLED,
                );
                headers(d, &o, &n);
                body::content(d, Side::Response, &o, &n);
            }
            (None, None) => {}
        }
    }
}

/// The headers of a response by lower-case name.
fn header_names<'a>(response: &Node<'a>) -> Vec<(String, Node<'a>)> {
    let Some(headers) = response.child("headers") else {
        return Vec::new();
    };
    headers
        .entries()
        .into_keys()
        .filter_map(|name| Some((name.to_ascii_lowercase(), headers.child(name)?)))
        .collect()
}

/// Compares the headers of two responses.
fn headers<'a>(d: &mut Differ<'a>, old: &Node<'a>, new: &Node<'a>) {
    let (old_h, new_h) = (header_names(old), header_names(new));
    let find = |list: &[(String, Node<'a>)], name: &str| {
        list.iter()
            .find(|(n, _)| n == name)
            .map(|(_, node)| node.clone())
    };
    let names: BTreeSet<&String> = old_h.iter().chain(&new_h).map(|(n, _)| n).collect();
    for name in names {
        let o = find(&old_h, name).and_then(|o| d.resolve(Which::Old, &o));
        let n = find(&new_h, name).and_then(|n| d.resolve(Which::New, &n));
        match (o, n) {
            (Some(o), None) => {
                let message = format!("header `{name}` removed");
                d.push(
                    &rules::RESPONSE_HEADER_REMOVED,
                    SIDE,
                    Some(&o.pointer),
                    None,
                    message,
                );
            }
            (None, Some(n)) => {
                let message = format!("header `{name}` added");
                d.push(
                    &rules::RESPONSE_HEADER_ADDED,
                    SIDE,
                    None,
                    Some(&n.pointer),
                    message,
                );
            }
            (Some(o), Some(n)) => header(d, name, &o, &n),
            (None, None) => {}
        }
    }
}

fn header<'a>(d: &mut Differ<'a>, name: &str, old: &Node<'a>, new: &Node<'a>) {
    let (op, np) = (old.pointer.as_str(), new.pointer.as_str());
    presence::compare(
        d,
        Side::Response,
        &format!("header `{name}`"),
        (old, new),
        &FLAGS,
    );
    d.rest(
        SIDE,
        (&old.entries(), op),
        (&new.entries(), np),
        HEADER_HANDLED,
    );
    match (old.child("schema"), new.child("schema")) {
        (Some(o), Some(n)) => schema::compare(d, Ctx::root(Side::Response), o, n),
        (None, None) => {}
        _ => {
            let message = format!("header `{name}` schema added or removed");
            d.push_pair(&rules::RESPONSE_TYPE_CHANGED, SIDE, op, np, message);
        }
    }
}
