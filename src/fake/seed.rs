//! Seed data for a fake: API clients, customers and users, typically from a JSON file
//! (`dintero fake --seed FILE`). Every object is checked against the spec before any is
//! loaded, so the fake never answers with data the spec does not allow.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::contract::contract;
use super::state::{CREATED_BY, now};
use super::{DEMO_ACCOUNT_ID, FakeDintero};
use crate::types;

/// Data to load into a fake with [`FakeDintero::load_seed`].
///
/// ```json
/// {
///   "account_id": "T12345678",
///   "clients": [{"client_id": "my-service", "client_secret": "my-secret"}],
///   "customers": [{"customer_id": "crm-1", "email": "kari@example.com"}],
///   "users": [{"username": "kari@example.com"}]
/// }
/// ```
///
/// Customers and users are the spec's `Customer` and `AuthUser` objects: only
/// `customer_id` (or `username`) is needed; `type` defaults to `customer`, and `id`,
/// `created_at`, `created_by` and `updated_at` are filled in when absent. Any object may
/// carry an `account_id` of its own.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Seed {
    /// The account of every object that names none (default: [`DEMO_ACCOUNT_ID`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
    /// API clients whose credentials get tokens.
    #[serde(default)]
    pub clients: Vec<SeedClient>,
    /// Customers, as JSON objects.
    #[serde(default)]
    pub customers: Vec<Map<String, Value>>,
    /// Auth users, as JSON objects.
    #[serde(default)]
    pub users: Vec<Map<String, Value>>,
}

/// API client credentials in a [`Seed`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedClient {
    /// The account (default: the seed's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
    /// The client id.
    pub client_id: String,
    /// The client secret.
    pub client_secret: String,
}

/// Why a seed was not loaded (nothing of it was).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SeedError {
    /// The text is not a seed document.
    #[error("not a seed document: {0}")]
    Json(#[from] serde_json::Error),
    /// An object breaks the spec.
    #[error("{what} {index} of the seed breaks the spec: {problem}")]
    Invalid {
        /// `customer` or `user`.
        what: &'static str,
        /// Its 0-based position in its list.
        index: usize,
        /// The field and the rule it breaks.
        problem: String,
    },
}

impl Seed {
    /// Parses a seed document.
    pub fn from_json(text: &str) -> Result<Self, SeedError> {
        Ok(serde_json::from_str(text)?)
    }
}

impl FakeDintero {
    /// Loads a seed: all of it, or nothing when any object breaks the spec.
    ///
    /// ```
    /// use dintero_client::fake::{FakeDintero, Seed};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let fake = FakeDintero::start().await?;
    /// let seed = Seed::from_json(r#"{"customers": [{"customer_id": "crm-1", "email": "a@example.com"}]}"#)?;
    /// fake.load_seed(&seed)?;
    /// assert!(fake.customer("T12345678", "crm-1").is_some());
    /// # Ok(()) }
    /// ```
    pub fn load_seed(&self, seed: &Seed) -> Result<(), SeedError> {
        let default = seed.account_id.as_deref().unwrap_or(DEMO_ACCOUNT_ID);
        let customers = self.checked(&seed.customers, "customer", "Customer", default)?;
        let users = self.checked(&seed.users, "user", "AuthUser", default)?;
        for client in &seed.clients {
            let account = client.account_id.as_deref().unwrap_or(default);
            self.add_client(account, &client.client_id, &client.client_secret);
        }
        for (account, customer) in customers {
            self.insert_customer(&account, customer);
        }
        for (account, user) in users {
            self.insert_user(&account, user);
        }
        Ok(())
    }

    /// Each object with its defaults filled in, checked against the spec's `schema` and
    /// decoded, beside its account.
    fn checked<T: serde::de::DeserializeOwned>(
        &self,
        objects: &[Map<String, Value>],
        what: &'static str,
        schema: &str,
        default_account: &str,
    ) -> Result<Vec<(String, T)>, SeedError> {
        let invalid = |index, problem| SeedError::Invalid {
            what,
            index,
            problem,
        };
        objects
            .iter()
            .enumerate()
            .map(|(index, object)| {
                let mut object = object.clone();
                let account = match object.remove("account_id") {
                    Some(Value::String(account)) => account,
                    _ => default_account.to_string(),
                };
                self.fill_defaults(&mut object, what == "customer");
                let object = Value::Object(object);
                contract()
                    .check_schema(schema, &object)
                    .map_err(|problem| invalid(index, problem))?;
                let decoded =
                    serde_json::from_value(object).map_err(|e| invalid(index, e.to_string()))?;
                Ok((account, decoded))
            })
            .collect()
    }

    /// The server-made members of a new object, where the seed leaves them out.
    fn fill_defaults(&self, object: &mut Map<String, Value>, customer: bool) {
        let stamp = json!(now());
        let id = self.shared.lock().uuid();
        let mut defaults = vec![
            ("id", json!(id)),
            ("created_at", stamp.clone()),
            ("updated_at", stamp),
            ("created_by", json!(CREATED_BY)),
        ];
        if customer {
            defaults.push(("type", json!(types::CustomerType::Customer)));
        }
        for (key, value) in defaults {
            object.entry(key).or_insert(value);
        }
    }
}
