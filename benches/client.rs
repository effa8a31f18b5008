//! Criterion benchmarks: the hook every call runs before sending, with a cached token
//! (alone and under 8 concurrent tasks), decoding, and one call of each variant at
//! concurrency 1. The interleaved ratio table is in `benches/ratios.rs`.
//! Run: `cargo bench --bench client`.

mod common;

use std::time::{Duration, Instant};

use common::{ACCOUNT, Raw, dintero, generated, start_server, typed};
use criterion::{Criterion, criterion_group, criterion_main};
use dintero_client::Dintero;
use progenitor_client::{ClientHooks, OperationInfo};

const OPERATION: OperationInfo = OperationInfo {
    operation_id: "aid_customers_cid_change_customer_id_post",
};

/// A request as the generated `change_customer_id` method builds it.
fn request(server_url: &str) -> reqwest::Request {
    let url = format!("{server_url}/accounts/{ACCOUNT}/customers/users/old-id/change_customer_id");
    reqwest::Request::new(reqwest::Method::POST, url.parse().unwrap())
}

/// Runs the `pre` hook on `request` through the public `ClientHooks` trait: the path guard,
/// the token lookup and the `Authorization` header, as every call does before sending.
async fn pre(client: &Dintero, request: &mut reqwest::Request) {
    ClientHooks::pre::<()>(client.raw(), request, &OPERATION)
        .await
        .unwrap();
}

/// The hook every call runs before sending, with a valid cached token: path guard, then
/// `TokenCache::lookup` (read lock, freshness check, `Arc` clone), then the header.
fn pre_hook(c: &mut Criterion) {
    let (server, _server_rt) = start_server();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let client = dintero(&server);
    // The first call fetches the token; from then on it is cached for a day.
    rt.block_on(typed(&client));
    let base = server.base_url().to_string();

    let mut group = c.benchmark_group("pre_hook_cached_token");
    group.bench_function("1_task", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let mut request = request(&base);
                let started = Instant::now();
                for _ in 0..iters {
                    pre(&client, &mut request).await;
                }
                started.elapsed()
            })
        })
    });
    // 8 tasks run the hook at once; each measures its own calls, and the time per call
    // reported is the mean over the tasks (what one caller pays under contention).
    group.bench_function("8_tasks", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let tasks: Vec<_> = (0..8)
                    .map(|_| {
                        let client = client.clone();
                        let mut request = request(&base);
                        tokio::spawn(async move {
                            let started = Instant::now();
                            for _ in 0..iters {
                                pre(&client, &mut request).await;
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
    targets = pre_hook, decode, calls
}
criterion_main!(benches);
