//! `pattern`, lengths, numeric ranges, item and property counts.
//!
//! Tightening a constraint breaks requests (the server refuses what it accepted);
//! loosening one breaks responses (the client's generated type may refuse what it now
//! gets). Schemas reached only from responses are decoded without their string
//! constraints, so `pattern`, `minLength` and `maxLength` changes there are safe.

use serde_json::Value;

use super::report::Side;
use super::rules::{self, Rule};
use super::schema::{Ctx, Pair};
use super::walk::{Differ, show};

/// How a keyword bounds values.
#[derive(Clone, Copy)]
enum Bound {
    /// A larger value is tighter (`minLength`, `minimum`).
    Lower,
    /// A smaller value is tighter (`maxLength`, `maximum`).
    Upper,
    /// `true` is tighter (`uniqueItems`, 3.0's boolean `exclusiveMinimum`).
    Flag,
    /// Any value is tighter than none (`multipleOf`).
    Any,
}

/// The constraint groups: (keywords and how they bound, request rules, response rules),
/// each rule pair as (tightened, loosened).
type Group = (
    &'static [(&'static str, Bound)],
    [&'static Rule; 2],
    [&'static Rule; 2],
);

const GROUPS: &[Group] = &[
    (
        &[("minLength", Bound::Lower), ("maxLength", Bound::Upper)],
        [
            &rules::REQUEST_LENGTH_TIGHTENED,
            &rules::REQUEST_LENGTH_LOOSENED,
        ],
        [
            &rules::RESPONSE_LENGTH_TIGHTENED,
            &rules::RESPONSE_LENGTH_LOOSENED,
        ],
    ),
    (
        &[
            ("minimum", Bound::Lower),
            ("maximum", Bound::Upper),
            ("exclusiveMinimum", Bound::Flag),
            ("exclusiveMaximum", Bound::Flag),
            ("multipleOf", Bound::Any),
        ],
        [
            &rules::REQUEST_RANGE_TIGHTENED,
            &rules::REQUEST_RANGE_LOOSENED,
        ],
        [
            &rules::RESPONSE_RANGE_TIGHTENED,
            &rules::RESPONSE_RANGE_LOOSENED,
        ],
    ),
    (
        &[
            ("minItems", Bound::Lower),
            ("maxItems", Bound::Upper),
            ("uniqueItems", Bound::Flag),
            ("minProperties", Bound::Lower),
            ("maxProperties", Bound::Upper),
        ],
        [
            &rules::REQUEST_ITEMS_TIGHTENED,
            &rules::REQUEST_ITEMS_LOOSENED,
        ],
        [
            &rules::RESPONSE_ITEMS_TIGHTENED,
            &rules::RESPONSE_ITEMS_LOOSENED,
        ],
    ),
];

/// Whether going from `old` to `new` narrows what is allowed.
fn tighter(bound: Bound, old: Option<&Value>, new: Option<&Value>) -> bool {
    let number = |v: Option<&Value>| v.and_then(Value::as_f64);
    let flag = |v: Option<&Value>| v.and_then(Value::as_bool).unwrap_or(false);
    match bound {
        Bound::Flag => flag(new) && !flag(old),
        Bound::Any => new.is_some(),
        Bound::Lower | Bound::Upper => match (number(old), number(new)) {
            (_, None) => false,
            (None, Some(_)) => true,
            (Some(a), Some(b)) => matches!(bound, Bound::Lower) == (b > a),
        },
    }
}

/// Compares the constraints of a pair of schemas.
pub fn compare(d: &mut Differ<'_>, ctx: Ctx, pair: &Pair<'_, '_>) {
    let tolerant = ctx.side == Side::Response && d.tolerant(pair.old.pointer());
    pattern(d, ctx, pair, tolerant);
    for (i, (keywords, request, response)) in GROUPS.iter().enumerate() {
        let strings = i == 0;
        for (keyword, bound) in keywords.iter() {
            let (a, b) = pair.get(keyword);
            if a == b {
                continue;
            }
            let tight = tighter(*bound, a, b);
            let how = if tight { "tightened" } else { "loosened" };
            let rule = match ctx.side {
                Side::Response if tolerant && strings => {
                    &rules::RESPONSE_TOLERANT_STRING_CONSTRAINT_CHANGED
                }
                Side::Request => request[usize::from(!tight)],
                Side::Response => response[usize::from(!tight)],
            };
            let note = if tolerant && strings {
                " (not enforced when decoding responses)"
            } else {
                ""
            };
            let message = format!("{keyword} {how}: {} → {}{note}", show(a), show(b));
            pair.push(d, rule, ctx, keyword, message);
        }
    }
}

fn pattern(d: &mut Differ<'_>, ctx: Ctx, pair: &Pair<'_, '_>, tolerant: bool) {
    let (a, b) = pair.get("pattern");
    if a == b {
        return;
    }
    let rule = match (ctx.side, a.is_some(), b.is_some()) {
        (Side::Response, ..) if tolerant => &rules::RESPONSE_TOLERANT_STRING_CONSTRAINT_CHANGED,
        (Side::Request, false, _) => &rules::REQUEST_PATTERN_ADDED,
        (Side::Request, true, false) => &rules::REQUEST_PATTERN_REMOVED,
        (Side::Request, true, true) => &rules::REQUEST_PATTERN_CHANGED,
        (Side::Response, false, _) => &rules::RESPONSE_PATTERN_NARROWED,
        (Side::Response, true, _) => &rules::RESPONSE_PATTERN_WIDENED,
    };
    let note = if tolerant {
        " (not enforced when decoding responses)"
    } else {
        ""
    };
    let message = format!("pattern changed from {} to {}{note}", show(a), show(b));
    pair.push(d, rule, ctx, "pattern", message);
}
