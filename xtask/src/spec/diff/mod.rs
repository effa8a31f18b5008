//! `cargo xtask spec diff OLD NEW`: a semantic diff of two OpenAPI 3.0 documents, each
//! change named by a rule of [`rules::RULES`] and classed breaking or not for a client
//! built from OLD (see [`rules`] for what "breaking" means and where it departs from
//! oasdiff).
//!
//! Operations are paired by operationId, then by method and path template with parameter
//! names ignored ([`endpoints`]). Parameters, request bodies, responses, headers, security
//! and every schema they reach are compared; keywords no rule understands are still
//! reported ([`rules::KEYWORD_CHANGED`]), so no difference goes unreported.
//!
//! Responses are read tolerantly, requests strictly: for a schema reached only from
//! responses (as [`dintero_codegen::tolerant::response_only_schemas`] decides, the same
//! decision the generator makes), a new enum value decodes as unknown, an optional property
//! that may now be `null` decodes as absent, and string patterns and lengths are not
//! enforced, so those changes are non-breaking. A schema that a request also reaches is one
//! Rust type used for sending too, and keeps the strict rules.

mod body;
mod composition;
mod constraints;
mod document;
pub mod endpoints;
mod enums;
mod operation;
mod parameters;
mod presence;
mod properties;
pub mod report;
mod responses;
pub mod rules;
mod schema;
mod security;
mod walk;

#[cfg(test)]
mod tests;

use serde_json::Value;

pub use report::{Change, Report};

use super::doc::Result;

/// What to compare.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The operations to compare (`operationId`s, or `METHOD /path` routes); empty means
    /// every operation of either document.
    pub operations: Vec<String>,
    /// Leave out description, summary and example changes.
    pub ignore_docs: bool,
}

/// Compares two OpenAPI 3.0 documents.
pub fn diff(old: &Value, new: &Value, options: &Options) -> Result<Report> {
    let all = options.operations.is_empty();
    let pairs = endpoints::select(endpoints::pair_all(old, new), &options.operations)?;
    let mut differ = walk::Differ::new(old, new, options.ignore_docs);
    document::compare(&mut differ, &pairs, all);
    for pair in &pairs {
        differ.begin(Some(pair.key()));
        operation::compare(&mut differ, pair);
    }
    let changes = differ.finish()?;
    Ok(Report {
        operations: pairs.iter().map(endpoints::Pair::key).collect(),
        changes,
    })
}
