//! The result file: one JSON line per finished row, appended and flushed as soon as the
//! row's outcome is known, so an interrupted or killed run can be resumed from it.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::path::Path;

use serde::{Deserialize, Serialize};

/// How a row ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Status {
    /// Changed.
    Ok,
    /// Not changed, with a reason (retried on resume).
    Error,
    /// Sent, but no answer says whether it was applied (retried on resume, where a 404 for
    /// the old id means it probably was).
    Unknown,
    /// An earlier `unknown` attempt: its retry found the old id gone, so that attempt most
    /// likely applied the change. Not retried; listed for a check.
    ProbablyApplied,
}

impl Status {
    /// Whether a resumed run leaves the row alone.
    pub(crate) fn is_settled(self) -> bool {
        matches!(self, Self::Ok | Self::ProbablyApplied)
    }
}

/// One line of the result file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Record {
    pub(crate) row: usize,
    pub(crate) old: String,
    pub(crate) new: String,
    pub(crate) status: Status,
    /// Why the row is not `ok`, or what to know about it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) error: Option<String>,
    /// The HTTP status of the last answer, when it was not a success.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) http_status: Option<u16>,
    /// How many times the row was sent in this run, when more than once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) attempts: Option<u32>,
}

/// The key a row is known by across runs: a row whose number or ids changed in the CSV
/// is a different row.
pub(crate) type RowKey = (usize, String, String);

/// The last recorded status of every row in the file (later lines win: a resumed run
/// appends). Lines that do not parse (a line cut short when the process was killed) are
/// ignored.
pub(crate) fn read_previous(path: &Path) -> Result<HashMap<RowKey, Status>, String> {
    let file = match File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(HashMap::new()),
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
    };
    let mut previous = HashMap::new();
    for line in BufReader::new(file).lines() {
        let line = line.map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        if let Ok(record) = serde_json::from_str::<Record>(&line) {
            previous.insert((record.row, record.old, record.new), record.status);
        }
    }
    Ok(previous)
}

/// The result file, open for appending.
#[derive(Debug)]
pub(crate) struct Results(File);

impl Results {
    /// Opens `path` for appending, ending a line cut short by a killed run first.
    pub(crate) fn open(path: &Path) -> Result<Self, String> {
        let fail = |e: std::io::Error| format!("cannot open {}: {e}", path.display());
        let mut file = OpenOptions::new()
            .create(true)
            .append(true)
            .read(true)
            .open(path)
            .map_err(fail)?;
        let len = file.metadata().map_err(fail)?.len();
        if len > 0 {
            let mut last = [0u8; 1];
            file.seek(SeekFrom::Start(len - 1)).map_err(fail)?;
            file.read_exact(&mut last).map_err(fail)?;
            if last[0] != b'\n' {
                file.write_all(b"\n").map_err(fail)?;
            }
        }
        Ok(Self(file))
    }

    /// Appends one line and flushes it.
    pub(crate) fn append(&mut self, record: &Record) -> Result<(), String> {
        let mut line = serde_json::to_string(record).map_err(|e| e.to_string())?;
        line.push('\n');
        self.0
            .write_all(line.as_bytes())
            .and_then(|()| self.0.flush())
            .map_err(|e| format!("cannot write the result file: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(row: usize, status: Status) -> Record {
        Record {
            row,
            old: format!("a{row}"),
            new: format!("b{row}"),
            status,
            error: None,
            http_status: None,
            attempts: None,
        }
    }

    #[test]
    fn the_last_line_of_a_row_wins_and_a_cut_line_is_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.jsonl");
        let mut results = Results::open(&path).unwrap();
        results.append(&record(1, Status::Unknown)).unwrap();
        results.append(&record(2, Status::Error)).unwrap();
        results.append(&record(1, Status::ProbablyApplied)).unwrap();
        drop(results);
        // A run killed mid-line.
        let mut file = OpenOptions::new().append(true).open(&path).unwrap();
        file.write_all(br#"{"row":2,"old":"a2","new":"b2","sta"#)
            .unwrap();
        drop(file);
        let mut results = Results::open(&path).unwrap();
        results.append(&record(3, Status::Ok)).unwrap();

        let previous = read_previous(&path).unwrap();
        let status = |row: usize| previous[&(row, format!("a{row}"), format!("b{row}"))];
        assert_eq!(status(1), Status::ProbablyApplied);
        assert_eq!(status(2), Status::Error);
        assert_eq!(status(3), Status::Ok);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(r#""status":"probably_applied""#), "{text}");
        assert!(text.ends_with("\"status\":\"ok\"}\n"), "{text}");
    }
}
