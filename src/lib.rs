//! Spec-faithful types and a safe, typed client for Dintero's Customers and Auth APIs.
//!
//! The types in [`types`] and the raw client in [`generated`] are generated at build time
//! by progenitor from the hand-written OpenAPI 3.0.3 spec in `openapi/dintero.yaml`.
//! [`Dintero`] sits on top: it validates arguments before anything is sent, fetches and
//! refreshes client-credentials tokens, retries only what provably was not processed
//! (within a [`RetryBudget`] and a per-call deadline), and returns one typed [`Error`]
//! that says whether a failed change may have been applied ([`Error::outcome`]).
//!
//! ```no_run
//! # async fn run() -> Result<(), dintero_client::Error> {
//! use dintero_client::{Dintero, Error};
//!
//! let client = Dintero::builder()
//!     .account_id("T12345678")
//!     .client_credentials("client-id", "client-secret")
//!     .build()?;
//! let customer = client.change_customer_id("old-id", "new-id").await?;
//! let user = client.change_username("old@example.com", "new@example.com").await?;
//! # Ok(()) }
//! ```
#![deny(missing_docs)]

mod client;
mod credentials;
mod deadline;
mod error;
#[cfg(feature = "fake")]
pub mod fake;
pub mod generated;
mod hooks;
mod path_guard;
mod retry;
mod token;
mod validate;
mod wire;

pub use client::{
    DEFAULT_BASE_URL, DEFAULT_CONNECT_TIMEOUT, DEFAULT_DEADLINE, DEFAULT_TIMEOUT, Dintero,
    DinteroBuilder, USER_AGENT,
};
pub use error::{Error, Outcome, Timeout, TokenError};
pub use generated::types;
pub use hooks::Inner;
pub use retry::RetryBudget;
pub use validate::{MAX_ID_CHARS, validate_change_customer_id, validate_change_username};
