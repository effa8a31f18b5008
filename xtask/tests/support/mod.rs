//! Runs the built `xtask` binary for the integration tests, with a time limit.

#![allow(dead_code)] // each test file uses a part

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How long one run may take before the test fails as hung. Every run takes well under a
/// second; the limit only turns a hang into a failure instead of a stuck CI job.
const LIMIT: Duration = Duration::from_secs(60);

/// What a run printed and how it ended.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `xtask` with `args`, from the fixtures folder (so fixture paths are short).
pub fn xtask(args: &[&str]) -> Run {
    xtask_in(&fixtures(), args)
}

/// Runs `xtask` with `args` from `dir`; kills it and fails the test if it runs past
/// [`LIMIT`].
pub fn xtask_in(dir: &Path, args: &[&str]) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the xtask binary runs");
    let read = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut text = String::new();
            pipe.read_to_string(&mut text).expect("UTF-8 output");
            text
        })
    };
    let stdout = read(Box::new(child.stdout.take().unwrap()));
    let stderr = read(Box::new(child.stderr.take().unwrap()));
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > LIMIT {
            child.kill().unwrap();
            panic!("xtask {args:?} ran past {LIMIT:?}: hung");
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    Run {
        code: status.code().expect("exited, not killed"),
        stdout: stdout.join().unwrap(),
        stderr: stderr.join().unwrap(),
    }
}

/// `xtask/tests/fixtures`.
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// The repository root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// The rule ids of a `spec diff --json` report, in order.
pub fn rule_ids(report: &str) -> Vec<String> {
    let report: serde_json::Value = serde_json::from_str(report).expect("--json prints JSON");
    report["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["rule"].as_str().unwrap().to_string())
        .collect()
}

/// `spec diff OLD NEW --all`, with more arguments (such as `--json`).
pub fn diff_all(old: &str, new: &str, more: &[&str]) -> Run {
    let mut args = vec!["spec", "diff", old, new, "--all"];
    args.extend(more);
    xtask(&args)
}
