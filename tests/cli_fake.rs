//! `dintero fake` as a service in another language uses it: started as a process, its base
//! URL and credentials read from its first lines, called over HTTP, stopped with SIGTERM.
//! And the fault flags, on `dintero fake` and on the global `--fake` mode.
#![cfg(all(feature = "cli", feature = "fake", unix))]

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Output, Stdio};

use dintero_client::Dintero;
use serde_json::{Value, json};

/// A running `dintero fake`, killed if a test fails before stopping it.
struct Served {
    child: Child,
    base_url: String,
    /// `NAME=value` lines after the base URL.
    env: Vec<(String, String)>,
}

impl Served {
    fn start(args: &[&str]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_dintero"))
            .arg("fake")
            .args(args)
            .env_remove("RUST_LOG")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("dintero fake starts");
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = || {
            let mut line = String::new();
            stdout.read_line(&mut line).unwrap();
            line.trim_end().to_string()
        };
        let base_url = line();
        let env = (0..3)
            .map(|_| {
                let line = line();
                let (name, value) = line.split_once('=').expect("NAME=value");
                (name.to_string(), value.to_string())
            })
            .collect();
        Self {
            child,
            base_url,
            env,
        }
    }

    fn var(&self, name: &str) -> &str {
        &self.env.iter().find(|(n, _)| n == name).expect(name).1
    }

    /// A client credentials grant with the printed credentials, over HTTP.
    async fn request_token(&self) -> reqwest::Response {
        let url = format!(
            "{}/accounts/{}/auth/token",
            self.base_url,
            self.var("DINTERO_ACCOUNT_ID")
        );
        let basic = format!(
            "{}:{}",
            self.var("DINTERO_CLIENT_ID"),
            self.var("DINTERO_CLIENT_SECRET")
        );
        let grant = json!({"grant_type": "client_credentials"});
        post(url, ("basic", &basic), grant).await
    }

    /// SIGTERM, then the exit code and everything it logged.
    fn stop(mut self) -> (i32, String) {
        let pid = self.child.id().to_string();
        let killed = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        assert!(killed.success());
        let status = self.child.wait().unwrap();
        let mut log = String::new();
        self.child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut log)
            .unwrap();
        (status.code().expect("exited, not killed"), log)
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn post(url: String, auth: (&str, &str), body: Value) -> reqwest::Response {
    let request = reqwest::Client::new().post(url).json(&body);
    let request = match auth {
        ("basic", credentials) => {
            let (id, secret) = credentials.split_once(':').unwrap();
            request.basic_auth(id, Some(secret))
        }
        (_, token) => request.bearer_auth(token),
    };
    request.send().await.expect("the fake answers")
}

#[tokio::test]
async fn serves_a_ready_client_with_seed_data_until_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let seed = dir.path().join("seed.json");
    let seed_json = json!({"customers": [{"customer_id": "svc-1", "email": "s@example.com"}]});
    std::fs::write(&seed, seed_json.to_string()).unwrap();
    let served = Served::start(&[
        "--port",
        "0",
        "--account",
        "T55556666",
        "--client-id",
        "svc",
        "--client-secret",
        "svc-secret",
        "--seed",
        seed.to_str().unwrap(),
    ]);
    assert!(
        served.base_url.starts_with("http://127.0.0.1:") && served.base_url.ends_with("/v1"),
        "{}",
        served.base_url
    );
    assert_eq!(served.var("DINTERO_ACCOUNT_ID"), "T55556666");
    assert_eq!(served.var("DINTERO_CLIENT_ID"), "svc");
    assert_eq!(served.var("DINTERO_CLIENT_SECRET"), "svc-secret");

    let client = Dintero::builder()
        .base_url(&served.base_url)
        .account_id("T55556666")
        .client_credentials("svc", "svc-secret")
        .build()
        .unwrap();
    let customer = client.change_customer_id("svc-1", "svc-2").await.unwrap();
    assert_eq!(customer.email.as_deref(), Some("s@example.com"));
    // The demo data went to the same account.
    client
        .change_username("kari@example.com", "kari.n@example.com")
        .await
        .unwrap();

    let (code, log) = served.stop();
    assert_eq!(code, 0, "{log}");
    let lines: Vec<&str> = log.lines().collect();
    let logged = |needle: &str| lines.iter().any(|l| l.contains(needle));
    assert!(
        logged("POST /v1/accounts/T55556666/auth/token 200"),
        "{log}"
    );
    assert!(
        logged("POST /v1/accounts/T55556666/customers/users/svc-1/change_customer_id 200"),
        "{log}"
    );
    assert!(
        logged("stopped after 3 requests, 0 contract violation(s)"),
        "{log}"
    );
    assert!(
        !log.contains("svc-secret"),
        "the secret is printed once, on stdout"
    );
}

#[tokio::test]
async fn fault_flags_switch_on_rate_limit_and_503_bursts() {
    let served = Served::start(&["--fake-rate-limit", "1", "--fake-503-bursts", "1/3"]);
    let first = served.request_token().await;
    assert_eq!(first.status(), 200);
    let second = served.request_token().await;
    assert_eq!(second.status(), 429);
    assert_eq!(second.headers()["retry-after"], "1");
    let body: Value = second.json().await.unwrap();
    assert_eq!(body["error"]["code"], "TOO_MANY_REQUESTS");

    let (code, log) = served.stop();
    assert_eq!(code, 0, "{log}");
    assert!(
        log.contains("faults: rate limit 1/s, 503 bursts 1/3"),
        "{log}"
    );
}

#[tokio::test]
async fn the_evolve_flag_sends_evolved_responses_that_meet_the_spec() {
    let served = Served::start(&["--fake-evolve"]);
    // Each token body evolved: `refresh_token: null` or an undeclared property beside the
    // three properties the fake sends.
    for _ in 0..4 {
        let response = served.request_token().await;
        assert_eq!(response.status(), 200);
        let body: Value = response.json().await.unwrap();
        assert!(body["access_token"].is_string(), "{body}");
        assert_eq!(body.as_object().unwrap().len(), 4, "{body}");
    }
    let client = Dintero::builder()
        .base_url(&served.base_url)
        .account_id(served.var("DINTERO_ACCOUNT_ID"))
        .client_credentials(
            served.var("DINTERO_CLIENT_ID"),
            served.var("DINTERO_CLIENT_SECRET"),
        )
        .build()
        .unwrap();
    let customer = client.change_customer_id("crm-17", "crm-e").await.unwrap();
    assert_eq!(customer.customer_id, "crm-e");

    let (code, log) = served.stop();
    assert_eq!(code, 0, "{log}");
    assert!(log.contains("faults: evolved responses"), "{log}");
    assert!(
        log.contains("stopped after 6 requests, 0 contract violation(s)"),
        "{log}"
    );
}

#[test]
fn a_remote_host_needs_allow_remote() {
    let output = Command::new(env!("CARGO_BIN_EXE_dintero"))
        .args(["fake", "--host", "0.0.0.0", "--port", "0"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--allow-remote"), "{stderr}");
}

/// Runs `dintero ARGS`; an embedded fake must not have sent a response that breaks the spec.
fn dintero(args: &[&str]) -> Output {
    let output = Command::new(env!("CARGO_BIN_EXE_dintero"))
        .args(args)
        .env_remove("RUST_LOG")
        .env_remove("DINTERO_CLIENT_SECRET")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("break the spec"), "{stderr}");
    output
}

/// `dintero --fake FLAGS customer change-id crm-17 crm-2024-17`: the exit code and stderr.
fn change_on_the_embedded_fake(flags: &[&str]) -> (Option<i32>, String) {
    let command = ["customer", "change-id", "crm-17", "crm-2024-17"];
    let args: Vec<&str> = ["--fake"]
        .iter()
        .chain(flags)
        .chain(&command)
        .copied()
        .collect();
    let output = dintero(&args);
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    (output.status.code(), stderr)
}

#[test]
fn fault_flags_act_on_the_embedded_fake_and_need_one() {
    // Every request unavailable: the change cannot go through, and says why.
    let (code, stderr) =
        change_on_the_embedded_fake(&["--fake-503-bursts", "1/1", "--fake-latency", "1ms"]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("503"), "{stderr}");
    assert!(
        stderr.contains("Fake faults: latency 1ms, 503 bursts 1/1."),
        "{stderr}"
    );

    // Evolved responses: the change goes through, and the fake finds them within the spec
    // (`dintero` asserts that).
    let (code, stderr) = change_on_the_embedded_fake(&["--fake-evolve"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stderr.contains("Fake faults: evolved responses."),
        "{stderr}"
    );

    // The change's answer is lost (the token answer is the first of each pair): the
    // outcome is unknown, and the command says so rather than "failed".
    let (code, stderr) = change_on_the_embedded_fake(&["--fake-drop-responses", "1/2"]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("the outcome is unknown"), "{stderr}");
    assert!(
        stderr.contains("Fake faults: dropped responses 1/2."),
        "{stderr}"
    );

    let output = dintero(&["--fake-rate-limit", "5", "customer", "change-id", "a", "b"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("add --fake"), "{stderr}");
}
