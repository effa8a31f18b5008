//! The embedded fake Dintero, exercised through the real `Dintero` client and through raw
//! HTTP: tokens, authentication, validation, 404, taken ids, metadata, faults, and proof
//! that every answer decodes into the generated types.
#![cfg(feature = "fake")]

use std::time::Duration;

use dintero_client::fake::{
    DEMO_ACCOUNT_ID, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, FakeDintero, Operation,
};
use dintero_client::{Dintero, Error, types};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

const AID: &str = DEMO_ACCOUNT_ID;

async fn demo() -> FakeDintero {
    let fake = FakeDintero::start().await.expect("fake starts");
    fake.seed_demo();
    fake
}

fn client(fake: &FakeDintero) -> Dintero {
    fake.client_builder()
        .account_id(AID)
        .client_credentials(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET)
        .build()
        .expect("client builds")
}

/// Decodes `body` into `T` and proves nothing was lost or invented: re-encoding gives the
/// same JSON.
fn decodes_exactly<T: DeserializeOwned + Serialize>(body: &[u8]) -> T {
    let raw: Value = serde_json::from_slice(body).expect("JSON body");
    let typed: T = serde_json::from_value(raw.clone()).unwrap_or_else(|e| {
        panic!(
            "does not decode into {}: {e}: {raw}",
            std::any::type_name::<T>()
        )
    });
    assert_eq!(
        serde_json::to_value(&typed).unwrap(),
        raw,
        "round trip changes the body"
    );
    typed
}

fn api_status(err: &Error) -> u16 {
    match err {
        Error::Api { status, .. } => *status,
        other => panic!("expected an API error, got {other:?}"),
    }
}

/// Raw HTTP against the fake, for what the typed client refuses to send.
struct Raw {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl Raw {
    fn new(fake: &FakeDintero) -> Self {
        Self {
            http: reqwest::Client::new(),
            base: fake.base_url(),
            token: fake.issue_token(AID, DEMO_CLIENT_ID),
        }
    }

    async fn post(&self, path: &str, auth: Option<&str>, body: Value) -> (u16, bytes::Bytes) {
        let mut request = self.http.post(format!("{}{path}", self.base)).json(&body);
        if let Some(auth) = auth {
            request = request.header("authorization", auth);
        }
        let response = request.send().await.expect("fake answers");
        let status = response.status().as_u16();
        (status, response.bytes().await.unwrap())
    }

    async fn change_customer(&self, old: &str, body: Value) -> (u16, types::ErrorResponse) {
        let path = format!("/accounts/{AID}/customers/users/{old}/change_customer_id");
        let (status, body) = self
            .post(&path, Some(&format!("Bearer {}", self.token)), body)
            .await;
        (status, decodes_exactly(&body))
    }
}

#[tokio::test]
async fn change_customer_id_applies_the_change_and_adds_the_metadata_entry() {
    let fake = demo().await;
    let before = fake.customer(AID, "crm-17").unwrap();
    let customer = client(&fake)
        .change_customer_id("crm-17", "crm-2024-17")
        .await
        .unwrap();

    assert_eq!(customer.customer_id, "crm-2024-17");
    assert_eq!(customer.id, before.id, "same customer, new id");
    assert_eq!(customer.email.as_deref(), Some("kari@example.com"));
    assert!(customer.updated_at >= before.updated_at);
    let (key, entry) = customer.metadata.iter().next().expect("one metadata entry");
    assert_eq!(customer.metadata.len(), 1);
    let suffix = key
        .strip_prefix("dintero_change_customer_id_")
        .expect("key prefix");
    let (timestamp, hash) = suffix.split_once('.').expect("{timestamp}.{hash}");
    assert!(timestamp.parse::<u64>().is_ok(), "{key}");
    assert!(
        !hash.is_empty() && hash.chars().all(|c| c.is_ascii_hexdigit()),
        "{key}"
    );
    assert_eq!(entry["old"], "crm-17");
    assert_eq!(entry["new"], "crm-2024-17");
    assert_eq!(entry["created_by"], DEMO_CLIENT_ID);
    assert!(
        entry["created_at"]
            .as_str()
            .unwrap()
            .parse::<chrono::DateTime<chrono::Utc>>()
            .is_ok()
    );

    assert!(fake.customer(AID, "crm-17").is_none());
    assert_eq!(fake.customer(AID, "crm-2024-17").unwrap(), customer);
    assert_eq!(fake.request_count(Operation::Token), 1);
    assert_eq!(fake.request_count(Operation::ChangeCustomerId), 1);

    // A second change adds a second entry and keeps the first.
    let again = client(&fake)
        .change_customer_id("crm-2024-17", "crm-2025-17")
        .await
        .unwrap();
    assert_eq!(again.metadata.len(), 2);
    assert!(again.metadata.contains_key(key));
}

#[tokio::test]
async fn change_username_applies_the_change() {
    let fake = demo().await;
    let before = fake.user(AID, "kari@example.com").unwrap();
    let user = client(&fake)
        .change_username("kari@example.com", "kari.nordmann@example.com")
        .await
        .unwrap();
    assert_eq!(user.username, "kari.nordmann@example.com");
    assert_eq!(user.id, before.id);
    assert!(fake.user(AID, "kari@example.com").is_none());
    assert_eq!(fake.user(AID, "kari.nordmann@example.com").unwrap(), user);
}

#[tokio::test]
async fn ids_with_reserved_characters_round_trip_through_the_path() {
    let fake = demo().await;
    for id in ["a/b", "with space", "æøå-ü", "q?x#y", "100%", "a+b"] {
        fake.add_customer(AID, id);
        let new = format!("{id}-new");
        let customer = client(&fake).change_customer_id(id, &new).await.unwrap();
        assert_eq!(customer.customer_id, new);
        assert!(fake.customer(AID, id).is_none(), "{id}");
    }
    let last = fake
        .requests()
        .into_iter()
        .rev()
        .find(|r| r.operation == Operation::ChangeCustomerId);
    assert_eq!(last.unwrap().target.as_deref(), Some("a+b"));
}

#[tokio::test]
async fn unknown_current_id_is_404() {
    let fake = demo().await;
    let err = client(&fake)
        .change_customer_id("nobody", "someone")
        .await
        .unwrap_err();
    assert_eq!(api_status(&err), 404);
    assert_eq!(err.code(), Some("NOT_FOUND"));
    let err = client(&fake)
        .change_username("nobody@example.com", "x@example.com")
        .await
        .unwrap_err();
    assert_eq!(api_status(&err), 404);
}

#[tokio::test]
async fn taken_new_id_is_400_and_changes_nothing() {
    let fake = demo().await;
    let err = client(&fake)
        .change_customer_id("crm-17", "crm-18")
        .await
        .unwrap_err();
    assert_eq!(api_status(&err), 400);
    let Error::Api { body, .. } = &err else {
        unreachable!()
    };
    assert!(
        body.error.message.contains("already exists"),
        "{}",
        body.error.message
    );
    assert_eq!(body.error.errors[0]["field"], "customer_id");
    assert!(fake.customer(AID, "crm-17").is_some());
    assert!(fake.customer(AID, "crm-18").unwrap().metadata.is_empty());

    let err = client(&fake)
        .change_username("kari@example.com", "ola@example.com")
        .await
        .unwrap_err();
    assert_eq!(api_status(&err), 400);
    assert!(fake.user(AID, "kari@example.com").is_some());
}

#[tokio::test]
async fn wrong_client_credentials_are_a_401_token_error() {
    let fake = demo().await;
    let client = fake
        .client_builder()
        .account_id(AID)
        .client_credentials(DEMO_CLIENT_ID, "wrong-secret")
        .build()
        .unwrap();
    let err = client
        .change_customer_id("crm-17", "crm-99")
        .await
        .unwrap_err();
    let Error::Token(token) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(token.status(), Some(401));
    assert_eq!(
        fake.request_count(Operation::ChangeCustomerId),
        0,
        "nothing sent without a token"
    );
    assert!(fake.customer(AID, "crm-17").is_some());
}

#[tokio::test]
async fn bad_and_expired_bearer_tokens_are_401() {
    let fake = demo().await;
    let with_token = |token: &str| {
        fake.client_builder()
            .account_id(AID)
            .bearer_token(token)
            .build()
            .unwrap()
    };

    let err = with_token("not-a-token")
        .change_customer_id("crm-17", "x")
        .await
        .unwrap_err();
    assert_eq!(api_status(&err), 401);

    fake.set_token_lifetime(Duration::from_millis(300));
    let short = fake.issue_token(AID, DEMO_CLIENT_ID);
    let client = with_token(&short);
    client.change_customer_id("crm-17", "crm-a").await.unwrap();
    tokio::time::sleep(Duration::from_millis(400)).await;
    let err = client
        .change_customer_id("crm-a", "crm-b")
        .await
        .unwrap_err();
    assert_eq!(api_status(&err), 401);
    let Error::Api { body, .. } = &err else {
        unreachable!()
    };
    assert_eq!(body.error.message, "access token expired");

    // A token for another account is refused with 403.
    let other = fake.issue_token("T87654321", "someone");
    let err = with_token(&other)
        .change_customer_id("crm-a", "crm-b")
        .await
        .unwrap_err();
    assert_eq!(api_status(&err), 403);
    assert!(fake.customer(AID, "crm-a").is_some());
}

#[tokio::test]
async fn missing_bearer_token_is_401_with_dintero_error_body() {
    let fake = demo().await;
    let raw = Raw::new(&fake);
    let path = format!("/accounts/{AID}/customers/users/crm-17/change_customer_id");
    let (status, body) = raw.post(&path, None, json!({"customer_id": "x"})).await;
    assert_eq!(status, 401);
    let body: types::ErrorResponse = decodes_exactly(&body);
    assert_eq!(body.error.code.as_deref(), Some("UNAUTHORIZED"));
    let (status, _) = raw
        .post(
            &path,
            Some("Basic Zm9vOmJhcg=="),
            json!({"customer_id": "x"}),
        )
        .await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn expired_tokens_are_refreshed_by_the_client() {
    let fake = demo().await;
    let client = client(&fake);
    client.change_customer_id("crm-17", "crm-a").await.unwrap();
    fake.expire_tokens();
    // The client sees 401, fetches a new token and retries once.
    client.change_customer_id("crm-a", "crm-b").await.unwrap();
    assert_eq!(fake.request_count(Operation::Token), 2);
    let statuses: Vec<u16> = fake
        .requests()
        .iter()
        .filter(|r| r.operation == Operation::ChangeCustomerId)
        .map(|r| r.status)
        .collect();
    assert_eq!(statuses, [200, 401, 200]);
}

#[tokio::test]
async fn token_lifetime_is_configurable_and_reported() {
    let fake = demo().await;
    fake.set_token_lifetime(Duration::from_secs(2));
    let raw = reqwest::Client::new()
        .post(format!("{}/accounts/{AID}/auth/token", fake.base_url()))
        .basic_auth(DEMO_CLIENT_ID, Some(DEMO_CLIENT_SECRET))
        .json(&json!({"grant_type": "client_credentials", "audience": format!("https://api.dintero.com/v1/accounts/{AID}")}))
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status(), 200);
    let token: types::AccessToken = decodes_exactly(&raw.bytes().await.unwrap());
    assert_eq!(token.expires_in, 2);
    assert_eq!(token.token_type, "Bearer");
    assert_eq!(token.access_token.split('.').count(), 3, "JWT-shaped");

    // A client refreshes ahead of expiry: a call after 1.6 s uses a new token.
    let client = client(&fake);
    client.change_customer_id("crm-17", "crm-a").await.unwrap();
    tokio::time::sleep(Duration::from_millis(1600)).await;
    client.change_customer_id("crm-a", "crm-b").await.unwrap();
    assert_eq!(fake.request_count(Operation::Token), 3);
}

#[tokio::test]
async fn concurrent_first_calls_share_one_token() {
    let fake = demo().await;
    for i in 0..40 {
        fake.add_customer(AID, &format!("bulk-{i}"));
    }
    let client = client(&fake);
    let calls = (0..40).map(|i| {
        let client = client.clone();
        async move {
            client
                .change_customer_id(&format!("bulk-{i}"), &format!("moved-{i}"))
                .await
        }
    });
    for result in futures_join_all(calls).await {
        result.unwrap();
    }
    assert_eq!(fake.request_count(Operation::Token), 1);
    assert_eq!(fake.request_count(Operation::ChangeCustomerId), 40);
}

async fn futures_join_all<F: Future + Send + 'static>(
    futures: impl IntoIterator<Item = F>,
) -> Vec<F::Output>
where
    F::Output: Send,
{
    let handles: Vec<_> = futures.into_iter().map(tokio::spawn).collect();
    let mut out = Vec::new();
    for handle in handles {
        out.push(handle.await.unwrap());
    }
    out
}

#[tokio::test]
async fn the_fake_validates_requests_the_client_would_refuse() {
    let fake = demo().await;
    let raw = Raw::new(&fake);

    let (status, body) = raw
        .change_customer("crm-17", json!({"customer_id": "crm-99 "}))
        .await;
    assert_eq!(status, 400);
    assert_eq!(body.error.errors[0]["field"], "customer_id");
    assert_eq!(body.error.errors[0]["in"], "body");
    assert!(
        body.error
            .message
            .contains("leading or trailing whitespace"),
        "{}",
        body.error.message
    );

    for bad in [
        json!({"customer_id": ""}),
        json!({"customer_id": "x".repeat(256)}),
        json!({"customer_id": 5}),
        json!({}),
        json!([1]),
    ] {
        let (status, body) = raw.change_customer("crm-17", bad.clone()).await;
        assert_eq!(status, 400, "{bad}");
        assert_eq!(body.error.code.as_deref(), Some("BAD_REQUEST"));
    }
    let long = "x".repeat(256);
    let (status, body) = raw
        .change_customer(&long, json!({"customer_id": "y"}))
        .await;
    assert_eq!(status, 400);
    assert_eq!(body.error.errors[0]["in"], "path");

    // 255 characters is still fine.
    let max = "y".repeat(255);
    let (status, _) = raw
        .post(
            &format!("/accounts/{AID}/customers/users/crm-17/change_customer_id"),
            Some(&format!("Bearer {}", raw.token)),
            json!({"customer_id": max}),
        )
        .await;
    assert_eq!(status, 200);

    let path = format!("/accounts/{AID}/auth/users/ola@example.com/change_username");
    let auth = format!("Bearer {}", raw.token);
    for bad in [
        json!({"username": ""}),
        json!({}),
        json!({"username": "u".repeat(256)}),
    ] {
        let (status, body) = raw.post(&path, Some(&auth), bad.clone()).await;
        assert_eq!(status, 400, "{bad}");
        decodes_exactly::<types::ErrorResponse>(&body);
    }

    // Not JSON at all, and no content type.
    let response = reqwest::Client::new()
        .post(format!("{}{path}", fake.base_url()))
        .header("authorization", &auth)
        .body("username=x")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    decodes_exactly::<types::ErrorResponse>(&response.bytes().await.unwrap());
    assert!(fake.user(AID, "ola@example.com").is_some());
}

#[tokio::test]
async fn the_token_endpoint_validates_credentials_grant_and_audience() {
    let fake = demo().await;
    let url = format!("{}/accounts/{AID}/auth/token", fake.base_url());
    let http = reqwest::Client::new();
    let audience = format!("https://api.dintero.com/v1/accounts/{AID}");
    let cases = [
        (None, json!({"grant_type": "client_credentials"}), 401),
        (
            Some((DEMO_CLIENT_ID, "nope")),
            json!({"grant_type": "client_credentials"}),
            401,
        ),
        (
            Some(("unknown", DEMO_CLIENT_SECRET)),
            json!({"grant_type": "client_credentials"}),
            401,
        ),
        (
            Some((DEMO_CLIENT_ID, DEMO_CLIENT_SECRET)),
            json!({"grant_type": "password"}),
            400,
        ),
        (Some((DEMO_CLIENT_ID, DEMO_CLIENT_SECRET)), json!({}), 400),
        (
            Some((DEMO_CLIENT_ID, DEMO_CLIENT_SECRET)),
            json!({"grant_type": "client_credentials", "audience": "https://api.dintero.com/v1/accounts/T00000000"}),
            400,
        ),
        (
            Some((DEMO_CLIENT_ID, DEMO_CLIENT_SECRET)),
            json!({"grant_type": "client_credentials", "audience": audience}),
            200,
        ),
        (
            Some((DEMO_CLIENT_ID, DEMO_CLIENT_SECRET)),
            json!({"grant_type": "client_credentials"}),
            200,
        ),
    ];
    for (credentials, body, expected) in cases {
        let mut request = http.post(&url).json(&body);
        if let Some((id, secret)) = credentials {
            request = request.basic_auth(id, Some(secret));
        }
        let response = request.send().await.unwrap();
        assert_eq!(
            response.status().as_u16(),
            expected,
            "{credentials:?} {body}"
        );
        let bytes = response.bytes().await.unwrap();
        if expected == 200 {
            decodes_exactly::<types::AccessToken>(&bytes);
        } else {
            decodes_exactly::<types::ErrorResponse>(&bytes);
        }
    }
    // A malformed account id is a 400 naming `aid`.
    let response = http
        .post(format!("{}/accounts/X123/auth/token", fake.base_url()))
        .basic_auth(DEMO_CLIENT_ID, Some(DEMO_CLIENT_SECRET))
        .json(&json!({"grant_type": "client_credentials"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body: types::ErrorResponse = decodes_exactly(&response.bytes().await.unwrap());
    assert_eq!(body.error.errors[0]["field"], "aid");
}

#[tokio::test]
async fn unknown_routes_and_methods_answer_with_dintero_error_bodies() {
    let fake = demo().await;
    let http = reqwest::Client::new();
    let response = http
        .get(format!("{}/nothing/here", fake.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    decodes_exactly::<types::ErrorResponse>(&response.bytes().await.unwrap());
    let response = http
        .get(format!("{}/accounts/{AID}/auth/token", fake.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 405);
    decodes_exactly::<types::ErrorResponse>(&response.bytes().await.unwrap());
}

#[tokio::test]
async fn every_success_response_decodes_exactly_into_the_generated_types() {
    let fake = demo().await;
    let raw = Raw::new(&fake);
    let auth = format!("Bearer {}", raw.token);
    // A fully populated customer survives the round trip too.
    let mut full: types::Customer = serde_json::from_value(json!({
        "type": "company", "customer_id": "full-1", "metadata": {"dob_year": 1985},
        "id": "3c90c3cc-0d44-4b50-8888-8dd25736052a", "created_at": "2023-11-07T05:31:56Z",
        "first_name": "John", "last_name": "Doe", "email": "customer@example.com",
        "phone_number": "+4799999999", "attributes": {"tier": "gold"}, "status": "active",
        "enrolled_by": {"value": "https://facebook.com", "type": "url"},
        "marketing_consent": {"sms": {"consent": true, "updated_at": "2018-01-12T13:42:00Z"}},
        "addresses": [{"address_line": "Sommerkroveien 34", "postal_place": "Oslo", "country": "NO", "latitude": 59.942112}],
        "term": {"id": "3c90c3cc-0d44-4b50-8888-8dd25736052a", "accepted_at": "2023-11-07T05:31:56Z"},
        "company": {"bussiness_name": "TKP tech AS", "organization_number": "123456789MVA"},
        "gender": "male", "date_of_birth": "1990-09-20", "contact_for": [{"customer_id": "x"}]
    }))
    .unwrap();
    full.customer_id = "full-1".into();
    fake.insert_customer(AID, full.clone());

    let (status, body) = raw
        .post(
            &format!("/accounts/{AID}/customers/users/full-1/change_customer_id"),
            Some(&auth),
            json!({"customer_id": "full-2"}),
        )
        .await;
    assert_eq!(status, 200);
    let customer: types::Customer = decodes_exactly(&body);
    assert_eq!(customer.company, full.company);
    assert_eq!(customer.metadata["dob_year"], 1985);

    let (status, body) = raw
        .post(
            &format!("/accounts/{AID}/auth/users/ola@example.com/change_username"),
            Some(&auth),
            json!({"username": "ola.nordmann@example.com"}),
        )
        .await;
    assert_eq!(status, 200);
    decodes_exactly::<types::AuthUser>(&body);
}

#[tokio::test]
async fn token_faults_are_retried_or_reported() {
    let fake = demo().await;
    fake.fail_token_requests(2, 503);
    client(&fake)
        .change_customer_id("crm-17", "crm-a")
        .await
        .unwrap();
    assert_eq!(
        fake.request_count(Operation::Token),
        3,
        "two failures, then a token"
    );

    fake.fail_token_requests(1, 429);
    client(&fake)
        .change_customer_id("crm-a", "crm-b")
        .await
        .unwrap();
    assert_eq!(fake.request_count(Operation::Token), 5);

    fake.fail_token_requests(10, 500);
    let err = client(&fake)
        .change_customer_id("crm-b", "crm-c")
        .await
        .unwrap_err();
    let Error::Token(token) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(token.status(), Some(500));
    assert!(fake.customer(AID, "crm-b").is_some());
}

#[tokio::test]
async fn latency_makes_a_short_timeout_fire() {
    let fake = demo().await;
    fake.set_latency(Duration::from_millis(500));
    let client = fake
        .client_builder()
        .account_id(AID)
        .client_credentials(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET)
        .timeout(Duration::from_millis(100))
        .build()
        .unwrap();
    let err = client
        .change_customer_id("crm-17", "crm-a")
        .await
        .unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    fake.set_latency(Duration::ZERO);
    client.change_customer_id("crm-17", "crm-a").await.unwrap();
}

#[tokio::test]
async fn dropped_requests_and_responses_are_transport_errors() {
    let fake = demo().await;
    let client = client(&fake);
    client.change_customer_id("crm-17", "crm-a").await.unwrap(); // token cached

    fake.drop_requests(1);
    let err = client
        .change_customer_id("crm-a", "crm-b")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
    assert!(
        fake.customer(AID, "crm-a").is_some(),
        "a dropped request changes nothing"
    );

    fake.drop_responses(1);
    let err = client
        .change_customer_id("crm-a", "crm-b")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
    assert!(
        fake.customer(AID, "crm-b").is_some(),
        "the change happened; only the answer was lost"
    );

    // Not retried: the change operation is not idempotent.
    assert_eq!(fake.request_count(Operation::ChangeCustomerId), 2);
    client.change_customer_id("crm-b", "crm-c").await.unwrap();
}

#[tokio::test]
async fn dropping_the_fake_stops_the_server() {
    let fake = demo().await;
    let addr = fake.addr();
    client(&fake)
        .change_customer_id("crm-17", "crm-a")
        .await
        .unwrap();
    drop(fake);
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(tokio::net::TcpStream::connect(addr).await.is_err());
}
