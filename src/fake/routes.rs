//! The fake's HTTP surface: one handler per operation of the spec, plus Dintero-shaped
//! answers for unknown routes and methods.
//!
//! Handlers read the path, headers and raw body themselves (no axum `Json` extractor) so
//! that every rejection is Dintero's error body, never axum's plain-text one.

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE, HeaderMap, RETRY_AFTER};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use base64::Engine as _;
use serde_json::{Map, Value};

use super::Operation;
use super::state::{AUDIENCE_BASE, ApiError, Shared, State as FakeState};
use crate::{types, validate};

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

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, axum::Json(self.body())).into_response();
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

/// Runs `handle` under the lock (no await inside), records the outcome, and answers.
fn answer<T: serde::Serialize>(
    shared: &Shared,
    operation: Operation,
    ids: (&str, Option<&str>, Option<&str>),
    handle: impl FnOnce(&mut FakeState) -> Result<T, ApiError>,
) -> Response {
    let mut state = shared.lock();
    let outcome = handle(&mut state);
    let status = match &outcome {
        Ok(_) => StatusCode::OK,
        Err(e) => e.status,
    };
    let (account, target, new_value) = ids;
    state.record(operation, account, target, new_value, status);
    drop(state);
    match outcome {
        Ok(value) => (StatusCode::OK, axum::Json(value)).into_response(),
        Err(e) => e.into_response(),
    }
}

async fn token(
    State(shared): State<Shared>,
    path: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let aid = path.as_ref().map(|p| p.0.clone()).unwrap_or_default();
    answer(&shared, Operation::Token, (&aid, None, None), |state| {
        if let Some((remaining, status)) = state.faults.token_failures.as_mut()
            && *remaining > 0
        {
            *remaining -= 1;
            let status = *status;
            let mut error = ApiError::new(status, code_for(status), "injected fault");
            if status == StatusCode::TOO_MANY_REQUESTS {
                error.retry_after = Some(0);
            }
            return Err(error);
        }
        path.map_err(path_error)?;
        check_account_id(&aid)?;
        let (client_id, secret) = basic_credentials(&headers)?;
        let known = state
            .accounts
            .get(&aid)
            .and_then(|a| a.clients.get(&client_id))
            .is_some_and(|s| *s == secret);
        if !known {
            return Err(ApiError::unauthorized("invalid client credentials"));
        }
        let body = json_object(&headers, &body)?;
        let grant_type = string_field(&body, "grant_type")?;
        types::TokenRequestGrantType::try_from(grant_type).map_err(|_| {
            ApiError::invalid("body", "grant_type", "must be one of [client_credentials]")
        })?;
        let expected = format!("{AUDIENCE_BASE}{aid}");
        match body.get("audience") {
            None => {}
            Some(Value::String(audience)) if *audience == expected => {}
            Some(_) => {
                return Err(ApiError::invalid(
                    "body",
                    "audience",
                    format!("must be {expected}"),
                ));
            }
        }
        Ok(state.issue_token(&aid, &client_id))
    })
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
    answer(&shared, Operation::ChangeCustomerId, ids, |state| {
        path.map_err(path_error)?;
        let client_id = state.authorize(bearer(&headers), &aid)?;
        check_account_id(&aid)?;
        types::AidCustomersCidChangeCustomerIdPostCustomerId::try_from(old.as_str())
            .map_err(|e| ApiError::invalid("path", "customer_id", e.to_string()))?;
        let body = json_object(&headers, &body)?;
        let new = string_field(&body, "customer_id")?;
        check_body_id("customer_id", validate::new_customer_id, new)?;
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
    answer(&shared, Operation::ChangeUsername, ids, |state| {
        path.map_err(path_error)?;
        state.authorize(bearer(&headers), &aid)?;
        check_account_id(&aid)?;
        types::AidAuthUsersUsernameChangeUsernamePostUsername::try_from(old.as_str())
            .map_err(|e| ApiError::invalid("path", "username", e.to_string()))?;
        let body = json_object(&headers, &body)?;
        let new = string_field(&body, "username")?;
        check_body_id("username", validate::new_username, new)?;
        state.change_username(&aid, &old, new)
    })
}

async fn unknown_route(State(shared): State<Shared>) -> Response {
    answer::<()>(&shared, Operation::Other, ("", None, None), |_| {
        Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            "no such route",
        ))
    })
}

async fn method_not_allowed(State(shared): State<Shared>) -> Response {
    answer::<()>(&shared, Operation::Other, ("", None, None), |_| {
        Err(ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "METHOD_NOT_ALLOWED",
            "method not allowed",
        ))
    })
}

fn code_for(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "BAD_REQUEST",
        401 => "UNAUTHORIZED",
        403 => "FORBIDDEN",
        404 => "NOT_FOUND",
        429 => "TOO_MANY_REQUESTS",
        503 => "SERVICE_UNAVAILABLE",
        _ => "INTERNAL_ERROR",
    }
}

fn path_error(rejection: PathRejection) -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "BAD_REQUEST",
        format!("invalid path: {}", rejection.body_text()),
    )
}

/// A new id in the body, checked by the same rules the client applies before sending
/// (one place per kind of id), answered as Dintero's 400 on that body field.
fn check_body_id<T>(
    field: &'static str,
    rules: fn(&str) -> Result<T, crate::Error>,
    value: &str,
) -> Result<(), ApiError> {
    rules(value).map(|_| ()).map_err(|e| match e {
        crate::Error::InvalidInput { reason, .. } => ApiError::invalid("body", field, reason),
        other => ApiError::invalid("body", field, other.to_string()),
    })
}

fn check_account_id(aid: &str) -> Result<(), ApiError> {
    types::AccountId::try_from(aid)
        .map(|_| ())
        .map_err(|e| ApiError::invalid("path", "aid", e.to_string()))
}

/// The new id of a change request, for the request log only (no validation).
fn new_value(body: &Bytes, field: &str) -> Option<String> {
    let value: Value = serde_json::from_slice(body).ok()?;
    value.get(field)?.as_str().map(str::to_string)
}

/// The body as a JSON object, sent as `application/json`.
fn json_object(headers: &HeaderMap, body: &Bytes) -> Result<Map<String, Value>, ApiError> {
    let json = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"));
    if !json {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "BAD_REQUEST",
            "Content-Type must be application/json",
        ));
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "BAD_REQUEST",
            "the body must be a JSON object",
        )),
        Err(e) => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "BAD_REQUEST",
            format!("the body is not valid JSON: {e}"),
        )),
    }
}

/// A required string field of the JSON body.
fn string_field<'a>(
    body: &'a Map<String, Value>,
    field: &'static str,
) -> Result<&'a str, ApiError> {
    match body.get(field) {
        None => Err(ApiError::invalid("body", field, "is required")),
        Some(Value::String(s)) => Ok(s),
        Some(_) => Err(ApiError::invalid("body", field, "must be a string")),
    }
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
