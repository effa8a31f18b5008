//! The loop of a bulk run: starts rows as the [`Pace`] allows, feeds it every answer,
//! sends rows that were not processed again (a bounded number of times), and on a stop
//! request starts nothing new but lets the rows in flight finish.
//!
//! Generic over the row and the call, so it is tested on tokio's paused time with a
//! simulated limiter instead of a server.

use std::collections::VecDeque;
use std::future::Future;

use tokio::task::JoinSet;
use tokio::time::Instant;

use super::pace::{Pace, Permit, Ticket};
use super::verdict::Verdict;

/// Where the runner reports.
pub(crate) trait Sink<O> {
    /// A row finished. An error (the result file cannot be written) stops the run.
    fn finished(&mut self, outcome: O) -> Result<(), String>;
    /// An answer said the request was not processed (429, 503 with `Retry-After`).
    fn not_processed(&mut self);
    /// After every answer: the pace as it is now.
    fn paced(&mut self, pace: &Pace, now: Instant);
    /// A stop was requested with `in_flight` rows running.
    fn stopping(&mut self, in_flight: usize);
}

/// A job's answer, with what the runner needs to handle it.
struct Answer<J, O> {
    ticket: Ticket,
    attempts: u32,
    job: J,
    verdict: Verdict<O>,
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Ended {
    /// A stop was requested.
    pub(crate) interrupted: bool,
    /// Rows never finished because of it (not started, or waiting to be sent again).
    pub(crate) not_started: usize,
}

/// Runs every job through `apply` (given the job and its attempt number, from 1) as `pace`
/// allows; a job whose answer is [`Verdict::Again`] goes back to the front of the queue
/// until `max_attempts`. Returns when every job finished, or after `stop` resolved and the
/// jobs in flight finished.
pub(crate) async fn run<J, O, F, Fut>(
    jobs: impl IntoIterator<Item = J>,
    pace: &mut Pace,
    max_attempts: u32,
    apply: F,
    sink: &mut impl Sink<O>,
    stop: impl Future<Output = ()>,
) -> Result<Ended, String>
where
    J: Send + 'static,
    O: Send + 'static,
    F: Fn(J, u32) -> Fut,
    Fut: Future<Output = (J, Verdict<O>)> + Send + 'static,
{
    let mut queue: VecDeque<(J, u32)> = jobs.into_iter().map(|job| (job, 0)).collect();
    let mut in_flight = JoinSet::new();
    let mut interrupted = false;
    tokio::pin!(stop);
    loop {
        let wake = if interrupted {
            None
        } else {
            start_allowed(&mut queue, &mut in_flight, pace, &apply)
        };
        if in_flight.is_empty() && (interrupted || queue.is_empty()) {
            return Ok(Ended {
                interrupted,
                not_started: queue.len(),
            });
        }
        tokio::select! {
            Some(joined) = in_flight.join_next(), if !in_flight.is_empty() => {
                let Answer { ticket, attempts, job, verdict } =
                    joined.map_err(|e| format!("a worker failed: {e}"))?;
                let now = Instant::now();
                match verdict {
                    Verdict::Finished(outcome, signal) => {
                        pace.answered(ticket, signal, now);
                        sink.finished(outcome)?;
                    }
                    Verdict::Again(signal, give_up) => {
                        pace.answered(ticket, signal, now);
                        sink.not_processed();
                        if attempts >= max_attempts {
                            sink.finished(give_up)?;
                        } else {
                            queue.push_front((job, attempts));
                        }
                    }
                }
                sink.paced(pace, now);
            }
            () = sleep_until(wake), if wake.is_some() => {}
            () = &mut stop, if !interrupted => {
                interrupted = true;
                sink.stopping(in_flight.len());
            }
        }
    }
}

/// Starts queued jobs while the pace allows; when it will allow the next one, if that is
/// a matter of time rather than of an answer.
fn start_allowed<J, O, F, Fut>(
    queue: &mut VecDeque<(J, u32)>,
    in_flight: &mut JoinSet<Answer<J, O>>,
    pace: &mut Pace,
    apply: &F,
) -> Option<Instant>
where
    J: Send + 'static,
    O: Send + 'static,
    F: Fn(J, u32) -> Fut,
    Fut: Future<Output = (J, Verdict<O>)> + Send + 'static,
{
    let now = Instant::now();
    while !queue.is_empty() {
        match pace.permit(in_flight.len(), now) {
            Permit::Now => {
                let (job, attempts) = queue.pop_front().expect("not empty");
                let ticket = pace.start(now);
                let attempts = attempts + 1;
                let attempt = apply(job, attempts);
                in_flight.spawn(async move {
                    let (job, verdict) = attempt.await;
                    Answer {
                        ticket,
                        attempts,
                        job,
                        verdict,
                    }
                });
            }
            Permit::At(at) => return Some(at),
            Permit::Full => return None,
        }
    }
    None
}

async fn sleep_until(wake: Option<Instant>) {
    if let Some(at) = wake {
        tokio::time::sleep_until(at).await;
    }
}

#[cfg(test)]
mod tests;
