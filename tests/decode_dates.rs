//! The generated types decode dates and times through chrono's strict RFC 3339 parser
//! first, falling back to the relaxed one `DateTime<Utc>`'s own `Deserialize` uses
//! (codegen/src/dates.rs). These tests hold that to "the same strings accepted, to the
//! same values, with the same errors" as chrono's own `Deserialize`.

use chrono::{DateTime, Utc};
use dintero_client::types;
use proptest::prelude::*;
use serde::Deserialize;

/// What `Term` would be with chrono's own `Deserialize`.
#[derive(Debug, Deserialize)]
struct Reference {
    accepted_at: Option<DateTime<Utc>>,
}

/// A decoded `accepted_at`, or the error message.
type Decoded = Result<Option<DateTime<Utc>>, String>;

/// Decodes `{"accepted_at": <value>}` both ways: ours, then chrono's.
fn both(value: &str) -> (Decoded, Decoded) {
    let json = format!(r#"{{"accepted_at": {value}}}"#);
    let ours = serde_json::from_str::<types::Term>(&json)
        .map(|t| t.accepted_at)
        .map_err(|e| e.to_string());
    let chrono = serde_json::from_str::<Reference>(&json)
        .map(|r| r.accepted_at)
        .map_err(|e| e.to_string());
    (ours, chrono)
}

fn assert_same(value: &str) {
    let (ours, chrono) = both(value);
    assert_eq!(ours, chrono, "{value}");
}

#[test]
fn what_dintero_sends_and_what_only_the_relaxed_parser_reads() {
    for date_time in [
        "2018-08-27T13:17:36Z",
        "2018-08-27T13:17:36.123Z",
        "2018-08-27T13:17:36.123456789Z",
        "2018-08-27T13:17:36.1234567891Z",
        "2018-08-27T13:17:36+02:00",
        "2018-08-27T13:17:36-00:30",
        "2018-08-27t13:17:36z",
        "2016-12-31T23:59:60Z",
        // Only chrono's relaxed parser reads these: the fallback must.
        "2018-08-27 13:17:36Z",
        "2018-08-27T13:17:36 UTC",
        "2018-08-27T13:17:36 +02:00",
        "2018-08-27T13:17:36+0200",
        "+12018-08-27T13:17:36Z",
        // Errors, with chrono's messages.
        "2018-08-27",
        "2018-02-30T13:17:36Z",
        "2018-08-27T25:17:36Z",
        "2018-08-27T13:17:36",
        "2018-08-27T13:17:36Zjunk",
        "",
        "yesterday",
    ] {
        assert_same(&format!("{date_time:?}"));
    }
    // Not a string at all, absent, or null.
    for value in ["null", "17", "true", "{}", "[]"] {
        assert_same(value);
    }
    let absent = serde_json::from_str::<types::Term>("{}").unwrap();
    assert_eq!(absent.accepted_at, None);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2048))]

    /// Strings shaped like dates, with every part varied: both decoders agree on each.
    #[test]
    fn date_like_strings_decode_as_chrono_decodes_them(
        year in "[+-]?[0-9]{1,6}",
        month in "[0-9]{1,3}",
        day in "[0-9]{1,3}",
        separator in "[Tt x]|",
        hour in "[0-9]{1,3}",
        minute in "[0-9]{1,2}",
        second in "[0-9]{1,2}",
        fraction in "(\\.[0-9]{0,12})?",
        space in " ?",
        offset in "Z|z|UTC|utc|[+-][0-9]{2}(:?[0-9]{2})?|",
        tail in "|x| ",
    ) {
        let date_time = format!(
            "{year}-{month}-{day}{separator}{hour}:{minute}:{second}{fraction}{space}{offset}{tail}"
        );
        let (ours, chrono) = both(&format!("{date_time:?}"));
        prop_assert_eq!(ours, chrono, "{}", date_time);
    }

    /// Anything at all: both decoders agree.
    #[test]
    fn any_string_decodes_as_chrono_decodes_it(text in any::<String>()) {
        let (ours, chrono) = both(&serde_json::to_string(&text).unwrap());
        prop_assert_eq!(ours, chrono, "{:?}", text);
    }
}
