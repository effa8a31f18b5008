//! Validation of every argument before a byte goes on the wire: one function per kind of id.
//!
//! The rules live in the spec (lengths, and patterns for path segments and for the
//! whitespace rule of a new customer id) and are enforced by the generated newtypes
//! (`TryFrom<&str>`), so spec and validation cannot drift apart. This module only orders
//! the checks so that the error names the argument and the rule in words, never the value
//! (ids are often e-mail addresses).

use crate::Error;
use crate::types;

/// The most characters Dintero accepts in a customer id or a username.
pub const MAX_ID_CHARS: usize = 255;

/// `aid`: `T` (test) or `P` (production) and 8 digits.
pub(crate) fn account_id(value: &str) -> Result<types::AccountId, Error> {
    types::AccountId::try_from(value).map_err(|_| {
        Error::invalid(
            "account_id",
            "must match ^[PT]\\d{8}$: T (test) or P (production) followed by 8 digits",
        )
    })
}

/// The current customer id, a path segment.
pub(crate) fn customer_id(
    value: &str,
) -> Result<types::AidCustomersCidChangeCustomerIdPostCustomerId, Error> {
    let field = "customer_id";
    check_length(field, value)?;
    types::AidCustomersCidChangeCustomerIdPostCustomerId::try_from(value)
        .map_err(|_| not_one_path_segment(field))
}

/// The new customer id, sent in the body.
pub(crate) fn new_customer_id(value: &str) -> Result<types::CustomerIdUpdate, Error> {
    let field = "new_customer_id";
    check_length(field, value)?;
    // Within the lengths, the spec's pattern is the whitespace rule and nothing else.
    let customer_id = types::CustomerIdUpdateCustomerId::try_from(value)
        .map_err(|_| Error::invalid(field, "must not have leading or trailing whitespace"))?;
    Ok(types::CustomerIdUpdate {
        customer_id: Some(customer_id),
    })
}

/// The current username, a path segment.
pub(crate) fn username(
    value: &str,
) -> Result<types::AidAuthUsersUsernameChangeUsernamePostUsername, Error> {
    let field = "username";
    check_length(field, value)?;
    types::AidAuthUsersUsernameChangeUsernamePostUsername::try_from(value)
        .map_err(|_| not_one_path_segment(field))
}

/// The new username, sent in the body.
pub(crate) fn new_username(value: &str) -> Result<types::UsernameUpdate, Error> {
    let field = "new_username";
    check_length(field, value)?;
    let username = types::UsernameUpdateUsername::try_from(value)
        .map_err(|e| Error::invalid(field, e.to_string()))?;
    Ok(types::UsernameUpdate { username })
}

/// The friendly error for an id the spec's path-segment `pattern` refuses.
///
/// The rule itself lives in the spec (so the generated parameter types, and with them the
/// raw client, enforce it too): the length was checked first, so a path parameter type
/// refusing the id means the pattern did. The generated code percent-encodes `/`, `?`,
/// `#` and `%`, but URL parsing (WHATWG, as in reqwest) still removes `.` and `..`
/// segments and reads `\` as `/` in `http(s)` URLs: such an id would reach another path.
fn not_one_path_segment(field: &'static str) -> Error {
    Error::invalid(
        field,
        "must be one URL path segment: not \".\" or \"..\", and without a backslash \
         (URL parsing would send the request to another path)",
    )
}

/// 1 to 255 characters (JSON Schema counts characters, not bytes).
fn check_length(field: &'static str, value: &str) -> Result<(), Error> {
    let chars = value.chars().count();
    if chars == 0 || chars > MAX_ID_CHARS {
        return Err(Error::invalid(
            field,
            format!("must be 1 to {MAX_ID_CHARS} characters long (got {chars})"),
        ));
    }
    Ok(())
}

/// Checks the arguments of [`Dintero::change_customer_id`](crate::Dintero::change_customer_id)
/// exactly as the client does before sending anything, without a client or credentials
/// (for dry runs).
///
/// ```
/// use dintero_client::{Error, validate_change_customer_id};
///
/// assert!(validate_change_customer_id("crm-17", "crm-2024-17").is_ok());
/// let err = validate_change_customer_id("crm-17", "crm-2024-17 ").unwrap_err();
/// assert!(matches!(err, Error::InvalidInput { field: "new_customer_id", .. }));
/// ```
pub fn validate_change_customer_id(customer_id: &str, new_customer_id: &str) -> Result<(), Error> {
    self::customer_id(customer_id)?;
    self::new_customer_id(new_customer_id)?;
    Ok(())
}

/// Checks the arguments of [`Dintero::change_username`](crate::Dintero::change_username)
/// exactly as the client does before sending anything (for dry runs).
///
/// ```
/// use dintero_client::validate_change_username;
///
/// assert!(validate_change_username("old@example.com", "new@example.com").is_ok());
/// assert!(validate_change_username("old@example.com", "").is_err());
/// ```
pub fn validate_change_username(username: &str, new_username: &str) -> Result<(), Error> {
    self::username(username)?;
    self::new_username(new_username)?;
    Ok(())
}
