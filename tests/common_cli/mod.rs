//! Shared by the tests that run the `dintero` binary against a fake started in the test:
//! the command with the fake's credentials in its environment, running it, reading its
//! output and its result file, and what the fake applied.
#![allow(dead_code)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use dintero_client::fake::{FakeDintero, Operation};
use serde_json::Value;

pub const AID: &str = "T11112222";
pub const CLIENT_ID: &str = "bulk-client";
pub const SECRET: &str = "bulk-secret-do-not-print";

/// The binary, pointed at `fake` with credentials in the environment (registered here).
pub fn dintero(fake: &FakeDintero) -> Command {
    fake.add_client(AID, CLIENT_ID, SECRET);
    let mut command = Command::new(env!("CARGO_BIN_EXE_dintero"));
    command
        .env("DINTERO_BASE_URL", fake.base_url())
        .env("DINTERO_ACCOUNT_ID", AID)
        .env("DINTERO_CLIENT_ID", CLIENT_ID)
        .env("DINTERO_CLIENT_SECRET", SECRET)
        .env_remove("RUST_LOG")
        .stdin(Stdio::null());
    command
}

/// Runs the binary to completion on a blocking thread (the fake keeps serving). An
/// embedded fake (`--fake`, `demo`) must not have sent a response that breaks the spec.
pub async fn run(mut command: Command) -> Output {
    let output = tokio::task::spawn_blocking(move || command.output().expect("binary runs"))
        .await
        .unwrap();
    assert!(
        !text(&output).contains("break the spec"),
        "{}",
        text(&output)
    );
    output
}

/// `dintero customer change-id --file CSV ARGS...` against `fake`, to completion.
pub async fn bulk(fake: &FakeDintero, csv: &Path, args: &[&str]) -> Output {
    let mut command = dintero(fake);
    command
        .args(["customer", "change-id", "--file"])
        .arg(csv)
        .args(args);
    run(command).await
}

/// Stdout and stderr together.
pub fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Every line of a result file that parses.
pub fn read_results(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

/// The last line of each row of a result file, by row number.
pub fn last_by_row(path: &Path) -> HashMap<u64, Value> {
    read_results(path)
        .into_iter()
        .map(|line| (line["row"].as_u64().unwrap(), line))
        .collect()
}

/// The customer id changes the fake applied (answered 200, whether or not the answer
/// arrived), per current id.
pub fn applied(fake: &FakeDintero) -> HashMap<String, usize> {
    let mut applied = HashMap::new();
    for request in fake.requests() {
        if request.operation == Operation::ChangeCustomerId && request.status == 200 {
            *applied.entry(request.target.unwrap()).or_insert(0) += 1;
        }
    }
    applied
}

/// A fresh fake with `rows` customers to rename, and the CSV (in a temporary directory,
/// also returned: it is removed when dropped).
pub async fn renames(rows: usize) -> (tempfile::TempDir, PathBuf, FakeDintero) {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("renames.csv");
    let fake = FakeDintero::start().await.unwrap();
    seed_renames(&fake, &csv, rows);
    (dir, csv, fake)
}

/// Seeds `rows` customers `cust-1..=rows` and writes the CSV renaming `cust-i` to `crm-i`.
pub fn seed_renames(fake: &FakeDintero, csv: &Path, rows: usize) {
    let mut body = String::from("old,new\n");
    for i in 1..=rows {
        fake.add_customer(AID, &format!("cust-{i}"));
        body.push_str(&format!("cust-{i},crm-{i}\n"));
    }
    std::fs::write(csv, body).unwrap();
}
