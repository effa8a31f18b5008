//! An in-process, stateful fake of the Dintero API, for demos and for testing services that
//! use this crate (and, through `dintero fake`, services in any language). Needs the cargo
//! feature `fake`.
//!
//! [`FakeDintero::start`] serves the three operations of the spec on `127.0.0.1` (a random
//! port) until the handle is dropped or [shut down](FakeDintero::shutdown):
//!
//! - `POST /accounts/{aid}/auth/token` checks the HTTP Basic client credentials (401) and
//!   the grant, and issues a JWT-shaped token that lives
//!   [`set_token_lifetime`](FakeDintero::set_token_lifetime) (default 4 hours). An
//!   `audience` naming another account than the path is refused with 403.
//! - `POST /accounts/{aid}/customers/users/{customer_id}/change_customer_id` and
//!   `POST /accounts/{aid}/auth/users/{username}/change_username` check the bearer token
//!   (401 when missing, unknown or expired; 403 when issued for another account), answer
//!   404 for an unknown current id and 400 when the new id is taken, then apply the change
//!   and return the full object. A customer gets the
//!   `dintero_change_customer_id_{timestamp}.{hash}` metadata entry (`created_at`,
//!   `created_by`, `old`, `new`) Dintero adds on every change; a body without
//!   `customer_id` gets a generated one, as the spec documents.
//!
//! # The contract, checked both ways
//!
//! Every request is checked against `openapi/dintero.yaml` itself (path parameters, media
//! type, body schema; a JSON Schema validator with the spec's `$ref`s resolved), not with
//! the client's validation code: a request that breaks a rule gets Dintero's 400 body
//! naming the field (`errors[].field`, `errors[].in`) and the rule (`errors[].rule`, the
//! schema keyword). Every response is checked too, before it is sent; one that breaks the
//! spec is a bug in the fake, recorded as a [`Violation`]. Dropping a fake that recorded
//! one panics (see [`violations`](FakeDintero::violations)), so no test can miss it.
//!
//! # Fault switches
//!
//! [`set_rate_limit`](FakeDintero::set_rate_limit) (429 with `Retry-After`),
//! [`fail_requests`](FakeDintero::fail_requests) and
//! [`set_unavailable_bursts`](FakeDintero::set_unavailable_bursts) (503 bursts),
//! [`fail_token_requests`](FakeDintero::fail_token_requests),
//! [`set_latency`](FakeDintero::set_latency),
//! [`drop_requests`](FakeDintero::drop_requests),
//! [`drop_responses`](FakeDintero::drop_responses) and
//! [`set_dropped_responses`](FakeDintero::set_dropped_responses) (recurring).
//! [`max_in_flight`](FakeDintero::max_in_flight) tells how many requests a client had in
//! flight at most.
//!
//! # Evolved responses
//!
//! [`evolve_responses`](FakeDintero::evolve_responses) makes every response one that a
//! newer Dintero may send (see [`evolve`]): an unknown enum value, `null` in an optional
//! property, an undeclared property, only the required properties. Such a response is
//! checked against the spec as a tolerant client reads it (those additive changes allowed,
//! in the schemas the generator decodes tolerantly); a missing required property or a
//! changed type is still a [`Violation`].

mod contract;
mod error;
pub mod evolve;
mod faults;
mod in_flight;
mod routes;
mod schema;
mod seed;
mod server;
mod spec;
mod state;
mod switches;
mod violations;

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::task::JoinHandle;

pub use self::faults::Burst;
pub use self::seed::{Seed, SeedClient, SeedError};
use self::state::Shared;
pub use self::violations::Violation;
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

impl Operation {
    /// The spec's `operationId` of this operation (`None` for [`Operation::Other`]).
    pub fn operation_id(self) -> Option<&'static str> {
        match self {
            Self::Token => Some("aid_auths_oauth_token_post"),
            Self::ChangeCustomerId => Some("aid_customers_cid_change_customer_id_post"),
            Self::ChangeUsername => Some("aid_auth_users_username_change_username_post"),
            Self::Other => None,
        }
    }
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
    /// When the fake handled it: after any [latency](FakeDintero::set_latency), when the
    /// rate limit and the operation's rules met it.
    pub at: tokio::time::Instant,
}

/// A running fake Dintero. Stops serving when dropped or [shut down](Self::shutdown).
///
/// All methods take `&self` and act at once on the running server: seed data, read its
/// state, or flip a fault switch between two calls of the client under test.
///
/// # Panics
///
/// Dropping a fake that sent a response breaking the spec panics, listing the
/// [`violations`](Self::violations), unless the thread is already panicking or they were
/// [taken](Self::take_violations): the fake's answers are what tests rely on.
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
        let violations = std::mem::take(&mut self.shared.lock().violations);
        if !violations.is_empty() && !std::thread::panicking() {
            panic!("{}", violations::report(&violations));
        }
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
        Self::start_on(SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).await
    }

    /// Starts a fake listening on `addr` (port 0 picks a free port). Like
    /// [`start`](Self::start) otherwise; the caller decides whether a non-loopback address
    /// is wise (the fake has no real security).
    pub async fn start_on(addr: SocketAddr) -> io::Result<Self> {
        // Compile the contract now, not on the first request (tens of ms in debug builds,
        // which would eat into a test's short client timeout).
        contract::contract();
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let shared = Shared::new();
        let router = routes::router(shared.clone());
        let server = tokio::spawn(server::serve(listener, router, shared.clone()));
        Ok(Self {
            shared,
            addr,
            server,
        })
    }

    /// Stops serving and waits until the port is closed: when this returns, a new
    /// connection is refused. (Dropping the fake stops it too, but without waiting.)
    ///
    /// # Panics
    ///
    /// As dropping does, when responses broke the spec.
    pub async fn shutdown(mut self) {
        self.server.abort();
        // The accept loop (and with it the listener) is gone once the aborted task is.
        let _ = (&mut self.server).await;
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
        self.seed_demo_account(DEMO_ACCOUNT_ID);
    }

    /// Seeds the demo data of [`seed_demo`](Self::seed_demo) into another account.
    pub fn seed_demo_account(&self, account_id: &str) {
        self.add_client(account_id, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET);
        let people = [
            ("Kari", "Nordmann", "kari@example.com"),
            ("Ola", "Nordmann", "ola@example.com"),
            ("Per", "Hansen", "per@example.com"),
        ];
        for (customer_id, (first, last, email)) in DEMO_CUSTOMER_IDS.iter().zip(people) {
            let mut customer = self.shared.lock().new_customer(customer_id);
            customer.first_name = Some(first.into());
            customer.last_name = Some(last.into());
            customer.email = Some(email.into());
            customer.phone_number = Some("+4799999999".into());
            self.insert_customer(account_id, customer);
        }
        for username in DEMO_USERNAMES {
            self.add_user(account_id, username);
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
        let customer = self.shared.lock().new_customer(customer_id);
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
        let user = state.new_user(username);
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
}
