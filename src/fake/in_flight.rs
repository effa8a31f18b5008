//! How many requests the fake is serving at once, and the most it ever served at once: the
//! number a client's concurrency limit is checked against.

use super::FakeDintero;
use super::state::Shared;

/// The current and the highest number of requests being served.
#[derive(Debug, Default)]
pub(crate) struct InFlight {
    now: usize,
    peak: usize,
}

/// Counts one request as in flight from its arrival (before any latency) until its answer
/// is sent or its connection dropped: the guard's drop ends it whichever way it ends.
pub(crate) struct Serving(Shared);

impl Serving {
    pub(crate) fn start(shared: &Shared) -> Self {
        let mut state = shared.lock();
        let gauge = &mut state.in_flight;
        gauge.now += 1;
        gauge.peak = gauge.peak.max(gauge.now);
        drop(state);
        Self(shared.clone())
    }
}

impl Drop for Serving {
    fn drop(&mut self) {
        self.0.lock().in_flight.now -= 1;
    }
}

impl FakeDintero {
    /// The most requests (of any operation) the fake was serving at the same time since it
    /// started: a request counts from its arrival, before any
    /// [latency](Self::set_latency), until its answer is sent or dropped.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let fake = dintero_client::fake::FakeDintero::start().await?;
    /// fake.seed_demo();
    /// fake.demo_client()?.change_customer_id("crm-17", "crm-2024-17").await?;
    /// assert_eq!(fake.max_in_flight(), 1); // the token request, then the change
    /// # Ok(()) }
    /// ```
    pub fn max_in_flight(&self) -> usize {
        self.shared.lock().in_flight.peak
    }
}
