//! Arbitrary bytes as a change_username response body: decoding into the generated
//! `AuthUser` never panics, and whatever decodes survives a round trip.
#![no_main]

use dintero_client::types::AuthUser;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(user) = serde_json::from_slice::<AuthUser>(data) {
        let encoded = serde_json::to_vec(&user).expect("a decoded AuthUser encodes");
        let again: AuthUser = serde_json::from_slice(&encoded).expect("and decodes again");
        assert_eq!(again.username, user.username);
    }
});
