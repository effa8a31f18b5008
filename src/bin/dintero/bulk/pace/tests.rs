use std::cmp::Reverse;
use std::collections::BinaryHeap;

use super::*;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// Starts everything the pace allows at `now`; the tickets.
fn start_all(pace: &mut Pace, in_flight: usize, now: Instant) -> Vec<Ticket> {
    let mut tickets = Vec::new();
    while pace.permit(in_flight + tickets.len(), now) == Permit::Now {
        tickets.push(pace.start(now));
    }
    tickets
}

const LIMITED: Signal = Signal::Limited {
    retry_after: Some(Duration::from_secs(1)),
};

#[test]
fn the_window_grows_by_one_per_round_trip_up_to_the_maximum() {
    let t0 = Instant::now();
    let mut pace = Pace::new(4, 6, t0);
    let mut now = t0;
    let mut windows = Vec::new();
    for _ in 0..5 {
        let tickets = start_all(&mut pace, 0, now);
        assert_eq!(
            tickets.len(),
            pace.window(),
            "the window is filled, no more"
        );
        now += ms(30);
        for ticket in tickets {
            pace.answered(ticket, Signal::Clean, now);
        }
        windows.push(pace.window());
    }
    assert_eq!(windows, [5, 6, 6, 6, 6]);
    assert_eq!(pace.rate(), None, "clean answers never pace");
}

#[test]
fn a_limit_answer_pauses_every_start_and_cuts_once_per_round() {
    let t0 = Instant::now();
    let mut pace = Pace::new(8, 32, t0);
    let tickets = start_all(&mut pace, 0, t0);
    assert_eq!(tickets.len(), 8);
    let answered = t0 + ms(40);
    // Three of the eight meet the limit: one cut, one pause.
    for (i, ticket) in tickets.into_iter().enumerate() {
        let signal = if i < 3 { LIMITED } else { Signal::Clean };
        pace.answered(ticket, signal, answered);
    }
    let rate = pace.rate().expect("paced after a limit");
    // 8 in flight at 40 ms is 200/s; cut to 80 %.
    assert!((rate - 160.0).abs() < 1.0, "{rate}");
    let resume = answered + Duration::from_secs(1);
    assert_eq!(pace.permit(0, answered), Permit::At(resume));
    assert_eq!(pace.permit(0, resume - ms(1)), Permit::At(resume));
    assert_eq!(pace.permit(0, resume), Permit::Now);
}

#[test]
fn answers_from_before_a_cut_extend_the_pause_but_do_not_cut_again() {
    let t0 = Instant::now();
    let mut pace = Pace::new(4, 32, t0);
    let tickets = start_all(&mut pace, 0, t0);
    pace.answered(tickets[0], LIMITED, t0 + ms(30));
    let rate = pace.rate().unwrap();
    pace.answered(tickets[1], LIMITED, t0 + ms(35));
    assert_eq!(pace.rate(), Some(rate), "same round: no second cut");
    let resume = t0 + ms(35) + Duration::from_secs(1);
    assert_eq!(pace.permit(0, t0 + ms(40)), Permit::At(resume));

    // A request of the new round meets the limit again: that cuts.
    let ticket = pace.start(resume);
    pace.answered(ticket, LIMITED, resume + ms(30));
    assert!(pace.rate().unwrap() < rate);
}

#[test]
fn paced_starts_are_spaced_and_bank_at_most_one_slot() {
    let t0 = Instant::now();
    let mut pace = Pace::new(4, 64, t0);
    let ticket = pace.start(t0);
    pace.answered(ticket, Signal::Overloaded, t0 + ms(10));
    // 4 in flight at 10 ms = 400/s; a 503 cuts to 90 %: 360/s, no pause.
    let rate = pace.rate().unwrap();
    assert!((rate - 360.0).abs() < 1.0, "{rate}");
    let slot = Duration::from_secs_f64(1.0 / rate);

    // Whenever it is woken, the pacer allows the slot that is due and one banked slot
    // (so a late timer does not slow the run down), then spaces starts a slot apart.
    for now in [t0 + ms(10), t0 + ms(10) + Duration::from_secs(5)] {
        assert_eq!(start_all(&mut pace, 0, now).len(), 2);
        let Permit::At(next) = pace.permit(2, now) else {
            panic!("the third start waits for its slot")
        };
        let gap = next - now;
        assert!(gap <= slot && gap + ms(1) > slot, "{gap:?}");
    }
}

#[test]
fn the_window_follows_the_rate_and_never_passes_the_maximum() {
    let t0 = Instant::now();
    let mut pace = Pace::new(4, 5, t0);
    let mut now = t0;
    let mut in_flight: Vec<Ticket> = Vec::new();
    for _ in 0..2000 {
        while pace.permit(in_flight.len(), now) == Permit::Now {
            in_flight.push(pace.start(now));
        }
        assert!(in_flight.len() <= 5);
        now += ms(2);
        let ticket = in_flight.remove(0);
        pace.answered(ticket, Signal::Clean, now);
        if let Permit::At(at) = pace.permit(in_flight.len(), now) {
            now = now.max(at);
        }
    }
    assert_eq!(pace.window(), 5);
}

/// A limiter like the fake's and a gateway's: a token bucket per account holding
/// `capacity` tokens, refilled at `rate` per second, taken when a request is handled
/// (after the latency); when empty, 429 with `Retry-After` in whole seconds, rounded up.
struct Bucket {
    rate: f64,
    capacity: f64,
    tokens: f64,
    at: Instant,
}

impl Bucket {
    fn take(&mut self, now: Instant) -> Signal {
        let refill = now.saturating_duration_since(self.at).as_secs_f64() * self.rate;
        self.tokens = (self.tokens + refill).min(self.capacity);
        self.at = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            return Signal::Clean;
        }
        let wait = ((1.0 - self.tokens) / self.rate).ceil();
        Signal::Limited {
            retry_after: Some(Duration::from_secs_f64(wait)),
        }
    }
}

#[derive(Debug)]
struct Run {
    /// Wall time over rows / rate.
    ratio: f64,
    /// Answers that met the limit.
    limited: usize,
    /// Cuts (rounds that met the limit).
    cuts: u64,
    peak: usize,
}

/// Runs `rows` requests through `pace` against `bucket` with `latency` (plus up to 2 ms of
/// seeded jitter); a limited request goes back in the queue. A discrete-event simulation:
/// no sleeping, exact and fast.
fn simulate(mut pace: Pace, mut bucket: Bucket, latency: Duration, rows: usize) -> Run {
    let t0 = bucket.at;
    let mut rng = fastrand::Rng::with_seed(7);
    let mut now = t0;
    let mut queued = rows;
    let mut done = 0;
    let (mut limited, mut peak) = (0, 0);
    // (answer time, sequence) -> (ticket, signal)
    let mut answers = BinaryHeap::new();
    let mut tickets = Vec::new();
    let mut sequence = 0u64;
    while done < rows {
        while queued > 0 && pace.permit(answers.len(), now) == Permit::Now {
            queued -= 1;
            let handled = now + latency + Duration::from_micros(rng.u64(0..2000));
            let signal = bucket.take(handled);
            tickets.push((pace.start(now), signal));
            answers.push(Reverse((handled + Duration::from_micros(500), sequence)));
            sequence += 1;
            peak = peak.max(answers.len());
        }
        let next_answer = answers.peek().map(|Reverse((at, _))| *at);
        let wake = match pace.permit(answers.len(), now) {
            Permit::At(at) if queued > 0 => Some(at),
            _ => None,
        };
        match (next_answer, wake) {
            (None, Some(wake)) => now = wake,
            (Some(answer), Some(wake)) if wake < answer => now = wake,
            (Some(at), _) => {
                let Reverse((_, seq)) = answers.pop().unwrap();
                now = at;
                let (ticket, signal) = tickets[seq as usize];
                if signal == Signal::Clean {
                    done += 1;
                } else {
                    limited += 1;
                    queued += 1;
                }
                pace.answered(ticket, signal, now);
            }
            (None, None) => unreachable!("rows left but nothing to wait for"),
        }
    }
    let ideal = rows as f64 / bucket.rate;
    Run {
        ratio: (now - t0).as_secs_f64() / ideal,
        limited,
        cuts: pace.round,
        peak,
    }
}

fn bucket(rate: f64, capacity: f64, now: Instant) -> Bucket {
    Bucket {
        rate,
        capacity,
        tokens: capacity,
        at: now,
    }
}

#[test]
fn against_a_200_per_second_limit_it_hovers_near_the_rate_with_few_cuts() {
    for rows in [2_000, 10_000] {
        let t0 = Instant::now();
        let run = simulate(Pace::new(4, 32, t0), bucket(200.0, 200.0, t0), ms(30), rows);
        assert!(run.ratio < 1.05, "{rows} rows: {run:?}");
        // A handful of cuts, not one every second: it learns the rate and stays under it.
        assert!(run.cuts <= (rows / 1000) as u64 + 3, "{rows} rows: {run:?}");
        assert!(run.peak <= 32);
    }
}

#[test]
fn a_small_burst_allowance_costs_more_pauses_but_still_converges() {
    // A gateway that allows only 0.1 s of burst: every pause wastes most of a second.
    let t0 = Instant::now();
    let run = simulate(
        Pace::new(4, 32, t0),
        bucket(200.0, 20.0, t0),
        ms(30),
        10_000,
    );
    assert!(run.ratio < 1.25, "{run:?}");
    assert!(run.cuts <= 10, "{run:?}");
}

#[test]
fn without_a_limit_it_runs_at_the_maximum_and_never_paces() {
    let t0 = Instant::now();
    let mut pace = Pace::new(4, 16, t0);
    let mut now = t0;
    let mut in_flight = Vec::new();
    for _ in 0..500 {
        while pace.permit(in_flight.len(), now) == Permit::Now {
            in_flight.push(pace.start(now));
        }
        now += ms(1);
        pace.answered(in_flight.remove(0), Signal::Clean, now);
    }
    assert_eq!(pace.window(), 16);
    assert_eq!(pace.rate(), None);
    let _ = simulate; // the limit-free case needs no bucket
}

#[test]
fn a_limit_that_is_slower_than_the_first_window_is_found() {
    // 20 requests/s, while even the starting window sends 130/s.
    let t0 = Instant::now();
    let run = simulate(Pace::new(4, 32, t0), bucket(20.0, 20.0, t0), ms(30), 600);
    assert!(run.ratio < 1.1, "{run:?}");
    assert!(run.limited > 0);
}
