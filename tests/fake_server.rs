//! The embedded fake Dintero, exercised through the real `Dintero` client and through raw
//! HTTP: tokens, authentication, validation, 404, taken ids, metadata, faults, and proof
//! that every answer decodes into the generated types.
#![cfg(feature = "fake")]

use std::time::Duration;

use dintero_client::fake::{
    DEMO_ACCOUNT_ID, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, FakeDintero, Operation, Seed, SeedError,
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

/// A client that sends `token` as its bearer token.
fn bearer_client(fake: &FakeDintero, token: &str) -> Dintero {
    fake.client_builder()
        .account_id(AID)
        .bearer_token(token)
        .build()
        .expect("client builds")
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
async fn taken_new_id_is_409_conflict_and_changes_nothing() {
    let fake = demo().await;
    let err = client(&fake)
        .change_customer_id("crm-17", "crm-18")
        .await
        .unwrap_err();
    assert_eq!(api_status(&err), 409);
    let Error::Api { body, .. } = &err else {
        unreachable!()
    };
    assert!(
        body.error.message.contains("already exists"),
        "{}",
        body.error.message
    );
    assert_eq!(body.error.code.as_deref(), Some("CONFLICT"));
    assert_eq!(body.error.errors[0]["field"], "customer_id");
    assert_eq!(body.error.errors[0]["rule"], "unique");
    assert!(fake.customer(AID, "crm-17").is_some());
    assert!(fake.customer(AID, "crm-18").unwrap().metadata.is_empty());

    let err = client(&fake)
        .change_username("kari@example.com", "ola@example.com")
        .await
        .unwrap_err();
    assert_eq!(api_status(&err), 409);
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
    let with_token = |token: &str| bearer_client(&fake, token);

    let err = with_token("not-a-token")
        .change_customer_id("crm-17", "x")
        .await
        .unwrap_err();
    assert_eq!(api_status(&err), 401);

    let token = fake.issue_token(AID, DEMO_CLIENT_ID);
    let client = with_token(&token);
    client.change_customer_id("crm-17", "crm-a").await.unwrap();
    fake.expire_tokens();
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

    // The token stops working after exactly its lifetime: with none, at once. (The
    // client's refresh ahead of expiry is tested on paused time in client_tokens.rs.)
    fake.set_token_lifetime(Duration::ZERO);
    let token = fake.issue_token(AID, DEMO_CLIENT_ID);
    let err = bearer_client(&fake, &token)
        .change_customer_id("crm-17", "crm-a")
        .await
        .unwrap_err();
    assert_eq!(api_status(&err), 401);
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

/// The first detail of a 400: (field, in, rule).
fn rule(body: &types::ErrorResponse) -> (String, String, String) {
    let detail = &body.error.errors[0];
    let text = |key: &str| detail[key].as_str().unwrap_or_default().to_string();
    (text("field"), text("in"), text("rule"))
}

#[tokio::test]
async fn requests_are_checked_against_the_spec_naming_the_field_and_the_rule() {
    let fake = demo().await;
    let raw = Raw::new(&fake);

    let cases = [
        (json!({"customer_id": "crm-99 "}), "customer_id", "pattern"),
        (json!({"customer_id": "\tcrm-99"}), "customer_id", "pattern"),
        (json!({"customer_id": ""}), "customer_id", "minLength"),
        (
            json!({"customer_id": "x".repeat(256)}),
            "customer_id",
            "maxLength",
        ),
        (json!({"customer_id": 5}), "customer_id", "type"),
        (json!({"customer_id": null}), "customer_id", "type"),
        (json!([1]), "body", "type"),
    ];
    for (bad, field, expected_rule) in cases {
        let (status, body) = raw.change_customer("crm-17", bad.clone()).await;
        assert_eq!(status, 400, "{bad}");
        assert_eq!(body.error.code.as_deref(), Some("BAD_REQUEST"));
        assert_eq!(
            rule(&body),
            (field.into(), "body".into(), expected_rule.into()),
            "{bad}"
        );
        assert!(
            body.error.message.contains(expected_rule),
            "{}",
            body.error.message
        );
    }
    // Characters, not bytes: 255 two-byte characters are fine, and so is white space inside.
    for good in ["ø".repeat(255), "crm 99".into()] {
        fake.add_customer(AID, "crm-max");
        let (status, _) = raw
            .post(
                &format!("/accounts/{AID}/customers/users/crm-max/change_customer_id"),
                Some(&format!("Bearer {}", raw.token)),
                json!({"customer_id": good}),
            )
            .await;
        assert_eq!(status, 200, "{good}");
    }
    let (status, body) = raw
        .change_customer(&"x".repeat(256), json!({"customer_id": "y"}))
        .await;
    assert_eq!(status, 400);
    assert_eq!(
        rule(&body),
        ("customer_id".into(), "path".into(), "maxLength".into())
    );

    let path = format!("/accounts/{AID}/auth/users/ola@example.com/change_username");
    let auth = format!("Bearer {}", raw.token);
    for (bad, expected_rule) in [
        (json!({"username": ""}), "minLength"),
        (json!({}), "required"),
        (json!({"username": "u".repeat(256)}), "maxLength"),
    ] {
        let (status, body) = raw.post(&path, Some(&auth), bad.clone()).await;
        assert_eq!(status, 400, "{bad}");
        let body: types::ErrorResponse = decodes_exactly(&body);
        assert_eq!(
            rule(&body),
            ("username".into(), "body".into(), expected_rule.into())
        );
    }

    // Not JSON, and no content type: the spec documents only application/json.
    let response = reqwest::Client::new()
        .post(format!("{}{path}", fake.base_url()))
        .header("authorization", &auth)
        .body("username=x")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body: types::ErrorResponse = decodes_exactly(&response.bytes().await.unwrap());
    assert_eq!(
        rule(&body),
        ("Content-Type".into(), "header".into(), "content".into())
    );
    assert!(fake.user(AID, "ola@example.com").is_some());
    assert_eq!(fake.customer(AID, "crm-17").unwrap().customer_id, "crm-17");
}

#[tokio::test]
async fn what_the_spec_allows_the_fake_accepts() {
    let fake = demo().await;
    let raw = Raw::new(&fake);
    let auth = format!("Bearer {}", raw.token);

    // No customer_id: the spec documents an auto-generated one.
    let path = format!("/accounts/{AID}/customers/users/crm-17/change_customer_id");
    let (status, body) = raw.post(&path, Some(&auth), json!({})).await;
    assert_eq!(status, 200);
    let customer: types::Customer = decodes_exactly(&body);
    assert!(
        uuid::Uuid::try_parse(&customer.customer_id).is_ok(),
        "{}",
        customer.customer_id
    );
    assert!(fake.customer(AID, "crm-17").is_none());
    assert_eq!(fake.customer(AID, &customer.customer_id).unwrap(), customer);

    // Properties the spec does not list are not forbidden by it.
    let path = format!("/accounts/{AID}/auth/users/ola@example.com/change_username");
    let body = json!({"username": "ola.n@example.com", "note": "from a newer client"});
    let (status, _) = raw.post(&path, Some(&auth), body).await;
    assert_eq!(status, 200);
    assert!(fake.violations().is_empty());
}

#[tokio::test]
async fn the_token_endpoint_checks_credentials_grant_and_audience() {
    let fake = demo().await;
    let url = format!("{}/accounts/{AID}/auth/token", fake.base_url());
    let http = reqwest::Client::new();
    let audience = format!("https://api.dintero.com/v1/accounts/{AID}");
    let ours = Some((DEMO_CLIENT_ID, DEMO_CLIENT_SECRET));
    let grant = json!({"grant_type": "client_credentials"});
    let cases = [
        (None, grant.clone(), 401),
        (Some((DEMO_CLIENT_ID, "nope")), grant.clone(), 401),
        (Some(("unknown", DEMO_CLIENT_SECRET)), grant.clone(), 401),
        (ours, json!({"grant_type": "password"}), 400),
        (ours, json!({}), 400),
        (
            ours,
            json!({"grant_type": "client_credentials", "audience": "anything"}),
            400,
        ),
        // A well-formed audience for another account: not granted.
        (
            ours,
            json!({"grant_type": "client_credentials", "audience": "https://api.dintero.com/v1/accounts/T00000000"}),
            403,
        ),
        (
            ours,
            json!({"grant_type": "client_credentials", "audience": audience}),
            200,
        ),
        (ours, grant.clone(), 200),
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
    // A malformed account id is a 400 naming `aid` and its pattern.
    let response = http
        .post(format!("{}/accounts/X123/auth/token", fake.base_url()))
        .basic_auth(DEMO_CLIENT_ID, Some(DEMO_CLIENT_SECRET))
        .json(&grant)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body: types::ErrorResponse = decodes_exactly(&response.bytes().await.unwrap());
    assert_eq!(rule(&body).0, "aid");
    assert_eq!(rule(&body).1, "path");
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
async fn shutdown_closes_the_port_before_it_returns() {
    let fake = demo().await;
    let addr = fake.addr();
    client(&fake)
        .change_customer_id("crm-17", "crm-a")
        .await
        .unwrap();
    // No sleep: `shutdown` returns once the listener is gone, so this cannot race.
    fake.shutdown().await;
    assert!(tokio::net::TcpStream::connect(addr).await.is_err());
}

#[tokio::test]
async fn dropping_the_fake_stops_the_server() {
    let fake = demo().await;
    let addr = fake.addr();
    drop(fake);
    // Drop cannot wait for the aborted server task; the port closes as soon as the runtime
    // runs it. Poll with a generous bound instead of guessing a sleep.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while tokio::net::TcpStream::connect(addr).await.is_ok() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "still serving after 5 s"
        );
        tokio::task::yield_now().await;
    }
}

/// Sends `n` change requests over raw HTTP (no client retries in the way); their statuses
/// and `Retry-After` headers.
async fn raw_changes(fake: &FakeDintero, n: usize) -> Vec<(u16, Option<String>)> {
    let raw = Raw::new(fake);
    let mut seen = Vec::new();
    for i in 0..n {
        let path = format!("/accounts/{AID}/customers/users/nobody-{i}/change_customer_id");
        let response = raw
            .http
            .post(format!("{}{path}", raw.base))
            .bearer_auth(&raw.token)
            .json(&json!({"customer_id": "x"}))
            .send()
            .await
            .unwrap();
        let retry_after = response
            .headers()
            .get("retry-after")
            .map(|v| v.to_str().unwrap().to_string());
        let status = response.status().as_u16();
        decodes_exactly::<types::ErrorResponse>(&response.bytes().await.unwrap());
        seen.push((status, retry_after));
    }
    seen
}

#[tokio::test]
async fn the_rate_limit_answers_429_with_retry_after_per_account() {
    let fake = demo().await;
    // One request per second: the first passes (404: the customer does not exist), the
    // next ones within that second get 429 (the exact bucket arithmetic is unit-tested on
    // a controlled clock; a loose bound keeps this one free of timing races).
    fake.set_rate_limit(1);
    let seen = raw_changes(&fake, 4).await;
    assert_eq!(seen[0], (404, None));
    assert_eq!(seen[1..], vec![(429, Some("1".into())); 3]);
    assert_eq!(fake.request_count(Operation::ChangeCustomerId), 4);

    // Another account has its own budget.
    let other = "T00000001";
    let response = reqwest::Client::new()
        .post(format!(
            "{}/accounts/{other}/customers/users/a/change_customer_id",
            fake.base_url()
        ))
        .bearer_auth(fake.issue_token(other, "other"))
        .json(&json!({"customer_id": "b"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);

    fake.set_rate_limit(0);
    assert!(raw_changes(&fake, 3).await.iter().all(|(s, _)| *s == 404));
}

#[tokio::test]
async fn unavailable_bursts_and_one_off_failures_answer_503() {
    let fake = demo().await;
    fake.set_unavailable_bursts(Some("2/4".parse().unwrap()));
    let statuses: Vec<u16> = raw_changes(&fake, 8)
        .await
        .into_iter()
        .map(|s| s.0)
        .collect();
    assert_eq!(statuses, [404, 404, 503, 503, 404, 404, 503, 503]);
    fake.set_unavailable_bursts(None);

    fake.fail_requests(2, 503);
    let statuses: Vec<u16> = raw_changes(&fake, 3)
        .await
        .into_iter()
        .map(|s| s.0)
        .collect();
    assert_eq!(statuses, [503, 503, 404]);
    assert!(fake.customer(AID, "crm-17").is_some());
}

#[tokio::test]
async fn a_response_that_breaks_the_spec_is_recorded_as_a_violation() {
    let fake = demo().await;
    // Data the spec does not allow: a phone number outside its pattern.
    let mut customer = fake.customer(AID, "crm-17").unwrap();
    customer.phone_number = Some("call me".into());
    fake.insert_customer(AID, customer);
    client(&fake)
        .change_customer_id("crm-17", "crm-a")
        .await
        .unwrap();
    let violations = fake.violations();
    assert_eq!(violations.len(), 1, "{violations:?}");
    assert_eq!(violations[0].operation, Operation::ChangeCustomerId);
    assert_eq!(violations[0].status, 200);
    assert!(
        violations[0].problem.contains("phone_number"),
        "{}",
        violations[0]
    );
    assert!(
        violations[0].problem.contains("pattern"),
        "{}",
        violations[0]
    );
    assert!(
        !violations[0].problem.contains("call me"),
        "values are not shown"
    );
    // Taken: dropping the fake now does not panic.
    assert_eq!(fake.take_violations(), violations);
    assert!(fake.violations().is_empty());
}

#[test]
#[should_panic(expected = "break the spec")]
fn dropping_a_fake_with_violations_panics() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let fake = demo().await;
        let mut customer = fake.customer(AID, "crm-17").unwrap();
        customer.id = None;
        customer.created_at = None;
        customer.phone_number = Some("0".into());
        fake.insert_customer(AID, customer);
        let _ = client(&fake).change_customer_id("crm-17", "crm-a").await;
        drop(fake);
    });
}

#[tokio::test]
async fn a_seed_loads_clients_customers_and_users_checked_by_the_spec() {
    let fake = FakeDintero::start().await.unwrap();
    let seed = Seed::from_json(
        &json!({
            "account_id": "T22223333",
            "clients": [{"client_id": "svc", "client_secret": "s3"}],
            "customers": [
                {"customer_id": "c-1", "email": "c1@example.com", "type": "company"},
                {"customer_id": "c-2", "account_id": "T44445555"}
            ],
            "users": [{"username": "u@example.com"}]
        })
        .to_string(),
    )
    .unwrap();
    fake.load_seed(&seed).unwrap();
    let c1 = fake.customer("T22223333", "c-1").unwrap();
    assert_eq!(c1.type_, types::CustomerType::Company);
    assert!(c1.id.is_some() && c1.created_at.is_some());
    assert!(fake.customer("T44445555", "c-2").is_some());
    let client = fake
        .client_builder()
        .account_id("T22223333")
        .client_credentials("svc", "s3")
        .build()
        .unwrap();
    let user = client
        .change_username("u@example.com", "v@example.com")
        .await
        .unwrap();
    assert_eq!(user.username, "v@example.com");

    // One bad object: nothing of the seed is loaded, and the error names it.
    let bad = Seed::from_json(
        r#"{"customers": [{"customer_id": "ok"}, {"customer_id": "c-3", "phone_number": "x"}]}"#,
    )
    .unwrap();
    let err = fake.load_seed(&bad).unwrap_err();
    assert!(
        matches!(
            err,
            SeedError::Invalid {
                what: "customer",
                index: 1,
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("phone_number"), "{err}");
    assert!(fake.customer(DEMO_ACCOUNT_ID, "ok").is_none());
    assert!(Seed::from_json(r#"{"customers": [], "extra": 1}"#).is_err());
}
