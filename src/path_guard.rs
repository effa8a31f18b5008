//! The raw client's last line of defence: a request whose path URL parsing changed is
//! refused before anything (a token request included) is sent.
//!
//! The generated code percent-encodes path parameters, but URL parsing still removes a `.`
//! or `..` segment and reads `\` as `/`, so such a parameter sends the request to another
//! path, possibly another resource at the same depth. The spec's `pattern`s keep the
//! generated parameter types from holding such ids in the first place; this check holds
//! for every operation, including one whose parameters have no pattern.

use crate::generated::OPERATION_PATHS;

/// Whether `url`'s path is `base_path` (see [`base_path`]) followed by the operation's path template,
/// compared segment by segment: each literal segment as written, each `{parameter}`
/// exactly one non-empty segment.
///
/// An id that keeps the depth but moves the request (`..\users\victim` would reach the
/// literal segments at the same places) cannot be told from a real one once parsed; the
/// parameter types refuse those. What this catches is any change of structure: a literal
/// segment, the base path, the depth.
pub(crate) fn reaches_its_own_path(base_path: &str, url: &url::Url, operation_id: &str) -> bool {
    let Some((_, template)) = OPERATION_PATHS.iter().find(|(id, _)| *id == operation_id) else {
        // Both come from the same spec: an operation without a template is a bug, and a
        // request we cannot check is not sent.
        return false;
    };
    url.path()
        .strip_prefix(base_path)
        .is_some_and(|rest| segments_match(rest, template))
}

/// The path of a base URL the builder normalized (`scheme://host[:port][/path]`, no
/// trailing slash, no query): `""` or `/v1`. The client computes it once, when it is built.
pub(crate) fn base_path(base_url: &str) -> &str {
    let authority_and_path = base_url
        .split_once("://")
        .map_or(base_url, |(_, rest)| rest);
    authority_and_path
        .find('/')
        .map_or("", |slash| &authority_and_path[slash..])
}

/// `path` against `template`, both starting with `/`: segment by segment, as if both were
/// split at `/`.
///
/// One pass over each, without splitting: a literal segment is compared in place (and
/// must end where the path's segment ends), a parameter skips one non-empty segment of the
/// path. This runs on every request.
fn segments_match(path: &str, template: &str) -> bool {
    let (mut path, mut template) = (path.as_bytes(), template.as_bytes());
    loop {
        let (segment, rest) = match template.iter().position(|&b| b == b'/') {
            Some(slash) => (&template[..slash], Some(&template[slash + 1..])),
            None => (template, None),
        };
        path = if is_parameter(segment) {
            let end = path.iter().position(|&b| b == b'/').unwrap_or(path.len());
            if end == 0 {
                return false;
            }
            &path[end..]
        } else {
            match path.strip_prefix(segment) {
                Some(after) => after,
                None => return false,
            }
        };
        let Some(rest) = rest else {
            return path.is_empty();
        };
        match path.split_first() {
            Some((b'/', after)) => (path, template) = (after, rest),
            _ => return false,
        }
    }
}

fn is_parameter(template_segment: &[u8]) -> bool {
    template_segment.len() >= 2
        && template_segment.first() == Some(&b'{')
        && template_segment.last() == Some(&b'}')
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "http://127.0.0.1:8080/v1";
    const CHANGE_ID: &str = "aid_customers_cid_change_customer_id_post";
    const CHANGE_USERNAME: &str = "aid_auth_users_username_change_username_post";

    /// What the generated code does: format the URL with the id as it is, then parse it.
    fn parsed(base: &str, customer_id: &str) -> url::Url {
        let encoded = progenitor_client::encode_path(customer_id);
        format!("{base}/accounts/T12345678/customers/users/{encoded}/change_customer_id")
            .parse()
            .unwrap()
    }

    fn reaches(base: &str, customer_id: &str) -> bool {
        reaches_its_own_path(base_path(base), &parsed(base, customer_id), CHANGE_ID)
    }

    #[test]
    fn ids_that_stay_one_segment_pass() {
        for id in [
            "crm-17",
            "kari@example.com",
            "a/b",
            "%2e%2e",
            "%5c",
            "...",
            ".a",
            "a..",
            "?#",
            " x ",
            "é€𝄞",
        ] {
            assert!(reaches(BASE, id), "{id:?}");
        }
    }

    #[test]
    fn ids_that_change_the_depth_are_refused() {
        for id in [".", "..", "a\\b", "\\", "..\\..\\x", "x\\..\\..\\..\\y"] {
            assert!(!reaches(BASE, id), "{id:?}");
        }
    }

    #[test]
    fn a_literal_segment_changed_at_the_same_depth_is_refused() {
        // `customers` becomes `auth` and the depth stays: counting segments passed this.
        let id = "..\\..\\..\\auth\\users\\victim";
        let url = parsed(BASE, id);
        assert_eq!(
            url.path(),
            "/v1/accounts/auth/users/victim/change_customer_id"
        );
        assert!(!reaches_its_own_path(base_path(BASE), &url, CHANGE_ID));
        let url: url::Url = format!("{BASE}/accounts/T12345678/auth/users/x/change_customer_id")
            .parse()
            .unwrap();
        assert!(!reaches_its_own_path(base_path(BASE), &url, CHANGE_ID));
    }

    #[test]
    fn leaving_the_base_path_is_refused() {
        // Five `..` climb out of `/v1`; the path is as deep as before.
        let id = "..\\..\\..\\..\\..\\v2\\accounts\\T12345678\\customers\\users\\x";
        assert!(!reaches(BASE, id));
        let url: url::Url =
            "http://127.0.0.1:8080/v10/accounts/T1/customers/users/x/change_customer_id"
                .parse()
                .unwrap();
        assert!(!reaches_its_own_path(base_path(BASE), &url, CHANGE_ID));
    }

    #[test]
    fn an_empty_parameter_segment_is_refused() {
        let url: url::Url =
            format!("{BASE}/accounts/T12345678/customers/users//change_customer_id")
                .parse()
                .unwrap();
        assert!(!reaches_its_own_path(base_path(BASE), &url, CHANGE_ID));
    }

    #[test]
    fn a_base_url_without_a_path_works() {
        assert!(reaches("http://127.0.0.1:8080", "crm-17"));
        assert!(!reaches("http://127.0.0.1:8080", ".."));
        assert_eq!(base_path("https://api.dintero.com/v1"), "/v1");
        assert_eq!(base_path("https://api.dintero.com"), "");
    }

    /// The plain definition: split both at `/` and compare segment by segment.
    fn split_and_compare(path: &str, template: &str) -> bool {
        let (actual, expected): (Vec<&str>, Vec<&str>) =
            (path.split('/').collect(), template.split('/').collect());
        actual.len() == expected.len()
            && actual.iter().zip(&expected).all(|(a, e)| {
                if is_parameter(e.as_bytes()) {
                    !a.is_empty()
                } else {
                    a == e
                }
            })
    }

    #[test]
    fn the_one_pass_match_is_the_split_definition() {
        let templates = [
            "/a/{x}/b",
            "/{x}",
            "/a/{x}/{y}",
            "/a/b",
            "/a/{}/c",
            "/a/{x/c",
            "/{x}/",
        ];
        let paths = [
            "", "/", "//", "/a", "/a/", "/a/1/b", "/a//b", "/a/1/b/", "/a/1/bb", "/a/1/b/c",
            "/aa/1/b", "/a/1", "/1", "/1/", "/a/1/2", "/a/b", "/a/{x/c", "/a/x/c", "a/1/b",
        ];
        for template in templates {
            for path in paths {
                assert_eq!(
                    segments_match(path, template),
                    split_and_compare(path, template),
                    "{path:?} against {template:?}"
                );
            }
        }
        assert_eq!(base_path("http://127.0.0.1:8080/v1/x"), "/v1/x");
        assert_eq!(base_path("127.0.0.1/v1"), "/v1");
    }

    #[test]
    fn each_operation_is_checked_against_its_own_template() {
        let url = parsed(BASE, "crm-17");
        assert!(!reaches_its_own_path(
            base_path(BASE),
            &url,
            CHANGE_USERNAME
        ));
        assert!(!reaches_its_own_path(
            base_path(BASE),
            &url,
            "no_such_operation"
        ));
    }
}
