//! What a diff found, and how it is printed (text or JSON), each change with its rule id.

use std::fmt::Write as _;

use serde_json::{Value, json};

use super::rules::Rule;

/// Which way the data of a schema travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Side {
    /// Sent by the client: parameters and request bodies.
    Request,
    /// Decoded by the client: responses and their headers.
    Response,
}

impl Side {
    /// `request` or `response`.
    pub fn name(self) -> &'static str {
        match self {
            Side::Request => "request",
            Side::Response => "response",
        }
    }
}

/// One difference between the two documents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// The kind of change, with its level.
    pub rule: &'static Rule,
    /// The side of the data, or `None` for an operation- or document-level change.
    pub side: Option<Side>,
    /// Where it is in OLD, if it exists there.
    pub old_pointer: Option<String>,
    /// Where it is in NEW, if it exists there.
    pub new_pointer: Option<String>,
    /// What changed.
    pub message: String,
    /// The compared operations it affects (empty for document-level changes).
    pub operations: Vec<String>,
}

impl PartialEq for Rule {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
    }
}

impl Eq for Rule {}

impl Change {
    /// Whether the change can break a client.
    pub fn breaking(&self) -> bool {
        self.rule.breaking()
    }

    /// The JSON pointer to show: NEW's where the change exists there, else OLD's.
    pub fn location(&self) -> String {
        match (&self.old_pointer, &self.new_pointer) {
            (Some(old), Some(new)) if old != new => format!("{new} (was {old})"),
            (_, Some(new)) => new.clone(),
            (Some(old), None) => format!("{old} (in OLD)"),
            (None, None) => String::new(),
        }
    }

    /// Three lines: class, rule and message; where; which operations.
    pub fn human(&self) -> String {
        let class = if self.breaking() {
            "BREAKING"
        } else {
            "non-breaking"
        };
        let side = self
            .side
            .map(|s| format!(" [{}]", s.name()))
            .unwrap_or_default();
        let mut out = format!("{class:<12}  {}{side}: {}\n", self.rule.id, self.message);
        let _ = writeln!(out, "{:<12}  at {}", "", self.location());
        if !self.operations.is_empty() {
            let _ = writeln!(out, "{:<12}  in {}", "", self.operations.join(", "));
        }
        out
    }

    /// The change as a JSON object.
    pub fn json(&self) -> Value {
        json!({
            "rule": self.rule.id,
            "class": self.rule.level.to_string(),
            "family": self.rule.family.to_string(),
            "side": self.side.map(Side::name),
            "old_pointer": self.old_pointer,
            "new_pointer": self.new_pointer,
            "message": self.message,
            "operations": self.operations,
        })
    }
}

/// The result of a diff.
#[derive(Debug, Clone)]
pub struct Report {
    /// The operations compared.
    pub operations: Vec<String>,
    /// Every change found, in discovery order, each reported once.
    pub changes: Vec<Change>,
}

impl Report {
    /// How many changes are breaking.
    pub fn breaking(&self) -> usize {
        self.changes.iter().filter(|c| c.breaking()).count()
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
        let mut out: String = self.changes.iter().map(Change::human).collect();
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
        json!({
            "operations": self.operations,
            "breaking": self.breaking(),
            "non_breaking": self.changes.len() - self.breaking(),
            "exit_code": self.exit_code(),
            "changes": self.changes.iter().map(Change::json).collect::<Vec<_>>(),
        })
    }
}
