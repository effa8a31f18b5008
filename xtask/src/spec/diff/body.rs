//! Request bodies, and the media types (`content`) of request bodies and responses.

use std::collections::BTreeSet;

use serde_json::Value;

use super::report::Side;
use super::rules::{self, Rule};
use super::schema::{self, Ctx};
use super::walk::{Differ, Node, Which};

/// Keywords of a request body compared below.
const BODY_HANDLED: &[&str] = &["required", "content"];
/// Keywords of a media type object compared below.
const MEDIA_HANDLED: &[&str] = &["schema"];

const SIDE: Option<Side> = Some(Side::Request);

fn required(body: &Value) -> bool {
    body.get("required").and_then(Value::as_bool) == Some(true)
}

/// Compares the request bodies of two operations.
pub fn request_body<'a>(d: &mut Differ<'a>, old_op: &Node<'a>, new_op: &Node<'a>) {
    let old = old_op
        .child("requestBody")
        .and_then(|b| d.resolve(Which::Old, &b));
    let new = new_op
        .child("requestBody")
        .and_then(|b| d.resolve(Which::New, &b));
    match (old, new) {
        (None, Some(n)) => {
            let (rule, kind) = if required(n.value) {
                (&rules::REQUEST_BODY_ADDED_REQUIRED, "required")
            } else {
                (&rules::REQUEST_BODY_ADDED_OPTIONAL, "optional")
            };
            let message = format!("{kind} request body added");
            d.push(rule, SIDE, None, Some(&n.pointer), message);
        }
        (Some(o), None) => {
            d.push(
                &rules::REQUEST_BODY_REMOVED,
                SIDE,
                Some(&o.pointer),
                None,
                "request body removed",
            );
        }
        (Some(o), Some(n)) => {
            let (op, np) = (o.pointer.as_str(), n.pointer.as_str());
            match (required(o.value), required(n.value)) {
                (false, true) => d.push_pair(
                    &rules::REQUEST_BODY_BECAME_REQUIRED,
                    SIDE,
                    op,
                    np,
                    "request body is now required",
                ),
                (true, false) => d.push_pair(
                    &rules::REQUEST_BODY_BECAME_OPTIONAL,
                    SIDE,
                    op,
                    np,
                    "request body is no longer required",
                ),
                _ => {}
            }
            d.rest(SIDE, (&o.entries(), op), (&n.entries(), np), BODY_HANDLED);
            content(d, Side::Request, &o, &n);
        }
        (None, None) => {}
    }
}

/// The rules for media types on one side: added, removed, schema added, schema removed.
fn media_rules(side: Side) -> [&'static Rule; 4] {
    match side {
        Side::Request => [
            &rules::REQUEST_MEDIA_TYPE_ADDED,
            &rules::REQUEST_MEDIA_TYPE_REMOVED,
            &rules::REQUEST_MEDIA_TYPE_SCHEMA_ADDED,
            &rules::REQUEST_MEDIA_TYPE_SCHEMA_REMOVED,
        ],
        Side::Response => [
            &rules::RESPONSE_MEDIA_TYPE_ADDED,
            &rules::RESPONSE_MEDIA_TYPE_REMOVED,
            &rules::RESPONSE_MEDIA_TYPE_SCHEMA_ADDED,
            &rules::RESPONSE_MEDIA_TYPE_SCHEMA_REMOVED,
        ],
    }
}

/// Compares the media types of a request body or a response.
pub fn content<'a>(d: &mut Differ<'a>, side: Side, old: &Node<'a>, new: &Node<'a>) {
    let (old_c, new_c) = (old.child("content"), new.child("content"));
    let types = |c: &Option<Node<'a>>| -> BTreeSet<&'a str> {
        c.as_ref()
            .map(|c| c.entries().into_keys().collect())
            .unwrap_or_default()
    };
    let all: BTreeSet<&str> = types(&old_c).union(&types(&new_c)).copied().collect();
    let [added, removed, schema_added, schema_removed] = media_rules(side);
    for media in all {
        let o = old_c.as_ref().and_then(|c| c.child(media));
        let n = new_c.as_ref().and_then(|c| c.child(media));
        match (o, n) {
            (Some(o), None) => {
                let message = format!("media type {media} removed");
                d.push(removed, Some(side), Some(&o.pointer), None, message);
            }
            (None, Some(n)) => {
                let message = format!("media type {media} added");
                d.push(added, Some(side), None, Some(&n.pointer), message);
            }
            (Some(o), Some(n)) => {
                let (op, np) = (o.pointer.as_str(), n.pointer.as_str());
                d.rest(
                    Some(side),
                    (&o.entries(), op),
                    (&n.entries(), np),
                    MEDIA_HANDLED,
                );
                match (o.child("schema"), n.child("schema")) {
                    (Some(os), Some(ns)) => schema::compare(d, Ctx::root(side), os, ns),
                    (Some(_), None) => {
                        let message = format!("{media} schema removed (any body)");
                        d.push_pair(schema_removed, Some(side), op, np, message);
                    }
                    (None, Some(_)) => {
                        let message = format!("{media} schema added");
                        d.push_pair(schema_added, Some(side), op, np, message);
                    }
                    (None, None) => {}
                }
            }
            (None, None) => {}
        }
    }
}
