//! Cross-cutting behaviour of every generated call, as progenitor `ClientHooks`:
//! authentication, the 401 refresh, bounded retries, timeouts and a response size cap.
//!
//! The generated methods stay untouched; these hooks run around each of them, so the raw
//! [`generated::Client`](crate::generated::Client) a caller gets from
//! [`Dintero::raw`](crate::Dintero::raw) is just as safe as the typed methods.

use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use bytes::{Bytes, BytesMut};
use progenitor_client::{ClientHooks, ClientInfo, OperationInfo};
use reqwest::header::{AUTHORIZATION, HeaderValue, RETRY_AFTER};
use secrecy::{ExposeSecret, SecretString};
use tokio::time::Instant;

use crate::error::TokenError;
use crate::generated::Client;
use crate::path_guard::reaches_its_own_path;
use crate::token::{Token, TokenCache};
use crate::types;

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
    pub(crate) auth: Auth,
    pub(crate) policy: Policy,
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
    /// Whole-request timeout applied to each request that has none of its own.
    pub(crate) request_timeout: Option<Duration>,
    /// The most response-body bytes read; more is an error, not an allocation.
    pub(crate) max_response_bytes: usize,
    /// Extra attempts after a connect error (the request never reached the server).
    pub(crate) connect_retries: u32,
    /// Extra attempts at the token endpoint after 429, 5xx or a connect error.
    pub(crate) token_retries: u32,
    /// First backoff delay; doubles on each attempt.
    pub(crate) backoff: Duration,
    /// The longest `Retry-After` we wait for; longer fails at once.
    pub(crate) max_retry_after: Duration,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            request_timeout: None,
            max_response_bytes: 4 * 1024 * 1024,
            connect_retries: 2,
            token_retries: 3,
            backoff: Duration::from_millis(100),
            max_retry_after: Duration::from_secs(30),
        }
    }
}

/// What the hooks saw on the wire during one call, for the error mapping: progenitor's
/// error alone loses the status of an undecodable body and cannot carry a token error.
#[derive(Debug, Default, Clone)]
pub(crate) struct WireReport {
    pub(crate) status: Option<u16>,
    pub(crate) body: Bytes,
    pub(crate) body_over_limit: Option<usize>,
    pub(crate) token_error: Option<TokenError>,
}

tokio::task_local! {
    static WIRE: RefCell<WireReport>;
}

/// Runs one call and returns what the hooks saw on the wire during it.
pub(crate) async fn observe<F: Future>(call: F) -> (F::Output, WireReport) {
    WIRE.scope(RefCell::new(WireReport::default()), async {
        let output = call.await;
        (output, WIRE.with(|w| w.take()))
    })
    .await
}

/// Records into the current call's report, if the call is observed.
fn report(update: impl FnOnce(&mut WireReport)) {
    let _ = WIRE.try_with(|w| update(&mut w.borrow_mut()));
}

impl ClientHooks<Inner> for Client {
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        info: &OperationInfo,
    ) -> Result<(), progenitor_client::Error<E>> {
        if !reaches_its_own_path(self.baseurl(), request.url(), info.operation_id) {
            // Only the raw client gets here: the typed methods refuse such ids first.
            return Err(progenitor_client::Error::InvalidRequest(format!(
                "a path parameter of {} would change the request path \
                 (`.`, `..` or a backslash): nothing was sent",
                info.operation_id
            )));
        }
        // progenitor adds the spec's `info.version`; Dintero does not document the header.
        request.headers_mut().remove("api-version");
        if let Some(timeout) = self.shared().policy.request_timeout {
            request.timeout_mut().get_or_insert(timeout);
        }
        let authorization = if info.operation_id == TOKEN_OPERATION {
            self.basic_authorization()
                .map_err(progenitor_client::Error::Custom)?
        } else {
            let token = self.token().await.map_err(|e| {
                let message = format!("token request failed: {e}");
                report(|w| w.token_error = Some(e));
                progenitor_client::Error::Custom(message)
            })?;
            token.header().clone()
        };
        request.headers_mut().insert(AUTHORIZATION, authorization);
        Ok(())
    }

    async fn exec(
        &self,
        request: reqwest::Request,
        info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        let response = if info.operation_id == TOKEN_OPERATION {
            self.send_token_request(request).await?
        } else {
            self.send_operation(request).await?
        };
        capture(response, self.shared().policy.max_response_bytes).await
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

    /// A fresh token: the cached one, or one fetched now (once for all concurrent callers).
    pub(crate) async fn token(&self) -> Result<Arc<Token>, TokenError> {
        match &self.shared().auth {
            Auth::Bearer(token) => Ok(token.clone()),
            Auth::ClientCredentials { cache, .. } => match cache.cached() {
                Some(token) => Ok(token),
                // Boxed: the rare refresh path must not bloat every call's future.
                None => Box::pin(cache.get(|| self.fetch_token())).await,
            },
        }
    }

    /// Calls the token endpoint. Boxed because it re-enters the hooks of this client.
    fn fetch_token(&self) -> Pin<Box<dyn Future<Output = Result<Token, TokenError>> + Send + '_>> {
        Box::pin(async move {
            let account = &self.shared().account;
            let grant = types::TokenRequest {
                grant_type: types::TokenRequestGrantType::ClientCredentials,
                audience: Some(format!("{AUDIENCE_BASE}{}", account.as_str())),
            };
            let issued = Instant::now();
            let (result, wire) = observe(self.aid_auths_oauth_token_post(account, &grant)).await;
            let token = result
                .map_err(|e| TokenError::from_generated(e, &wire))?
                .into_inner();
            let lifetime = Duration::from_secs(token.expires_in.max(0).unsigned_abs());
            tracing::debug!(expires_in = token.expires_in, "fetched access token");
            Ok(Token::new(
                SecretString::from(token.access_token),
                issued,
                lifetime,
            ))
        })
    }

    /// Sends a token request, retrying 429 (after `Retry-After`), 5xx and connect errors.
    ///
    /// A token request changes nothing on the server, so retrying it is always safe.
    async fn send_token_request(
        &self,
        request: reqwest::Request,
    ) -> reqwest::Result<reqwest::Response> {
        let policy = &self.shared().policy;
        let mut attempt = 0;
        loop {
            let outcome = self.client().execute(clone_json(&request)).await;
            let delay = match &outcome {
                Err(e) if e.is_connect() => Some(backoff(policy.backoff, attempt)),
                Ok(r) if r.status() == 429 => {
                    retry_after(r).or(Some(backoff(policy.backoff, attempt)))
                }
                Ok(r) if r.status().is_server_error() => Some(backoff(policy.backoff, attempt)),
                _ => None,
            };
            match delay {
                Some(delay)
                    if attempt < policy.token_retries && delay <= policy.max_retry_after =>
                {
                    tracing::warn!(
                        attempt,
                        delay_ms = delay.as_millis() as u64,
                        "retrying token request"
                    );
                    tokio::time::sleep(delay).await;
                    attempt += 1;
                }
                _ => return outcome,
            }
        }
    }

    /// Sends a change operation. It is retried only where it provably never reached the
    /// server (connect error), and once with a fresh token after a 401.
    async fn send_operation(
        &self,
        request: reqwest::Request,
    ) -> reqwest::Result<reqwest::Response> {
        let shared = self.shared();
        let mut request = request;
        let mut connect_attempt = 0;
        let mut refreshed = false;
        loop {
            let Some(this_try) = request.try_clone() else {
                return self.client().execute(request).await;
            };
            let response = match self.client().execute(this_try).await {
                Err(e) if e.is_connect() && connect_attempt < shared.policy.connect_retries => {
                    tracing::warn!(attempt = connect_attempt, "connect failed; retrying");
                    tokio::time::sleep(backoff(shared.policy.backoff, connect_attempt)).await;
                    connect_attempt += 1;
                    continue;
                }
                outcome => outcome?,
            };
            let Auth::ClientCredentials { cache, .. } = &shared.auth else {
                return Ok(response);
            };
            if response.status() != 401 || refreshed {
                return Ok(response);
            }
            // The token was revoked or expired early: drop it and try once more.
            if let Some(used) = request.headers().get(AUTHORIZATION) {
                cache.invalidate_if(|t| t.header() == used);
            }
            match self.token().await {
                Ok(token) => {
                    tracing::info!("401 with a cached token; retrying once with a fresh one");
                    request
                        .headers_mut()
                        .insert(AUTHORIZATION, token.header().clone());
                    refreshed = true;
                }
                Err(e) => {
                    report(|w| w.token_error = Some(e));
                    return Ok(response);
                }
            }
        }
    }
}

fn clone_json(request: &reqwest::Request) -> reqwest::Request {
    request
        .try_clone()
        .expect("token requests have a JSON body, which can always be cloned")
}

/// Exponential backoff: `base`, `2 * base`, `4 * base`, ...
fn backoff(base: Duration, attempt: u32) -> Duration {
    base.saturating_mul(1 << attempt.min(10))
}

/// `Retry-After` in seconds (the form Dintero sends).
fn retry_after(response: &reqwest::Response) -> Option<Duration> {
    let seconds = response.headers().get(RETRY_AFTER)?.to_str().ok()?;
    Some(Duration::from_secs(seconds.trim().parse().ok()?))
}

/// Reads the body, at most `limit` bytes, and records what was seen for the error mapping.
///
/// progenitor reads whole bodies into memory; this cap keeps a hostile or broken server
/// from making us allocate without bound.
async fn capture(
    mut response: reqwest::Response,
    limit: usize,
) -> reqwest::Result<reqwest::Response> {
    let status = response.status();
    // The hot path: a 200 whose declared length is within the limit passes through as is
    // (hyper never yields more than Content-Length, and progenitor keeps the bytes of a
    // 200 it cannot decode). Other answers are read here so the error can keep the body.
    if status == reqwest::StatusCode::OK
        && response
            .content_length()
            .is_some_and(|len| len <= limit as u64)
    {
        report(|w| w.status = Some(status.as_u16()));
        return Ok(response);
    }
    let mut body = BytesMut::new();
    let mut over_limit = response
        .content_length()
        .is_some_and(|len| len > limit as u64);
    while !over_limit {
        let Some(chunk) = response.chunk().await? else {
            break;
        };
        over_limit = body.len() + chunk.len() > limit;
        if !over_limit {
            body.extend_from_slice(&chunk);
        }
    }
    let body = if over_limit {
        Bytes::new()
    } else {
        body.freeze()
    };
    report(|w| {
        w.status = Some(status.as_u16());
        w.body = body.clone();
        w.body_over_limit = over_limit.then_some(limit);
    });
    let mut rebuilt = http::Response::new(body);
    *rebuilt.status_mut() = status;
    *rebuilt.version_mut() = response.version();
    *rebuilt.headers_mut() = std::mem::take(response.headers_mut());
    Ok(reqwest::Response::from(rebuilt))
}
