//! An in-process, stateful fake of the Dintero API, for demos and for testing services that
//! use this crate. Needs the cargo feature `fake`.
//!
//! [`FakeDintero::start`] serves the three operations of the spec on `127.0.0.1` (a random
//! port) until the handle is dropped:
//!
//! - `POST /accounts/{aid}/auth/token` checks the HTTP Basic client credentials (401), the
//!   grant (`grant_type: client_credentials`, `audience` the account URL; 400) and issues a
//!   JWT-shaped token that lives [`set_token_lifetime`](FakeDintero::set_token_lifetime)
//!   (default 4 hours).
//! - `POST /accounts/{aid}/customers/users/{customer_id}/change_customer_id` and
//!   `POST /accounts/{aid}/auth/users/{username}/change_username` check the bearer token
//!   (401 when missing, unknown or expired; 403 when issued for another account), validate
//!   path and body against the spec's constraints (400), answer 404 for an unknown current
//!   id and 400 when the new id is taken, then apply the change and return the full object.
//!   A customer gets the `dintero_change_customer_id_{timestamp}.{hash}` metadata entry
//!   (`created_at`, `created_by`, `old`, `new`) Dintero adds on every change.
//!
//! Every answer is built from the generated types ([`types::AccessToken`],
//! [`types::Customer`], [`types::AuthUser`], [`types::ErrorResponse`]); every error has
//! Dintero's body `{"error": {"message", "code", "errors"}}`.
//!
//! Fault switches make the unhappy paths testable:
//! [`fail_token_requests`](FakeDintero::fail_token_requests),
//! [`set_latency`](FakeDintero::set_latency),
//! [`drop_requests`](FakeDintero::drop_requests) and
//! [`drop_responses`](FakeDintero::drop_responses).

mod routes;
#[allow(dead_code)] // used by the contract checks and evolved responses, landing next
mod spec;
mod state;

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use axum::http::StatusCode;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::task::{JoinHandle, JoinSet};

use self::state::{Shared, now};
use crate::{Dintero, DinteroBuilder, types};

/// The account id [`FakeDintero::seed_demo`] sets up.
pub const DEMO_ACCOUNT_ID: &str = "T12345678";
/// The client id [`FakeDintero::seed_demo`] sets up.
pub const DEMO_CLIENT_ID: &str = "demo-client";
/// The client secret [`FakeDintero::seed_demo`] sets up (public: it only opens the fake).
pub const DEMO_CLIENT_SECRET: &str = "demo-secret";
/// The customer ids [`FakeDintero::seed_demo`] sets up.
pub const DEMO_CUSTOMER_IDS: [&str; 3] = ["crm-17", "crm-18", "crm-19"];
/// The usernames [`FakeDintero::seed_demo`] sets up.
pub const DEMO_USERNAMES: [&str; 2] = ["kari@example.com", "ola@example.com"];

/// Which operation a request was for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Operation {
    /// `POST /accounts/{aid}/auth/token`.
    Token,
    /// `POST /accounts/{aid}/customers/users/{customer_id}/change_customer_id`.
    ChangeCustomerId,
    /// `POST /accounts/{aid}/auth/users/{username}/change_username`.
    ChangeUsername,
    /// Anything else (answered 404 or 405).
    Other,
}

/// A request the fake answered, as listed by [`FakeDintero::requests`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RecordedRequest {
    /// The operation.
    pub operation: Operation,
    /// The `aid` of the path (empty when the route is unknown).
    pub account_id: String,
    /// The current id of a change (customer id or username), percent-decoded.
    pub target: Option<String>,
    /// The new id of a change, as sent in the body.
    pub new_value: Option<String>,
    /// The status the fake answered with.
    pub status: u16,
}

/// A running fake Dintero. Stops serving when dropped.
///
/// All methods take `&self` and act at once on the running server: seed data, read its
/// state, or flip a fault switch between two calls of the client under test.
#[derive(Debug)]
pub struct FakeDintero {
    shared: Shared,
    addr: SocketAddr,
    server: JoinHandle<()>,
}

impl Drop for FakeDintero {
    fn drop(&mut self) {
        // Aborting the accept loop drops its JoinSet, which aborts every connection task.
        self.server.abort();
    }
}

impl FakeDintero {
    /// Starts a fake on `127.0.0.1` with a random port. It holds no data: seed it with
    /// [`seed_demo`](Self::seed_demo) or the `add_*` methods. Must be called inside a
    /// tokio runtime.
    ///
    /// ```
    /// use dintero_client::fake::FakeDintero;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let fake = FakeDintero::start().await?;
    /// fake.add_client("T12345678", "my-client", "my-secret");
    /// fake.add_customer("T12345678", "crm-17");
    ///
    /// let client = fake
    ///     .client_builder()
    ///     .account_id("T12345678")
    ///     .client_credentials("my-client", "my-secret")
    ///     .build()?;
    /// let customer = client.change_customer_id("crm-17", "crm-2024-17").await?;
    /// assert_eq!(customer.customer_id, "crm-2024-17");
    /// assert!(fake.customer("T12345678", "crm-17").is_none());
    /// # Ok(()) }
    /// ```
    pub async fn start() -> io::Result<Self> {
        let listener = TcpListener::bind((std::net::Ipv4Addr::LOCALHOST, 0)).await?;
        let addr = listener.local_addr()?;
        let shared = Shared::new();
        let router = routes::router(shared.clone());
        let server = tokio::spawn(serve(listener, router, shared.clone()));
        Ok(Self {
            shared,
            addr,
            server,
        })
    }

    /// The base URL to give a client: `http://127.0.0.1:<port>/v1`.
    pub fn base_url(&self) -> String {
        format!("http://{}/v1", self.addr)
    }

    /// The address the fake listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// A [`Dintero`] builder pointed at this fake; add the account and credentials.
    pub fn client_builder(&self) -> DinteroBuilder {
        Dintero::builder().base_url(self.base_url())
    }

    /// A client for the demo account, with the demo client credentials (call
    /// [`seed_demo`](Self::seed_demo) first): the first call fetches a token.
    pub fn demo_client(&self) -> Result<Dintero, crate::Error> {
        self.client_builder()
            .account_id(DEMO_ACCOUNT_ID)
            .client_credentials(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET)
            .build()
    }

    /// Seeds a small demo account: [`DEMO_ACCOUNT_ID`] with the client
    /// [`DEMO_CLIENT_ID`] / [`DEMO_CLIENT_SECRET`], the customers [`DEMO_CUSTOMER_IDS`] and
    /// the users [`DEMO_USERNAMES`].
    pub fn seed_demo(&self) {
        self.add_client(DEMO_ACCOUNT_ID, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET);
        let people = [
            ("Kari", "Nordmann", "kari@example.com"),
            ("Ola", "Nordmann", "ola@example.com"),
            ("Per", "Hansen", "per@example.com"),
        ];
        for (customer_id, (first, last, email)) in DEMO_CUSTOMER_IDS.iter().zip(people) {
            let mut customer = self.new_customer(customer_id);
            customer.first_name = Some(first.into());
            customer.last_name = Some(last.into());
            customer.email = Some(email.into());
            customer.phone_number = Some("+4799999999".into());
            self.insert_customer(DEMO_ACCOUNT_ID, customer);
        }
        for username in DEMO_USERNAMES {
            self.add_user(DEMO_ACCOUNT_ID, username);
        }
    }

    /// Registers API client credentials for an account (the account is created on first
    /// use). A token request with them succeeds.
    pub fn add_client(&self, account_id: &str, client_id: &str, client_secret: &str) {
        self.shared
            .lock()
            .account(account_id)
            .clients
            .insert(client_id.to_string(), client_secret.to_string());
    }

    /// Adds a customer of type `customer` with a fresh `id` and timestamps, and returns it.
    /// Replaces a customer with the same `customer_id`.
    pub fn add_customer(&self, account_id: &str, customer_id: &str) -> types::Customer {
        let customer = self.new_customer(customer_id);
        self.insert_customer(account_id, customer.clone());
        customer
    }

    /// Adds (or replaces) a customer exactly as given, keyed by its `customer_id`.
    pub fn insert_customer(&self, account_id: &str, customer: types::Customer) {
        self.shared
            .lock()
            .account(account_id)
            .customers
            .insert(customer.customer_id.clone(), customer);
    }

    /// Adds an auth user with a fresh `id` and timestamps, and returns it. Replaces a user
    /// with the same username.
    pub fn add_user(&self, account_id: &str, username: &str) -> types::AuthUser {
        let mut state = self.shared.lock();
        let created = now();
        let user = types::AuthUser {
            created_at: Some(created),
            created_by: Some("fake-dintero".into()),
            deleted_at: None,
            deleted_by: None,
            id: Some(state.uuid()),
            links: Vec::new(),
            mfa: None,
            updated_at: Some(created),
            username: username.to_string(),
        };
        state
            .account(account_id)
            .users
            .insert(username.to_string(), user.clone());
        user
    }

    /// Adds (or replaces) an auth user exactly as given, keyed by its `username`.
    pub fn insert_user(&self, account_id: &str, user: types::AuthUser) {
        self.shared
            .lock()
            .account(account_id)
            .users
            .insert(user.username.clone(), user);
    }

    /// The customer with this `customer_id`, as the fake holds it now.
    pub fn customer(&self, account_id: &str, customer_id: &str) -> Option<types::Customer> {
        let state = self.shared.lock();
        state
            .accounts
            .get(account_id)?
            .customers
            .get(customer_id)
            .cloned()
    }

    /// All customers of an account, in no particular order.
    pub fn customers(&self, account_id: &str) -> Vec<types::Customer> {
        let state = self.shared.lock();
        state
            .accounts
            .get(account_id)
            .map(|a| a.customers.values().cloned().collect())
            .unwrap_or_default()
    }

    /// The user with this username, as the fake holds it now.
    pub fn user(&self, account_id: &str, username: &str) -> Option<types::AuthUser> {
        let state = self.shared.lock();
        state.accounts.get(account_id)?.users.get(username).cloned()
    }

    /// Issues a token directly (no HTTP), for clients configured with
    /// [`DinteroBuilder::bearer_token`]. The client needs no registered secret.
    pub fn issue_token(&self, account_id: &str, client_id: &str) -> String {
        self.shared
            .lock()
            .issue_token(account_id, client_id)
            .access_token
    }

    /// The lifetime of tokens issued from now on (default 4 hours). `expires_in` is its
    /// whole seconds; the token stops working after the exact duration.
    pub fn set_token_lifetime(&self, lifetime: Duration) {
        self.shared.lock().token_lifetime = lifetime;
    }

    /// Expires every token issued so far, as if they had all reached their lifetime.
    pub fn expire_tokens(&self) {
        let now = tokio::time::Instant::now();
        for issued in self.shared.lock().tokens.values_mut() {
            issued.expires_at = now;
        }
    }

    /// Fails the next `count` token requests with `status` (a 429 carries
    /// `Retry-After: 0`) and Dintero's error body, before checking anything else.
    ///
    /// # Panics
    ///
    /// If `status` is not a valid HTTP status code (100 to 999).
    pub fn fail_token_requests(&self, count: u32, status: u16) {
        let status = StatusCode::from_u16(status).expect("a valid HTTP status code");
        self.shared.lock().faults.token_failures = Some((count, status));
    }

    /// Waits this long before answering each request (default none).
    pub fn set_latency(&self, latency: Duration) {
        self.shared.lock().faults.latency = latency;
    }

    /// Closes the connection of each of the next `count` requests without handling it or
    /// answering: the change is not applied. Such requests are not recorded.
    pub fn drop_requests(&self, count: u32) {
        self.shared.lock().faults.drop_requests = count;
    }

    /// Handles each of the next `count` requests (a change is applied and recorded), then
    /// closes the connection without sending the response: the lost-response case.
    pub fn drop_responses(&self, count: u32) {
        self.shared.lock().faults.drop_responses = count;
    }

    /// Every request the fake handled so far, oldest first.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.lock().log.clone()
    }

    /// How many requests for `operation` the fake handled so far.
    pub fn request_count(&self, operation: Operation) -> usize {
        let state = self.shared.lock();
        state
            .log
            .iter()
            .filter(|r| r.operation == operation)
            .count()
    }

    fn new_customer(&self, customer_id: &str) -> types::Customer {
        let created = now();
        let id = self.shared.lock().uuid();
        types::Customer {
            addresses: Vec::new(),
            attributes: serde_json::Map::new(),
            company: None,
            contact_for: Vec::new(),
            created_at: Some(created),
            created_by: Some("fake-dintero".into()),
            customer_id: customer_id.to_string(),
            date_of_birth: None,
            deleted_at: None,
            deleted_by: None,
            email: None,
            enrolled_by: None,
            favorite_store: None,
            first_name: None,
            gender: None,
            id: Some(id),
            last_name: None,
            marketing_consent: None,
            metadata: serde_json::Map::new(),
            phone_number: None,
            status: None,
            term: None,
            type_: types::CustomerType::Customer,
            updated_at: Some(created),
        }
    }
}

/// The fault a request meets before the router sees it.
enum Before {
    Serve(Duration),
    Drop,
}

/// Accepts connections until aborted; each connection is served by hyper's HTTP/1 server
/// in a task of `connections`, so aborting this future ends them all.
async fn serve(listener: TcpListener, router: axum::Router, shared: Shared) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let stream = match accepted {
                    Ok((stream, _)) => stream,
                    Err(e) => {
                        // Out of file descriptors and the like: back off, keep serving.
                        tracing::warn!(error = %e, "fake Dintero: accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let service = fault_service(router.clone(), shared.clone());
                connections.spawn(async move {
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

/// The router behind the transport faults: latency, and dropped requests or responses.
///
/// A service error makes hyper close the connection without writing a response.
fn fault_service(
    router: axum::Router,
    shared: Shared,
) -> impl hyper::service::Service<
    hyper::Request<hyper::body::Incoming>,
    Response = axum::response::Response,
    Error = io::Error,
    Future = impl Future<Output = io::Result<axum::response::Response>> + Send,
> + Clone {
    let router = TowerToHyperService::new(router);
    hyper::service::service_fn(move |request| {
        let router = router.clone();
        let shared = shared.clone();
        async move {
            let before = {
                let mut state = shared.lock();
                if state.faults.drop_requests > 0 {
                    state.faults.drop_requests -= 1;
                    Before::Drop
                } else {
                    Before::Serve(state.faults.latency)
                }
            };
            match before {
                Before::Drop => return Err(io::Error::other("fault: request dropped")),
                Before::Serve(latency) if !latency.is_zero() => tokio::time::sleep(latency).await,
                Before::Serve(_) => {}
            }
            let response = hyper::service::Service::call(&router, request)
                .await
                .unwrap_or_else(|never| match never {});
            let drop_response = {
                let mut state = shared.lock();
                let drop = state.faults.drop_responses > 0;
                if drop {
                    state.faults.drop_responses -= 1;
                }
                drop
            };
            if drop_response {
                return Err(io::Error::other("fault: response dropped"));
            }
            Ok(response)
        }
    })
}
