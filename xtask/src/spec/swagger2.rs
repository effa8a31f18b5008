//! Swagger 2.0 → OpenAPI 3.0, in process, on the JSON tree.
//!
//! Dintero publishes Swagger 2.0. No maintained Rust crate converts it faithfully (the
//! candidates either panic on unknown schema types, drop validation keywords into
//! extensions, or come with a web framework), so this module converts what Swagger 2.0 can
//! say, the way the reference converter (`swagger2openapi`, which Dintero itself uses)
//! does, and is tested against Dintero's own conversion of the same document:
//!
//! - `host` + `basePath` + `schemes` (or the `x-servers` extension, on the document, a
//!   path or an operation) → `servers`;
//! - `definitions`, `parameters`, `responses`, `securityDefinitions` → `components`, with
//!   every `$ref` rewritten;
//! - `body` and `formData` parameters → `requestBody`, one media type per `consumes`
//!   entry; response `schema`/`examples` → `content` per `produces` entry;
//! - parameter and header `type`, `format`, bounds, `enum`, `default`, `items` → `schema`;
//!   `collectionFormat` → `style`/`explode`; `x-example` → `example`;
//! - schemas: string `discriminator` → `{propertyName}`, `x-nullable` → `nullable`,
//!   `type: file` → binary string, keywords beside a `$ref` (ignored by both versions)
//!   dropped;
//! - `basic` security → `http`/`basic`; OAuth2 flows renamed.

use serde_json::{Map, Value, json};

/// The keywords of a Swagger 2.0 parameter (or header, or items object) that describe its
/// value and so move into the OpenAPI 3.0 `schema`.
const VALUE_KEYWORDS: &[&str] = &[
    "type",
    "format",
    "items",
    "default",
    "maximum",
    "exclusiveMaximum",
    "minimum",
    "exclusiveMinimum",
    "maxLength",
    "minLength",
    "pattern",
    "maxItems",
    "minItems",
    "uniqueItems",
    "enum",
    "multipleOf",
];

/// The media type assumed where a document declares no `consumes`/`produces`.
const JSON: &str = "application/json";

/// Whether a document is Swagger 2.0 (has a `swagger` field).
pub fn is_swagger2(doc: &Value) -> bool {
    doc.get("swagger").is_some()
}

/// Converts a Swagger 2.0 document into an OpenAPI 3.0.0 one.
pub fn convert(doc: &Value) -> Result<Value, String> {
    match doc.get("swagger").and_then(Value::as_str) {
        Some("2.0") => {}
        Some(other) => return Err(format!("`swagger: {other}`: only Swagger 2.0 is converted")),
        None => return Err("no `swagger: \"2.0\"` field".to_string()),
    }
    let converter = Converter { doc };
    Ok(converter.document())
}

struct Converter<'a> {
    doc: &'a Value,
}

/// The media types a document or operation lists under `key`, if any.
fn media_list(holder: &Value, key: &str) -> Option<Vec<String>> {
    let list = holder.get(key)?.as_array()?;
    let types: Vec<String> = list
        .iter()
        .filter_map(Value::as_str)
        .map(str::to_string)
        .collect();
    (!types.is_empty()).then_some(types)
}

/// A copy of `value` without the keys `drop`.
fn without(value: &Value, drop: &[&str]) -> Map<String, Value> {
    value
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(k, _)| !drop.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// Rewrites a Swagger 2.0 local reference to its OpenAPI 3.0 place.
fn rewrite_ref(reference: &str) -> String {
    const MOVES: &[(&str, &str)] = &[
        ("#/definitions/", "#/components/schemas/"),
        ("#/parameters/", "#/components/parameters/"),
        ("#/responses/", "#/components/responses/"),
    ];
    for (from, to) in MOVES {
        if let Some(rest) = reference.strip_prefix(from) {
            return format!("{to}{rest}");
        }
    }
    reference.to_string()
}

impl<'a> Converter<'a> {
    fn document(&self) -> Value {
        let doc = self.doc;
        let mut out = without(
            doc,
            &[
                "swagger",
                "host",
                "basePath",
                "schemes",
                "consumes",
                "produces",
                "paths",
                "definitions",
                "parameters",
                "responses",
                "securityDefinitions",
                "x-servers",
            ],
        );
        out.insert("openapi".to_string(), json!("3.0.0"));
        if let Some(servers) = self.servers() {
            out.insert("servers".to_string(), servers);
        }
        out.insert("paths".to_string(), Value::Object(self.paths()));
        let components = self.components();
        if !components.is_empty() {
            out.insert("components".to_string(), Value::Object(components));
        }
        Value::Object(out)
    }

    fn servers(&self) -> Option<Value> {
        let doc = self.doc;
        let base = doc.get("basePath").and_then(Value::as_str).unwrap_or("");
        match doc.get("host").and_then(Value::as_str) {
            Some(host) => {
                let schemes = media_list(doc, "schemes").unwrap_or_else(|| vec!["https".into()]);
                let urls = schemes
                    .iter()
                    .map(|scheme| json!({"url": format!("{scheme}://{host}{base}")}));
                Some(Value::Array(urls.collect()))
            }
            None if doc.get("x-servers").is_some() => doc.get("x-servers").cloned(),
            None if !base.is_empty() => Some(json!([{"url": base}])),
            None => None,
        }
    }

    fn paths(&self) -> Map<String, Value> {
        let paths = self.doc.get("paths").and_then(Value::as_object);
        paths
            .into_iter()
            .flatten()
            .map(|(path, item)| (path.clone(), self.path_item(item)))
            .collect()
    }

    fn path_item(&self, item: &Value) -> Value {
        let shared = item.get("parameters").and_then(Value::as_array);
        let shared = shared.map(Vec::as_slice).unwrap_or_default();
        let mut out = Map::new();
        for (key, value) in item.as_object().into_iter().flatten() {
            let converted = if key == "parameters" {
                let (params, _) = self.parameters(shared, &[]);
                if params.is_empty() {
                    continue;
                }
                Value::Array(params)
            } else if dintero_codegen::doc::METHODS.contains(&key.as_str()) {
                self.operation(value, shared)
            } else if key == "$ref" {
                Value::String(value.as_str().map(rewrite_ref).unwrap_or_default())
            } else if key == "x-servers" {
                out.insert("servers".to_string(), value.clone());
                continue;
            } else {
                value.clone()
            };
            out.insert(key.clone(), converted);
        }
        Value::Object(out)
    }

    fn operation(&self, op: &Value, shared: &[Value]) -> Value {
        let mut out = without(
            op,
            &[
                "parameters",
                "consumes",
                "produces",
                "responses",
                "x-servers",
            ],
        );
        if let Some(servers) = op.get("x-servers") {
            out.insert("servers".to_string(), servers.clone());
        }
        let consumes = media_list(op, "consumes")
            .or_else(|| media_list(self.doc, "consumes"))
            .unwrap_or_else(|| vec![JSON.to_string()]);
        let produces = media_list(op, "produces")
            .or_else(|| media_list(self.doc, "produces"))
            .unwrap_or_else(|| vec![JSON.to_string()]);
        let own = op.get("parameters").and_then(Value::as_array);
        let own = own.map(Vec::as_slice).unwrap_or_default();
        let (params, body) = self.parameters(own, &consumes);
        // A body declared once for the whole path applies to operations without their own.
        let body = body.or_else(|| self.parameters(shared, &consumes).1);
        if !params.is_empty() {
            out.insert("parameters".to_string(), Value::Array(params));
        }
        if let Some(body) = body {
            out.insert("requestBody".to_string(), body);
        }
        if let Some(responses) = op.get("responses").and_then(Value::as_object) {
            let converted = responses
                .iter()
                .map(|(status, r)| (status.clone(), self.response(r, &produces)))
                .collect();
            out.insert("responses".to_string(), Value::Object(converted));
        }
        Value::Object(out)
    }

    /// Splits Swagger 2.0 parameters into OpenAPI 3.0 parameters and a request body.
    fn parameters(&self, params: &[Value], consumes: &[String]) -> (Vec<Value>, Option<Value>) {
        let (mut out, mut body, mut form) = (Vec::new(), None, Vec::new());
        for param in params {
            let resolved = self.global_parameter(param);
            match resolved.get("in").and_then(Value::as_str) {
                Some("body") => body = Some(request_body(resolved, consumes)),
                Some("formData") => form.push(resolved),
                _ if param.get("$ref").is_some() => {
                    let reference = param["$ref"].as_str().map(rewrite_ref);
                    out.push(json!({"$ref": reference}));
                }
                _ => out.push(parameter(param)),
            }
        }
        if body.is_none() && !form.is_empty() {
            body = Some(form_body(&form, consumes));
        }
        (out, body)
    }

    /// The parameter a `#/parameters/X` reference names, or the parameter itself.
    fn global_parameter(&self, param: &'a Value) -> &'a Value
    where
        Self: 'a,
    {
        let name = param
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix("#/parameters/"));
        let pointer = name.map(|n| format!("/parameters/{n}"));
        pointer.and_then(|p| self.doc.pointer(&p)).unwrap_or(param)
    }

    fn response(&self, response: &Value, produces: &[String]) -> Value {
        if let Some(reference) = response.get("$ref").and_then(Value::as_str) {
            return json!({"$ref": rewrite_ref(reference)});
        }
        let mut out = without(response, &["schema", "examples", "headers"]);
        if let Some(headers) = response.get("headers").and_then(Value::as_object) {
            let converted = headers.iter().map(|(n, h)| (n.clone(), header(h)));
            out.insert("headers".to_string(), Value::Object(converted.collect()));
        }
        if let Some(schema) = response.get("schema") {
            let examples = response.get("examples");
            let content = produces.iter().map(|media| {
                let mut entry = Map::from_iter([("schema".to_string(), schema_of(schema))]);
                if let Some(example) = examples.and_then(|e| e.get(media)) {
                    entry.insert("example".to_string(), example.clone());
                }
                (media.clone(), Value::Object(entry))
            });
            out.insert("content".to_string(), Value::Object(content.collect()));
        }
        Value::Object(out)
    }

    fn components(&self) -> Map<String, Value> {
        let doc = self.doc;
        let mut out = Map::new();
        let section = |key: &str| doc.get(key).and_then(Value::as_object);
        if let Some(definitions) = section("definitions") {
            let schemas = definitions.iter().map(|(n, s)| (n.clone(), schema_of(s)));
            out.insert("schemas".to_string(), Value::Object(schemas.collect()));
        }
        if let Some(params) = section("parameters") {
            // Body and form parameters become request bodies where they are used.
            let kept = params
                .iter()
                .filter(|(_, p)| !matches!(p["in"].as_str(), Some("body" | "formData")))
                .map(|(n, p)| (n.clone(), parameter(p)));
            let kept: Map<String, Value> = kept.collect();
            if !kept.is_empty() {
                out.insert("parameters".to_string(), Value::Object(kept));
            }
        }
        if let Some(responses) = section("responses") {
            let produces = media_list(doc, "produces").unwrap_or_else(|| vec![JSON.into()]);
            let converted = responses
                .iter()
                .map(|(n, r)| (n.clone(), self.response(r, &produces)));
            out.insert("responses".to_string(), Value::Object(converted.collect()));
        }
        if let Some(schemes) = section("securityDefinitions") {
            let converted = schemes.iter().map(|(n, s)| (n.clone(), security_scheme(s)));
            out.insert(
                "securitySchemes".to_string(),
                Value::Object(converted.collect()),
            );
        }
        out
    }
}

/// A `body` parameter as a request body with one media type per `consumes` entry.
fn request_body(param: &Value, consumes: &[String]) -> Value {
    let schema = param.get("schema").map(schema_of).unwrap_or(json!({}));
    let content = consumes
        .iter()
        .map(|media| (media.clone(), json!({"schema": schema})));
    let mut out = Map::new();
    if let Some(description) = param.get("description") {
        out.insert("description".to_string(), description.clone());
    }
    out.insert("content".to_string(), Value::Object(content.collect()));
    if param.get("required").and_then(Value::as_bool) == Some(true) {
        out.insert("required".to_string(), json!(true));
    }
    extensions_into(param, &mut out);
    Value::Object(out)
}

/// `formData` parameters as one object schema under the form media types.
fn form_body(params: &[&Value], consumes: &[String]) -> Value {
    let mut properties = Map::new();
    let mut required = Vec::new();
    for param in params {
        let name = param["name"].as_str().unwrap_or_default().to_string();
        let mut schema = value_schema(param);
        if let Some(description) = param.get("description") {
            schema.insert("description".to_string(), description.clone());
        }
        if param.get("required").and_then(Value::as_bool) == Some(true) {
            required.push(json!(name));
        }
        properties.insert(name, Value::Object(schema));
    }
    let mut schema = json!({"type": "object", "properties": properties});
    if !required.is_empty() {
        schema["required"] = Value::Array(required);
    }
    let forms: Vec<&String> = consumes
        .iter()
        .filter(|m| {
            m.starts_with("multipart/") || m.as_str() == "application/x-www-form-urlencoded"
        })
        .collect();
    let url_encoded = "application/x-www-form-urlencoded".to_string();
    let forms = if forms.is_empty() {
        vec![&url_encoded]
    } else {
        forms
    };
    let content = forms
        .into_iter()
        .map(|media| (media.clone(), json!({"schema": schema})));
    json!({"content": Value::Object(content.collect())})
}

/// A non-body parameter: its value keywords move into `schema`.
fn parameter(param: &Value) -> Value {
    if let Some(reference) = param.get("$ref").and_then(Value::as_str) {
        return json!({"$ref": rewrite_ref(reference)});
    }
    let mut drop: Vec<&str> = VALUE_KEYWORDS.to_vec();
    drop.extend(["collectionFormat", "x-example"]);
    let mut out = without(param, &drop);
    if let Some(example) = param.get("x-example") {
        out.insert("example".to_string(), example.clone());
    }
    if let Some((style, explode)) = collection_style(param) {
        if let Some(style) = style {
            out.insert("style".to_string(), json!(style));
        }
        if let Some(explode) = explode {
            out.insert("explode".to_string(), json!(explode));
        }
    }
    out.insert("schema".to_string(), Value::Object(value_schema(param)));
    Value::Object(out)
}

/// `collectionFormat` as OpenAPI 3.0 `style` and `explode`, for array parameters (as
/// `swagger2openapi` writes them: a query parameter's `form` style written out only for an
/// explicit `csv`).
fn collection_style(param: &Value) -> Option<(Option<&'static str>, Option<bool>)> {
    if param.get("type").and_then(Value::as_str) != Some("array") {
        return None;
    }
    let location = param.get("in").and_then(Value::as_str).unwrap_or("query");
    let format = param.get("collectionFormat").and_then(Value::as_str);
    let simple = matches!(location, "path" | "header");
    Some(match (format.unwrap_or("csv"), simple) {
        ("ssv", _) => (Some("spaceDelimited"), None),
        ("pipes", _) => (Some("pipeDelimited"), None),
        ("multi", _) => (None, Some(true)),
        ("csv", false) if format.is_some() => (Some("form"), Some(false)),
        (_, true) => (Some("simple"), None),
        (_, false) => (None, Some(false)),
    })
}

/// A response header: value keywords into `schema`, the rest kept.
fn header(header: &Value) -> Value {
    let mut drop: Vec<&str> = VALUE_KEYWORDS.to_vec();
    drop.extend(["collectionFormat", "x-example"]);
    let mut out = without(header, &drop);
    if let Some(example) = header.get("x-example") {
        out.insert("example".to_string(), example.clone());
    }
    out.insert("schema".to_string(), Value::Object(value_schema(header)));
    Value::Object(out)
}

/// The schema a parameter, header or items object describes with its value keywords.
fn value_schema(holder: &Value) -> Map<String, Value> {
    let mut schema = Map::new();
    for key in VALUE_KEYWORDS {
        let Some(value) = holder.get(*key) else {
            continue;
        };
        let converted = match *key {
            "items" => Value::Object(value_schema(value)),
            _ => value.clone(),
        };
        schema.insert(key.to_string(), converted);
    }
    if schema.get("type").and_then(Value::as_str) == Some("file") {
        schema.insert("type".to_string(), json!("string"));
        schema.insert("format".to_string(), json!("binary"));
    }
    if let Some(nullable) = holder.get("x-nullable") {
        schema.insert("nullable".to_string(), nullable.clone());
    }
    schema
}

/// A Swagger 2.0 schema object as an OpenAPI 3.0 one. Keywords beside a `$ref` are
/// ignored by both versions, and dropped.
fn schema_of(schema: &Value) -> Value {
    let Some(map) = schema.as_object() else {
        return schema.clone();
    };
    if let Some(reference) = map.get("$ref").and_then(Value::as_str) {
        return json!({"$ref": rewrite_ref(reference)});
    }
    let mut out = Map::new();
    for (key, value) in map {
        let converted = match key.as_str() {
            "properties" => Value::Object(
                value
                    .as_object()
                    .into_iter()
                    .flatten()
                    .map(|(name, s)| (name.clone(), schema_of(s)))
                    .collect(),
            ),
            "items" | "additionalProperties" | "not" => schema_of(value),
            "allOf" | "anyOf" | "oneOf" => match value.as_array() {
                Some(list) => Value::Array(list.iter().map(schema_of).collect()),
                None => value.clone(),
            },
            "discriminator" if value.is_string() => json!({"propertyName": value}),
            "x-nullable" => {
                out.insert("nullable".to_string(), value.clone());
                continue;
            }
            "type" if value.as_str() == Some("file") => {
                out.insert("format".to_string(), json!("binary"));
                json!("string")
            }
            _ => value.clone(),
        };
        out.insert(key.clone(), converted);
    }
    Value::Object(out)
}

/// A Swagger 2.0 security definition as an OpenAPI 3.0 security scheme.
fn security_scheme(scheme: &Value) -> Value {
    match scheme.get("type").and_then(Value::as_str) {
        Some("basic") => {
            let mut out = without(scheme, &["type"]);
            out.insert("type".to_string(), json!("http"));
            out.insert("scheme".to_string(), json!("basic"));
            Value::Object(out)
        }
        Some("oauth2") => {
            let mut out = without(scheme, &["flow", "authorizationUrl", "tokenUrl", "scopes"]);
            let flow = match scheme.get("flow").and_then(Value::as_str) {
                Some("application") => "clientCredentials",
                Some("accessCode") => "authorizationCode",
                Some("password") => "password",
                _ => "implicit",
            };
            let details = without(scheme, &["type", "flow", "description"])
                .into_iter()
                .filter(|(k, _)| !k.starts_with("x-"))
                .collect::<Map<String, Value>>();
            out.insert("flows".to_string(), json!({ flow: details }));
            Value::Object(out)
        }
        _ => scheme.clone(),
    }
}

/// Copies the `x-` extensions of `from` into `to`.
fn extensions_into(from: &Value, to: &mut Map<String, Value>) {
    for (key, value) in from.as_object().into_iter().flatten() {
        if key.starts_with("x-") {
            to.insert(key.clone(), value.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn converted(doc: Value) -> Value {
        convert(&doc).unwrap()
    }

    #[test]
    fn body_and_value_parameters_take_their_openapi_3_places() {
        let out = converted(json!({
            "swagger": "2.0",
            "consumes": ["application/json"],
            "paths": {"/a/{id}": {"post": {
                "parameters": [
                    {"name": "id", "in": "path", "required": true, "type": "string",
                     "format": "^a$", "x-example": "a"},
                    {"name": "tags", "in": "query", "type": "array", "collectionFormat": "multi",
                     "items": {"type": "string", "enum": ["x"]}},
                    {"name": "data", "in": "body", "required": true,
                     "schema": {"$ref": "#/definitions/Data"}},
                ],
                "responses": {"200": {"description": "ok", "schema": {"type": "string"},
                    "headers": {"Retry-After": {"type": "integer", "description": "s"}}}},
            }}},
        }));
        let op = &out["paths"]["/a/{id}"]["post"];
        assert_eq!(
            op["parameters"][0],
            json!({"name": "id", "in": "path", "required": true, "example": "a",
                   "schema": {"type": "string", "format": "^a$"}})
        );
        assert_eq!(op["parameters"][1].get("style"), None);
        assert_eq!(op["parameters"][1]["explode"], true);
        assert_eq!(
            op["parameters"][1]["schema"]["items"],
            json!({"type": "string", "enum": ["x"]})
        );
        assert_eq!(
            op["requestBody"],
            json!({"required": true, "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/Data"}}}})
        );
        let ok = &op["responses"]["200"];
        assert_eq!(
            ok["content"]["application/json"]["schema"],
            json!({"type": "string"})
        );
        assert_eq!(
            ok["headers"]["Retry-After"],
            json!({"description": "s", "schema": {"type": "integer"}})
        );
    }

    #[test]
    fn schemas_security_and_servers_are_converted() {
        let out = converted(json!({
            "swagger": "2.0",
            "host": "api.example.com",
            "basePath": "/v1",
            "schemes": ["https"],
            "paths": {},
            "definitions": {"A": {"discriminator": "kind", "properties": {
                "b": {"type": "string", "x-nullable": true},
                "c": {"$ref": "#/definitions/A"}}}},
            "securityDefinitions": {
                "basic": {"type": "basic"},
                "oauth": {"type": "oauth2", "flow": "application", "tokenUrl": "https://t",
                          "scopes": {"read": "r"}},
            },
        }));
        assert_eq!(out["openapi"], "3.0.0");
        assert_eq!(
            out["servers"],
            json!([{"url": "https://api.example.com/v1"}])
        );
        let a = &out["components"]["schemas"]["A"];
        assert_eq!(a["discriminator"], json!({"propertyName": "kind"}));
        assert_eq!(
            a["properties"]["b"],
            json!({"type": "string", "nullable": true})
        );
        assert_eq!(a["properties"]["c"]["$ref"], "#/components/schemas/A");
        let schemes = &out["components"]["securitySchemes"];
        assert_eq!(schemes["basic"], json!({"type": "http", "scheme": "basic"}));
        assert_eq!(
            schemes["oauth"],
            json!({"type": "oauth2", "flows": {"clientCredentials": {
                "tokenUrl": "https://t", "scopes": {"read": "r"}}}})
        );
    }

    #[test]
    fn form_parameters_become_one_object_body() {
        let out = converted(json!({
            "swagger": "2.0",
            "paths": {"/f": {"post": {
                "consumes": ["multipart/form-data"],
                "parameters": [
                    {"name": "file", "in": "formData", "type": "file", "required": true},
                    {"name": "note", "in": "formData", "type": "string"},
                ],
                "responses": {},
            }}},
        }));
        assert_eq!(
            out["paths"]["/f"]["post"]["requestBody"],
            json!({"content": {"multipart/form-data": {"schema": {
                "type": "object", "required": ["file"], "properties": {
                    "file": {"type": "string", "format": "binary"},
                    "note": {"type": "string"}}}}}})
        );
    }

    #[test]
    fn other_versions_are_refused() {
        assert!(convert(&json!({"swagger": "1.2"})).is_err());
        assert!(convert(&json!({"openapi": "3.0.0"})).is_err());
    }
}
