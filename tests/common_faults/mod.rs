//! A tiny hand-written HTTP/1.1 loopback server for fault injection, property tests, the
//! soak test and the benchmarks.
//!
//! It parses requests itself (request line, headers, `Content-Length` body, keep-alive) and
//! lets a handler decide, per request, what bytes go back and how the connection ends:
//! a normal response, a reset in the middle of one, silence, or a streamed huge body.
//! Writing the bytes by hand is the point: hyper would refuse to produce most faults.
#![allow(dead_code)]

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// The seed's `Customer` example, as Dintero documents the change_customer_id response.
pub const CUSTOMER_JSON: &str = r#"{"type":"customer","customer_id":"<string>","metadata":{"dob_year":1985},"id":"3c90c3cc-0d44-4b50-8888-8dd25736052a","created_at":"2023-11-07T05:31:56Z","created_by":"1c92f7e1-2897-4d46-bdcc-c127a914fb4e","updated_at":"2023-11-07T05:31:56Z","deleted_by":"1c92f7e1-2897-4d46-bdcc-c127a914fb4e","deleted_at":"2023-11-07T05:31:56Z","first_name":"John","last_name":"Doe","email":"customer@example.com","phone_number":"+4799999999","attributes":{},"status":"<string>","favorite_store":"<string>","enrolled_by":{"value":"https://facebook.com","type":"url"},"marketing_consent":{"sms":{"consent":true,"updated_at":"2018-01-12T13:42:00Z"},"email":{"consent":true,"updated_at":"2018-01-12T13:42:00Z"}},"addresses":[{"address_line":"Sommerkroveien 34","postal_place":"Oslo","country":"NO","address_line_2":"PB 123","postal_code":"0349","latitude":59.942112,"longitude":10.716991,"type":"custom","custom_type":"<string>","comment":"5th floor, use doorbell."}],"term":{"id":"3c90c3cc-0d44-4b50-8888-8dd25736052a","accepted_at":"2023-11-07T05:31:56Z"},"company":{"bussiness_name":"TKP tech AS","organization_number":"123456789MVA","department":"sales department","industry":"computer industry","website":"<string>","number_of_employees":"<string>"},"gender":"male","date_of_birth":"1990-09-20","contact_for":[{"customer_id":"<string>"}]}"#;

/// The seed's `AuthUser` example.
pub const AUTH_USER_JSON: &str = r#"{"username":"<string>","id":"3c90c3cc-0d44-4b50-8888-8dd25736052a","created_at":"2023-11-07T05:31:56Z","created_by":"1c92f7e1-2897-4d46-bdcc-c127a914fb4e","updated_at":"2023-11-07T05:31:56Z","deleted_by":"1c92f7e1-2897-4d46-bdcc-c127a914fb4e","deleted_at":"2023-11-07T05:31:56Z","links":[{"rel":"customers_user","href":"https://api.dintero.com/v1/accounts/P12345678/users/99919"},{"rel":"phone_number","href":"tel:+4799999999"},{"rel":"email","href":"mailto:name@email.com"}],"mfa":{"challenge_type":"<string>","oob_channels":["sms"]}}"#;

/// One parsed request.
#[derive(Debug, Clone)]
pub struct Req {
    pub method: String,
    /// The request target exactly as sent (still percent-encoded).
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Req {
    /// A header value (names compared case-insensitively).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn is_token(&self) -> bool {
        self.target.ends_with("/auth/token")
    }
}

/// What the server does with one request.
pub enum Action {
    /// Write these bytes (a whole response) and keep the connection open.
    Reply(Vec<u8>),
    /// Write these bytes, then close the connection cleanly (FIN).
    ReplyClose(Vec<u8>),
    /// Write these bytes, then reset the connection (RST). Empty: reset instead of
    /// answering, after the request was read.
    ReplyReset(Vec<u8>),
    /// Wait this long (on the runtime's clock), then write these bytes.
    ReplyAfter(Duration, Vec<u8>),
    /// Read the request and never answer (the connection stays open until the peer leaves).
    Hang,
    /// Write `head`, then `total` bytes of filler as fast as the peer reads them.
    Stream { head: Vec<u8>, total: usize },
}

type Handler = dyn Fn(&Req) -> Action + Send + Sync;

/// A running loopback server. Dropping it does not stop it; the test runtime does.
#[derive(Clone)]
pub struct Server {
    pub addr: std::net::SocketAddr,
    hits: Arc<AtomicUsize>,
    log: Arc<Mutex<Vec<Req>>>,
    record: bool,
    /// Filler bytes actually written by `Action::Stream` replies.
    pub streamed: Arc<AtomicU64>,
}

impl Server {
    /// Starts a server on 127.0.0.1 that records every request.
    pub async fn start(handler: impl Fn(&Req) -> Action + Send + Sync + 'static) -> Self {
        Self::start_with(handler, true).await
    }

    /// Starts a server; `record: false` keeps only the hit count (soak, benchmarks).
    pub async fn start_with(
        handler: impl Fn(&Req) -> Action + Send + Sync + 'static,
        record: bool,
    ) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let server = Server {
            addr: listener.local_addr().unwrap(),
            hits: Arc::default(),
            log: Arc::default(),
            record,
            streamed: Arc::default(),
        };
        let handler: Arc<Handler> = Arc::new(handler);
        let s = server.clone();
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let _ = stream.set_nodelay(true);
                tokio::spawn(serve(stream, handler.clone(), s.clone()));
            }
        });
        server
    }

    /// `http://127.0.0.1:<port>/v1`
    pub fn base_url(&self) -> String {
        format!("http://{}/v1", self.addr)
    }

    pub fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }

    pub fn requests(&self) -> Vec<Req> {
        self.log.lock().unwrap().clone()
    }
}

/// Serves one connection: parse, ask the handler, write, repeat while kept alive.
async fn serve(mut stream: TcpStream, handler: Arc<Handler>, server: Server) {
    let mut buf: Vec<u8> = Vec::with_capacity(4096);
    loop {
        let Some(req) = read_request(&mut stream, &mut buf).await else {
            return;
        };
        server.hits.fetch_add(1, Ordering::SeqCst);
        let action = handler(&req);
        if server.record {
            server.log.lock().unwrap().push(req);
        }
        match action {
            Action::Reply(bytes) => {
                if stream.write_all(&bytes).await.is_err() {
                    return;
                }
            }
            Action::ReplyAfter(delay, bytes) => {
                tokio::time::sleep(delay).await;
                if stream.write_all(&bytes).await.is_err() {
                    return;
                }
            }
            Action::ReplyClose(bytes) => {
                let _ = stream.write_all(&bytes).await;
                let _ = stream.shutdown().await;
                return;
            }
            Action::ReplyReset(bytes) => {
                let _ = stream.write_all(&bytes).await;
                let _ = stream.flush().await;
                // Give the bytes a moment to leave, then RST instead of FIN.
                tokio::time::sleep(Duration::from_millis(20)).await;
                let _ = stream.set_zero_linger();
                drop(stream);
                return;
            }
            Action::Hang => {
                // Hold the connection until the client gives up and closes it.
                let mut sink = [0u8; 1024];
                while let Ok(n) = stream.read(&mut sink).await {
                    if n == 0 {
                        break;
                    }
                }
                return;
            }
            Action::Stream { head, total } => {
                if stream.write_all(&head).await.is_err() {
                    return;
                }
                let chunk = vec![b'x'; 64 * 1024];
                let mut sent = 0;
                while sent < total {
                    let n = chunk.len().min(total - sent);
                    if stream.write_all(&chunk[..n]).await.is_err() {
                        return;
                    }
                    sent += n;
                    server.streamed.fetch_add(n as u64, Ordering::SeqCst);
                }
            }
        }
    }
}

/// Reads one request (head and `Content-Length` body); `None` at EOF or on garbage.
async fn read_request(stream: &mut TcpStream, buf: &mut Vec<u8>) -> Option<Req> {
    let head_end = loop {
        if let Some(i) = find(buf, b"\r\n\r\n") {
            break i;
        }
        if buf.len() > 64 * 1024 {
            return None;
        }
        let mut tmp = [0u8; 8192];
        let n = stream.read(&mut tmp).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&tmp[..n]);
    };
    let head = std::str::from_utf8(&buf[..head_end]).ok()?.to_string();
    let mut lines = head.split("\r\n");
    let mut request_line = lines.next()?.split(' ');
    let method = request_line.next()?.to_string();
    let target = request_line.next()?.to_string();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_string(), v.trim().to_string()))
        .collect();
    let len: usize = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let body_start = head_end + 4;
    while buf.len() < body_start + len {
        let mut tmp = [0u8; 8192];
        let n = stream.read(&mut tmp).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&tmp[..n]);
    }
    let body = buf[body_start..body_start + len].to_vec();
    buf.drain(..body_start + len);
    Some(Req {
        method,
        target,
        headers,
        body,
    })
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// A complete response with a `Content-Length` body.
pub fn response(status: u16, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let mut out = format!("HTTP/1.1 {status} {}\r\n", reason(status));
    for (n, v) in headers {
        out.push_str(&format!("{n}: {v}\r\n"));
    }
    out.push_str(&format!("content-length: {}\r\n\r\n", body.len()));
    let mut bytes = out.into_bytes();
    bytes.extend_from_slice(body);
    bytes
}

/// A JSON response.
pub fn json(status: u16, body: &str) -> Vec<u8> {
    response(
        status,
        &[("content-type", "application/json")],
        body.as_bytes(),
    )
}

/// Dintero's error body with this message, as JSON with `status`.
pub fn error_json(status: u16, message: &str) -> Vec<u8> {
    json(status, &format!(r#"{{"error":{{"message":"{message}"}}}}"#))
}

/// A 429 or 503 with `Retry-After: retry_after` and Dintero's error body.
pub fn busy(status: u16, retry_after: &str) -> Vec<u8> {
    response(
        status,
        &[
            ("retry-after", retry_after),
            ("content-type", "application/json"),
        ],
        br#"{"error":{"message":"slow down"}}"#,
    )
}

/// Answers `first` to the first `n` requests the handler sees, `then` after that.
pub fn first_n(n: usize, first: Vec<u8>, then: Vec<u8>) -> impl Fn(&Req) -> Action + Send + Sync {
    let seen = AtomicUsize::new(0);
    move |_| {
        if seen.fetch_add(1, Ordering::SeqCst) < n {
            Action::Reply(first.clone())
        } else {
            Action::Reply(then.clone())
        }
    }
}

/// A token endpoint answer.
pub fn token_json(token: &str, expires_in: u64) -> Vec<u8> {
    json(
        200,
        &format!(r#"{{"access_token":"{token}","token_type":"Bearer","expires_in":{expires_in}}}"#),
    )
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        302 => "Found",
        307 => "Temporary Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Whatever",
    }
}

/// Percent-decodes a path segment into bytes.
pub fn percent_decode(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            let hex = std::str::from_utf8(&b[i + 1..i + 3]).ok();
            if let Some(v) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    out
}

/// Peak resident set size of this process so far (VmHWM), in KiB; `None` off Linux.
pub fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}
