//! Code generation for `dintero-client`, shared by its `build.rs` and its `xtask`.
//!
//! One place decides how progenitor turns `openapi/dintero.yaml` into Rust, so the code a
//! maintainer reviews with `cargo xtask codegen` is byte for byte the code the build compiles.

use std::fmt;
use std::path::{Path, PathBuf};

mod consts;
mod dates;
pub mod doc;
mod marks;
mod nullable;
mod open_enums;
mod redact;
mod requests;
mod schemas;
mod syntax;
pub mod tolerant;

pub use redact::PERSONAL_DATA_EXTENSION;

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

/// Reads and parses an OpenAPI document as progenitor sees it: response-only schemas
/// prepared for tolerant decoding, and the codegen marks added (see [`tolerant`]).
pub fn load_spec(path: &Path) -> Result<OpenAPI, CodegenError> {
    prepare(&load_document(path)?).map_err(|message| CodegenError::Parse {
        path: path.to_owned(),
        message,
    })
}

/// Generates the formatted client source for the spec at `path`.
pub fn generate_file(path: &Path) -> Result<String, CodegenError> {
    let document = load_document(path)?;
    let spec = prepare(&document).map_err(|message| CodegenError::Parse {
        path: path.to_owned(),
        message,
    })?;
    generate(&document, &spec).map_err(|message| CodegenError::Generate {
        path: path.to_owned(),
        message,
    })
}

/// The in-memory copy of `document` progenitor reads (the spec file is never changed).
fn prepare(document: &serde_json::Value) -> Result<OpenAPI, String> {
    let mut prepared = document.clone();
    tolerant::relax_response_schemas(&mut prepared);
    redact::mark_not_personal(&mut prepared);
    serde_json::from_value(prepared).map_err(|e| e.to_string())
}

/// Generates the formatted client source: `spec` is `document` as [`load_spec`] prepares it.
pub fn generate(document: &serde_json::Value, spec: &OpenAPI) -> Result<String, String> {
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
    post_process(&mut file)?;
    requests::lean(&mut file.items)?;
    for constant in [
        consts::operation_paths(spec),
        consts::response_only_schemas(&tolerant::response_only_schemas(document)),
    ] {
        file.items.push(
            syn::parse_str(&constant).map_err(|e| format!("a constant does not parse: {e}"))?,
        );
    }
    let code = prettyplease::unparse(&file);
    marks::assert_none_left(&code)?;
    Ok(format!(
        "// @generated by dintero-codegen from {SPEC_PATH}. Do not edit.\n\n{code}"
    ))
}

/// The passes over typify's types that settings cannot express, in order: the open enums'
/// `UnknownValue` must exist before the redacting `Debug` lists the types.
fn post_process(file: &mut syn::File) -> Result<(), String> {
    let items = syntax::types_items(file)?;
    let marks = marks::take(items);
    open_enums::open(items, &marks)?;
    nullable::tolerate_nulls(items, &marks)?;
    dates::fast_dates(items, &marks)?;
    redact::redact(items, &marks)
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "progenitor panicked".to_string())
}
