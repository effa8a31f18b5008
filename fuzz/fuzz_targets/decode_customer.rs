//! Arbitrary bytes as a change_customer_id response body: decoding into the generated
//! `Customer` never panics, and whatever decodes survives a serialize/decode round trip.
#![no_main]

use dintero_client::types::Customer;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(customer) = serde_json::from_slice::<Customer>(data) {
        let encoded = serde_json::to_vec(&customer).expect("a decoded Customer encodes");
        let again: Customer = serde_json::from_slice(&encoded).expect("and decodes again");
        assert_eq!(again.customer_id, customer.customer_id);
    }
});
