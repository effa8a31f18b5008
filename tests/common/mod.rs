//! Shared fixtures for the integration tests: a real loopback HTTP server (httpmock), clients
//! pointed at it, the seed pages' example responses and Dintero's error body.
//!
//! Every test binary compiles this module and uses a different part of it.
#![allow(dead_code)]

use std::time::Duration;

use dintero_client::Dintero;
use httpmock::prelude::*;
use httpmock::{Mock, MockServer};
use serde_json::{Value, json};

/// The account every test uses.
pub const AID: &str = "T12345678";

/// Client credentials every client-credentials test uses.
pub const CLIENT_ID: &str = "test-client-id";
pub const CLIENT_SECRET: &str = "sup3r-s3cret-value";
/// `base64("test-client-id:sup3r-s3cret-value")`, computed independently of the crate.
pub const BASIC_CREDENTIALS: &str = "dGVzdC1jbGllbnQtaWQ6c3VwM3ItczNjcmV0LXZhbHVl";

/// The token a bearer-token client is given.
pub const STATIC_TOKEN: &str = "eyJhbGciOiJIUzI1NiJ9.c3RhdGljLXRva2Vu.c2lnbmF0dXJl";

/// The `User-Agent` the default HTTP client must send, spelled out independently of the crate.
pub const EXPECTED_USER_AGENT: &str = concat!("dintero-client/", env!("CARGO_PKG_VERSION"));

/// The path prefix of the mock base URL: the client must keep it in front of every path.
pub const BASE_PATH: &str = "/v1";

/// The token endpoint path the server sees.
pub const TOKEN_PATH: &str = "/v1/accounts/T12345678/auth/token";

/// The change_customer_id path for an already percent-encoded customer id segment.
pub fn customer_path(encoded_customer_id: &str) -> String {
    format!("/v1/accounts/{AID}/customers/users/{encoded_customer_id}/change_customer_id")
}

/// The change_username path for an already percent-encoded username segment.
pub fn username_path(encoded_username: &str) -> String {
    format!("/v1/accounts/{AID}/auth/users/{encoded_username}/change_username")
}

/// The grant the client must send to the token endpoint, exactly.
pub fn token_request_body() -> Value {
    json!({
        "grant_type": "client_credentials",
        "audience": "https://api.dintero.com/v1/accounts/T12345678"
    })
}

/// Example response of change_customer_id, copied verbatim from the seed page
/// (`shared/seeds/000_e3bd99306765e144.txt` beside the repository).
pub const SEED_CUSTOMER: &str = r#"{
  "type": "customer",
  "customer_id": "<string>",
  "metadata": {
    "dob_year": 1985
  },
  "id": "3c90c3cc-0d44-4b50-8888-8dd25736052a",
  "created_at": "2023-11-07T05:31:56Z",
  "created_by": "1c92f7e1-2897-4d46-bdcc-c127a914fb4e",
  "updated_at": "2023-11-07T05:31:56Z",
  "deleted_by": "1c92f7e1-2897-4d46-bdcc-c127a914fb4e",
  "deleted_at": "2023-11-07T05:31:56Z",
  "first_name": "John",
  "last_name": "Doe",
  "email": "customer@example.com",
  "phone_number": "+4799999999",
  "attributes": {},
  "status": "<string>",
  "favorite_store": "<string>",
  "enrolled_by": {
    "value": "https://facebook.com",
    "type": "url"
  },
  "marketing_consent": {
    "sms": {
      "consent": true,
      "updated_at": "2018-01-12T13:42:00Z"
    },
    "email": {
      "consent": true,
      "updated_at": "2018-01-12T13:42:00Z"
    }
  },
  "addresses": [
    {
      "address_line": "Sommerkroveien 34",
      "postal_place": "Oslo",
      "country": "NO",
      "address_line_2": "PB 123",
      "postal_code": "0349",
      "latitude": 59.942112,
      "longitude": 10.716991,
      "type": "custom",
      "custom_type": "<string>",
      "comment": "5th floor, use doorbell."
    }
  ],
  "term": {
    "id": "3c90c3cc-0d44-4b50-8888-8dd25736052a",
    "accepted_at": "2023-11-07T05:31:56Z"
  },
  "company": {
    "bussiness_name": "TKP tech AS",
    "organization_number": "123456789MVA",
    "department": "sales department",
    "industry": "computer industry",
    "website": "<string>",
    "number_of_employees": "<string>"
  },
  "gender": "male",
  "date_of_birth": "1990-09-20",
  "contact_for": [
    {
      "customer_id": "<string>"
    }
  ]
}"#;

/// Example response of change_username, copied verbatim from the seed page
/// (`shared/seeds/003_aadd7db275c29096.txt` beside the repository).
pub const SEED_AUTH_USER: &str = r#"{
  "username": "<string>",
  "id": "3c90c3cc-0d44-4b50-8888-8dd25736052a",
  "created_at": "2023-11-07T05:31:56Z",
  "created_by": "1c92f7e1-2897-4d46-bdcc-c127a914fb4e",
  "updated_at": "2023-11-07T05:31:56Z",
  "deleted_by": "1c92f7e1-2897-4d46-bdcc-c127a914fb4e",
  "deleted_at": "2023-11-07T05:31:56Z",
  "links": [
    {
      "rel": "customers_user",
      "href": "https://api.dintero.com/v1/accounts/P12345678/users/99919"
    },
    {
      "rel": "phone_number",
      "href": "tel:+4799999999"
    },
    {
      "rel": "email",
      "href": "mailto:name@email.com"
    }
  ],
  "mfa": {
    "challenge_type": "<string>",
    "oob_channels": [
      "sms"
    ]
  }
}"#;

pub fn seed_customer() -> Value {
    serde_json::from_str(SEED_CUSTOMER).expect("seed customer is JSON")
}

pub fn seed_auth_user() -> Value {
    serde_json::from_str(SEED_AUTH_USER).expect("seed auth user is JSON")
}

/// Dintero's error body, with every optional part filled in.
pub fn error_body(status: u16) -> Value {
    json!({
        "error": {
            "message": format!("message for {status}"),
            "code": format!("code_{status}"),
            "errors": [{"field": "customer_id", "status": status}]
        }
    })
}

/// The base URL a client uses for `server`: the server's root plus [`BASE_PATH`].
pub fn base_url(server: &MockServer) -> String {
    format!("{}{BASE_PATH}", server.base_url())
}

/// A client-credentials client for `server`.
pub fn client(server: &MockServer) -> Dintero {
    Dintero::builder()
        .account_id(AID)
        .client_credentials(CLIENT_ID, CLIENT_SECRET)
        .base_url(base_url(server))
        .build()
        .expect("valid test configuration")
}

/// A bearer-token client for `server`: never calls the token endpoint.
pub fn bearer_client(server: &MockServer) -> Dintero {
    Dintero::builder()
        .account_id(AID)
        .bearer_token(STATIC_TOKEN)
        .base_url(base_url(server))
        .build()
        .expect("valid test configuration")
}

/// A token endpoint that checks the Basic credentials and the exact grant, and issues
/// `token` valid for `expires_in` seconds.
pub async fn token_mock<'a>(server: &'a MockServer, token: &str, expires_in: u64) -> Mock<'a> {
    slow_token_mock(server, token, expires_in, Duration::ZERO).await
}

/// [`token_mock`] answering only after `delay`.
pub async fn slow_token_mock<'a>(
    server: &'a MockServer,
    token: &str,
    expires_in: u64,
    delay: Duration,
) -> Mock<'a> {
    let token = token.to_string();
    server
        .mock_async(move |when, then| {
            when.method(POST)
                .path(TOKEN_PATH)
                .header("authorization", format!("Basic {BASIC_CREDENTIALS}"))
                .header("content-type", "application/json")
                .json_body(token_request_body());
            then.status(200)
                .header("content-type", "application/json")
                .delay(delay)
                .json_body(json!({
                    "access_token": token,
                    "token_type": "Bearer",
                    "expires_in": expires_in
                }));
        })
        .await
}

/// change_customer_id for `old` (already encoded) answering the seed customer, for any bearer.
pub async fn customer_ok_mock<'a>(server: &'a MockServer, encoded_old: &str) -> Mock<'a> {
    let path = customer_path(encoded_old);
    server
        .mock_async(move |when, then| {
            when.method(POST).path(path);
            then.status(200)
                .header("content-type", "application/json")
                .body(SEED_CUSTOMER);
        })
        .await
}

/// A mock that matches every request: registered last, it counts whatever no other mock took.
pub async fn catch_all<'a>(server: &'a MockServer) -> Mock<'a> {
    server
        .mock_async(|when, then| {
            when.any_request();
            then.status(599)
                .body("catch-all: no request was expected here");
        })
        .await
}

/// A loopback port with nothing listening on it: bound, then released.
pub fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
    let port = listener.local_addr().expect("local addr").port();
    drop(listener);
    port
}

/// A generous ceiling for things that should take a fraction of a second on an idle machine.
pub const CEILING: Duration = Duration::from_secs(5);
