//! The access-token cache: lazy refresh ahead of expiry, one shared fetch for all callers.
//!
//! The hot path (a valid cached token) takes a read lock for a pointer clone and never
//! awaits while holding it. Only a caller that finds no fresh token takes the async
//! refresh lock; callers queued behind it find the token (or the error) it produced, so
//! any number of concurrent first calls cause exactly one token request.

use std::fmt;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use reqwest::header::HeaderValue;
use tokio::time::Instant;

use crate::error::TokenError;

/// Refresh at most this long before expiry (Dintero's own SDKs use 10 minutes).
const MAX_REFRESH_MARGIN: Duration = Duration::from_secs(600);

/// How far ahead "never stale" is: a caller's own token, or an absurd `expires_in`.
const FAR_FUTURE: Duration = Duration::from_secs(100 * 365 * 24 * 3600);

/// A bearer token, ready to send, and when to stop using it.
pub(crate) struct Token {
    /// `Bearer <jwt>`, built once and marked sensitive (redacted by `http`'s Debug).
    header: HeaderValue,
    /// From here on the token counts as stale and the next caller refreshes it.
    refresh_at: Instant,
}

impl Token {
    /// A token that lives `lifetime` from `issued` (the moment the request was sent, so
    /// the network round trip only ever shortens what we assume).
    pub(crate) fn new(header: HeaderValue, issued: Instant, lifetime: Duration) -> Self {
        Self {
            header,
            // `expires_in` comes from the server: an absurd one (say `i64::MAX` seconds)
            // must not overflow `Instant` and panic; treat it as "never stale" instead.
            refresh_at: issued
                .checked_add(lifetime - refresh_margin(lifetime))
                .unwrap_or_else(|| issued + FAR_FUTURE),
        }
    }

    /// A token supplied by the caller, used as is and never refreshed.
    pub(crate) fn fixed(header: HeaderValue) -> Self {
        Self {
            header,
            refresh_at: Instant::now() + FAR_FUTURE,
        }
    }

    /// The `Authorization` header value, `Bearer <jwt>`.
    pub(crate) fn header(&self) -> &HeaderValue {
        &self.header
    }

    fn is_fresh(&self, now: Instant) -> bool {
        now < self.refresh_at
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

/// Cache of the account's access token.
#[derive(Default)]
pub(crate) struct TokenCache {
    current: RwLock<Option<Arc<Token>>>,
    /// Held by the one caller fetching a token; holds the outcome of the last fetch.
    refresh: tokio::sync::Mutex<Option<TokenError>>,
    /// Bumped after every fetch, so queued callers know one finished while they waited.
    fetches: AtomicU64,
}

impl fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenCache")
            .field("fetches", &self.fetches.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

impl TokenCache {
    /// The cached token if it is still fresh: the hot path, no await.
    pub(crate) fn cached(&self) -> Option<Arc<Token>> {
        let guard = self.current.read().unwrap_or_else(|p| p.into_inner());
        guard
            .as_ref()
            .filter(|t| t.is_fresh(Instant::now()))
            .cloned()
    }

    /// A fresh token, from the cache or from `fetch` (called by one caller at a time).
    pub(crate) async fn get<F, Fut>(&self, fetch: F) -> Result<Arc<Token>, TokenError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Token, TokenError>>,
    {
        // Read the counter before looking at the cache: a fetch that completes in between
        // then shows up as a changed counter, and we take its token instead of fetching.
        let seen = self.fetches.load(Ordering::Acquire);
        if let Some(token) = self.cached() {
            return Ok(token);
        }
        let mut last_error = self.refresh.lock().await;
        if self.fetches.load(Ordering::Acquire) != seen {
            // Someone fetched while we queued: share their token, or their failure.
            if let Some(token) = self.cached() {
                return Ok(token);
            }
            if let Some(error) = last_error.as_ref() {
                return Err(error.clone());
            }
        }
        let outcome = fetch().await.map(Arc::new);
        *last_error = outcome.as_ref().err().cloned();
        if let Ok(token) = &outcome {
            *self.current.write().unwrap_or_else(|p| p.into_inner()) = Some(token.clone());
        }
        self.fetches.fetch_add(1, Ordering::Release);
        outcome
    }

    /// Drops the cached token if `rejected` says it is the one Dintero answered 401 to
    /// (and not one another caller has fetched since).
    pub(crate) fn invalidate_if(&self, rejected: impl Fn(&Token) -> bool) {
        let mut guard = self.current.write().unwrap_or_else(|p| p.into_inner());
        if guard.as_deref().is_some_and(rejected) {
            *guard = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
