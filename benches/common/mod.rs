//! What both benchmarks share: the loopback server answering the seed's Customer JSON, the
//! three ways of calling it, and a hand-written `Customer` for the raw baseline.
#![allow(dead_code)]

#[path = "../../tests/common_faults/mod.rs"]
pub mod common_faults;

use std::time::Duration;

use common_faults::{Action, CUSTOMER_JSON, Server, json, token_json};
use dintero_client::{DEFAULT_CONNECT_TIMEOUT, DEFAULT_TIMEOUT, Dintero, USER_AGENT, types};
use serde::Deserialize;

pub const ACCOUNT: &str = "T12345678";
pub const TOKEN: &str = "bench-token";

/// Starts the loopback server on its own single-thread runtime (its own OS thread), so the
/// client side gets the rest of the machine and the server costs the same for every variant.
pub fn start_server() -> (Server, tokio::runtime::Runtime) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("bench-server")
        .enable_all()
        .build()
        .unwrap();
    let customer = json(200, CUSTOMER_JSON);
    let server = rt.block_on(Server::start_with(
        move |req| {
            if req.is_token() {
                Action::Reply(token_json(TOKEN, 86_400))
            } else {
                Action::Reply(customer.clone())
            }
        },
        false,
    ));
    (server, rt)
}

/// (a) The baseline: reqwest + serde_json into a hand-written struct, with the same HTTP
/// client settings as the default `Dintero` client and a fixed bearer token.
///
/// Like any correct hand-written client it builds the URL per call and percent-encodes the
/// customer id as one path segment (an id may hold `/`, `?`, `#`, ...); a constant URL would
/// measure a client that cannot change more than one customer.
#[derive(Clone)]
pub struct Raw {
    http: reqwest::Client,
    base: String,
    bearer: String,
}

/// What a path segment must escape (the WHATWG path-segment set, as progenitor uses).
const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}')
    .add(b'/')
    .add(b'%');

#[derive(serde::Serialize)]
struct NewId<'a> {
    customer_id: &'a str,
}

impl Raw {
    pub fn new(server: &Server) -> Self {
        let http = reqwest::Client::builder()
            .connect_timeout(DEFAULT_CONNECT_TIMEOUT)
            .timeout(DEFAULT_TIMEOUT)
            .user_agent(USER_AGENT)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Self {
            http,
            base: server.base_url().to_string(),
            bearer: format!("Bearer {TOKEN}"),
        }
    }

    pub async fn call(&self) -> RawCustomer {
        serde_json::from_slice(&self.send().await).unwrap()
    }

    /// (a') The same request, decoded into the generated `types::Customer` (chrono dates,
    /// UUIDs): isolates what the client machinery costs from what typed decoding costs.
    pub async fn call_typed(&self) -> types::Customer {
        serde_json::from_slice(&self.send().await).unwrap()
    }

    async fn send(&self) -> bytes::Bytes {
        let url = format!(
            "{}/accounts/{ACCOUNT}/customers/users/{}/change_customer_id",
            self.base,
            percent_encoding::utf8_percent_encode("old-id", SEGMENT)
        );
        let response = self
            .http
            .post(url)
            .header(reqwest::header::AUTHORIZATION, &self.bearer)
            .header(reqwest::header::ACCEPT, "application/json")
            .json(&NewId {
                customer_id: "new-id",
            })
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success());
        response.bytes().await.unwrap()
    }
}

/// (b) The generated progenitor method, called with typed arguments built per call.
/// progenitor's client carries this crate's hooks as its inner value and cannot be built
/// without them, so this is `Dintero::raw()`: generated code + hooks, no typed layer.
pub async fn generated(client: &Dintero) -> types::Customer {
    let aid = types::AccountId::try_from(ACCOUNT).unwrap();
    let current = types::AidCustomersCidChangeCustomerIdPostCustomerId::try_from("old-id").unwrap();
    let body = types::CustomerIdUpdate {
        customer_id: Some(types::CustomerIdUpdateCustomerId::try_from("new-id").unwrap()),
    };
    client
        .raw()
        .aid_customers_cid_change_customer_id_post(&aid, &current, &body)
        .await
        .unwrap()
        .into_inner()
}

/// (c) The typed client with a cached client-credentials token.
pub async fn typed(client: &Dintero) -> types::Customer {
    client.change_customer_id("old-id", "new-id").await.unwrap()
}

/// A `Dintero` with client credentials against the server (token fetched on first use).
pub fn dintero(server: &Server) -> Dintero {
    Dintero::builder()
        .account_id(ACCOUNT)
        .client_credentials("bench-id", "bench-secret")
        .base_url(server.base_url())
        .build()
        .unwrap()
}

pub fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

/// The seed's Customer, written by hand as a typical caller would (strings for dates and
/// ids, maps for free-form objects), every field of the response decoded.
#[derive(Debug, Deserialize)]
pub struct RawCustomer {
    #[serde(rename = "type")]
    pub type_: String,
    pub customer_id: String,
    #[serde(default)]
    pub metadata: serde_json::Map<String, serde_json::Value>,
    pub id: Option<String>,
    pub created_at: Option<String>,
    pub created_by: Option<String>,
    pub updated_at: Option<String>,
    pub deleted_by: Option<String>,
    pub deleted_at: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub phone_number: Option<String>,
    #[serde(default)]
    pub attributes: serde_json::Map<String, serde_json::Value>,
    pub status: Option<String>,
    pub favorite_store: Option<String>,
    pub enrolled_by: Option<RawEnrolledBy>,
    pub marketing_consent: Option<RawMarketingConsent>,
    #[serde(default)]
    pub addresses: Vec<RawAddress>,
    pub term: Option<RawTerm>,
    pub company: Option<RawCompany>,
    pub gender: Option<String>,
    pub date_of_birth: Option<String>,
    #[serde(default)]
    pub contact_for: Vec<RawContactFor>,
}

#[derive(Debug, Deserialize)]
pub struct RawEnrolledBy {
    pub value: Option<String>,
    #[serde(rename = "type")]
    pub type_: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct RawMarketingConsent {
    pub sms: Option<RawConsent>,
    pub email: Option<RawConsent>,
}

#[derive(Debug, Deserialize)]
pub struct RawConsent {
    pub consent: Option<bool>,
    pub updated_at: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct RawAddress {
    pub address_line: Option<String>,
    pub postal_place: Option<String>,
    pub country: Option<String>,
    pub address_line_2: Option<String>,
    pub postal_code: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    #[serde(rename = "type")]
    pub type_: Option<String>,
    pub custom_type: Option<String>,
    pub comment: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct RawTerm {
    pub id: Option<String>,
    pub accepted_at: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct RawCompany {
    pub bussiness_name: Option<String>,
    pub organization_number: Option<String>,
    pub department: Option<String>,
    pub industry: Option<String>,
    pub website: Option<String>,
    pub number_of_employees: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct RawContactFor {
    pub customer_id: Option<String>,
}
