//! Criterion benchmarks: the token cache hot path (alone and under 8 concurrent tasks) and
//! one call of each variant at concurrency 1. The interleaved ratio table is in
//! `benches/ratios.rs`. Run: `cargo bench --bench client`.

mod common;

use std::time::{Duration, Instant};

use common::{Raw, dintero, generated, start_server, typed};
use criterion::{Criterion, criterion_group, criterion_main};

/// The cost of getting a valid cached token, through the path every call takes
/// (`Dintero` -> hooks -> `TokenCache::lookup` -> read lock, freshness check, `Arc` clone).
fn token_hot_path(c: &mut Criterion) {
    let (server, _server_rt) = start_server();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let client = dintero(&server);
    // The first call fetches the token; from then on it is cached for a day.
    rt.block_on(typed(&client));

    let mut group = c.benchmark_group("token_hot_path");
    group.bench_function("1_task", |b| {
        b.to_async(&rt)
            .iter(|| async { assert!(client.__bench_token().await) })
    });
    // 8 tasks hammer the cache at once; each measures its own calls, and the time per get
    // reported is the mean over the tasks (what one caller pays under contention).
    group.bench_function("8_tasks", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let tasks: Vec<_> = (0..8)
                    .map(|_| {
                        let client = client.clone();
                        tokio::spawn(async move {
                            let started = Instant::now();
                            for _ in 0..iters {
                                std::hint::black_box(client.__bench_token().await);
                            }
                            started.elapsed()
                        })
                    })
                    .collect();
                let mut total = Duration::ZERO;
                for t in tasks {
                    total += t.await.unwrap();
                }
                total / 8
            })
        })
    });
    group.finish();
}

/// One call of each variant, sequentially (criterion's own statistics; the ratios and p99
/// come from `benches/ratios.rs`).
fn calls(c: &mut Criterion) {
    let (server, _server_rt) = start_server();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let raw = Raw::new(&server);
    let client = dintero(&server);
    rt.block_on(typed(&client));

    let mut group = c.benchmark_group("call_c1");
    group.bench_function("a_reqwest_serde", |b| {
        b.to_async(&rt).iter(|| async { raw.call().await })
    });
    group.bench_function("b_generated", |b| {
        b.to_async(&rt).iter(|| async { generated(&client).await })
    });
    group.bench_function("c_dintero_cached_token", |b| {
        b.to_async(&rt).iter(|| async { typed(&client).await })
    });
    group.finish();
}

/// Decoding the seed's Customer alone: the hand-written struct (strings) against the
/// generated type (chrono dates, UUIDs, the E.164 pattern is not checked on responses).
fn decode(c: &mut Criterion) {
    let body = common::common_faults::CUSTOMER_JSON.as_bytes();
    let mut group = c.benchmark_group("decode_customer");
    group.bench_function("hand_written", |b| {
        b.iter(|| {
            serde_json::from_slice::<common::RawCustomer>(std::hint::black_box(body)).unwrap()
        })
    });
    group.bench_function("generated", |b| {
        b.iter(|| {
            serde_json::from_slice::<dintero_client::types::Customer>(std::hint::black_box(body))
                .unwrap()
        })
    });
    group.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(50)
}

criterion_group! {
    name = benches;
    config = config();
    targets = token_hot_path, decode, calls
}
criterion_main!(benches);
