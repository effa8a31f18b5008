//! `required` and `deprecated` on a parameter or a response header: the same two flags,
//! each side with its own rules.

use serde_json::Value;

use super::report::Side;
use super::rules::Rule;
use super::walk::{Differ, Node, show};

/// The rules for one kind of object: became required, became optional, deprecation changed.
pub struct FlagRules {
    /// `required` false → true.
    pub became_required: &'static Rule,
    /// `required` true → false.
    pub became_optional: &'static Rule,
    /// `deprecated` changed.
    pub deprecation: &'static Rule,
}

/// Whether `required: true` is written.
pub fn required(value: &Value) -> bool {
    value.get("required").and_then(Value::as_bool) == Some(true)
}

/// Reports `required` and `deprecated` changes of `what` (say "parameter `limit`").
pub fn compare(
    d: &mut Differ<'_>,
    side: Side,
    what: &str,
    (old, new): (&Node<'_>, &Node<'_>),
    rules: &FlagRules,
) {
    let (op, np) = (old.pointer.as_str(), new.pointer.as_str());
    let change = match (required(old.value), required(new.value)) {
        (false, true) => Some((rules.became_required, "is now required")),
        (true, false) => Some((rules.became_optional, "is no longer required")),
        _ => None,
    };
    if let Some((rule, how)) = change {
        d.push_pair(rule, Some(side), op, np, format!("{what} {how}"));
    }
    let (was, is) = (old.value.get("deprecated"), new.value.get("deprecated"));
    if was != is {
        let message = format!("{what} deprecated: {} → {}", show(was), show(is));
        d.push_pair(rules.deprecation, Some(side), op, np, message);
    }
}
