//! The transport: an accept loop serving HTTP/1 connections, the faults that act on the
//! connection (latency, dropped requests and responses), and one log line per request.

use std::io;
use std::time::Duration;

use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::task::JoinSet;
use tokio::time::Instant;

use super::in_flight::Serving;
use super::state::Shared;

/// Logs go to this target, so `RUST_LOG=dintero_client::fake=info` shows each request.
pub(crate) const LOG_TARGET: &str = "dintero_client::fake";

/// Accepts connections until aborted; each connection is served by hyper's HTTP/1 server
/// in a task of `connections`, so aborting this future ends them all.
pub(crate) async fn serve(listener: TcpListener, router: axum::Router, shared: Shared) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let stream = match accepted {
                    Ok((stream, _)) => stream,
                    Err(e) => {
                        // Out of file descriptors and the like: back off, keep serving.
                        tracing::warn!(target: LOG_TARGET, error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let service = fault_service(router.clone(), shared.clone());
                connections.spawn(async move {
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

/// The fault a request meets before the router sees it.
enum Before {
    Serve(Duration),
    Drop,
}

/// The router behind the transport faults, logging each request as
/// `METHOD /path STATUS LATENCY`.
///
/// A service error makes hyper close the connection without writing a response.
fn fault_service(
    router: axum::Router,
    shared: Shared,
) -> impl hyper::service::Service<
    hyper::Request<hyper::body::Incoming>,
    Response = axum::response::Response,
    Error = io::Error,
    Future = impl Future<Output = io::Result<axum::response::Response>> + Send,
> + Clone {
    let router = TowerToHyperService::new(router);
    hyper::service::service_fn(move |request: hyper::Request<_>| {
        let router = router.clone();
        let shared = shared.clone();
        let started = Instant::now();
        let line = format!("{} {}", request.method(), request.uri().path());
        async move {
            let _serving = Serving::start(&shared);
            let before = {
                let mut state = shared.lock();
                if state.faults.drop_requests > 0 {
                    state.faults.drop_requests -= 1;
                    Before::Drop
                } else {
                    Before::Serve(state.faults.latency)
                }
            };
            match before {
                Before::Drop => {
                    tracing::info!(target: LOG_TARGET, "{line} dropped (request)");
                    return Err(io::Error::other("fault: request dropped"));
                }
                Before::Serve(latency) if !latency.is_zero() => tokio::time::sleep(latency).await,
                Before::Serve(_) => {}
            }
            let response = hyper::service::Service::call(&router, request)
                .await
                .unwrap_or_else(|never| match never {});
            let elapsed = started.elapsed();
            if take_dropped_response(&shared, response.status().is_success()) {
                let status = response.status().as_u16();
                tracing::info!(target: LOG_TARGET, "{line} {status} dropped (response) {elapsed:.1?}");
                return Err(io::Error::other("fault: response dropped"));
            }
            tracing::info!(target: LOG_TARGET, "{line} {} {elapsed:.1?}", response.status().as_u16());
            Ok(response)
        }
    })
}

/// Whether this response is dropped (the one-off or the recurring switch).
fn take_dropped_response(shared: &Shared, success: bool) -> bool {
    shared.lock().faults.drop_response(success)
}
