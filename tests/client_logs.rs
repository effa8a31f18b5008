//! What the client logs: a span per call with operation, account and status, and never a
//! secret, whatever the level, including what reqwest logs underneath.
//!
//! reqwest logs through the `log` crate, not `tracing`: the test bridges `log` into
//! `tracing` (as an application would, with `tracing_log::LogTracer`) and proves that
//! reqwest's records do arrive, so "no secret in the logs" covers them too.

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use common::*;
use httpmock::prelude::*;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::fmt::format::FmtSpan;

/// Everything the subscriber writes, kept for the assertions.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Captured {
    type Writer = Captured;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

#[tokio::test]
async fn spans_carry_operation_account_and_status_and_logs_hold_no_secret() {
    let logs = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_span_events(FmtSpan::CLOSE)
        .with_ansi(false)
        .with_writer(logs.clone())
        .finish();
    // A current-thread runtime: the thread-local default sees every event of the test.
    let _guard = tracing::subscriber::set_default(subscriber);
    // Global, once per process: this file has a single test.
    tracing_log::LogTracer::init().expect("no other logger in this test binary");

    let server = MockServer::start_async().await;
    let first_token = "eyJ0b2tlbi1vbmU.first-token-value.sig";
    let second_token = "eyJ0b2tlbi10d28.second-token-value.sig";
    // The first token request gets the first token, later ones the second.
    let first = token_mock(&server, first_token, 3600).await;
    first.up_to_n_times_async(1).await;
    let second = token_mock(&server, second_token, 3600).await;
    // Dintero rejects the first token once: the client drops it, refreshes and retries.
    let rejected = server
        .mock_async(|when, then| {
            when.method(POST)
                .path(customer_path("crm-17"))
                .header("authorization", format!("Bearer {first_token}"));
            then.status(401).json_body(error_body(401));
        })
        .await;
    let accepted = customer_ok_mock(&server, "crm-17").await;
    let client = client(&server);

    let customer = client
        .change_customer_id("crm-17", "crm-2024-17")
        .await
        .expect("refreshed after the 401");
    assert_eq!(customer.customer_id, "<string>");
    assert_eq!(first.calls_async().await, 1);
    assert_eq!(second.calls_async().await, 1);
    assert_eq!(rejected.calls_async().await, 1);
    assert_eq!(accepted.calls_async().await, 1);

    let text = logs.text();
    for secret in [CLIENT_SECRET, BASIC_CREDENTIALS, first_token, second_token] {
        assert!(
            !text.contains(secret),
            "a secret reached the logs: {secret}\n{text}"
        );
    }
    assert!(
        text.contains("aid_customers_cid_change_customer_id_post"),
        "no operation in the span:\n{text}"
    );
    assert!(text.contains(AID), "no account in the span:\n{text}");
    assert!(
        text.contains("status=200"),
        "no status in the span:\n{text}"
    );
    assert!(
        text.contains("retrying once with a fresh one"),
        "no retry log:\n{text}"
    );
    // reqwest's own `log` records reached the same subscriber (its connector logs each
    // new connection at DEBUG), so the secret checks above covered them.
    assert!(
        text.contains("starting new connection"),
        "reqwest's log records are not bridged:\n{text}"
    );
}
