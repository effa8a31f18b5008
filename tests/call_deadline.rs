//! Issue 14 item 2: one deadline bounds everything a call does (attempts, token fetch,
//! the 401 refresh, retry waits), for the typed methods and the raw client alike, and the
//! error says whether the deadline or the per-attempt timeout fired.

mod common_faults;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common_faults::{Action, CUSTOMER_JSON, Server, busy, error_json, json, token_json};
use dintero_client::{Dintero, DinteroBuilder, Error, Outcome, RetryBudget, Timeout};

const ACCOUNT: &str = "T12345678";
const DEADLINE: Duration = Duration::from_millis(400);
/// Well past the deadline, well below the per-attempt timeout.
const LATE: Duration = Duration::from_millis(1500);
const LONG_TIMEOUT: Duration = Duration::from_secs(10);

fn bearer(server: &Server) -> DinteroBuilder {
    Dintero::builder()
        .account_id(ACCOUNT)
        .bearer_token("fixed-token")
        .base_url(server.base_url())
        .timeout(LONG_TIMEOUT)
}

fn credentials(server: &Server) -> DinteroBuilder {
    Dintero::builder()
        .account_id(ACCOUNT)
        .client_credentials("client-id", "client-secret")
        .base_url(server.base_url())
        .timeout(LONG_TIMEOUT)
}

fn operation_hits(server: &Server) -> usize {
    server.requests().iter().filter(|r| !r.is_token()).count()
}

/// One change that must fail, and how long it took.
async fn timed_failure(builder: DinteroBuilder) -> (Error, Duration) {
    let client = builder.build().unwrap();
    let started = Instant::now();
    let err = client.change_customer_id("a", "b").await.unwrap_err();
    (err, started.elapsed())
}

#[track_caller]
fn assert_deadline(err: &Error, outcome: Outcome) {
    assert_eq!(err.timeout(), Some(Timeout::Deadline), "{err:?}");
    assert_eq!(err.outcome(), outcome, "{err:?}");
    assert!(err.to_string().contains("call deadline"), "{err}");
}

#[tokio::test]
async fn the_deadline_cuts_a_hanging_attempt_and_says_so() {
    let server = Server::start(|_| Action::Hang).await;
    let (err, took) = timed_failure(bearer(&server).deadline(DEADLINE)).await;
    assert!(took >= DEADLINE && took < LATE, "{took:?}");
    // The request was sent: whether Dintero applied it is unknown.
    assert_deadline(&err, Outcome::Unknown);
    assert_eq!(server.hits(), 1);
}

#[tokio::test]
async fn the_per_attempt_timeout_is_told_apart_from_the_deadline() {
    let server = Server::start(|_| Action::Hang).await;
    let client = bearer(&server)
        .timeout(DEADLINE)
        .deadline(Duration::from_secs(30))
        .build()
        .unwrap();
    let err = client.change_customer_id("a", "b").await.unwrap_err();
    assert_eq!(err.timeout(), Some(Timeout::Attempt), "{err:?}");
    assert!(err.to_string().contains("per-attempt timeout"), "{err}");
    assert!(err.is_outcome_unknown());
}

#[tokio::test]
async fn the_deadline_bounds_the_token_fetch_and_nothing_is_sent() {
    let server = Server::start(|_| Action::Hang).await;
    let (err, took) = timed_failure(credentials(&server).deadline(DEADLINE)).await;
    assert!(took < LATE, "{took:?}");
    assert_deadline(&err, Outcome::NotApplied);
    assert_eq!(operation_hits(&server), 0);
}

#[tokio::test]
async fn time_spent_on_the_token_counts_against_the_deadline() {
    // The token takes 300 ms of the 400 ms; the operation then hangs. The call must end
    // at 400 ms, not 300 + 400.
    let server = Server::start(|req| {
        if req.is_token() {
            Action::ReplyAfter(Duration::from_millis(300), token_json("tok", 3600))
        } else {
            Action::Hang
        }
    })
    .await;
    let (err, took) = timed_failure(credentials(&server).deadline(DEADLINE)).await;
    assert!(took < Duration::from_millis(650), "{took:?}");
    assert_deadline(&err, Outcome::Unknown);
    assert_eq!(operation_hits(&server), 1);
}

#[tokio::test]
async fn the_deadline_bounds_the_refresh_after_a_401() {
    let tokens = Arc::new(AtomicUsize::new(0));
    let seen = tokens.clone();
    let server = Server::start(move |req| {
        if !req.is_token() {
            Action::Reply(error_json(401, "revoked"))
        } else if seen.fetch_add(1, Ordering::SeqCst) == 0 {
            Action::Reply(token_json("tok-1", 3600))
        } else {
            Action::Hang
        }
    })
    .await;
    let (err, took) = timed_failure(credentials(&server).deadline(DEADLINE)).await;
    assert!(took < LATE, "{took:?}");
    // Dintero answered 401 (not applied); the second send never happened.
    assert_deadline(&err, Outcome::NotApplied);
    assert_eq!(operation_hits(&server), 1);
    assert_eq!(tokens.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn the_deadline_bounds_retries_on_a_slow_rate_limited_server() {
    // Every answer is a 429 that takes 150 ms: a budget of 100 retries must still stop at
    // the deadline, either before a wait or by cutting an attempt.
    let server =
        Server::start(|_| Action::ReplyAfter(Duration::from_millis(150), busy(429, "0"))).await;
    let budget = RetryBudget::new(100);
    let (err, took) = timed_failure(bearer(&server).deadline(DEADLINE).retry_budget(budget)).await;
    assert!(took < LATE, "{took:?}");
    match &err {
        Error::NotProcessed { attempts, .. } => assert!(*attempts >= 2, "{attempts}"),
        Error::TimedOut { .. } => assert_deadline(&err, Outcome::Unknown),
        other => panic!("expected NotProcessed or TimedOut, got {other:?}"),
    }
    assert!((2..=4).contains(&server.hits()), "{}", server.hits());
}

/// The raw client's hooks apply the same deadline: its calls end in time too (with
/// progenitor's errors, which do not say which timeout fired).
#[tokio::test]
async fn the_raw_client_is_bounded_by_the_deadline() {
    let hanging = Server::start(|_| Action::Hang).await;
    for client in [
        bearer(&hanging).deadline(DEADLINE).build().unwrap(),
        credentials(&hanging).deadline(DEADLINE).build().unwrap(),
    ] {
        let aid = dintero_client::types::AccountId::try_from(ACCOUNT).unwrap();
        let body = dintero_client::types::UsernameUpdate {
            username: "b".try_into().unwrap(),
        };
        let current = "a".try_into().unwrap();
        let started = Instant::now();
        let result = client
            .raw()
            .aid_auth_users_username_change_username_post(&aid, &current, &body)
            .await;
        let took = started.elapsed();
        assert!(took >= DEADLINE && took < LATE, "{took:?}");
        match result {
            Err(dintero_client::generated::Error::CommunicationError(e)) => {
                assert!(e.is_timeout(), "{e:?}")
            }
            Err(dintero_client::generated::Error::Custom(reason)) => {
                assert!(reason.contains("deadline"), "{reason}")
            }
            other => panic!("expected a timeout, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn a_fast_call_is_untouched_by_a_short_deadline() {
    let server = Server::start(|_| Action::Reply(json(200, CUSTOMER_JSON))).await;
    let client = bearer(&server).deadline(DEADLINE).build().unwrap();
    for _ in 0..3 {
        client.change_customer_id("a", "b").await.unwrap();
    }
    assert_eq!(server.hits(), 3);
}
