//! Which operation of OLD is compared with which of NEW.
//!
//! Operations are paired by `operationId` first (progenitor names the Rust method after
//! it), then, as oasdiff matches endpoints, by method and path template with path
//! parameter names ignored: `POST /accounts/{oid}/auth/token` is the same endpoint as
//! `POST /accounts/{aid}/auth/token`, since the URL on the wire is the same.

use crate::spec::doc::{self, Error, Operation, Result};
use serde_json::Value;

/// An operation of OLD and its counterpart in NEW (one of them may be missing).
#[derive(Debug, Clone)]
pub struct Pair<'a> {
    /// The operation in OLD.
    pub old: Option<Operation<'a>>,
    /// The operation in NEW.
    pub new: Option<Operation<'a>>,
}

impl Pair<'_> {
    /// The name the report uses: the operationId (or route), NEW's where it exists.
    pub fn key(&self) -> String {
        self.new
            .as_ref()
            .or(self.old.as_ref())
            .map(Operation::key)
            .unwrap_or_default()
    }

    /// Whether `key` (an operationId or a `METHOD /path` route) names this pair.
    fn is_named(&self, key: &str) -> bool {
        let wanted = normalize_route(key);
        [&self.old, &self.new]
            .into_iter()
            .flatten()
            .any(|op| op.id() == Some(key) || normalize_route(&op.route()) == wanted)
    }
}

/// A path template with its parameter names dropped: `/a/{id}/b` → `/a/{}/b`.
pub fn template(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut in_name = false;
    for c in path.chars() {
        match c {
            '{' => {
                in_name = true;
                out.push_str("{}");
            }
            '}' => in_name = false,
            _ if in_name => {}
            _ => out.push(c),
        }
    }
    out
}

/// The names of a path template's parameters, in order.
pub fn path_names(path: &str) -> Vec<&str> {
    path.split('{')
        .skip(1)
        .filter_map(|rest| rest.split_once('}').map(|(name, _)| name))
        .collect()
}

/// `post /a/{x}` or `POST /a/{y}` → `POST /a/{}`.
fn normalize_route(route: &str) -> String {
    match route.split_once(' ') {
        Some((method, path)) => format!("{} {}", method.to_uppercase(), template(path)),
        None => route.to_string(),
    }
}

/// The endpoint of an operation, parameter names ignored.
fn endpoint(op: &Operation<'_>) -> String {
    normalize_route(&op.route())
}

/// Pairs every operation of OLD with its counterpart in NEW, OLD's order first.
pub fn pair_all<'a>(old: &'a Value, new: &'a Value) -> Vec<Pair<'a>> {
    let mut unpaired: Vec<Option<Operation<'a>>> =
        doc::operations(new).into_iter().map(Some).collect();
    let olds = doc::operations(old);
    let mut partners: Vec<Option<Operation<'a>>> = vec![None; olds.len()];
    let same_id = |a: &Operation<'_>, b: &Operation<'_>| a.id().is_some() && a.id() == b.id();
    let same_endpoint = |a: &Operation<'_>, b: &Operation<'_>| endpoint(a) == endpoint(b);
    for matches in [
        &same_id as &dyn Fn(&Operation, &Operation) -> bool,
        &same_endpoint,
    ] {
        for (i, op) in olds.iter().enumerate() {
            if partners[i].is_some() {
                continue;
            }
            let found = unpaired
                .iter_mut()
                .find(|n| n.as_ref().is_some_and(|n| matches(op, n)));
            partners[i] = found.and_then(Option::take);
        }
    }
    let mut pairs: Vec<Pair<'a>> = olds
        .into_iter()
        .zip(partners)
        .map(|(old, new)| Pair {
            old: Some(old),
            new,
        })
        .collect();
    pairs.extend(unpaired.into_iter().flatten().map(|new| Pair {
        old: None,
        new: Some(new),
    }));
    pairs
}

/// The pairs named by `keys` (operationIds or routes), or all pairs for no keys.
pub fn select<'a>(pairs: Vec<Pair<'a>>, keys: &[String]) -> Result<Vec<Pair<'a>>> {
    if keys.is_empty() {
        return Ok(pairs);
    }
    let missing: Vec<&str> = keys
        .iter()
        .filter(|key| !pairs.iter().any(|p| p.is_named(key)))
        .map(String::as_str)
        .collect();
    if !missing.is_empty() {
        return Err(Error(format!(
            "operation(s) {} in neither document (check the --ops list)",
            missing.join(", ")
        )));
    }
    Ok(pairs
        .into_iter()
        .filter(|p| keys.iter().any(|key| p.is_named(key)))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn templates_ignore_parameter_names() {
        assert_eq!(template("/a/{oid}/b/{x}"), "/a/{}/b/{}");
        assert_eq!(path_names("/a/{oid}/b/{x}"), ["oid", "x"]);
        assert_eq!(normalize_route("post /a/{aid}"), "POST /a/{}");
    }

    #[test]
    fn a_renamed_path_parameter_keeps_the_pair_and_ids_win_over_routes() {
        let old = json!({"paths": {
            "/t/{oid}": {"post": {"operationId": "token"}},
            "/u": {"get": {"operationId": "list"}},
        }});
        let new = json!({"paths": {
            "/t/{aid}": {"post": {"operationId": "token"}},
            "/v": {"get": {"operationId": "list"}},
            "/u": {"get": {"operationId": "other"}},
        }});
        let pairs = pair_all(&old, &new);
        let shown: Vec<(Option<String>, Option<String>)> = pairs
            .iter()
            .map(|p| (p.old.map(|o| o.route()), p.new.map(|n| n.route())))
            .collect();
        assert_eq!(
            shown,
            [
                (Some("POST /t/{oid}".into()), Some("POST /t/{aid}".into())),
                (Some("GET /u".into()), Some("GET /v".into())),
                (None, Some("GET /u".into())),
            ]
        );
        let token = select(pairs, &["POST /t/{x}".to_string()]).unwrap();
        assert_eq!(token.len(), 1);
    }
}
