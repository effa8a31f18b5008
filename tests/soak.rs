//! Soak: 10,000 calls at concurrency 100 while tokens expire every 2 s, beside the same load
//! with a token that never expires.
//!
//! Zero failed calls; token requests close to the number of refreshes the run needed
//! (one per 1.5 s: the cache refreshes at three quarters of a 2 s lifetime), not one per
//! caller; peak memory bounded. The token endpoint answers after 50 ms, like a real one
//! across the internet, so a caller that waits for a token request shows in the latency
//! figures; both runs print p50, p99 and max call latency after warm-up
//! (`cargo test --test soak -- --nocapture`). They are printed, not asserted: a timed
//! assertion would fail on a loaded machine. The CI check that no caller waits for a
//! refresh is `calls_inside_the_margin_do_not_wait_for_the_refresh` in
//! `tests/client_tokens.rs`; the figures are in BENCHMARKS.md.

mod common_faults;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common_faults::{Action, CUSTOMER_JSON, Server, json, token_json};
use dintero_client::Dintero;

const CALLS: usize = 10_000;
const CONCURRENCY: usize = 100;
const TOKEN_LIFETIME: Duration = Duration::from_secs(2);
/// "Never expires": a century.
const FOREVER: Duration = Duration::from_secs(100 * 365 * 24 * 3600);
/// How long the token endpoint takes to answer.
const TOKEN_DELAY: Duration = Duration::from_millis(50);
/// The cache refreshes a token after 3/4 of its lifetime.
const REFRESH_EVERY: Duration = Duration::from_millis(1500);
/// Calls are spread over at least this long so the run spans several token lifetimes
/// (a fast machine would otherwise finish inside one); a slow one just takes longer.
const MIN_RUN: Duration = Duration::from_secs(8);
/// Calls scheduled in the first second (the first token, new connections) are warm-up.
const WARM_UP_CALLS: usize = CALLS / 8;
/// Allowed growth of the peak resident set during a run.
const MAX_PEAK_GROWTH_KIB: u64 = 200 * 1024;

#[derive(Default)]
struct Counters {
    tokens: AtomicUsize,
    unauthorized: AtomicUsize,
    operations: AtomicUsize,
}

/// What one run saw.
struct Run {
    elapsed: Duration,
    tokens: usize,
    unauthorized: usize,
    operations: usize,
    failed: usize,
    /// Latency of every call after warm-up, sorted.
    latencies: Vec<Duration>,
    peak_rss_kib: (Option<u64>, Option<u64>),
}

impl Run {
    /// The nearest-rank percentile `p` (0..=100) of the latencies.
    fn percentile(&self, p: usize) -> Duration {
        let rank = (self.latencies.len() * p).div_ceil(100).max(1);
        self.latencies[rank - 1]
    }

    fn print(&self, label: &str) {
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        println!(
            "soak ({label}): {CALLS} calls, concurrency {CONCURRENCY}, {:.2} s ({:.0} calls/s); \
             token requests {}; 401s {}; operation requests {}; failed {}; \
             latency after warm-up: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms; \
             peak RSS {} -> {} KiB",
            self.elapsed.as_secs_f64(),
            CALLS as f64 / self.elapsed.as_secs_f64(),
            self.tokens,
            self.unauthorized,
            self.operations,
            self.failed,
            ms(self.percentile(50)),
            ms(self.percentile(99)),
            ms(*self.latencies.last().expect("calls after warm-up")),
            self.peak_rss_kib.0.unwrap_or(0),
            self.peak_rss_kib.1.unwrap_or(0),
        );
    }
}

/// A server that issues `tok-<n>` tokens living `lifetime` after `TOKEN_DELAY`, and
/// answers 401 to a token past its lifetime.
async fn start_server(lifetime: Duration, counters: Arc<Counters>) -> Server {
    let issued: Arc<Mutex<Vec<(String, Instant)>>> = Arc::default();
    let response = json(200, CUSTOMER_JSON);
    Server::start_with(
        move |req| {
            if req.is_token() {
                let mut issued = issued.lock().unwrap();
                let n = counters.tokens.fetch_add(1, Ordering::SeqCst) + 1;
                let token = format!("tok-{n}");
                // The lifetime starts when the answer leaves, as it would at Dintero.
                issued.push((token.clone(), Instant::now() + TOKEN_DELAY));
                let body = token_json(&token, lifetime.as_secs());
                return Action::ReplyAfter(TOKEN_DELAY, body);
            }
            counters.operations.fetch_add(1, Ordering::SeqCst);
            let presented = req
                .header("authorization")
                .and_then(|h| h.strip_prefix("Bearer "));
            let valid = issued
                .lock()
                .unwrap()
                .iter()
                .rev()
                .any(|(t, at)| Some(t.as_str()) == presented && at.elapsed() < lifetime);
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
}

/// 10,000 calls from 100 workers against a server issuing tokens that live `lifetime`.
async fn run(lifetime: Duration) -> Run {
    let counters = Arc::new(Counters::default());
    let server = start_server(lifetime, counters.clone()).await;
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
                let mut latencies = Vec::new();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= CALLS {
                        break latencies;
                    }
                    let not_before = started + MIN_RUN.mul_f64(i as f64 / CALLS as f64);
                    tokio::time::sleep_until(not_before.into()).await;
                    let call = Instant::now();
                    match client.change_customer_id("soak-old", "soak-new").await {
                        Ok(customer) => assert_eq!(customer.customer_id, "<string>"),
                        Err(e) => {
                            eprintln!("worker {w}: {e}");
                            failed.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                    if i >= WARM_UP_CALLS {
                        latencies.push(call.elapsed());
                    }
                }
            })
        })
        .collect();
    let all = async {
        let mut latencies = Vec::with_capacity(CALLS);
        for w in workers {
            latencies.extend(w.await.expect("a worker panicked"));
        }
        latencies
    };
    let mut latencies = tokio::time::timeout(Duration::from_secs(300), all)
        .await
        .expect("soak did not finish in 5 minutes");
    latencies.sort_unstable();
    Run {
        elapsed: started.elapsed(),
        tokens: counters.tokens.load(Ordering::SeqCst),
        unauthorized: counters.unauthorized.load(Ordering::SeqCst),
        operations: counters.operations.load(Ordering::SeqCst),
        failed: failed.load(Ordering::SeqCst),
        latencies,
        peak_rss_kib: (peak_before, common_faults::peak_rss_kib()),
    }
}

/// Peak RSS (`VmHWM`) must not grow without bound.
fn assert_memory_bounded(run: &Run) {
    if let (Some(before), Some(after)) = run.peak_rss_kib {
        assert!(
            after.saturating_sub(before) < MAX_PEAK_GROWTH_KIB,
            "peak RSS grew by {} KiB",
            after - before
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_calls_with_expiring_tokens() {
    // The baseline first: the same load, one token for the whole run.
    let steady = run(FOREVER).await;
    steady.print("token never expires");
    let expiring = run(TOKEN_LIFETIME).await;
    expiring.print("2 s tokens");

    assert_eq!(steady.failed, 0, "failed calls with one token");
    assert_eq!(steady.tokens, 1, "one token serves a whole run");
    assert_eq!(steady.unauthorized, 0);

    let Run {
        tokens,
        unauthorized,
        operations,
        failed,
        ..
    } = expiring;
    // One token at the start, then one per refresh interval.
    let expected =
        1 + (expiring.elapsed.as_secs_f64() / REFRESH_EVERY.as_secs_f64()).floor() as usize;
    println!("soak (2 s tokens): expected about {expected} token requests");
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
    assert_memory_bounded(&steady);
    assert_memory_bounded(&expiring);
}
