//! The pace of a bulk run: how many changes may be in flight and how fast new ones start,
//! learned from the answers.
//!
//! Pure policy: the time is passed in (tokio's `Instant`, so the loop that applies it can be
//! tested on paused time) and nothing here sleeps or does I/O.
//!
//! # Why a paced rate and not only a concurrency window
//!
//! An API limit is a rate (requests per second, usually a token bucket per account), and
//! the concurrency a rate needs depends on the latency: 200 requests/s at 30 ms is 6 in
//! flight, at 100 ms it is 20. A window of whole requests is also too coarse near the limit
//! (6 in flight is 200/s, 7 is 233/s). So the window only finds the first limit; after it,
//! starts are paced at a rate and the window follows that rate (Little's law, with
//! headroom).
//!
//! # The policy
//!
//! - Until the first limit answer: a window that starts at `--concurrency` and grows by
//!   one for each window's worth of clean answers (once per round trip), up to the maximum.
//! - A limit answer (429, or 503 with `Retry-After`) pauses every start until the time it
//!   asks for, and cuts the rate once per round of requests (answers to requests started
//!   before the cut say nothing new): to 80 % of the rate that was too fast, or to 95 % of
//!   the rate the server admitted since its previous limit answer when that is lower (a token
//!   bucket that answered 429 at both ends was empty at both, so what it let through in
//!   between is its rate), but never below half at once (an estimate spoiled by a bucket
//!   that refilled unused during a pause must not collapse the rate).
//! - Clean answers raise the rate quickly (20 %/s) up to 90 % of the last rate found too
//!   fast, then slowly (0.5 %/s): it hovers just under the limit and probes gently, rather
//!   than hitting it again and again; each hit costs a whole-second pause.
//! - A 503 without `Retry-After` (overload, or a gateway) is a milder cut (to 90 %) and no
//!   pause: it says the server is struggling, not what its limit is.

use std::time::Duration;

use tokio::time::Instant;

/// Cut to this share of the rate that met a limit.
const CUT: f64 = 0.8;
/// Hover at this share of the rate the server was measured to admit.
const HOVER: f64 = 0.95;
/// Never cut below this share of the current rate at once.
const FLOOR: f64 = 0.5;
/// Cut to this share on a 503 without `Retry-After`.
const OVERLOAD_CUT: f64 = 0.9;
/// Growth per second while well under the last rate found too fast...
const FAST_GROWTH: f64 = 0.2;
/// ...and near or above it.
const SLOW_GROWTH: f64 = 0.005;
/// "Near": this share of the last rate found too fast.
const NEAR: f64 = 0.9;
/// In-flight requests allowed per request the rate needs in flight (latency spikes).
const HEADROOM: f64 = 1.5;
/// The slowest pace: a rate of zero would never start again.
const MIN_RATE: f64 = 0.5;
/// Weight of a new latency sample in the moving average.
const LATENCY_WEIGHT: f64 = 0.2;
/// Growth counts at most this much time per answer (answers after a pause or a lull say
/// nothing about the time in between).
const MAX_GROWTH_STEP: Duration = Duration::from_millis(100);

/// What an answer says about the pace.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Signal {
    /// The server answered in time (any status that is not about load).
    Clean,
    /// No answer that says anything about load (a lost connection): neither grow nor cut.
    Neutral,
    /// 429, or 503 with `Retry-After`: too fast; wait `retry_after` if given.
    Limited { retry_after: Option<Duration> },
    /// 502, 503 or 504 without `Retry-After`: the server or a gateway is struggling.
    Overloaded,
}

/// May another request start now?
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Permit {
    Now,
    /// Not before this time (a pause, or the pacer's next slot).
    At(Instant),
    /// Not until an answer frees a place in the window.
    Full,
}

/// Handed out with each start and given back with its answer.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ticket {
    round: u64,
    started: Instant,
}

/// The rate a limiter let through since its last limit answer.
#[derive(Debug, Clone, Copy)]
struct Admitted {
    since: Instant,
    count: u32,
}

/// The controller. See the module documentation for the policy.
#[derive(Debug)]
pub(crate) struct Pace {
    window: usize,
    max: usize,
    /// Clean answers since the window last grew (before pacing).
    clean: usize,
    /// Starts per second; `None` until the first limit or overload answer.
    rate: Option<f64>,
    /// The last rate found too fast.
    ceiling: f64,
    next_start: Instant,
    paused_until: Option<Instant>,
    /// Bumped at each cut: answers to older rounds do not cut again.
    round: u64,
    latency: Option<Duration>,
    grown_at: Instant,
    admitted: Option<Admitted>,
}

impl Pace {
    /// Starts with a window of `start` (at least 1), never more than `max`.
    pub(crate) fn new(start: usize, max: usize, now: Instant) -> Self {
        let max = max.max(1);
        Self {
            window: start.clamp(1, max),
            max,
            clean: 0,
            rate: None,
            ceiling: 0.0,
            next_start: now,
            paused_until: None,
            round: 0,
            latency: None,
            grown_at: now,
            admitted: None,
        }
    }

    /// How many requests may be in flight now.
    pub(crate) fn window(&self) -> usize {
        self.window
    }

    /// The paced rate in starts per second, once a limit was met.
    pub(crate) fn rate(&self) -> Option<f64> {
        self.rate
    }

    /// Until when every start waits, if a `Retry-After` is in force.
    pub(crate) fn paused_until(&self, now: Instant) -> Option<Instant> {
        self.paused_until.filter(|until| *until > now)
    }

    /// Whether a request may start now, with `in_flight` already running.
    pub(crate) fn permit(&self, in_flight: usize, now: Instant) -> Permit {
        if let Some(until) = self.paused_until(now) {
            return Permit::At(until);
        }
        if in_flight >= self.window {
            return Permit::Full;
        }
        if self.rate.is_some() && now < self.next_start {
            return Permit::At(self.next_start);
        }
        Permit::Now
    }

    /// Records a start the [`permit`](Self::permit) allowed.
    pub(crate) fn start(&mut self, now: Instant) -> Ticket {
        if let Some(rate) = self.rate {
            let interval = Duration::from_secs_f64(1.0 / rate);
            // No credit for time nobody started anything (a pause, a lull): the pacer
            // never bursts to catch up.
            let earliest = now.checked_sub(interval).unwrap_or(now);
            self.next_start = self.next_start.max(earliest) + interval;
        }
        Ticket {
            round: self.round,
            started: now,
        }
    }

    /// Learns from the answer to the request of `ticket`.
    pub(crate) fn answered(&mut self, ticket: Ticket, signal: Signal, now: Instant) {
        self.observe_latency(now.saturating_duration_since(ticket.started));
        let current = ticket.round == self.round;
        match signal {
            Signal::Clean => {
                if let Some(admitted) = &mut self.admitted {
                    admitted.count += 1;
                }
                self.grow(now);
            }
            Signal::Neutral => {}
            Signal::Limited { retry_after } => {
                if let Some(wait) = retry_after {
                    self.pause(now + wait);
                }
                if current {
                    self.cut_for_limit(now);
                }
            }
            Signal::Overloaded if current => {
                let sending = self.sending_rate();
                if self.rate.is_none() {
                    self.ceiling = sending;
                }
                self.set_rate(OVERLOAD_CUT * sending, now);
            }
            Signal::Overloaded => {}
        }
    }

    fn observe_latency(&mut self, sample: Duration) {
        self.latency = Some(match self.latency {
            None => sample,
            Some(average) => average.mul_f64(1.0 - LATENCY_WEIGHT) + sample.mul_f64(LATENCY_WEIGHT),
        });
    }

    fn grow(&mut self, now: Instant) {
        let Some(rate) = self.rate else {
            // Additive increase, once per round trip: a window's worth of clean answers.
            self.clean += 1;
            if self.clean >= self.window {
                self.clean = 0;
                self.window = (self.window + 1).min(self.max);
            }
            return;
        };
        let step = now
            .saturating_duration_since(self.grown_at)
            .min(MAX_GROWTH_STEP);
        self.grown_at = self.grown_at.max(now);
        let growth = if rate < NEAR * self.ceiling {
            FAST_GROWTH
        } else {
            SLOW_GROWTH
        };
        let rate = rate * (1.0 + growth * step.as_secs_f64());
        // Going past the last rate found too fast without a limit answer: it was not.
        self.ceiling = self.ceiling.max(rate);
        self.rate = Some(rate);
        self.fit_window();
    }

    fn cut_for_limit(&mut self, now: Instant) {
        let sending = self.sending_rate();
        let mut rate = CUT * sending;
        if let Some(admitted) = self.admitted {
            let elapsed = now.saturating_duration_since(admitted.since).as_secs_f64();
            if elapsed > 0.0 {
                let measured = f64::from(admitted.count) / elapsed;
                rate = rate.min(HOVER * measured).max(FLOOR * sending);
            }
        }
        self.ceiling = sending;
        self.admitted = Some(Admitted {
            since: now,
            count: 0,
        });
        self.set_rate(rate, now);
    }

    /// The rate requests are going out at: the pacer's, or what the window allows at the
    /// current latency, whichever is lower.
    fn sending_rate(&self) -> f64 {
        let latency = self
            .latency
            .map_or(1.0, |l| l.as_secs_f64())
            .max(f64::EPSILON);
        let by_window = self.window as f64 / latency;
        self.rate.map_or(by_window, |rate| rate.min(by_window))
    }

    /// A new rate, starting a new round.
    fn set_rate(&mut self, rate: f64, now: Instant) {
        self.rate = Some(rate.max(MIN_RATE));
        self.round += 1;
        self.grown_at = self.grown_at.max(now);
        self.fit_window();
    }

    /// The window the rate needs at the current latency, with headroom.
    fn fit_window(&mut self) {
        let (Some(rate), Some(latency)) = (self.rate, self.latency) else {
            return;
        };
        let needed = (rate * latency.as_secs_f64() * HEADROOM).ceil() as usize + 1;
        self.window = needed.clamp(1, self.max);
    }

    fn pause(&mut self, until: Instant) {
        let until = self.paused_until.map_or(until, |p| p.max(until));
        self.paused_until = Some(until);
        // The pacer restarts from the end of the pause, without credit for it.
        self.next_start = self.next_start.max(until);
        self.grown_at = self.grown_at.max(until);
    }
}

#[cfg(test)]
mod tests;
