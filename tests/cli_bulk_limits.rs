//! The `dintero` binary's bulk mode against a rate-limited and faulty fake started here:
//! it backs off on 429 and recovers with nothing failed and nothing done twice, one 429
//! pauses every worker, `--max-concurrency` holds at the server, and rows whose answer was
//! lost are recorded as `unknown` and settled by the next run.
#![cfg(all(feature = "cli", feature = "fake"))]

mod common_cli;

use std::collections::HashSet;
use std::time::Duration;

use common_cli::{applied, bulk, last_by_row, renames, text};
use dintero_client::fake::{Burst, Operation};

const LATENCY: Duration = Duration::from_millis(20);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rate_limit_makes_bulk_back_off_pause_everyone_and_finish_every_row_once() {
    const ROWS: usize = 400;
    let (dir, csv, fake) = renames(ROWS).await;
    // 100 requests/s while up to 16 x 20 ms would be 800/s: 429s are certain.
    fake.set_rate_limit(100);
    fake.set_latency(LATENCY);

    let output = bulk(
        &fake,
        &csv,
        &["--concurrency", "4", "--max-concurrency", "16"],
    )
    .await;
    let out = text(&output);
    assert_eq!(output.status.code(), Some(0), "{out}");
    assert!(
        out.contains("400 rows: 400 changed, 0 already done, 0 failed, 0 unknown"),
        "{out}"
    );

    let requests = fake.requests();
    let limited: Vec<_> = requests.iter().filter(|r| r.status == 429).collect();
    assert!(!limited.is_empty(), "the limit was never met");
    let hit = format!("rows hit a rate limit ({} answers", limited.len());
    assert!(out.contains(&hit), "{out}");

    // Every customer changed exactly once; the rows that met the limit were sent again.
    let applied = applied(&fake);
    assert_eq!(applied.len(), ROWS);
    assert!(
        applied.values().all(|&n| n == 1),
        "a change was applied twice"
    );
    let last = last_by_row(&dir.path().join("renames.csv.results.jsonl"));
    assert_eq!(last.len(), ROWS);
    assert!(last.values().all(|line| line["status"] == "ok"));

    // One 429 pauses the whole run for its Retry-After (1 s): nothing the client sent after
    // reading it reaches the fake within the second. Requests already on their way when it
    // arrived are handled up to one latency (plus scheduling) later; hence the margin.
    let margin = LATENCY + Duration::from_millis(180);
    for limit in &limited {
        let quiet = (limit.at + margin)..(limit.at + Duration::from_millis(950));
        let during: Vec<_> = requests.iter().filter(|r| quiet.contains(&r.at)).collect();
        assert!(
            during.is_empty(),
            "{} requests during the pause after a 429",
            during.len()
        );
    }
    // It backed off instead of hammering: few answers were 429 compared with the rows.
    assert!(
        limited.len() < ROWS / 4,
        "{} answers were 429",
        limited.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn max_concurrency_holds_at_the_server_and_is_reached() {
    const ROWS: usize = 300;
    let (_dir, csv, fake) = renames(ROWS).await;
    fake.set_latency(LATENCY);

    let output = bulk(
        &fake,
        &csv,
        &["--concurrency", "2", "--max-concurrency", "5"],
    )
    .await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    // Clean answers grow the window from 2; the cap stops it at 5.
    assert_eq!(fake.max_in_flight(), 5);
    assert_eq!(applied(&fake).len(), ROWS);

    // A start above the cap is refused before anything is sent.
    let before = fake.requests().len();
    let output = bulk(
        &fake,
        &csv,
        &["--concurrency", "8", "--max-concurrency", "4"],
    )
    .await;
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output).contains("--concurrency 8 is more than --max-concurrency 4"),
        "{}",
        text(&output)
    );
    assert_eq!(fake.requests().len(), before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lost_answers_are_recorded_unknown_and_the_next_run_settles_them() {
    const ROWS: usize = 200;
    // Rows 191 to 200 name customers that do not exist: real failures (404).
    let (dir, csv, fake) = renames(190).await;
    let results = dir.path().join("renames.csv.results.jsonl");
    let missing: HashSet<String> = (191..=ROWS).map(|i| format!("ghost-{i}")).collect();
    let mut body = std::fs::read_to_string(&csv).unwrap();
    for i in 191..=ROWS {
        body.push_str(&format!("ghost-{i},crm-{i}\n"));
    }
    std::fs::write(&csv, body).unwrap();
    fake.set_latency(Duration::from_millis(5));
    // Lost answers after the change was applied, and 503s from a "gateway" (not applied):
    // both leave the outcome unknown.
    fake.set_dropped_responses(Some(Burst {
        length: 1,
        every: 20,
    }));
    fake.set_unavailable_bursts(Some(Burst {
        length: 1,
        every: 25,
    }));

    let first = bulk(&fake, &csv, &[]).await;
    let out = text(&first);
    assert_eq!(
        first.status.code(),
        Some(1),
        "unknown rows fail the run: {out}"
    );

    // Every row ended ok, error or unknown; the unknown ones are those whose answer the
    // fake lost or answered 503, and the lost ones were applied.
    let after_first = last_by_row(&results);
    assert_eq!(after_first.len(), ROWS, "a row was lost");
    let applied_first = applied(&fake);
    let unknown: Vec<&str> = after_first
        .values()
        .filter(|line| line["status"] == "unknown")
        .map(|line| line["old"].as_str().unwrap())
        .collect();
    let unknown_applied: HashSet<&str> = unknown
        .iter()
        .copied()
        .filter(|old| applied_first.contains_key(*old))
        .collect();
    // The old id is gone at the next run for those, and for a missing customer whose 404
    // was lost: from the client's side that looks the same (hence "probably").
    let gone: HashSet<&str> = unknown
        .iter()
        .copied()
        .filter(|old| applied_first.contains_key(*old) || missing.contains(*old))
        .collect();
    let failing: HashSet<&str> = missing
        .iter()
        .map(String::as_str)
        .filter(|old| !gone.contains(old))
        .collect();
    assert!(!unknown_applied.is_empty(), "no lost answer: {out}");
    assert!(
        unknown.len() > unknown_applied.len(),
        "no 503 left a row unknown: {out}"
    );
    assert!(out.contains(&format!("{} unknown", unknown.len())), "{out}");
    for line in after_first.values() {
        let status = line["status"].as_str().unwrap();
        assert!(["ok", "error", "unknown"].contains(&status), "{line}");
    }

    // Second run, faults off: unknown rows are sent again. Those applied earlier now find
    // their old id gone: "probably applied earlier", listed, not failed. Those that got a
    // 503 are applied now. The missing customers still fail: they were never unknown.
    fake.set_dropped_responses(None);
    fake.set_unavailable_bursts(None);
    let second = bulk(&fake, &csv, &[]).await;
    let out = text(&second);
    assert_eq!(
        second.status.code(),
        Some(1),
        "the missing rows still fail: {out}"
    );
    let probably = format!(
        "{} failed, 0 unknown, {} probably applied earlier",
        failing.len(),
        gone.len()
    );
    assert!(out.contains(&probably), "{out}");
    for old in &gone {
        let row = after_first
            .values()
            .find(|line| line["old"] == *old)
            .unwrap()["row"]
            .clone();
        let listed = format!("  row {row}: {old} -> crm-{row}");
        assert!(out.contains(&listed), "{old} not listed to check: {out}");
    }

    let last = last_by_row(&results);
    for (row, line) in &last {
        let old = line["old"].as_str().unwrap();
        let expected = if gone.contains(old) {
            "probably_applied"
        } else if failing.contains(old) {
            "error"
        } else {
            "ok"
        };
        assert_eq!(line["status"], expected, "row {row}: {line}");
    }
    // Nothing applied twice; everything that exists was applied once.
    let applied = applied(&fake);
    assert_eq!(applied.len(), ROWS - missing.len());
    assert!(
        applied.values().all(|&n| n == 1),
        "a change was applied twice"
    );

    // A third run sends only the real failures again.
    let before = fake.requests().len();
    let third = bulk(&fake, &csv, &[]).await;
    assert_eq!(third.status.code(), Some(1), "{}", text(&third));
    let sent: HashSet<String> = fake.requests()[before..]
        .iter()
        .filter(|r| r.operation == Operation::ChangeCustomerId)
        .map(|r| r.target.clone().unwrap())
        .collect();
    let failing: HashSet<String> = failing.iter().map(|old| old.to_string()).collect();
    assert_eq!(sent, failing);
}
