//! Code generation for `dintero-client`, shared by its `build.rs` and its `xtask`.
//!
//! One place decides how progenitor turns `openapi/dintero.yaml` into Rust, so the code a
//! maintainer reviews with `cargo xtask codegen` is byte for byte the code the build compiles.

use std::fmt;
use std::path::{Path, PathBuf};

pub mod doc;
pub mod tolerant;

use openapiv3::OpenAPI;
use progenitor::{GenerationSettings, Generator, HooksMode, InterfaceStyle, TagStyle};

/// The spec, relative to the `dintero-client` package root.
pub const SPEC_PATH: &str = "openapi/dintero.yaml";

/// The type the generated `Client` carries for the hand-written hooks (token, retries).
pub const INNER_TYPE: &str = "crate::hooks::Inner";

/// What went wrong while generating, always naming the spec file.
#[derive(Debug)]
pub enum CodegenError {
    /// The spec file could not be read.
    Read {
        /// The spec file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The spec is not a valid OpenAPI 3.0 document.
    Parse {
        /// The spec file.
        path: PathBuf,
        /// What the parser said, with line and column where it has them.
        message: String,
    },
    /// progenitor refused the spec (for example two error schemas on one operation).
    Generate {
        /// The spec file.
        path: PathBuf,
        /// What progenitor said.
        message: String,
    },
}

impl fmt::Display for CodegenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Read { path, source } => write!(f, "{}: cannot read: {source}", path.display()),
            Self::Parse { path, message } => {
                write!(
                    f,
                    "{}: not a valid OpenAPI 3.0 document: {message}",
                    path.display()
                )
            }
            Self::Generate { path, message } => {
                write!(
                    f,
                    "{}: progenitor cannot generate a client: {message}",
                    path.display()
                )
            }
        }
    }
}

impl std::error::Error for CodegenError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Read { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// The progenitor settings used for this crate, by build.rs and xtask alike.
pub fn settings() -> GenerationSettings {
    let mut settings = GenerationSettings::new();
    settings
        .with_interface(InterfaceStyle::Positional)
        .with_tag(TagStyle::Merged)
        // Every request must pass through our hooks (auth, retries): make a missing
        // `impl ClientHooks for Client` a compile error rather than a silent no-op.
        .with_hooks(HooksMode::Expected)
        .with_inner_type(INNER_TYPE.parse().expect("INNER_TYPE is a Rust path"))
        .with_derive("schemars::JsonSchema")
        .with_derive("PartialEq");
    settings
}

/// Reads an OpenAPI document, as YAML or JSON (JSON is valid YAML), into a JSON tree,
/// exactly as written (no schema relaxed).
pub fn load_document(path: &Path) -> Result<serde_json::Value, CodegenError> {
    let text = std::fs::read_to_string(path).map_err(|source| CodegenError::Read {
        path: path.to_owned(),
        source,
    })?;
    serde_yaml_ng::from_str(&text).map_err(|e| CodegenError::Parse {
        path: path.to_owned(),
        message: e.to_string(),
    })
}

/// Reads and parses an OpenAPI document as progenitor sees it: response-only schemas relaxed.
pub fn load_spec(path: &Path) -> Result<OpenAPI, CodegenError> {
    let mut doc = load_document(path)?;
    tolerant::relax_response_schemas(&mut doc);
    serde_json::from_value(doc).map_err(|e| CodegenError::Parse {
        path: path.to_owned(),
        message: e.to_string(),
    })
}

/// Generates the formatted client source for the spec at `path`.
pub fn generate_file(path: &Path) -> Result<String, CodegenError> {
    let spec = load_spec(path)?;
    generate(&spec).map_err(|message| CodegenError::Generate {
        path: path.to_owned(),
        message,
    })
}

/// Generates the formatted client source for a parsed spec.
pub fn generate(spec: &OpenAPI) -> Result<String, String> {
    if !spec.openapi.starts_with("3.0.") {
        return Err(format!(
            "`openapi: {}`: progenitor reads OpenAPI 3.0.x only",
            spec.openapi
        ));
    }
    let mut generator = Generator::new(&settings());
    // progenitor panics (instead of returning an error) on some specs it cannot handle,
    // such as two error schemas on one operation; turn that into an error that names the spec.
    let tokens = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        generator.generate_tokens(spec)
    }))
    .map_err(|panic| panic_message(panic.as_ref()))?
    .map_err(|e| e.to_string())?;
    let mut file: syn::File =
        syn::parse2(tokens).map_err(|e| format!("generated code does not parse: {e}"))?;
    file.items.push(
        syn::parse_str(&operation_paths(spec))
            .map_err(|e| format!("OPERATION_PATHS does not parse: {e}"))?,
    );
    Ok(format!(
        "// @generated by dintero-codegen from {SPEC_PATH}. Do not edit.\n\n{}",
        prettyplease::unparse(&file)
    ))
}

/// `OPERATION_PATHS`: each operation's path template, by operationId, so the hooks can
/// check that a request reaches the path it was built for (URL parsing turns a `.` or `..`
/// path parameter, or one with a `\`, into a different path).
fn operation_paths(spec: &OpenAPI) -> String {
    let entries: String = spec
        .operations()
        .filter_map(|(path, _, operation)| {
            let id = operation.operation_id.as_deref()?;
            Some(format!("({id:?}, {path:?}),"))
        })
        .collect();
    format!(
        "/// The path template of every operation of the spec, by operationId.\n\
         pub const OPERATION_PATHS: &[(&str, &str)] = &[{entries}];"
    )
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "progenitor panicked".to_string())
}
