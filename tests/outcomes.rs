//! Issue 10 item 2: every failure of a change is classed by whether Dintero may have applied
//! it ([`Outcome`]), one fault per test on a raw-TCP loopback server, and a change that may
//! have reached the server is never sent again (the server counts the sends).

mod common_faults;

use std::time::Duration;

use common_faults::{Action, CUSTOMER_JSON, Server, busy, error_json, json, response};
use dintero_client::{Dintero, DinteroBuilder, Error, Outcome, RetryBudget, Timeout};

const ACCOUNT: &str = "T12345678";

fn builder(base_url: &str) -> DinteroBuilder {
    Dintero::builder()
        .account_id(ACCOUNT)
        .bearer_token("fixed-token")
        .base_url(base_url)
        .timeout(Duration::from_secs(5))
}

/// Runs one change against a server that answers every request with `action()`; returns
/// the error and how many times the change reached the server.
async fn fail_with(action: impl Fn() -> Action + Send + Sync + 'static) -> (Error, usize) {
    fail_configured(|b| b, action).await
}

/// [`fail_with`], on a client `configure` adjusted.
async fn fail_configured(
    configure: impl FnOnce(DinteroBuilder) -> DinteroBuilder,
    action: impl Fn() -> Action + Send + Sync + 'static,
) -> (Error, usize) {
    let server = Server::start(move |_| action()).await;
    let err = configure(builder(&server.base_url()))
        .build()
        .unwrap()
        .change_customer_id("a", "b")
        .await
        .expect_err("the fault must fail the call");
    (err, server.hits())
}

#[track_caller]
fn assert_class(err: &Error, outcome: Outcome) {
    assert_eq!(err.outcome(), outcome, "{err:?}");
    assert_eq!(err.is_outcome_unknown(), outcome == Outcome::Unknown);
}

// ---------------------------------------------------------------------------------------
// Not applied: nothing sent, or Dintero said it did not do it
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn connection_refused_is_not_applied() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let err = builder(&format!("http://127.0.0.1:{port}/v1"))
        .retry_budget(RetryBudget::none())
        .build()
        .unwrap()
        .change_customer_id("a", "b")
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Transport(e) if e.is_connect()),
        "{err:?}"
    );
    assert_class(&err, Outcome::NotApplied);
    assert!(err.to_string().contains("not sent"), "{err}");
}

#[tokio::test]
async fn a_4xx_is_not_applied() {
    for status in [400, 404, 409] {
        let (err, hits) = fail_with(move || Action::Reply(error_json(status, "no"))).await;
        assert_eq!(err.status(), Some(status));
        assert_class(&err, Outcome::NotApplied);
        assert_eq!(hits, 1);
    }
}

#[tokio::test]
async fn a_429_is_not_applied() {
    let (err, hits) = fail_configured(
        |b| b.retry_budget(RetryBudget::none()),
        || Action::Reply(busy(429, "5")),
    )
    .await;
    assert_class(&err, Outcome::NotApplied);
    assert_eq!(hits, 1);
}

#[tokio::test]
async fn a_failed_token_request_is_not_applied() {
    let server = Server::start(|req| {
        if req.is_token() {
            Action::Reply(error_json(401, "bad credentials"))
        } else {
            Action::Reply(json(200, CUSTOMER_JSON))
        }
    })
    .await;
    let err = Dintero::builder()
        .account_id(ACCOUNT)
        .client_credentials("id", "secret")
        .base_url(server.base_url())
        .build()
        .unwrap()
        .change_customer_id("a", "b")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Token(_)), "{err:?}");
    assert_class(&err, Outcome::NotApplied);
    assert_eq!(
        server.requests().iter().filter(|r| !r.is_token()).count(),
        0
    );
}

// ---------------------------------------------------------------------------------------
// Unknown: the request may have reached Dintero, no answer says what happened
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn a_reset_while_waiting_for_the_answer_is_unknown() {
    let (err, hits) = fail_with(|| Action::ReplyReset(Vec::new())).await;
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
    assert_class(&err, Outcome::Unknown);
    assert!(err.to_string().contains("outcome is unknown"), "{err}");
    assert_eq!(hits, 1, "a change that may have arrived is not sent again");
}

#[tokio::test]
async fn eof_while_waiting_for_the_answer_is_unknown() {
    let (err, hits) = fail_with(|| Action::ReplyClose(Vec::new())).await;
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
    assert_class(&err, Outcome::Unknown);
    assert_eq!(hits, 1);
}

#[tokio::test]
async fn a_timeout_after_the_request_was_written_is_unknown() {
    let (err, hits) =
        fail_configured(|b| b.timeout(Duration::from_millis(300)), || Action::Hang).await;
    assert_eq!(err.timeout(), Some(Timeout::Attempt));
    assert_class(&err, Outcome::Unknown);
    assert_eq!(hits, 1);
}

#[tokio::test]
async fn a_gateway_502_or_504_is_unknown() {
    for status in [502, 504] {
        let (err, hits) = fail_with(move || {
            Action::Reply(response(
                status,
                &[("content-type", "text/html")],
                b"<h1>gateway</h1>",
            ))
        })
        .await;
        assert_eq!(err.status(), Some(status));
        assert_class(&err, Outcome::Unknown);
        assert_eq!(hits, 1);
    }
}

#[tokio::test]
async fn a_500_is_unknown_and_not_sent_again() {
    let (err, hits) = fail_with(|| Action::Reply(error_json(500, "oops"))).await;
    assert!(matches!(err, Error::Api { status: 500, .. }), "{err:?}");
    assert_class(&err, Outcome::Unknown);
    assert_eq!(hits, 1);
}

// ---------------------------------------------------------------------------------------
// Applied: Dintero said 2xx, but the answer could not be used
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn a_200_whose_body_is_cut_off_is_applied() {
    let (err, hits) = fail_with(|| {
        let full = json(200, CUSTOMER_JSON);
        Action::ReplyReset(full[..full.len() / 2].to_vec())
    })
    .await;
    assert_eq!(err.status(), Some(200), "{err:?}");
    assert_class(&err, Outcome::Applied);
    assert_eq!(hits, 1);
}

#[tokio::test]
async fn a_200_whose_body_does_not_decode_is_applied() {
    let (err, hits) = fail_with(|| Action::Reply(json(200, r#"{"type":"customer"}"#))).await;
    assert!(
        matches!(&err, Error::UnexpectedResponse { status: 200, reason, .. } if reason.contains("customer_id")),
        "{err:?}"
    );
    assert_class(&err, Outcome::Applied);
    assert_eq!(hits, 1);
}
