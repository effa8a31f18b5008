//! What a bulk run shows: the progress bar while it runs (rows/s, concurrency, pace, limit
//! answers), one line per row that did not go through, and the summary at the end.

use std::io::IsTerminal;
use std::path::Path;
use std::time::Instant as WallClock;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use tokio::time::Instant;

use super::super::{EXIT_FAILED, EXIT_INTERRUPTED};
use super::pace::Pace;
use super::results::{Record, Results, Status};
use super::runner::{Ended, Sink};

/// Rows of the "check these" list printed in full; the rest are in the result file.
const LISTED: usize = 20;

/// The progress bar; `{msg}` carries the concurrency, the pace and the 429s.
const TEMPLATE: &str = "{bar:30} {pos}/{len} rows ({per_sec}, eta {eta}) {msg}";

/// Counts of this run.
#[derive(Debug, Default)]
struct Tally {
    ok: usize,
    failed: usize,
    unknown: usize,
    probably_applied: Vec<Record>,
    /// Rows sent more than once because an answer said "not processed".
    limited_rows: usize,
    /// Answers that said "not processed" (429, or 503 with `Retry-After`).
    limited_answers: usize,
}

impl Tally {
    fn finished(&self) -> usize {
        self.ok + self.failed + self.unknown + self.probably_applied.len()
    }
}

/// The [`Sink`] of a real run: the result file, the progress bar and the counts.
#[derive(Debug)]
pub(crate) struct Report {
    results: Results,
    progress: ProgressBar,
    tally: Tally,
    started: WallClock,
}

impl Report {
    pub(crate) fn new(results: Results, pending: usize) -> Self {
        Self {
            results,
            progress: progress_bar(pending as u64),
            tally: Tally::default(),
            started: WallClock::now(),
        }
    }

    /// Prints the summary; the exit code.
    pub(crate) fn finish(self, total: usize, skipped: usize, ended: Ended, results: &Path) -> u8 {
        self.progress.finish_and_clear();
        let tally = &self.tally;
        let interrupted = if ended.interrupted {
            format!(
                ", {} not started (interrupted; run the same command again to resume)",
                total - skipped - tally.finished()
            )
        } else {
            String::new()
        };
        out!(
            "{total} rows: {} changed, {skipped} already done, {} failed, {} unknown, {} probably \
             applied earlier{interrupted}; results in {}",
            tally.ok,
            tally.failed,
            tally.unknown,
            tally.probably_applied.len(),
            results.display()
        );
        let elapsed = self.started.elapsed().as_secs_f64();
        out!(
            "{:.1} s, {:.1} rows/s; {} rows hit a rate limit ({} answers said not processed, \
             and those rows were sent again)",
            elapsed,
            tally.finished() as f64 / elapsed.max(f64::EPSILON),
            tally.limited_rows,
            tally.limited_answers
        );
        print_to_check(tally);
        if ended.interrupted {
            EXIT_INTERRUPTED
        } else if tally.failed > 0 || tally.unknown > 0 {
            EXIT_FAILED
        } else {
            0
        }
    }

    fn print_row(&self, record: &Record) {
        self.progress.suspend(|| {
            eprintln!(
                "row {}: {} -> {}: {}: {}",
                record.row,
                record.old,
                record.new,
                label(record.status),
                record.error.as_deref().unwrap_or("failed")
            );
        });
    }
}

/// The rows a person should look at.
fn print_to_check(tally: &Tally) {
    let probably = &tally.probably_applied;
    if !probably.is_empty() {
        out!(
            "{} rows were probably applied earlier (old id gone after an unknown outcome); check them:",
            probably.len()
        );
        for record in probably.iter().take(LISTED) {
            out!("  row {}: {} -> {}", record.row, record.old, record.new);
        }
        if probably.len() > LISTED {
            out!(
                "  ... and {} more (\"probably_applied\" in the result file)",
                probably.len() - LISTED
            );
        }
    }
    if tally.unknown > 0 {
        out!(
            "{} rows have an unknown outcome (sent, no answer): run the same command again to \
             settle them; a retry that finds the old id gone is counted as probably applied",
            tally.unknown
        );
    }
}

fn label(status: Status) -> &'static str {
    match status {
        Status::Ok => "ok",
        Status::Error => "failed",
        Status::Unknown => "outcome unknown",
        Status::ProbablyApplied => "probably applied earlier",
    }
}

impl Sink<Record> for Report {
    fn finished(&mut self, record: Record) -> Result<(), String> {
        let tally = &mut self.tally;
        match record.status {
            Status::Ok => tally.ok += 1,
            Status::Error => tally.failed += 1,
            Status::Unknown => tally.unknown += 1,
            Status::ProbablyApplied => tally.probably_applied.push(record.clone()),
        }
        if record.attempts.is_some() {
            tally.limited_rows += 1;
        }
        if record.status != Status::Ok {
            self.print_row(&record);
        }
        self.results.append(&record)?;
        self.progress.inc(1);
        Ok(())
    }

    fn not_processed(&mut self) {
        self.tally.limited_answers += 1;
    }

    fn paced(&mut self, pace: &Pace, now: Instant) {
        let mut message = format!("concurrency {}", pace.window());
        if let Some(rate) = pace.rate() {
            message.push_str(&format!(", pace {rate:.0}/s"));
        }
        message.push_str(&format!(", 429/503: {}", self.tally.limited_answers));
        if pace.paused_until(now).is_some() {
            message.push_str(", paused (Retry-After)");
        }
        self.progress.set_message(message);
    }

    fn stopping(&mut self, in_flight: usize) {
        self.progress.suspend(|| {
            eprintln!(
                "Interrupted: finishing the {in_flight} changes in flight, starting no new ones."
            );
        });
    }
}

/// A progress bar on stderr when it is a terminal; hidden otherwise.
fn progress_bar(len: u64) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::hidden());
    }
    let bar = ProgressBar::new(len);
    if let Ok(style) = ProgressStyle::with_template(TEMPLATE) {
        bar.set_style(style);
    }
    bar
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_progress_template_is_valid() {
        // An invalid template would silently fall back to indicatif's default bar.
        assert!(ProgressStyle::with_template(TEMPLATE).is_ok());
    }
}
