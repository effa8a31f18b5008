//! Every rule against its fixtures (`xtask/tests/fixtures/rules/*.yaml`): each case is a
//! pair of documents and the exact list of rule ids the diff must report for it.
//!
//! A case document without `openapi` is shorthand for one operation, `POST /x/{id}`
//! (operationId `x`), filled from these keys: `request` (the JSON body schema), `response`
//! (the 200 JSON body schema, default `{type: object}`), `parameters` (default: the path
//! parameter `id`), `responses` (all of them, instead of `response`), `operation` (merged
//! into the operation), `components`, and `document` (merged into the document).

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::{Value, json};

use super::rules::RULES;
use super::{Options, diff};

fn fixtures() -> Vec<(String, Value)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/rules");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let mut cases = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let doc: Value =
            serde_yaml_ng::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        for (name, case) in doc["cases"].as_object().expect("a `cases:` mapping") {
            cases.push((name.clone(), case.clone()));
        }
    }
    cases
}

fn merge(target: &mut Value, extra: Option<&Value>) {
    for (key, value) in extra.and_then(Value::as_object).into_iter().flatten() {
        target[key] = value.clone();
    }
}

/// A case document, with the shorthand expanded.
fn document(short: &Value) -> Value {
    if short.get("openapi").is_some() {
        return short.clone();
    }
    let default_params =
        json!([{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}]);
    let response = short
        .get("response")
        .cloned()
        .unwrap_or(json!({"type": "object"}));
    let mut operation = json!({
        "operationId": "x",
        "parameters": short.get("parameters").cloned().unwrap_or(default_params),
        "responses": short.get("responses").cloned().unwrap_or(json!({"200": {
            "description": "ok", "content": {"application/json": {"schema": response}}}})),
    });
    if let Some(request) = short.get("request") {
        operation["requestBody"] =
            json!({"required": true, "content": {"application/json": {"schema": request}}});
    }
    merge(&mut operation, short.get("operation"));
    let mut doc = json!({
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "paths": {"/x/{id}": {"post": operation}},
    });
    if let Some(components) = short.get("components") {
        doc["components"] = components.clone();
    }
    merge(&mut doc, short.get("document"));
    doc
}

/// The rule ids the diff reports for a case, sorted.
fn found(case: &Value) -> Vec<String> {
    let (old, new) = (document(&case["old"]), document(&case["new"]));
    let report = diff(&old, &new, &Options::default()).unwrap();
    let mut ids: Vec<String> = report
        .changes
        .iter()
        .map(|c| c.rule.id.to_string())
        .collect();
    ids.sort();
    ids
}

/// The rule a case is for: `rule:`, or its name.
fn rule_of<'c>(name: &'c str, case: &'c Value) -> &'c str {
    case.get("rule").and_then(Value::as_str).unwrap_or(name)
}

fn expected(name: &str, case: &Value) -> Vec<String> {
    let mut ids: Vec<String> = match case.get("expect").and_then(Value::as_array) {
        Some(list) => list
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect(),
        None => vec![rule_of(name, case).to_string()],
    };
    ids.sort();
    ids
}

#[test]
fn every_rule_has_a_fixture_and_every_fixture_reports_exactly_its_rules() {
    let cases = fixtures();
    let mut failures = Vec::new();
    for (name, case) in &cases {
        let (want, got) = (expected(name, case), found(case));
        if want != got {
            failures.push(format!("{name}: expected {want:?}, found {got:?}"));
        }
        let rule = rule_of(name, case);
        let is_rule = RULES.iter().any(|r| r.id == rule);
        if case.get("rule").is_some() && !is_rule {
            failures.push(format!("{name}: unknown rule {rule}"));
        }
        if is_rule && !want.iter().any(|id| id == rule) {
            failures.push(format!("{name}: does not expect its own rule {rule}"));
        }
    }
    let covered: BTreeSet<&str> = cases
        .iter()
        .map(|(name, case)| rule_of(name, case))
        .collect();
    for rule in RULES.iter().filter(|r| !covered.contains(r.id)) {
        failures.push(format!("rule {} has no fixture case", rule.id));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_reverse_of_every_fixture_terminates_and_reports_something() {
    for (name, case) in fixtures() {
        let (old, new) = (document(&case["old"]), document(&case["new"]));
        let report = diff(&new, &old, &Options::default()).unwrap();
        let expected_nothing = case["expect"].as_array().is_some_and(Vec::is_empty);
        assert_eq!(
            report.changes.is_empty(),
            expected_nothing,
            "{name} reversed: {:?}",
            report.changes
        );
    }
}
