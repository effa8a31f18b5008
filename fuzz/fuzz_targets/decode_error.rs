//! Arbitrary bytes as an error or token response body: decoding into the generated
//! `ErrorResponse` and `AccessToken` never panics, and what decodes round-trips; an error
//! built from it displays without panicking.
#![no_main]

use dintero_client::Error;
use dintero_client::types::{AccessToken, ErrorResponse};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(body) = serde_json::from_slice::<ErrorResponse>(data) {
        let encoded = serde_json::to_vec(&body).expect("a decoded ErrorResponse encodes");
        let again: ErrorResponse = serde_json::from_slice(&encoded).expect("and decodes again");
        assert_eq!(again.error.message, body.error.message);
        let err = Error::Api {
            status: 400,
            body: Box::new(body),
        };
        let _ = err.to_string();
        let _ = err.code();
    }
    if let Ok(token) = serde_json::from_slice::<AccessToken>(data) {
        let encoded = serde_json::to_vec(&token).expect("a decoded AccessToken encodes");
        let again: AccessToken = serde_json::from_slice(&encoded).expect("and decodes again");
        assert_eq!(again.expires_in, token.expires_in);
    }
});
