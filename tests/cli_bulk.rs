//! The `dintero` binary end to end: bulk mode against a fake started here (1,000 rows,
//! some failing, interrupted with Ctrl-C, resumed, nothing done twice), dry runs, single
//! changes, the demo, and credentials that never show up in the output.
#![cfg(all(feature = "cli", feature = "fake"))]

mod common_cli;

use std::collections::HashSet;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common_cli::{AID, SECRET, applied, dintero, last_by_row, read_results, run, text};
use dintero_client::fake::{FakeDintero, Operation};

const ROWS: usize = 1000;

/// Which rows are meant to fail, and how.
fn expected_failure(i: usize) -> Option<&'static str> {
    if i % 50 == 7 {
        Some("unknown") // 404: the current id does not exist
    } else if i % 100 == 13 {
        Some("taken") // 409: the new id belongs to another customer
    } else if i % 125 == 3 {
        Some("invalid") // refused locally: trailing space
    } else {
        None
    }
}

/// Seeds the fake and writes the CSV: row i (1-based) renames `cust-i` to `crm-i`.
fn setup(fake: &FakeDintero, csv: &Path) {
    let mut body = String::from("old,new\n");
    for i in 1..=ROWS {
        let mut new = format!("crm-{i}");
        match expected_failure(i) {
            Some("unknown") => {}
            Some("taken") => {
                fake.add_customer(AID, &format!("cust-{i}"));
                fake.add_customer(AID, &new);
            }
            Some(_) => {
                fake.add_customer(AID, &format!("cust-{i}"));
                new.push(' ');
            }
            None => {
                fake.add_customer(AID, &format!("cust-{i}"));
            }
        }
        // Quote the field so the trailing space survives any CSV reader.
        body.push_str(&format!("cust-{i},\"{new}\"\n"));
    }
    std::fs::write(csv, body).unwrap();
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_run_is_interrupted_resumed_and_does_nothing_twice() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("renames.csv");
    let results = dir.path().join("renames.csv.results.jsonl");
    let fake = FakeDintero::start().await.unwrap();
    setup(&fake, &csv);
    fake.set_latency(Duration::from_millis(10));

    // First run: interrupted with Ctrl-C (SIGINT) after a few hundred rows.
    let mut command = dintero(&fake);
    command
        .args(["customer", "change-id", "--file"])
        .arg(&csv)
        .args(["--concurrency", "4"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let child = command.spawn().unwrap();
    let pid = child.id().to_string();
    let started = Instant::now();
    while read_results(&results).len() < 300 {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the first run makes no progress"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let killed = Command::new("kill").args(["-INT", &pid]).status().unwrap();
    assert!(killed.success());
    let first = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
        .await
        .unwrap();
    assert_eq!(first.status.code(), Some(130), "{}", text(&first));
    assert!(text(&first).contains("interrupted"), "{}", text(&first));

    let after_first = read_results(&results);
    assert!(
        after_first.len() >= 300 && after_first.len() < ROWS,
        "{}",
        after_first.len()
    );
    // Every request the fake answered has its row in the result file: nothing in flight
    // was lost, so nothing needs redoing blindly.
    let recorded: HashSet<String> = after_first
        .iter()
        .map(|r| r["old"].as_str().unwrap().to_string())
        .collect();
    let sent_first: Vec<String> = fake
        .requests()
        .into_iter()
        .filter(|r| r.operation == Operation::ChangeCustomerId)
        .map(|r| r.target.unwrap())
        .collect();
    for old in &sent_first {
        assert!(recorded.contains(old), "{old} was sent but not recorded");
    }
    let ok_first: HashSet<String> = after_first
        .iter()
        .filter(|r| r["status"] == "ok")
        .map(|r| r["old"].as_str().unwrap().to_string())
        .collect();
    let log_len = fake.requests().len();

    // Second run: resumes, skips every finished row, exits 1 because some rows fail.
    fake.set_latency(Duration::ZERO);
    let mut command = dintero(&fake);
    command.args(["customer", "change-id", "--file"]).arg(&csv);
    let second = run(command).await;
    assert_eq!(second.status.code(), Some(1), "{}", text(&second));
    let summary = text(&second);
    assert!(
        summary.contains(&format!("{} already done", ok_first.len())),
        "{summary}"
    );
    assert!(summary.contains("38 failed"), "{summary}");
    assert!(!summary.contains(SECRET));

    // No row finished in the first run was sent again.
    for request in &fake.requests()[log_len..] {
        if let Some(target) = &request.target {
            assert!(!ok_first.contains(target), "{target} was redone");
        }
    }
    // Each customer was changed exactly once; the failing rows were never applied.
    let applied = applied(&fake);
    assert_eq!(applied.len(), ROWS - 38);
    assert!(
        applied.values().all(|&n| n == 1),
        "a change was applied twice"
    );
    for i in 1..=ROWS {
        let old = format!("cust-{i}");
        let new = format!("crm-{i}");
        match expected_failure(i) {
            None => {
                assert!(fake.customer(AID, &old).is_none(), "{old}");
                let customer = fake.customer(AID, &new).unwrap();
                assert_eq!(customer.metadata.len(), 1, "{new} changed more than once");
            }
            Some("unknown") => assert!(fake.customer(AID, &new).is_none()),
            Some(_) => assert!(fake.customer(AID, &old).is_some(), "{old}"),
        }
    }

    // The final state of every row is in the result file.
    let last = last_by_row(&results);
    assert_eq!(last.len(), ROWS);
    for (row, line) in &last {
        let expected = if expected_failure(*row as usize).is_some() {
            "error"
        } else {
            "ok"
        };
        assert_eq!(line["status"], expected, "row {row}: {line}");
    }
    assert_eq!(last[&7]["http_status"], 404);
    assert_eq!(last[&13]["http_status"], 409);
    assert!(
        last[&3]["error"]
            .as_str()
            .unwrap()
            .contains("new_customer_id")
    );

    // A third run retries only the failed rows; the finished ones are left alone.
    let before = fake.requests().len();
    let mut command = dintero(&fake);
    command.args(["customer", "change-id", "--file"]).arg(&csv);
    let third = run(command).await;
    assert_eq!(third.status.code(), Some(1));
    assert!(
        text(&third).contains(&format!("{} already done", ROWS - 38)),
        "{}",
        text(&third)
    );
    let retried = fake.requests()[before..]
        .iter()
        .filter(|r| r.operation == Operation::ChangeCustomerId)
        .count();
    assert_eq!(
        retried, 30,
        "the 30 failing rows that reach the API, and nothing else"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dry_run_validates_every_row_and_sends_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("renames.csv");
    let fake = FakeDintero::start().await.unwrap();
    setup(&fake, &csv);

    let mut command = dintero(&fake);
    command
        .args(["customer", "change-id", "--dry-run", "--file"])
        .arg(&csv);
    let output = run(command).await;
    assert_eq!(
        output.status.code(),
        Some(1),
        "invalid rows fail the dry run"
    );
    let out = text(&output);
    assert!(
        out.contains("1000 rows, 992 valid, 8 invalid; nothing was sent"),
        "{out}"
    );
    assert!(out.contains("row 3: invalid new_customer_id"), "{out}");
    assert!(
        fake.requests().is_empty(),
        "a dry run sends nothing, not even a token request"
    );
    assert!(!dir.path().join("renames.csv.results.jsonl").exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn single_changes_go_through_the_same_client() {
    let fake = FakeDintero::start().await.unwrap();
    fake.add_customer(AID, "crm-17");
    fake.add_user(AID, "old@example.com");

    let mut command = dintero(&fake);
    command.args(["customer", "change-id", "crm-17", "crm-2024-17"]);
    let output = run(command).await;
    assert!(output.status.success(), "{}", text(&output));
    assert!(text(&output).contains("crm-17 -> crm-2024-17"));
    assert!(fake.customer(AID, "crm-2024-17").is_some());

    let mut command = dintero(&fake);
    command.args(["--fake"]).args([
        "user",
        "change-username",
        "old@example.com",
        "new@example.com",
    ]);
    // --fake ignores the environment and uses its own embedded fake.
    let output = run(command).await;
    assert!(output.status.success(), "{}", text(&output));
    assert!(
        fake.user(AID, "old@example.com").is_some(),
        "--fake did not touch this fake"
    );

    let mut command = dintero(&fake);
    command.args([
        "user",
        "change-username",
        "old@example.com",
        "new@example.com",
        "--json",
    ]);
    let output = run(command).await;
    assert!(output.status.success(), "{}", text(&output));
    let user: dintero_client::types::AuthUser = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(user.username, "new@example.com");

    // A Dintero error: non-zero exit, the message, and never the secret.
    let mut command = dintero(&fake);
    command.args(["customer", "change-id", "crm-17", "crm-18"]);
    let output = run(command).await;
    assert_eq!(output.status.code(), Some(1));
    assert!(text(&output).contains("404"), "{}", text(&output));

    let mut command = dintero(&fake);
    command
        .env("DINTERO_CLIENT_SECRET", "wrong-secret-value")
        .args(["customer", "change-id", "crm-2024-17", "crm-x"]);
    let output = run(command).await;
    assert_eq!(output.status.code(), Some(1));
    assert!(
        text(&output).contains("token request failed"),
        "{}",
        text(&output)
    );
    assert!(!text(&output).contains("wrong-secret-value"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_credentials_are_named_not_echoed() {
    let fake = FakeDintero::start().await.unwrap();
    let mut command = dintero(&fake);
    command
        .env_remove("DINTERO_CLIENT_ID")
        .args(["customer", "change-id", "a", "b"]);
    let output = run(command).await;
    assert_eq!(output.status.code(), Some(2));
    let out = text(&output);
    assert!(
        out.contains("DINTERO_CLIENT_ID") && !out.contains(SECRET),
        "{out}"
    );
    assert!(fake.requests().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_shows_both_operations_a_token_fetch_and_a_validation_error() {
    let fake = FakeDintero::start().await.unwrap(); // only for the binary's environment
    let mut command = dintero(&fake);
    command.arg("demo");
    let output = run(command).await;
    let out = text(&output);
    assert!(output.status.success(), "{out}");
    assert!(out.contains("auth/token (client credentials)"), "{out}");
    assert!(out.contains("now has customer_id \"crm-2024-17\""), "{out}");
    assert!(
        out.contains("now has username \"kari.nordmann@example.com\""),
        "{out}"
    );
    assert!(
        out.contains("invalid new_customer_id: must not have leading or trailing whitespace"),
        "{out}"
    );
    assert!(out.contains("dintero_change_customer_id_"), "{out}");
    assert!(!out.contains("demo-secret"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fake_flag_runs_a_bulk_file_with_no_account() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("users.csv");
    std::fs::write(
        &csv,
        "old,new\na@example.com,a2@example.com\nb@example.com,b2@example.com\n",
    )
    .unwrap();
    let fake = FakeDintero::start().await.unwrap();
    let mut command = dintero(&fake);
    command
        .env_remove("DINTERO_CLIENT_SECRET")
        .args(["--fake", "user", "change-username", "--file"])
        .arg(&csv);
    let output = run(command).await;
    assert!(output.status.success(), "{}", text(&output));
    assert!(
        text(&output).contains("2 rows: 2 changed, 0 already done, 0 failed"),
        "{}",
        text(&output)
    );
    assert_eq!(
        read_results(&dir.path().join("users.csv.results.jsonl")).len(),
        2
    );
}
