//! Schemas: one pair of schemas compared keyword by keyword, recursing into properties,
//! items and subschemas. Constraints, enums, properties and composition have files of
//! their own; this one holds the rest and makes sure every keyword is looked at.

use serde_json::Value;

use super::report::Side;
use super::rules::{self, Rule};
use super::walk::{self, COMPOSITIONS, Differ, Node, View, Which, show};
use super::{composition, constraints, enums, properties};

/// Keywords compared by the rules of this module and the ones it calls.
const HANDLED: &[&str] = &[
    "type",
    "format",
    "nullable",
    "enum",
    "pattern",
    "minLength",
    "maxLength",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
    "minItems",
    "maxItems",
    "uniqueItems",
    "minProperties",
    "maxProperties",
    "properties",
    "required",
    "additionalProperties",
    "items",
    "allOf",
    "anyOf",
    "oneOf",
    "not",
    "discriminator",
    "readOnly",
    "writeOnly",
    "deprecated",
    "default",
];

/// Where a schema sits, which decides the verdict of some rules.
#[derive(Debug, Clone, Copy)]
pub struct Ctx {
    /// Which way its data travels.
    pub side: Side,
    /// `Some(required in OLD)` when it is an object property.
    pub property: Option<bool>,
    /// Whether it is the schema of a parameter (whose default has a rule of its own).
    pub param_root: bool,
}

impl Ctx {
    /// The top schema of a body or header.
    pub fn root(side: Side) -> Self {
        Self {
            side,
            property: None,
            param_root: false,
        }
    }

    /// The top schema of a parameter.
    pub fn parameter() -> Self {
        Self {
            param_root: true,
            ..Self::root(Side::Request)
        }
    }

    /// A property, required or not in OLD.
    pub fn property(self, required: bool) -> Self {
        Self {
            property: Some(required),
            param_root: false,
            ..self
        }
    }

    /// Items, subschemas and other nested schemas.
    pub fn nested(self) -> Self {
        Self::root(self.side)
    }

    fn role(self) -> u8 {
        match self.property {
            Some(true) => 1,
            Some(false) => 2,
            None => u8::from(self.param_root) * 3,
        }
    }

    /// The request or the response rule, by side.
    pub fn pick(self, request: &'static Rule, response: &'static Rule) -> &'static Rule {
        match self.side {
            Side::Request => request,
            Side::Response => response,
        }
    }
}

/// Both views of a pair, and where they came from.
pub struct Pair<'v, 'a> {
    /// OLD's view.
    pub old: &'v View<'a>,
    /// NEW's view.
    pub new: &'v View<'a>,
}

impl Pair<'_, '_> {
    /// Records a change of `key`, at the objects where each side writes it.
    pub fn push(
        &self,
        d: &mut Differ<'_>,
        rule: &'static Rule,
        ctx: Ctx,
        key: &str,
        message: String,
    ) {
        let (op, np) = (self.old.holder(key), self.new.holder(key));
        d.push_pair(rule, Some(ctx.side), op, np, message);
    }

    /// A keyword's value on both sides.
    pub fn get(&self, key: &str) -> (Option<&Value>, Option<&Value>) {
        (self.old.get(key), self.new.get(key))
    }
}

/// Compares two schemas found at the given nodes.
pub fn compare<'a>(d: &mut Differ<'a>, ctx: Ctx, old: Node<'a>, new: Node<'a>) {
    if !d.first_visit(ctx.side, &old.pointer, &new.pointer, ctx.role()) {
        return;
    }
    let Some((ov, nv)) = views(d, &old, &new) else {
        return;
    };
    let pair = Pair { old: &ov, new: &nv };
    if let (Some(a), Some(b)) = (&ov.component, &nv.component)
        && a != b
    {
        let message = format!("schema {a} replaced by {b} (compared structurally)");
        d.push_pair(
            &rules::SCHEMA_REF_RENAMED,
            Some(ctx.side),
            ov.pointer(),
            nv.pointer(),
            message,
        );
    }
    nullable(d, ctx, &pair);
    types(d, ctx, &pair);
    enums::compare(d, ctx, &pair);
    constraints::compare(d, ctx, &pair);
    properties::compare(d, ctx, &pair);
    items(d, ctx, &pair);
    composition::compare(d, ctx, &pair);
    flags(d, ctx, &pair);
    default(d, ctx, &pair);
    rest(d, ctx, &pair);
}

/// Every other keyword that differs, reported where each side writes it.
fn rest(d: &mut Differ<'_>, ctx: Ctx, pair: &Pair<'_, '_>) {
    let (old, new) = (pair.old.entries(), pair.new.entries());
    let keys: std::collections::BTreeSet<&str> = old.keys().chain(new.keys()).copied().collect();
    for key in keys.into_iter().filter(|k| !HANDLED.contains(k)) {
        if old.get(key) != new.get(key) {
            let (rule, message) = walk::coverage_rule(key);
            pair.push(d, rule, ctx, key, message);
        }
    }
}

/// The views of both schemas. When one side unwrapped a single-element composition and
/// the other has a longer list under that keyword, neither unwraps it, so the lists are
/// compared (`allOf: [A]` → `allOf: [A, B]` adds B).
fn views<'a>(d: &mut Differ<'a>, old: &Node<'a>, new: &Node<'a>) -> Option<(View<'a>, View<'a>)> {
    let mut ov = d.view(Which::Old, old, None)?;
    let mut nv = d.view(Which::New, new, None)?;
    for keyword in COMPOSITIONS {
        let unwrapped = ov.unwrapped.contains(keyword) || nv.unwrapped.contains(keyword);
        let longer = ov.list(keyword).len() > 1 || nv.list(keyword).len() > 1;
        if unwrapped && longer {
            ov = d.view(Which::Old, old, Some(keyword))?;
            nv = d.view(Which::New, new, Some(keyword))?;
        }
    }
    Some((ov, nv))
}

fn nullable(d: &mut Differ<'_>, ctx: Ctx, pair: &Pair<'_, '_>) {
    let (was, is) = (pair.old.flag("nullable"), pair.new.flag("nullable"));
    let rule = match (ctx.side, was, is) {
        (_, a, b) if a == b => return,
        (Side::Request, _, true) => &rules::REQUEST_BECAME_NULLABLE,
        (Side::Request, _, false) => &rules::REQUEST_BECAME_NOT_NULLABLE,
        (Side::Response, _, false) => &rules::RESPONSE_BECAME_NOT_NULLABLE,
        (Side::Response, _, true) => {
            let optional_property = ctx.property == Some(false);
            if optional_property && d.tolerant(pair.old.pointer()) {
                &rules::RESPONSE_OPTIONAL_BECAME_NULLABLE
            } else {
                &rules::RESPONSE_BECAME_NULLABLE
            }
        }
    };
    let message = if is {
        "may now be null"
    } else {
        "no longer nullable"
    };
    pair.push(d, rule, ctx, "nullable", message.to_string());
}

fn types(d: &mut Differ<'_>, ctx: Ctx, pair: &Pair<'_, '_>) {
    for (key, rule) in [
        (
            "type",
            ctx.pick(&rules::REQUEST_TYPE_CHANGED, &rules::RESPONSE_TYPE_CHANGED),
        ),
        (
            "format",
            ctx.pick(
                &rules::REQUEST_FORMAT_CHANGED,
                &rules::RESPONSE_FORMAT_CHANGED,
            ),
        ),
    ] {
        let (a, b) = pair.get(key);
        if a != b {
            let message = format!("{key} changed from {} to {}", show(a), show(b));
            pair.push(d, rule, ctx, key, message);
        }
    }
}

fn items<'a>(d: &mut Differ<'a>, ctx: Ctx, pair: &Pair<'_, 'a>) {
    match (pair.old.node("items"), pair.new.node("items")) {
        (Some(o), Some(n)) => compare(d, ctx.nested(), o, n),
        (None, None) => {}
        (a, _) => {
            let rule = ctx.pick(&rules::REQUEST_TYPE_CHANGED, &rules::RESPONSE_TYPE_CHANGED);
            let how = if a.is_some() { "removed" } else { "added" };
            pair.push(d, rule, ctx, "items", format!("`items` schema {how}"));
        }
    }
    match pair.get("not") {
        (a, b) if a == b => {}
        _ => pair.push(
            d,
            &rules::NOT_CHANGED,
            ctx,
            "not",
            "`not` schema changed".into(),
        ),
    }
}

/// `readOnly`, `writeOnly` and `deprecated`.
fn flags(d: &mut Differ<'_>, ctx: Ctx, pair: &Pair<'_, '_>) {
    for key in ["readOnly", "writeOnly"] {
        let (was, is) = (pair.old.flag(key), pair.new.flag(key));
        if was == is {
            continue;
        }
        let rule = match ctx.side {
            Side::Request => &rules::REQUEST_READ_WRITE_CHANGED,
            Side::Response if key == "writeOnly" && is && ctx.property == Some(true) => {
                &rules::RESPONSE_REQUIRED_BECAME_WRITE_ONLY
            }
            Side::Response => &rules::RESPONSE_READ_WRITE_CHANGED,
        };
        pair.push(d, rule, ctx, key, format!("{key}: {was} → {is}"));
    }
    let (was, is) = (pair.old.flag("deprecated"), pair.new.flag("deprecated"));
    if was != is {
        let rule = ctx.pick(
            &rules::REQUEST_PROPERTY_DEPRECATION_CHANGED,
            &rules::RESPONSE_PROPERTY_DEPRECATION_CHANGED,
        );
        pair.push(
            d,
            rule,
            ctx,
            "deprecated",
            format!("deprecated: {was} → {is}"),
        );
    }
}

fn default(d: &mut Differ<'_>, ctx: Ctx, pair: &Pair<'_, '_>) {
    let (a, b) = pair.get("default");
    if a == b || ctx.param_root {
        return;
    }
    let rule = ctx.pick(
        &rules::REQUEST_PROPERTY_DEFAULT_CHANGED,
        &rules::RESPONSE_DEFAULT_CHANGED,
    );
    let message = format!("default: {} → {}", show(a), show(b));
    pair.push(d, rule, ctx, "default", message);
}
