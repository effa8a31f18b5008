//! Bulk mode: many changes from a CSV file, with bounded concurrency, a per-row result file
//! (JSON lines) that makes an interrupted run resumable, and a summary.

use std::collections::{HashMap, HashSet};
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, IsTerminal, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use dintero_client::{Dintero, Error};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::{Deserialize, Serialize};
use tokio::task::JoinSet;

use super::{Cli, EXIT_CONFIG, EXIT_FAILED, EXIT_INTERRUPTED, Kind};

/// What to run.
#[derive(Debug)]
pub(crate) struct Options {
    pub(crate) kind: Kind,
    pub(crate) file: PathBuf,
    pub(crate) results: PathBuf,
    pub(crate) concurrency: usize,
    pub(crate) dry_run: bool,
}

/// `renames.csv` -> `renames.csv.results.jsonl`.
pub(crate) fn default_results_path(file: &Path) -> PathBuf {
    let mut name = file.as_os_str().to_owned();
    name.push(".results.jsonl");
    PathBuf::from(name)
}

/// One row of the input (1-based, header excluded).
#[derive(Debug, Clone)]
struct Row {
    row: usize,
    old: String,
    new: String,
}

#[derive(Debug, Deserialize)]
struct CsvRow {
    old: String,
    new: String,
}

/// One line of the result file.
#[derive(Debug, Serialize, Deserialize)]
struct Outcome {
    row: usize,
    old: String,
    new: String,
    /// `ok` or `error`.
    status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    /// The HTTP status of a failed request, when there was a response.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    http_status: Option<u16>,
}

pub(crate) async fn run(cli: &Cli, options: Options) -> u8 {
    match execute(cli, &options).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("dintero: {e}");
            EXIT_CONFIG
        }
    }
}

async fn execute(cli: &Cli, options: &Options) -> Result<u8, String> {
    let rows = read_rows(&options.file)?;
    if options.dry_run {
        return Ok(dry_run(options.kind, &rows));
    }

    let done = read_done(&options.results)?;
    let pending: Vec<Row> = rows
        .iter()
        .filter(|r| !done.contains(&(r.row, r.old.clone(), r.new.clone())))
        .cloned()
        .collect();
    let skipped = rows.len() - pending.len();
    if skipped > 0 {
        eprintln!(
            "Resuming: {skipped} of {} rows are already done according to {}.",
            rows.len(),
            options.results.display()
        );
    }
    if pending.is_empty() {
        out!(
            "Nothing to do: all {} rows are done (results in {}).",
            rows.len(),
            options.results.display()
        );
        return Ok(0);
    }

    let olds: Vec<&str> = pending.iter().map(|r| r.old.as_str()).collect();
    let (client, _fake) = super::connect(cli, options.kind, &olds).await?;
    let mut results = open_results(&options.results)?;

    let progress = progress_bar(pending.len() as u64);
    let mut tally = Tally {
        skipped,
        ..Tally::default()
    };
    let interrupted = process(
        &client,
        options,
        pending,
        &mut results,
        &progress,
        &mut tally,
    )
    .await?;
    progress.finish_and_clear();

    out!(
        "{} rows: {} changed, {} already done, {} failed{}; results in {}",
        rows.len(),
        tally.ok,
        tally.skipped,
        tally.failed,
        if interrupted {
            format!(
                ", {} not started (interrupted; run the same command again to resume)",
                rows.len() - tally.ok - tally.skipped - tally.failed
            )
        } else {
            String::new()
        },
        options.results.display()
    );
    Ok(if interrupted {
        EXIT_INTERRUPTED
    } else if tally.failed > 0 {
        EXIT_FAILED
    } else {
        0
    })
}

#[derive(Debug, Default)]
struct Tally {
    ok: usize,
    failed: usize,
    skipped: usize,
}

/// Runs the rows with at most `concurrency` in flight; each outcome is appended to the
/// result file and flushed as soon as it is known. On Ctrl-C no new row starts; the rows
/// in flight finish and are recorded. Returns whether it was interrupted.
async fn process(
    client: &Dintero,
    options: &Options,
    pending: Vec<Row>,
    results: &mut File,
    progress: &ProgressBar,
    tally: &mut Tally,
) -> Result<bool, String> {
    let mut queue = pending.into_iter();
    let mut in_flight = JoinSet::new();
    let mut interrupted = false;
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);
    loop {
        while !interrupted && in_flight.len() < options.concurrency {
            let Some(row) = queue.next() else { break };
            let client = client.clone();
            let kind = options.kind;
            in_flight.spawn(async move {
                let result = kind.apply(&client, &row.old, &row.new).await;
                (row, result)
            });
        }
        if in_flight.is_empty() {
            return Ok(interrupted);
        }
        tokio::select! {
            joined = in_flight.join_next() => {
                let Some(joined) = joined else { continue };
                let (row, result) = joined.map_err(|e| format!("a worker failed: {e}"))?;
                let outcome = outcome(row, result);
                if outcome.status == "ok" {
                    tally.ok += 1;
                } else {
                    tally.failed += 1;
                    progress.suspend(|| {
                        eprintln!(
                            "row {}: {} -> {}: {}",
                            outcome.row,
                            outcome.old,
                            outcome.new,
                            outcome.error.as_deref().unwrap_or("failed")
                        );
                    });
                }
                record(results, &outcome)?;
                progress.inc(1);
            }
            _ = &mut ctrl_c, if !interrupted => {
                interrupted = true;
                progress.suspend(|| {
                    eprintln!(
                        "Interrupted: finishing the {} changes in flight, starting no new ones.",
                        in_flight.len()
                    );
                });
            }
        }
    }
}

fn outcome(row: Row, result: Result<serde_json::Value, Error>) -> Outcome {
    let (status, error, http_status) = match result {
        Ok(_) => ("ok", None, None),
        Err(e) => ("error", Some(e.to_string()), e.status()),
    };
    Outcome {
        row: row.row,
        old: row.old,
        new: row.new,
        status: status.into(),
        error,
        http_status,
    }
}

fn record(results: &mut File, outcome: &Outcome) -> Result<(), String> {
    let mut line = serde_json::to_string(outcome).map_err(|e| e.to_string())?;
    line.push('\n');
    results
        .write_all(line.as_bytes())
        .and_then(|()| results.flush())
        .map_err(|e| format!("cannot write the result file: {e}"))
}

/// Validates every row locally and reports; sends nothing, needs no credentials.
fn dry_run(kind: Kind, rows: &[Row]) -> u8 {
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

fn read_rows(path: &Path) -> Result<Vec<Row>, String> {
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
            })
        })
        .collect()
}

/// The rows an earlier run finished: `(row, old, new)` of every `ok` line. Lines that do
/// not parse (a line cut short when the process was killed) are ignored.
fn read_done(path: &Path) -> Result<HashSet<(usize, String, String)>, String> {
    let file = match File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(HashSet::new()),
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
    };
    let mut done = HashSet::new();
    for line in BufReader::new(file).lines() {
        let line = line.map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        if let Ok(outcome) = serde_json::from_str::<Outcome>(&line)
            && outcome.status == "ok"
        {
            done.insert((outcome.row, outcome.old, outcome.new));
        }
    }
    Ok(done)
}

/// Opens the result file for appending, ending a line cut short by a killed run first.
fn open_results(path: &Path) -> Result<File, String> {
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
    Ok(file)
}

/// A progress bar on stderr when it is a terminal; hidden otherwise.
fn progress_bar(len: u64) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::hidden());
    }
    let bar = ProgressBar::new(len);
    if let Ok(style) =
        ProgressStyle::with_template("{bar:40} {pos}/{len} rows ({per_sec}, eta {eta})")
    {
        bar.set_style(style);
    }
    bar
}
