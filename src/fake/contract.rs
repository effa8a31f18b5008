//! The contract: every request the fake receives and every response it sends, judged by
//! `openapi/dintero.yaml` itself at run time, never by the client's own validation code.
//!
//! The spec is read once ([`super::spec::document`]) and each schema an operation names is
//! compiled into a JSON Schema validator (the `jsonschema` crate, draft 4, formats checked,
//! `$ref`s resolved against the spec's `components`). A rule written in the spec is thus
//! enforced by the fake with no code of its own, and a wrong rule cannot pass both sides
//! because the client wrote it twice.
//!
//! Each response schema is compiled a second time as a tolerant client reads it
//! ([`Reading::Evolved`]): the responses the fake evolves on purpose are checked that way.
//! The relaxation applies to the schemas the generator decodes tolerantly and to no others
//! ([`super::schema::tolerant`]).

use std::collections::HashMap;
use std::sync::LazyLock;

use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderMap, StatusCode};
use jsonschema::error::ValidationErrorKind;
use jsonschema::{ValidationError, Validator};
use serde_json::{Value, json};

use super::Operation;
use super::error::ApiError;
use super::schema::{components, to_json_schema, tolerant_reading};
use super::spec;

/// How a response body is judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reading {
    /// Exactly as the spec says.
    Strict,
    /// As a tolerant client reads it: with the additive changes of an evolved API allowed
    /// (unknown properties, `null` in optional properties, unknown enum strings) in the
    /// schemas the generator decodes tolerantly. For the responses the fake evolves on
    /// purpose: checked, not skipped.
    Evolved,
}

/// One schema, compiled twice: strictly and as a tolerant client reads it.
struct Schema {
    strict: Validator,
    evolved: Validator,
}

/// A path parameter of an operation.
struct Param {
    name: String,
    schema: Validator,
}

/// The request body of an operation.
struct Body {
    required: bool,
    media_types: Vec<String>,
    schema: Option<Validator>,
}

/// One documented response of an operation.
struct Response {
    media_types: Vec<String>,
    schema: Option<Schema>,
    /// Header name (lowercase), required, schema.
    headers: Vec<(String, bool, Validator)>,
}

/// What the spec says about one operation.
struct OperationContract {
    params: Vec<Param>,
    body: Option<Body>,
    /// Keyed by status code as the spec writes it (`"200"`, `"default"`).
    responses: HashMap<String, Response>,
}

/// The compiled contract of every operation in the spec, keyed by operationId.
pub(crate) struct Contract {
    operations: HashMap<String, OperationContract>,
    /// Every schema of `components/schemas`, by name.
    schemas: HashMap<String, Validator>,
}

static CONTRACT: LazyLock<Contract> = LazyLock::new(|| Contract::compile(spec::document()));

/// The contract of the embedded spec, compiled on first use.
pub(crate) fn contract() -> &'static Contract {
    &CONTRACT
}

impl Contract {
    /// Compiles every operation of `document`.
    ///
    /// # Panics
    ///
    /// If a schema does not compile: the spec is embedded at build time and this is tested,
    /// so it is a bug in this crate, not an input error.
    fn compile(document: &Value) -> Self {
        let compiler = Compiler::new(document);
        let operations = spec::operations(document)
            .map(|operation| (operation.id.to_string(), compiler.operation(&operation)))
            .collect();
        let schemas = document["components"]["schemas"]
            .as_object()
            .into_iter()
            .flat_map(|schemas| schemas.keys())
            .map(|name| {
                let reference = json!({"$ref": format!("#/components/schemas/{name}")});
                (name.clone(), compiler.strict(&reference))
            })
            .collect();
        Self {
            operations,
            schemas,
        }
    }

    /// Checks `value` against the spec's schema `name` (strictly).
    pub(crate) fn check_schema(&self, name: &str, value: &Value) -> Result<(), String> {
        let schema = self
            .schemas
            .get(name)
            .ok_or_else(|| format!("the spec has no schema {name}"))?;
        let problems: Vec<String> = schema
            .iter_errors(value)
            .map(|e| describe(name, &e))
            .collect();
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems.join("; "))
        }
    }

    fn operation(&self, operation: Operation) -> Option<&OperationContract> {
        self.operations.get(operation.operation_id()?)
    }

    /// Checks the path parameters (percent-decoded) against their schemas; a 400 naming
    /// the first parameter that breaks a rule.
    pub(crate) fn check_path(
        &self,
        operation: Operation,
        values: &[(&str, &str)],
    ) -> Result<(), ApiError> {
        let Some(contract) = self.operation(operation) else {
            return Ok(());
        };
        for param in &contract.params {
            let Some((_, value)) = values.iter().find(|(name, _)| *name == param.name) else {
                continue; // the router only matches paths that carry every parameter
            };
            let instance = Value::String((*value).to_string());
            if let Some(error) = param.schema.iter_errors(&instance).next() {
                return Err(rejection("path", &param.name, &error));
            }
        }
        Ok(())
    }

    /// Checks the request body: present when required, of a documented media type, JSON,
    /// and valid against its schema. Returns the parsed body (`Null` when absent).
    pub(crate) fn check_body(
        &self,
        operation: Operation,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<Value, ApiError> {
        let Some(spec) = self.operation(operation).and_then(|c| c.body.as_ref()) else {
            return Ok(Value::Null);
        };
        if body.is_empty() && !spec.required {
            return Ok(Value::Null);
        }
        if body.is_empty() {
            return Err(ApiError::violation(
                "body",
                "body",
                "required",
                "the request body is required",
            ));
        }
        let media_type = media_type(headers);
        if !spec
            .media_types
            .iter()
            .any(|m| Some(m.as_str()) == media_type.as_deref())
        {
            return Err(ApiError::violation(
                "header",
                "Content-Type",
                "content",
                format!("must be one of {}", spec.media_types.join(", ")),
            ));
        }
        let value: Value = serde_json::from_slice(body).map_err(|e| {
            ApiError::violation("body", "body", "json", format!("is not valid JSON: {e}"))
        })?;
        if let Some(schema) = &spec.schema {
            let errors: Vec<ApiError> = schema
                .iter_errors(&value)
                .map(|error| rejection("body", "body", &error))
                .collect();
            if let Some(combined) = ApiError::combine(errors) {
                return Err(combined);
            }
        }
        Ok(value)
    }

    /// Checks a response the fake is about to send: a documented status, a documented
    /// media type, a body valid against its schema (read as `reading` says), and valid
    /// documented headers. `Err` describes every problem found.
    pub(crate) fn check_response(
        &self,
        operation: Operation,
        status: StatusCode,
        headers: &HeaderMap,
        body: &[u8],
        reading: Reading,
    ) -> Result<(), String> {
        let Some(contract) = self.operation(operation) else {
            return Ok(()); // not an operation of the spec: nothing promised
        };
        let Some(response) = contract
            .responses
            .get(status.as_str())
            .or_else(|| contract.responses.get("default"))
        else {
            return Err(format!("status {} is not documented", status.as_u16()));
        };
        let mut problems = response.header_problems(headers);
        problems.extend(response.body_problems(headers, body, reading));
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems.join("; "))
        }
    }
}

impl Response {
    fn header_problems(&self, headers: &HeaderMap) -> Vec<String> {
        let mut problems = Vec::new();
        for (name, required, schema) in &self.headers {
            match headers.get(name).map(|v| v.to_str()) {
                None if *required => problems.push(format!("header {name} is required")),
                None => {}
                Some(Err(_)) => problems.push(format!("header {name} is not text")),
                Some(Ok(text)) => {
                    // A header is text; a number-typed header is read as the number it spells.
                    let instance =
                        serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.into()));
                    problems.extend(
                        schema
                            .iter_errors(&instance)
                            .map(|e| describe(&format!("header {name}"), &e)),
                    );
                }
            }
        }
        problems
    }

    fn body_problems(&self, headers: &HeaderMap, body: &[u8], reading: Reading) -> Vec<String> {
        if self.media_types.is_empty() && !body.is_empty() {
            return vec!["a body where the spec documents none".into()];
        }
        if self.media_types.is_empty() {
            return Vec::new();
        }
        let media_type = media_type(headers).unwrap_or_default();
        if !self.media_types.contains(&media_type) {
            return vec![format!("media type {media_type:?} is not documented")];
        }
        let value: Value = match serde_json::from_slice(body) {
            Ok(value) => value,
            Err(e) => return vec![format!("the body is not JSON: {e}")],
        };
        let Some(schema) = &self.schema else {
            return Vec::new();
        };
        let validator = match reading {
            Reading::Strict => &schema.strict,
            Reading::Evolved => &schema.evolved,
        };
        validator
            .iter_errors(&value)
            .map(|e| describe("body", &e))
            .collect()
    }
}

/// Compiles the schemas of one spec document.
struct Compiler<'a> {
    document: &'a Value,
    strict_components: Value,
    /// The components as a tolerant client reads them ([`tolerant_reading`]).
    evolved_components: Value,
}

impl<'a> Compiler<'a> {
    fn new(document: &'a Value) -> Self {
        Self {
            document,
            strict_components: components(document, |_, schema| to_json_schema(schema)),
            evolved_components: components(document, tolerant_reading),
        }
    }

    fn operation(&self, operation: &spec::SpecOperation<'a>) -> OperationContract {
        let at = |key: &str| spec::join(&operation.pointer, key);
        let params = self
            .members(&operation.value["parameters"], &at("parameters"))
            .into_iter()
            .map(|(_, p, _)| p)
            .filter(|p| p["in"] == "path")
            .map(|p| Param {
                name: p["name"].as_str().unwrap_or_default().to_string(),
                schema: self.strict(&p["schema"]),
            })
            .collect();
        let body = operation.value.get("requestBody").map(|body| {
            let (body, _) = spec::resolve(self.document, body, &at("requestBody"));
            Body {
                required: body["required"] == true,
                media_types: media_types(&body["content"]),
                schema: first_schema(&body["content"]).map(|(_, s)| self.strict(s)),
            }
        });
        let responses = self
            .members(&operation.value["responses"], &at("responses"))
            .into_iter()
            .map(|(status, response, pointer)| (status, self.response(response, &pointer)))
            .collect();
        OperationContract {
            params,
            body,
            responses,
        }
    }

    /// The response at `pointer` (references followed).
    fn response(&self, response: &'a Value, pointer: &str) -> Response {
        let headers = self
            .members(&response["headers"], &spec::join(pointer, "headers"))
            .into_iter()
            .map(|(name, header, _)| {
                let required = header["required"] == true;
                (
                    name.to_ascii_lowercase(),
                    required,
                    self.strict(&header["schema"]),
                )
            })
            .collect();
        let content = spec::join(pointer, "content");
        Response {
            media_types: media_types(&response["content"]),
            schema: first_schema(&response["content"]).map(|(media_type, s)| {
                let at = spec::join(&spec::join(&content, media_type), "schema");
                Schema {
                    strict: self.strict(s),
                    evolved: self.compile(&tolerant_reading(&at, s), &self.evolved_components),
                }
            }),
            headers,
        }
    }

    /// The members of a list or map of OpenAPI objects at `pointer` (parameters, responses,
    /// headers): key (the index for a list), object with its `$ref` followed, its pointer.
    fn members(&self, collection: &'a Value, pointer: &str) -> Vec<(String, &'a Value, String)> {
        let entries: Vec<(String, &'a Value)> = match collection {
            Value::Array(list) => list
                .iter()
                .enumerate()
                .map(|(i, v)| (i.to_string(), v))
                .collect(),
            Value::Object(map) => map.iter().map(|(k, v)| (k.clone(), v)).collect(),
            _ => Vec::new(),
        };
        entries
            .into_iter()
            .map(|(key, value)| {
                let (value, at) = spec::resolve(self.document, value, &spec::join(pointer, &key));
                (key, value, at)
            })
            .collect()
    }

    fn strict(&self, schema: &Value) -> Validator {
        self.compile(&to_json_schema(schema), &self.strict_components)
    }

    /// One validator for `schema`, inside a root that carries the components its `$ref`s
    /// point to (`#/components/schemas/...` resolves against that root).
    fn compile(&self, schema: &Value, components: &Value) -> Validator {
        let root = json!({"components": components, "allOf": [schema]});
        jsonschema::draft4::options()
            .should_validate_formats(true)
            // Draft 4 predates the `uuid` format that OpenAPI documents use.
            .with_format("uuid", |s: &str| {
                s.len() == 36 && uuid::Uuid::try_parse(s).is_ok()
            })
            .build(&root)
            .unwrap_or_else(|e| panic!("the spec's schema does not compile: {e}"))
    }
}

/// The documented media types of a `content` map.
fn media_types(content: &Value) -> Vec<String> {
    content
        .as_object()
        .map(|c| c.keys().map(|k| k.to_ascii_lowercase()).collect())
        .unwrap_or_default()
}

/// The first media type of a `content` map and its schema (the spec documents one).
fn first_schema(content: &Value) -> Option<(&str, &Value)> {
    let (media_type, media) = content.as_object()?.iter().next()?;
    Some((media_type, media.get("schema")?))
}

/// The media type of `Content-Type`, lowercase, without parameters.
fn media_type(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(CONTENT_TYPE)?.to_str().ok()?;
    let media_type = value.split(';').next()?.trim();
    Some(media_type.to_ascii_lowercase())
}

/// The field an error is about, dotted (`addresses.0.country`); a missing required
/// property names the property itself. `root` when it is about the whole value.
fn field(root: &str, error: &ValidationError<'_>) -> String {
    let mut segments: Vec<String> = error
        .instance_path()
        .as_str()
        .split('/')
        .skip(1)
        .map(spec::unescape)
        .collect();
    if let ValidationErrorKind::Required { property } = error.kind() {
        segments.push(property.as_str().unwrap_or_default().to_string());
    }
    if segments.is_empty() {
        root.to_string()
    } else {
        segments.join(".")
    }
}

/// Dintero's 400 for one broken rule, naming the field and the rule but not the value
/// (ids are often e-mail addresses).
fn rejection(location: &str, root: &str, error: &ValidationError<'_>) -> ApiError {
    let field = field(root, error);
    let message = error.masked_with(field.as_str()).to_string();
    ApiError::violation(location, &field, error.kind().keyword(), message)
}

/// One line about a broken rule in a response.
fn describe(root: &str, error: &ValidationError<'_>) -> String {
    let field = field(root, error);
    format!(
        "{field}: {} ({})",
        error.masked_with(field.as_str()),
        error.kind().keyword()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn json_headers() -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        headers
    }

    fn customer() -> Value {
        json!({"type": "customer", "customer_id": "crm-1", "metadata": {}})
    }

    #[test]
    fn every_operation_of_the_spec_compiles() {
        for operation in [
            Operation::Token,
            Operation::ChangeCustomerId,
            Operation::ChangeUsername,
        ] {
            assert!(contract().operation(operation).is_some(), "{operation:?}");
        }
    }

    #[test]
    fn a_body_rule_is_named_with_its_field_and_keyword() {
        let body = json!({"username": ""}).to_string();
        let err = contract()
            .check_body(Operation::ChangeUsername, &json_headers(), body.as_bytes())
            .unwrap_err();
        let detail = &err.errors[0];
        assert_eq!(detail["field"], "username");
        assert_eq!(detail["in"], "body");
        assert_eq!(detail["rule"], "minLength");
        let err = contract()
            .check_body(Operation::ChangeUsername, &json_headers(), b"{}")
            .unwrap_err();
        assert_eq!(err.errors[0]["field"], "username");
        assert_eq!(err.errors[0]["rule"], "required");
    }

    #[test]
    fn a_response_is_checked_by_status_media_type_and_schema() {
        let check = |status: u16, body: &Value, reading| {
            contract().check_response(
                Operation::ChangeCustomerId,
                StatusCode::from_u16(status).unwrap(),
                &json_headers(),
                body.to_string().as_bytes(),
                reading,
            )
        };
        assert_eq!(check(200, &customer(), Reading::Strict), Ok(()));
        let mut bad = customer();
        bad["id"] = json!("not-a-uuid");
        let problem = check(200, &bad, Reading::Strict).unwrap_err();
        assert!(
            problem.contains("id") && problem.contains("format"),
            "{problem}"
        );
        assert!(check(418, &customer(), Reading::Strict).is_err());
        let err = contract().check_response(
            Operation::ChangeCustomerId,
            StatusCode::OK,
            &HeaderMap::new(),
            b"{}",
            Reading::Strict,
        );
        assert!(err.unwrap_err().contains("media type"));
    }

    #[test]
    fn evolved_responses_are_checked_with_additive_changes_allowed() {
        let check = |body: &Value, reading| {
            contract().check_response(
                Operation::ChangeCustomerId,
                StatusCode::OK,
                &json_headers(),
                body.to_string().as_bytes(),
                reading,
            )
        };
        let mut evolved = customer();
        evolved["type"] = json!("prospect");
        evolved["addresses"] = Value::Null;
        evolved["loyalty_tier"] = json!("gold");
        evolved["marketing_consent"] = json!({"sms": null, "push": {"consent": true}});
        assert!(check(&evolved, Reading::Strict).is_err());
        assert_eq!(check(&evolved, Reading::Evolved), Ok(()));

        // Breaking changes still fail: a required property gone, a type changed.
        let mut broken = customer();
        broken.as_object_mut().unwrap().remove("customer_id");
        assert!(check(&broken, Reading::Evolved).is_err());
        let mut broken = customer();
        broken["metadata"] = json!("text");
        assert!(check(&broken, Reading::Evolved).is_err());
    }

    #[test]
    fn documented_headers_are_checked_against_their_schema() {
        let mut headers = json_headers();
        headers.insert("retry-after", HeaderValue::from_static("soon"));
        let body = json!({"error": {"message": "slow down"}}).to_string();
        let result = contract().check_response(
            Operation::Token,
            StatusCode::TOO_MANY_REQUESTS,
            &headers,
            body.as_bytes(),
            Reading::Strict,
        );
        assert!(result.unwrap_err().contains("retry-after"));
    }
}
