//! The bulk benchmark of BENCHMARKS.md: the `dintero` binary renaming thousands of
//! customers against a fake Dintero limited to 200 requests/s with 30 ms latency.
//!
//! ```sh
//! cargo build --release --features cli --bin dintero --example bulk_bench
//! target/release/examples/bulk_bench
//! ```
//!
//! The fake runs in this process (so every answer can be checked afterwards); the binary
//! runs as a child process against it, as it would against Dintero. Two scenarios:
//!
//! - `limit`: 2,000 and 10,000 rows, the adaptive pace (`--concurrency 4`, default
//!   `--max-concurrency 32`) beside a fixed concurrency of 4 (`--max-concurrency 4`):
//!   wall time against the ideal (rows / 200 s), failed rows, 429 answers.
//! - `faults`: 10,000 rows with 5 % of the requests answered 503 by a "gateway"
//!   (`5/100` bursts) and 1 % of the answers lost after the change was applied (`1/100`),
//!   then the same command again until every row is settled: what each run left, and
//!   whether any row was lost or any change applied twice.
//!
//! Knobs: `BENCH_RUNS` (5), `BENCH_ROWS` (`2000,10000`, for `limit`), `BENCH_ONLY`
//! (`limit` or `faults`), `BENCH_BIN` (the `dintero` binary; default: next to this one's
//! directory, i.e. `target/release/dintero`).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use dintero_client::fake::{Burst, FakeDintero, Operation};
use serde_json::Value;

const AID: &str = "T12345678";
const CLIENT_ID: &str = "bench";
const SECRET: &str = "bench-secret";
const RATE: u32 = 200;
const LATENCY: Duration = Duration::from_millis(30);
/// Resumes the `faults` scenario allows before it calls a run unsettled.
const MAX_RESUMES: usize = 5;

/// What one run of the binary left.
#[derive(Debug, Default)]
struct Run {
    wall: Duration,
    /// Rows per final status in the result file.
    statuses: HashMap<String, usize>,
    /// 429 answers the fake sent during the run.
    limited: usize,
}

#[tokio::main]
async fn main() -> ExitCode {
    let binary = binary();
    if !binary.exists() {
        eprintln!(
            "{} not found: cargo build --release --features cli --bin dintero",
            binary.display()
        );
        return ExitCode::FAILURE;
    }
    let runs: usize = knob("BENCH_RUNS", "5")
        .parse()
        .expect("BENCH_RUNS: a number");
    let only = knob("BENCH_ONLY", "");
    println!("binary {}, {runs} runs each; {}", binary.display(), load());
    let mut ok = true;
    if only.is_empty() || only == "limit" {
        for rows in knob("BENCH_ROWS", "2000,10000").split(',') {
            let rows: usize = rows.trim().parse().expect("BENCH_ROWS: numbers");
            ok &= limit(&binary, rows, runs).await;
        }
    }
    if only.is_empty() || only == "faults" {
        ok &= faults(&binary, 10_000, runs).await;
    }
    println!("{}", load());
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// The `limit` scenario for one size: both modes, interleaved run by run so load from
/// other processes hits both alike. Whether every run changed every row exactly once.
async fn limit(binary: &Path, rows: usize, runs: usize) -> bool {
    let modes: [(&str, &[&str]); 2] = [
        ("adaptive", &["--concurrency", "4"]),
        ("fixed 4", &["--concurrency", "4", "--max-concurrency", "4"]),
    ];
    let mut walls: Vec<Vec<Duration>> = vec![Vec::new(); modes.len()];
    let mut worst: Vec<(usize, usize)> = vec![(0, 0); modes.len()];
    let mut ok = true;
    for i in 0..runs {
        for (m, (name, args)) in modes.iter().enumerate() {
            let fake = fake(rows).await;
            let dir = tempfile::tempdir().expect("a temporary directory");
            let csv = write_csv(dir.path(), rows);
            let run = run(binary, &fake, &csv, args).await;
            let failed = rows - run.statuses.get("ok").copied().unwrap_or(0);
            ok &= check_once(&fake, rows, name);
            println!(
                "  limit {rows} {name:8} run {}: {:.2} s ({:.3}x ideal), {failed} failed, {} x 429",
                i + 1,
                run.wall.as_secs_f64(),
                ratio(run.wall, rows),
                run.limited
            );
            walls[m].push(run.wall);
            worst[m] = (worst[m].0.max(failed), worst[m].1.max(run.limited));
        }
    }
    println!(
        "| rows | mode | wall s, median (range) | median / ideal | failed (max) | 429s (max) |"
    );
    for (m, (name, _)) in modes.iter().enumerate() {
        let (median, low, high) = spread(&mut walls[m]);
        println!(
            "| {rows} | {name} | {median:.2} ({low:.2} to {high:.2}) | {:.3} | {} | {} |",
            median / (rows as f64 / f64::from(RATE)),
            worst[m].0,
            worst[m].1
        );
    }
    ok
}

/// The `faults` scenario: a first run with lost answers and 503s, then resumes until
/// every row is settled; each run checked for lost rows and changes applied twice.
async fn faults(binary: &Path, rows: usize, runs: usize) -> bool {
    let mut walls = Vec::new();
    let mut ok = true;
    for i in 0..runs {
        let fake = fake(rows).await;
        fake.set_unavailable_bursts(Some(Burst {
            length: 5,
            every: 100,
        }));
        fake.set_dropped_responses(Some(Burst {
            length: 1,
            every: 100,
        }));
        let dir = tempfile::tempdir().expect("a temporary directory");
        let csv = write_csv(dir.path(), rows);
        let first = run(binary, &fake, &csv, &[]).await;
        walls.push(first.wall);
        println!(
            "  faults run {}: first pass {:.2} s ({:.3}x ideal): {}",
            i + 1,
            first.wall.as_secs_f64(),
            ratio(first.wall, rows),
            statuses(&first)
        );
        ok &= check_once(&fake, rows, "faults");
        ok &= resume_until_settled(binary, &fake, &csv, rows).await;
    }
    let (median, low, high) = spread(&mut walls);
    println!(
        "| {rows} rows, 503 5/100 + lost answers 1/100 | first pass {median:.2} s ({low:.2} to {high:.2}), {:.3}x ideal |",
        median / (rows as f64 / f64::from(RATE))
    );
    ok
}

/// Runs the same command again (faults still on) until no row is `error` or `unknown`.
async fn resume_until_settled(binary: &Path, fake: &FakeDintero, csv: &Path, rows: usize) -> bool {
    for resume in 1..=MAX_RESUMES {
        let run = run(binary, fake, csv, &[]).await;
        let open = ["error", "unknown"]
            .iter()
            .map(|s| run.statuses.get(*s).copied().unwrap_or(0))
            .sum::<usize>();
        println!(
            "    resume {resume}: {:.2} s: {}",
            run.wall.as_secs_f64(),
            statuses(&run)
        );
        if !check_once(fake, rows, "resume") {
            return false;
        }
        if open == 0 {
            return check_probably_applied(fake, csv);
        }
    }
    println!("    NOT SETTLED after {MAX_RESUMES} resumes");
    false
}

/// A fake limited to 200/s with 30 ms latency, with `rows` customers `c-1..=rows`.
async fn fake(rows: usize) -> FakeDintero {
    let fake = FakeDintero::start().await.expect("the fake starts");
    fake.add_client(AID, CLIENT_ID, SECRET);
    for i in 1..=rows {
        fake.add_customer(AID, &format!("c-{i}"));
    }
    fake.set_rate_limit(RATE);
    fake.set_latency(LATENCY);
    fake
}

fn write_csv(dir: &Path, rows: usize) -> PathBuf {
    let csv = dir.join("rows.csv");
    let mut body = String::from("old,new\n");
    for i in 1..=rows {
        body.push_str(&format!("c-{i},n-{i}\n"));
    }
    std::fs::write(&csv, body).expect("the CSV is written");
    csv
}

/// Runs `dintero customer change-id --file CSV ARGS` against `fake`, timed from spawn to
/// exit.
async fn run(binary: &Path, fake: &FakeDintero, csv: &Path, args: &[&str]) -> Run {
    let limited_before = count(fake, 429);
    let mut command = Command::new(binary);
    command
        .env("DINTERO_BASE_URL", fake.base_url())
        .env("DINTERO_ACCOUNT_ID", AID)
        .env("DINTERO_CLIENT_ID", CLIENT_ID)
        .env("DINTERO_CLIENT_SECRET", SECRET)
        .env_remove("RUST_LOG")
        .args(["customer", "change-id", "--file"])
        .arg(csv)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let started = Instant::now();
    let status = tokio::task::spawn_blocking(move || command.status())
        .await
        .expect("the waiting thread")
        .expect("the binary runs");
    let wall = started.elapsed();
    assert!(status.code().is_some(), "the binary was killed: {status}");
    Run {
        wall,
        statuses: final_statuses(&results_path(csv)),
        limited: count(fake, 429) - limited_before,
    }
}

fn results_path(csv: &Path) -> PathBuf {
    let mut name = csv.as_os_str().to_owned();
    name.push(".results.jsonl");
    PathBuf::from(name)
}

/// The last status of every row of the result file, counted.
fn final_statuses(results: &Path) -> HashMap<String, usize> {
    let last = last_lines(results);
    let mut counts = HashMap::new();
    for line in last.values() {
        let status = line["status"].as_str().unwrap_or("?").to_string();
        *counts.entry(status).or_insert(0) += 1;
    }
    counts
}

fn last_lines(results: &Path) -> HashMap<u64, Value> {
    std::fs::read_to_string(results)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter_map(|line| Some((line["row"].as_u64()?, line)))
        .collect()
}

/// No customer changed twice, and no change the fake never saw reported `ok`.
fn check_once(fake: &FakeDintero, rows: usize, what: &str) -> bool {
    let mut applied: HashMap<String, usize> = HashMap::new();
    for request in fake.requests() {
        if request.operation == Operation::ChangeCustomerId && request.status == 200 {
            *applied
                .entry(request.target.unwrap_or_default())
                .or_insert(0) += 1;
        }
    }
    let twice = applied.values().filter(|&&n| n > 1).count();
    let violations = fake.take_violations().len();
    if twice > 0 || applied.len() > rows || violations > 0 {
        println!("    {what}: {twice} changes applied twice, {violations} contract violations");
        return false;
    }
    true
}

/// Every row `probably_applied` was indeed applied by the fake (in an earlier run whose
/// answer was lost), and every row is in the result file.
fn check_probably_applied(fake: &FakeDintero, csv: &Path) -> bool {
    let last = last_lines(&results_path(csv));
    let applied: std::collections::HashSet<String> = fake
        .requests()
        .into_iter()
        .filter(|r| r.operation == Operation::ChangeCustomerId && r.status == 200)
        .filter_map(|r| r.target)
        .collect();
    let probably: Vec<&Value> = last
        .values()
        .filter(|line| line["status"] == "probably_applied")
        .collect();
    let confirmed = probably
        .iter()
        .filter(|line| applied.contains(line["old"].as_str().unwrap_or_default()))
        .count();
    println!(
        "    settled: {} rows in the result file, {} probably applied earlier, {confirmed} of them confirmed applied by the fake",
        last.len(),
        probably.len()
    );
    confirmed == probably.len()
}

fn count(fake: &FakeDintero, status: u16) -> usize {
    fake.requests()
        .iter()
        .filter(|r| r.status == status)
        .count()
}

fn statuses(run: &Run) -> String {
    let mut parts: Vec<String> = run
        .statuses
        .iter()
        .map(|(status, n)| format!("{n} {status}"))
        .collect();
    parts.sort();
    format!("{}; {} x 429", parts.join(", "), run.limited)
}

fn ratio(wall: Duration, rows: usize) -> f64 {
    wall.as_secs_f64() / (rows as f64 / f64::from(RATE))
}

/// Median, minimum and maximum, in seconds.
fn spread(walls: &mut [Duration]) -> (f64, f64, f64) {
    walls.sort_unstable();
    let seconds = |d: &Duration| d.as_secs_f64();
    let n = walls.len();
    let median = if n % 2 == 1 {
        seconds(&walls[n / 2])
    } else {
        (seconds(&walls[n / 2 - 1]) + seconds(&walls[n / 2])) / 2.0
    };
    (median, seconds(&walls[0]), seconds(&walls[n - 1]))
}

fn knob(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_string())
}

/// The `dintero` binary: `BENCH_BIN`, or `target/<profile>/dintero` beside
/// `target/<profile>/examples/`.
fn binary() -> PathBuf {
    if let Ok(path) = std::env::var("BENCH_BIN") {
        return PathBuf::from(path);
    }
    let me = std::env::current_exe().expect("the example's path");
    let profile_dir = me
        .parent()
        .and_then(Path::parent)
        .expect("target/<profile>/examples/");
    profile_dir.join(format!("dintero{}", std::env::consts::EXE_SUFFIX))
}

fn load() -> String {
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let fields: Vec<&str> = load.split_whitespace().take(3).collect();
    format!("load average {}", fields.join(" "))
}
