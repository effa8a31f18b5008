//! The access-token cache: one shared fetch for callers without a token, and a background
//! refresh ahead of expiry so that callers with one never wait.
//!
//! A cached token goes through three phases, read on every call from two instants:
//!
//! - **fresh** (before `refresh_at`): sent as is;
//! - **inside the refresh margin** (before `expires_at`): still sent; the first caller to
//!   see it claims the one background refresh ([`RefreshClaim`]) and goes on with it;
//! - **expired**: never sent; a caller waits for a token fetched by
//!   [`TokenCache::get`], one fetch for all concurrent callers.
//!
//! The hot path (a fresh token) takes a read lock for a pointer clone and never awaits
//! while holding it; inside the margin it adds one relaxed atomic load.

mod refresh;
#[cfg(test)]
mod tests;

use std::fmt;
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock, Weak};
use std::time::Duration;

use reqwest::header::HeaderValue;
use tokio::time::Instant;

use crate::error::TokenError;

pub(crate) use refresh::refresh_in_background;

/// Refresh at most this long before expiry (Dintero's own SDKs use 10 minutes).
const MAX_REFRESH_MARGIN: Duration = Duration::from_secs(600);

/// How far ahead "never" is: a caller's own token, or an absurd `expires_in`.
const FAR_FUTURE: Duration = Duration::from_secs(100 * 365 * 24 * 3600);

/// A bearer token, ready to send, and when to replace it.
pub(crate) struct Token {
    /// `Bearer <jwt>`, built once and marked sensitive (redacted by `http`'s Debug).
    header: HeaderValue,
    /// From here on the token is inside its refresh margin.
    refresh_at: Instant,
    /// From here on the token is not sent any more.
    expires_at: Instant,
}

impl Token {
    /// A token that lives `lifetime` from `issued` (the moment the request was sent, so
    /// the network round trip only ever shortens what we assume).
    pub(crate) fn new(header: HeaderValue, issued: Instant, lifetime: Duration) -> Self {
        // `expires_in` comes from the server: an absurd one (say `i64::MAX` seconds) must
        // not overflow `Instant` and panic; it means "never" instead.
        let after = |offset| {
            issued
                .checked_add(offset)
                .unwrap_or_else(|| issued + FAR_FUTURE)
        };
        Self {
            header,
            refresh_at: after(lifetime - refresh_margin(lifetime)),
            expires_at: after(lifetime),
        }
    }

    /// A token supplied by the caller, used as is and never refreshed.
    pub(crate) fn fixed(header: HeaderValue) -> Self {
        let never = Instant::now() + FAR_FUTURE;
        Self {
            header,
            refresh_at: never,
            expires_at: never,
        }
    }

    /// The `Authorization` header value, `Bearer <jwt>`.
    pub(crate) fn header(&self) -> &HeaderValue {
        &self.header
    }

    /// How long before expiry the refresh margin starts.
    fn margin(&self) -> Duration {
        self.expires_at.saturating_duration_since(self.refresh_at)
    }
}

/// `Bearer <token>` as a sensitive header value; `None` for a token that cannot be sent
/// (empty, or with bytes a header value cannot hold).
pub(crate) fn bearer_header(token: &str) -> Option<HeaderValue> {
    if token.is_empty() {
        return None;
    }
    let mut value = HeaderValue::try_from(format!("Bearer {token}")).ok()?;
    value.set_sensitive(true);
    Some(value)
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Token")
            .field("secret", &"[REDACTED]")
            .field("refresh_at", &self.refresh_at)
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// How long before expiry to refresh: a quarter of the lifetime, at most 10 minutes.
///
/// Scaling with the lifetime keeps short-lived tokens (seconds, in tests) useful while a
/// normal 4-hour token is replaced 10 minutes early, like Dintero's SDKs do.
pub(crate) fn refresh_margin(lifetime: Duration) -> Duration {
    (lifetime / 4).min(MAX_REFRESH_MARGIN)
}

/// What a caller found in the cache.
pub(crate) enum Lookup {
    /// A token to send; nothing else to do.
    Hit(Arc<Token>),
    /// A token to send, inside its refresh margin: this caller holds the claim to start
    /// the one background refresh (dropping the claim gives it back).
    Refresh(Arc<Token>, RefreshClaim),
    /// No token that may be sent: fetch one with [`TokenCache::get`] and wait for it.
    Miss,
}

/// Cache of the account's access token.
#[derive(Default)]
pub(crate) struct TokenCache {
    current: RwLock<Option<Arc<Token>>>,
    /// Set while a background refresh is claimed (see [`RefreshClaim`]).
    refreshing: Arc<AtomicBool>,
    /// Held by the one caller (or background refresh) fetching a token; holds the
    /// failure of the last fetch, for the callers that queued behind it.
    refresh: tokio::sync::Mutex<Option<TokenError>>,
    /// Bumped after every fetch, so queued callers know one finished while they waited.
    fetches: AtomicU64,
}

impl fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenCache")
            .field("fetches", &self.fetches.load(Ordering::Relaxed))
            .field("refreshing", &self.refreshing.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

impl TokenCache {
    /// The hot path: what the cache holds for a call now. No await, no allocation.
    pub(crate) fn lookup(&self) -> Lookup {
        let now = Instant::now();
        let token = {
            let guard = self.current.read().unwrap_or_else(PoisonError::into_inner);
            match guard.as_ref() {
                Some(token) if now < token.refresh_at => return Lookup::Hit(token.clone()),
                Some(token) if now < token.expires_at => token.clone(),
                _ => return Lookup::Miss,
            }
        };
        match RefreshClaim::take(&self.refreshing, &token) {
            Some(claim) => Lookup::Refresh(token, claim),
            None => Lookup::Hit(token),
        }
    }

    /// A token that may be sent: the cached one, or one from `fetch`, called by one
    /// caller at a time. Callers queued behind a fetch share its token or its failure.
    pub(crate) async fn get<F, Fut>(&self, fetch: F) -> Result<Arc<Token>, TokenError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Token, TokenError>>,
    {
        // Read the counter before looking at the cache: a fetch that completes in between
        // then shows up as a changed counter, and we take its token instead of fetching.
        let seen = self.fetches.load(Ordering::Acquire);
        if let Some(token) = self.unexpired() {
            return Ok(token);
        }
        self.fetch_once(seen, fetch).await
    }

    /// The background refresh's fetch: like [`get`](Self::get)'s, but the cached token,
    /// inside its margin, does not count.
    async fn fetch_next<F, Fut>(&self, fetch: F) -> Result<Arc<Token>, TokenError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Token, TokenError>>,
    {
        let seen = self.fetches.load(Ordering::Acquire);
        self.fetch_once(seen, fetch).await
    }

    /// Fetches under the refresh lock, unless a fetch finished since the caller read
    /// `seen`: then its outcome is shared. A caller cancelled while fetching releases the
    /// lock without bumping the counter, so the next one in the queue fetches itself.
    async fn fetch_once<F, Fut>(&self, seen: u64, fetch: F) -> Result<Arc<Token>, TokenError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Token, TokenError>>,
    {
        let mut last_error = self.refresh.lock().await;
        if self.fetches.load(Ordering::Acquire) != seen {
            if let Some(token) = self.unexpired() {
                return Ok(token);
            }
            if let Some(error) = last_error.as_ref() {
                return Err(error.clone());
            }
        }
        let outcome = fetch().await.map(Arc::new);
        *last_error = outcome.as_ref().err().cloned();
        if let Ok(token) = &outcome {
            *self.current.write().unwrap_or_else(PoisonError::into_inner) = Some(token.clone());
        }
        self.fetches.fetch_add(1, Ordering::Release);
        outcome
    }

    /// The cached token if it may still be sent.
    fn unexpired(&self) -> Option<Arc<Token>> {
        let now = Instant::now();
        let guard = self.current.read().unwrap_or_else(PoisonError::into_inner);
        guard.as_ref().filter(|t| now < t.expires_at).cloned()
    }

    /// Whether `token` is no longer the cached one (refreshed, or dropped after a 401).
    ///
    /// Compared by address: the `Weak` keeps the allocation, so it cannot be reused.
    fn replaced(&self, token: &Weak<Token>) -> bool {
        let guard = self.current.read().unwrap_or_else(PoisonError::into_inner);
        !guard
            .as_ref()
            .is_some_and(|current| std::ptr::eq(Arc::as_ptr(current), token.as_ptr()))
    }

    /// Drops the cached token if `rejected` says it is the one Dintero answered 401 to
    /// (and not one another caller has fetched since).
    pub(crate) fn invalidate_if(&self, rejected: impl Fn(&Token) -> bool) {
        let mut guard = self.current.write().unwrap_or_else(PoisonError::into_inner);
        if guard.as_deref().is_some_and(rejected) {
            *guard = None;
        }
    }
}

/// The right, held by exactly one task at a time, to refresh a token in the background.
///
/// Released on drop, however the holder ends: finished, panicked, or dropped with its
/// runtime. A claim that cannot be spawned (no runtime) is simply dropped, and the
/// token is then refreshed by the first caller after it expires.
pub(crate) struct RefreshClaim {
    flag: Arc<AtomicBool>,
    /// The token being replaced, held weakly: the refresh is done once the cache holds
    /// another, and a finished client's token is not kept alive by the task.
    token: Weak<Token>,
    expires_at: Instant,
    margin: Duration,
}

impl RefreshClaim {
    fn take(flag: &Arc<AtomicBool>, token: &Arc<Token>) -> Option<Self> {
        // A plain load first: while a refresh runs, callers in the margin only read the
        // flag and never write its cache line.
        if flag.load(Ordering::Relaxed)
            || flag
                .compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed)
                .is_err()
        {
            return None;
        }
        Some(Self {
            flag: flag.clone(),
            token: Arc::downgrade(token),
            expires_at: token.expires_at,
            margin: token.margin(),
        })
    }
}

impl Drop for RefreshClaim {
    fn drop(&mut self) {
        self.flag.store(false, Ordering::Release);
    }
}
