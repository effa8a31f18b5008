//! Cross-cutting behaviour of every generated call, as progenitor `ClientHooks`:
//! the path guard, authentication, the 401 refresh, retries within a budget, the
//! per-attempt timeout and the call deadline, and a response size cap.
//!
//! The generated methods stay untouched; these hooks run around each of them, so the raw
//! [`generated::Client`](crate::generated::Client) a caller gets from
//! [`Dintero::raw`](crate::Dintero::raw) is just as safe as the typed methods.

use std::fmt;
use std::future::Future;
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use base64::Engine as _;
use progenitor_client::{ClientHooks, ClientInfo, OperationInfo};
use reqwest::header::{AUTHORIZATION, HeaderValue};
use secrecy::{ExposeSecret, SecretString};
use tokio::time::Instant;

use crate::client::{DEFAULT_DEADLINE, DEFAULT_TIMEOUT};
use crate::deadline::{Deadline, ready_now};
use crate::error::TokenError;
use crate::generated::Client;
use crate::path_guard::reaches_its_own_path;
use crate::retry::{self, RetryBudget, Verdict};
use crate::token::{self, Lookup, RefreshClaim, Token, TokenCache};
use crate::types;
use crate::wire::{capture, observe, passes_through, report, report_status};

/// The operationId of the token endpoint: Basic auth, never a bearer token.
pub(crate) const TOKEN_OPERATION: &str = "aid_auths_oauth_token_post";

/// The audience Dintero expects in a client-credentials grant, whatever base URL is used.
const AUDIENCE_BASE: &str = "https://api.dintero.com/v1/accounts/";

/// State shared by every clone of a client: account, credentials, token cache, policy.
///
/// Carried by the generated [`Client`] as its inner value; it has no public constructor.
#[derive(Clone)]
pub struct Inner(pub(crate) Arc<Shared>);

impl fmt::Debug for Inner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// See [`Inner`].
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) account: types::AccountId,
    /// The base URL's path (`/v1`), which every request's path must start with.
    pub(crate) base_path: String,
    pub(crate) auth: Auth,
    pub(crate) policy: Policy,
}

impl Shared {
    /// The token cache, when tokens are fetched with client credentials.
    fn token_cache(&self) -> Option<&TokenCache> {
        match &self.auth {
            Auth::ClientCredentials { cache, .. } => Some(cache),
            Auth::Bearer(_) => None,
        }
    }
}

/// How requests are authorized.
pub(crate) enum Auth {
    /// Client credentials: tokens fetched, cached and refreshed by us.
    ClientCredentials {
        client_id: String,
        secret: SecretString,
        cache: TokenCache,
    },
    /// A token the caller supplied: used as is, never refreshed.
    Bearer(Arc<Token>),
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ClientCredentials {
                client_id, cache, ..
            } => f
                .debug_struct("ClientCredentials")
                .field("client_id", client_id)
                .field("secret", &"[REDACTED]")
                .field("cache", cache)
                .finish(),
            Self::Bearer(_) => f.write_str("Bearer([REDACTED])"),
        }
    }
}

/// Timeouts, retries and limits.
#[derive(Debug, Clone)]
pub(crate) struct Policy {
    /// The timeout of one attempt: connecting, sending and reading the whole answer.
    pub(crate) attempt_timeout: Duration,
    /// The HTTP client applies `attempt_timeout` itself (our default client does): a
    /// request then needs its own timeout only when the deadline cuts it short, which
    /// spares the allocation reqwest makes for a per-request timeout.
    pub(crate) client_applies_attempt_timeout: bool,
    /// Everything one call does (attempts, token fetch, waits) ends by then.
    pub(crate) deadline: Duration,
    /// How often a request that was not processed is sent again.
    pub(crate) retry: RetryBudget,
    /// First backoff step; doubles on each retry.
    pub(crate) backoff: Duration,
    /// The most response-body bytes read; more is an error, not an allocation.
    pub(crate) max_response_bytes: usize,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            attempt_timeout: DEFAULT_TIMEOUT,
            client_applies_attempt_timeout: false,
            deadline: DEFAULT_DEADLINE,
            retry: RetryBudget::default(),
            backoff: Duration::from_millis(100),
            max_response_bytes: 4 * 1024 * 1024,
        }
    }
}

impl ClientHooks<Inner> for Client {
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        info: &OperationInfo,
    ) -> Result<(), progenitor_client::Error<E>> {
        if !reaches_its_own_path(&self.shared().base_path, request.url(), info.operation_id) {
            // Only the raw client gets here: the typed methods refuse such ids first.
            return Err(progenitor_client::Error::InvalidRequest(format!(
                "a path parameter of {} would change the request path \
                 (`.`, `..` or a backslash): nothing was sent",
                info.operation_id
            )));
        }
        let authorization = if info.operation_id == TOKEN_OPERATION {
            self.basic_authorization()
                .map_err(progenitor_client::Error::Custom)?
        } else {
            self.bearer_authorization(request).await?
        };
        request.headers_mut().insert(AUTHORIZATION, authorization);
        Ok(())
    }

    async fn exec(
        &self,
        mut request: reqwest::Request,
        info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        let policy = &self.shared().policy;
        let deadline =
            Deadline::carried(&request).unwrap_or_else(|| Deadline::after(policy.deadline));
        // Lent, not moved: an `async fn` keeps its arguments for its whole life, so a moved
        // request would be held twice by every call's future (which the typed layer holds
        // inline and copies on each move).
        let response = if info.operation_id == TOKEN_OPERATION {
            self.send(&request, &deadline, retry::token_verdict).await?
        } else {
            self.send_operation(&mut request, &deadline).await?
        };
        // Recorded before the body is read: if reading fails, the status still tells whether
        // Dintero applied the change.
        report_status(response.status());
        if passes_through(&response, policy.max_response_bytes) {
            return Ok(response);
        }
        // Boxed: only error answers and bodies of unknown length get here, and reading a
        // body must not add its state to every call's future.
        Box::pin(capture(response, policy.max_response_bytes)).await
    }
}

impl Client {
    fn shared(&self) -> &Shared {
        &self.inner().0
    }

    /// `Authorization: Basic ...`, for the token endpoint only.
    fn basic_authorization(&self) -> Result<HeaderValue, String> {
        let Auth::ClientCredentials {
            client_id, secret, ..
        } = &self.shared().auth
        else {
            return Err("the token endpoint needs client credentials".into());
        };
        let encoded = base64::engine::general_purpose::STANDARD
            .encode(format!("{client_id}:{}", secret.expose_secret()));
        let mut value = HeaderValue::try_from(format!("Basic {encoded}"))
            .map_err(|_| "the client id cannot be sent in a header".to_string())?;
        value.set_sensitive(true);
        Ok(value)
    }

    /// A token to send: the cached one, or one fetched now (once for all concurrent
    /// callers). Inside the refresh margin the cached one is returned at once and the
    /// first such caller starts the one background refresh.
    pub(crate) async fn token(&self) -> Result<Arc<Token>, TokenError> {
        match &self.shared().auth {
            Auth::Bearer(token) => Ok(token.clone()),
            Auth::ClientCredentials { cache, .. } => match cache.lookup() {
                Lookup::Hit(token) => Ok(token),
                Lookup::Refresh(token, claim) => {
                    self.refresh_in_background(claim);
                    Ok(token)
                }
                // Boxed: the rare fetch path must not bloat every call's future.
                Lookup::Miss => Box::pin(cache.get(|| self.fetch_token())).await,
            },
        }
    }

    /// Spawns the background refresh `claim` was taken for.
    ///
    /// The task gets the shared state weakly and builds a client from it per attempt:
    /// between attempts it keeps neither the credentials nor the cached token alive, so
    /// once every clone of this client is gone it ends at its next step (until then it
    /// keeps the connection pool).
    fn refresh_in_background(&self, claim: RefreshClaim) {
        let (base_url, http) = (self.baseurl.clone(), self.client.clone());
        let fetch = move |shared: Arc<Shared>| {
            let client = Client::new_with_client(&base_url, http.clone(), Inner(shared));
            async move { client.fetch_token().await }
        };
        let span = tracing::info_span!(
            parent: None,
            "dintero_token_refresh",
            account = self.shared().account.as_str()
        );
        let owner = Arc::downgrade(&self.inner().0);
        token::refresh_in_background(claim, owner, Shared::token_cache, fetch, span);
    }

    /// Calls the token endpoint. Boxed because it re-enters the hooks of this client.
    fn fetch_token(&self) -> Pin<Box<dyn Future<Output = Result<Token, TokenError>> + Send + '_>> {
        Box::pin(async move {
            let account = &self.shared().account;
            // The spec's pattern for `audience` also holds the account id's; a
            // validated account id cannot fail it, and the grant is sent without one if so.
            let audience = format!("{AUDIENCE_BASE}{}", account.as_str());
            let grant = types::TokenRequest {
                grant_type: types::TokenRequestGrantType::ClientCredentials,
                audience: types::TokenRequestAudience::try_from(audience).ok(),
            };
            let issued = Instant::now();
            let (result, wire) = observe(self.aid_auths_oauth_token_post(account, &grant)).await;
            let token = result
                .map_err(|e| TokenError::from_generated(e, &wire))?
                .into_inner();
            // A negative `expires_in` is as good as zero: fetched again by the next call.
            let lifetime = Duration::from_secs(token.expires_in.max(0).unsigned_abs());
            let header = token::bearer_header(&token.access_token)
                .ok_or_else(TokenError::unusable_access_token)?;
            tracing::debug!(expires_in = token.expires_in, "fetched access token");
            Ok(Token::new(header, issued, lifetime))
        })
    }

    /// `Authorization: Bearer ...` for an operation, within the call's deadline.
    ///
    /// The deadline starts only if the token is not ready at once: a cached token costs
    /// neither a clock read nor a timer, and the wait for a fetched one is carried to
    /// `exec` so that the whole call stays within the deadline.
    async fn bearer_authorization<E>(
        &self,
        request: &mut reqwest::Request,
    ) -> Result<HeaderValue, progenitor_client::Error<E>> {
        let mut token = pin!(self.token());
        let token = match ready_now(&mut token).await {
            Poll::Ready(token) => token,
            Poll::Pending => {
                let deadline = Deadline::after(self.shared().policy.deadline);
                let Ok(token) = tokio::time::timeout_at(deadline.at(), token).await else {
                    report(|w| w.deadline_before_send = true);
                    return Err(progenitor_client::Error::Custom(
                        "the call deadline passed while waiting for an access token: \
                         nothing was sent"
                            .into(),
                    ));
                };
                deadline.carry(request);
                token
            }
        };
        let token = token.map_err(|e| {
            let message = format!("token request failed: {e}");
            report(|w| w.token_error = Some(e));
            progenitor_client::Error::Custom(message)
        })?;
        Ok(token.header().clone())
    }

    /// Sends a change operation: retried only where it provably was not processed (see
    /// [`retry::change_verdict`]), and once with a fresh token after a 401.
    async fn send_operation(
        &self,
        request: &mut reqwest::Request,
        deadline: &Deadline,
    ) -> reqwest::Result<reqwest::Response> {
        let mut refreshed = false;
        loop {
            let response = self.send(request, deadline, retry::change_verdict).await?;
            let Auth::ClientCredentials { cache, .. } = &self.shared().auth else {
                return Ok(response);
            };
            if response.status() != 401 || refreshed {
                return Ok(response);
            }
            // The token was revoked or expired early: drop it and try once more.
            if let Some(used) = request.headers().get(AUTHORIZATION) {
                cache.invalidate_if(|t| t.header() == used);
            }
            match tokio::time::timeout_at(deadline.at(), self.token()).await {
                Ok(Ok(token)) => {
                    tracing::info!("401 with a cached token; retrying once with a fresh one");
                    request
                        .headers_mut()
                        .insert(AUTHORIZATION, token.header().clone());
                    refreshed = true;
                }
                Ok(Err(e)) => {
                    report(|w| w.token_error = Some(e));
                    return Ok(response);
                }
                Err(_) => {
                    report(|w| w.deadline_before_send = true);
                    return Ok(response);
                }
            }
        }
    }

    /// Sends `request` within the retry budget and the deadline; returns the last answer.
    async fn send(
        &self,
        request: &reqwest::Request,
        deadline: &Deadline,
        verdict: fn(&reqwest::Result<reqwest::Response>) -> Verdict,
    ) -> reqwest::Result<reqwest::Response> {
        let policy = &self.shared().policy;
        let attempt = || self.attempt(request, deadline);
        let (outcome, spent) =
            retry::with_retries(policy.retry, policy.backoff, deadline, attempt, verdict).await;
        if spent.is_some() {
            report(|w| w.not_processed = spent);
        }
        outcome
    }

    /// One attempt, with the per-attempt timeout or, if it comes first, the deadline.
    async fn attempt(
        &self,
        request: &reqwest::Request,
        deadline: &Deadline,
    ) -> reqwest::Result<reqwest::Response> {
        let policy = &self.shared().policy;
        let mut this_try = attempt_copy(request);
        let timeout = deadline.attempt_timeout(policy.attempt_timeout);
        if timeout.cut {
            report(|w| w.attempt_cut = true);
        }
        // `request.timeout()` is the deadline `pre` carried, which the copy leaves out:
        // the attempt's own timeout goes in its place.
        if timeout.cut || !policy.client_applies_attempt_timeout || request.timeout().is_some() {
            *this_try.timeout_mut() = Some(timeout.duration);
        }
        self.client().execute(this_try).await
    }
}

/// A copy of `request` for one attempt, without the timeout (the attempt sets its own).
///
/// Not `reqwest::Request::try_clone`, which gives the copy a timeout slot (an extension map
/// and a box, allocated even for no timeout) only to replace that map with a clone of the
/// original's. The generated code's requests carry nothing in their extensions but that
/// timeout (which only [`Deadline::carry`] sets), so method, URL, headers, version and body
/// are the whole request; a test compares the copy with `try_clone`'s.
fn attempt_copy(request: &reqwest::Request) -> reqwest::Request {
    let mut copy = reqwest::Request::new(request.method().clone(), request.url().clone());
    *copy.headers_mut() = request.headers().clone();
    *copy.version_mut() = request.version();
    *copy.body_mut() = request.body().map(|body| {
        // The generated code builds every body with `.json(..)`: bytes, never a stream.
        let json = body
            .as_bytes()
            .expect("generated requests have a JSON body");
        reqwest::Body::from(bytes::Bytes::copy_from_slice(json))
    });
    copy
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The copy holds what `try_clone` would, but the timeout the attempt replaces anyway.
    #[test]
    fn an_attempt_copy_is_the_request() {
        let mut request = reqwest::Client::new()
            .post("http://127.0.0.1:9/v1/accounts/T12345678/customers/users/a%2Fb/x")
            .header(reqwest::header::ACCEPT, "application/json")
            .json(&serde_json::json!({"customer_id": "new"}))
            .build()
            .unwrap();
        let mut bearer = HeaderValue::from_static("Bearer t");
        bearer.set_sensitive(true);
        request.headers_mut().insert(AUTHORIZATION, bearer);
        *request.timeout_mut() = Some(Duration::from_secs(7));

        let copy = attempt_copy(&request);
        let clone = request.try_clone().unwrap();
        assert_eq!(copy.method(), clone.method());
        assert_eq!(copy.url(), clone.url());
        assert_eq!(copy.headers(), clone.headers());
        assert!(copy.headers()[AUTHORIZATION].is_sensitive());
        assert_eq!(copy.version(), clone.version());
        assert_eq!(
            copy.body().and_then(reqwest::Body::as_bytes),
            clone.body().and_then(reqwest::Body::as_bytes)
        );
        assert_eq!(copy.timeout(), None);
        assert_eq!(clone.timeout(), Some(&Duration::from_secs(7)));
    }
}
