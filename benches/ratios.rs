//! Per-call latency (median, p99) and throughput at concurrency 1 and 64 of
//! (a) raw reqwest + serde_json into a hand-written struct,
//! (a') the same raw reqwest call decoded into the generated `types::Customer`,
//! (b) the generated progenitor method (`Dintero::raw()`),
//! (c) `Dintero::change_customer_id` with a cached token,
//! against one loopback server answering the seed's Customer JSON, and the ratios b/a and
//! c/a from the same run.
//!
//! The variants run interleaved, in rounds whose order rotates, so that a noisy, shared
//! machine slows all three alike. Run: `cargo bench --bench ratios`.
//! Knobs (environment): `BENCH_ROUNDS` (default 12), `BENCH_CALLS` (calls per variant per
//! round at concurrency 1, default 300), `BENCH_CLIENT_THREADS` (default 1).

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{Raw, dintero, generated, start_server, typed};
use dintero_client::Dintero;
use tokio::runtime::Runtime;

const N: usize = 4;
const NAMES: [&str; N] = [
    "(a) reqwest + serde_json",
    "(a') reqwest, generated type",
    "(b) generated (raw())",
    "(c) Dintero, cached token",
];

#[derive(Default)]
struct Samples {
    latencies: Vec<Duration>,
    wall: Duration,
    calls: usize,
    /// Wall time per call of each round, in round order.
    per_round: Vec<f64>,
}

impl Samples {
    fn add(&mut self, latencies: Vec<Duration>, wall: Duration) {
        self.per_round
            .push(wall.as_secs_f64() / latencies.len() as f64);
        self.calls += latencies.len();
        self.latencies.extend(latencies);
        self.wall += wall;
    }

    /// The median over rounds of this variant's time per call over `base`'s in the same
    /// round, and the range: a burst of load on the machine (common on a shared VM, where
    /// one round can run at half the speed of the next) moves one round's pair, not the
    /// median, while it moves pooled figures.
    fn paired(&self, base: &Samples) -> (f64, f64, f64) {
        let mut ratios: Vec<f64> = self
            .per_round
            .iter()
            .zip(&base.per_round)
            .map(|(v, a)| v / a)
            .collect();
        ratios.sort_by(f64::total_cmp);
        let median = ratios[ratios.len() / 2];
        (median, ratios[0], ratios[ratios.len() - 1])
    }

    fn quantile(&mut self, q: f64) -> Duration {
        self.latencies.sort_unstable();
        let i = ((self.latencies.len() as f64 - 1.0) * q).round() as usize;
        self.latencies[i]
    }

    fn throughput(&self) -> f64 {
        self.calls as f64 / self.wall.as_secs_f64()
    }
}

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// One call of variant `v`.
async fn call(v: usize, raw: &Raw, client: &Dintero) {
    match v {
        0 => {
            std::hint::black_box(raw.call().await);
        }
        1 => {
            std::hint::black_box(raw.call_typed().await);
        }
        2 => {
            std::hint::black_box(generated(client).await);
        }
        _ => {
            std::hint::black_box(typed(client).await);
        }
    }
}

/// `tasks` concurrent tasks of `per_task` sequential calls each.
fn run(
    rt: &Runtime,
    v: usize,
    tasks: usize,
    per_task: usize,
    raw: &Raw,
    client: &Dintero,
) -> (Vec<Duration>, Duration) {
    rt.block_on(async {
        let started = Instant::now();
        let handles: Vec<_> = (0..tasks)
            .map(|_| {
                let raw = raw.clone();
                let client = client.clone();
                tokio::spawn(async move {
                    let mut lat = Vec::with_capacity(per_task);
                    for _ in 0..per_task {
                        let t = Instant::now();
                        call(v, &raw, &client).await;
                        lat.push(t.elapsed());
                    }
                    lat
                })
            })
            .collect();
        let mut all = Vec::with_capacity(tasks * per_task);
        for h in handles {
            all.extend(h.await.unwrap());
        }
        (all, started.elapsed())
    })
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` passes nothing: a smoke run.
    let smoke = !std::env::args().any(|a| a == "--bench");
    let rounds = if smoke { 1 } else { env("BENCH_ROUNDS", 12) };
    let calls = if smoke { 20 } else { env("BENCH_CALLS", 300) };
    let threads = env("BENCH_CLIENT_THREADS", 1);
    let per_task_64 = (calls / 8).max(2);

    let (server, _server_rt) = start_server();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads)
        .enable_all()
        .build()
        .unwrap();
    let raw = Raw::new(&server);
    let client = Arc::new(dintero(&server));

    // Warm up: connections, the token, allocator, caches.
    for v in 0..N {
        run(&rt, v, 1, calls / 2, &raw, &client);
        run(&rt, v, 64, 2, &raw, &client);
    }

    // Profiling aid: `BENCH_ONLY=<0..3>` runs one variant at concurrency 64 (or
    // `BENCH_TASKS`) and exits.
    if let Ok(only) = std::env::var("BENCH_ONLY") {
        let v: usize = only.parse().expect("BENCH_ONLY=0..3");
        let tasks = env("BENCH_TASKS", 64);
        let per_task = per_task_64 * rounds * 4 * 64 / tasks;
        let (lat, wall) = run(&rt, v, tasks, per_task, &raw, &client);
        println!(
            "{}: {:.0} calls/s",
            NAMES[v],
            lat.len() as f64 / wall.as_secs_f64()
        );
        return;
    }

    let mut c1: [Samples; N] = Default::default();
    let mut c64: [Samples; N] = Default::default();
    for round in 0..rounds {
        for k in 0..N {
            let v = (round + k) % N;
            let (lat, wall) = run(&rt, v, 1, calls, &raw, &client);
            c1[v].add(lat, wall);
        }
        for k in 0..N {
            let v = (round + k + 1) % N;
            let (lat, wall) = run(&rt, v, 64, per_task_64, &raw, &client);
            c64[v].add(lat, wall);
        }
    }

    println!(
        "\ndintero-client ratios: {rounds} interleaved rounds, {calls} calls/variant/round at \
         concurrency 1, 64 x {per_task_64} at concurrency 64, {threads} client worker thread(s), \
         server on its own thread; server hits {}",
        server.hits()
    );
    for (label, samples) in [("1", &mut c1), ("64", &mut c64)] {
        println!("\nconcurrency {label}");
        println!(
            "{:<28} {:>10} {:>10} {:>12} {:>8} {:>8}",
            "variant", "median µs", "p99 µs", "calls/s", "x/a med", "x/a thr"
        );
        let medians: Vec<f64> = (0..N)
            .map(|v| samples[v].quantile(0.5).as_secs_f64())
            .collect();
        let thr: Vec<f64> = (0..N).map(|v| samples[v].throughput()).collect();
        for v in 0..N {
            let p99 = samples[v].quantile(0.99);
            println!(
                "{:<28} {:>10.1} {:>10.1} {:>12.0} {:>8.3} {:>8.3}",
                NAMES[v],
                medians[v] * 1e6,
                p99.as_secs_f64() * 1e6,
                thr[v],
                medians[v] / medians[0],
                thr[0] / thr[v],
            );
        }
        println!(
            "RATIOS c={label}: b/a median {:.3}, c/a median {:.3}; b/a time-per-call {:.3}, \
             c/a time-per-call {:.3} (target c/a <= 1.05)",
            medians[2] / medians[0],
            medians[3] / medians[0],
            thr[0] / thr[2],
            thr[0] / thr[3],
        );
        println!(
            "RATIOS c={label} vs (a') same decoded type: b/a' median {:.3}, c/a' median {:.3}; \
             b/a' time-per-call {:.3}, c/a' time-per-call {:.3}",
            medians[2] / medians[1],
            medians[3] / medians[1],
            thr[1] / thr[2],
            thr[1] / thr[3],
        );
        let paired: Vec<(f64, f64, f64)> = (0..N).map(|v| samples[v].paired(&samples[0])).collect();
        println!(
            "PAIRED c={label}: time per call over (a) in the same round, median (range) of \
             {rounds} rounds: a'/a {:.3} ({:.3}-{:.3}), b/a {:.3} ({:.3}-{:.3}), \
             c/a {:.3} ({:.3}-{:.3})",
            paired[1].0,
            paired[1].1,
            paired[1].2,
            paired[2].0,
            paired[2].1,
            paired[2].2,
            paired[3].0,
            paired[3].1,
            paired[3].2,
        );
    }
    if smoke {
        println!("(smoke run: pass --bench, as `cargo bench` does, for real numbers)");
    }
}
