//! Issue 9: responses that grew additively still decode, generated from the spec.
//!
//! For every response schema of the spec's operations (success bodies and the error body),
//! the spec's example is evolved mechanically by `dintero_client::fake::evolve`: an unknown
//! value at every enum, `null` at every optional property, an unknown property in every
//! object, each object with only its required properties. Every body is served by a real
//! loopback HTTP server and decoded by the public client; the decoded value, serialized
//! back, must be what a tolerant reader makes of the body (known fields keep their values,
//! an unknown enum value is kept, `null` reads as absent). Nothing here lists a field or an
//! enum: a value or property added to `openapi/dintero.yaml` is covered as it is.
//!
//! `cargo test --all-features --test evolution -- --nocapture` prints the number of cases.
#![cfg(feature = "fake")]

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::*;
use dintero_client::fake::evolve::{self, DocumentedResponse, Evolution};
use dintero_client::fake::{
    DEMO_ACCOUNT_ID, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, FakeDintero, Operation,
};
use dintero_client::{Dintero, Error, generated, types};
use httpmock::prelude::*;
use serde_json::{Value, json};

/// One body of one documented response, served and decoded through the public client.
struct Case<'a> {
    response: &'a DocumentedResponse,
    body: &'a Value,
}

/// The clients a case may need: operations with a bearer token, the token endpoint with
/// client credentials (through the raw client, which returns the whole `AccessToken`).
struct Clients {
    bearer: Dintero,
    credentials: Dintero,
}

/// Serves the case's body for its operation and returns what the client decoded, as JSON.
async fn decode(server: &MockServer, clients: &Clients, case: &Case<'_>) -> Result<Value, String> {
    let (operation, status) = (case.response.operation_id.as_str(), case.response.status);
    let path = match operation {
        "aid_auths_oauth_token_post" => TOKEN_PATH.to_string(),
        "aid_customers_cid_change_customer_id_post" => customer_path("old"),
        "aid_auth_users_username_change_username_post" => username_path("old"),
        other => panic!("{other}: a new operation needs a call in tests/evolution.rs"),
    };
    let body = case.body.to_string();
    let mock = server
        .mock_async(|when, then| {
            when.method(POST).path(path);
            then.status(status)
                .header("content-type", "application/json")
                .body(body);
        })
        .await;
    let decoded = call(clients, operation).await;
    mock.delete_async().await;
    match decoded {
        Ok((got, value)) if got == status => Ok(value),
        Ok((got, _)) => Err(format!("status {got}, expected {status}")),
        Err(e) => Err(e),
    }
}

/// Calls `operation` and returns the status and the decoded body (success or error).
async fn call(clients: &Clients, operation: &str) -> Result<(u16, Value), String> {
    let bearer = &clients.bearer;
    let decoded = match operation {
        "aid_customers_cid_change_customer_id_post" => bearer
            .change_customer_id("old", "new")
            .await
            .map(|c| to_json(&c)),
        "aid_auth_users_username_change_username_post" => bearer
            .change_username("old", "new")
            .await
            .map(|u| to_json(&u)),
        _ => return raw_token(&clients.credentials).await,
    };
    match decoded {
        Ok(value) => Ok((200, value)),
        Err(Error::Api { status, body }) => Ok((status, to_json(&*body))),
        Err(e) => Err(format!("{e} ({e:?})")),
    }
}

/// The token endpoint through the raw generated client: the whole body, success or error.
async fn raw_token(client: &Dintero) -> Result<(u16, Value), String> {
    let aid = types::AccountId::try_from(AID).unwrap();
    let grant = types::TokenRequest {
        grant_type: types::TokenRequestGrantType::ClientCredentials,
        audience: Some(
            format!("https://api.dintero.com/v1/accounts/{AID}")
                .parse()
                .unwrap(),
        ),
    };
    match client.raw().aid_auths_oauth_token_post(&aid, &grant).await {
        Ok(token) => Ok((token.status().as_u16(), to_json(&token.into_inner()))),
        Err(generated::Error::ErrorResponse(body)) => {
            Ok((body.status().as_u16(), to_json(&body.into_inner())))
        }
        Err(e) => Err(e.to_string()),
    }
}

/// Sends `request` with a JSON body and reads the JSON answer.
async fn exchange(request: reqwest::RequestBuilder, body: Value) -> Value {
    let response = request.json(&body).send().await.expect("the fake answers");
    response.json().await.expect("a JSON body")
}

fn to_json(value: &impl serde::Serialize) -> Value {
    serde_json::to_value(value).expect("generated types serialize")
}

/// JSON as a tolerant reader means it: no `null` members, no empty objects or lists (the
/// generated types skip empty collections when serializing), numbers compared as numbers.
fn meaning(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), meaning(v)))
                .filter(|(_, v)| !is_empty(v))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(meaning).collect()),
        Value::Number(n) => json!(n.as_f64()),
        other => other.clone(),
    }
}

fn is_empty(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Object(map) => map.is_empty(),
        Value::Array(items) => items.is_empty(),
        _ => false,
    }
}

/// The response schemas of the spec: one documented response per operation and schema
/// (every error status of an operation shares the error body).
fn response_schemas() -> Vec<DocumentedResponse> {
    let mut seen = BTreeSet::new();
    evolve::documented_responses()
        .into_iter()
        .filter(|r| seen.insert((r.operation_id.clone(), r.schema.clone())))
        .collect()
}

#[tokio::test]
async fn every_evolved_response_decodes_through_the_client() {
    let server = MockServer::start_async().await;
    let clients = Clients {
        bearer: bearer_client(&server),
        credentials: client(&server),
    };
    let mut failures = Vec::new();
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    let mut total = 0;
    for response in &response_schemas() {
        // The example itself first, then each variant of it.
        let base = (
            String::from("example"),
            response.example.clone(),
            response.example.clone(),
        );
        let variants = evolve::evolve(&response.operation_id, response.status, &response.example)
            .into_iter()
            .map(|v| {
                (
                    format!("{:?} at {:?}", v.evolution, v.at),
                    v.body,
                    v.expected,
                )
            });
        for (what, body, expected) in std::iter::once(base).chain(variants) {
            let case = Case {
                response,
                body: &body,
            };
            total += 1;
            *counts
                .entry(what.split(' ').next().unwrap_or_default().to_string())
                .or_default() += 1;
            let label = format!("{} {} {what}", response.operation_id, response.status);
            match decode(&server, &clients, &case).await {
                Ok(decoded) if meaning(&decoded) == meaning(&expected) => {}
                Ok(decoded) => failures.push(format!(
                    "{label}: known values changed\n  sent     {body}\n  decoded  {decoded}\n  expected {expected}"
                )),
                Err(e) => failures.push(format!("{label}: does not decode: {e}\n  sent {body}")),
            }
        }
    }
    println!("evolution suite: {total} cases through the client over HTTP, by kind: {counts:?}");
    assert!(
        failures.is_empty(),
        "{} of {total} evolved responses failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The derivation covers what the spec declares: every response schema of every operation,
/// every optional property of each top-level schema (read here straight from the YAML), and
/// the two enums responses carry. Guards against a derivation that quietly yields nothing.
#[test]
fn the_cases_cover_the_spec() {
    let spec: Value = serde_yaml_ng::from_str(
        &std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/dintero.yaml"))
            .expect("read openapi/dintero.yaml"),
    )
    .expect("YAML");
    let responses = response_schemas();
    let operations: BTreeSet<&str> = responses.iter().map(|r| r.operation_id.as_str()).collect();
    assert_eq!(operations.len(), 3, "{operations:?}");
    // A success schema and the error schema for each operation.
    assert_eq!(responses.len(), 6, "{responses:?}");

    for response in &responses {
        let variants = evolve::evolve(&response.operation_id, response.status, &response.example);
        let at = |kind: Evolution| -> BTreeSet<String> {
            variants
                .iter()
                .filter(|v| v.evolution == kind)
                .map(|v| v.at.clone())
                .collect()
        };
        let schema = spec
            .pointer(&response.schema)
            .expect("the schema is in the spec");
        let required: BTreeSet<&str> = schema["required"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        let optional: BTreeSet<String> = schema["properties"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(name, _)| name.as_str())
            .filter(|name| !required.contains(name))
            .map(|name| format!("/{name}"))
            .collect();
        assert!(
            optional.is_subset(&at(Evolution::Null)),
            "{}: optional {optional:?}, null cases {:?}",
            response.schema,
            at(Evolution::Null)
        );
        assert!(
            at(Evolution::UnknownProperty).contains(""),
            "{}",
            response.schema
        );
    }

    let enums = |operation: &str| -> BTreeSet<String> {
        let response = responses
            .iter()
            .find(|r| r.operation_id == operation && r.status == 200)
            .unwrap();
        evolve::evolve(operation, 200, &response.example)
            .into_iter()
            .filter(|v| v.evolution == Evolution::UnknownEnumValue)
            .map(|v| v.at)
            .collect()
    };
    assert_eq!(
        enums("aid_customers_cid_change_customer_id_post"),
        BTreeSet::from(["/type".to_string()])
    );
    assert_eq!(
        enums("aid_auth_users_username_change_username_post"),
        BTreeSet::from(["/mfa/oob_channels/0".to_string()])
    );
}

/// An unknown enum value is kept: it serializes back and displays as it came, and the
/// enum's `From<&str>` makes the same value.
#[test]
fn an_unknown_enum_value_round_trips() {
    let customer: types::Customer =
        serde_json::from_value(json!({"type": "prospect", "customer_id": "c"})).unwrap();
    assert_eq!(customer.type_.as_str(), "prospect");
    assert_eq!(customer.type_.to_string(), "prospect");
    assert_eq!(customer.type_, types::CustomerType::from("prospect"));
    assert_eq!(to_json(&customer)["type"], "prospect");
    // A listed value never becomes `Unknown`.
    assert_eq!(
        types::CustomerType::from("company"),
        types::CustomerType::Company
    );
    assert!(matches!(
        types::CustomerType::from("prospect"),
        types::CustomerType::Unknown(_)
    ));
    // What we send stays closed: the request enum refuses an unknown grant.
    assert!(
        serde_json::from_value::<types::TokenRequest>(json!({"grant_type": "password"})).is_err()
    );
}

/// The fake's switch: every response is an evolved one, the client decodes each, and what
/// the fake stores is unchanged.
#[tokio::test]
async fn the_fake_sends_evolved_responses_that_the_client_decodes() {
    let fake = FakeDintero::start().await.unwrap();
    fake.seed_demo();
    let client = fake.demo_client().unwrap();
    let token = fake.issue_token(DEMO_ACCOUNT_ID, DEMO_CLIENT_ID);
    let http = reqwest::Client::new();
    fake.evolve_responses(true);

    let mut current = "crm-17".to_string();
    let (mut unknown_properties, mut nulls) = (0, 0);
    for round in 0..30 {
        // Through the client: decodes, with the required id intact.
        let new = format!("evolved-{round}-a");
        let customer = client.change_customer_id(&current, &new).await.unwrap();
        assert_eq!(customer.customer_id, new);
        current = new;

        // Over raw HTTP: the body on the wire differs from what the fake stores.
        let new = format!("evolved-{round}-b");
        let url = format!(
            "{}/accounts/{DEMO_ACCOUNT_ID}/customers/users/{current}/change_customer_id",
            fake.base_url()
        );
        let raw = exchange(
            http.post(url).bearer_auth(&token),
            json!({"customer_id": new}),
        )
        .await;
        current = new;
        let stored = to_json(&fake.customer(DEMO_ACCOUNT_ID, &current).unwrap());
        assert_ne!(raw, stored, "round {round}: the response was not evolved");
        let text = raw.to_string();
        unknown_properties += usize::from(text.contains("added_by_dintero_later"));
        nulls += usize::from(text.contains("null"));
    }
    assert!(
        unknown_properties > 0 && nulls > 0,
        "{unknown_properties} {nulls}"
    );
    let stored = fake.customer(DEMO_ACCOUNT_ID, &current).unwrap();
    assert_eq!(stored.type_, types::CustomerType::Customer);

    // Off again: the wire carries exactly what the fake stores.
    fake.evolve_responses(false);
    let customer = client.change_customer_id(&current, "plain").await.unwrap();
    assert_eq!(customer, fake.customer(DEMO_ACCOUNT_ID, "plain").unwrap());
}

/// With the switch on, the responses of all three operations are evolved (the token
/// endpoint's, both changes', an error's), the client decodes each, and the fake, which
/// checks every evolved response against the spec read with the additive changes allowed,
/// records no violation.
#[tokio::test]
async fn evolved_responses_of_every_operation_decode_and_meet_the_spec() {
    let fake = FakeDintero::start().await.unwrap();
    fake.seed_demo();
    fake.evolve_responses(true);
    let http = reqwest::Client::new();
    let token_url = format!("{}/accounts/{DEMO_ACCOUNT_ID}/auth/token", fake.base_url());
    let (mut customers, mut users, mut tokens) = (0, 0, 0);
    let mut customer_id = "crm-17".to_string();
    let mut username = "kari@example.com".to_string();
    let rounds = 12;
    for round in 0..rounds {
        // A fresh client: its first call fetches a token, an evolved `AccessToken`.
        let client = fake.demo_client().unwrap();
        let new = format!("crm-evolved-{round}");
        let customer = client.change_customer_id(&customer_id, &new).await.unwrap();
        assert_eq!(customer.customer_id, new);
        let stored = fake.customer(DEMO_ACCOUNT_ID, &new).unwrap();
        customers += usize::from(customer != stored);
        customer_id = new;

        let new = format!("kari.{round}@example.com");
        let user = client.change_username(&username, &new).await.unwrap();
        assert_eq!(user.username, new);
        users += usize::from(user != fake.user(DEMO_ACCOUNT_ID, &new).unwrap());
        username = new;

        // An evolved error body still reads as the error it is.
        match client.change_customer_id("nobody", "somebody").await {
            Err(Error::Api { status: 404, .. }) => {}
            other => panic!("round {round}: {other:?}"),
        }

        // The token endpoint on the wire: more than its three properties, or a `null`.
        let request = http
            .post(&token_url)
            .basic_auth(DEMO_CLIENT_ID, Some(DEMO_CLIENT_SECRET));
        let token = exchange(request, json!({"grant_type": "client_credentials"})).await;
        assert!(token["access_token"].is_string(), "{token}");
        tokens += usize::from(token.as_object().unwrap().len() != 3);
    }
    // Some variants read back as what the fake stores (an unknown property is ignored).
    assert!(
        customers > 0 && users > 0 && tokens == rounds,
        "evolved: {customers} customers, {users} users, {tokens} tokens of {rounds}"
    );
    assert_eq!(fake.request_count(Operation::Token), 2 * rounds);
    assert!(fake.violations().is_empty(), "{:?}", fake.violations());
}

/// Evolved responses are checked, not skipped: data the spec does not allow (a phone
/// number outside its pattern, not an additive change) is still a violation when the
/// response carrying it is evolved.
#[tokio::test]
async fn a_broken_evolved_response_is_still_a_violation() {
    let fake = FakeDintero::start().await.unwrap();
    fake.seed_demo();
    let mut customer = fake.customer(DEMO_ACCOUNT_ID, "crm-17").unwrap();
    customer.phone_number = Some("call me".into());
    fake.insert_customer(DEMO_ACCOUNT_ID, customer);
    fake.evolve_responses(true);
    let client = fake.demo_client().unwrap();
    // Four changes: at most every other variant leaves the phone number out or `null`.
    for (old, new) in [("crm-17", "a"), ("a", "b"), ("b", "c"), ("c", "d")] {
        client.change_customer_id(old, new).await.unwrap();
    }
    let violations = fake.take_violations();
    assert!(!violations.is_empty());
    for violation in &violations {
        assert_eq!(violation.operation, Operation::ChangeCustomerId);
        assert!(
            violation.problem.starts_with("phone_number:")
                && violation.problem.ends_with("(pattern)")
                && !violation.problem.contains("; "),
            "only the phone number breaks the spec: {violation}"
        );
    }
}
