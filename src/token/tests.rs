//! The token cache and its background refresh, on tokio's paused clock with a fake token
//! endpoint (no I/O, so nothing waits on a socket while the clock is paused). The test
//! task moves time by sleeping: the idle runtime then jumps from timer to timer in
//! deadline order, so a background attempt due before the test's next step always runs
//! first, and minutes of token lifetime take microseconds.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;

use tokio::task::JoinHandle;
use tokio::time::{Instant, sleep};

use super::refresh::first_retry_delay;
use super::*;

/// Tokens of the fake endpoint live 100 s: fresh for 75 s, then 25 s inside the margin.
const LIFETIME: Duration = Duration::from_secs(100);
const FRESH_FOR: Duration = Duration::from_secs(75);

/// A fake token endpoint: issues `tok-1`, `tok-2`, ... living [`LIFETIME`] after
/// `latency`, or fails while `failing` is set.
struct Endpoint {
    latency: Duration,
    fetches: AtomicUsize,
    failing: AtomicBool,
}

impl Endpoint {
    fn new(latency: Duration) -> Self {
        Self {
            latency,
            fetches: AtomicUsize::new(0),
            failing: AtomicBool::new(false),
        }
    }

    async fn fetch(&self) -> Result<Token, TokenError> {
        let n = self.fetches.fetch_add(1, Ordering::SeqCst) + 1;
        let issued = Instant::now();
        if !self.latency.is_zero() {
            tokio::time::sleep(self.latency).await;
        }
        if self.failing.load(Ordering::SeqCst) {
            // Any TokenError does: callers only pass it on.
            return Err(TokenError::unusable_access_token());
        }
        Ok(Token::new(header(n), issued, LIFETIME))
    }

    fn fetches(&self) -> usize {
        self.fetches.load(Ordering::SeqCst)
    }
}

/// What a client's shared state is to the background refresh: the cache and a way to
/// fetch. It also keeps the refreshes it spawned, for tests to await their end.
struct Owner {
    cache: TokenCache,
    endpoint: Endpoint,
    spawned: std::sync::Mutex<Vec<JoinHandle<()>>>,
}

impl Owner {
    fn new(latency: Duration) -> Arc<Self> {
        Arc::new(Self {
            cache: TokenCache::default(),
            endpoint: Endpoint::new(latency),
            spawned: Default::default(),
        })
    }

    /// An owner whose token (`tok-1`, fetched at once) has just entered its margin, with
    /// an endpoint that fails from then on.
    async fn failing_in_the_margin() -> Arc<Self> {
        let owner = Self::new(Duration::ZERO);
        owner.get().await.expect("the first token");
        owner.endpoint.failing.store(true, Ordering::SeqCst);
        sleep(FRESH_FOR).await;
        owner
    }

    /// A token the way a call gets one without the hot path: cached, or fetched.
    async fn get(&self) -> Result<Arc<Token>, TokenError> {
        self.cache.get(|| self.endpoint.fetch()).await
    }

    /// What a call does: looks up, starts the background refresh if it got the claim
    /// (and lets it run up to its first await), and says what it was handed.
    async fn call(self: &Arc<Self>) -> (&'static str, HeaderValue) {
        let lookup = self.cache.lookup();
        let shown = seen(&lookup);
        if let Lookup::Refresh(_, claim) = lookup {
            let refresh = spawn_refresh(Arc::downgrade(self), claim);
            self.spawned.lock().unwrap().push(refresh);
            tokio::task::yield_now().await;
        }
        shown
    }

    /// Waits until every background refresh spawned so far has ended.
    async fn refreshes_end(&self) {
        let spawned = std::mem::take(&mut *self.spawned.lock().unwrap());
        for refresh in spawned {
            refresh.await.expect("the refresh task");
        }
    }
}

/// `n` callers asking for a token at once, each in its own task.
fn concurrent_gets(
    owner: &Arc<Owner>,
    n: usize,
) -> Vec<JoinHandle<Result<Arc<Token>, TokenError>>> {
    (0..n)
        .map(|_| {
            let owner = owner.clone();
            tokio::spawn(async move { owner.get().await })
        })
        .collect()
}

/// Spawns the background refresh the way the client does, with the fake endpoint.
fn spawn_refresh(owner: Weak<Owner>, claim: RefreshClaim) -> JoinHandle<()> {
    refresh_in_background(
        claim,
        owner,
        |owner| Some(&owner.cache),
        |owner: Arc<Owner>| async move { owner.endpoint.fetch().await },
        tracing::Span::none(),
    )
    .expect("a runtime")
}

fn header(n: usize) -> HeaderValue {
    bearer_header(&format!("tok-{n}")).expect("a valid token")
}

/// Which token a lookup handed out, and how.
fn seen(lookup: &Lookup) -> (&'static str, HeaderValue) {
    match lookup {
        Lookup::Hit(t) => ("hit", t.header().clone()),
        Lookup::Refresh(t, _) => ("refresh", t.header().clone()),
        Lookup::Miss => ("miss", HeaderValue::from_static("-")),
    }
}

#[test]
fn margin_scales_with_lifetime() {
    assert_eq!(
        refresh_margin(Duration::from_secs(2)),
        Duration::from_millis(500)
    );
    assert_eq!(
        refresh_margin(Duration::from_secs(4 * 3600)),
        MAX_REFRESH_MARGIN
    );
    assert_eq!(refresh_margin(Duration::ZERO), Duration::ZERO);
}

#[test]
fn debug_redacts_the_secret() {
    let token = Token::fixed(bearer_header("eyJ.secret.jwt").unwrap());
    let shown = format!("{token:?}");
    assert!(!shown.contains("eyJ.secret.jwt"), "{shown}");
    assert!(shown.contains("REDACTED"));
}

#[test]
fn a_token_that_cannot_be_sent_has_no_header() {
    assert!(bearer_header("").is_none());
    assert!(bearer_header("tok\n").is_none());
    assert!(bearer_header("tok-1").unwrap().is_sensitive());
}

#[tokio::test(start_paused = true)]
async fn concurrent_callers_share_one_fetch() {
    let owner = Owner::new(Duration::from_secs(1));
    for caller in concurrent_gets(&owner, 50) {
        let token = caller.await.unwrap().expect("a token");
        assert_eq!(token.header(), header(1));
    }
    assert_eq!(owner.endpoint.fetches(), 1);
}

#[tokio::test(start_paused = true)]
async fn queued_callers_share_a_failure_and_the_next_caller_fetches_again() {
    let owner = Owner::new(Duration::from_secs(1));
    owner.endpoint.failing.store(true, Ordering::SeqCst);
    for caller in concurrent_gets(&owner, 10) {
        assert!(caller.await.unwrap().is_err());
    }
    assert_eq!(owner.endpoint.fetches(), 1, "one failure shared by all");

    // A failure is not cached: the next caller asks again.
    owner.endpoint.failing.store(false, Ordering::SeqCst);
    assert_eq!(owner.get().await.unwrap().header(), header(2));
    assert_eq!(owner.endpoint.fetches(), 2);
}

/// A caller cancelled in the middle of its fetch must not leave the lock held or the
/// queued callers waiting for an outcome that never comes.
#[tokio::test(start_paused = true)]
async fn a_cancelled_fetch_does_not_wedge_the_single_flight() {
    let owner = Owner::new(Duration::from_secs(10));
    let [first, queued] = concurrent_gets(&owner, 2).try_into().unwrap();
    sleep(Duration::from_secs(1)).await;
    first.abort();
    assert!(first.await.unwrap_err().is_cancelled());
    // The queued caller fetches itself (10 s), rather than waiting forever.
    let token = queued.await.unwrap().expect("a token");
    assert_eq!(token.header(), header(2));
    assert_eq!(owner.endpoint.fetches(), 2);
}

#[tokio::test(start_paused = true)]
async fn a_token_is_a_hit_until_its_margin_then_one_caller_claims_the_refresh() {
    let owner = Owner::new(Duration::ZERO);
    let start = Instant::now();
    owner.get().await.unwrap();

    sleep(FRESH_FOR - Duration::from_millis(1)).await;
    assert_eq!(seen(&owner.cache.lookup()), ("hit", header(1)));

    sleep(Duration::from_millis(1)).await;
    let Lookup::Refresh(token, claim) = owner.cache.lookup() else {
        panic!("the first caller inside the margin claims the refresh");
    };
    assert_eq!(token.header(), header(1));
    for _ in 0..100 {
        assert_eq!(seen(&owner.cache.lookup()), ("hit", header(1)), "one claim");
    }
    drop(claim);
    assert_eq!(
        seen(&owner.cache.lookup()).0,
        "refresh",
        "a dropped claim is free"
    );

    sleep(LIFETIME - FRESH_FOR).await;
    assert_eq!(start.elapsed(), LIFETIME);
    assert_eq!(
        seen(&owner.cache.lookup()).0,
        "miss",
        "never sent past expiry"
    );
    assert_eq!(owner.endpoint.fetches(), 1, "a lookup never fetches");
}

/// Issue 13 item 2: the refresh runs in the background while callers go on with the
/// token inside its margin; once it lands, they get the new one.
#[tokio::test(start_paused = true)]
async fn the_background_refresh_serves_the_old_token_until_the_new_one_lands() {
    let latency = Duration::from_secs(5);
    let owner = Owner::new(latency);
    owner.get().await.unwrap();
    let fetched = Instant::now();
    sleep(FRESH_FOR - latency).await;

    assert_eq!(owner.call().await, ("refresh", header(1)));
    for _ in 0..4 {
        sleep(Duration::from_secs(1)).await;
        assert_eq!(owner.call().await, ("hit", header(1)));
        // A caller that asks through `get` is not made to wait either.
        let token = owner.cache.get(|| async { panic!("no caller fetches") });
        assert_eq!(token.await.unwrap().header(), header(1));
    }
    owner.refreshes_end().await;
    // Claimed at 70 s after the first token landed, the second landed 5 s later.
    assert_eq!(fetched.elapsed(), FRESH_FOR);
    assert_eq!(owner.call().await, ("hit", header(2)));
    assert_eq!(owner.endpoint.fetches(), 2);
    assert!(
        !owner.cache.refreshing.load(Ordering::SeqCst),
        "claim given back"
    );
}

/// Issue 13 item 2: a refresh that keeps failing is retried with backoff, fails no
/// caller while the token is valid, holds its claim to the end (no attempt per call), and
/// leaves the first caller after expiry to fetch in the foreground.
#[tokio::test(start_paused = true)]
async fn a_failing_refresh_keeps_the_old_token_until_it_expires() {
    let owner = Owner::failing_in_the_margin().await;
    let start = Instant::now() - FRESH_FOR;

    assert_eq!(owner.call().await, ("refresh", header(1)));
    // A call every 100 ms through the whole margin: every one gets the old token.
    while start.elapsed() < LIFETIME - Duration::from_millis(100) {
        sleep(Duration::from_millis(100)).await;
        assert_eq!(owner.call().await, ("hit", header(1)));
    }
    // Attempts 1/32 of the margin apart, doubling: at 0, 1, 3, 7, 15 and 31 32nds of it.
    let margin = LIFETIME - FRESH_FOR;
    assert_eq!(first_retry_delay(margin), margin / 32);
    assert_eq!(owner.endpoint.fetches(), 1 + 6);

    owner.refreshes_end().await;
    assert_eq!(start.elapsed(), LIFETIME, "the claim is held until expiry");
    assert_eq!(owner.call().await.0, "miss");
    assert!(
        owner.get().await.is_err(),
        "a foreground fetch, which fails too"
    );
    assert_eq!(owner.endpoint.fetches(), 1 + 6 + 1);
}

#[tokio::test(start_paused = true)]
async fn a_refresh_that_fails_then_succeeds_lands_before_expiry() {
    let owner = Owner::failing_in_the_margin().await;
    assert_eq!(owner.call().await.0, "refresh");
    // Two failed attempts (at 0 and 1/32 of the margin), then the endpoint recovers.
    sleep(first_retry_delay(LIFETIME - FRESH_FOR) * 2).await;
    assert_eq!(owner.endpoint.fetches(), 3);
    owner.endpoint.failing.store(false, Ordering::SeqCst);
    owner.refreshes_end().await;
    assert_eq!(owner.endpoint.fetches(), 4);
    assert_eq!(owner.call().await, ("hit", header(4)));
}

/// A 401 drops exactly the rejected token; a refresh in flight then stops, the caller
/// fetches in the foreground, and a token fetched since is not dropped.
#[tokio::test(start_paused = true)]
async fn invalidate_if_drops_only_the_rejected_token() {
    let owner = Owner::new(Duration::ZERO);
    let rejected = owner.get().await.unwrap();
    owner.cache.invalidate_if(|t| t.header() == header(99));
    assert_eq!(
        seen(&owner.cache.lookup()),
        ("hit", header(1)),
        "not that one"
    );

    owner
        .cache
        .invalidate_if(|t| t.header() == rejected.header());
    assert_eq!(seen(&owner.cache.lookup()).0, "miss");
    assert_eq!(owner.get().await.unwrap().header(), header(2));

    // A second caller's 401 for the same old token must not drop the new one.
    owner
        .cache
        .invalidate_if(|t| t.header() == rejected.header());
    assert_eq!(seen(&owner.cache.lookup()), ("hit", header(2)));
    assert_eq!(owner.endpoint.fetches(), 2);
}

#[tokio::test(start_paused = true)]
async fn a_refresh_stops_once_a_401_made_a_caller_fetch_another_token() {
    let owner = Owner::failing_in_the_margin().await;
    assert_eq!(owner.call().await.0, "refresh");
    assert_eq!(owner.endpoint.fetches(), 2, "the first attempt failed");

    owner.endpoint.failing.store(false, Ordering::SeqCst);
    owner.cache.invalidate_if(|t| t.header() == header(1));
    assert_eq!(owner.get().await.unwrap().header(), header(3));
    owner.refreshes_end().await;
    assert_eq!(
        owner.endpoint.fetches(),
        3,
        "no attempt after the replacement"
    );
    assert_eq!(owner.call().await, ("hit", header(3)));
}

/// The task holds its owner weakly: with the last owner gone it ends at its next step,
/// and what it captured (the fetch function) is dropped with it.
#[tokio::test(start_paused = true)]
async fn a_refresh_ends_when_its_owner_is_dropped() {
    let owner = Owner::failing_in_the_margin().await;
    let Lookup::Refresh(_, claim) = owner.cache.lookup() else {
        panic!("no claim");
    };
    let captured = Arc::new(());
    let held = captured.clone();
    let refresh = refresh_in_background(
        claim,
        Arc::downgrade(&owner),
        |owner| Some(&owner.cache),
        move |owner: Arc<Owner>| {
            let _held = &held;
            async move { owner.endpoint.fetch().await }
        },
        tracing::Span::none(),
    )
    .unwrap();
    tokio::task::yield_now().await;
    let weak = Arc::downgrade(&owner);
    drop(owner);
    assert!(
        weak.upgrade().is_none(),
        "the task holds no strong reference"
    );

    let started = Instant::now();
    refresh.await.unwrap();
    assert!(
        started.elapsed() < LIFETIME - FRESH_FOR,
        "ended at its next step"
    );
    assert_eq!(
        Arc::strong_count(&captured),
        1,
        "the task's captures are gone"
    );
}

/// A background refresh that panics gives its claim back: the next caller inside the
/// margin can start another.
#[tokio::test(start_paused = true)]
async fn a_panicking_refresh_releases_its_claim() {
    let owner = Owner::new(Duration::ZERO);
    owner.get().await.unwrap();
    sleep(FRESH_FOR).await;
    let Lookup::Refresh(_, claim) = owner.cache.lookup() else {
        panic!("no claim");
    };
    let refresh = refresh_in_background(
        claim,
        Arc::downgrade(&owner),
        |owner| Some(&owner.cache),
        |_: Arc<Owner>| async { panic!("a bug in fetch") },
        tracing::Span::none(),
    )
    .unwrap();
    assert!(refresh.await.unwrap_err().is_panic());
    let again = owner.cache.lookup();
    assert_eq!(seen(&again).0, "refresh", "claim released");
    assert_eq!(seen(&owner.cache.lookup()).0, "hit", "and claimed again");
    drop(again);
}

/// Without a runtime to spawn on, the claim is given back and nothing runs.
#[test]
fn no_runtime_no_refresh_and_no_lost_claim() {
    let owner = Owner::new(Duration::ZERO);
    let flag = owner.cache.refreshing.clone();
    flag.store(true, Ordering::SeqCst);
    let claim = RefreshClaim {
        flag: flag.clone(),
        token: Weak::new(),
        expires_at: Instant::now(),
        margin: Duration::ZERO,
    };
    let spawned = refresh_in_background(
        claim,
        Arc::downgrade(&owner),
        |owner| Some(&owner.cache),
        |owner: Arc<Owner>| async move { owner.endpoint.fetch().await },
        tracing::Span::none(),
    );
    assert!(spawned.is_none());
    assert!(!flag.load(Ordering::SeqCst));
}

/// `expires_in` is the server's: zero is never sent (fetched per call), a huge one never
/// reaches its margin, and neither panics nor starts a refresh.
#[tokio::test(start_paused = true)]
async fn absurd_lifetimes_neither_panic_nor_refresh() {
    let cache = TokenCache::default();
    for (lifetime, expected) in [
        (Duration::ZERO, "miss"),
        (Duration::from_secs(i64::MAX as u64), "hit"),
        (Duration::MAX, "hit"),
    ] {
        let token = Token::new(header(1), Instant::now(), lifetime);
        *cache.current.write().unwrap() = Some(Arc::new(token));
        assert_eq!(seen(&cache.lookup()).0, expected, "{lifetime:?}");
        sleep(Duration::from_secs(10 * 365 * 24 * 3600)).await;
        assert_eq!(
            seen(&cache.lookup()).0,
            expected,
            "{lifetime:?}, 10 years on"
        );
    }
    assert!(!cache.refreshing.load(Ordering::SeqCst));
}

#[test]
fn retry_delays_never_spin_and_never_sleep_past_a_minute() {
    assert_eq!(first_retry_delay(Duration::ZERO), Duration::from_millis(10));
    assert_eq!(
        first_retry_delay(Duration::from_millis(500)),
        Duration::from_micros(15_625)
    );
    assert_eq!(
        first_retry_delay(Duration::from_secs(600)),
        Duration::from_millis(18_750)
    );
    assert_eq!(
        first_retry_delay(Duration::from_secs(1 << 40)),
        Duration::from_secs(60)
    );
}
