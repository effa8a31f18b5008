//! Issue 3 (ergonomic client): client-credentials tokens over real HTTP. Basic credentials go
//! to the token endpoint only; one token serves many calls and many concurrent first calls;
//! it is refreshed ahead of expiry and after a 401; the token endpoint is retried on 429 and
//! 5xx within bounds and not at all on 400/401/403; a bearer-token client never asks for one.
//!
//! Issue 13 item 2: inside the refresh margin one background request fetches the next
//! token while calls go on with the valid one, and a failing refresh fails no call before
//! the token expires. Issue 14 item 4: credentials that cannot be sent fail `build()`.
//!
//! Time: what depends on it is unit-tested on tokio's paused clock without I/O: the token
//! cache (margin, expiry, background retries) in `src/token/tests.rs`, `Retry-After` and
//! backoff in `src/retry.rs`. The loopback tests here run on real time, with short tokens
//! and margins of 100 ms or more: a paused clock jumps to the next pending timer whenever
//! the runtime waits, also for a socket, and every call has timers pending while it waits
//! for the server (the per-attempt timeout and the call deadline), so they would fire at
//! once. (Before those existed, a client without timeouts and without the connection
//! pool's idle timer did measure `Retry-After: 1` as exactly 1 s of paused time; with a
//! plain `reqwest::Client` the pool's 90 s idle timer moved the paused clock by 180 s.)

mod common;

use std::time::{Duration, Instant};

use common::*;
use dintero_client::{Dintero, Error};
use httpmock::prelude::*;
use httpmock::{Mock, MockServer};
use serde_json::json;

/// An operation mock that only answers requests carrying `Bearer {token}`.
async fn op_with_token<'a>(server: &'a MockServer, token: &str, status: u16) -> Mock<'a> {
    let auth = format!("Bearer {token}");
    server
        .mock_async(move |when, then| {
            when.method(POST)
                .path(customer_path("old"))
                .header("authorization", auth)
                .json_body(json!({"customer_id": "new"}));
            if status == 200 {
                then.status(200)
                    .header("content-type", "application/json")
                    .body(SEED_CUSTOMER);
            } else {
                then.status(status)
                    .header("content-type", "application/json")
                    .json_body(error_body(status));
            }
        })
        .await
}

/// A token endpoint answering `status` with Dintero's error body.
async fn token_error_mock<'a>(
    server: &'a MockServer,
    status: u16,
    retry_after: Option<&str>,
    limit: Option<usize>,
) -> Mock<'a> {
    let retry_after = retry_after.map(str::to_string);
    server
        .mock_async(move |when, then| {
            when.method(POST).path(TOKEN_PATH);
            let mut then = then
                .status(status)
                .header("content-type", "application/json")
                .json_body(error_body(status));
            if let Some(seconds) = retry_after {
                then = then.header("retry-after", seconds);
            }
            if let Some(n) = limit {
                then.up_to_n_times(n);
            }
        })
        .await
}

#[tokio::test]
async fn basic_credentials_go_to_the_token_endpoint_only() {
    let server = MockServer::start_async().await;
    // Registered first, so they would win: any Basic header off the token endpoint, any
    // Bearer header on it, or a secret anywhere in a body.
    let basic_elsewhere = server
        .mock_async(|when, then| {
            when.path_excludes("/auth/token")
                .header_prefix("authorization", "Basic");
            then.status(599);
        })
        .await;
    let bearer_on_token = server
        .mock_async(|when, then| {
            when.path(TOKEN_PATH)
                .header_prefix("authorization", "Bearer");
            then.status(599);
        })
        .await;
    let secret_in_body = server
        .mock_async(|when, then| {
            when.body_includes(CLIENT_SECRET);
            then.status(599);
        })
        .await;
    let token = token_mock(&server, "tok-1", 3600).await;
    let op = op_with_token(&server, "tok-1", 200).await;
    let user = server
        .mock_async(|when, then| {
            when.method(POST)
                .path(username_path("old"))
                .header("authorization", "Bearer tok-1");
            then.status(200)
                .header("content-type", "application/json")
                .body(SEED_AUTH_USER);
        })
        .await;
    let stray = catch_all(&server).await;

    let client = client(&server);
    client.change_customer_id("old", "new").await.expect("call");
    client.change_username("old", "new").await.expect("call");

    token.assert_calls_async(1).await;
    op.assert_calls_async(1).await;
    user.assert_calls_async(1).await;
    basic_elsewhere.assert_calls_async(0).await;
    bearer_on_token.assert_calls_async(0).await;
    secret_in_body.assert_calls_async(0).await;
    stray.assert_calls_async(0).await;
}

#[tokio::test]
async fn one_token_serves_many_calls() {
    let server = MockServer::start_async().await;
    let token = token_mock(&server, "tok-1", 3600).await;
    let op = op_with_token(&server, "tok-1", 200).await;
    let client = client(&server);
    for _ in 0..5 {
        client.change_customer_id("old", "new").await.expect("call");
    }
    // Clones share the cache.
    let clone = client.clone();
    clone.change_customer_id("old", "new").await.expect("call");
    token.assert_calls_async(1).await;
    op.assert_calls_async(6).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_first_calls_share_one_token_request() {
    let server = MockServer::start_async().await;
    let token = server
        .mock_async(|when, then| {
            when.method(POST)
                .path(TOKEN_PATH)
                .header("authorization", format!("Basic {BASIC_CREDENTIALS}"));
            // Slow enough that every caller arrives while the one fetch is in flight.
            then.status(200)
                .header("content-type", "application/json")
                .delay(Duration::from_millis(500))
                .json_body(json!({
                    "access_token": "tok-shared",
                    "token_type": "Bearer",
                    "expires_in": 3600
                }));
        })
        .await;
    let op = op_with_token(&server, "tok-shared", 200).await;
    let client = client(&server);

    let tasks: Vec<_> = (0..100)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.change_customer_id("old", "new").await })
        })
        .collect();
    for task in tasks {
        task.await.expect("task").expect("call");
    }
    token.assert_calls_async(1).await;
    op.assert_calls_async(100).await;
}

/// The lifetime of the short tokens below: its last quarter (1 s) is the refresh margin.
const SHORT_LIFETIME: u64 = 4;

/// From the first call's end: inside the margin, and at least 0.9 s before expiry.
const INTO_THE_MARGIN: Duration = Duration::from_millis(3100);

/// A token endpoint that issues `tok-1`, living `SHORT_LIFETIME`, once.
async fn short_token_once(server: &MockServer) -> Mock<'_> {
    let first = token_mock(server, "tok-1", SHORT_LIFETIME).await;
    first.up_to_n_times_async(1).await;
    first
}

/// Makes the first call, which fetches a `SHORT_LIFETIME` token, then sleeps until the
/// token is inside its refresh margin; returns when the first call ended.
///
/// The token was requested between the call's start and end, so from the end plus
/// [`INTO_THE_MARGIN`] on it is inside its margin, and (the call having taken less than
/// 0.8 s) still valid for more than 100 ms. Real time, not paused: the server is real and
/// paused time would jump ahead while the client waits for its socket.
async fn call_then_enter_the_margin(client: &Dintero) -> Instant {
    let started = Instant::now();
    client
        .change_customer_id("old", "new")
        .await
        .expect("first call");
    let ended = Instant::now();
    assert!(
        ended - started < Duration::from_millis(800),
        "machine too slow for this test: the first call took {:?}",
        ended - started
    );
    tokio::time::sleep_until((ended + INTO_THE_MARGIN).into()).await;
    ended
}

/// Issue 13 item 2: once a token exists, no caller waits for a token request. The
/// refresh's answer takes 10 s; 20 concurrent calls inside the margin each finish
/// within 2 s on the old token, and they started one token request between them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_inside_the_margin_do_not_wait_for_the_refresh() {
    let server = MockServer::start_async().await;
    let first = short_token_once(&server).await;
    let refresh = slow_token_mock(&server, "tok-2", 3600, Duration::from_secs(10)).await;
    let op = op_with_token(&server, "tok-1", 200).await;
    let client = client(&server);

    call_then_enter_the_margin(&client).await;
    let calls: Vec<_> = (0..20)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move {
                let call = client.change_customer_id("old", "new");
                tokio::time::timeout(Duration::from_secs(2), call).await
            })
        })
        .collect();
    for call in calls {
        call.await
            .expect("task")
            .expect("a call inside the margin waited for the token request")
            .expect("call");
    }
    first.assert_calls_async(1).await;
    // One refresh for all of them, counted on arrival (its answer is still pending). The
    // background task may not have sent it yet on a loaded machine: wait for it, bounded.
    let deadline = Instant::now() + Duration::from_secs(5);
    while refresh.calls_async().await == 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    refresh.assert_calls_async(1).await;
    op.assert_calls_async(21).await;
}

/// Issue 13 item 2: the refresh lands in the background and later calls use the new
/// token; the old one served the call that started the refresh.
#[tokio::test]
async fn the_background_refresh_replaces_the_token() {
    let server = MockServer::start_async().await;
    let first = short_token_once(&server).await;
    let second = slow_token_mock(&server, "tok-2", 3600, Duration::from_millis(300)).await;
    let old = op_with_token(&server, "tok-1", 200).await;
    let new = op_with_token(&server, "tok-2", 200).await;
    let client = client(&server);

    let ended = call_then_enter_the_margin(&client).await;
    client
        .change_customer_id("old", "new")
        .await
        .expect("inside the margin");
    // Past the old token's expiry. Even if the refresh had not landed yet, this call would
    // wait for it rather than send a second token request.
    let expired = ended + Duration::from_secs(SHORT_LIFETIME) + Duration::from_millis(500);
    tokio::time::sleep_until(expired.into()).await;
    client
        .change_customer_id("old", "new")
        .await
        .expect("with the new token");
    first.assert_calls_async(1).await;
    second.assert_calls_async(1).await;
    old.assert_calls_async(2).await;
    new.assert_calls_async(1).await;
}

/// Issue 13 item 2: a token endpoint that fails inside the margin fails no call while the
/// token is valid; once it has expired, calls fail with the token endpoint's error.
#[tokio::test]
async fn a_failing_refresh_fails_no_call_while_the_token_is_valid() {
    let server = MockServer::start_async().await;
    let first = short_token_once(&server).await;
    let failing = token_error_mock(&server, 503, None, None).await;
    let op = op_with_token(&server, "tok-1", 200).await;
    let client = client(&server);

    let ended = call_then_enter_the_margin(&client).await;
    for _ in 0..5 {
        client
            .change_customer_id("old", "new")
            .await
            .expect("the token is still valid");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    op.assert_calls_async(6).await;
    assert!(failing.calls_async().await >= 1, "no refresh was attempted");

    tokio::time::sleep_until((ended + Duration::from_secs(SHORT_LIFETIME)).into()).await;
    match client.change_customer_id("old", "new").await {
        Err(Error::Token(e)) => assert_eq!(e.status(), Some(503)),
        other => panic!("expected Error::Token 503 after expiry, got {other:?}"),
    }
    first.assert_calls_async(1).await;
    op.assert_calls_async(6).await;
}

#[tokio::test]
async fn token_without_lifetime_is_fetched_for_every_call() {
    let server = MockServer::start_async().await;
    let token = token_mock(&server, "tok-zero", 0).await;
    let op = op_with_token(&server, "tok-zero", 200).await;
    let client = client(&server);
    for _ in 0..3 {
        client.change_customer_id("old", "new").await.expect("call");
    }
    token.assert_calls_async(3).await;
    op.assert_calls_async(3).await;
}

/// A token endpoint that claims an absurd lifetime must not crash the client or make it
/// spin: a huge one is used for every call, a negative one like zero (fetched per call).
#[tokio::test]
async fn absurd_token_lifetimes_do_not_panic() {
    for (expires_in, token_requests) in [(i64::MAX, 1), (i64::MIN, 2), (-1, 2)] {
        let server = MockServer::start_async().await;
        let token = server
            .mock_async(|when, then| {
                when.method(POST).path(TOKEN_PATH);
                then.status(200)
                    .header("content-type", "application/json")
                    .json_body(json!({
                        "access_token": "tok-absurd",
                        "token_type": "Bearer",
                        "expires_in": expires_in
                    }));
            })
            .await;
        let op = op_with_token(&server, "tok-absurd", 200).await;
        let client = client(&server);
        for call in ["first", "second"] {
            client.change_customer_id("old", "new").await.expect(call);
        }
        token.assert_calls_async(token_requests).await;
        op.assert_calls_async(2).await;
    }
}

#[tokio::test]
async fn a_401_drops_the_token_and_retries_once_with_a_new_one() {
    let server = MockServer::start_async().await;
    let first = token_mock(&server, "tok-revoked", 3600).await;
    first.up_to_n_times_async(1).await;
    let second = token_mock(&server, "tok-fresh", 3600).await;
    let rejected = op_with_token(&server, "tok-revoked", 401).await;
    let accepted = op_with_token(&server, "tok-fresh", 200).await;
    let client = client(&server);

    let customer = client
        .change_customer_id("old", "new")
        .await
        .expect("retried");
    assert_eq!(customer.customer_id, "<string>");
    first.assert_calls_async(1).await;
    second.assert_calls_async(1).await;
    rejected.assert_calls_async(1).await;
    accepted.assert_calls_async(1).await;

    // The fresh token is cached for later calls.
    client
        .change_customer_id("old", "new")
        .await
        .expect("cached");
    second.assert_calls_async(1).await;
    accepted.assert_calls_async(2).await;
}

#[tokio::test]
async fn a_second_401_is_returned() {
    let server = MockServer::start_async().await;
    let first = token_mock(&server, "tok-a", 3600).await;
    first.up_to_n_times_async(1).await;
    let second = token_mock(&server, "tok-b", 3600).await;
    let rejected_a = op_with_token(&server, "tok-a", 401).await;
    let rejected_b = op_with_token(&server, "tok-b", 401).await;
    let client = client(&server);

    match client.change_customer_id("old", "new").await {
        Err(Error::Api { status, body }) => {
            assert_eq!(status, 401);
            assert_eq!(body.error.message, "message for 401");
            assert_eq!(body.error.code.as_deref(), Some("code_401"));
        }
        other => panic!("expected Error::Api 401, got {other:?}"),
    }
    // Exactly one refresh and one retry.
    first.assert_calls_async(1).await;
    second.assert_calls_async(1).await;
    rejected_a.assert_calls_async(1).await;
    rejected_b.assert_calls_async(1).await;
}

#[tokio::test]
async fn a_bearer_token_client_never_asks_for_a_token() {
    let server = MockServer::start_async().await;
    let token = token_mock(&server, "tok-unused", 3600).await;
    let token_any = server
        .mock_async(|when, then| {
            when.path(TOKEN_PATH);
            then.status(599);
        })
        .await;
    let ok = op_with_token(&server, STATIC_TOKEN, 200).await;
    let client = bearer_client(&server);
    client.change_customer_id("old", "new").await.expect("ok");
    ok.assert_calls_async(1).await;
    ok.delete_async().await;

    let rejected = op_with_token(&server, STATIC_TOKEN, 401).await;
    match client.change_customer_id("old", "new").await {
        Err(Error::Api { status: 401, body }) => {
            assert_eq!(body.error.message, "message for 401")
        }
        other => panic!("expected Error::Api 401, got {other:?}"),
    }
    rejected.assert_calls_async(1).await;
    token.assert_calls_async(0).await;
    token_any.assert_calls_async(0).await;
}

#[tokio::test]
async fn token_429_waits_for_retry_after_then_succeeds() {
    let server = MockServer::start_async().await;
    let limited = token_error_mock(&server, 429, Some("1"), Some(1)).await;
    let token = token_mock(&server, "tok-after-wait", 3600).await;
    let op = op_with_token(&server, "tok-after-wait", 200).await;
    let client = client(&server);

    let started = Instant::now();
    client
        .change_customer_id("old", "new")
        .await
        .expect("after 429");
    let elapsed = started.elapsed();
    assert!(
        elapsed >= Duration::from_millis(950),
        "Retry-After: 1 not honoured: {elapsed:?}"
    );
    assert!(elapsed < CEILING + Duration::from_secs(1), "{elapsed:?}");
    limited.assert_calls_async(1).await;
    token.assert_calls_async(1).await;
    op.assert_calls_async(1).await;
}

#[tokio::test]
async fn token_429_with_a_too_long_retry_after_fails_at_once() {
    let server = MockServer::start_async().await;
    let limited = token_error_mock(&server, 429, Some("3600"), None).await;
    let op = op_with_token(&server, "never", 200).await;
    let client = client(&server);
    let started = Instant::now();
    match client.change_customer_id("old", "new").await {
        Err(Error::Token(e)) => {
            assert_eq!(e.status(), Some(429));
            assert_eq!(e.message(), "message for 429");
        }
        other => panic!("expected Error::Token 429, got {other:?}"),
    }
    assert!(started.elapsed() < CEILING);
    limited.assert_calls_async(1).await;
    op.assert_calls_async(0).await;
}

#[tokio::test]
async fn token_5xx_is_retried_a_bounded_number_of_times() {
    let server = MockServer::start_async().await;
    let failing = token_error_mock(&server, 500, None, None).await;
    let op = op_with_token(&server, "never", 200).await;
    let client = client(&server);

    let started = Instant::now();
    let err = client.change_customer_id("old", "new").await.unwrap_err();
    let elapsed = started.elapsed();
    match &err {
        Error::Token(e) => {
            assert_eq!(e.status(), Some(500));
            assert_eq!(e.code(), Some("code_500"));
            assert_eq!(e.message(), "message for 500");
        }
        other => panic!("expected Error::Token 500, got {other:?}"),
    }
    assert_eq!(err.status(), Some(500));
    // The default retry budget, 3: four requests, with backoff 100, 200 and 400 ms, each
    // with equal jitter (half of it at least) between them.
    failing.assert_calls_async(4).await;
    op.assert_calls_async(0).await;
    assert!(
        elapsed >= Duration::from_millis(350),
        "no backoff: {elapsed:?}"
    );
    assert!(elapsed < CEILING, "{elapsed:?}");
}

#[tokio::test]
async fn token_5xx_then_success_recovers() {
    let server = MockServer::start_async().await;
    let failing = server
        .mock_async(|when, then| {
            when.path(TOKEN_PATH);
            then.status(503)
                .header("content-type", "text/html")
                .body("<html>busy</html>")
                .up_to_n_times(2);
        })
        .await;
    let token = token_mock(&server, "tok-late", 3600).await;
    let op = op_with_token(&server, "tok-late", 200).await;
    client(&server)
        .change_customer_id("old", "new")
        .await
        .expect("third attempt succeeds");
    failing.assert_calls_async(2).await;
    token.assert_calls_async(1).await;
    op.assert_calls_async(1).await;
}

#[tokio::test]
async fn token_4xx_fails_at_once_with_dintero_message() {
    let server = MockServer::start_async().await;
    for (status, message) in [
        (400u16, "grant_type is required"),
        (401, "Unauthorized: invalid client credentials"),
        (403, "client is not allowed to use this account"),
    ] {
        let token = server
            .mock_async(|when, then| {
                when.method(POST).path(TOKEN_PATH);
                then.status(status)
                    .header("content-type", "application/json")
                    .json_body(json!({"error": {"message": message}}));
            })
            .await;
        let client = client(&server);
        for call in 0..2 {
            match client.change_username("old", "new").await {
                Err(Error::Token(e)) => {
                    assert_eq!(e.status(), Some(status));
                    assert_eq!(e.message(), message);
                    assert_eq!(e.code(), None);
                }
                other => panic!("{status}: expected Error::Token, got {other:?}"),
            }
            // Not retried within a call; a failure is not cached: the next call asks again.
            token.assert_calls_async(call + 1).await;
        }
        token.delete_async().await;
    }
}

#[tokio::test]
async fn a_failed_token_request_does_not_poison_later_calls() {
    let server = MockServer::start_async().await;
    let refused = token_error_mock(&server, 401, None, Some(1)).await;
    let token = token_mock(&server, "tok-ok", 3600).await;
    let op = op_with_token(&server, "tok-ok", 200).await;
    let client = client(&server);
    assert!(matches!(
        client.change_customer_id("old", "new").await,
        Err(Error::Token(_))
    ));
    client
        .change_customer_id("old", "new")
        .await
        .expect("recovers");
    refused.assert_calls_async(1).await;
    token.assert_calls_async(1).await;
    op.assert_calls_async(1).await;
}

#[tokio::test]
async fn a_401_whose_refresh_fails_is_a_token_error() {
    let server = MockServer::start_async().await;
    let first = token_mock(&server, "tok-revoked", 3600).await;
    first.up_to_n_times_async(1).await;
    let refused = token_error_mock(&server, 403, None, None).await;
    let rejected = op_with_token(&server, "tok-revoked", 401).await;
    match client(&server).change_customer_id("old", "new").await {
        Err(Error::Token(e)) => {
            assert_eq!(e.status(), Some(403));
            assert_eq!(e.message(), "message for 403");
        }
        other => panic!("expected Error::Token 403, got {other:?}"),
    }
    first.assert_calls_async(1).await;
    refused.assert_calls_async(1).await;
    rejected.assert_calls_async(1).await;
}

/// The raw client runs through the same hooks: bearer token, 401 refresh and retry.
#[tokio::test]
async fn the_raw_client_refreshes_after_a_401_too() {
    use dintero_client::types;
    let server = MockServer::start_async().await;
    let first = token_mock(&server, "tok-revoked", 3600).await;
    first.up_to_n_times_async(1).await;
    let second = token_mock(&server, "tok-fresh", 3600).await;
    let rejected = op_with_token(&server, "tok-revoked", 401).await;
    let accepted = op_with_token(&server, "tok-fresh", 200).await;
    let client = client(&server);
    let response = client
        .raw()
        .aid_customers_cid_change_customer_id_post(
            &types::AccountId::try_from(AID).unwrap(),
            &types::AidCustomersCidChangeCustomerIdPostCustomerId::try_from("old").unwrap(),
            &types::CustomerIdUpdate {
                customer_id: Some(types::CustomerIdUpdateCustomerId::try_from("new").unwrap()),
            },
        )
        .await
        .expect("retried with a fresh token");
    assert_eq!(response.status(), 200);
    first.assert_calls_async(1).await;
    second.assert_calls_async(1).await;
    rejected.assert_calls_async(1).await;
    accepted.assert_calls_async(1).await;
}

/// Issue 14 item 4: credentials that cannot be sent fail `build()` with an error naming
/// the argument, and the value is neither in its `Display` nor in its `Debug`. Before, a
/// bearer token with a trailing newline was replaced by `Bearer invalid` at request time.
#[test]
fn credentials_that_cannot_be_sent_fail_build() {
    let bearer = |token: &str| {
        Dintero::builder()
            .account_id(AID)
            .bearer_token(token)
            .build()
    };
    let credentials = |id: &str, secret: &str| {
        Dintero::builder()
            .account_id(AID)
            .client_credentials(id, secret)
            .build()
    };
    let cases = [
        ("bearer_token", "", bearer("")),
        ("bearer_token", "eyJ.SeCrEt.sig", bearer("eyJ.SeCrEt.sig\n")),
        (
            "bearer_token",
            "eyJ.SeCrEt.sig",
            bearer("eyJ.SeCrEt.sig\r\n"),
        ),
        ("bearer_token", "SeCrEt", bearer("\tSeCrEt")),
        ("bearer_token", "SeCrEt", bearer("Bearer SeCrEt")),
        ("bearer_token", "SeCrEt", bearer("SeCrEt\u{7f}")),
        ("bearer_token", "SeCrEt", bearer("SeCrEtø")),
        ("bearer_token", "SeCrEt", bearer("SeCrEt,other")),
        ("bearer_token", "SeCrEt", bearer("=SeCrEt")),
        ("client_id", "", credentials("", "secret")),
        (
            "client_id",
            "my-CLIENT",
            credentials("my-CLIENT\n", "secret"),
        ),
        (
            "client_id",
            "my-CLIENT",
            credentials("my-CLIENT:x", "secret"),
        ),
        (
            "client_id",
            "my-CLIENT",
            credentials("my\0-CLIENT", "secret"),
        ),
        ("client_secret", "", credentials("id", "")),
        ("client_secret", "SeCrEt", credentials("id", "SeCrEt\n")),
        ("client_secret", "SeCrEt", credentials("id", "SeCrEt\u{85}")),
    ];
    for (field, secret, result) in cases {
        match result {
            Err(Error::InvalidInput { field: named, .. }) if named == field => {}
            other => panic!("{field}: expected InvalidInput naming it, got {other:?}"),
        }
        let err = result.unwrap_err();
        for shown in [err.to_string(), format!("{err:?}")] {
            assert!(secret.is_empty() || !shown.contains(secret), "{shown}");
        }
    }
}

/// Unusual but valid credentials are sent byte for byte: every `b64token` character in a
/// bearer token, a client secret with `:` and spaces, a non-ASCII client id.
#[tokio::test]
async fn unusual_valid_credentials_are_sent_unchanged() {
    let server = MockServer::start_async().await;
    let token = "aZ09-._~+/b==";
    let bearer_op = op_with_token(&server, token, 200).await;
    Dintero::builder()
        .account_id(AID)
        .bearer_token(token)
        .base_url(base_url(&server))
        .build()
        .expect("a valid b64token")
        .change_customer_id("old", "new")
        .await
        .expect("sent as is");
    bearer_op.assert_calls_async(1).await;

    // base64("ïd-ü:se:c ret ") with UTF-8 bytes, worked out independently of the crate.
    let basic = "w69kLcO8OnNlOmMgcmV0IA==";
    let token_request = server
        .mock_async(|when, then| {
            when.path(TOKEN_PATH)
                .header("authorization", format!("Basic {basic}"));
            then.status(200)
                .header("content-type", "application/json")
                .json_body(
                    json!({"access_token": "tok-u", "token_type": "Bearer", "expires_in": 60}),
                );
        })
        .await;
    let op = op_with_token(&server, "tok-u", 200).await;
    Dintero::builder()
        .account_id(AID)
        .client_credentials("ïd-ü", "se:c ret ")
        .base_url(base_url(&server))
        .build()
        .expect("valid credentials")
        .change_customer_id("old", "new")
        .await
        .expect("sent as is");
    token_request.assert_calls_async(1).await;
    op.assert_calls_async(1).await;
}
