//! The input: a CSV file of `old,new` rows, and the dry run that checks them locally.

use std::collections::HashMap;
use std::fs::File;
use std::path::Path;

use serde::Deserialize;

use super::super::{EXIT_FAILED, Kind};

/// One row of the input (1-based, header excluded).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Row {
    pub(crate) row: usize,
    pub(crate) old: String,
    pub(crate) new: String,
    /// An earlier run recorded this row's outcome as unknown: a 404 for the old id now
    /// most likely means that earlier attempt applied it.
    pub(crate) was_unknown: bool,
}

#[derive(Debug, Deserialize)]
struct CsvRow {
    old: String,
    new: String,
}

pub(crate) fn read_rows(path: &Path) -> Result<Vec<Row>, String> {
    let file = File::open(path).map_err(|e| format!("cannot open {}: {e}", path.display()))?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .trim(csv::Trim::None)
        .from_reader(file);
    let headers = reader
        .headers()
        .map_err(|e| format!("{}: {e}", path.display()))?
        .clone();
    for column in ["old", "new"] {
        if !headers.iter().any(|h| h == column) {
            return Err(format!(
                "{}: the header row must name the columns `old` and `new`",
                path.display()
            ));
        }
    }
    reader
        .deserialize::<CsvRow>()
        .enumerate()
        .map(|(i, record)| {
            let record = record.map_err(|e| format!("{}: row {}: {e}", path.display(), i + 1))?;
            Ok(Row {
                row: i + 1,
                old: record.old,
                new: record.new,
                was_unknown: false,
            })
        })
        .collect()
}

/// Validates every row locally and reports; sends nothing, needs no credentials.
pub(crate) fn dry_run(kind: Kind, rows: &[Row]) -> u8 {
    let mut invalid = 0;
    for row in rows {
        if let Err(e) = kind.validate(&row.old, &row.new) {
            invalid += 1;
            out!("row {}: {e}", row.row);
        }
    }
    // Rows run concurrently: an id that is both a current and a new id makes the outcome
    // depend on the order; a repeated current or new id fails at least once.
    let mut olds = HashMap::new();
    let mut news = HashMap::new();
    for row in rows {
        *olds.entry(row.old.as_str()).or_insert(0) += 1;
        *news.entry(row.new.as_str()).or_insert(0) += 1;
    }
    let repeated_old = olds.values().filter(|&&n| n > 1).count();
    let repeated_new = news.values().filter(|&&n| n > 1).count();
    let chained = news.keys().filter(|k| olds.contains_key(*k)).count();
    for (count, what) in [
        (repeated_old, "current ids appear in more than one row"),
        (repeated_new, "new ids appear in more than one row"),
        (
            chained,
            "ids are both a current and a new id (order-dependent under concurrency)",
        ),
    ] {
        if count > 0 {
            out!("warning: {count} {what}");
        }
    }
    out!(
        "dry run: {} rows, {} valid, {invalid} invalid; nothing was sent",
        rows.len(),
        rows.len() - invalid
    );
    if invalid > 0 { EXIT_FAILED } else { 0 }
}
