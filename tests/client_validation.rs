//! Issue 3 (ergonomic client): argument validation before anything is sent, percent-encoding
//! of ids in the path, and the configuration-time safety rules (base URL scheme, redacted
//! `Debug`). Every rejection is `Error::InvalidInput` naming the field and the rule, and a
//! catch-all mock proves that zero requests (token requests included) reached the server.

mod common;

use common::*;
use dintero_client::{Dintero, Error, MAX_ID_CHARS};
use httpmock::prelude::*;
use httpmock::{HttpMockRequest, HttpMockResponse, Mock, MockServer};
use serde_json::json;

#[track_caller]
fn assert_invalid<T: std::fmt::Debug>(result: Result<T, Error>, field: &str, rule: &str) {
    match result {
        Err(Error::InvalidInput { field: f, reason }) => {
            assert_eq!(f, field, "reason: {reason}");
            assert!(
                reason.contains(rule),
                "{field}: reason {reason:?} should mention {rule:?}"
            );
        }
        other => panic!("expected InvalidInput for {field}, got {other:?}"),
    }
}

/// A catch-all that answers 599 with the raw request target it saw, so a stray request shows
/// up both in the mock's count and in the client's error.
async fn echo_all(server: &MockServer) -> Mock<'_> {
    server
        .mock_async(|when, then| {
            when.any_request();
            then.respond_with(|req: &HttpMockRequest| {
                HttpMockResponse::builder()
                    .status(599)
                    .body(format!("unexpected request to {}", req.uri_str()))
                    .build()
            });
        })
        .await
}

// ---------------------------------------------------------------------------------------
// account_id, checked in build()
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn account_id_is_checked_at_build() {
    let server = MockServer::start_async().await;
    let stray = echo_all(&server).await;
    let bad = [
        "",
        "T1234567",
        "T123456789",
        "X12345678",
        "t12345678",
        "p12345678",
        "T1234567a",
        "12345678T",
        " T12345678",
        "T12345678 ",
        "T12345678\n",
        "PT1234567",
        "T１２３４５６７８", // full-width digits are not \d
        "T١٢٣٤٥٦٧٨",         // Arabic-Indic digits neither
    ];
    for aid in bad {
        let built = Dintero::builder()
            .account_id(aid)
            .client_credentials(CLIENT_ID, CLIENT_SECRET)
            .base_url(base_url(&server))
            .build();
        assert_invalid(built, "account_id", "^[PT]\\d{8}$");
    }
    let missing = Dintero::builder()
        .client_credentials(CLIENT_ID, CLIENT_SECRET)
        .base_url(base_url(&server))
        .build();
    assert_invalid(missing, "account_id", "required");

    for aid in ["T12345678", "P00000000", "P99999999"] {
        let client = Dintero::builder()
            .account_id(aid)
            .client_credentials(CLIENT_ID, CLIENT_SECRET)
            .base_url(base_url(&server))
            .build()
            .unwrap_or_else(|e| panic!("{aid}: {e}"));
        assert_eq!(client.account_id(), aid);
    }
    stray.assert_calls_async(0).await;
}

#[test]
fn missing_credentials_is_a_config_error() {
    let built = Dintero::builder().account_id(AID).build();
    assert!(matches!(built, Err(Error::Config(_))), "{built:?}");
    assert_eq!(built.unwrap_err().status(), None);
}

// ---------------------------------------------------------------------------------------
// Ids: lengths, whitespace, characters that cannot be a path segment
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn invalid_ids_send_nothing() {
    assert_eq!(MAX_ID_CHARS, 255);
    let server = MockServer::start_async().await;
    let stray = echo_all(&server).await;
    // A client-credentials client: not even a token request may go out.
    let client = client(&server);

    let long = "x".repeat(256);
    let long_multibyte = "ø".repeat(256);
    let long_emoji = "😀".repeat(256);
    for bad in [
        "",
        long.as_str(),
        long_multibyte.as_str(),
        long_emoji.as_str(),
    ] {
        assert_invalid(
            client.change_customer_id(bad, "new").await,
            "customer_id",
            "1 to 255 characters",
        );
        assert_invalid(
            client.change_customer_id("old", bad).await,
            "new_customer_id",
            "1 to 255 characters",
        );
        assert_invalid(
            client.change_username(bad, "new").await,
            "username",
            "1 to 255 characters",
        );
        assert_invalid(
            client.change_username("old", bad).await,
            "new_username",
            "1 to 255 characters",
        );
    }

    for bad in [
        " new",
        "new ",
        "\tnew",
        "new\n",
        "\r\nnew",
        "\u{a0}new",
        "new\u{3000}",
        " ",
    ] {
        assert_invalid(
            client.change_customer_id("old", bad).await,
            "new_customer_id",
            "whitespace",
        );
    }

    // The first argument is checked first: both bad names the first.
    assert_invalid(
        client.change_customer_id("", " x").await,
        "customer_id",
        "1 to 255",
    );

    stray.assert_calls_async(0).await;
}

/// `.` and `..` are normalised away by URL parsers even when percent-encoded (`%2E%2E`), and
/// `\` is read as `/` in http(s) URLs: such an id cannot reach the server as the one path
/// segment it is, so it must be refused rather than sent somewhere else.
#[tokio::test]
async fn ids_that_cannot_be_one_path_segment_are_refused() {
    let server = MockServer::start_async().await;
    let stray = echo_all(&server).await;
    let client = client(&server);
    for bad in [".", "..", "a\\b", "..\\admin", "\\"] {
        let Err(Error::InvalidInput { field, .. }) = client.change_customer_id(bad, "new").await
        else {
            panic!("{bad:?} must be refused as customer_id");
        };
        assert_eq!(field, "customer_id");
        let Err(Error::InvalidInput { field, .. }) = client.change_username(bad, "new").await
        else {
            panic!("{bad:?} must be refused as username");
        };
        assert_eq!(field, "username");
    }
    stray.assert_calls_async(0).await;
}

/// The spec's `pattern` on the two path parameters makes the generated types refuse such
/// ids, however they are built (`TryFrom`, `FromStr`, deserializing): the raw client
/// cannot even be handed one. (The hooks' own path check is unit-tested in
/// `src/path_guard.rs`.)
#[tokio::test]
async fn raw_client_parameter_types_refuse_ids_that_would_change_the_path() {
    use dintero_client::types::{
        AidAuthUsersUsernameChangeUsernamePostUsername as Username,
        AidCustomersCidChangeCustomerIdPostCustomerId as CustomerId,
    };
    for bad in [
        ".",
        "..",
        "a\\b",
        "..\\admin",
        "..\\users\\victim",
        "\\",
        "",
    ] {
        assert!(CustomerId::try_from(bad).is_err(), "{bad:?}");
        assert!(bad.parse::<CustomerId>().is_err(), "{bad:?}");
        assert!(
            serde_json::from_value::<CustomerId>(json!(bad)).is_err(),
            "{bad:?}"
        );
        assert!(Username::try_from(bad).is_err(), "{bad:?}");
        assert!(
            serde_json::from_value::<Username>(json!(bad)).is_err(),
            "{bad:?}"
        );
    }
    for good in ["...", ".a", "a.", "%2e%2e", "a/b", "kari@example.com"] {
        assert!(CustomerId::try_from(good).is_ok(), "{good:?}");
        assert!(Username::try_from(good).is_ok(), "{good:?}");
    }
}

#[tokio::test]
async fn longest_ids_are_accepted_counting_characters_not_bytes() {
    let server = MockServer::start_async().await;
    let ascii = "x".repeat(255);
    let multibyte = "ø".repeat(255); // 510 bytes
    let emoji = "😀".repeat(255); // 1020 bytes
    let enc_multibyte = "%C3%B8".repeat(255);
    let enc_emoji = "%F0%9F%98%80".repeat(255);
    let cases = [
        (&ascii, ascii.clone()),
        (&multibyte, enc_multibyte),
        (&emoji, enc_emoji),
    ];
    let client = bearer_client(&server);
    for (id, encoded) in &cases {
        let customer = server
            .mock_async(|when, then| {
                when.method(POST)
                    .path(customer_path(encoded))
                    .json_body(json!({ "customer_id": id }));
                then.status(200)
                    .header("content-type", "application/json")
                    .body(SEED_CUSTOMER);
            })
            .await;
        let user = server
            .mock_async(|when, then| {
                when.method(POST)
                    .path(username_path(encoded))
                    .json_body(json!({ "username": id }));
                then.status(200)
                    .header("content-type", "application/json")
                    .body(SEED_AUTH_USER);
            })
            .await;
        client
            .change_customer_id(id, id)
            .await
            .unwrap_or_else(|e| panic!("{} chars: {e}", id.chars().count()));
        client.change_username(id, id).await.expect("username");
        customer.assert_calls_async(1).await;
        user.assert_calls_async(1).await;
    }
}

/// Odd characters reach the server as exactly one percent-encoded path segment.
#[tokio::test]
async fn odd_characters_are_one_encoded_path_segment() {
    let cases: &[(&str, &str)] = &[
        ("a/b", "a%2Fb"),
        ("/leading", "%2Fleading"),
        ("what?x=1", "what%3Fx=1"),
        ("frag#ment", "frag%23ment"),
        ("100%", "100%25"),
        ("%2e%2e", "%252e%252e"),
        ("%2F", "%252F"),
        ("a b", "a%20b"),
        ("Ærlig øl på å", "%C3%86rlig%20%C3%B8l%20p%C3%A5%20%C3%A5"),
        ("用户", "%E7%94%A8%E6%88%B7"),
        ("../admin", "..%2Fadmin"),
        ("a/../../b", "a%2F..%2F..%2Fb"),
        ("...", "..."),
        ("..a", "..a"),
        ("user@example.com", "user@example.com"),
        ("tab\there", "tab%09here"),
        ("quote\"<>`{}", "quote%22%3C%3E%60%7B%7D"),
    ];
    let server = MockServer::start_async().await;
    let mut mocks = Vec::new();
    for (_, encoded) in cases {
        mocks.push(customer_ok_mock(&server, encoded).await);
        mocks.push(
            server
                .mock_async(|when, then| {
                    when.method(POST).path(username_path(encoded));
                    then.status(200)
                        .header("content-type", "application/json")
                        .body(SEED_AUTH_USER);
                })
                .await,
        );
    }
    let stray = echo_all(&server).await;
    let client = bearer_client(&server);
    for (id, _) in cases {
        if let Err(e) = client.change_customer_id(id, "new").await {
            panic!("customer_id {id:?}: {e:?}");
        }
        if let Err(e) = client.change_username(id, "new").await {
            panic!("username {id:?}: {e:?}");
        }
    }
    for mock in &mocks {
        mock.assert_calls_async(1).await;
    }
    stray.assert_calls_async(0).await;
}

/// The new ids travel in the JSON body, unencoded and unchanged.
#[tokio::test]
async fn new_ids_are_sent_verbatim_in_the_body() {
    let odd = "a/b?c#d%e f ø \"quoted\" \\ ..";
    let server = MockServer::start_async().await;
    let customer = server
        .mock_async(|when, then| {
            when.method(POST)
                .path(customer_path("old"))
                .json_body(json!({ "customer_id": odd }));
            then.status(200)
                .header("content-type", "application/json")
                .body(SEED_CUSTOMER);
        })
        .await;
    let user = server
        .mock_async(|when, then| {
            when.method(POST)
                .path(username_path("old"))
                .json_body(json!({ "username": odd }));
            then.status(200)
                .header("content-type", "application/json")
                .body(SEED_AUTH_USER);
        })
        .await;
    let client = bearer_client(&server);
    client
        .change_customer_id("old", odd)
        .await
        .expect("customer");
    client.change_username("old", odd).await.expect("username");
    // Inner whitespace is fine in a new customer id; only the ends are checked.
    customer.assert_calls_async(1).await;
    user.assert_calls_async(1).await;
}

// ---------------------------------------------------------------------------------------
// Base URL and redaction
// ---------------------------------------------------------------------------------------

fn build_with(base: &str, insecure: bool) -> Result<Dintero, Error> {
    let builder = Dintero::builder()
        .account_id(AID)
        .client_credentials(CLIENT_ID, CLIENT_SECRET)
        .base_url(base);
    if insecure {
        builder.allow_insecure_http().build()
    } else {
        builder.build()
    }
}

#[test]
fn clear_text_http_is_refused_beyond_loopback() {
    for base in [
        "http://api.dintero.com/v1",
        "http://10.0.0.1/v1",
        "http://192.168.1.20:8080",
        "http://localhost.example.com/v1",
        "http://127.0.0.1.example.com/v1",
        "http://[2001:db8::1]/v1",
    ] {
        assert_invalid(build_with(base, false), "base_url", "https");
        // The explicit opt-in accepts it.
        let client = build_with(base, true).unwrap_or_else(|e| panic!("{base}: {e}"));
        assert_eq!(client.account_id(), AID);
    }
    for base in [
        "http://127.0.0.1:8080/v1",
        "http://127.1.2.3/v1",
        "http://localhost/v1",
        "http://LOCALHOST:1/v1",
        "http://[::1]:8080/v1",
        "https://api.dintero.com/v1",
        "https://api.dintero.com/v1/",
    ] {
        build_with(base, false).unwrap_or_else(|e| panic!("{base}: {e}"));
    }
    for base in [
        "ftp://api.dintero.com/v1",
        "not a url",
        "https://api.dintero.com/v1?x=1",
        "https://api.dintero.com/v1#frag",
    ] {
        assert_invalid(build_with(base, false), "base_url", "");
        assert_invalid(build_with(base, true), "base_url", "");
    }
}

#[tokio::test]
async fn trailing_slash_in_base_url_does_not_double_the_slash() {
    let server = MockServer::start_async().await;
    let op = customer_ok_mock(&server, "a").await;
    let stray = echo_all(&server).await;
    let client = Dintero::builder()
        .account_id(AID)
        .bearer_token(STATIC_TOKEN)
        .base_url(format!("{}/", base_url(&server)))
        .build()
        .unwrap();
    client.change_customer_id("a", "b").await.expect("call");
    op.assert_calls_async(1).await;
    stray.assert_calls_async(0).await;
}

#[tokio::test]
async fn builder_and_client_debug_never_show_secrets() {
    let server = MockServer::start_async().await;
    token_mock(&server, "tok-very-secret-jwt", 3600).await;
    customer_ok_mock(&server, "a").await;

    let builder = Dintero::builder()
        .account_id(AID)
        .client_credentials(CLIENT_ID, CLIENT_SECRET)
        .base_url(base_url(&server));
    let shown = format!("{builder:?} {builder:#?}");
    assert!(!shown.contains(CLIENT_SECRET), "{shown}");
    assert!(!shown.contains(BASIC_CREDENTIALS), "{shown}");

    let client = builder.build().unwrap();
    client.change_customer_id("a", "b").await.expect("call");
    // The client now caches a token: neither it nor the secret may show.
    for shown in [format!("{client:?}"), format!("{client:#?}")] {
        for secret in [CLIENT_SECRET, BASIC_CREDENTIALS, "tok-very-secret-jwt"] {
            assert!(!shown.contains(secret), "{secret} in {shown}");
        }
        assert!(
            shown.contains(AID),
            "useful Debug shows the account: {shown}"
        );
    }

    let bearer = Dintero::builder()
        .account_id(AID)
        .bearer_token(STATIC_TOKEN)
        .base_url(base_url(&server));
    let shown = format!("{bearer:?}");
    assert!(!shown.contains(STATIC_TOKEN), "{shown}");
    let bearer = bearer.build().unwrap();
    for shown in [format!("{bearer:?}"), format!("{bearer:#?}")] {
        assert!(!shown.contains(STATIC_TOKEN), "{shown}");
    }
}
