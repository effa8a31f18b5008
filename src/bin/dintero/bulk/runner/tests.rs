//! The loop on tokio's paused time, against a simulated limiter: every start and answer
//! is timestamped exactly, so "no start during a pause" is checked, not guessed.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::super::pace::Signal;
use super::*;

const LATENCY: Duration = Duration::from_millis(30);

/// A limiter shared by the simulated calls: the calls started as number `limit_starts`
/// (from 0), and every call of job `always_limit`, answer 429 with `Retry-After: 1`.
/// Every start and every 429 is logged.
#[derive(Default)]
struct Server {
    starts: Vec<(usize, Instant)>,
    limited_answers: Vec<Instant>,
    limit_starts: std::ops::Range<usize>,
    always_limit: Option<usize>,
}

#[derive(Default)]
struct Collect {
    finished: Vec<(usize, bool)>,
    not_processed: usize,
    stopping: Option<usize>,
    peak_window: usize,
}

impl Sink<(usize, bool)> for Collect {
    fn finished(&mut self, outcome: (usize, bool)) -> Result<(), String> {
        self.finished.push(outcome);
        Ok(())
    }
    fn not_processed(&mut self) {
        self.not_processed += 1;
    }
    fn paced(&mut self, pace: &Pace, _now: Instant) {
        self.peak_window = self.peak_window.max(pace.window());
    }
    fn stopping(&mut self, in_flight: usize) {
        self.stopping = Some(in_flight);
    }
}

/// A call: waits the latency, then asks the server; `(job, true)` when it went through,
/// `(job, false)` when it gave up after the last attempt.
type Call = std::pin::Pin<Box<dyn Future<Output = (usize, Verdict<(usize, bool)>)> + Send>>;

fn call(server: &Arc<Mutex<Server>>) -> impl Fn(usize, u32) -> Call {
    let server = server.clone();
    move |job, _attempt| {
        let server = server.clone();
        let limit = {
            let mut log = server.lock().unwrap();
            let sequence = log.starts.len();
            log.starts.push((job, Instant::now()));
            log.limit_starts.contains(&sequence) || log.always_limit == Some(job)
        };
        Box::pin(async move {
            tokio::time::sleep(LATENCY).await;
            if !limit {
                return (job, Verdict::Finished((job, true), Signal::Clean));
            }
            server.lock().unwrap().limited_answers.push(Instant::now());
            let signal = Signal::Limited {
                retry_after: Some(Duration::from_secs(1)),
            };
            (job, Verdict::Again(signal, (job, false)))
        })
    }
}

#[tokio::test(start_paused = true)]
async fn a_limit_answer_stops_every_start_until_retry_after_then_all_rows_finish() {
    // Let 40 rows through, then limit the next 3.
    let server = Arc::new(Mutex::new(Server {
        limit_starts: 40..43,
        ..Server::default()
    }));
    let mut pace = Pace::new(4, 8, Instant::now());
    let mut sink = Collect::default();
    let stop = std::future::pending();
    let ended = run(0..200usize, &mut pace, 5, call(&server), &mut sink, stop)
        .await
        .unwrap();

    assert_eq!(
        ended,
        Ended {
            interrupted: false,
            not_started: 0
        }
    );
    let mut finished: Vec<usize> = sink
        .finished
        .iter()
        .map(|(job, ok)| {
            assert!(ok, "row {job} gave up");
            *job
        })
        .collect();
    finished.sort_unstable();
    assert_eq!(
        finished,
        (0..200).collect::<Vec<_>>(),
        "every row finished exactly once"
    );
    assert_eq!(sink.not_processed, 3);
    assert!(sink.peak_window <= 8);

    let server = server.lock().unwrap();
    let first_limit = server.limited_answers[0];
    let resumed = first_limit + Duration::from_secs(1);
    let during_pause: Vec<_> = server
        .starts
        .iter()
        .filter(|(_, at)| *at > first_limit && *at < resumed)
        .collect();
    assert!(
        during_pause.is_empty(),
        "started during the pause: {during_pause:?}"
    );
    assert!(
        server.starts.iter().any(|(_, at)| *at >= resumed),
        "the run went on after the pause"
    );
    // The limited rows were sent again: 200 rows + 3 repeats.
    assert_eq!(server.starts.len(), 203);
}

#[tokio::test(start_paused = true)]
async fn a_row_that_is_never_processed_gives_up_after_the_last_attempt() {
    let server = Arc::new(Mutex::new(Server {
        always_limit: Some(2),
        ..Server::default()
    }));
    let mut pace = Pace::new(2, 4, Instant::now());
    let mut sink = Collect::default();
    let ended = run(
        0..5usize,
        &mut pace,
        3,
        call(&server),
        &mut sink,
        std::future::pending(),
    )
    .await
    .unwrap();
    assert!(!ended.interrupted);
    assert!(sink.finished.contains(&(2, false)));
    assert_eq!(sink.finished.iter().filter(|(_, ok)| *ok).count(), 4);
    let sent_2 = server
        .lock()
        .unwrap()
        .starts
        .iter()
        .filter(|(job, _)| *job == 2)
        .count();
    assert_eq!(sent_2, 3, "three attempts, no more");
}

#[tokio::test(start_paused = true)]
async fn a_stop_lets_the_rows_in_flight_finish_and_starts_nothing_new() {
    let server = Arc::new(Mutex::new(Server::default()));
    let mut pace = Pace::new(4, 4, Instant::now());
    let mut sink = Collect::default();
    let stop = tokio::time::sleep(Duration::from_millis(100));
    let ended = run(0..100usize, &mut pace, 3, call(&server), &mut sink, stop)
        .await
        .unwrap();
    assert!(ended.interrupted);
    let sent = server.lock().unwrap().starts.len();
    assert_eq!(sink.stopping, Some(4));
    assert_eq!(
        sink.finished.len(),
        sent,
        "every row sent was finished and reported"
    );
    assert_eq!(ended.not_started, 100 - sent);
}
