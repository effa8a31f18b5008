//! Every kind of change `spec diff` reports, as data: one table, printed by
//! `cargo xtask spec rules`.
//!
//! A change is *breaking* when a client built from OLD fails against a server that
//! follows NEW, or when regenerating the client from NEW removes a generated Rust item or
//! changes the type of one that code written against OLD uses. Most verdicts are those of
//! oasdiff's checker (`oasdiff checks`); where this crate departs on purpose, the rule's
//! description says why. The usual reasons are the generated code (progenitor and typify
//! turn the spec into Rust types and methods) and the tolerant decoding of response-only
//! schemas (`dintero_codegen::tolerant`).

use std::fmt;

/// Which way the data a rule is about travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Sent by the client: parameters and request bodies.
    Request,
    /// Decoded by the client: responses and their headers.
    Response,
    /// Operation- or document-level, or anywhere (documentation, unknown keywords).
    Any,
}

/// Whether a change can break a client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// A client built from OLD fails, or its generated Rust items change.
    Breaking,
    /// Safe for clients built from OLD.
    NonBreaking,
}

/// The group a rule belongs to (oasdiff's checker families, for OpenAPI 3.0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Family {
    /// Operations, paths and document-level fields.
    Operations,
    /// Parameters of an operation.
    Parameters,
    /// Request bodies and their media types.
    RequestBody,
    /// Response status codes and media types.
    Responses,
    /// Response headers.
    Headers,
    /// Object properties, `required` and `additionalProperties`.
    Properties,
    /// `type`, `format` and `$ref` targets.
    Types,
    /// `enum` values.
    Enums,
    /// `pattern`, lengths, numeric ranges, item and property counts.
    Constraints,
    /// `nullable`.
    Nullable,
    /// `readOnly` and `writeOnly`.
    ReadWrite,
    /// `allOf`, `anyOf`, `oneOf`, `not` and `discriminator`.
    Composition,
    /// Security requirements (global and per operation), scopes and schemes.
    Security,
    /// `deprecated`.
    Deprecation,
    /// `default` values.
    Defaults,
    /// Descriptions, examples and extensions.
    Documentation,
    /// Whatever no other rule understands: still reported.
    Other,
}

/// One kind of change.
#[derive(Debug)]
pub struct Rule {
    /// The stable id printed with every change, as in `request-enum-value-removed`.
    pub id: &'static str,
    /// The group of the rule.
    pub family: Family,
    /// Which way the data travels.
    pub direction: Direction,
    /// Breaking or not.
    pub level: Level,
    /// What the rule finds and, where the verdict departs from oasdiff's, why.
    pub description: &'static str,
}

impl Rule {
    /// Whether changes of this rule are breaking.
    pub fn breaking(&self) -> bool {
        self.level == Level::Breaking
    }
}

impl fmt::Display for Direction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Request => "request",
            Self::Response => "response",
            Self::Any => "any",
        })
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Breaking => "breaking",
            Self::NonBreaking => "non-breaking",
        })
    }
}

impl fmt::Display for Family {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Operations => "operations",
            Self::Parameters => "parameters",
            Self::RequestBody => "request body",
            Self::Responses => "responses",
            Self::Headers => "headers",
            Self::Properties => "properties",
            Self::Types => "types",
            Self::Enums => "enums",
            Self::Constraints => "constraints",
            Self::Nullable => "nullable",
            Self::ReadWrite => "readOnly/writeOnly",
            Self::Composition => "composition",
            Self::Security => "security",
            Self::Deprecation => "deprecation",
            Self::Defaults => "defaults",
            Self::Documentation => "documentation",
            Self::Other => "other",
        })
    }
}

/// Defines each rule as a constant and [`RULES`] as the table of all of them, in order.
macro_rules! rules {
    ($($name:ident = $id:literal, $family:ident, $direction:ident, $level:ident, $description:literal;)*) => {
        $(
            #[doc = $description]
            pub const $name: Rule = Rule {
                id: $id,
                family: Family::$family,
                direction: Direction::$direction,
                level: Level::$level,
                description: $description,
            };
        )*
        /// Every rule, grouped by family.
        pub const RULES: &[Rule] = &[$($name),*];
    };
}

rules! {
    // Operations and paths.
    OPERATION_ADDED = "operation-added", Operations, Any, NonBreaking,
        "An operation was added.";
    OPERATION_REMOVED = "operation-removed", Operations, Any, Breaking,
        "An operation was removed. Departs from oasdiff, which accepts a removal after deprecation: the regenerated client loses the method, so code calling it stops compiling.";
    OPERATION_MOVED = "operation-moved", Operations, Any, Breaking,
        "The operation with this operationId has another method or path template (path parameter names ignored): the client calls a URL the server no longer serves.";
    OPERATION_ID_CHANGED = "operation-id-changed", Operations, Any, Breaking,
        "The operationId of an endpoint changed. Departs from oasdiff (INFO): progenitor names the Rust method after the operationId, so the method is renamed.";
    SERVERS_CHANGED = "servers-changed", Operations, Any, NonBreaking,
        "`servers` of the document, a path or an operation changed. Not in oasdiff's checks: the client's base URL is a run-time setting, but its documented default should be reviewed.";
    TAGS_CHANGED = "tags-changed", Operations, Any, NonBreaking,
        "Tags of the document or of an operation changed. The client is generated with merged tags, so no generated item changes.";
    INFO_CHANGED = "info-changed", Operations, Any, NonBreaking,
        "The document's `info` (title, version, contact, license) changed.";

    // Parameters.
    REQUEST_PARAMETER_ADDED_REQUIRED = "request-parameter-added-required", Parameters, Request, Breaking,
        "A required parameter was added: requests without it are refused.";
    REQUEST_PARAMETER_ADDED_OPTIONAL = "request-parameter-added-optional", Parameters, Request, NonBreaking,
        "An optional parameter was added.";
    REQUEST_PARAMETER_REMOVED = "request-parameter-removed", Parameters, Request, Breaking,
        "A parameter was removed. oasdiff warns; here it is breaking because the generated method loses the argument.";
    REQUEST_PARAMETER_BECAME_REQUIRED = "request-parameter-became-required", Parameters, Request, Breaking,
        "A parameter became required.";
    REQUEST_PARAMETER_BECAME_OPTIONAL = "request-parameter-became-optional", Parameters, Request, NonBreaking,
        "A parameter became optional.";
    PATH_PARAMETER_RENAMED = "path-parameter-renamed", Parameters, Request, NonBreaking,
        "A path parameter has another name at the same place of the path template (as oasdiff, endpoints are matched with parameter names ignored): the URL on the wire is the same, and the generated method takes its arguments by position. Documentation-level.";
    REQUEST_PARAMETER_DEFAULT_CHANGED = "request-parameter-default-changed", Parameters, Request, Breaking,
        "The default of a parameter was added, removed or changed: a client that omits the parameter gets another behaviour (as oasdiff).";
    REQUEST_PARAMETER_SERIALIZATION_CHANGED = "request-parameter-serialization-changed", Parameters, Request, Breaking,
        "`style`, `explode`, `allowReserved`, `allowEmptyValue` or `content` of a parameter changed: the parameter is written differently on the wire.";

    // Request bodies.
    REQUEST_BODY_ADDED_REQUIRED = "request-body-added-required", RequestBody, Request, Breaking,
        "A required request body was added.";
    REQUEST_BODY_ADDED_OPTIONAL = "request-body-added-optional", RequestBody, Request, NonBreaking,
        "An optional request body was added.";
    REQUEST_BODY_REMOVED = "request-body-removed", RequestBody, Request, Breaking,
        "The request body was removed.";
    REQUEST_BODY_BECAME_REQUIRED = "request-body-became-required", RequestBody, Request, Breaking,
        "The request body became required.";
    REQUEST_BODY_BECAME_OPTIONAL = "request-body-became-optional", RequestBody, Request, NonBreaking,
        "The request body became optional.";
    REQUEST_MEDIA_TYPE_ADDED = "request-media-type-added", RequestBody, Request, NonBreaking,
        "The request body accepts another media type.";
    REQUEST_MEDIA_TYPE_REMOVED = "request-media-type-removed", RequestBody, Request, Breaking,
        "A media type of the request body was removed: the client may send one the server refuses.";
    REQUEST_MEDIA_TYPE_SCHEMA_ADDED = "request-media-type-schema-added", RequestBody, Request, Breaking,
        "A request media type that allowed any body now has a schema.";
    REQUEST_MEDIA_TYPE_SCHEMA_REMOVED = "request-media-type-schema-removed", RequestBody, Request, Breaking,
        "A request media type lost its schema. Departs from oasdiff (INFO): the generated body type becomes untyped JSON.";

    // Responses.
    RESPONSE_SUCCESS_STATUS_ADDED = "response-success-status-added", Responses, Response, Breaking,
        "A success (2XX) status was added. Departs from oasdiff (INFO): the generated client turns a status its spec does not list into an unexpected-response error, so an old client reports a call that succeeded as failed.";
    RESPONSE_SUCCESS_STATUS_REMOVED = "response-success-status-removed", Responses, Response, Breaking,
        "A success (2XX) status was removed, or replaced (200 -> 201): the old client rejects what the server now returns.";
    RESPONSE_ERROR_STATUS_ADDED = "response-error-status-added", Responses, Response, NonBreaking,
        "An error status (or `default`) was added: the call fails either way.";
    RESPONSE_ERROR_STATUS_REMOVED = "response-error-status-removed", Responses, Response, NonBreaking,
        "An error status (or `default`) was removed.";
    RESPONSE_MEDIA_TYPE_ADDED = "response-media-type-added", Responses, Response, NonBreaking,
        "A response has another media type.";
    RESPONSE_MEDIA_TYPE_REMOVED = "response-media-type-removed", Responses, Response, Breaking,
        "A media type of a response was removed.";
    RESPONSE_MEDIA_TYPE_SCHEMA_ADDED = "response-media-type-schema-added", Responses, Response, Breaking,
        "A response media type without a schema now has one. Departs from oasdiff (INFO): the generated return type changes from untyped to a struct.";
    RESPONSE_MEDIA_TYPE_SCHEMA_REMOVED = "response-media-type-schema-removed", Responses, Response, Breaking,
        "A response media type lost its schema: the generated return type becomes untyped.";

    // Response headers.
    RESPONSE_HEADER_ADDED = "response-header-added", Headers, Response, NonBreaking,
        "A response header was added.";
    RESPONSE_HEADER_REMOVED = "response-header-removed", Headers, Response, Breaking,
        "A response header was removed. oasdiff only warns for an optional one; here both break, because the hand-written layer reads documented headers (such as Retry-After).";
    RESPONSE_HEADER_BECAME_OPTIONAL = "response-header-became-optional", Headers, Response, Breaking,
        "A response header is no longer required.";
    RESPONSE_HEADER_BECAME_REQUIRED = "response-header-became-required", Headers, Response, NonBreaking,
        "A response header became required.";

    // Properties.
    REQUEST_PROPERTY_ADDED_REQUIRED = "request-property-added-required", Properties, Request, Breaking,
        "A required property was added to a request schema.";
    REQUEST_PROPERTY_ADDED_OPTIONAL = "request-property-added-optional", Properties, Request, NonBreaking,
        "An optional property was added to a request schema.";
    REQUEST_PROPERTY_REMOVED = "request-property-removed", Properties, Request, Breaking,
        "A property was removed from a request schema. oasdiff warns; here it breaks because the generated struct loses the field.";
    REQUEST_PROPERTY_BECAME_REQUIRED = "request-property-became-required", Properties, Request, Breaking,
        "A request property became required.";
    REQUEST_PROPERTY_BECAME_OPTIONAL = "request-property-became-optional", Properties, Request, NonBreaking,
        "A request property became optional.";
    RESPONSE_PROPERTY_ADDED = "response-property-added", Properties, Response, NonBreaking,
        "A property was added to a response schema: unknown fields are ignored when decoding.";
    RESPONSE_PROPERTY_ADDED_TO_CLOSED_OBJECT = "response-property-added-to-closed-object", Properties, Response, Breaking,
        "A property was added to a response object that OLD closes with `additionalProperties: false`: the generated struct refuses unknown fields.";
    RESPONSE_PROPERTY_REMOVED = "response-property-removed", Properties, Response, Breaking,
        "A property was removed from a response schema. oasdiff only warns for an optional one; here both break, because the regenerated struct loses the field.";
    RESPONSE_PROPERTY_BECAME_OPTIONAL = "response-property-became-optional", Properties, Response, Breaking,
        "A response property is no longer required: it may be absent, and its Rust type changes to an `Option`.";
    RESPONSE_PROPERTY_BECAME_REQUIRED = "response-property-became-required", Properties, Response, NonBreaking,
        "A response property became required (always present).";
    REQUEST_ADDITIONAL_PROPERTIES_NARROWED = "request-additional-properties-narrowed", Properties, Request, Breaking,
        "A request schema allows fewer additional properties (`additionalProperties` became `false` or a schema).";
    REQUEST_ADDITIONAL_PROPERTIES_WIDENED = "request-additional-properties-widened", Properties, Request, NonBreaking,
        "A request schema allows more additional properties.";
    RESPONSE_ADDITIONAL_PROPERTIES_WIDENED = "response-additional-properties-widened", Properties, Response, Breaking,
        "A response object closed with `additionalProperties: false` now allows more: the generated struct refuses unknown fields.";
    RESPONSE_ADDITIONAL_PROPERTIES_NARROWED = "response-additional-properties-narrowed", Properties, Response, NonBreaking,
        "A response schema allows fewer additional properties.";

    // Types.
    REQUEST_TYPE_CHANGED = "request-type-changed", Types, Request, Breaking,
        "The `type` (or `items` presence) of a request schema changed.";
    RESPONSE_TYPE_CHANGED = "response-type-changed", Types, Response, Breaking,
        "The `type` (or `items` presence) of a response schema changed.";
    REQUEST_FORMAT_CHANGED = "request-format-changed", Types, Request, Breaking,
        "The `format` of a request schema changed: the generated Rust type (uuid, date-time, ...) and what the server accepts change.";
    RESPONSE_FORMAT_CHANGED = "response-format-changed", Types, Response, Breaking,
        "The `format` of a response schema changed: the generated Rust type changes.";
    SCHEMA_REF_RENAMED = "schema-ref-renamed", Types, Any, NonBreaking,
        "A `$ref` now names another component; the two are compared structurally, so the wire format is judged by the other rules. The generated type takes the new name (see `cargo xtask codegen`).";

    // Enums.
    REQUEST_ENUM_VALUE_ADDED = "request-enum-value-added", Enums, Request, NonBreaking,
        "A request enum accepts another value.";
    REQUEST_ENUM_VALUE_REMOVED = "request-enum-value-removed", Enums, Request, Breaking,
        "A request enum value was removed: the client may send it.";
    REQUEST_BECAME_ENUM = "request-became-enum", Enums, Request, Breaking,
        "A request schema became an enum: only the listed values are accepted.";
    REQUEST_ENUM_REMOVED = "request-enum-removed", Enums, Request, NonBreaking,
        "A request schema is no longer an enum: any value of its type is accepted.";
    RESPONSE_ENUM_VALUE_ADDED = "response-enum-value-added", Enums, Response, NonBreaking,
        "A response enum has another value, in a schema reached only from responses. Departs from oasdiff (WARN): the generated enum decodes a value it does not know into its Unknown variant.";
    RESPONSE_STRICT_ENUM_VALUE_ADDED = "response-strict-enum-value-added", Enums, Response, Breaking,
        "A response enum has another value, in a schema a request also reaches: that generated enum is closed (requests are validated), so decoding the new value fails.";
    RESPONSE_ENUM_VALUE_REMOVED = "response-enum-value-removed", Enums, Response, Breaking,
        "A response enum value was removed. Departs from oasdiff (INFO): the regenerated enum loses the variant, so code matching on it stops compiling.";
    RESPONSE_BECAME_ENUM = "response-became-enum", Enums, Response, Breaking,
        "A response schema became an enum: its generated type changes from the plain type to an enum.";
    RESPONSE_ENUM_REMOVED = "response-enum-removed", Enums, Response, Breaking,
        "A response schema is no longer an enum: any value may come, and the generated enum becomes the plain type.";

    // Constraints.
    REQUEST_PATTERN_ADDED = "request-pattern-added", Constraints, Request, Breaking,
        "A request schema got a `pattern`.";
    REQUEST_PATTERN_CHANGED = "request-pattern-changed", Constraints, Request, Breaking,
        "A request `pattern` changed (oasdiff warns: the new pattern may refuse what the old accepted).";
    REQUEST_PATTERN_REMOVED = "request-pattern-removed", Constraints, Request, NonBreaking,
        "A request `pattern` was removed.";
    REQUEST_LENGTH_TIGHTENED = "request-length-tightened", Constraints, Request, Breaking,
        "A request `minLength` rose or `maxLength` fell (or was set).";
    REQUEST_LENGTH_LOOSENED = "request-length-loosened", Constraints, Request, NonBreaking,
        "A request `minLength` fell or `maxLength` rose (or was removed).";
    REQUEST_RANGE_TIGHTENED = "request-range-tightened", Constraints, Request, Breaking,
        "A request numeric range narrowed: `minimum` rose, `maximum` fell, an exclusive bound or `multipleOf` was set or changed.";
    REQUEST_RANGE_LOOSENED = "request-range-loosened", Constraints, Request, NonBreaking,
        "A request numeric range widened.";
    REQUEST_ITEMS_TIGHTENED = "request-items-tightened", Constraints, Request, Breaking,
        "A request `minItems`/`minProperties` rose, `maxItems`/`maxProperties` fell, or `uniqueItems` was set.";
    REQUEST_ITEMS_LOOSENED = "request-items-loosened", Constraints, Request, NonBreaking,
        "A request item or property count limit widened, or `uniqueItems` was dropped.";
    RESPONSE_TOLERANT_STRING_CONSTRAINT_CHANGED = "response-tolerant-string-constraint-changed", Constraints, Response, NonBreaking,
        "`pattern`, `minLength` or `maxLength` changed in a schema reached only from responses. Departs from oasdiff (which fails a widened response length): such schemas are decoded without their string constraints.";
    RESPONSE_PATTERN_WIDENED = "response-pattern-widened", Constraints, Response, Breaking,
        "A response `pattern` was removed or changed in a schema a request also reaches. Departs from oasdiff (INFO): the generated newtype checks the pattern when decoding too.";
    RESPONSE_PATTERN_NARROWED = "response-pattern-narrowed", Constraints, Response, NonBreaking,
        "A response schema a request also reaches got a `pattern`: the server sends a subset of what it sent.";
    RESPONSE_LENGTH_LOOSENED = "response-length-loosened", Constraints, Response, Breaking,
        "A response `minLength` fell or `maxLength` rose, in a schema a request also reaches: the generated newtype refuses the longer or shorter values.";
    RESPONSE_LENGTH_TIGHTENED = "response-length-tightened", Constraints, Response, NonBreaking,
        "A response length limit narrowed.";
    RESPONSE_RANGE_LOOSENED = "response-range-loosened", Constraints, Response, Breaking,
        "A response numeric range widened: values outside the old range may come (and may not fit the generated integer type).";
    RESPONSE_RANGE_TIGHTENED = "response-range-tightened", Constraints, Response, NonBreaking,
        "A response numeric range narrowed.";
    RESPONSE_ITEMS_LOOSENED = "response-items-loosened", Constraints, Response, Breaking,
        "A response item or property count limit widened, or `uniqueItems` was dropped (as oasdiff).";
    RESPONSE_ITEMS_TIGHTENED = "response-items-tightened", Constraints, Response, NonBreaking,
        "A response item or property count limit narrowed.";

    // Nullable.
    REQUEST_BECAME_NULLABLE = "request-became-nullable", Nullable, Request, NonBreaking,
        "A request schema now accepts `null`.";
    REQUEST_BECAME_NOT_NULLABLE = "request-became-not-nullable", Nullable, Request, Breaking,
        "A request schema no longer accepts `null`.";
    RESPONSE_BECAME_NULLABLE = "response-became-nullable", Nullable, Response, Breaking,
        "A response schema may now be `null` (a required property, a body, or a schema a request also reaches).";
    RESPONSE_OPTIONAL_BECAME_NULLABLE = "response-optional-became-nullable", Nullable, Response, NonBreaking,
        "An optional property of a schema reached only from responses may now be `null`. Departs from oasdiff (ERR): such a `null` decodes as absent.";
    RESPONSE_BECAME_NOT_NULLABLE = "response-became-not-nullable", Nullable, Response, NonBreaking,
        "A response schema is no longer nullable.";

    // readOnly and writeOnly.
    REQUEST_READ_WRITE_CHANGED = "request-read-write-changed", ReadWrite, Request, NonBreaking,
        "`readOnly` or `writeOnly` of a request property changed (progenitor ignores both, so the generated type is unchanged).";
    RESPONSE_READ_WRITE_CHANGED = "response-read-write-changed", ReadWrite, Response, NonBreaking,
        "`readOnly` or `writeOnly` of a response property changed, other than a required one becoming write-only.";
    RESPONSE_REQUIRED_BECAME_WRITE_ONLY = "response-required-became-write-only", ReadWrite, Response, Breaking,
        "A required response property became `writeOnly`. Departs from oasdiff (INFO): progenitor ignores `writeOnly`, so the field stays required while the server stops sending it.";

    // Composition.
    REQUEST_ALL_OF_ADDED = "request-all-of-added", Composition, Request, Breaking,
        "An `allOf` subschema was added to a request schema: requests must satisfy it too.";
    REQUEST_ALL_OF_REMOVED = "request-all-of-removed", Composition, Request, Breaking,
        "An `allOf` subschema was removed from a request schema (oasdiff warns): the generated struct loses its fields.";
    REQUEST_ALTERNATIVE_ADDED = "request-alternative-added", Composition, Request, NonBreaking,
        "An `anyOf`/`oneOf` alternative was added to a request schema.";
    REQUEST_ALTERNATIVE_REMOVED = "request-alternative-removed", Composition, Request, Breaking,
        "An `anyOf`/`oneOf` alternative was removed from a request schema.";
    RESPONSE_ALL_OF_ADDED = "response-all-of-added", Composition, Response, NonBreaking,
        "An `allOf` subschema was added to a response schema: responses satisfy more.";
    RESPONSE_ALL_OF_REMOVED = "response-all-of-removed", Composition, Response, Breaking,
        "An `allOf` subschema was removed from a response schema. Departs from oasdiff (INFO): its properties may stop coming, and the generated struct loses them.";
    RESPONSE_ALTERNATIVE_ADDED = "response-alternative-added", Composition, Response, Breaking,
        "An `anyOf`/`oneOf` alternative was added to a response schema: the old client cannot decode the new shape (oasdiff fails `oneOf`, and only notes `anyOf`).";
    RESPONSE_ALTERNATIVE_REMOVED = "response-alternative-removed", Composition, Response, Breaking,
        "An `anyOf`/`oneOf` alternative was removed from a response schema. Departs from oasdiff (INFO): the regenerated enum loses the variant.";
    REQUEST_DISCRIMINATOR_CHANGED = "request-discriminator-changed", Composition, Request, Breaking,
        "A request `discriminator` was added, removed, or its property or mapping changed. Departs from oasdiff (INFO): the generated type writes the discriminator as its serde tag.";
    RESPONSE_DISCRIMINATOR_CHANGED = "response-discriminator-changed", Composition, Response, Breaking,
        "A response `discriminator` was added, removed, or its property or mapping changed. Departs from oasdiff (INFO): the generated type decodes by that tag.";
    NOT_CHANGED = "not-changed", Composition, Any, Breaking,
        "A `not` schema was added, removed or changed: not analysed further, so review it.";

    // Security.
    SECURITY_REQUIREMENT_ADDED = "security-requirement-added", Security, Any, NonBreaking,
        "An operation accepts another security requirement (an alternative).";
    SECURITY_REQUIREMENT_REMOVED = "security-requirement-removed", Security, Any, Breaking,
        "A security requirement of an operation was removed or gained a scheme. Departs from oasdiff (INFO): the hand-written hooks authenticate as OLD documents, so every call would fail.";
    SECURITY_SCOPE_ADDED = "security-scope-added", Security, Any, Breaking,
        "A security requirement of an operation needs another scope. Departs from oasdiff (INFO): tokens issued as before are refused.";
    SECURITY_SCOPE_REMOVED = "security-scope-removed", Security, Any, NonBreaking,
        "A security requirement of an operation needs fewer scopes.";
    GLOBAL_SECURITY_REQUIREMENT_ADDED = "global-security-requirement-added", Security, Any, NonBreaking,
        "The document-level `security` accepts another requirement.";
    GLOBAL_SECURITY_REQUIREMENT_REMOVED = "global-security-requirement-removed", Security, Any, Breaking,
        "A document-level security requirement was removed or gained a scheme (breaking for the same reason as per operation).";
    GLOBAL_SECURITY_SCOPE_ADDED = "global-security-scope-added", Security, Any, Breaking,
        "A document-level security requirement needs another scope.";
    GLOBAL_SECURITY_SCOPE_REMOVED = "global-security-scope-removed", Security, Any, NonBreaking,
        "A document-level security requirement needs fewer scopes.";
    SECURITY_SCHEME_ADDED = "security-scheme-added", Security, Any, NonBreaking,
        "A security scheme was added to `components.securitySchemes`.";
    SECURITY_SCHEME_REMOVED = "security-scheme-removed", Security, Any, NonBreaking,
        "A security scheme was removed; the requirements that named it are judged by the requirement rules.";
    SECURITY_SCHEME_RENAMED = "security-scheme-renamed", Security, Any, NonBreaking,
        "A security scheme has another name and the same definition: requirements are matched by definition, so this is documentation-level.";
    SECURITY_SCHEME_CHANGED = "security-scheme-changed", Security, Any, Breaking,
        "`type`, `scheme`, `in`, `name`, `bearerFormat` or `openIdConnectUrl` of a security scheme changed. Departs from oasdiff (INFO): the hand-written hooks send credentials the documented way.";
    SECURITY_SCHEME_FLOWS_CHANGED = "security-scheme-flows-changed", Security, Any, NonBreaking,
        "The OAuth2 flows (URLs, scopes) of a security scheme changed (as oasdiff, INFO).";

    // Deprecation.
    OPERATION_DEPRECATED = "operation-deprecated", Deprecation, Any, NonBreaking,
        "An operation was deprecated.";
    OPERATION_REACTIVATED = "operation-reactivated", Deprecation, Any, NonBreaking,
        "An operation is no longer deprecated.";
    REQUEST_PARAMETER_DEPRECATION_CHANGED = "request-parameter-deprecation-changed", Deprecation, Request, NonBreaking,
        "A parameter was deprecated or reactivated.";
    REQUEST_PROPERTY_DEPRECATION_CHANGED = "request-property-deprecation-changed", Deprecation, Request, NonBreaking,
        "A request schema or property was deprecated or reactivated.";
    RESPONSE_PROPERTY_DEPRECATION_CHANGED = "response-property-deprecation-changed", Deprecation, Response, NonBreaking,
        "A response schema or property was deprecated or reactivated.";

    // Defaults.
    REQUEST_PROPERTY_DEFAULT_CHANGED = "request-property-default-changed", Defaults, Request, NonBreaking,
        "The default of a request body schema or property changed (as oasdiff, INFO).";
    RESPONSE_DEFAULT_CHANGED = "response-default-changed", Defaults, Response, NonBreaking,
        "The default of a response schema or header changed.";

    // Documentation.
    DOCS_CHANGED = "docs-changed", Documentation, Any, NonBreaking,
        "`summary`, `description`, `title` or `externalDocs` changed. Left out with --ignore-docs.";
    EXAMPLE_CHANGED = "example-changed", Documentation, Any, NonBreaking,
        "`example` or `examples` changed. Left out with --ignore-docs.";
    EXTENSION_CHANGED = "extension-changed", Documentation, Any, NonBreaking,
        "An `x-` extension changed.";

    // Everything else.
    KEYWORD_CHANGED = "keyword-changed", Other, Any, Breaking,
        "A keyword no other rule compares (such as `encoding`, `callbacks`, `links`, `xml`, or one unknown to OpenAPI 3.0) changed: reported as breaking so a person reviews it.";
    UNREFERENCED_COMPONENT_CHANGED = "unreferenced-component-changed", Other, Any, NonBreaking,
        "A component that no operation uses was added, removed or changed (with --all only).";
}

/// The rule with this id.
pub fn find(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|rule| rule.id == id)
}

/// The table as Markdown, for the README.
pub fn markdown() -> String {
    let mut out = String::from(
        "| rule | family | direction | level | what it finds |\n| --- | --- | --- | --- | --- |\n",
    );
    for rule in RULES {
        out.push_str(&format!(
            "| `{}` | {} | {} | {} | {} |\n",
            rule.id, rule.family, rule.direction, rule.level, rule.description
        ));
    }
    out
}

/// How many rules each family has, in family order.
pub fn counts() -> Vec<(Family, usize)> {
    let mut counts: Vec<(Family, usize)> = Vec::new();
    for rule in RULES {
        match counts.iter_mut().find(|(family, _)| *family == rule.family) {
            Some((_, n)) => *n += 1,
            None => counts.push((rule.family, 1)),
        }
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_kebab_case_and_directions_fit_the_prefix() {
        let mut ids: Vec<&str> = RULES.iter().map(|r| r.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), RULES.len(), "duplicate rule id");
        for rule in RULES {
            assert!(
                rule.id.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'),
                "{}",
                rule.id
            );
            let expected = if rule.id.starts_with("request-") || rule.id == "path-parameter-renamed"
            {
                Direction::Request
            } else if rule.id.starts_with("response-") {
                Direction::Response
            } else {
                Direction::Any
            };
            assert_eq!(rule.direction, expected, "{}", rule.id);
        }
    }

    #[test]
    fn every_departure_from_oasdiff_says_why() {
        for rule in RULES.iter().filter(|r| r.description.contains("Departs")) {
            assert!(rule.description.contains(':'), "{}", rule.id);
        }
    }
}
