//! What the hooks saw on the wire during one call, for the error mapping, and the
//! response-body cap.
//!
//! progenitor's error alone loses the status of an undecodable body, cannot carry a token
//! error, and cannot say why the hooks stopped (deadline, retry budget): the hooks record
//! that here, in a task-local the typed client scopes around each call. The raw client has
//! no scope, and recording is then a no-op.

use bytes::{Bytes, BytesMut};
use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use tokio::task::futures::TaskLocalFuture;

use crate::error::TokenError;
use crate::retry::Spent;

/// See the module documentation.
#[derive(Debug, Default, Clone)]
pub(crate) struct WireReport {
    /// The status of the answer the caller gets, as soon as its head arrived.
    pub(crate) status: Option<u16>,
    pub(crate) body: Bytes,
    pub(crate) body_over_limit: Option<usize>,
    pub(crate) token_error: Option<TokenError>,
    /// The call deadline passed while waiting for a token: the change was not sent (again).
    pub(crate) deadline_before_send: bool,
    /// The last attempt's timeout was cut short to end at the call deadline.
    pub(crate) attempt_cut: bool,
    /// Answers said "not processed" until the retry budget or the deadline ran out.
    pub(crate) not_processed: Option<Spent>,
}

/// What the task-local holds during a call: the status, recorded on every call, inline;
/// the rest of the report, recorded only when something went wrong, boxed. tokio moves the
/// slot into the thread-local and back out on every poll: three words, not the 144 bytes of
/// a whole report (measured: a `memcpy` call each way, about 1k instructions a call).
#[derive(Default)]
struct Slot {
    status: Option<u16>,
    rest: Option<Box<WireReport>>,
}

impl Slot {
    fn into_report(self) -> WireReport {
        let mut report = self.rest.map(|rest| *rest).unwrap_or_default();
        report.status = self.status;
        report
    }
}

tokio::task_local! {
    static WIRE: RefCell<Slot>;
}

/// Runs one call and returns what the hooks saw on the wire during it.
pub(crate) fn observe<F: Future>(call: F) -> Observed<F> {
    Observed {
        scoped: WIRE.scope(RefCell::new(Slot::default()), call),
    }
}

pin_project_lite::pin_project! {
    /// See [`observe`].
    ///
    /// A named future rather than an `async` block: a block would keep the call's future
    /// twice (as the captured value and as the value it awaits), and this one is the
    /// biggest part of a call.
    pub(crate) struct Observed<F: Future> {
        #[pin]
        scoped: TaskLocalFuture<RefCell<Slot>, F>,
    }
}

impl<F: Future> Future for Observed<F> {
    type Output = (F::Output, WireReport);

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut scoped = self.project().scoped;
        let output = ready!(scoped.as_mut().poll(cx));
        let wire = scoped
            .take_value()
            .map(|slot| slot.into_inner().into_report())
            .unwrap_or_default();
        Poll::Ready((output, wire))
    }
}

/// Records into the current call's report, if the call is observed. For what goes wrong:
/// the first record boxes the report (see [`Slot`]).
pub(crate) fn report(update: impl FnOnce(&mut WireReport)) {
    let _ = WIRE.try_with(|slot| update(slot.borrow_mut().rest.get_or_insert_default()));
}

/// Records the status of the answer the caller gets, if the call is observed.
pub(crate) fn report_status(status: reqwest::StatusCode) {
    let _ = WIRE.try_with(|slot| slot.borrow_mut().status = Some(status.as_u16()));
}

/// Whether an answer may go to progenitor as it is: a 200 whose declared length is within
/// the limit (hyper never yields more than `Content-Length`, and progenitor keeps the bytes
/// of a 200 it cannot decode). Anything else goes through [`capture`], so that the error
/// can keep the body.
///
/// The hot path, kept apart from `capture` so that it adds nothing to a call's future.
pub(crate) fn passes_through(response: &reqwest::Response, limit: usize) -> bool {
    response.status() == reqwest::StatusCode::OK
        && response
            .content_length()
            .is_some_and(|len| len <= limit as u64)
}

/// Reads the body of an answer that does not [pass through](passes_through), at most
/// `limit` bytes, and records what was seen for the error mapping.
///
/// progenitor reads whole bodies into memory; this cap keeps a hostile or broken server
/// from making us allocate without bound.
pub(crate) async fn capture(
    mut response: reqwest::Response,
    limit: usize,
) -> reqwest::Result<reqwest::Response> {
    let status = response.status();
    let mut body = BytesMut::new();
    let mut over_limit = response
        .content_length()
        .is_some_and(|len| len > limit as u64);
    while !over_limit {
        let Some(chunk) = response.chunk().await? else {
            break;
        };
        over_limit = body.len() + chunk.len() > limit;
        if !over_limit {
            body.extend_from_slice(&chunk);
        }
    }
    let body = if over_limit {
        Bytes::new()
    } else {
        body.freeze()
    };
    report(|w| {
        w.body = body.clone();
        w.body_over_limit = over_limit.then_some(limit);
    });
    let mut rebuilt = http::Response::new(body);
    *rebuilt.status_mut() = status;
    *rebuilt.version_mut() = response.version();
    *rebuilt.headers_mut() = std::mem::take(response.headers_mut());
    Ok(reqwest::Response::from(rebuilt))
}
