//! The fault switches of a running fake, flipped from the test (or the CLI) at any time.

use std::time::Duration;

use axum::http::StatusCode;

use super::{Burst, FakeDintero};

impl FakeDintero {
    /// Limits each account to `per_second` requests per second (all three operations
    /// together, as an API gateway counts them); beyond it the fake answers 429 with
    /// Dintero's error body and `Retry-After` in whole seconds, rounded up. Bursts of up to
    /// one second's worth pass. 0 (the default) turns the limit off.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let fake = dintero_client::fake::FakeDintero::start().await?;
    /// fake.set_rate_limit(200);
    /// # Ok(()) }
    /// ```
    pub fn set_rate_limit(&self, per_second: u32) {
        self.shared.lock().faults.set_rate_limit(per_second);
    }

    /// Fails the next `count` requests, of any operation, with `status` and Dintero's error
    /// body, before anything else is checked (a 429 carries `Retry-After: 0`). For a
    /// one-off burst of 503s: `fake.fail_requests(3, 503)`.
    ///
    /// # Panics
    ///
    /// If `status` is not a valid HTTP status code (100 to 999).
    pub fn fail_requests(&self, count: u32, status: u16) {
        let status = StatusCode::from_u16(status).expect("a valid HTTP status code");
        self.shared.lock().faults.request_failures = Some((count, status));
    }

    /// Recurring 503 bursts: of every `burst.every` requests, the last `burst.length` are
    /// answered 503 (`None` turns them off). `Burst { length: 5, every: 100 }` fails 5 %.
    pub fn set_unavailable_bursts(&self, burst: Option<Burst>) {
        self.shared.lock().faults.unavailable = burst;
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

    /// When on, a change of a current id the account does not have creates that customer
    /// or user first (with only the server-made fields) instead of answering 404: for
    /// fuzzers and quick trials that send ids nobody seeded. Off by default.
    pub fn create_missing(&self, on: bool) {
        self.shared.lock().create_missing = on;
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

    /// Sends evolved responses from now on (or stops, with `false`): each JSON response the
    /// spec documents (successes and errors, faults included) is replaced by one of its
    /// [`evolve`](super::evolve::evolve)d variants, taking them in turn: an unknown enum
    /// value, a `null` optional property, an undeclared property, an object with only its
    /// required properties. What the fake stores does not change. Each such response is
    /// checked against the spec with these additive changes allowed, so a
    /// [`Violation`](super::Violation) still means a bug. Use it to check that a service
    /// keeps working when Dintero's responses grow as APIs do without a new version.
    ///
    /// ```
    /// use dintero_client::fake::FakeDintero;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let fake = FakeDintero::start().await?;
    /// fake.seed_demo();
    /// fake.evolve_responses(true);
    /// let client = fake.demo_client()?;
    /// let customer = client.change_customer_id("crm-17", "crm-2024-17").await?;
    /// assert_eq!(customer.customer_id, "crm-2024-17");
    /// assert!(fake.violations().is_empty());
    /// # Ok(()) }
    /// ```
    pub fn evolve_responses(&self, on: bool) {
        self.shared.lock().evolution.set(on);
    }

    /// Recurring lost answers: of every `pattern.every` successful answers, the last
    /// `pattern.length` are not sent: the request is handled (a change is applied and
    /// recorded) and its connection closed (`None` turns this off). Only successes count,
    /// so the lost answers are applied changes, independent of injected failures, and
    /// deterministic: `Burst { length: 1, every: 100 }` loses exactly 1 % of them. The
    /// one-off [`drop_responses`](Self::drop_responses) comes first.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use dintero_client::fake::{Burst, DEMO_ACCOUNT_ID, FakeDintero};
    ///
    /// let fake = FakeDintero::start().await?;
    /// fake.seed_demo();
    /// let client = fake.demo_client()?;
    /// // The token answer is the first success of each pair, the change's the second.
    /// fake.set_dropped_responses(Some(Burst { length: 1, every: 2 }));
    /// let err = client.change_customer_id("crm-17", "crm-2024-17").await.unwrap_err();
    /// assert!(err.is_outcome_unknown());
    /// assert!(fake.customer(DEMO_ACCOUNT_ID, "crm-2024-17").is_some()); // applied
    /// # Ok(()) }
    /// ```
    pub fn set_dropped_responses(&self, pattern: Option<Burst>) {
        self.shared.lock().faults.dropped_responses = pattern;
    }
}
