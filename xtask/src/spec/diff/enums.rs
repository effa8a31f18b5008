//! `enum`: values added or removed, and schemas that became (or stopped being) enums.
//!
//! A new value in a response is safe where OLD's client decodes the schema tolerantly
//! (its enum has an Unknown variant); where a request reaches the schema too, the generated
//! enum is closed and the new value fails to decode.

use serde_json::Value;

use super::report::Side;
use super::rules;
use super::schema::{Ctx, Pair};
use super::walk::Differ;

fn list(values: &[Value]) -> String {
    values
        .iter()
        .map(Value::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Compares the `enum` keyword of a pair of schemas.
pub fn compare(d: &mut Differ<'_>, ctx: Ctx, pair: &Pair<'_, '_>) {
    let values = |v: Option<&Value>| v.and_then(Value::as_array).cloned();
    let (old, new) = pair.get("enum");
    match (values(old), values(new)) {
        (None, Some(new)) => {
            let rule = ctx.pick(&rules::REQUEST_BECAME_ENUM, &rules::RESPONSE_BECAME_ENUM);
            let message = format!("enum added: only {} allowed", list(&new));
            pair.push(d, rule, ctx, "enum", message);
        }
        (Some(_), None) => {
            let rule = ctx.pick(&rules::REQUEST_ENUM_REMOVED, &rules::RESPONSE_ENUM_REMOVED);
            let message = "enum removed: any value of the type allowed".to_string();
            pair.push(d, rule, ctx, "enum", message);
        }
        (Some(old), Some(new)) => values_changed(d, ctx, pair, &old, &new),
        (None, None) => {}
    }
}

fn values_changed(d: &mut Differ<'_>, ctx: Ctx, pair: &Pair<'_, '_>, old: &[Value], new: &[Value]) {
    let removed: Vec<Value> = old.iter().filter(|v| !new.contains(v)).cloned().collect();
    let added: Vec<Value> = new.iter().filter(|v| !old.contains(v)).cloned().collect();
    if !removed.is_empty() {
        let rule = ctx.pick(
            &rules::REQUEST_ENUM_VALUE_REMOVED,
            &rules::RESPONSE_ENUM_VALUE_REMOVED,
        );
        let message = format!("enum value(s) removed: {}", list(&removed));
        pair.push(d, rule, ctx, "enum", message);
    }
    if added.is_empty() {
        return;
    }
    let (rule, why) = match ctx.side {
        Side::Request => (&rules::REQUEST_ENUM_VALUE_ADDED, ""),
        Side::Response if d.tolerant(pair.old.pointer()) => (
            &rules::RESPONSE_ENUM_VALUE_ADDED,
            " (decoded as unknown by clients built from OLD)",
        ),
        Side::Response => (
            &rules::RESPONSE_STRICT_ENUM_VALUE_ADDED,
            " (a request reaches this enum too, so it is closed: clients built from OLD cannot decode them)",
        ),
    };
    let message = format!("enum value(s) added: {}{why}", list(&added));
    pair.push(d, rule, ctx, "enum", message);
}
