//! [`Dintero`], the typed client, and its builder.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use secrecy::SecretString;

use crate::Error;
use crate::credentials;
use crate::generated;
use crate::hooks::{Auth, Inner, Policy, Shared};
use crate::path_guard;
use crate::retry::RetryBudget;
use crate::token::{Token, TokenCache};
use crate::types;
use crate::validate;
use crate::wire::{Observed, observe};

/// Dintero's production API.
pub const DEFAULT_BASE_URL: &str = "https://api.dintero.com/v1";

/// Connect timeout of the default HTTP client.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Per-attempt timeout: connecting, sending the request and reading the whole answer.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// Per-call deadline: everything one call does (attempts, token fetch, backoff and
/// `Retry-After` waits) ends by then.
///
/// Twice the per-attempt timeout, so that one slow attempt still leaves room for a token
/// fetch or a retry, while no call waits more than a minute for an answer its caller can
/// act on.
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(60);

/// The `User-Agent` of the default HTTP client: `dintero-client/<version>`.
pub const USER_AGENT: &str = concat!("dintero-client/", env!("CARGO_PKG_VERSION"));

/// A client for one Dintero account.
///
/// Cheap to clone: clones share one token cache and one connection pool.
///
/// ```no_run
/// # async fn run() -> Result<(), dintero_client::Error> {
/// use dintero_client::Dintero;
///
/// let client = Dintero::builder()
///     .account_id("T12345678")
///     .client_credentials("client-id", "client-secret")
///     .build()?;
/// let customer = client.change_customer_id("old-id", "new-id").await?;
/// assert_eq!(customer.customer_id, "new-id");
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Dintero {
    raw: generated::Client,
}

impl fmt::Debug for Dintero {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Dintero")
            .field("base_url", &self.raw.baseurl)
            .field("inner", &self.raw.inner)
            .finish()
    }
}

impl Dintero {
    /// Starts configuring a client.
    ///
    /// ```
    /// let client = dintero_client::Dintero::builder()
    ///     .account_id("T12345678")
    ///     .bearer_token("t")
    ///     .build()
    ///     .unwrap();
    /// assert_eq!(client.account_id(), "T12345678");
    /// ```
    pub fn builder() -> DinteroBuilder {
        DinteroBuilder::default()
    }

    /// Changes a customer's `customer_id` and returns the updated customer.
    ///
    /// Both ids are validated first (1 to 255 characters; the new one without leading or
    /// trailing whitespace; the current one, a URL path segment, neither `.` nor `..` and
    /// without `\`); an invalid one is an [`Error::InvalidInput`] and nothing is sent.
    /// Sent again only when it provably was not processed (a connect error, a 429, a 503
    /// with `Retry-After`, within the [`RetryBudget`]) and once after a 401 with a fresh
    /// token; never once it may have reached Dintero. On failure,
    /// [`Error::outcome`](crate::Error::outcome) says whether it may have been applied.
    ///
    /// Runs against the embedded fake Dintero when the `fake` feature is on:
    ///
    /// ```
    /// # #[cfg(feature = "fake")] {
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// # let fake = dintero_client::fake::FakeDintero::start().await.unwrap();
    /// # fake.seed_demo();
    /// # let client = fake.demo_client()?;
    /// let customer = client.change_customer_id("crm-17", "crm-2024-17").await?;
    /// assert_eq!(customer.customer_id, "crm-2024-17");
    ///
    /// let refused = client.change_customer_id("crm-18", " crm-2024-18").await;
    /// assert!(matches!(
    ///     refused,
    ///     Err(dintero_client::Error::InvalidInput { field: "new_customer_id", .. })
    /// ));
    /// # Ok::<(), dintero_client::Error>(())
    /// # }).unwrap();
    /// # }
    /// ```
    pub async fn change_customer_id(
        &self,
        customer_id: &str,
        new_customer_id: &str,
    ) -> Result<types::Customer, Error> {
        let current = validate::customer_id(customer_id)?;
        let body = validate::new_customer_id(new_customer_id)?;
        self.call(
            "aid_customers_cid_change_customer_id_post",
            self.raw
                .aid_customers_cid_change_customer_id_post(self.account(), &current, &body),
        )
        .await
    }

    /// Changes an auth user's `username` and returns the updated user.
    ///
    /// Both usernames must be 1 to 255 characters, and the current one (a URL path
    /// segment) neither `.` nor `..` and without `\`; an invalid one is an
    /// [`Error::InvalidInput`] and nothing is sent.
    ///
    /// Runs against the embedded fake Dintero when the `fake` feature is on:
    ///
    /// ```
    /// # #[cfg(feature = "fake")] {
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// # let fake = dintero_client::fake::FakeDintero::start().await.unwrap();
    /// # fake.seed_demo();
    /// # let client = fake.demo_client()?;
    /// let user = client
    ///     .change_username("kari@example.com", "kari.nordmann@example.com")
    ///     .await?;
    /// assert_eq!(user.username, "kari.nordmann@example.com");
    /// # Ok::<(), dintero_client::Error>(())
    /// # }).unwrap();
    /// # }
    /// ```
    pub async fn change_username(
        &self,
        username: &str,
        new_username: &str,
    ) -> Result<types::AuthUser, Error> {
        let current = validate::username(username)?;
        let body = validate::new_username(new_username)?;
        self.call(
            "aid_auth_users_username_change_username_post",
            self.raw
                .aid_auth_users_username_change_username_post(self.account(), &current, &body),
        )
        .await
    }

    /// The account this client acts for.
    pub fn account_id(&self) -> &str {
        self.account().as_str()
    }

    /// The generated client, with the same authentication, retries and limits.
    ///
    /// For operations of the spec that have no typed method here; its methods take the
    /// generated parameter types (which check the spec's patterns and lengths, so an id
    /// URL parsing would move to another path, such as `..` or one with a backslash,
    /// cannot even be built) and return progenitor's error type.
    ///
    /// What the raw client guarantees, like the typed methods: the hooks refuse a request
    /// whose path after URL parsing is not the operation's template with each parameter
    /// as one segment; the same token handling, retry budget, per-attempt timeout and call
    /// deadline apply, and a change is never sent again once it may have reached Dintero.
    /// What it does not give: its errors are progenitor's, so a timeout is reqwest's
    /// (without saying which one fired) and a spent retry budget is the last 429 or 503
    /// answer; use the typed methods for [`Error::outcome`](crate::Error::outcome) and
    /// [`Error::retry_after`](crate::Error::retry_after).
    ///
    /// ```
    /// use dintero_client::{Dintero, types};
    ///
    /// let client = Dintero::builder().account_id("T12345678").bearer_token("t").build().unwrap();
    /// let aid = types::AccountId::try_from(client.account_id()).unwrap();
    /// let current = "crm-17".try_into().unwrap();
    /// let body = types::CustomerIdUpdate { customer_id: Some("crm-2024-17".try_into().unwrap()) };
    /// let call = client.raw().aid_customers_cid_change_customer_id_post(&aid, &current, &body);
    /// drop(call); // a future: nothing is sent until it is awaited
    /// ```
    pub fn raw(&self) -> &generated::Client {
        &self.raw
    }

    fn account(&self) -> &types::AccountId {
        &self.raw.inner.0.account
    }

    /// Runs one generated call inside a tracing span and maps its outcome.
    ///
    /// Not an `async fn`, and no `async` block: those keep the generated future twice
    /// (as a captured value and as the value awaited). [`TypedCall`] holds it once, inline:
    /// boxing it instead cost more than copying it, because at about 1.5 kB it is too big
    /// for the allocator's per-thread cache (measured: 2k to 5k instructions per call).
    fn call<'a, T: 'a, F>(&'a self, operation: &'static str, call: F) -> TypedCall<F>
    where
        F: Future<Output = GeneratedResult<T>> + Send + 'a,
    {
        let span = tracing::info_span!(
            "dintero",
            operation,
            account = self.account_id(),
            status = tracing::field::Empty,
        );
        TypedCall {
            observed: observe(call),
            span,
        }
    }
}

/// What a generated operation method returns.
type GeneratedResult<T> =
    Result<progenitor_client::ResponseValue<T>, generated::Error<types::ErrorResponse>>;

pin_project_lite::pin_project! {
    /// One typed call: the generated call inside its tracing span and wire report, its
    /// outcome mapped to [`Error`] (see [`Dintero::call`]).
    ///
    /// It enters the span itself rather than through `tracing::Instrumented`: one layer
    /// fewer to pass the (large) outcome through on the way out.
    struct TypedCall<F: Future> {
        #[pin]
        observed: Observed<F>,
        span: tracing::Span,
    }
}

impl<T, F: Future<Output = GeneratedResult<T>>> Future for TypedCall<F> {
    type Output = Result<T, Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let _entered = this.span.enter();
        let (result, wire) = ready!(this.observed.poll(cx));
        if let Some(status) = wire.status {
            this.span.record("status", status);
        }
        Poll::Ready(
            result
                .map(progenitor_client::ResponseValue::into_inner)
                .map_err(|e| Error::from_generated(e, &wire)),
        )
    }
}

/// Configures a [`Dintero`] client. Start with [`Dintero::builder`].
///
/// ```
/// use std::time::Duration;
/// use dintero_client::Dintero;
///
/// let client = Dintero::builder()
///     .account_id("T12345678")
///     .client_credentials("client-id", "client-secret")
///     .base_url("http://127.0.0.1:8080/v1")
///     .timeout(Duration::from_secs(30))
///     .build()
///     .unwrap();
/// assert_eq!(client.account_id(), "T12345678");
/// ```
#[derive(Default)]
pub struct DinteroBuilder {
    account_id: Option<String>,
    credentials: Option<Credentials>,
    base_url: Option<String>,
    timeout: Option<Duration>,
    deadline: Option<Duration>,
    retry_budget: Option<RetryBudget>,
    connect_timeout: Option<Duration>,
    http_client: Option<reqwest::Client>,
    allow_insecure_http: bool,
    max_response_bytes: Option<usize>,
}

enum Credentials {
    Client { id: String, secret: SecretString },
    Bearer(SecretString),
}

impl fmt::Debug for DinteroBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let credentials = match &self.credentials {
            Some(Credentials::Client { id, .. }) => format!("client {id} (secret [REDACTED])"),
            Some(Credentials::Bearer(_)) => "bearer [REDACTED]".into(),
            None => "none".into(),
        };
        f.debug_struct("DinteroBuilder")
            .field("account_id", &self.account_id)
            .field("credentials", &credentials)
            .field("base_url", &self.base_url)
            .field("timeout", &self.timeout)
            .field("deadline", &self.deadline)
            .field("retry_budget", &self.retry_budget)
            .field("allow_insecure_http", &self.allow_insecure_http)
            .finish_non_exhaustive()
    }
}

impl DinteroBuilder {
    /// The account id, `T` (test) or `P` (production) and 8 digits. Required.
    ///
    /// ```
    /// # use dintero_client::Dintero;
    /// let refused = Dintero::builder().account_id("X1").bearer_token("t").build();
    /// assert!(matches!(refused, Err(dintero_client::Error::InvalidInput { field: "account_id", .. })));
    /// ```
    pub fn account_id(mut self, account_id: impl Into<String>) -> Self {
        self.account_id = Some(account_id.into());
        self
    }

    /// Authenticate with an API client's id and secret: tokens are fetched from Dintero's
    /// token endpoint, cached, and refreshed in the background ahead of expiry.
    ///
    /// [`build`](Self::build) refuses, as an [`Error::InvalidInput`] naming `client_id` or
    /// `client_secret` (never showing the value), an empty value, one with a control
    /// character (such as a trailing newline read from a file), and a client id with `:`
    /// (HTTP Basic authentication cannot carry it, RFC 7617).
    ///
    /// ```
    /// # use dintero_client::Dintero;
    /// let client = Dintero::builder()
    ///     .account_id("T12345678")
    ///     .client_credentials("client-id", "client-secret")
    ///     .build()
    ///     .unwrap();
    /// assert!(!format!("{client:?}").contains("client-secret"));
    /// ```
    pub fn client_credentials(
        mut self,
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
    ) -> Self {
        self.credentials = Some(Credentials::Client {
            id: client_id.into(),
            secret: SecretString::from(client_secret.into()),
        });
        self
    }

    /// Authenticate with an access token obtained elsewhere. It is used as is: never
    /// refreshed, and a 401 is returned as an error.
    ///
    /// [`build`](Self::build) refuses a token that is not an RFC 6750 bearer token
    /// (letters, digits, `-._~+/`, then `=` padding): empty, with whitespace or a control
    /// character (such as a trailing newline read from a file), or with the `Bearer `
    /// prefix. The error, an [`Error::InvalidInput`] for `bearer_token`, never shows it.
    ///
    /// ```
    /// # use dintero_client::{Dintero, Error};
    /// let refused = Dintero::builder().account_id("T12345678").bearer_token("eyJ.x.y\n").build();
    /// assert!(matches!(refused, Err(Error::InvalidInput { field: "bearer_token", .. })));
    /// ```
    ///
    /// ```
    /// # use dintero_client::Dintero;
    /// let client = Dintero::builder()
    ///     .account_id("P12345678")
    ///     .bearer_token("eyJhbGciOi.payload.signature")
    ///     .build()
    ///     .unwrap();
    /// assert!(!format!("{client:?}").contains("eyJhbGciOi"));
    /// ```
    pub fn bearer_token(mut self, token: impl Into<String>) -> Self {
        self.credentials = Some(Credentials::Bearer(SecretString::from(token.into())));
        self
    }

    /// The API base URL, default [`DEFAULT_BASE_URL`]. Plain `http://` is accepted only for
    /// a loopback host unless [`allow_insecure_http`](Self::allow_insecure_http) is called.
    ///
    /// ```
    /// # use dintero_client::Dintero;
    /// let local = Dintero::builder().account_id("T12345678").bearer_token("t");
    /// assert!(local.base_url("http://127.0.0.1:8080/v1").build().is_ok());
    ///
    /// let remote = Dintero::builder().account_id("T12345678").bearer_token("t");
    /// let refused = remote.base_url("http://proxy.example.com/v1").build();
    /// assert!(matches!(refused, Err(dintero_client::Error::InvalidInput { field: "base_url", .. })));
    /// ```
    pub fn base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = Some(base_url.into());
        self
    }

    /// Per-attempt timeout, default [`DEFAULT_TIMEOUT`]: one attempt (connecting, sending
    /// the request and reading the whole answer) of one request. A call can make several
    /// attempts (see [`RetryBudget`]) and fetch a token first; the
    /// [`deadline`](Self::deadline) bounds them all. Applies to a custom
    /// [`http_client`](Self::http_client) too, in place of its own timeout.
    ///
    /// ```
    /// # use dintero_client::Dintero;
    /// # use std::time::Duration;
    /// let client = Dintero::builder()
    ///     .account_id("T12345678")
    ///     .bearer_token("t")
    ///     .timeout(Duration::from_secs(5))
    ///     .build();
    /// assert!(client.is_ok());
    /// ```
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Per-call deadline, default [`DEFAULT_DEADLINE`]: everything one call does (its
    /// attempts, a token fetch, backoff and `Retry-After` waits) ends by then, for the
    /// typed methods and the [`raw`](Dintero::raw) client alike. An attempt is cut short
    /// to end at the deadline, and a wait that would pass it is not started.
    /// `Duration::MAX` means no deadline.
    ///
    /// When it fires the error is [`Error::TimedOut`] with
    /// [`Timeout::Deadline`](crate::Timeout::Deadline), apart from a per-attempt timeout
    /// ([`Timeout::Attempt`](crate::Timeout::Attempt)).
    ///
    /// ```
    /// # use dintero_client::Dintero;
    /// # use std::time::Duration;
    /// let client = Dintero::builder()
    ///     .account_id("T12345678")
    ///     .bearer_token("t")
    ///     .timeout(Duration::from_secs(10))
    ///     .deadline(Duration::from_secs(25))
    ///     .build();
    /// assert!(client.is_ok());
    /// ```
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = Some(deadline);
        self
    }

    /// How often a request that was not processed is sent again, default
    /// [`RetryBudget::default`] (3 retries). [`RetryBudget::none`] turns retries off.
    ///
    /// ```
    /// # use dintero_client::{Dintero, RetryBudget};
    /// let client = Dintero::builder()
    ///     .account_id("T12345678")
    ///     .bearer_token("t")
    ///     .retry_budget(RetryBudget::new(5))
    ///     .build();
    /// assert!(client.is_ok());
    /// ```
    pub fn retry_budget(mut self, budget: RetryBudget) -> Self {
        self.retry_budget = Some(budget);
        self
    }

    /// Connect timeout of the default HTTP client, default [`DEFAULT_CONNECT_TIMEOUT`].
    ///
    /// ```
    /// # use dintero_client::Dintero;
    /// # use std::time::Duration;
    /// let client = Dintero::builder()
    ///     .account_id("T12345678")
    ///     .bearer_token("t")
    ///     .connect_timeout(Duration::from_secs(2))
    ///     .build();
    /// assert!(client.is_ok());
    /// ```
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// Use this `reqwest::Client` (its pool, proxy, TLS and redirect settings) instead of
    /// the default one. The default follows no redirects and sends [`USER_AGENT`].
    ///
    /// ```
    /// # use dintero_client::Dintero;
    /// let http = reqwest::Client::builder().pool_max_idle_per_host(8).build().unwrap();
    /// let client = Dintero::builder()
    ///     .account_id("T12345678")
    ///     .bearer_token("t")
    ///     .http_client(http)
    ///     .build();
    /// assert!(client.is_ok());
    /// ```
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http_client = Some(client);
        self
    }

    /// Accept a plain `http://` base URL on a non-loopback host. Tokens then cross the
    /// network in clear: only for trusted networks.
    ///
    /// ```
    /// # use dintero_client::Dintero;
    /// let client = Dintero::builder()
    ///     .account_id("T12345678")
    ///     .bearer_token("t")
    ///     .base_url("http://dintero-proxy.internal/v1")
    ///     .allow_insecure_http()
    ///     .build();
    /// assert!(client.is_ok());
    /// ```
    pub fn allow_insecure_http(mut self) -> Self {
        self.allow_insecure_http = true;
        self
    }

    /// The most bytes read from one response body (default 4 MiB); a larger body is an
    /// [`Error::UnexpectedResponse`].
    ///
    /// ```
    /// # use dintero_client::Dintero;
    /// let client = Dintero::builder()
    ///     .account_id("T12345678")
    ///     .bearer_token("t")
    ///     .max_response_bytes(64 * 1024)
    ///     .build();
    /// assert!(client.is_ok());
    /// ```
    pub fn max_response_bytes(mut self, limit: usize) -> Self {
        self.max_response_bytes = Some(limit);
        self
    }

    /// Checks the configuration and builds the client. Sends nothing, and needs no
    /// runtime: the first call fetches the first token.
    ///
    /// Refuses a missing account id or credentials, and credentials that could not be
    /// sent (see [`client_credentials`](Self::client_credentials) and
    /// [`bearer_token`](Self::bearer_token)).
    ///
    /// ```
    /// # use dintero_client::Dintero;
    /// let missing = Dintero::builder().account_id("T12345678").build();
    /// assert!(matches!(missing, Err(dintero_client::Error::Config(_))));
    /// ```
    pub fn build(self) -> Result<Dintero, Error> {
        let account = validate::account_id(self.account_id.as_deref().ok_or_else(|| {
            Error::invalid("account_id", "is required: call .account_id(\"T12345678\")")
        })?)?;
        let auth = match self.credentials {
            Some(Credentials::Client { id, secret }) => {
                credentials::check_client_credentials(&id, &secret)?;
                Auth::ClientCredentials {
                    client_id: id,
                    secret,
                    cache: TokenCache::default(),
                }
            }
            Some(Credentials::Bearer(token)) => {
                let header = credentials::bearer_authorization(&token)?;
                Auth::Bearer(Arc::new(Token::fixed(header)))
            }
            None => {
                return Err(Error::Config(
                    "no credentials: call .client_credentials(id, secret) or .bearer_token(token)"
                        .into(),
                ));
            }
        };
        let base_url = check_base_url(
            self.base_url.as_deref().unwrap_or(DEFAULT_BASE_URL),
            self.allow_insecure_http,
        )?;
        let attempt_timeout = self.timeout.unwrap_or(DEFAULT_TIMEOUT);
        let own_client = self.http_client.is_none();
        let http = match self.http_client {
            Some(client) => client,
            None => reqwest::Client::builder()
                .connect_timeout(self.connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT))
                .timeout(attempt_timeout)
                .user_agent(USER_AGENT)
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .map_err(|e| Error::Config(format!("cannot build the HTTP client: {e}")))?,
        };
        let defaults = Policy::default();
        let policy = Policy {
            attempt_timeout,
            client_applies_attempt_timeout: own_client,
            deadline: self.deadline.unwrap_or(defaults.deadline),
            retry: self.retry_budget.unwrap_or(defaults.retry),
            max_response_bytes: self
                .max_response_bytes
                .unwrap_or(defaults.max_response_bytes),
            ..defaults
        };
        let inner = Inner(Arc::new(Shared {
            account,
            base_path: path_guard::base_path(&base_url).to_owned(),
            auth,
            policy,
        }));
        Ok(Dintero {
            raw: generated::Client::new_with_client(&base_url, http, inner),
        })
    }
}

/// Parses the base URL and refuses clear-text HTTP beyond loopback.
fn check_base_url(raw: &str, allow_insecure_http: bool) -> Result<String, Error> {
    let url = reqwest::Url::parse(raw)
        .map_err(|e| Error::invalid("base_url", format!("is not a valid URL: {e}")))?;
    let loopback = match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    match url.scheme() {
        "https" => {}
        "http" if loopback || allow_insecure_http => {}
        "http" => {
            return Err(Error::invalid(
                "base_url",
                "must use https:// unless the host is loopback (or call .allow_insecure_http())",
            ));
        }
        other => {
            return Err(Error::invalid(
                "base_url",
                format!("scheme {other}:// is not supported; use https://"),
            ));
        }
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(Error::invalid(
            "base_url",
            "must not have a query or fragment",
        ));
    }
    Ok(url.as_str().trim_end_matches('/').to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Cheap clones shared across tasks and threads are the point of the type.
    #[test]
    fn client_and_its_futures_are_send_and_sync() {
        fn shareable<T: Clone + Send + Sync + 'static>() {}
        fn sendable<T: Send>(_: &T) {}
        shareable::<Dintero>();
        let client = Dintero::builder()
            .account_id("T12345678")
            .bearer_token("token")
            .base_url("http://127.0.0.1:9/v1")
            .build()
            .unwrap();
        sendable(&client.change_customer_id("old", "new"));
        sendable(&client.change_username("old", "new"));
    }

    /// Every await copies a call's future into its caller: the typed future holds the
    /// generated one once, plus the span, the wire report and the arguments, not once per
    /// wrapper (9.7 kB when the wrappers were `async` blocks around it).
    #[test]
    fn call_futures_hold_the_generated_future_once() {
        let client = Dintero::builder()
            .account_id("T12345678")
            .bearer_token("token")
            .base_url("http://127.0.0.1:9/v1")
            .build()
            .unwrap();
        let aid = client.account().clone();
        let cid = validate::customer_id("old").unwrap();
        let body = validate::new_customer_id("new").unwrap();
        let generated = size_of_val(
            &client
                .raw()
                .aid_customers_cid_change_customer_id_post(&aid, &cid, &body),
        );
        let customer = client.change_customer_id("old", "new");
        let user = client.change_username("old", "new");
        assert!(
            size_of_val(&customer) <= generated + 512,
            "{} (generated: {generated})",
            size_of_val(&customer)
        );
        assert!(
            size_of_val(&user) <= generated + 512,
            "{}",
            size_of_val(&user)
        );
    }
}
