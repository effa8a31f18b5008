//! Fault injection on loopback: every way the network or the server can misbehave yields
//! the documented [`Error`] variant (or recovers), promptly, never a panic or a hang.

mod common_faults;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common_faults::{Action, CUSTOMER_JSON, Server, json, response, token_json};
use dintero_client::{Dintero, Error, Outcome, Timeout};

const ACCOUNT: &str = "T12345678";
/// No test may take longer than this: a hang is a failure, not a stuck CI job.
const GUARD: Duration = Duration::from_secs(20);

/// A client with client credentials against `server`.
fn client(server: &Server) -> Dintero {
    Dintero::builder()
        .account_id(ACCOUNT)
        .client_credentials("client-id", "client-secret")
        .base_url(server.base_url())
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap()
}

/// A client with a fixed bearer token (no token endpoint involved).
fn bearer_client(base_url: &str) -> Dintero {
    Dintero::builder()
        .account_id(ACCOUNT)
        .bearer_token("fixed-token")
        .base_url(base_url)
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap()
}

/// Token endpoint answers a long-lived token; the operation gets `op`.
async fn server_with(op: impl Fn(&common_faults::Req) -> Action + Send + Sync + 'static) -> Server {
    Server::start(move |req| {
        if req.is_token() {
            Action::Reply(token_json("tok-1", 3600))
        } else {
            op(req)
        }
    })
    .await
}

async fn guarded<T>(f: impl Future<Output = T>) -> T {
    tokio::time::timeout(GUARD, f)
        .await
        .expect("the call hung past the test guard")
}

fn operation_hits(server: &Server) -> usize {
    server.requests().iter().filter(|r| !r.is_token()).count()
}

#[tokio::test]
async fn connection_refused_is_a_transport_error_after_bounded_retries() {
    // Bind, learn the port, close: nothing listens there any more.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let base = format!("http://127.0.0.1:{port}/v1");

    let started = Instant::now();
    let err = guarded(bearer_client(&base).change_customer_id("a", "b"))
        .await
        .unwrap_err();
    match &err {
        Error::Transport(e) => assert!(e.is_connect(), "{e:?}"),
        other => panic!("expected Transport, got {other:?}"),
    }
    assert_eq!(err.status(), None);
    assert!(started.elapsed() < Duration::from_secs(5));

    // With client credentials the token request is what fails first: a token error.
    let err = guarded(
        Dintero::builder()
            .account_id(ACCOUNT)
            .client_credentials("id", "secret")
            .base_url(&base)
            .build()
            .unwrap()
            .change_customer_id("a", "b"),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, Error::Token(_)), "{err:?}");
    assert!(err.to_string().contains("token request failed"), "{err}");
}

/// The 200 arrived, then the body broke: Dintero applied the change, and the error says
/// so by its status rather than passing for a transport failure.
#[track_caller]
fn assert_applied_with_an_unreadable_body(err: &Error) {
    match err {
        Error::UnexpectedResponse { status, reason, .. } => {
            assert_eq!(*status, 200);
            assert!(reason.contains("could not be read"), "{reason}");
        }
        other => panic!("expected UnexpectedResponse 200, got {other:?}"),
    }
    assert_eq!(err.outcome(), Outcome::Applied);
}

#[tokio::test]
async fn reset_mid_body_of_a_200_is_applied_and_not_retried() {
    let server = server_with(|_| {
        let full = json(200, CUSTOMER_JSON);
        Action::ReplyReset(full[..full.len() / 2].to_vec())
    })
    .await;
    let err = guarded(client(&server).change_customer_id("a", "b"))
        .await
        .unwrap_err();
    assert_applied_with_an_unreadable_body(&err);
    // It reached the server: a change is never replayed.
    assert_eq!(operation_hits(&server), 1);
}

#[tokio::test]
async fn close_before_the_promised_length_of_a_200_is_applied() {
    let server = server_with(|_| {
        let full = json(200, CUSTOMER_JSON);
        Action::ReplyClose(full[..full.len() - 100].to_vec())
    })
    .await;
    let err = guarded(client(&server).change_customer_id("a", "b"))
        .await
        .unwrap_err();
    assert_applied_with_an_unreadable_body(&err);
    assert_eq!(operation_hits(&server), 1);
}

#[tokio::test]
async fn a_server_that_never_answers_times_out() {
    let server = server_with(|_| Action::Hang).await;
    let client = Dintero::builder()
        .account_id(ACCOUNT)
        .client_credentials("id", "secret")
        .base_url(server.base_url())
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let started = Instant::now();
    let err = guarded(client.change_customer_id("a", "b"))
        .await
        .unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    assert_eq!(err.timeout(), Some(Timeout::Attempt), "{err:?}");
    assert!(err.is_outcome_unknown(), "{err:?}");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(operation_hits(&server), 1);
}

#[tokio::test]
async fn a_token_endpoint_that_never_answers_times_out_as_a_token_error() {
    let server = Server::start(|_| Action::Hang).await;
    let client = Dintero::builder()
        .account_id(ACCOUNT)
        .client_credentials("id", "secret")
        .base_url(server.base_url())
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let err = guarded(client.change_customer_id("a", "b"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Token(_)), "{err:?}");
    assert!(err.is_timeout(), "{err:?}");
}

async fn expect_undecodable(body: &'static str) -> Error {
    let server = server_with(move |_| Action::Reply(json(200, body))).await;
    let err = guarded(client(&server).change_customer_id("a", "b"))
        .await
        .unwrap_err();
    match &err {
        Error::UnexpectedResponse {
            status,
            reason,
            body: raw,
        } => {
            assert_eq!(*status, 200);
            assert!(reason.contains("does not match the spec"), "{reason}");
            assert_eq!(&raw[..], body.as_bytes());
        }
        other => panic!("expected UnexpectedResponse, got {other:?}"),
    }
    err
}

#[tokio::test]
async fn truncated_json_is_an_unexpected_response() {
    expect_undecodable(&CUSTOMER_JSON[..CUSTOMER_JSON.len() / 2]).await;
}

#[tokio::test]
async fn invalid_json_is_an_unexpected_response() {
    expect_undecodable("{\"type\": customer}").await;
    expect_undecodable("\u{0}\u{1}garbage").await;
    expect_undecodable("").await;
}

#[tokio::test]
async fn a_200_without_required_fields_is_an_unexpected_response() {
    // `customer_id` is required by the spec.
    expect_undecodable(r#"{"type":"customer","first_name":"John"}"#).await;
    // A wrong type for a typed field.
    expect_undecodable(r#"{"type":"customer","customer_id":17}"#).await;
}

/// An enum value the spec does not list is an additive change Dintero may make: the
/// change succeeded, so the response decodes and keeps the value (issue 9; every enum of
/// every response is covered by `tests/evolution.rs`).
#[tokio::test]
async fn a_200_with_an_unknown_enum_value_decodes() {
    let server =
        server_with(|_| Action::Reply(json(200, r#"{"type":"robot","customer_id":"x"}"#))).await;
    let customer = guarded(client(&server).change_customer_id("a", "b"))
        .await
        .expect("an unknown enum value decodes");
    assert_eq!(customer.customer_id, "x");
    assert_eq!(customer.type_.as_str(), "robot");
    assert_eq!(operation_hits(&server), 1);
}

#[tokio::test]
async fn a_500_with_an_html_body_is_an_unexpected_response_with_the_body() {
    const HTML: &str = "<html><body><h1>502 Bad Gateway</h1></body></html>";
    let server = server_with(|_| {
        Action::Reply(response(
            500,
            &[("content-type", "text/html")],
            HTML.as_bytes(),
        ))
    })
    .await;
    let err = guarded(client(&server).change_customer_id("a", "b"))
        .await
        .unwrap_err();
    match &err {
        Error::UnexpectedResponse { status, body, .. } => {
            assert_eq!(*status, 500);
            assert_eq!(&body[..], HTML.as_bytes());
        }
        other => panic!("expected UnexpectedResponse, got {other:?}"),
    }
    assert_eq!(err.status(), Some(500));
    // A 500 on a change is not retried: it may have been applied.
    assert_eq!(operation_hits(&server), 1);
}

const HUGE: usize = 30 * 1024 * 1024;
const DEFAULT_LIMIT: usize = 4 * 1024 * 1024;

fn assert_over_limit(err: &Error) {
    match err {
        Error::UnexpectedResponse {
            status,
            reason,
            body,
        } => {
            assert_eq!(*status, 200);
            assert!(reason.contains(&DEFAULT_LIMIT.to_string()), "{reason}");
            assert!(body.is_empty(), "an over-limit body is not kept");
        }
        other => panic!("expected UnexpectedResponse, got {other:?}"),
    }
}

#[tokio::test]
async fn a_30_mb_body_with_content_length_is_refused_without_reading_it() {
    let server = server_with(|_| Action::Stream {
        head: format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {HUGE}\r\n\r\n"
        )
        .into_bytes(),
        total: HUGE,
    })
    .await;
    let started = Instant::now();
    let err = guarded(client(&server).change_customer_id("a", "b"))
        .await
        .unwrap_err();
    assert_over_limit(&err);
    assert!(started.elapsed() < Duration::from_secs(3));
    // The client hung up: the server could not push the whole body.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let streamed = server.streamed.load(Ordering::SeqCst) as usize;
    assert!(streamed < HUGE, "server wrote all {streamed} bytes");
}

#[tokio::test]
async fn a_30_mb_chunked_body_is_cut_at_the_limit() {
    // No Content-Length: the client must count as it reads and stop at the cap.
    let server = server_with(|_| Action::Stream {
        head: b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nconnection: close\r\n\r\n"
            .to_vec(),
        total: HUGE,
    })
    .await;
    let started = Instant::now();
    let err = guarded(client(&server).change_customer_id("a", "b"))
        .await
        .unwrap_err();
    assert_over_limit(&err);
    assert!(started.elapsed() < Duration::from_secs(5));
    tokio::time::sleep(Duration::from_millis(200)).await;
    let streamed = server.streamed.load(Ordering::SeqCst) as usize;
    assert!(
        streamed < HUGE,
        "the client read all {streamed} bytes instead of stopping at the cap"
    );
}

#[tokio::test]
async fn a_redirect_to_another_host_is_not_followed() {
    let b = Server::start(|_| Action::Reply(json(200, CUSTOMER_JSON))).await;
    let location = format!(
        "http://localhost:{}/v1/accounts/{ACCOUNT}/customers/users/a/change_customer_id",
        b.addr.port()
    );
    let a =
        server_with(move |_| Action::Reply(response(307, &[("location", location.as_str())], b"")))
            .await;
    let err = guarded(client(&a).change_customer_id("a", "b"))
        .await
        .unwrap_err();
    match &err {
        Error::UnexpectedResponse { status, reason, .. } => {
            assert_eq!(*status, 307);
            assert!(reason.contains("not documented"), "{reason}");
        }
        other => panic!("expected UnexpectedResponse, got {other:?}"),
    }
    assert_eq!(b.hits(), 0, "the redirect target was contacted");
}

#[tokio::test]
async fn a_followed_redirect_to_another_host_carries_no_authorization() {
    // A caller-supplied client that does follow redirects: reqwest strips credentials
    // when the redirect leaves the origin. Prove the token never reaches host B.
    let b = Server::start(|_| Action::Reply(json(200, CUSTOMER_JSON))).await;
    let location = format!(
        "http://localhost:{}/v1/accounts/{ACCOUNT}/customers/users/a/change_customer_id",
        b.addr.port()
    );
    let a =
        server_with(move |_| Action::Reply(response(307, &[("location", location.as_str())], b"")))
            .await;
    let client = Dintero::builder()
        .account_id(ACCOUNT)
        .client_credentials("id", "secret")
        .base_url(a.base_url())
        .http_client(reqwest::Client::new())
        .build()
        .unwrap();
    let customer = guarded(client.change_customer_id("a", "b")).await.unwrap();
    assert_eq!(customer.customer_id, "<string>");
    let seen = b.requests();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].header("authorization"), None, "{:?}", seen[0]);
    // A did get the bearer token.
    let op = a.requests().into_iter().find(|r| !r.is_token()).unwrap();
    assert_eq!(op.header("authorization"), Some("Bearer tok-1"));
}

/// `Retry-After` as an HTTP-date on the token endpoint: one in the past means "now". (How
/// long the shared retry loop waits is tested on paused time in `src/retry.rs`; one
/// end-to-end wait is in `tests/rate_limits.rs`.)
#[tokio::test]
async fn token_429_with_a_past_http_date_is_sent_again_at_once() {
    let token_calls = Arc::new(AtomicUsize::new(0));
    let calls = token_calls.clone();
    let past = httpdate::fmt_http_date(std::time::SystemTime::now() - Duration::from_secs(5));
    let server = Server::start(move |req| {
        if req.is_token() {
            if calls.fetch_add(1, Ordering::SeqCst) == 0 {
                Action::Reply(response(
                    429,
                    &[("retry-after", &past), ("content-type", "application/json")],
                    br#"{"error":{"message":"slow down"}}"#,
                ))
            } else {
                Action::Reply(token_json("tok-2", 3600))
            }
        } else if req.header("authorization") == Some("Bearer tok-2") {
            Action::Reply(json(200, CUSTOMER_JSON))
        } else {
            Action::Reply(json(401, r#"{"error":{"message":"bad token"}}"#))
        }
    })
    .await;
    let started = Instant::now();
    let customer = guarded(client(&server).change_customer_id("a", "b"))
        .await
        .unwrap();
    assert_eq!(customer.customer_id, "<string>");
    assert_eq!(token_calls.load(Ordering::SeqCst), 2);
    assert!(
        started.elapsed() < Duration::from_millis(900),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(operation_hits(&server), 1);
}

#[tokio::test]
async fn tokens_expiring_mid_run_are_refreshed_and_no_call_fails() {
    // Tokens live 1 s (refreshed after 0.75 s); the server also revokes each token 0.9 s
    // after issuing it, so a call can race a token's end and meet a 401.
    let issued = Arc::new(std::sync::Mutex::new(Vec::<(String, Instant)>::new()));
    let log = issued.clone();
    let server = Server::start(move |req| {
        let mut issued = log.lock().unwrap();
        if req.is_token() {
            let token = format!("tok-{}", issued.len() + 1);
            issued.push((token.clone(), Instant::now()));
            return Action::Reply(token_json(&token, 1));
        }
        let presented = req
            .header("authorization")
            .and_then(|h| h.strip_prefix("Bearer "));
        let valid = issued.iter().any(|(t, at)| {
            Some(t.as_str()) == presented && at.elapsed() < Duration::from_millis(900)
        });
        if valid {
            Action::Reply(json(200, CUSTOMER_JSON))
        } else {
            Action::Reply(json(401, r#"{"error":{"message":"token expired"}}"#))
        }
    })
    .await;
    let client = client(&server);
    let started = Instant::now();
    let mut calls = 0;
    while started.elapsed() < Duration::from_millis(2600) {
        let batch: Vec<_> = (0..8)
            .map(|_| {
                let c = client.clone();
                tokio::spawn(async move { c.change_customer_id("a", "b").await })
            })
            .collect();
        for h in batch {
            guarded(h).await.unwrap().expect("no call may fail");
            calls += 1;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let tokens = issued.lock().unwrap().len();
    // 2.6 s with a refresh every 0.75 s: about 4 tokens; a few 401 refreshes may add some,
    // but never one per call.
    assert!(
        (3..=8).contains(&tokens),
        "{tokens} tokens for {calls} calls"
    );
}

#[tokio::test]
async fn a_token_revoked_early_is_refreshed_once_after_a_401() {
    let token_calls = Arc::new(AtomicUsize::new(0));
    let calls = token_calls.clone();
    let server = Server::start(move |req| {
        if req.is_token() {
            let n = calls.fetch_add(1, Ordering::SeqCst) + 1;
            Action::Reply(token_json(&format!("tok-{n}"), 3600))
        } else if req.header("authorization") == Some("Bearer tok-2") {
            Action::Reply(json(200, CUSTOMER_JSON))
        } else {
            Action::Reply(json(401, r#"{"error":{"message":"revoked"}}"#))
        }
    })
    .await;
    let client = client(&server);
    guarded(client.change_customer_id("a", "b")).await.unwrap();
    guarded(client.change_customer_id("a", "b")).await.unwrap();
    assert_eq!(token_calls.load(Ordering::SeqCst), 2);
    // 401 with tok-1, retry with tok-2, then tok-2 from the cache.
    assert_eq!(operation_hits(&server), 3);
}

#[tokio::test]
async fn garbage_instead_of_http_is_a_transport_error() {
    let server =
        server_with(|_| Action::ReplyClose(b"SSH-2.0-OpenSSH_9.6\r\n\x00\xff\xfe".to_vec())).await;
    let err = guarded(client(&server).change_customer_id("a", "b"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
}

#[tokio::test]
async fn an_undecodable_token_response_is_a_token_error() {
    let server = Server::start(|req| {
        if req.is_token() {
            Action::Reply(json(200, r#"{"access_token":"x"}"#))
        } else {
            Action::Reply(json(200, CUSTOMER_JSON))
        }
    })
    .await;
    let err = guarded(client(&server).change_customer_id("a", "b"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Token(_)), "{err:?}");
    assert_eq!(err.status(), Some(200));
    assert_eq!(operation_hits(&server), 0);
}
