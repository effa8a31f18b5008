//! Soak: 10,000 calls at concurrency 100 while tokens expire every 2 s.
//!
//! Zero failed calls; token requests close to the number of refreshes the run needed
//! (one per 1.5 s: the cache refreshes at three quarters of a 2 s lifetime), not one per
//! caller; peak memory bounded. Prints its numbers (`cargo test --test soak -- --nocapture`).

mod common_faults;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common_faults::{Action, CUSTOMER_JSON, Server, json, token_json};
use dintero_client::Dintero;

const CALLS: usize = 10_000;
const CONCURRENCY: usize = 100;
const TOKEN_LIFETIME: Duration = Duration::from_secs(2);
/// The cache refreshes a token after 3/4 of its lifetime.
const REFRESH_EVERY: Duration = Duration::from_millis(1500);
/// Calls are spread over at least this long so the run spans several token lifetimes
/// (a fast machine would otherwise finish inside one); a slow one just takes longer.
const MIN_RUN: Duration = Duration::from_secs(8);
/// Allowed growth of the peak resident set during the run.
const MAX_PEAK_GROWTH_KIB: u64 = 200 * 1024;

#[derive(Default)]
struct Counters {
    tokens: AtomicUsize,
    unauthorized: AtomicUsize,
    operations: AtomicUsize,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_calls_with_expiring_tokens() {
    let counters = Arc::new(Counters::default());
    let issued: Arc<Mutex<Vec<(String, Instant)>>> = Arc::default();
    let response = json(200, CUSTOMER_JSON);
    let server = {
        let counters = counters.clone();
        let issued = issued.clone();
        Server::start_with(
            move |req| {
                if req.is_token() {
                    let mut issued = issued.lock().unwrap();
                    let n = counters.tokens.fetch_add(1, Ordering::SeqCst) + 1;
                    let token = format!("tok-{n}");
                    issued.push((token.clone(), Instant::now()));
                    return Action::Reply(token_json(&token, TOKEN_LIFETIME.as_secs()));
                }
                counters.operations.fetch_add(1, Ordering::SeqCst);
                // The server enforces the lifetime: an expired token is a 401.
                let presented = req
                    .header("authorization")
                    .and_then(|h| h.strip_prefix("Bearer "));
                let valid =
                    issued.lock().unwrap().iter().rev().any(|(t, at)| {
                        Some(t.as_str()) == presented && at.elapsed() < TOKEN_LIFETIME
                    });
                if valid {
                    Action::Reply(response.clone())
                } else {
                    counters.unauthorized.fetch_add(1, Ordering::SeqCst);
                    Action::Reply(json(401, r#"{"error":{"message":"token expired"}}"#))
                }
            },
            false,
        )
        .await
    };
    let client = Dintero::builder()
        .account_id("T12345678")
        .client_credentials("soak-client", "soak-secret")
        .base_url(server.base_url())
        .build()
        .unwrap();

    let peak_before = common_faults::peak_rss_kib();
    let next = Arc::new(AtomicUsize::new(0));
    let failed = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let workers: Vec<_> = (0..CONCURRENCY)
        .map(|w| {
            let client = client.clone();
            let next = next.clone();
            let failed = failed.clone();
            tokio::spawn(async move {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= CALLS {
                        break;
                    }
                    let not_before = started + MIN_RUN.mul_f64(i as f64 / CALLS as f64);
                    tokio::time::sleep_until(not_before.into()).await;
                    match client.change_customer_id("soak-old", "soak-new").await {
                        Ok(customer) => assert_eq!(customer.customer_id, "<string>"),
                        Err(e) => {
                            eprintln!("worker {w}: {e}");
                            failed.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
            })
        })
        .collect();
    let all = async {
        for w in workers {
            w.await.expect("a worker panicked");
        }
    };
    tokio::time::timeout(Duration::from_secs(300), all)
        .await
        .expect("soak did not finish in 5 minutes");
    let elapsed = started.elapsed();
    let peak_after = common_faults::peak_rss_kib();

    let tokens = counters.tokens.load(Ordering::SeqCst);
    let unauthorized = counters.unauthorized.load(Ordering::SeqCst);
    let operations = counters.operations.load(Ordering::SeqCst);
    let failed = failed.load(Ordering::SeqCst);
    // One token at the start, then one per refresh interval.
    let expected = 1 + (elapsed.as_secs_f64() / REFRESH_EVERY.as_secs_f64()).floor() as usize;
    println!(
        "soak: {CALLS} calls, concurrency {CONCURRENCY}, {:.2} s ({:.0} calls/s); \
         token requests {tokens} (expected ~{expected}); 401s {unauthorized}; \
         operation requests {operations}; failed {failed}; \
         peak RSS {} -> {} KiB",
        elapsed.as_secs_f64(),
        CALLS as f64 / elapsed.as_secs_f64(),
        peak_before.unwrap_or(0),
        peak_after.unwrap_or(0),
    );

    assert_eq!(failed, 0, "failed calls");
    // Every call went out once, plus one retry per 401.
    assert_eq!(operations, CALLS + unauthorized);
    // Single flight: a handful of token requests per expiry at most, never per caller.
    assert!(
        tokens + 1 >= expected && tokens <= expected + 2 + unauthorized.min(CONCURRENCY),
        "{tokens} token requests, expected about {expected}"
    );
    assert!(
        tokens <= expected * 2 + 2,
        "{tokens} token requests, expected about {expected}"
    );
    if let (Some(before), Some(after)) = (peak_before, peak_after) {
        assert!(
            after.saturating_sub(before) < MAX_PEAK_GROWTH_KIB,
            "peak RSS grew by {} KiB",
            after - before
        );
    }
}
