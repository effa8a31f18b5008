//! When a request is sent again: the retry budget, which answers mean "not processed",
//! `Retry-After` and backoff with jitter.
//!
//! The decisions are pure functions of what was seen (the current time and a random
//! number are passed in); the loop that applies them, [`with_retries`], is generic over
//! the attempt, so both are unit-tested without a server, the loop on paused time.

use std::future::Future;
use std::time::{Duration, SystemTime};

use reqwest::StatusCode;
use reqwest::header::{HeaderMap, RETRY_AFTER};

use crate::deadline::Deadline;

/// How many times one call may send its request again after an answer that says the
/// request was not processed (429, or 503 with `Retry-After`), after a connect error (the
/// request never left), or, for the token endpoint, after a 5xx.
///
/// The call deadline ([`DinteroBuilder::deadline`](crate::DinteroBuilder::deadline)) is
/// the budget's total time: a wait that would pass it is not started. A change is never
/// sent again once it may have reached Dintero (a timeout, a reset, a 5xx), whatever the
/// budget.
///
/// ```
/// use dintero_client::{Dintero, RetryBudget};
///
/// assert_eq!(RetryBudget::default().retries(), 3);
/// // A tool that paces its own workers turns retries off and reads `Error::retry_after()`.
/// let client = Dintero::builder()
///     .account_id("T12345678")
///     .bearer_token("t")
///     .retry_budget(RetryBudget::none())
///     .build()
///     .unwrap();
/// # drop(client);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RetryBudget {
    retries: u32,
}

impl RetryBudget {
    /// At most `retries` sends after the first one.
    ///
    /// ```
    /// assert_eq!(dintero_client::RetryBudget::new(5).retries(), 5);
    /// ```
    pub const fn new(retries: u32) -> Self {
        Self { retries }
    }

    /// No retries: the first answer, whatever it is, goes to the caller. A 429 is then an
    /// [`Error::NotProcessed`](crate::Error::NotProcessed) with the server's
    /// `Retry-After`, for callers that pace themselves.
    ///
    /// ```
    /// assert_eq!(dintero_client::RetryBudget::none().retries(), 0);
    /// ```
    pub const fn none() -> Self {
        Self { retries: 0 }
    }

    /// The most sends after the first one.
    ///
    /// ```
    /// assert_eq!(dintero_client::RetryBudget::new(2).retries(), 2);
    /// ```
    pub const fn retries(self) -> u32 {
        self.retries
    }
}

impl Default for RetryBudget {
    /// Three retries: with the 100 ms backoff that is under a second of waiting on
    /// connect errors, and room for a short `Retry-After` or two within the deadline.
    fn default() -> Self {
        Self::new(3)
    }
}

/// What an attempt's result asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Final: the caller gets it.
    Done,
    /// Send again, after `asked` (the server's `Retry-After`) or a backoff.
    Again {
        asked: Option<Duration>,
        /// The server said it did not process the request (429, 503 with `Retry-After`).
        not_processed: bool,
    },
}

/// The retry budget ran out on answers that said "not processed".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Spent {
    /// How many times the request was sent.
    pub(crate) attempts: u32,
    /// The last answer's `Retry-After`.
    pub(crate) retry_after: Option<Duration>,
}

/// Runs `attempt` until `verdict` calls its result final, the budget is spent or a wait
/// would pass the deadline. Returns the last result, and [`Spent`] if the budget ran out
/// on an answer that said "not processed".
pub(crate) async fn with_retries<T, F, Fut>(
    budget: RetryBudget,
    backoff: Duration,
    deadline: &Deadline,
    mut attempt: F,
    verdict: impl Fn(&T) -> Verdict,
) -> (T, Option<Spent>)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = T>,
{
    let mut retries = 0;
    loop {
        let outcome = attempt().await;
        let Verdict::Again {
            asked,
            not_processed,
        } = verdict(&outcome)
        else {
            return (outcome, None);
        };
        let wait = delay(backoff, retries, asked, fastrand::f64());
        if retries >= budget.retries() || !deadline.allows_wait(wait) {
            let spent = not_processed.then_some(Spent {
                attempts: retries + 1,
                retry_after: asked,
            });
            return (outcome, spent);
        }
        tracing::warn!(
            retry = retries + 1,
            wait_ms = wait.as_millis() as u64,
            "request not processed or not sent; sending it again"
        );
        tokio::time::sleep(wait).await;
        retries += 1;
    }
}

/// A change operation is sent again only when it provably was not processed.
pub(crate) fn change_verdict(outcome: &reqwest::Result<reqwest::Response>) -> Verdict {
    match outcome {
        Err(e) => error_verdict(e),
        Ok(r) => {
            not_processed(r.status(), r.headers()).map_or(Verdict::Done, |asked| Verdict::Again {
                asked,
                not_processed: true,
            })
        }
    }
}

/// A token request changes nothing on the server: any 5xx may be retried too.
pub(crate) fn token_verdict(outcome: &reqwest::Result<reqwest::Response>) -> Verdict {
    match outcome {
        Err(e) => error_verdict(e),
        Ok(r) => match not_processed(r.status(), r.headers()) {
            Some(asked) => Verdict::Again {
                asked,
                not_processed: true,
            },
            None if r.status().is_server_error() => Verdict::Again {
                asked: None,
                not_processed: false,
            },
            None => Verdict::Done,
        },
    }
}

/// A connect error (refused, DNS, TLS handshake, connect timeout) means the request was
/// never written; any later error may come after the server read it.
fn error_verdict(e: &reqwest::Error) -> Verdict {
    if e.is_connect() {
        Verdict::Again {
            asked: None,
            not_processed: false,
        }
    } else {
        Verdict::Done
    }
}

/// `Some(Retry-After)` when the answer says the request was not processed.
///
/// 429 always does (RFC 6585: the server refused to handle it). A 503 does only with a
/// `Retry-After`: that is the server shedding load on purpose, while a bare 503 is also
/// what proxies answer when the upstream connection broke, possibly after the request
/// reached Dintero.
pub(crate) fn not_processed(status: StatusCode, headers: &HeaderMap) -> Option<Option<Duration>> {
    match status {
        StatusCode::TOO_MANY_REQUESTS => Some(retry_after(headers)),
        StatusCode::SERVICE_UNAVAILABLE => retry_after(headers).map(Some),
        _ => None,
    }
}

/// The `Retry-After` header, in either form; `None` when absent or unreadable.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?;
    parse_retry_after(value, SystemTime::now())
}

/// `Retry-After` as delta-seconds (`120`) or an HTTP-date (`Wed, 21 Oct 2015 07:28:00
/// GMT`), as the wait from `now`. A date in the past is no wait; a number of seconds
/// too large to hold is "very long" (the deadline then refuses it), not "no header".
pub(crate) fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        return Some(value.parse().map_or(Duration::MAX, Duration::from_secs));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// The wait before retry number `retry` (0 for the first), `unit` a random number in
/// `[0, 1)`.
///
/// The server's `Retry-After` is a minimum: add up to one backoff step so that clients
/// told the same thing do not all return at the same instant. Without one, exponential
/// backoff with "equal jitter": half the step, plus a random part of the other half.
pub(crate) fn delay(base: Duration, retry: u32, asked: Option<Duration>, unit: f64) -> Duration {
    let step = base.saturating_mul(1 << retry.min(10));
    let unit = unit.clamp(0.0, 1.0);
    match asked {
        Some(asked) => asked.saturating_add(step.mul_f64(unit)),
        None => step / 2 + (step / 2).mul_f64(unit),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    const BASE: Duration = Duration::from_millis(100);

    fn response(status: u16, retry_after: Option<&str>) -> reqwest::Result<reqwest::Response> {
        let mut response = http::Response::new(bytes::Bytes::new());
        *response.status_mut() = StatusCode::from_u16(status).unwrap();
        if let Some(value) = retry_after {
            response
                .headers_mut()
                .insert(RETRY_AFTER, HeaderValue::from_str(value).unwrap());
        }
        Ok(reqwest::Response::from(response))
    }

    fn again(asked: Option<Duration>, not_processed: bool) -> Verdict {
        Verdict::Again {
            asked,
            not_processed,
        }
    }

    #[test]
    fn retry_after_reads_delta_seconds() {
        let now = SystemTime::now();
        assert_eq!(parse_retry_after("0", now), Some(Duration::ZERO));
        assert_eq!(
            parse_retry_after(" 120 ", now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(
            parse_retry_after("99999999999999999999999", now),
            Some(Duration::MAX)
        );
        for refused in ["", "-1", "+5", "1.5", "soon", "1 2"] {
            assert_eq!(parse_retry_after(refused, now), None, "{refused:?}");
        }
    }

    #[test]
    fn retry_after_reads_an_http_date_against_now() {
        let now = httpdate::parse_http_date("Wed, 21 Oct 2015 07:28:00 GMT").unwrap();
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT", now),
            Some(Duration::from_secs(30))
        );
        // The two obsolete forms RFC 9110 still asks recipients to accept.
        assert_eq!(
            parse_retry_after("Wednesday, 21-Oct-15 07:29:00 GMT", now),
            Some(Duration::from_secs(60))
        );
        assert_eq!(
            parse_retry_after("Wed Oct 21 07:28:05 2015", now),
            Some(Duration::from_secs(5))
        );
        // In the past: no wait, not "no header".
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(
            parse_retry_after("Wed, 32 Oct 2015 07:28:30 GMT", now),
            None
        );
    }

    #[test]
    fn a_change_is_sent_again_only_when_not_processed() {
        assert_eq!(
            change_verdict(&response(429, Some("7"))),
            again(Some(Duration::from_secs(7)), true)
        );
        assert_eq!(change_verdict(&response(429, None)), again(None, true));
        assert_eq!(
            change_verdict(&response(503, Some("0"))),
            again(Some(Duration::ZERO), true)
        );
        // A bare 503 may come from a proxy after the request reached Dintero.
        assert_eq!(change_verdict(&response(503, None)), Verdict::Done);
        assert_eq!(change_verdict(&response(503, Some("later"))), Verdict::Done);
        for status in [200, 400, 401, 404, 409, 500, 502, 504] {
            assert_eq!(
                change_verdict(&response(status, Some("1"))),
                Verdict::Done,
                "{status}"
            );
        }
    }

    #[test]
    fn a_token_request_is_also_sent_again_after_a_5xx() {
        assert_eq!(
            token_verdict(&response(429, Some("2"))),
            again(Some(Duration::from_secs(2)), true)
        );
        for status in [500, 502, 503, 504] {
            assert_eq!(
                token_verdict(&response(status, None)),
                again(None, false),
                "{status}"
            );
        }
        for status in [200, 400, 401, 403] {
            assert_eq!(token_verdict(&response(status, None)), Verdict::Done);
        }
    }

    #[test]
    fn backoff_doubles_with_equal_jitter() {
        assert_eq!(delay(BASE, 0, None, 0.0), Duration::from_millis(50));
        assert_eq!(delay(BASE, 0, None, 0.5), Duration::from_millis(75));
        assert_eq!(delay(BASE, 2, None, 0.0), Duration::from_millis(200));
        assert_eq!(
            delay(BASE, 2, None, 0.999_999),
            Duration::from_millis(400) - Duration::from_nanos(200)
        );
        // The exponent is capped: no overflow however many retries.
        assert_eq!(delay(BASE, 40, None, 1.0), BASE * 1024);
    }

    #[test]
    fn retry_after_is_a_minimum_with_up_to_one_step_of_jitter() {
        let asked = Some(Duration::from_secs(2));
        assert_eq!(delay(BASE, 0, asked, 0.0), Duration::from_secs(2));
        assert_eq!(delay(BASE, 0, asked, 0.5), Duration::from_millis(2050));
        assert_eq!(delay(BASE, 1, asked, 0.5), Duration::from_millis(2100));
        assert_eq!(delay(BASE, 0, Some(Duration::MAX), 0.5), Duration::MAX);
    }

    #[test]
    fn jitter_spreads_clients_told_the_same_thing() {
        let waits: std::collections::BTreeSet<Duration> = (0..64)
            .map(|_| delay(BASE, 0, Some(Duration::from_secs(1)), fastrand::f64()))
            .collect();
        assert!(waits.len() > 32, "{} distinct waits of 64", waits.len());
        assert!(waits.iter().all(|w| *w >= Duration::from_secs(1)));
        assert!(waits.iter().all(|w| *w <= Duration::from_millis(1100)));
    }

    /// A scripted answer for the loop: a status (0 for a connect error) and a Retry-After.
    type Answer = (u16, Option<Duration>);

    fn scripted_verdict(answer: &Answer) -> Verdict {
        match answer {
            (0, _) => again(None, false),
            (429, asked) => again(*asked, true),
            _ => Verdict::Done,
        }
    }

    /// Runs the loop over `script` (the last answer repeats) on paused time: returns the
    /// final answer, what was spent, how many attempts, and the virtual time it took.
    async fn run(
        script: &[Answer],
        budget: RetryBudget,
        deadline: Duration,
    ) -> (Answer, Option<Spent>, usize, Duration) {
        let started = tokio::time::Instant::now();
        let deadline = Deadline::after(deadline);
        let mut sent = 0;
        let attempt = || {
            let answer = script[sent.min(script.len() - 1)];
            sent += 1;
            std::future::ready(answer)
        };
        let (last, spent) = with_retries(budget, BASE, &deadline, attempt, scripted_verdict).await;
        (last, spent, sent, started.elapsed())
    }

    const SECOND: Duration = Duration::from_secs(1);

    #[tokio::test(start_paused = true)]
    async fn the_loop_waits_what_the_server_asked_plus_jitter() {
        let script = [(429, Some(30 * SECOND)), (200, None)];
        let (last, spent, sent, took) = run(&script, RetryBudget::default(), 60 * SECOND).await;
        assert_eq!((last.0, spent, sent), (200, None, 2));
        // Jitter is below one step, but tokio rounds a sleep up to the next millisecond.
        assert!(
            took >= 30 * SECOND && took <= 30 * SECOND + BASE,
            "{took:?}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_wait_past_the_deadline_is_not_started() {
        let script = [
            (429, Some(30 * SECOND)),
            (429, Some(40 * SECOND)),
            (200, None),
        ];
        let (last, spent, sent, took) = run(&script, RetryBudget::default(), 60 * SECOND).await;
        assert_eq!(last, (429, Some(40 * SECOND)));
        let spent = spent.expect("spent on a 429");
        assert_eq!(spent.attempts, 2);
        assert_eq!(spent.retry_after, Some(40 * SECOND));
        assert_eq!(sent, 2);
        assert!(took <= 30 * SECOND + BASE, "only the first wait: {took:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn the_budget_counts_retries() {
        let script = [(429, Some(SECOND))];
        let (_, spent, sent, took) = run(&script, RetryBudget::new(2), 60 * SECOND).await;
        assert_eq!(sent, 3);
        assert_eq!(
            spent,
            Some(Spent {
                attempts: 3,
                retry_after: Some(SECOND)
            })
        );
        // 1 s twice, plus at most one step (100 ms, then 200 ms) of jitter each.
        assert!(
            took >= 2 * SECOND && took <= 2 * SECOND + 3 * BASE,
            "{took:?}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn no_budget_returns_the_first_answer_at_once() {
        let script = [(429, Some(7 * SECOND)), (200, None)];
        let (last, spent, sent, took) = run(&script, RetryBudget::none(), 60 * SECOND).await;
        assert_eq!((last.0, sent, took), (429, 1, Duration::ZERO));
        assert_eq!(spent.map(|s| s.retry_after), Some(Some(7 * SECOND)));
    }

    #[tokio::test(start_paused = true)]
    async fn connect_errors_back_off_exponentially_and_are_not_not_processed() {
        let script = [(0, None)];
        let (last, spent, sent, took) = run(&script, RetryBudget::default(), 60 * SECOND).await;
        assert_eq!((last.0, spent, sent), (0, None, 4));
        // 50..100 ms, 100..200 ms, 200..400 ms.
        let (least, most) = (Duration::from_millis(350), Duration::from_millis(700));
        assert!(took >= least && took <= most, "{took:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn a_final_answer_is_not_retried() {
        let (last, spent, sent, took) =
            run(&[(500, None)], RetryBudget::default(), 60 * SECOND).await;
        assert_eq!((last.0, spent, sent, took), (500, None, 1, Duration::ZERO));
    }

    #[test]
    fn the_default_budget_is_three_retries_and_none_is_zero() {
        assert_eq!(RetryBudget::default(), RetryBudget::new(3));
        assert_eq!(RetryBudget::none().retries(), 0);
    }
}
