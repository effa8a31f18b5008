//! Fault switches: what the fake does instead of answering normally, decided before a
//! request reaches an operation's rules. Free of HTTP so each rule is unit-tested.
//!
//! Time is `tokio::time::Instant`, so tests on paused time drive the rate limit exactly.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use axum::http::StatusCode;
use tokio::time::Instant;

use super::Operation;
use super::error::ApiError;

/// A recurring burst of failures: in every `every` requests, the last `length` fail.
///
/// Parsed from `LENGTH/EVERY`, e.g. `5/100` (5 % of requests, 5 in a row each time).
///
/// ```
/// use dintero_client::fake::Burst;
///
/// let burst: Burst = "5/100".parse().unwrap();
/// assert_eq!(burst, Burst { length: 5, every: 100 });
/// assert!("5/4".parse::<Burst>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Burst {
    /// How many requests in a row fail.
    pub length: u32,
    /// The period, in requests (at least `length`, at least 1).
    pub every: u32,
}

impl Burst {
    /// Whether the request with this 0-based sequence number falls in a burst. The failures
    /// come at the end of each period, so a run starts with `every - length` clean answers.
    fn hits(self, sequence: u64) -> bool {
        let every = u64::from(self.every.max(1));
        sequence % every >= every - u64::from(self.length.min(self.every))
    }
}

impl FromStr for Burst {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let usage = || format!("{s:?}: expected LENGTH/EVERY, e.g. 5/100");
        let (length, every) = s.split_once('/').ok_or_else(usage)?;
        let length: u32 = length.trim().parse().map_err(|_| usage())?;
        let every: u32 = every.trim().parse().map_err(|_| usage())?;
        if every == 0 || length > every {
            return Err(format!(
                "{s:?}: LENGTH must be at most EVERY, and EVERY at least 1"
            ));
        }
        Ok(Self { length, every })
    }
}

impl fmt::Display for Burst {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.length, self.every)
    }
}

/// A token bucket per account: `rate` requests per second on average, and up to one
/// second's worth at once (so a client that paces itself at the rate never sees a 429).
#[derive(Debug)]
struct RateLimit {
    rate: u32,
    buckets: HashMap<String, Bucket>,
}

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    updated: Instant,
}

impl RateLimit {
    /// Takes one token for `account`, or says how long until one is there.
    fn take(&mut self, account: &str, now: Instant) -> Result<(), Duration> {
        let rate = f64::from(self.rate);
        let bucket = self.buckets.entry(account.to_string()).or_insert(Bucket {
            tokens: rate,
            updated: now,
        });
        let refill = now.saturating_duration_since(bucket.updated).as_secs_f64() * rate;
        bucket.tokens = (bucket.tokens + refill).min(rate);
        bucket.updated = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - bucket.tokens) / rate))
        }
    }
}

/// The fault switches of one fake.
#[derive(Debug, Default)]
pub(crate) struct Faults {
    /// Remaining token requests to fail, and with which status.
    pub(crate) token_failures: Option<(u32, StatusCode)>,
    /// Remaining requests (any operation) to fail, and with which status.
    pub(crate) request_failures: Option<(u32, StatusCode)>,
    /// Recurring 503 bursts.
    pub(crate) unavailable: Option<Burst>,
    /// Requests seen by the 503 burst rule so far.
    sequence: u64,
    rate_limit: Option<RateLimit>,
    /// Added before every response.
    pub(crate) latency: Duration,
    /// Remaining requests to drop before they are handled.
    pub(crate) drop_requests: u32,
    /// Remaining requests to handle and then drop without sending the response.
    pub(crate) drop_responses: u32,
    /// Recurring dropped responses, after the one-off ones.
    pub(crate) dropped_responses: Option<Burst>,
    /// Successful answers seen by the recurring drop rule so far.
    successes: u64,
}

impl Faults {
    /// Sets the per-account rate limit in requests per second; 0 turns it off.
    pub(crate) fn set_rate_limit(&mut self, per_second: u32) {
        self.rate_limit = (per_second > 0).then(|| RateLimit {
            rate: per_second,
            buckets: HashMap::new(),
        });
    }

    /// The failure a request to `operation` of `account` meets instead of its answer, if
    /// any: the rate limit first (a gateway counts every request), then the injected
    /// failures, in the order a request would meet them on its way in.
    pub(crate) fn intercept(
        &mut self,
        operation: Operation,
        account: &str,
        now: Instant,
    ) -> Option<ApiError> {
        if let Some(limit) = &mut self.rate_limit
            && let Err(wait) = limit.take(account, now)
        {
            let mut error = ApiError::injected(
                StatusCode::TOO_MANY_REQUESTS,
                format!("rate limit of {} requests per second exceeded", limit.rate),
            );
            // Whole seconds, rounded up: a client that waits that long finds a token.
            error.retry_after = Some(wait.as_secs_f64().ceil() as u64);
            return Some(error);
        }
        if let Some(status) = take_one(&mut self.request_failures) {
            return Some(injected(status));
        }
        if let Some(burst) = self.unavailable {
            let sequence = self.sequence;
            self.sequence += 1;
            if burst.hits(sequence) {
                return Some(ApiError::injected(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "injected fault: service unavailable",
                ));
            }
        }
        if operation == Operation::Token {
            return take_one(&mut self.token_failures).map(injected);
        }
        None
    }
}

impl Faults {
    /// Whether the response to a request the fake just handled is dropped instead of sent:
    /// the one-off switch first (any response), then the recurring pattern, which counts
    /// successful answers only: it models a change that was applied and whose answer was
    /// lost, independently of the injected failures (a `1/100` pattern loses exactly one
    /// success in each hundred, whatever the 503 bursts do).
    pub(crate) fn drop_response(&mut self, success: bool) -> bool {
        if self.drop_responses > 0 {
            self.drop_responses -= 1;
            return true;
        }
        let Some(pattern) = self.dropped_responses.filter(|_| success) else {
            return false;
        };
        let sequence = self.successes;
        self.successes += 1;
        pattern.hits(sequence)
    }
}

/// Counts one off a `(remaining, status)` switch; the status while any remain.
fn take_one(switch: &mut Option<(u32, StatusCode)>) -> Option<StatusCode> {
    let (remaining, status) = switch.as_mut()?;
    if *remaining == 0 {
        return None;
    }
    *remaining -= 1;
    Some(*status)
}

/// An injected failure; a 429 asks for no wait, so tests stay fast.
fn injected(status: StatusCode) -> ApiError {
    let mut error = ApiError::injected(status, "injected fault");
    if status == StatusCode::TOO_MANY_REQUESTS {
        error.retry_after = Some(0);
    }
    error
}

#[cfg(test)]
mod tests {
    use super::*;

    fn statuses(faults: &mut Faults, account: &str, n: usize, now: Instant) -> Vec<u16> {
        (0..n)
            .map(|_| {
                faults
                    .intercept(Operation::ChangeCustomerId, account, now)
                    .map_or(200, |e| e.status.as_u16())
            })
            .collect()
    }

    #[test]
    fn the_rate_limit_allows_one_second_of_requests_then_refills_at_the_rate() {
        let mut faults = Faults::default();
        faults.set_rate_limit(10);
        let start = Instant::now();
        let first = statuses(&mut faults, "T1", 12, start);
        assert_eq!(first.iter().filter(|s| **s == 200).count(), 10);
        assert_eq!(&first[10..], [429, 429]);
        // Another account has its own bucket.
        assert_eq!(statuses(&mut faults, "T2", 1, start), [200]);
        // 100 ms later one more token is there, and only one.
        let later = start + Duration::from_millis(100);
        assert_eq!(statuses(&mut faults, "T1", 2, later), [200, 429]);
    }

    #[test]
    fn a_429_says_how_many_whole_seconds_to_wait() {
        let mut faults = Faults::default();
        faults.set_rate_limit(1);
        let now = Instant::now();
        assert!(faults.intercept(Operation::Token, "T1", now).is_none());
        let error = faults.intercept(Operation::Token, "T1", now).unwrap();
        assert_eq!(error.status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(error.retry_after, Some(1));
        faults.set_rate_limit(0);
        assert!(faults.intercept(Operation::Token, "T1", now).is_none());
    }

    #[test]
    fn bursts_fail_the_last_requests_of_each_period() {
        let mut faults = Faults {
            unavailable: Some(Burst {
                length: 2,
                every: 5,
            }),
            ..Faults::default()
        };
        let seen = statuses(&mut faults, "T1", 10, Instant::now());
        assert_eq!(seen, [200, 200, 200, 503, 503, 200, 200, 200, 503, 503]);
    }

    #[test]
    fn one_off_drops_come_first_then_the_pattern_drops_one_success_in_each_period() {
        let mut faults = Faults {
            drop_responses: 1,
            dropped_responses: Some(Burst {
                length: 1,
                every: 3,
            }),
            ..Faults::default()
        };
        // The one-off drops a failure too; the pattern counts successes only.
        let answers = [false, true, false, true, true, true, true, true];
        let dropped: Vec<bool> = answers.iter().map(|&ok| faults.drop_response(ok)).collect();
        assert_eq!(
            dropped,
            [true, false, false, false, true, false, false, true]
        );
        faults.dropped_responses = None;
        assert!(!faults.drop_response(true));
    }

    #[test]
    fn request_failures_come_before_token_failures_and_run_out() {
        let mut faults = Faults {
            request_failures: Some((1, StatusCode::SERVICE_UNAVAILABLE)),
            token_failures: Some((1, StatusCode::TOO_MANY_REQUESTS)),
            ..Faults::default()
        };
        let now = Instant::now();
        let mut next = || faults.intercept(Operation::Token, "T1", now);
        assert_eq!(next().unwrap().status, 503);
        let throttled = next().unwrap();
        assert_eq!(throttled.status, 429);
        assert_eq!(throttled.retry_after, Some(0));
        assert!(next().is_none());
    }

    #[test]
    fn bursts_parse_and_print_as_length_slash_every() {
        assert_eq!(
            "1/1".parse::<Burst>(),
            Ok(Burst {
                length: 1,
                every: 1
            })
        );
        for bad in ["", "5", "a/b", "1/0", "3/2", "-1/4"] {
            assert!(bad.parse::<Burst>().is_err(), "{bad}");
        }
        assert_eq!(
            Burst {
                length: 5,
                every: 100
            }
            .to_string(),
            "5/100"
        );
    }
}
