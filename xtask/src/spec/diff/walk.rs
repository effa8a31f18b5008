//! The state of one diff run, and the cycle-safe way it looks at schemas.
//!
//! Every walk through `$ref`s is bounded three ways: a `$ref` chain or a chain of
//! single-element `allOf`/`anyOf`/`oneOf` wrappers stops at the first pointer it has seen
//! (so a cycle through `oneOf: [$ref]` terminates), each pair of schemas is compared once per
//! operation, and a run compares at most [`MAX_COMPARISONS`] schema pairs before it stops
//! with an error: no document can make `spec diff` hang or grow without bound.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use serde_json::Value;

use super::report::{Change, Side};
use super::rules::{self, Rule};
use crate::spec::doc::{self, Error};

/// The most schema pairs one run compares.
pub const MAX_COMPARISONS: usize = 2_000_000;

/// The composition keywords, in the order they are compared.
pub const COMPOSITIONS: &[&str] = &["allOf", "anyOf", "oneOf"];

/// Which of the two documents a value comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Which {
    /// The document before.
    Old,
    /// The document after.
    New,
}

impl Which {
    fn name(self) -> &'static str {
        match self {
            Which::Old => "OLD",
            Which::New => "NEW",
        }
    }
}

/// A value of one document and its JSON pointer.
#[derive(Debug, Clone)]
pub struct Node<'a> {
    /// The value.
    pub value: &'a Value,
    /// Where it is.
    pub pointer: String,
}

impl<'a> Node<'a> {
    /// A node.
    pub fn new(value: &'a Value, pointer: impl Into<String>) -> Self {
        Self {
            value,
            pointer: pointer.into(),
        }
    }

    /// The child at `key`, if present.
    pub fn child(&self, key: &str) -> Option<Node<'a>> {
        let value = self.value.get(key)?;
        Some(Node::new(value, doc::join(&self.pointer, key)))
    }

    /// The object's entries by key (empty for a non-object).
    pub fn entries(&self) -> BTreeMap<&'a str, &'a Value> {
        entries(self.value)
    }
}

/// A value's entries by key (empty for a non-object).
pub fn entries(value: &Value) -> BTreeMap<&str, &Value> {
    value
        .as_object()
        .into_iter()
        .flatten()
        .map(|(k, v)| (k.as_str(), v))
        .collect()
}

/// A schema seen through `$ref`s and single-element composition wrappers: the keywords of
/// the innermost schema, overlaid by those written beside each reference or wrapper (so a
/// `nullable: true` or a description on an `allOf: [$ref]` wrapper counts).
#[derive(Debug, Clone)]
pub struct View<'a> {
    /// Each keyword with the pointer of the object holding it.
    keywords: BTreeMap<&'a str, (&'a Value, usize)>,
    /// The pointers of the objects passed through, outermost first.
    layers: Vec<String>,
    /// The last component schema passed through, if any.
    pub component: Option<String>,
    /// The composition keywords unwrapped on the way.
    pub unwrapped: Vec<&'static str>,
}

impl<'a> View<'a> {
    /// The pointer of the innermost schema.
    pub fn pointer(&self) -> &str {
        self.layers.last().map(String::as_str).unwrap_or("")
    }

    /// A keyword's value.
    pub fn get(&self, key: &str) -> Option<&'a Value> {
        self.keywords.get(key).map(|(value, _)| *value)
    }

    /// A keyword as a node, with the pointer where it is written.
    pub fn node(&self, key: &str) -> Option<Node<'a>> {
        let (value, layer) = self.keywords.get(key)?;
        Some(Node::new(value, doc::join(&self.layers[*layer], key)))
    }

    /// The pointer of the object where `key` is written (the innermost schema if nowhere).
    pub fn holder(&self, key: &str) -> &str {
        match self.keywords.get(key) {
            Some((_, layer)) => &self.layers[*layer],
            None => self.pointer(),
        }
    }

    /// A boolean keyword (absent is false).
    pub fn flag(&self, key: &str) -> bool {
        self.get(key).and_then(Value::as_bool).unwrap_or(false)
    }

    /// The keywords, for the coverage check.
    pub fn entries(&self) -> BTreeMap<&'a str, &'a Value> {
        self.keywords.iter().map(|(k, (v, _))| (*k, *v)).collect()
    }

    /// The list a composition keyword holds (empty if absent).
    pub fn list(&self, key: &str) -> Vec<Node<'a>> {
        let Some(node) = self.node(key) else {
            return Vec::new();
        };
        let items = node.value.as_array().map(Vec::as_slice).unwrap_or_default();
        items
            .iter()
            .enumerate()
            .map(|(i, item)| Node::new(item, format!("{}/{i}", node.pointer)))
            .collect()
    }
}

/// The single schema a one-element composition wrapper holds, when the wrapper adds no
/// structure of its own.
fn single_wrapper<'a>(schema: &'a Value, keep: Option<&str>) -> Option<(&'static str, &'a Value)> {
    if schema.get("properties").is_some() || schema.get("type").is_some() {
        return None;
    }
    COMPOSITIONS
        .iter()
        .filter(|kw| Some(**kw) != keep)
        .find_map(|kw| match schema.get(*kw)?.as_array()?.as_slice() {
            [inner] => Some((*kw, inner)),
            _ => None,
        })
}

/// Sees `node` through its `$ref`s and single-element wrappers (except `keep`).
pub fn view<'a>(doc: &'a Value, node: &Node<'a>, keep: Option<&str>) -> Result<View<'a>, String> {
    let (mut value, mut pointer) = (node.value, node.pointer.clone());
    let mut view = View {
        keywords: BTreeMap::new(),
        layers: Vec::new(),
        component: None,
        unwrapped: Vec::new(),
    };
    let mut seen = HashSet::new();
    let mut objects: Vec<&'a Value> = Vec::new();
    while seen.insert(pointer.clone()) {
        view.layers.push(pointer.clone());
        objects.push(value);
        if let Some(reference) = value.get("$ref").and_then(Value::as_str) {
            let target = doc::local_target(reference).ok_or_else(|| {
                format!("{pointer}: `$ref: {reference}` is not a local reference")
            })?;
            value = doc
                .pointer(target)
                .ok_or_else(|| format!("{pointer}: `$ref: {reference}` resolves to nothing"))?;
            pointer = target.to_string();
            view.component = doc::component_of(&pointer).filter(|c| *c == pointer);
        } else if let Some((keyword, inner)) = single_wrapper(value, keep) {
            view.unwrapped.push(keyword);
            value = inner;
            pointer = format!("{pointer}/{keyword}/0");
        } else {
            break;
        }
    }
    // Innermost first, so what is written on an outer layer wins. Beside a `$ref`,
    // OpenAPI 3.0 ignores everything; only documentation is kept there, to be reported.
    for (layer, object) in objects.iter().enumerate().rev() {
        let reference = object.get("$ref").is_some();
        let unwrapped = single_wrapper(object, keep).map(|(kw, _)| kw);
        for (key, value) in entries(object) {
            let structural = key == "$ref" || Some(key) == unwrapped;
            if !structural && (!reference || documentation(key)) {
                view.keywords.insert(key, (value, layer));
            }
        }
    }
    Ok(view)
}

/// Whether a keyword only documents (and so is kept beside a `$ref`).
fn documentation(key: &str) -> bool {
    matches!(
        key,
        "summary" | "description" | "title" | "externalDocs" | "example" | "examples"
    ) || key.starts_with("x-")
}

/// What makes two changes the same: rule, side, pointers and message.
type ChangeKey = (
    &'static str,
    Option<Side>,
    Option<String>,
    Option<String>,
    String,
);

/// The state of one diff run.
pub struct Differ<'a> {
    /// The document before.
    pub old: &'a Value,
    /// The document after.
    pub new: &'a Value,
    ignore_docs: bool,
    /// The schemas OLD's client decodes tolerantly (one decision, made by the generator).
    tolerant: BTreeSet<String>,
    /// The operation being compared, if any.
    pub operation: Option<String>,
    visited: HashSet<(Side, String, String, u8)>,
    comparisons: usize,
    changes: Vec<Change>,
    index: HashMap<ChangeKey, usize>,
    failure: Option<Error>,
}

impl<'a> Differ<'a> {
    /// A run comparing `old` with `new`.
    pub fn new(old: &'a Value, new: &'a Value, ignore_docs: bool) -> Self {
        Self {
            old,
            new,
            ignore_docs,
            tolerant: dintero_codegen::tolerant::response_only_schemas(old),
            operation: None,
            visited: HashSet::new(),
            comparisons: 0,
            changes: Vec::new(),
            index: HashMap::new(),
            failure: None,
        }
    }

    /// Starts comparing another operation (or, with `None`, the document level).
    pub fn begin(&mut self, operation: Option<String>) {
        self.operation = operation;
        self.visited.clear();
    }

    /// The document a value comes from.
    pub fn doc(&self, which: Which) -> &'a Value {
        match which {
            Which::Old => self.old,
            Which::New => self.new,
        }
    }

    /// Records a change, merging it with the same change found for another operation.
    pub fn push(
        &mut self,
        rule: &'static Rule,
        side: Option<Side>,
        old: Option<&str>,
        new: Option<&str>,
        message: impl Into<String>,
    ) {
        let documentation = [rules::DOCS_CHANGED.id, rules::EXAMPLE_CHANGED.id];
        if self.ignore_docs && documentation.contains(&rule.id) {
            return;
        }
        let message = message.into();
        let key = (
            rule.id,
            side,
            old.map(str::to_string),
            new.map(str::to_string),
            message.clone(),
        );
        let operation = self.operation.clone();
        if let Some(&i) = self.index.get(&key) {
            let operations = &mut self.changes[i].operations;
            if let Some(op) = operation.filter(|op| !operations.contains(op)) {
                operations.push(op);
            }
            return;
        }
        self.index.insert(key, self.changes.len());
        self.changes.push(Change {
            rule,
            side,
            old_pointer: old.map(str::to_string),
            new_pointer: new.map(str::to_string),
            message,
            operations: operation.into_iter().collect(),
        });
    }

    /// Records a change found on a pair of nodes.
    pub fn push_pair(
        &mut self,
        rule: &'static Rule,
        side: Option<Side>,
        old: &str,
        new: &str,
        message: impl Into<String>,
    ) {
        self.push(rule, side, Some(old), Some(new), message);
    }

    /// Stops the run with an error (the first one wins).
    pub fn fail(&mut self, error: String) {
        self.failure.get_or_insert(Error(error));
    }

    /// Whether the run has stopped.
    pub fn failed(&self) -> bool {
        self.failure.is_some()
    }

    /// The changes found, or why the run stopped.
    pub fn finish(self) -> Result<Vec<Change>, Error> {
        match self.failure {
            Some(error) => Err(error),
            None => Ok(self.changes),
        }
    }

    /// Follows `$ref`s from a node; a reference that resolves nowhere stops the run.
    pub fn resolve(&mut self, which: Which, node: &Node<'a>) -> Option<Node<'a>> {
        match doc::resolve(self.doc(which), node.value, &node.pointer) {
            Ok((value, pointer)) => Some(Node::new(value, pointer)),
            Err(e) => {
                self.fail(format!(
                    "{} is broken at {}: {e}",
                    which.name(),
                    node.pointer
                ));
                None
            }
        }
    }

    /// A schema's view; a broken reference stops the run.
    pub fn view(&mut self, which: Which, node: &Node<'a>, keep: Option<&str>) -> Option<View<'a>> {
        match view(self.doc(which), node, keep) {
            Ok(view) => Some(view),
            Err(e) => {
                self.fail(format!("{} is broken: {e}", which.name()));
                None
            }
        }
    }

    /// Whether this pair (with this role) is compared for the first time in the operation;
    /// counts it against the run's budget.
    pub fn first_visit(&mut self, side: Side, old: &str, new: &str, role: u8) -> bool {
        if self.failed()
            || !self
                .visited
                .insert((side, old.to_string(), new.to_string(), role))
        {
            return false;
        }
        self.comparisons += 1;
        if self.comparisons > MAX_COMPARISONS {
            self.fail(format!(
                "more than {MAX_COMPARISONS} schema comparisons: the documents are too large \
                 to compare in one run (narrow it with --ops)"
            ));
            return false;
        }
        true
    }

    /// Whether OLD's client decodes the schema at this OLD pointer tolerantly.
    pub fn tolerant(&self, pointer: &str) -> bool {
        let mut prefix = pointer;
        loop {
            if self.tolerant.contains(prefix) {
                return true;
            }
            match prefix.rfind('/') {
                Some(at) if at > 0 => prefix = &prefix[..at],
                _ => return false,
            }
        }
    }

    /// Reports every difference in the keywords no other rule handled: documentation,
    /// extensions, and unknown keywords.
    pub fn rest(
        &mut self,
        side: Option<Side>,
        (old, old_p): (&BTreeMap<&str, &Value>, &str),
        (new, new_p): (&BTreeMap<&str, &Value>, &str),
        handled: &[&str],
    ) {
        let keys: BTreeSet<&str> = old.keys().chain(new.keys()).copied().collect();
        for key in keys.into_iter().filter(|k| !handled.contains(k)) {
            if old.get(key) == new.get(key) {
                continue;
            }
            let (rule, message) = coverage_rule(key);
            self.push_pair(rule, side, old_p, new_p, message);
        }
    }
}

/// The rule and message for a keyword no specific rule compares.
pub fn coverage_rule(key: &str) -> (&'static Rule, String) {
    match key {
        "summary" | "description" | "title" | "externalDocs" => {
            (&rules::DOCS_CHANGED, format!("{key} changed"))
        }
        "example" | "examples" => (&rules::EXAMPLE_CHANGED, format!("{key} changed")),
        _ if key.starts_with("x-") => (&rules::EXTENSION_CHANGED, format!("`{key}` changed")),
        _ => (
            &rules::KEYWORD_CHANGED,
            format!("`{key}` changed (no rule compares it: review by hand)"),
        ),
    }
}

/// Shows an optional JSON value compactly (`none` when absent).
pub fn show(value: Option<&Value>) -> String {
    match value {
        None => "none".to_string(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_cycle_of_single_element_wrappers_terminates() {
        let doc = json!({"components": {"schemas": {
            "A": {"oneOf": [{"$ref": "#/components/schemas/B"}]},
            "B": {"oneOf": [{"$ref": "#/components/schemas/A"}], "description": "b"},
        }}});
        let node = Node::new(&doc["components"]["schemas"]["A"], "/components/schemas/A");
        let view = view(&doc, &node, None).unwrap();
        assert_eq!(view.get("description"), Some(&json!("b")));
    }

    #[test]
    fn keywords_beside_a_wrapper_win() {
        let doc =
            json!({"components": {"schemas": {"S": {"type": "string", "description": "inner"}}}});
        let wrapper = json!({"allOf": [{"$ref": "#/components/schemas/S"}], "nullable": true,
                             "description": "outer"});
        let view = view(&doc, &Node::new(&wrapper, "/w"), None).unwrap();
        assert!(view.flag("nullable"));
        assert_eq!(view.get("description"), Some(&json!("outer")));
        assert_eq!(view.get("type"), Some(&json!("string")));
        assert_eq!(view.pointer(), "/components/schemas/S");
        assert_eq!(view.component.as_deref(), Some("/components/schemas/S"));
    }
}
