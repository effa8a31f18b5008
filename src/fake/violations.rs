//! Responses that broke the spec: bugs in the fake, recorded so that tests (and
//! `dintero fake`) can show them instead of passing on a wrong answer.

use std::fmt;

use super::{FakeDintero, Operation};

/// A response the fake sent although it breaks `openapi/dintero.yaml`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Violation {
    /// The operation answered.
    pub operation: Operation,
    /// The status sent.
    pub status: u16,
    /// What breaks the spec: the field, the rule and why (values are not shown).
    pub problem: String,
}

impl Violation {
    pub(crate) fn new(operation: Operation, status: u16, problem: String) -> Self {
        Self {
            operation,
            status,
            problem,
        }
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let operation = self.operation.operation_id().unwrap_or("(no operation)");
        write!(f, "{operation} {}: {}", self.status, self.problem)
    }
}

/// The panic message of a fake dropped with violations.
pub(crate) fn report(violations: &[Violation]) -> String {
    let lines: Vec<String> = violations.iter().map(|v| format!("  {v}")).collect();
    format!(
        "the fake Dintero sent {} response(s) that break the spec (a bug in the fake):\n{}",
        violations.len(),
        lines.join("\n")
    )
}

impl FakeDintero {
    /// The responses so far that broke the spec, oldest first. Empty unless the fake has a
    /// bug (or was given data the spec does not allow, e.g. through
    /// [`insert_customer`](Self::insert_customer)).
    pub fn violations(&self) -> Vec<Violation> {
        self.shared.lock().violations.clone()
    }

    /// Like [`violations`](Self::violations), and forgets them: the caller has dealt with
    /// them, so dropping the fake will not panic.
    pub fn take_violations(&self) -> Vec<Violation> {
        std::mem::take(&mut self.shared.lock().violations)
    }
}
