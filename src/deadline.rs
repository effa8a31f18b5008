//! The per-call deadline: one instant that bounds every attempt, token wait and retry wait
//! of a call.
//!
//! It adds no timer of its own to a call it cannot end early: an attempt's timeout is the
//! per-attempt timeout, cut short only when the deadline comes first, and a wait that
//! would pass the deadline is not started.

use std::future::Future;
use std::pin::Pin;
use std::task::Poll;
use std::time::Duration;

use tokio::time::Instant;

/// How far ahead "no deadline" is: `Duration::MAX` cannot be added to an `Instant`.
const FAR_FUTURE: Duration = Duration::from_secs(100 * 365 * 24 * 3600);

/// When the call must be over.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Deadline {
    at: Instant,
}

/// The timeout of one attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct AttemptTimeout {
    pub(crate) duration: Duration,
    /// Cut short to end at the deadline: if it fires, the deadline did.
    pub(crate) cut: bool,
}

impl Deadline {
    /// `budget` from now.
    pub(crate) fn after(budget: Duration) -> Self {
        let now = Instant::now();
        Self {
            at: now
                .checked_add(budget.min(FAR_FUTURE))
                .unwrap_or(now + FAR_FUTURE),
        }
    }

    pub(crate) fn at(&self) -> Instant {
        self.at
    }

    pub(crate) fn remaining(&self) -> Duration {
        self.at.saturating_duration_since(Instant::now())
    }

    /// The per-attempt timeout, or the time left if that is shorter.
    pub(crate) fn attempt_timeout(&self, per_attempt: Duration) -> AttemptTimeout {
        let left = self.remaining();
        AttemptTimeout {
            duration: per_attempt.min(left),
            cut: left < per_attempt,
        }
    }

    /// Whether a wait of `wait` still leaves time to send the request again.
    pub(crate) fn allows_wait(&self, wait: Duration) -> bool {
        wait < self.remaining()
    }

    /// Hands the deadline from the `pre` hook to `exec` through the request's own timeout.
    ///
    /// reqwest keeps a request's extensions private, and the generated code sets no
    /// timeout of its own: this is the one slot that travels with the request between the
    /// two hooks. `exec` reads it back with [`Deadline::carried`] and replaces it with the
    /// attempt's timeout before anything is sent. Used only when `pre` had to wait (for a
    /// token): writing the slot allocates.
    pub(crate) fn carry(&self, request: &mut reqwest::Request) {
        *request.timeout_mut() = Some(self.remaining());
    }

    /// The deadline `pre` carried, if it carried one.
    pub(crate) fn carried(request: &reqwest::Request) -> Option<Self> {
        request.timeout().map(|left| Self::after(*left))
    }
}

/// Polls `future` once: a future ready at once (a cached token) needs no clock and no
/// timer; only one that has to wait is worth bounding.
pub(crate) async fn ready_now<F: Future + Unpin>(future: &mut F) -> Poll<F::Output> {
    std::future::poll_fn(|cx| Poll::Ready(Pin::new(&mut *future).poll(cx))).await
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECOND: Duration = Duration::from_secs(1);

    #[tokio::test(start_paused = true)]
    async fn an_attempt_is_cut_only_when_the_deadline_comes_first() {
        let deadline = Deadline::after(60 * SECOND);
        assert_eq!(
            deadline.attempt_timeout(30 * SECOND),
            AttemptTimeout {
                duration: 30 * SECOND,
                cut: false
            }
        );
        tokio::time::advance(45 * SECOND).await;
        assert_eq!(deadline.remaining(), 15 * SECOND);
        assert_eq!(
            deadline.attempt_timeout(30 * SECOND),
            AttemptTimeout {
                duration: 15 * SECOND,
                cut: true
            }
        );
        tokio::time::advance(20 * SECOND).await;
        assert_eq!(
            deadline.attempt_timeout(30 * SECOND).duration,
            Duration::ZERO
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_wait_must_leave_time_for_another_attempt() {
        let deadline = Deadline::after(10 * SECOND);
        assert!(deadline.allows_wait(9 * SECOND));
        assert!(!deadline.allows_wait(10 * SECOND));
        tokio::time::advance(8 * SECOND).await;
        assert!(deadline.allows_wait(SECOND));
        assert!(!deadline.allows_wait(2 * SECOND));
        assert!(!deadline.allows_wait(Duration::MAX));
    }

    #[tokio::test(start_paused = true)]
    async fn no_deadline_is_far_away_not_an_overflow() {
        let deadline = Deadline::after(Duration::MAX);
        assert!(deadline.remaining() > 50 * 365 * 24 * 3600 * SECOND);
        assert!(!deadline.attempt_timeout(30 * SECOND).cut);
    }

    #[tokio::test(start_paused = true)]
    async fn the_deadline_travels_from_pre_to_exec_in_the_request() {
        let mut request = reqwest::Request::new(
            reqwest::Method::POST,
            "http://127.0.0.1/v1".parse().unwrap(),
        );
        assert!(Deadline::carried(&request).is_none());
        let deadline = Deadline::after(60 * SECOND);
        tokio::time::advance(25 * SECOND).await;
        deadline.carry(&mut request);
        let carried = Deadline::carried(&request).unwrap();
        // The time spent in `pre` (waiting for a token) still counts.
        assert_eq!(carried.remaining(), 35 * SECOND);
    }

    #[tokio::test]
    async fn a_ready_future_is_taken_at_the_first_poll() {
        let mut ready = std::future::ready(7);
        assert_eq!(ready_now(&mut ready).await, Poll::Ready(7));
        let mut pending = Box::pin(tokio::time::sleep(SECOND));
        assert!(ready_now(&mut pending).await.is_pending());
    }
}
