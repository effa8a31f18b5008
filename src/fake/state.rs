//! The fake's in-memory state and the rules of the three operations, free of HTTP.
//!
//! Everything lives behind one `std::sync::Mutex`; no lock is ever held across an await.

use std::collections::HashMap;
use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::http::StatusCode;
use base64::Engine as _;
use chrono::{DateTime, Utc};
use serde_json::{Map, json};
use tokio::time::Instant;

use super::error::ApiError;
use super::evolve;
use super::faults::Faults;
use super::in_flight::InFlight;
use super::{Operation, RecordedRequest, Violation};
use crate::types;

/// Dintero's token lifetime (guides say about 4 hours).
pub(crate) const DEFAULT_TOKEN_LIFETIME: Duration = Duration::from_secs(4 * 3600);

/// `created_by` of the objects the fake makes up.
pub(crate) const CREATED_BY: &str = "fake-dintero";

/// The audience a token request must name, followed by the account id.
pub(crate) const AUDIENCE_BASE: &str = "https://api.dintero.com/v1/accounts/";

/// One account's data.
#[derive(Debug, Default)]
pub(crate) struct Account {
    /// client id -> client secret.
    pub(crate) clients: HashMap<String, String>,
    /// customer_id -> customer.
    pub(crate) customers: HashMap<String, types::Customer>,
    /// username -> user.
    pub(crate) users: HashMap<String, types::AuthUser>,
}

/// A token the fake issued.
#[derive(Debug, Clone)]
pub(crate) struct Issued {
    pub(crate) account: String,
    pub(crate) client_id: String,
    pub(crate) expires_at: Instant,
}

/// Everything the fake knows.
#[derive(Debug)]
pub(crate) struct State {
    pub(crate) accounts: HashMap<String, Account>,
    pub(crate) tokens: HashMap<String, Issued>,
    pub(crate) token_lifetime: Duration,
    /// Whether a change of an unknown current id creates it first instead of answering 404.
    pub(crate) create_missing: bool,
    pub(crate) faults: Faults,
    /// Whether responses are evolved, and the turn of the next one.
    pub(crate) evolution: evolve::Switch,
    /// Requests being served now, and the most at once.
    pub(crate) in_flight: InFlight,
    pub(crate) log: Vec<RecordedRequest>,
    /// Responses that broke the spec (bugs in the fake), oldest first.
    pub(crate) violations: Vec<Violation>,
    /// Bumped for every id the fake makes up.
    seq: u64,
    random: RandomState,
}

/// The state shared by the server and the [`FakeDintero`](super::FakeDintero) handle.
#[derive(Debug, Clone)]
pub(crate) struct Shared(Arc<Mutex<State>>);

impl Shared {
    pub(crate) fn new() -> Self {
        Self(Arc::new(Mutex::new(State {
            accounts: HashMap::new(),
            tokens: HashMap::new(),
            token_lifetime: DEFAULT_TOKEN_LIFETIME,
            create_missing: false,
            faults: Faults::default(),
            evolution: evolve::Switch::default(),
            in_flight: InFlight::default(),
            log: Vec::new(),
            violations: Vec::new(),
            seq: 0,
            random: RandomState::new(),
        })))
    }

    /// Locks the state; a panic in another holder does not poison the fake for good.
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Now, as the generated types want it.
pub(crate) fn now() -> DateTime<Utc> {
    DateTime::<Utc>::from(SystemTime::now())
}

impl State {
    pub(crate) fn account(&mut self, account_id: &str) -> &mut Account {
        self.accounts.entry(account_id.to_string()).or_default()
    }

    /// 64 unpredictable bits (SipHash with a random key over a counter).
    fn random_u64(&mut self) -> u64 {
        self.seq += 1;
        self.random.hash_one(self.seq)
    }

    /// A random (version 4) UUID.
    pub(crate) fn uuid(&mut self) -> uuid::Uuid {
        let mut bytes = [0u8; 16];
        bytes[..8].copy_from_slice(&self.random_u64().to_le_bytes());
        bytes[8..].copy_from_slice(&self.random_u64().to_le_bytes());
        uuid::Builder::from_random_bytes(bytes).into_uuid()
    }

    /// A customer of type `customer` with a fresh `id` and timestamps.
    pub(crate) fn new_customer(&mut self, customer_id: &str) -> types::Customer {
        let created = now();
        types::Customer {
            addresses: Vec::new(),
            attributes: Map::new(),
            company: None,
            contact_for: Vec::new(),
            created_at: Some(created),
            created_by: Some(CREATED_BY.into()),
            customer_id: customer_id.to_string(),
            date_of_birth: None,
            deleted_at: None,
            deleted_by: None,
            email: None,
            enrolled_by: None,
            favorite_store: None,
            first_name: None,
            gender: None,
            id: Some(self.uuid()),
            last_name: None,
            marketing_consent: None,
            metadata: Map::new(),
            phone_number: None,
            status: None,
            term: None,
            type_: types::CustomerType::Customer,
            updated_at: Some(created),
        }
    }

    /// An auth user with a fresh `id` and timestamps.
    pub(crate) fn new_user(&mut self, username: &str) -> types::AuthUser {
        let created = now();
        types::AuthUser {
            created_at: Some(created),
            created_by: Some(CREATED_BY.into()),
            deleted_at: None,
            deleted_by: None,
            id: Some(self.uuid()),
            links: Vec::new(),
            mfa: None,
            updated_at: Some(created),
            username: username.to_string(),
        }
    }

    /// `POST /accounts/{aid}/auth/token`, after the path and credentials were checked.
    pub(crate) fn issue_token(&mut self, account_id: &str, client_id: &str) -> types::AccessToken {
        let lifetime = self.token_lifetime;
        let iat = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs();
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let header = b64.encode(br#"{"alg":"HS256","typ":"JWT","kid":"fake-dintero"}"#);
        let claims = json!({
            "iss": "https://fake.dintero.invalid/",
            "sub": client_id,
            "aud": format!("{AUDIENCE_BASE}{account_id}"),
            "iat": iat,
            "exp": iat + lifetime.as_secs(),
            "jti": self.uuid().to_string(),
        });
        let payload = b64.encode(claims.to_string());
        let signature = b64.encode(
            [
                self.random_u64().to_le_bytes(),
                self.random_u64().to_le_bytes(),
            ]
            .concat(),
        );
        let access_token = format!("{header}.{payload}.{signature}");
        self.tokens.insert(
            access_token.clone(),
            Issued {
                account: account_id.to_string(),
                client_id: client_id.to_string(),
                expires_at: Instant::now() + lifetime,
            },
        );
        types::AccessToken {
            access_token,
            expires_in: i64::try_from(lifetime.as_secs()).unwrap_or(i64::MAX),
            refresh_token: None,
            token_type: "Bearer".into(),
        }
    }

    /// Whether `client_id` is registered for the account with exactly this secret.
    pub(crate) fn knows_client(&self, account_id: &str, client_id: &str, secret: &str) -> bool {
        self.accounts
            .get(account_id)
            .and_then(|a| a.clients.get(client_id))
            .is_some_and(|s| s == secret)
    }

    /// Who a bearer token belongs to, or why it is refused (401, or 403 for another account).
    pub(crate) fn authorize(
        &self,
        token: Option<&str>,
        account_id: &str,
    ) -> Result<String, ApiError> {
        let token = token.ok_or_else(|| {
            ApiError::unauthorized("missing Authorization header with a Bearer token")
        })?;
        let issued = self
            .tokens
            .get(token)
            .ok_or_else(|| ApiError::unauthorized("invalid access token"))?;
        if Instant::now() >= issued.expires_at {
            return Err(ApiError::unauthorized("access token expired"));
        }
        if issued.account != account_id {
            return Err(ApiError::forbidden(
                "the access token is not valid for this account",
            ));
        }
        Ok(issued.client_id.clone())
    }

    /// Applies a valid change of a customer's id. Without a new id the fake makes one up,
    /// as the spec documents: "an auto-generated customer_id will be created if no
    /// customer_id is provided".
    pub(crate) fn change_customer_id(
        &mut self,
        account_id: &str,
        changed_by: &str,
        old: &str,
        new: Option<&str>,
    ) -> Result<types::Customer, ApiError> {
        let stamp = now();
        let hash = self.random_u64();
        let generated = self.uuid().to_string();
        let new = new.unwrap_or(&generated);
        if self.create_missing && !self.account(account_id).customers.contains_key(old) {
            let customer = self.new_customer(old);
            self.account(account_id)
                .customers
                .insert(old.into(), customer);
        }
        let account = self.account(account_id);
        if !account.customers.contains_key(old) {
            return Err(ApiError::not_found("customer not found"));
        }
        if account.customers.contains_key(new) {
            return Err(ApiError::conflict(
                "customer_id",
                "a customer with this customer_id already exists",
            ));
        }
        let mut customer = account
            .customers
            .remove(old)
            .unwrap_or_else(|| unreachable!("checked above"));
        customer.customer_id = new.to_string();
        customer.updated_at = Some(stamp);
        let key = format!(
            "dintero_change_customer_id_{}.{:08x}",
            stamp.timestamp_millis(),
            hash as u32
        );
        customer.metadata.insert(
            key,
            json!({
                "created_at": stamp,
                "created_by": changed_by,
                "old": old,
                "new": new,
            }),
        );
        account.customers.insert(new.to_string(), customer.clone());
        Ok(customer)
    }

    /// Applies a valid change of a user's username.
    pub(crate) fn change_username(
        &mut self,
        account_id: &str,
        old: &str,
        new: &str,
    ) -> Result<types::AuthUser, ApiError> {
        let stamp = now();
        if self.create_missing && !self.account(account_id).users.contains_key(old) {
            let user = self.new_user(old);
            self.account(account_id).users.insert(old.into(), user);
        }
        let account = self.account(account_id);
        if !account.users.contains_key(old) {
            return Err(ApiError::not_found("user not found"));
        }
        if account.users.contains_key(new) {
            return Err(ApiError::conflict(
                "username",
                "a user with this username already exists",
            ));
        }
        let mut user = account
            .users
            .remove(old)
            .unwrap_or_else(|| unreachable!("checked above"));
        user.username = new.to_string();
        user.updated_at = Some(stamp);
        account.users.insert(new.to_string(), user.clone());
        Ok(user)
    }

    /// Records a request for [`FakeDintero::requests`](super::FakeDintero::requests).
    pub(crate) fn record(
        &mut self,
        operation: Operation,
        account_id: &str,
        target: Option<&str>,
        new_value: Option<&str>,
        status: StatusCode,
    ) {
        self.log.push(RecordedRequest {
            operation,
            account_id: account_id.to_string(),
            target: target.map(str::to_string),
            new_value: new_value.map(str::to_string),
            status: status.as_u16(),
            at: Instant::now(),
        });
    }
}
