//! A request the fake refuses, answered with Dintero's error body
//! `{"error": {"message", "code", "errors"}}`.

use axum::http::header::{ALLOW, RETRY_AFTER};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use serde_json::{Map, Value};

use crate::types;

/// A failed request, answered with Dintero's error body.
#[derive(Debug, Clone)]
pub(crate) struct ApiError {
    pub(crate) status: StatusCode,
    pub(crate) code: &'static str,
    pub(crate) message: String,
    /// Per-field details, as in `error.errors`.
    pub(crate) errors: Vec<Map<String, Value>>,
    /// `Retry-After` seconds (429, 503).
    pub(crate) retry_after: Option<u64>,
    /// `Allow` (405).
    pub(crate) allow: Option<&'static str>,
}

impl ApiError {
    pub(crate) fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            errors: Vec::new(),
            retry_after: None,
            allow: None,
        }
    }

    /// A 400 about one field of the request: where it was (`path`, `header`, `body`), which
    /// rule it broke (a JSON Schema keyword such as `maxLength`, or `unique`), and why.
    pub(crate) fn violation(
        location: &str,
        field: &str,
        rule: &str,
        reason: impl Into<String>,
    ) -> Self {
        let reason = reason.into();
        Self {
            errors: vec![detail(location, field, rule, &reason)],
            ..Self::new(
                StatusCode::BAD_REQUEST,
                "BAD_REQUEST",
                format!("invalid {field} in {location}: {reason} ({rule})"),
            )
        }
    }

    /// Several rejections as one answer: the first one's message, every detail.
    pub(crate) fn combine(errors: Vec<Self>) -> Option<Self> {
        let mut errors = errors.into_iter();
        let mut first = errors.next()?;
        for other in errors {
            first.errors.extend(other.errors);
        }
        Some(first)
    }

    /// A 409: the new id of a change belongs to another object. A request the schema
    /// allows, so not a 400; Dintero's published specs answer such conflicts with 409.
    pub(crate) fn conflict(field: &str, reason: &str) -> Self {
        Self {
            errors: vec![detail("body", field, "unique", reason)],
            ..Self::new(StatusCode::CONFLICT, "CONFLICT", reason)
        }
    }

    pub(crate) fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "UNAUTHORIZED", message)
    }

    pub(crate) fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "FORBIDDEN", message)
    }

    pub(crate) fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "NOT_FOUND", message)
    }

    /// An injected failure with `status`, as a gateway or Dintero would answer it.
    pub(crate) fn injected(status: StatusCode, message: impl Into<String>) -> Self {
        Self::new(status, code_for(status), message)
    }

    /// The body, as the generated type.
    pub(crate) fn body(&self) -> types::ErrorResponse {
        types::ErrorResponse {
            error: types::ErrorDetail {
                code: Some(self.code.to_string()),
                errors: self.errors.clone(),
                message: self.message.clone(),
            },
            mfa_token: None,
        }
    }

    /// The headers this error carries besides the content type.
    pub(crate) fn headers(&self) -> HeaderMap {
        let mut headers = HeaderMap::new();
        if let Some(seconds) = self.retry_after {
            headers.insert(RETRY_AFTER, HeaderValue::from(seconds));
        }
        if let Some(allow) = self.allow {
            headers.insert(ALLOW, HeaderValue::from_static(allow));
        }
        headers
    }
}

/// One entry of `error.errors`: which field, where, which rule, and why.
fn detail(location: &str, field: &str, rule: &str, message: &str) -> Map<String, Value> {
    [
        ("field", field),
        ("in", location),
        ("rule", rule),
        ("message", message),
    ]
    .into_iter()
    .map(|(key, value)| (key.to_string(), Value::from(value)))
    .collect()
}

/// Dintero's `error.code` for a status.
fn code_for(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "BAD_REQUEST",
        401 => "UNAUTHORIZED",
        403 => "FORBIDDEN",
        404 => "NOT_FOUND",
        409 => "CONFLICT",
        429 => "TOO_MANY_REQUESTS",
        503 => "SERVICE_UNAVAILABLE",
        _ => "INTERNAL_ERROR",
    }
}
