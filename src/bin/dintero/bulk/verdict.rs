//! What one answer means for its row (finished how, or send again) and for the pace.

use dintero_client::{Error, Outcome};

use super::pace::Signal;
use super::results::{Record, Status};
use super::rows::Row;

/// What becomes of a row after one attempt.
#[derive(Debug)]
pub(crate) enum Verdict<O> {
    /// The row is finished with this outcome.
    Finished(O, Signal),
    /// Dintero did not process the request: send it again later. If no attempt is left,
    /// the row finishes with the outcome given.
    Again(Signal, O),
}

/// Judges the answer to one change of `row`, its `attempts`-th.
pub(crate) fn judge(
    row: &Row,
    result: Result<serde_json::Value, Error>,
    attempts: u32,
) -> Verdict<Record> {
    let error = match result {
        Ok(_) => return Verdict::Finished(record(row, Status::Ok, None, attempts), Signal::Clean),
        Err(error) => error,
    };
    if let Some(signal) = not_processed(&error) {
        let reason = format!("not processed after {attempts} attempt(s): {error}");
        return Verdict::Again(
            signal,
            record(row, Status::Error, Some((reason, &error)), attempts),
        );
    }
    let signal = load_signal(&error);
    if row.was_unknown && gone(&error) {
        // The earlier attempt's answer was lost, and the old id is gone now: that attempt
        // most likely renamed it (or someone else did: hence "probably", and a list to check).
        let note = "the old id is gone: probably applied by the earlier attempt whose answer \
                    was lost; check it";
        let record = record(
            row,
            Status::ProbablyApplied,
            Some((note.into(), &error)),
            attempts,
        );
        return Verdict::Finished(record, signal);
    }
    let (status, reason) = match error.outcome() {
        Outcome::Applied => (Status::Ok, format!("applied, but {error}")),
        Outcome::Unknown => (Status::Unknown, error.to_string()),
        _ => (Status::Error, error.to_string()),
    };
    Verdict::Finished(
        record(row, status, Some((reason, &error)), attempts),
        signal,
    )
}

/// Dintero answered that the old id does not exist.
fn gone(error: &Error) -> bool {
    !matches!(error, Error::Token(_)) && error.status() == Some(404)
}

/// A "not processed" answer (429, or 503 with `Retry-After`), also from the token
/// endpoint (then the change was not even sent): safe to send again.
fn not_processed(error: &Error) -> Option<Signal> {
    let limited = match error {
        Error::NotProcessed { .. } => true,
        Error::Token(token) => matches!(token.status(), Some(429 | 503)),
        _ => false,
    };
    limited.then(|| Signal::Limited {
        retry_after: error.retry_after(),
    })
}

/// What a final error says about load.
fn load_signal(error: &Error) -> Signal {
    match error.status() {
        Some(502..=504) => Signal::Overloaded,
        // The server answered: it kept up.
        Some(_) => Signal::Clean,
        // No answer (a lost connection, a timeout): nothing to learn.
        None => Signal::Neutral,
    }
}

fn record(row: &Row, status: Status, error: Option<(String, &Error)>, attempts: u32) -> Record {
    let (error, http_status) = match error {
        Some((reason, error)) => (Some(reason), error.status()),
        None => (None, None),
    };
    Record {
        row: row.row,
        old: row.old.clone(),
        new: row.new.clone(),
        status,
        error,
        http_status,
        attempts: (attempts > 1).then_some(attempts),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(was_unknown: bool) -> Row {
        Row {
            row: 7,
            old: "cust-7".into(),
            new: "crm-7".into(),
            was_unknown,
        }
    }

    fn answered(status: u16) -> Error {
        Error::UnexpectedResponse {
            status,
            reason: "test".into(),
            body: Default::default(),
        }
    }

    fn finished(verdict: Verdict<Record>) -> (Record, Signal) {
        match verdict {
            Verdict::Finished(record, signal) => (record, signal),
            Verdict::Again(..) => panic!("not finished: {verdict:?}"),
        }
    }

    #[test]
    fn a_404_is_probably_applied_only_for_a_row_that_was_unknown() {
        let (record, signal) = finished(judge(&row(true), Err(answered(404)), 1));
        assert_eq!(record.status, Status::ProbablyApplied);
        assert_eq!(record.http_status, Some(404));
        assert_eq!(signal, Signal::Clean);
        let (record, _) = finished(judge(&row(false), Err(answered(404)), 1));
        assert_eq!(record.status, Status::Error);
        // Any other answer to a row that was unknown is judged as usual.
        let (record, _) = finished(judge(&row(true), Err(answered(409)), 1));
        assert_eq!(record.status, Status::Error);
        let (record, _) = finished(judge(&row(true), Ok(serde_json::json!({})), 2));
        assert_eq!((record.status, record.attempts), (Status::Ok, Some(2)));
    }

    #[test]
    fn gateway_errors_are_unknown_and_slow_the_pace() {
        for status in [502, 503, 504] {
            let (record, signal) = finished(judge(&row(false), Err(answered(status)), 1));
            assert_eq!(record.status, Status::Unknown, "{status}");
            assert_eq!(signal, Signal::Overloaded, "{status}");
        }
        let (record, signal) = finished(judge(&row(false), Err(answered(500)), 1));
        assert_eq!((record.status, signal), (Status::Unknown, Signal::Clean));
    }

    #[test]
    fn an_applied_change_with_an_unreadable_answer_is_ok() {
        let (record, _) = finished(judge(&row(false), Err(answered(200)), 1));
        assert_eq!(record.status, Status::Ok);
        assert!(record.error.unwrap().starts_with("applied, but"));
    }

    #[test]
    fn nothing_sent_is_an_error_and_says_nothing_about_load() {
        let invalid = Error::InvalidInput {
            field: "new_customer_id",
            reason: "too long".into(),
        };
        let (record, signal) = finished(judge(&row(true), Err(invalid), 1));
        assert_eq!((record.status, signal), (Status::Error, Signal::Neutral));
        assert!(record.error.unwrap().contains("new_customer_id"));
    }
}
