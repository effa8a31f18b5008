//! The one error type of the crate, and its mapping from progenitor's generic error.

use std::sync::Arc;

use crate::types;

/// Everything that can go wrong when talking to Dintero.
///
/// Every variant's `Display` is safe to log: no secret (client secret, token) is ever part
/// of an error, and ids the caller passed in are not echoed back either.
///
/// ```
/// use dintero_client::Error;
///
/// let err = Error::InvalidInput { field: "account_id", reason: "must match ^[PT]\\d{8}$".into() };
/// assert_eq!(err.status(), None);
/// assert!(err.to_string().contains("account_id"));
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An argument broke a rule of the spec; nothing was sent.
    #[error("invalid {field}: {reason}")]
    InvalidInput {
        /// The argument, named as in the method signature (for example `new_customer_id`).
        field: &'static str,
        /// The rule it broke.
        reason: String,
    },

    /// The client was configured in a way that cannot work (for example no credentials).
    #[error("invalid configuration: {0}")]
    Config(String),

    /// Dintero answered with one of its documented error responses.
    #[error("Dintero answered {status}: {}", .body.error.message)]
    Api {
        /// HTTP status code.
        status: u16,
        /// Dintero's error body: `error.message`, `error.code`, `error.errors`.
        body: Box<types::ErrorResponse>,
    },

    /// Getting an access token with client credentials failed.
    #[error("token request failed: {0}")]
    Token(#[from] TokenError),

    /// The request did not complete: connection refused or reset, timeout, TLS failure.
    #[error("transport error: {0}")]
    Transport(#[source] reqwest::Error),

    /// A response that does not match the spec: an undocumented status, a body that does
    /// not decode, or a body larger than the client accepts.
    #[error("unexpected response (status {status}): {reason}")]
    UnexpectedResponse {
        /// HTTP status code.
        status: u16,
        /// Why it did not match.
        reason: String,
        /// The raw body as received (at most the size limit).
        body: bytes::Bytes,
    },
}

impl Error {
    /// The HTTP status of the response behind this error, if there was one.
    ///
    /// ```
    /// # #[cfg(feature = "fake")] {
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let fake = dintero_client::fake::FakeDintero::start().await.unwrap();
    /// fake.seed_demo();
    /// let client = fake.demo_client().unwrap();
    /// let err = client.change_customer_id("no-such-id", "new-id").await.unwrap_err();
    /// assert_eq!(err.status(), Some(404));
    /// # });
    /// # }
    /// ```
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Api { status, .. } | Self::UnexpectedResponse { status, .. } => Some(*status),
            Self::Token(e) => e.status(),
            Self::Transport(e) => e.status().map(|s| s.as_u16()),
            Self::InvalidInput { .. } | Self::Config(_) => None,
        }
    }

    /// Dintero's machine-readable `error.code`, for API and token errors that carry one.
    ///
    /// ```
    /// # #[cfg(feature = "fake")] {
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let fake = dintero_client::fake::FakeDintero::start().await.unwrap();
    /// fake.seed_demo();
    /// fake.fail_token_requests(1, 403);
    /// let client = fake.demo_client().unwrap();
    /// let err = client.change_customer_id("crm-17", "new-id").await.unwrap_err();
    /// assert!(matches!(err, dintero_client::Error::Token(_)));
    /// assert_eq!(err.status(), Some(403));
    /// assert_eq!(err.code(), Some("FORBIDDEN")); // the fake's code; Dintero has its own
    /// # });
    /// # }
    /// ```
    pub fn code(&self) -> Option<&str> {
        match self {
            Self::Api { body, .. } => body.error.code.as_deref(),
            Self::Token(e) => e.code(),
            _ => None,
        }
    }

    /// Whether the request timed out (connect or whole-request timeout).
    ///
    /// ```
    /// # #[cfg(feature = "fake")] {
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// use std::time::Duration;
    /// let fake = dintero_client::fake::FakeDintero::start().await.unwrap();
    /// fake.seed_demo();
    /// fake.set_latency(Duration::from_secs(2));
    /// let client = fake
    ///     .client_builder()
    ///     .account_id(dintero_client::fake::DEMO_ACCOUNT_ID)
    ///     .bearer_token("any")
    ///     .timeout(Duration::from_millis(100))
    ///     .build()
    ///     .unwrap();
    /// let err = client.change_customer_id("crm-17", "new-id").await.unwrap_err();
    /// assert!(err.is_timeout());
    /// # });
    /// # }
    /// ```
    pub fn is_timeout(&self) -> bool {
        match self {
            Self::Transport(e) => e.is_timeout(),
            Self::Token(e) => e.is_timeout(),
            _ => false,
        }
    }

    pub(crate) fn invalid(field: &'static str, reason: impl Into<String>) -> Self {
        Self::InvalidInput {
            field,
            reason: reason.into(),
        }
    }

    /// Maps progenitor's error, given the status the hooks saw on the wire.
    pub(crate) fn from_generated(
        error: progenitor_client::Error<types::ErrorResponse>,
        wire: &crate::hooks::WireReport,
    ) -> Self {
        use progenitor_client::Error as E;
        let status = wire.status.unwrap_or_default();
        if let Some(limit) = wire.body_over_limit {
            return Self::UnexpectedResponse {
                status,
                reason: format!("body larger than the {limit}-byte limit"),
                body: bytes::Bytes::new(),
            };
        }
        match error {
            E::ErrorResponse(rv) => Self::Api {
                status: rv.status().as_u16(),
                body: Box::new(rv.into_inner()),
            },
            // The URL holds ids (often e-mail addresses): keep them out of logs.
            E::CommunicationError(e) | E::ResponseBodyError(e) | E::InvalidUpgrade(e) => {
                Self::Transport(e.without_url())
            }
            E::InvalidResponsePayload(body, e) => Self::UnexpectedResponse {
                status,
                reason: format!("body does not match the spec: {e}"),
                body,
            },
            E::UnexpectedResponse(response) => Self::UnexpectedResponse {
                status: response.status().as_u16(),
                reason: "status not documented for this operation".into(),
                body: wire.body.clone(),
            },
            E::InvalidRequest(reason) => Self::invalid("request", reason),
            E::Custom(reason) => Self::Config(reason),
        }
    }
}

/// Why the token endpoint did not give us a token.
///
/// Cheap to clone: callers that waited on the same failed token request all get it.
///
/// ```
/// # #[cfg(feature = "fake")] {
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let fake = dintero_client::fake::FakeDintero::start().await.unwrap();
/// fake.seed_demo();
/// let client = fake
///     .client_builder()
///     .account_id(dintero_client::fake::DEMO_ACCOUNT_ID)
///     .client_credentials(dintero_client::fake::DEMO_CLIENT_ID, "wrong-secret")
///     .build()
///     .unwrap();
/// match client.change_customer_id("crm-17", "new-id").await {
///     Err(dintero_client::Error::Token(e)) => {
///         assert_eq!(e.status(), Some(401));
///         assert!(!e.message().is_empty());
///         assert!(!e.is_timeout());
///         assert!(!e.to_string().contains("wrong-secret"));
///     }
///     other => panic!("{other:?}"),
/// }
/// # });
/// # }
/// ```
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct TokenError {
    status: Option<u16>,
    code: Option<String>,
    message: String,
    #[source]
    source: Option<Arc<reqwest::Error>>,
}

impl TokenError {
    /// The token endpoint's HTTP status, if it answered.
    pub fn status(&self) -> Option<u16> {
        self.status
    }

    /// Dintero's `error.code` (for example `mfa_required`), if it sent one.
    pub fn code(&self) -> Option<&str> {
        self.code.as_deref()
    }

    /// Dintero's `error.message`, or what went wrong on the way.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Whether the token request timed out.
    pub fn is_timeout(&self) -> bool {
        self.source.as_ref().is_some_and(|e| e.is_timeout())
    }

    /// Maps the final error of a token request.
    pub(crate) fn from_generated(
        error: progenitor_client::Error<types::ErrorResponse>,
        wire: &crate::hooks::WireReport,
    ) -> Self {
        match Error::from_generated(error, wire) {
            Error::Api { status, body } => Self {
                status: Some(status),
                code: body.error.code,
                message: body.error.message,
                source: None,
            },
            Error::Transport(e) => Self {
                status: e.status().map(|s| s.as_u16()),
                message: format!("transport error: {e}"),
                code: None,
                source: Some(Arc::new(e)),
            },
            other => Self {
                status: other.status(),
                code: None,
                message: other.to_string(),
                source: None,
            },
        }
    }
}
