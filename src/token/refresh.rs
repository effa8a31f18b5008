//! The background refresh: one task fetches the next token while callers go on with the
//! current one, retrying with backoff until that token expires.
//!
//! The task holds its owner (the client's shared state) weakly and upgrades it only for
//! an attempt, so it never keeps credentials alive: once every clone of the client is
//! gone, it ends at its next step. It is bounded in time too: it ends when the token it
//! replaces expires, after which callers fetch in the foreground as they must.

use std::future::Future;
use std::sync::{Arc, Weak};
use std::time::Duration;

use tokio::task::JoinHandle;
use tokio::time::Instant;
use tracing::Instrument as _;

use super::{RefreshClaim, Token, TokenCache};
use crate::error::TokenError;

/// The shortest wait between two attempts, whatever the margin: no spinning.
const MIN_RETRY_DELAY: Duration = Duration::from_millis(10);

/// The longest wait between two attempts.
const MAX_RETRY_DELAY: Duration = Duration::from_secs(60);

/// Starts the background refresh `claim` entitles its holder to.
///
/// `cache` finds the token cache in the owner; `fetch` requests a token on the owner's
/// behalf; the task runs in `span` (not the span of the call that happened to claim it).
/// Without a tokio runtime to spawn on, the claim is given back and nothing runs (reqwest
/// needs one anyway).
pub(crate) fn refresh_in_background<O, F, Fut>(
    claim: RefreshClaim,
    owner: Weak<O>,
    cache: fn(&O) -> Option<&TokenCache>,
    fetch: F,
    span: tracing::Span,
) -> Option<JoinHandle<()>>
where
    O: Send + Sync + 'static,
    F: Fn(Arc<O>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Token, TokenError>> + Send + 'static,
{
    let runtime = tokio::runtime::Handle::try_current().ok()?;
    Some(runtime.spawn(run(claim, owner, cache, fetch).instrument(span)))
}

/// Attempts until the token is replaced or its owner is gone, then holds the claim until
/// the token expires if it could not be replaced.
async fn run<O, F, Fut>(
    claim: RefreshClaim,
    owner: Weak<O>,
    cache: fn(&O) -> Option<&TokenCache>,
    fetch: F,
) where
    F: Fn(Arc<O>) -> Fut,
    Fut: Future<Output = Result<Token, TokenError>>,
{
    let mut delay = first_retry_delay(claim.margin);
    while !attempt(&claim, &owner, cache, &fetch).await {
        let next = Instant::now() + delay;
        if next >= claim.expires_at {
            // Keep the claim to the end: released earlier, every call of the last stretch
            // would start an attempt of its own. From expiry on, the first caller fetches
            // in the foreground (and waits), as it must.
            tracing::warn!("background token refresh failed; the token expires first");
            tokio::time::sleep_until(claim.expires_at).await;
            return;
        }
        tokio::time::sleep_until(next).await;
        delay = (delay * 2).min(MAX_RETRY_DELAY);
    }
}

/// One refresh attempt; `true` when there is nothing left to do.
async fn attempt<O, F, Fut>(
    claim: &RefreshClaim,
    owner: &Weak<O>,
    cache: fn(&O) -> Option<&TokenCache>,
    fetch: &F,
) -> bool
where
    F: Fn(Arc<O>) -> Fut,
    Fut: Future<Output = Result<Token, TokenError>>,
{
    // Every clone of the client is gone: nobody needs a token any more.
    let Some(owner) = owner.upgrade() else {
        return true;
    };
    let Some(cache) = cache(&owner) else {
        return true;
    };
    // Replaced since the claim: a 401 dropped it and a caller fetched another.
    if cache.replaced(&claim.token) {
        return true;
    }
    let outcome = cache.fetch_next(|| fetch(owner.clone())).await;
    if cache.replaced(&claim.token) {
        return true;
    }
    if let Err(error) = outcome {
        tracing::warn!(%error, "background token refresh failed; the current token stays in use");
    }
    false
}

/// The wait after the first failed attempt: 1/32 of the margin (at least
/// [`MIN_RETRY_DELAY`]); each further wait doubles, up to [`MAX_RETRY_DELAY`]. Each
/// attempt already retries 429, 5xx and connect errors a few times, so these waits pace
/// whole attempts against an endpoint that stays unwell: over a whole margin that is
/// at most six attempts for margins up to two minutes, twelve for a 10-minute one.
pub(super) fn first_retry_delay(margin: Duration) -> Duration {
    (margin / 32).clamp(MIN_RETRY_DELAY, MAX_RETRY_DELAY)
}
