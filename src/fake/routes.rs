//! The fake's HTTP surface: one handler per operation of the spec, plus Dintero-shaped
//! answers for unknown routes and methods.
//!
//! Handlers read the path, headers and raw body themselves (no axum `Json` extractor) so
//! that every rejection is Dintero's error body, never axum's plain-text one. What the spec
//! says about a request (path parameters, media type, body schema) is checked by
//! [`contract`]; the handlers add only what a schema cannot say (credentials, tokens,
//! which ids exist, which account an audience names).

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE, HeaderMap};
use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;
use axum::routing::post;
use base64::Engine as _;
use serde_json::Value;
use tokio::time::Instant;

use super::contract::{Reading, contract};
use super::error::ApiError;
use super::evolve;
use super::state::{AUDIENCE_BASE, Shared, State as FakeState};
use super::{Operation, Violation};

pub(crate) fn router(shared: Shared) -> Router {
    Router::new()
        .route("/v1/accounts/{aid}/auth/token", post(token))
        .route(
            "/v1/accounts/{aid}/customers/users/{customer_id}/change_customer_id",
            post(change_customer_id),
        )
        .route(
            "/v1/accounts/{aid}/auth/users/{username}/change_username",
            post(change_username),
        )
        .fallback(unknown_route)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(shared)
}

/// The ids of a request, for the request log: account, current id, new id.
type Ids<'a> = (&'a str, Option<&'a str>, Option<&'a str>);

/// Meets the fault switches, runs `handle` under the lock (no await inside), records the
/// outcome, and answers.
fn answer<T: serde::Serialize>(
    shared: &Shared,
    operation: Operation,
    ids: Ids<'_>,
    handle: impl FnOnce(&mut FakeState) -> Result<T, ApiError>,
) -> Response {
    let (account, target, new_value) = ids;
    let outcome = {
        let mut state = shared.lock();
        let outcome = match state.faults.intercept(operation, account, Instant::now()) {
            Some(fault) => Err(fault),
            None => handle(&mut state),
        };
        let status = outcome
            .as_ref()
            .map_or_else(|e| e.status, |_| StatusCode::OK);
        state.record(operation, account, target, new_value, status);
        outcome
    };
    respond(shared, operation, outcome)
}

/// Serializes an outcome (evolved, when that switch is on), checks it against the spec's
/// promise for `operation`, and records a [`Violation`] when it breaks it: the bytes
/// checked are the bytes sent.
fn respond<T: serde::Serialize>(
    shared: &Shared,
    operation: Operation,
    outcome: Result<T, ApiError>,
) -> Response {
    let (status, mut headers, body) = match outcome {
        Ok(value) => (StatusCode::OK, HeaderMap::new(), serde_json::to_vec(&value)),
        Err(e) => (e.status, e.headers(), serde_json::to_vec(&e.body())),
    };
    let body = body.expect("the generated types serialize");
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    let (body, reading) = match evolved(shared, operation, status, &body) {
        // Checked, not skipped: with the additive changes a tolerant client reads allowed.
        Some(evolved) => (evolved, Reading::Evolved),
        None => (body, Reading::Strict),
    };
    if let Err(problem) = contract().check_response(operation, status, &headers, &body, reading) {
        let violation = Violation::new(operation, status.as_u16(), problem);
        tracing::error!(target: "dintero_client::fake", "contract violation: {violation}");
        shared.lock().violations.push(violation);
    }
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    *response.headers_mut() = headers;
    response
}

/// The next evolved variant of `body`, when the switch is on and the spec documents a JSON
/// body for this response.
fn evolved(
    shared: &Shared,
    operation: Operation,
    status: StatusCode,
    body: &[u8],
) -> Option<Vec<u8>> {
    let operation_id = operation.operation_id()?;
    let turn = shared.lock().evolution.take_turn()?;
    evolve::variant(operation_id, status.as_u16(), body, turn)
}

async fn token(
    State(shared): State<Shared>,
    path: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let aid = path.as_ref().map(|p| p.0.clone()).unwrap_or_default();
    let operation = Operation::Token;
    answer(&shared, operation, (&aid, None, None), |state| {
        path.map_err(path_error)?;
        contract().check_path(operation, &[("aid", &aid)])?;
        let (client_id, secret) = basic_credentials(&headers)?;
        if !state.knows_client(&aid, &client_id, &secret) {
            return Err(ApiError::unauthorized("invalid client credentials"));
        }
        let body = contract().check_body(operation, &headers, &body)?;
        check_audience(&aid, &body)?;
        Ok(state.issue_token(&aid, &client_id))
    })
}

/// The spec makes `audience` an account URL; which account it names is beyond a schema.
/// Credentials of one account may not get a token for another: 403, as an authorization
/// server answers a client that is not granted that audience.
fn check_audience(aid: &str, body: &Value) -> Result<(), ApiError> {
    let Some(audience) = body.get("audience").and_then(Value::as_str) else {
        return Ok(());
    };
    if audience.strip_prefix(AUDIENCE_BASE) == Some(aid) {
        return Ok(());
    }
    Err(ApiError::forbidden(format!(
        "the client may only get tokens for the audience {AUDIENCE_BASE}{aid}"
    )))
}

async fn change_customer_id(
    State(shared): State<Shared>,
    path: Result<Path<(String, String)>, PathRejection>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (aid, old) = path.as_ref().map(|p| p.0.clone()).unwrap_or_default();
    let new = new_value(&body, "customer_id");
    let ids = (aid.as_str(), Some(old.as_str()), new.as_deref());
    let operation = Operation::ChangeCustomerId;
    answer(&shared, operation, ids, |state| {
        path.map_err(path_error)?;
        contract().check_path(operation, &[("aid", &aid), ("customer_id", &old)])?;
        let client_id = state.authorize(bearer(&headers), &aid)?;
        let body = contract().check_body(operation, &headers, &body)?;
        // Optional in the spec: absent, the fake generates one.
        let new = body.get("customer_id").and_then(Value::as_str);
        state.change_customer_id(&aid, &client_id, &old, new)
    })
}

async fn change_username(
    State(shared): State<Shared>,
    path: Result<Path<(String, String)>, PathRejection>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (aid, old) = path.as_ref().map(|p| p.0.clone()).unwrap_or_default();
    let new = new_value(&body, "username");
    let ids = (aid.as_str(), Some(old.as_str()), new.as_deref());
    let operation = Operation::ChangeUsername;
    answer(&shared, operation, ids, |state| {
        path.map_err(path_error)?;
        contract().check_path(operation, &[("aid", &aid), ("username", &old)])?;
        state.authorize(bearer(&headers), &aid)?;
        let body = contract().check_body(operation, &headers, &body)?;
        // The spec requires `username`, so the contract check has refused its absence; a
        // spec that made it optional would need a rule here, and says so with this 400.
        let new = body
            .get("username")
            .and_then(Value::as_str)
            .ok_or_else(|| {
                ApiError::violation("body", "username", "required", "username is required")
            })?;
        state.change_username(&aid, &old, new)
    })
}

async fn unknown_route(State(shared): State<Shared>) -> Response {
    answer::<()>(&shared, Operation::Other, ("", None, None), |_| {
        Err(ApiError::not_found("no such route"))
    })
}

async fn method_not_allowed(State(shared): State<Shared>) -> Response {
    answer::<()>(&shared, Operation::Other, ("", None, None), |_| {
        let mut error = ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "METHOD_NOT_ALLOWED",
            "method not allowed",
        );
        // Every operation of the spec is a POST.
        error.allow = Some("POST");
        Err(error)
    })
}

fn path_error(rejection: PathRejection) -> ApiError {
    ApiError::violation("path", "path", "encoding", rejection.body_text())
}

/// The new id of a change request, for the request log only (no validation).
fn new_value(body: &Bytes, field: &str) -> Option<String> {
    let value: Value = serde_json::from_slice(body).ok()?;
    value.get(field)?.as_str().map(str::to_string)
}

/// The token of `Authorization: Bearer <token>`.
fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

/// Client id and secret of `Authorization: Basic <base64(id:secret)>`.
fn basic_credentials(headers: &HeaderMap) -> Result<(String, String), ApiError> {
    let missing = || ApiError::unauthorized("missing or malformed Basic client credentials");
    let value = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(missing)?;
    let (scheme, encoded) = value.split_once(' ').ok_or_else(missing)?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(missing());
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()
        .and_then(|d| String::from_utf8(d).ok())
        .ok_or_else(missing)?;
    let (id, secret) = decoded.split_once(':').ok_or_else(missing)?;
    Ok((id.to_string(), secret.to_string()))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// Every variant the fake sends for `body`, in turn, and the violations recorded.
    async fn send_every_variant(body: &Value) -> (Vec<Value>, Vec<Violation>) {
        let shared = Shared::new();
        shared.lock().evolution.set(true);
        let operation = Operation::ChangeCustomerId;
        let count = evolve::evolve(operation.operation_id().unwrap(), 200, body).len();
        let mut sent = Vec::new();
        for _ in 0..count {
            let response = respond(&shared, operation, Ok(body));
            let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
                .await
                .unwrap();
            sent.push(serde_json::from_slice(&bytes).unwrap());
        }
        let violations = std::mem::take(&mut shared.lock().violations);
        (sent, violations)
    }

    #[tokio::test]
    async fn evolved_responses_are_checked_with_the_additive_changes_allowed() {
        let customer = json!({
            "type": "customer", "customer_id": "crm-1", "metadata": {"a": 1},
            "addresses": [{"address_line": "Street 1", "country": "NO"}],
        });
        let (sent, violations) = send_every_variant(&customer).await;
        assert!(sent.len() > 10, "{}", sent.len());
        assert!(
            sent.iter().all(|body| *body != customer),
            "every one evolved"
        );
        assert!(violations.is_empty(), "{violations:?}");
    }

    #[tokio::test]
    async fn an_evolved_response_without_a_required_property_is_a_violation() {
        // No evolution puts a required property back: every variant breaks the spec, and
        // says only that (a `null` or an unknown value beside it is allowed).
        let customer = json!({"type": "customer", "metadata": {"a": 1}, "addresses": []});
        let (sent, violations) = send_every_variant(&customer).await;
        assert!(sent.len() > 10, "{}", sent.len());
        assert_eq!(violations.len(), sent.len(), "{violations:?}");
        for violation in &violations {
            let problem = &violation.problem;
            // One problem (several are joined with "; "): the missing property.
            assert!(
                problem.starts_with("customer_id:")
                    && problem.ends_with("(required)")
                    && !problem.contains("; "),
                "{violation}"
            );
        }
    }
}
