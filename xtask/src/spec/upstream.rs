//! `cargo xtask spec upstream DOC`: how far `openapi/dintero.yaml` has drifted from
//! Dintero's published document, for the operations both have.
//!
//! Every difference `spec diff` finds (ours as OLD, Dintero's as NEW) is either a reviewed,
//! intentional deviation recorded with its reason in `openapi/upstream-deviations.yaml`, or
//! drift. Exit 0: only recorded deviations; 1: no drift, but a recorded deviation no longer
//! occurs (stale: remove it); 2: drift; 3: the command could not run.

use std::fmt::Write as _;
use std::path::Path;

use serde_json::Value;

use super::diff::{self, Change, endpoints, rules};
use super::doc::{self, Error, Result};

/// The deviations file, relative to the repository root.
pub const DEVIATIONS_PATH: &str = "openapi/upstream-deviations.yaml";

/// One reviewed difference between our spec and Dintero's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deviation {
    /// The rule id of the change.
    pub rule: String,
    /// The JSON pointer in our spec, if the change has one there.
    pub ours: Option<String>,
    /// The JSON pointer in Dintero's document, if the change has one there.
    pub upstream: Option<String>,
    /// Only changes whose message contains this.
    pub contains: Option<String>,
    /// Only for Dintero's document with this `info.title`.
    pub document: Option<String>,
    /// Only for these operations.
    pub operations: Vec<String>,
    /// Why the deviation is intended.
    pub reason: String,
}

impl Deviation {
    /// Whether this entry records `change`.
    fn records(&self, change: &Change) -> bool {
        let optional =
            |want: &Option<String>, have: &Option<String>| want.is_none() || want == have;
        self.rule == change.rule.id
            && optional(&self.ours, &change.old_pointer)
            && optional(&self.upstream, &change.new_pointer)
            && self
                .contains
                .as_ref()
                .is_none_or(|c| change.message.contains(c))
            && (self.operations.is_empty()
                || change
                    .operations
                    .iter()
                    .any(|op| self.operations.contains(op)))
    }

    /// Whether this entry applies to a run on document `title` comparing `compared`.
    fn in_scope(&self, title: &str, compared: &[String]) -> bool {
        self.document.as_deref().is_none_or(|d| d == title)
            && (self.operations.is_empty()
                || self.operations.iter().any(|op| compared.contains(op)))
    }
}

/// Reads the deviations file.
pub fn load_deviations(path: &Path) -> Result<Vec<Deviation>> {
    let doc = doc::parse_file(path)?;
    let fail =
        |i: usize, what: &str| Error(format!("{}: deviation {}: {what}", path.display(), i + 1));
    let list = doc
        .get("deviations")
        .and_then(Value::as_array)
        .ok_or_else(|| Error(format!("{}: no `deviations:` list", path.display())))?;
    list.iter()
        .enumerate()
        .map(|(i, entry)| {
            let text = |k: &str| entry.get(k).and_then(Value::as_str).map(str::to_string);
            let rule = text("rule").ok_or_else(|| fail(i, "no `rule`"))?;
            if rules::find(&rule).is_none() {
                return Err(fail(
                    i,
                    &format!("unknown rule `{rule}` (see `cargo xtask spec rules`)"),
                ));
            }
            let reason = text("reason").filter(|r| !r.trim().is_empty());
            let operations = entry.get("operations").and_then(Value::as_array);
            Ok(Deviation {
                rule,
                ours: text("ours"),
                upstream: text("upstream"),
                contains: text("contains"),
                document: text("document"),
                operations: operations
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect(),
                reason: reason.ok_or_else(|| fail(i, "no `reason`: say why it is intended"))?,
            })
        })
        .collect()
}

/// The outcome of a drift check.
#[derive(Debug)]
pub struct Drift {
    /// The operations compared.
    pub operations: Vec<String>,
    /// Each change with the deviation that records it, if any.
    pub changes: Vec<(Change, Option<usize>)>,
    /// In-scope deviations that recorded nothing.
    pub stale: Vec<Deviation>,
    /// The deviations, as read.
    pub deviations: Vec<Deviation>,
}

impl Drift {
    /// How many changes no deviation records.
    pub fn unrecorded(&self) -> usize {
        self.changes.iter().filter(|(_, d)| d.is_none()).count()
    }

    /// 0 only recorded deviations, 1 stale deviations, 2 drift.
    pub fn exit_code(&self) -> u8 {
        if self.unrecorded() > 0 {
            2
        } else if !self.stale.is_empty() {
            1
        } else {
            0
        }
    }

    /// The human-readable report.
    pub fn human(&self) -> String {
        let mut out = String::new();
        for (change, recorded) in &self.changes {
            let mark = if recorded.is_some() {
                "recorded"
            } else {
                "DRIFT"
            };
            let class = if change.breaking() {
                "breaking"
            } else {
                "non-breaking"
            };
            let _ = writeln!(
                out,
                "{mark:<8}  {} ({class}): {}",
                change.rule.id, change.message
            );
            let _ = writeln!(out, "{:<8}  at {}", "", change.location());
            if let Some(i) = recorded {
                let reason = self.deviations[*i].reason.lines().next().unwrap_or("");
                let _ = writeln!(out, "{:<8}  why: {reason}", "");
            }
        }
        for stale in &self.stale {
            let at = stale
                .ours
                .as_deref()
                .or(stale.upstream.as_deref())
                .unwrap_or("");
            let _ = writeln!(
                out,
                "STALE     {} at {at}: recorded, but no longer differs",
                stale.rule
            );
        }
        let recorded = self.changes.len() - self.unrecorded();
        let _ = writeln!(
            out,
            "{} operations compared: {} differences, {recorded} recorded, {} drift, {} stale deviations",
            self.operations.len(),
            self.changes.len(),
            self.unrecorded(),
            self.stale.len()
        );
        out
    }
}

/// Compares `ours` with Dintero's `upstream` for the operations both have (or `ops`).
pub fn check(
    ours: &Value,
    upstream: &Value,
    ops: &[String],
    deviations: Vec<Deviation>,
) -> Result<Drift> {
    let shared = shared_operations(ours, upstream, ops)?;
    let options = diff::Options {
        operations: shared.clone(),
        ignore_docs: false,
    };
    let report = diff::diff(ours, upstream, &options)?;
    let title = upstream
        .pointer("/info/title")
        .and_then(Value::as_str)
        .unwrap_or("");
    let mut used = vec![false; deviations.len()];
    let changes = report
        .changes
        .into_iter()
        .map(|change| {
            let found = deviations
                .iter()
                .position(|d| d.in_scope(title, &shared) && d.records(&change));
            if let Some(i) = found {
                used[i] = true;
            }
            (change, found)
        })
        .collect();
    let stale = deviations
        .iter()
        .zip(&used)
        .filter(|(d, used)| !**used && d.in_scope(title, &shared))
        .map(|(d, _)| d.clone())
        .collect();
    Ok(Drift {
        operations: shared,
        changes,
        stale,
        deviations,
    })
}

/// The operationIds (ours) of the operations both documents have, limited to `ops`.
fn shared_operations(ours: &Value, upstream: &Value, ops: &[String]) -> Result<Vec<String>> {
    let pairs = endpoints::select(endpoints::pair_all(ours, upstream), ops)?;
    let mut shared = Vec::new();
    for pair in &pairs {
        match (&pair.old, &pair.new) {
            (Some(o), Some(_)) => shared.push(o.key()),
            (Some(o), None) if !ops.is_empty() => {
                return Err(Error(format!(
                    "{} is not in the upstream document",
                    o.key()
                )));
            }
            _ => {}
        }
    }
    if shared.is_empty() {
        return Err(Error(
            "the upstream document has none of our operations (by operationId or endpoint)".into(),
        ));
    }
    Ok(shared)
}
