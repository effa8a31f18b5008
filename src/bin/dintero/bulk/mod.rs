//! Bulk mode: many changes from a CSV file at the pace the API allows, a per-row result
//! file (JSON lines) that makes an interrupted run resumable, and a summary.
//!
//! - [`rows`]: the CSV input and the dry run;
//! - [`pace`]: how many changes may be in flight and how fast they start (the policy);
//! - [`runner`]: the loop that applies the pace;
//! - [`verdict`]: what an answer means for its row and for the pace;
//! - [`results`]: the result file; [`report`]: progress and summary.

mod pace;
mod report;
mod results;
mod rows;
mod runner;
mod verdict;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use dintero_client::RetryBudget;
use tokio::time::Instant;

use super::{Cli, EXIT_CONFIG, Kind};
use pace::Pace;
use report::Report;
use results::{Results, RowKey, Status};
use rows::Row;

/// How many times one row is sent when the answers say "not processed" (429, or 503 with
/// `Retry-After`), before it is recorded as failed (and retried by the next run). Each such
/// answer pauses the whole run first, so this is several seconds of a limit that does not
/// let up, not a quick loop.
const MAX_ATTEMPTS: u32 = 8;

/// What to run.
#[derive(Debug)]
pub(crate) struct Options {
    pub(crate) kind: Kind,
    pub(crate) file: PathBuf,
    pub(crate) results: PathBuf,
    /// The concurrency to start with.
    pub(crate) concurrency: usize,
    /// The most changes ever in flight at once.
    pub(crate) max_concurrency: usize,
    pub(crate) dry_run: bool,
}

/// `renames.csv` -> `renames.csv.results.jsonl`.
pub(crate) fn default_results_path(file: &Path) -> PathBuf {
    let mut name = file.as_os_str().to_owned();
    name.push(".results.jsonl");
    PathBuf::from(name)
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
    let rows = rows::read_rows(&options.file)?;
    if options.dry_run {
        return Ok(rows::dry_run(options.kind, &rows));
    }
    let total = rows.len();
    let previous = results::read_previous(&options.results)?;
    let pending = pending(rows, &previous);
    let skipped = total - pending.len();
    announce_resume(&pending, skipped, total, &options.results);
    if pending.is_empty() {
        out!(
            "Nothing to do: all {total} rows are done (results in {}).",
            options.results.display()
        );
        return Ok(0);
    }

    let olds: Vec<&str> = pending.iter().map(|r| r.old.as_str()).collect();
    // The pace sees every 429 and 503 itself: the client must not wait and retry them.
    let (client, _fake) = super::connect(cli, options.kind, &olds, RetryBudget::none()).await?;
    let mut report = Report::new(Results::open(&options.results)?, pending.len());
    let mut pace = Pace::new(options.concurrency, options.max_concurrency, Instant::now());
    let kind = options.kind;
    let apply = move |row: Row, attempt: u32| {
        let client = client.clone();
        async move {
            let result = kind.apply(&client, &row.old, &row.new).await;
            let verdict = verdict::judge(&row, result, attempt);
            (row, verdict)
        }
    };
    let ended = runner::run(
        pending,
        &mut pace,
        MAX_ATTEMPTS,
        apply,
        &mut report,
        ctrl_c(),
    )
    .await?;
    Ok(report.finish(total, skipped, ended, &options.results))
}

/// The rows an earlier run did not settle, marked when their last outcome was unknown.
fn pending(rows: Vec<Row>, previous: &HashMap<RowKey, Status>) -> Vec<Row> {
    rows.into_iter()
        .filter_map(|mut row| {
            let key = (row.row, row.old.clone(), row.new.clone());
            match previous.get(&key) {
                Some(status) if status.is_settled() => None,
                status => {
                    row.was_unknown = status == Some(&Status::Unknown);
                    Some(row)
                }
            }
        })
        .collect()
}

fn announce_resume(pending: &[Row], skipped: usize, total: usize, results: &Path) {
    let unknown = pending.iter().filter(|r| r.was_unknown).count();
    if skipped == 0 && unknown == 0 {
        return;
    }
    eprintln!(
        "Resuming: {skipped} of {total} rows are already done according to {}.",
        results.display()
    );
    if unknown > 0 {
        eprintln!(
            "{unknown} rows had an unknown outcome: they are sent again; a 404 for the old id \
             then means the earlier attempt probably applied them."
        );
    }
}

/// Resolves on Ctrl-C; never, if the handler cannot be installed.
async fn ctrl_c() {
    if tokio::signal::ctrl_c().await.is_err() {
        std::future::pending::<()>().await;
    }
}
