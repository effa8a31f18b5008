//! The credentials a builder is given, checked at `build()`: a value that cannot be sent
//! is an [`Error::InvalidInput`] naming the argument, never echoing it, instead of a
//! request that fails (or is silently altered) later.

use reqwest::header::HeaderValue;
use secrecy::{ExposeSecret, SecretString};

use crate::Error;
use crate::token::bearer_header;

/// Checks `client_credentials(client_id, client_secret)`.
///
/// RFC 7617: neither part of Basic credentials may hold a control character, and the
/// user id (our client id) cannot hold `:`, which separates it from the password.
pub(crate) fn check_client_credentials(id: &str, secret: &SecretString) -> Result<(), Error> {
    check_sendable("client_id", id)?;
    if id.contains(':') {
        return Err(Error::invalid(
            "client_id",
            "contains `:`, which HTTP Basic authentication cannot carry in a user id \
             (RFC 7617)",
        ));
    }
    check_sendable("client_secret", secret.expose_secret())
}

/// Checks `bearer_token(token)` and builds its `Authorization` header.
///
/// RFC 6750 `b64token`: letters, digits and `-._~+/`, then optional `=` padding. A
/// Dintero access token (a JWT) is base64url and dots.
pub(crate) fn bearer_authorization(token: &SecretString) -> Result<HeaderValue, Error> {
    let token = token.expose_secret();
    check_sendable("bearer_token", token)?;
    if let Some((scheme, _)) = token.split_once(' ')
        && scheme.eq_ignore_ascii_case("bearer")
    {
        return Err(Error::invalid(
            "bearer_token",
            "starts with `Bearer `: pass the token alone",
        ));
    }
    if !is_b64token(token) {
        return Err(Error::invalid(
            "bearer_token",
            "is not a bearer token (RFC 6750 allows letters, digits, `-._~+/`, and `=` \
             only at the end)",
        ));
    }
    bearer_header(token).ok_or_else(|| Error::invalid("bearer_token", "cannot be sent"))
}

/// What every credential needs: a value, and no control character (the usual one is a
/// trailing newline read from a file or a secret store).
fn check_sendable(field: &'static str, value: &str) -> Result<(), Error> {
    if value.is_empty() {
        return Err(Error::invalid(field, "is empty"));
    }
    if value.chars().any(char::is_control) {
        return Err(Error::invalid(
            field,
            "contains a control character (a trailing newline read from a file?)",
        ));
    }
    Ok(())
}

fn is_b64token(token: &str) -> bool {
    let body = token.trim_end_matches('=');
    !body.is_empty()
        && body
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~+/".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field_of(result: Result<impl Sized, Error>) -> Option<&'static str> {
        match result {
            Err(Error::InvalidInput { field, .. }) => Some(field),
            _ => None,
        }
    }

    fn bearer(token: &str) -> Option<&'static str> {
        field_of(bearer_authorization(&SecretString::from(token)))
    }

    fn basic(id: &str, secret: &str) -> Option<&'static str> {
        field_of(check_client_credentials(id, &SecretString::from(secret)))
    }

    #[test]
    fn b64token_characters_pass_and_nothing_else() {
        assert_eq!(bearer("eyJhbGciOi.eyJzdWIiOi.c2lnbmF0dXJl"), None);
        assert_eq!(bearer("aZ09-._~+/=="), None);
        for refused in ["=", "==", "a=b", "a b", "a,b", "a\"b", "a;b", "aé", "a%20"] {
            assert_eq!(bearer(refused), Some("bearer_token"), "{refused:?}");
        }
    }

    #[test]
    fn control_characters_and_empty_values_are_refused() {
        for control in ["\n", "\r", "\t", "\0", "\u{7f}", "\u{85}", "\u{9f}"] {
            let value = format!("value{control}");
            assert_eq!(bearer(&value), Some("bearer_token"), "{control:?}");
            assert_eq!(basic(&value, "secret"), Some("client_id"), "{control:?}");
            assert_eq!(basic("id", &value), Some("client_secret"), "{control:?}");
        }
        assert_eq!(bearer(""), Some("bearer_token"));
        assert_eq!(basic("", "secret"), Some("client_id"));
        assert_eq!(basic("id", ""), Some("client_secret"));
    }

    #[test]
    fn a_colon_is_refused_in_the_client_id_only() {
        assert_eq!(basic("id:x", "secret"), Some("client_id"));
        assert_eq!(basic("id", "se:cr:et"), None);
        assert_eq!(basic("ïd ü", "with spaces "), None);
    }

    #[test]
    fn a_bearer_prefix_is_named() {
        let err = bearer_authorization(&SecretString::from("Bearer abc")).unwrap_err();
        assert!(err.to_string().contains("pass the token alone"), "{err}");
    }

    #[test]
    fn the_header_is_sensitive() {
        let header = bearer_authorization(&SecretString::from("abc")).unwrap();
        assert_eq!(header, "Bearer abc");
        assert!(header.is_sensitive());
    }
}
