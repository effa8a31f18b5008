//! `cargo xtask spec diff OLD NEW`: a semantic diff of two OpenAPI 3.0 documents.
//!
//! Operations are matched by `operationId` (falling back to method and path, so a renamed
//! id is reported as such). Parameters, request bodies and responses are compared, and every
//! schema is followed through `$ref`s and single-element `allOf` wrappers, with cycle
//! protection.
//!
//! Each change is classed *breaking* or *non-breaking* for a client of this crate: breaking
//! when a client built from OLD fails against a server that follows NEW, or when the client
//! regenerated from NEW no longer compiles code written against OLD in an obvious way
//! (a removed property or enum variant). The direction matters:
//!
//! - request side (what the client sends; the server must accept it): a new required field
//!   or parameter, a narrowed type, enum, pattern or length is breaking; a widened one is not.
//! - response side (what the client decodes): a removed property, a property that is no
//!   longer required (it may now be absent), a new `null`, a new enum value (generated enums
//!   are exhaustive) is breaking; a new property is not. String patterns and lengths of
//!   responses are not enforced when decoding (see `dintero-codegen`), so changing them is not.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use serde_json::{Value, json};

use super::doc::{self, Error, Operation, Result};

/// Which way the data of a schema travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Side {
    /// Sent by the client: parameters and request bodies.
    Request,
    /// Decoded by the client: response bodies.
    Response,
}

impl Side {
    fn name(self) -> &'static str {
        match self {
            Side::Request => "request",
            Side::Response => "response",
        }
    }
}

/// One difference between the two documents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// Whether a client can break on it.
    pub breaking: bool,
    /// The side of the schema, or `None` for an operation-level change.
    pub side: Option<Side>,
    /// Where it is in OLD, if it exists there.
    pub old_pointer: Option<String>,
    /// Where it is in NEW, if it exists there.
    pub new_pointer: Option<String>,
    /// What changed.
    pub message: String,
    /// The compared operations it affects.
    pub operations: Vec<String>,
}

impl Change {
    /// The JSON pointer to show: NEW's where the change exists there, else OLD's.
    fn location(&self) -> String {
        match (&self.old_pointer, &self.new_pointer) {
            (Some(old), Some(new)) if old != new => format!("{new} (was {old})"),
            (_, Some(new)) => new.clone(),
            (Some(old), None) => format!("{old} (in OLD)"),
            (None, None) => String::new(),
        }
    }
}

/// The result of a diff.
#[derive(Debug, Clone)]
pub struct Report {
    /// The operations compared, as given.
    pub operations: Vec<String>,
    /// Every change found, in discovery order, each reported once.
    pub changes: Vec<Change>,
}

impl Report {
    /// How many changes are breaking.
    pub fn breaking(&self) -> usize {
        self.changes.iter().filter(|c| c.breaking).count()
    }

    /// 0 without changes, 1 with only non-breaking changes, 2 with a breaking change.
    pub fn exit_code(&self) -> u8 {
        if self.breaking() > 0 {
            2
        } else if self.changes.is_empty() {
            0
        } else {
            1
        }
    }

    /// The human-readable report.
    pub fn human(&self) -> String {
        let mut out = String::new();
        for change in &self.changes {
            let class = if change.breaking {
                "BREAKING"
            } else {
                "non-breaking"
            };
            let side = change
                .side
                .map(|s| format!("[{}] ", s.name()))
                .unwrap_or_default();
            let _ = writeln!(out, "{class:<12}  {side}{}", change.message);
            let _ = writeln!(out, "{:<12}  at {}", "", change.location());
            let _ = writeln!(out, "{:<12}  in {}", "", change.operations.join(", "));
        }
        let compared = self.operations.len();
        if self.changes.is_empty() {
            let _ = writeln!(out, "no changes in the {compared} operations compared");
        } else {
            let breaking = self.breaking();
            let _ = writeln!(
                out,
                "{} changes in the {compared} operations compared: {breaking} breaking, {} non-breaking",
                self.changes.len(),
                self.changes.len() - breaking
            );
        }
        out
    }

    /// The machine-readable report.
    pub fn json(&self) -> Value {
        let changes: Vec<Value> = self
            .changes
            .iter()
            .map(|c| {
                json!({
                    "class": if c.breaking { "breaking" } else { "non-breaking" },
                    "side": c.side.map(Side::name),
                    "old_pointer": c.old_pointer,
                    "new_pointer": c.new_pointer,
                    "message": c.message,
                    "operations": c.operations,
                })
            })
            .collect();
        json!({
            "operations": self.operations,
            "breaking": self.breaking(),
            "non_breaking": self.changes.len() - self.breaking(),
            "exit_code": self.exit_code(),
            "changes": changes,
        })
    }
}

/// What to compare.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The operations to compare (`operationId`s, or `METHOD /path` for operations without
    /// one); empty means every operation of either document.
    pub operations: Vec<String>,
    /// Leave out description and summary changes.
    pub ignore_docs: bool,
}

/// Compares two OpenAPI 3.0 documents.
pub fn diff(old: &Value, new: &Value, options: &Options) -> Result<Report> {
    let operations = if options.operations.is_empty() {
        let mut all: Vec<String> = doc::operations(old).iter().map(Operation::key).collect();
        for key in doc::operations(new).iter().map(Operation::key) {
            if !all.contains(&key) {
                all.push(key);
            }
        }
        all
    } else {
        options.operations.clone()
    };
    let mut differ = Differ {
        old,
        new,
        ignore_docs: options.ignore_docs,
        operation: String::new(),
        visited: BTreeSet::new(),
        changes: Vec::new(),
    };
    let mut missing = Vec::new();
    for key in &operations {
        let old_op = find(old, key);
        let new_op = find(new, key);
        // An id present on one side only may name an operation that kept its route.
        let (old_op, new_op) = match (old_op, new_op) {
            (Some(o), None) => (Some(o), find_route(new, &o)),
            (None, Some(n)) => (find_route(old, &n), Some(n)),
            pair => pair,
        };
        if old_op.is_none() && new_op.is_none() {
            missing.push(key.as_str());
            continue;
        }
        differ.operation = key.clone();
        differ.visited.clear();
        differ.operation_pair(old_op, new_op);
    }
    if !missing.is_empty() {
        return Err(Error(format!(
            "operation(s) {} in neither document (check the --ops list)",
            missing.join(", ")
        )));
    }
    Ok(Report {
        operations,
        changes: differ.changes,
    })
}

fn find<'a>(doc: &'a Value, key: &str) -> Option<Operation<'a>> {
    doc::operations(doc)
        .into_iter()
        .find(|op| op.key() == key || op.route() == key)
}

fn find_route<'a>(doc: &'a Value, other: &Operation<'_>) -> Option<Operation<'a>> {
    doc::operations(doc)
        .into_iter()
        .find(|op| op.route() == other.route())
}

/// A schema seen through `$ref`s and single-element `allOf`/`anyOf`/`oneOf` wrappers.
struct View<'a> {
    schema: &'a Value,
    pointer: String,
    /// The last component schema passed through, if any.
    component: Option<String>,
    nullable: bool,
}

/// Lower and upper bounds, by keyword: a larger lower or smaller upper bound is tighter.
const LOWER_BOUNDS: &[&str] = &["minLength", "minItems", "minProperties", "minimum"];
const UPPER_BOUNDS: &[&str] = &["maxLength", "maxItems", "maxProperties", "maximum"];
const STRING_CONSTRAINTS: &[&str] = &["minLength", "maxLength"];

struct Differ<'a> {
    old: &'a Value,
    new: &'a Value,
    ignore_docs: bool,
    /// The operation being compared.
    operation: String,
    /// Schema pairs already compared for this operation: stops cycles and repeats.
    visited: BTreeSet<(Side, String, String)>,
    changes: Vec<Change>,
}

impl<'a> Differ<'a> {
    /// Records a change, merging it with an identical one found for another operation.
    fn push(
        &mut self,
        side: Option<Side>,
        old_pointer: Option<&str>,
        new_pointer: Option<&str>,
        message: String,
        breaking: bool,
    ) {
        let change = Change {
            breaking,
            side,
            old_pointer: old_pointer.map(str::to_string),
            new_pointer: new_pointer.map(str::to_string),
            message,
            operations: vec![self.operation.clone()],
        };
        let same = |c: &&mut Change| {
            (
                c.breaking,
                c.side,
                &c.old_pointer,
                &c.new_pointer,
                &c.message,
            ) == (
                change.breaking,
                change.side,
                &change.old_pointer,
                &change.new_pointer,
                &change.message,
            )
        };
        match self.changes.iter_mut().find(same) {
            Some(existing) => {
                if !existing.operations.contains(&self.operation) {
                    existing.operations.push(self.operation.clone());
                }
            }
            None => self.changes.push(change),
        }
    }

    fn docs(&mut self, side: Option<Side>, old: &Value, new: &Value, old_p: &str, new_p: &str) {
        if self.ignore_docs {
            return;
        }
        for key in ["summary", "description"] {
            if old.get(key) != new.get(key) {
                self.push(
                    side,
                    Some(old_p),
                    Some(new_p),
                    format!("{key} changed"),
                    false,
                );
            }
        }
    }

    fn operation_pair(&mut self, old: Option<Operation<'a>>, new: Option<Operation<'a>>) {
        let (old, new) = match (old, new) {
            (None, Some(new)) => {
                let message = format!("operation added: {}", new.route());
                return self.push(None, None, Some(&new.pointer()), message, false);
            }
            (Some(old), None) => {
                let message = format!("operation removed: {}", old.route());
                return self.push(None, Some(&old.pointer()), None, message, true);
            }
            (Some(old), Some(new)) => (old, new),
            (None, None) => return,
        };
        let (op_old, op_new) = (old.pointer(), new.pointer());
        if old.route() != new.route() {
            let message = format!("moved from {} to {}", old.route(), new.route());
            self.push(None, Some(&op_old), Some(&op_new), message, true);
        }
        if old.id() != new.id() {
            let message = format!(
                "operationId changed from {} to {} (the client method is renamed)",
                old.id().unwrap_or("none"),
                new.id().unwrap_or("none")
            );
            self.push(None, Some(&op_old), Some(&op_new), message, true);
        }
        self.docs(None, old.value, new.value, &op_old, &op_new);
        let security = |doc: &Value, op: &Operation<'_>| {
            op.value
                .get("security")
                .or_else(|| doc.get("security"))
                .cloned()
        };
        if security(self.old, &old) != security(self.new, &new) {
            let message =
                "security requirements changed (the client's authentication may no longer fit)";
            self.push(
                None,
                Some(&op_old),
                Some(&op_new),
                message.to_string(),
                true,
            );
        }
        if old.value.get("deprecated") != new.value.get("deprecated") {
            let now = new
                .value
                .get("deprecated")
                .and_then(Value::as_bool)
                .unwrap_or(false);
            let message = if now {
                "operation deprecated"
            } else {
                "operation no longer deprecated"
            };
            self.push(
                None,
                Some(&op_old),
                Some(&op_new),
                message.to_string(),
                false,
            );
        }
        self.parameters(&old, &new);
        self.request_body(&old, &new, &op_old, &op_new);
        self.responses(&old, &new, &op_old, &op_new);
    }

    fn parameters(&mut self, old: &Operation<'a>, new: &Operation<'a>) {
        let index = |doc: &'a Value, op: &Operation<'a>| {
            // (in, name) → (parameter, where it is listed, where it is defined)
            let mut map: BTreeMap<(String, String), (&'a Value, String, String)> = BTreeMap::new();
            for (listed, param) in op.parameters() {
                if let Ok((param, defined)) = doc::resolve(doc, param, &listed) {
                    let field = |k: &str| {
                        param
                            .get(k)
                            .and_then(Value::as_str)
                            .unwrap_or("")
                            .to_string()
                    };
                    map.insert((field("in"), field("name")), (param, listed, defined));
                }
            }
            map
        };
        let (old_params, new_params) = (index(self.old, old), index(self.new, new));
        let keys: BTreeSet<_> = old_params
            .keys()
            .chain(new_params.keys())
            .cloned()
            .collect();
        let side = Some(Side::Request);
        for key in keys {
            let (location, name) = (&key.0, &key.1);
            let required = |p: &Value| p.get("required").and_then(Value::as_bool).unwrap_or(false);
            match (old_params.get(&key), new_params.get(&key)) {
                (Some((_, old_p, _)), None) => {
                    let message = format!("{location} parameter `{name}` removed");
                    self.push(side, Some(old_p), None, message, true);
                }
                (None, Some((param, new_p, _))) => {
                    let required = required(param);
                    let kind = if required { "required" } else { "optional" };
                    let message = format!("{kind} {location} parameter `{name}` added");
                    self.push(side, None, Some(new_p), message, required);
                }
                (Some((old_param, _, old_p)), Some((new_param, _, new_p))) => {
                    match (required(old_param), required(new_param)) {
                        (false, true) => {
                            let message = format!("{location} parameter `{name}` is now required");
                            self.push(side, Some(old_p), Some(new_p), message, true);
                        }
                        (true, false) => {
                            let message =
                                format!("{location} parameter `{name}` is no longer required");
                            self.push(side, Some(old_p), Some(new_p), message, false);
                        }
                        _ => {}
                    }
                    self.docs(side, old_param, new_param, old_p, new_p);
                    if let (Some(o), Some(n)) = (old_param.get("schema"), new_param.get("schema")) {
                        let (old_s, new_s) = (format!("{old_p}/schema"), format!("{new_p}/schema"));
                        self.schema(Side::Request, (o, old_s), (n, new_s));
                    }
                }
                (None, None) => {}
            }
        }
    }

    fn request_body(
        &mut self,
        old: &Operation<'a>,
        new: &Operation<'a>,
        op_old: &str,
        op_new: &str,
    ) {
        let body = |doc: &'a Value, op: &Operation<'a>, op_pointer: &str| {
            let body = op.value.get("requestBody")?;
            doc::resolve(doc, body, &format!("{op_pointer}/requestBody")).ok()
        };
        let required = |b: &Value| b.get("required").and_then(Value::as_bool).unwrap_or(false);
        let side = Some(Side::Request);
        match (body(self.old, old, op_old), body(self.new, new, op_new)) {
            (None, Some((b, _))) => {
                let required = required(b);
                let kind = if required { "required" } else { "optional" };
                let at = format!("{op_new}/requestBody");
                self.push(
                    side,
                    None,
                    Some(&at),
                    format!("{kind} request body added"),
                    required,
                );
            }
            (Some(_), None) => {
                let at = format!("{op_old}/requestBody");
                self.push(
                    side,
                    Some(&at),
                    None,
                    "request body removed".to_string(),
                    true,
                );
            }
            (Some((o, old_p)), Some((n, new_p))) => {
                if !required(o) && required(n) {
                    let message = "request body is now required".to_string();
                    self.push(side, Some(&old_p), Some(&new_p), message, true);
                } else if required(o) && !required(n) {
                    let message = "request body is no longer required".to_string();
                    self.push(side, Some(&old_p), Some(&new_p), message, false);
                }
                self.content(Side::Request, (o, old_p), (n, new_p));
            }
            (None, None) => {}
        }
    }

    fn responses(&mut self, old: &Operation<'a>, new: &Operation<'a>, op_old: &str, op_new: &str) {
        let list = |op: &Operation<'a>| op.value.get("responses").and_then(Value::as_object);
        let (old_list, new_list) = (list(old), list(new));
        let statuses: BTreeSet<&String> = old_list
            .into_iter()
            .chain(new_list)
            .flat_map(|m| m.keys())
            .collect();
        let side = Some(Side::Response);
        for status in statuses {
            let old_p = doc::join(&format!("{op_old}/responses"), status);
            let new_p = doc::join(&format!("{op_new}/responses"), status);
            let resolve =
                |doc: &'a Value, list: Option<&'a serde_json::Map<String, Value>>, p: &str| {
                    doc::resolve(doc, list?.get(status)?, p).ok()
                };
            match (
                resolve(self.old, old_list, &old_p),
                resolve(self.new, new_list, &new_p),
            ) {
                (None, Some(_)) => {
                    self.push(
                        side,
                        None,
                        Some(&new_p),
                        format!("response {status} added"),
                        false,
                    );
                }
                (Some(_), None) => {
                    self.push(
                        side,
                        Some(&old_p),
                        None,
                        format!("response {status} removed"),
                        false,
                    );
                }
                (Some(o), Some(n)) => self.content(Side::Response, o, n),
                (None, None) => {}
            }
        }
    }

    /// Compares the media types of a request body or response.
    fn content(
        &mut self,
        side: Side,
        (old, old_p): (&'a Value, String),
        (new, new_p): (&'a Value, String),
    ) {
        self.docs(Some(side), old, new, &old_p, &new_p);
        let media = |v: &'a Value| v.get("content").and_then(Value::as_object);
        let (old_media, new_media) = (media(old), media(new));
        let types: BTreeSet<&String> = old_media
            .into_iter()
            .chain(new_media)
            .flat_map(|m| m.keys())
            .collect();
        for media_type in types {
            let old_m = format!(
                "{}/{}",
                doc::join(&old_p, "content"),
                doc::escape(media_type)
            );
            let new_m = format!(
                "{}/{}",
                doc::join(&new_p, "content"),
                doc::escape(media_type)
            );
            let schema =
                |m: Option<&'a serde_json::Map<String, Value>>| m?.get(media_type)?.get("schema");
            let (o, n) = (
                old_media.and_then(|m| m.get(media_type)),
                new_media.and_then(|m| m.get(media_type)),
            );
            match (o, n) {
                (Some(_), None) => {
                    // The client no longer gets (or may no longer send) what it expects.
                    let message = format!("media type {media_type} removed");
                    self.push(Some(side), Some(&old_m), None, message, true);
                }
                (None, Some(_)) => {
                    let message = format!("media type {media_type} added");
                    self.push(Some(side), None, Some(&new_m), message, false);
                }
                _ => match (schema(old_media), schema(new_media)) {
                    (Some(o), Some(n)) => self.schema(
                        side,
                        (o, format!("{old_m}/schema")),
                        (n, format!("{new_m}/schema")),
                    ),
                    (Some(_), None) => {
                        let message = format!("{media_type} schema removed (any body)");
                        self.push(Some(side), Some(&old_m), Some(&new_m), message, true);
                    }
                    (None, Some(_)) => {
                        let message = format!("{media_type} schema added");
                        self.push(Some(side), Some(&old_m), Some(&new_m), message, true);
                    }
                    (None, None) => {}
                },
            }
        }
    }

    /// Sees through `$ref`s and single-element composition wrappers.
    fn view(
        doc: &'a Value,
        schema: &'a Value,
        pointer: String,
    ) -> std::result::Result<View<'a>, String> {
        let mut view = View {
            schema,
            pointer,
            component: None,
            nullable: false,
        };
        loop {
            let (target, pointer) = doc::resolve(doc, view.schema, &view.pointer)
                .map_err(|e| format!("{}: {e}", view.pointer))?;
            if pointer != view.pointer {
                view.component = doc::component_of(&pointer);
            }
            view.schema = target;
            view.pointer = pointer;
            view.nullable |= target
                .get("nullable")
                .and_then(Value::as_bool)
                .unwrap_or(false);
            let wrapper = ["allOf", "anyOf", "oneOf"].into_iter().find_map(|k| {
                let list = target.get(k)?.as_array()?;
                (list.len() == 1
                    && target.get("properties").is_none()
                    && target.get("type").is_none())
                .then(|| (k, &list[0]))
            });
            match wrapper {
                Some((keyword, inner)) => {
                    view.schema = inner;
                    view.pointer = format!("{}/{keyword}/0", view.pointer);
                }
                None => return Ok(view),
            }
        }
    }

    /// Compares two schemas found at the given pointers, on one side of the exchange.
    fn schema(
        &mut self,
        side: Side,
        (old, old_p): (&'a Value, String),
        (new, new_p): (&'a Value, String),
    ) {
        let s = Some(side);
        let (old, new) = match (
            Self::view(self.old, old, old_p.clone()),
            Self::view(self.new, new, new_p.clone()),
        ) {
            (Ok(old), Ok(new)) => (old, new),
            (_, Err(e)) => {
                return self.push(
                    s,
                    Some(&old_p),
                    Some(&new_p),
                    format!("NEW is broken: {e}"),
                    true,
                );
            }
            (Err(e), _) => {
                return self.push(
                    s,
                    Some(&old_p),
                    Some(&new_p),
                    format!("OLD is broken: {e}"),
                    false,
                );
            }
        };
        if !self
            .visited
            .insert((side, old.pointer.clone(), new.pointer.clone()))
        {
            return;
        }
        let (op, np) = (old.pointer.as_str(), new.pointer.as_str());
        let (o, n) = (old.schema, new.schema);
        if let (Some(a), Some(b)) = (&old.component, &new.component)
            && a != b
        {
            let message = format!("schema {a} replaced by {b} (compared structurally)");
            self.push(s, Some(op), Some(np), message, false);
        }
        self.docs(s, o, n, op, np);

        if old.nullable != new.nullable {
            let (message, breaking) = match (side, new.nullable) {
                (Side::Response, true) => ("may now be null", true),
                (Side::Response, false) => ("is no longer nullable", false),
                (Side::Request, true) => ("now accepts null", false),
                (Side::Request, false) => ("no longer accepts null", true),
            };
            self.push(s, Some(op), Some(np), message.to_string(), breaking);
        }

        let text = |v: &Value, k: &str| {
            v.get(k)
                .map(|x| x.as_str().map_or_else(|| x.to_string(), str::to_string))
        };
        let (old_type, new_type) = (text(o, "type"), text(n, "type"));
        if old_type != new_type {
            let show = |t: &Option<String>| t.clone().unwrap_or_else(|| "any".to_string());
            let message = format!(
                "type changed from {} to {}",
                show(&old_type),
                show(&new_type)
            );
            return self.push(s, Some(op), Some(np), message, true);
        }
        if text(o, "format") != text(n, "format") {
            let show = |f: Option<String>| f.unwrap_or_else(|| "none".to_string());
            let message = format!(
                "format changed from {} to {}",
                show(text(o, "format")),
                show(text(n, "format"))
            );
            self.push(s, Some(op), Some(np), message, true);
        }
        self.enums(side, o, n, op, np);
        self.constraints(side, o, n, op, np);
        self.properties(side, &old, &new);
        for key in ["items", "not"] {
            match (o.get(key), n.get(key)) {
                (Some(a), Some(b)) => {
                    self.schema(side, (a, format!("{op}/{key}")), (b, format!("{np}/{key}")))
                }
                (None, None) => {}
                _ => self.push(
                    s,
                    Some(op),
                    Some(np),
                    format!("`{key}` schema added or removed"),
                    true,
                ),
            }
        }
        for key in ["allOf", "anyOf", "oneOf"] {
            let list = |v: &'a Value| {
                v.get(key)
                    .and_then(Value::as_array)
                    .map(Vec::as_slice)
                    .unwrap_or_default()
            };
            let (a, b) = (list(o), list(n));
            if a.len() != b.len() {
                let message = format!("`{key}` now has {} schemas (had {})", b.len(), a.len());
                self.push(s, Some(op), Some(np), message, true);
                continue;
            }
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                self.schema(
                    side,
                    (x, format!("{op}/{key}/{i}")),
                    (y, format!("{np}/{key}/{i}")),
                );
            }
        }
    }

    fn enums(&mut self, side: Side, o: &Value, n: &Value, op: &str, np: &str) {
        let s = Some(side);
        let values = |v: &Value| v.get("enum").and_then(Value::as_array).cloned();
        let list = |vs: &[Value]| {
            vs.iter()
                .map(Value::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        };
        match (values(o), values(n)) {
            (None, Some(new)) => {
                let message = format!("enum added: only {} allowed", list(&new));
                self.push(s, Some(op), Some(np), message, true);
            }
            (Some(_), None) => {
                // Requests may now send anything; responses may now hold any value.
                let message = "enum removed: any value of the type allowed".to_string();
                self.push(s, Some(op), Some(np), message, side == Side::Response);
            }
            (Some(old), Some(new)) => {
                let removed: Vec<Value> =
                    old.iter().filter(|v| !new.contains(v)).cloned().collect();
                let added: Vec<Value> = new.iter().filter(|v| !old.contains(v)).cloned().collect();
                if !removed.is_empty() {
                    let message = format!("enum value(s) removed: {}", list(&removed));
                    self.push(s, Some(op), Some(np), message, true);
                }
                if !added.is_empty() {
                    let why = match side {
                        Side::Response => " (clients built from OLD cannot decode them)",
                        Side::Request => "",
                    };
                    let message = format!("enum value(s) added: {}{why}", list(&added));
                    self.push(s, Some(op), Some(np), message, side == Side::Response);
                }
            }
            (None, None) => {}
        }
    }

    /// Patterns and bounds: tightening breaks requests; responses are decoded without them.
    fn constraints(&mut self, side: Side, o: &Value, n: &Value, op: &str, np: &str) {
        let s = Some(side);
        let note = |keyword: &str| match side {
            Side::Response if keyword == "pattern" || STRING_CONSTRAINTS.contains(&keyword) => {
                " (not enforced when decoding responses)"
            }
            _ => "",
        };
        if o.get("pattern") != n.get("pattern") {
            let show = |v: &Value| {
                v.get("pattern")
                    .map_or_else(|| "none".to_string(), Value::to_string)
            };
            let message = format!(
                "pattern changed from {} to {}{}",
                show(o),
                show(n),
                note("pattern")
            );
            // A removed pattern widens what is accepted; any other change may narrow it.
            let breaking = side == Side::Request && n.get("pattern").is_some();
            self.push(s, Some(op), Some(np), message, breaking);
        }
        for (keywords, lower) in [(LOWER_BOUNDS, true), (UPPER_BOUNDS, false)] {
            for keyword in keywords.iter().copied() {
                let (a, b) = (
                    o.get(keyword).and_then(Value::as_f64),
                    n.get(keyword).and_then(Value::as_f64),
                );
                if a == b {
                    continue;
                }
                let tighter = match (a, b) {
                    (_, None) => false,
                    (None, Some(_)) => true,
                    (Some(a), Some(b)) => (b > a) == lower,
                };
                let show = |v: Option<f64>| v.map_or_else(|| "none".to_string(), |v| v.to_string());
                let how = if tighter { "tightened" } else { "loosened" };
                let message = format!(
                    "{keyword} {how}: {} → {}{}",
                    show(a),
                    show(b),
                    note(keyword)
                );
                self.push(
                    s,
                    Some(op),
                    Some(np),
                    message,
                    side == Side::Request && tighter,
                );
            }
        }
    }

    fn properties(&mut self, side: Side, old: &View<'a>, new: &View<'a>) {
        let s = Some(side);
        let (o, n) = (old.schema, new.schema);
        let props = |v: &'a Value| v.get("properties").and_then(Value::as_object);
        let required = |v: &Value| -> BTreeSet<String> {
            let list = v.get("required").and_then(Value::as_array);
            list.into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        };
        let (old_props, new_props) = (props(o), props(n));
        let (old_req, new_req) = (required(o), required(n));
        let closed = |v: &Value| v.get("additionalProperties") == Some(&Value::Bool(false));
        let names: BTreeSet<&String> = old_props
            .into_iter()
            .chain(new_props)
            .flat_map(|m| m.keys())
            .collect();
        for name in names {
            let old_pp = format!(
                "{}/{}",
                doc::join(&old.pointer, "properties"),
                doc::escape(name)
            );
            let new_pp = format!(
                "{}/{}",
                doc::join(&new.pointer, "properties"),
                doc::escape(name)
            );
            let (a, b) = (
                old_props.and_then(|m| m.get(name)),
                new_props.and_then(|m| m.get(name)),
            );
            let (was_required, is_required) = (old_req.contains(name), new_req.contains(name));
            match (a, b) {
                (Some(_), None) => {
                    let was = if was_required { "required" } else { "optional" };
                    let message = format!("{was} property `{name}` removed");
                    self.push(s, Some(&old_pp), None, message, true);
                }
                (None, Some(_)) => {
                    let kind = if is_required { "required" } else { "optional" };
                    let (breaking, why) = match side {
                        Side::Request => (is_required, ""),
                        Side::Response if closed(o) => (
                            true,
                            " (OLD forbids additional properties: clients reject it)",
                        ),
                        Side::Response => (false, ""),
                    };
                    let message = format!("{kind} property `{name}` added{why}");
                    self.push(s, None, Some(&new_pp), message, breaking);
                }
                (Some(a), Some(b)) => {
                    if was_required != is_required {
                        let (message, breaking) = match (side, is_required) {
                            (Side::Request, true) => ("is now required", true),
                            (Side::Request, false) => ("is no longer required", false),
                            (Side::Response, true) => ("is now always present", false),
                            (Side::Response, false) => {
                                ("is no longer required (it may be absent)", true)
                            }
                        };
                        let message = format!("property `{name}` {message}");
                        self.push(s, Some(&old_pp), Some(&new_pp), message, breaking);
                    }
                    self.schema(side, (a, old_pp), (b, new_pp));
                }
                (None, None) => {}
            }
        }
        self.additional_properties(side, old, new);
    }

    fn additional_properties(&mut self, side: Side, old: &View<'a>, new: &View<'a>) {
        let key = "additionalProperties";
        let (old_p, new_p) = (doc::join(&old.pointer, key), doc::join(&new.pointer, key));
        match (old.schema.get(key), new.schema.get(key)) {
            (Some(a), Some(b)) if a.is_object() && b.is_object() => {
                self.schema(side, (a, old_p), (b, new_p))
            }
            (a, b) => {
                // Absent and `true` both allow anything; a schema allows its values.
                let allows = |v: Option<&Value>| v != Some(&Value::Bool(false));
                let shape = |v: Option<&Value>| v.is_some_and(Value::is_object);
                if allows(a) == allows(b) && shape(a) == shape(b) {
                    return;
                }
                let show =
                    |v: Option<&Value>| v.map_or_else(|| "absent".to_string(), Value::to_string);
                let message = format!("{key} changed from {} to {}", show(a), show(b));
                let breaking = match side {
                    Side::Request => !allows(b) || shape(b),
                    Side::Response => allows(b) && !allows(a),
                };
                self.push(
                    Some(side),
                    Some(&old.pointer),
                    Some(&new.pointer),
                    message,
                    breaking,
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(request: Value, response: Value) -> Value {
        json!({
            "openapi": "3.0.3",
            "paths": {"/x": {"post": {
                "operationId": "x",
                "requestBody": {"required": true, "content": {"application/json": {"schema": request}}},
                "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": response}}}},
            }}},
        })
    }

    fn changes(old: &Value, new: &Value) -> Vec<(bool, String)> {
        let report = diff(old, new, &Options::default()).unwrap();
        report
            .changes
            .into_iter()
            .map(|c| (c.breaking, c.message))
            .collect()
    }

    #[test]
    fn identical_documents_have_no_changes() {
        let doc = spec(json!({"type": "string"}), json!({"type": "object"}));
        assert_eq!(
            diff(&doc, &doc, &Options::default()).unwrap().exit_code(),
            0
        );
    }

    #[test]
    fn enum_direction_matters() {
        let old = spec(
            json!({"type": "string", "enum": ["a", "b"]}),
            json!({"type": "string", "enum": ["a"]}),
        );
        let new = spec(
            json!({"type": "string", "enum": ["a", "b", "c"]}),
            json!({"type": "string", "enum": ["a", "b"]}),
        );
        assert_eq!(
            changes(&old, &new),
            vec![
                (false, "enum value(s) added: \"c\"".to_string()),
                (
                    true,
                    "enum value(s) added: \"b\" (clients built from OLD cannot decode them)"
                        .to_string()
                ),
            ]
        );
    }

    #[test]
    fn nullable_through_an_allof_wrapper_is_seen() {
        let old = spec(json!({"type": "string"}), json!({"type": "string"}));
        let new = spec(
            json!({"type": "string"}),
            json!({"allOf": [{"type": "string"}], "nullable": true}),
        );
        assert_eq!(
            changes(&old, &new),
            vec![(true, "may now be null".to_string())]
        );
    }

    #[test]
    fn request_length_tightening_breaks_but_loosening_does_not() {
        let old = spec(
            json!({"type": "string", "maxLength": 10}),
            json!({"type": "string"}),
        );
        let tighter = spec(
            json!({"type": "string", "maxLength": 5}),
            json!({"type": "string"}),
        );
        let looser = spec(json!({"type": "string"}), json!({"type": "string"}));
        assert_eq!(
            changes(&old, &tighter),
            vec![(true, "maxLength tightened: 10 → 5".to_string())]
        );
        assert_eq!(
            changes(&old, &looser),
            vec![(false, "maxLength loosened: 10 → none".to_string())]
        );
    }

    #[test]
    fn recursive_schemas_terminate() {
        let mut old = spec(
            json!({"type": "string"}),
            json!({"$ref": "#/components/schemas/Node"}),
        );
        old["components"] = json!({"schemas": {"Node": {"type": "object", "properties": {
            "next": {"$ref": "#/components/schemas/Node"}}}}});
        let mut new = old.clone();
        new["components"]["schemas"]["Node"]["properties"]["label"] = json!({"type": "string"});
        assert_eq!(
            changes(&old, &new),
            vec![(false, "optional property `label` added".to_string())]
        );
    }

    #[test]
    fn unknown_operation_is_an_error() {
        let doc = spec(json!({}), json!({}));
        let options = Options {
            operations: vec!["nope".to_string()],
            ..Options::default()
        };
        assert!(diff(&doc, &doc, &options).unwrap_err().0.contains("nope"));
    }
}
