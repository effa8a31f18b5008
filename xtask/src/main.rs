//! `cargo xtask`: maintainer tasks of dintero-client, for keeping `openapi/dintero.yaml` in
//! step with Dintero's published spec.
//!
//! Exit codes: 0 success (no change for `spec diff`, only recorded deviations for
//! `spec upstream`), 1 a check failed (`spec check` problems, a stale `codegen --check`
//! snapshot, only non-breaking changes for `spec diff`, stale deviations for
//! `spec upstream`), 2 breaking changes (`spec diff`) or unrecorded drift
//! (`spec upstream`), 3 the command could not run (bad arguments, unreadable or invalid
//! input).

mod codegen_cmd;
mod spec;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use spec::doc::{self, Error, Result};

/// Exit code of a command that could not run.
const EXIT_ERROR: u8 = 3;

/// Maintainer tasks of dintero-client: regenerate the client, lint, diff and extract specs.
#[derive(Debug, Parser)]
#[command(
    name = "cargo xtask",
    bin_name = "cargo xtask",
    after_help = "Exit codes: 0 ok, 1 check failed or (spec diff) non-breaking changes \
    only or (spec upstream) stale deviations, 2 (spec diff) breaking changes or (spec \
    upstream) drift, 3 could not run."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Writes the client that build.rs generates to a file, for reading and review.
    ///
    /// Without --out, rewrites the committed review snapshot xtask/generated/dintero.rs.
    Codegen {
        /// Folder to write dintero.rs into (default: xtask/generated).
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Write nothing; fail (exit 1) when DIR/dintero.rs is not the generated code.
        #[arg(long)]
        check: bool,
        /// The spec to generate from (default: openapi/dintero.yaml).
        #[arg(long, value_name = "FILE")]
        spec: Option<PathBuf>,
    },
    /// Lints, diffs and extracts OpenAPI documents.
    #[command(subcommand)]
    Spec(SpecCommand),
}

#[derive(Debug, Subcommand)]
enum SpecCommand {
    /// Lints the spec beyond schema validity; prints each problem with its JSON path.
    ///
    /// Rules: OpenAPI 3.0.x; every operation has a unique operationId; one success and one
    /// error body per operation (what progenitor needs); every path parameter declared and
    /// constrained (pattern, maxLength or enum); no `nullable` beside a bare `$ref`; every
    /// `$ref` resolves; no unused component.
    Check {
        /// The spec to lint (default: openapi/dintero.yaml).
        file: Option<PathBuf>,
    },
    /// Compares two documents (OpenAPI 3.0 or Swagger 2.0, JSON or YAML) and classes each
    /// change by rule (see `spec rules`).
    ///
    /// Exit 0: no change; 1: only non-breaking changes; 2: a breaking change.
    Diff {
        /// The document before.
        old: PathBuf,
        /// The document after.
        new: PathBuf,
        #[command(flatten)]
        ops: OpsArg,
        /// Compare every operation of either document.
        #[arg(long, conflicts_with = "ops")]
        all: bool,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
        /// Leave out summary and description changes.
        #[arg(long)]
        ignore_docs: bool,
    },
    /// Cuts operations, with every component they reach, out of a full upstream document.
    ///
    /// A Swagger 2.0 document is converted to OpenAPI 3.0 first. The result can be diffed
    /// against openapi/dintero.yaml with `spec diff`.
    Extract {
        /// The full document (OpenAPI 3.0 or Swagger 2.0).
        full: PathBuf,
        #[command(flatten)]
        ops: OpsArg,
        /// Where to write the result: JSON if it ends in .json, else YAML (default: stdout,
        /// YAML).
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Prints the rules `spec diff` classes changes by: id, family, direction, level, why.
    Rules {
        /// Print a Markdown table (as in xtask/README.md).
        #[arg(long)]
        markdown: bool,
    },
    /// Compares openapi/dintero.yaml with Dintero's published document (Swagger 2.0 or
    /// OpenAPI 3.0) for the operations both have.
    ///
    /// Every difference is drift unless openapi/upstream-deviations.yaml records it with a
    /// reason. Exit 0: only recorded deviations; 1: a recorded deviation no longer occurs
    /// (stale); 2: unrecorded drift.
    Upstream {
        /// Dintero's document, as downloaded.
        doc: PathBuf,
        /// Comma-separated operationIds (default: every operation both documents have).
        #[arg(long, value_delimiter = ',', value_name = "ID,ID")]
        ops: Vec<String>,
        /// Our spec (default: openapi/dintero.yaml).
        #[arg(long, value_name = "FILE")]
        spec: Option<PathBuf>,
        /// The reviewed deviations (default: openapi/upstream-deviations.yaml).
        #[arg(long, value_name = "FILE")]
        deviations: Option<PathBuf>,
    },
}

/// The `--ops` option shared by `spec diff` and `spec extract`.
#[derive(Debug, Args)]
struct OpsArg {
    /// Comma-separated operationIds (default: those of openapi/dintero.yaml).
    #[arg(long, value_delimiter = ',', value_name = "ID,ID")]
    ops: Vec<String>,
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { EXIT_ERROR } else { 0 });
        }
    };
    match run(cli.command) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(EXIT_ERROR)
        }
    }
}

/// Writes to stdout, ignoring a closed pipe (`cargo xtask spec diff A B | head`): the
/// exit code still tells the result, and a panic would hide it.
fn say(text: impl std::fmt::Display) {
    use std::io::Write as _;
    let _ = write!(std::io::stdout(), "{text}");
}

/// The repository root: the parent of this package's folder.
fn repo_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the repository")
}

/// The crate's spec file.
fn crate_spec() -> PathBuf {
    repo_root().join(dintero_codegen::SPEC_PATH)
}

/// The operationIds given, or those of the crate's spec (read now: one source of truth).
fn operations_or_default(ops: OpsArg) -> Result<Vec<String>> {
    if !ops.ops.is_empty() {
        return Ok(ops.ops);
    }
    let path = crate_spec();
    let spec = doc::load(&path)?;
    let ids: Vec<String> = doc::operations(&spec)
        .iter()
        .filter_map(|op| op.id())
        .map(str::to_string)
        .collect();
    if ids.is_empty() {
        return Err(Error(format!(
            "{}: no operationIds to default --ops to",
            path.display()
        )));
    }
    Ok(ids)
}

fn run(command: Command) -> Result<u8> {
    match command {
        Command::Codegen { out, check, spec } => {
            let spec = spec.unwrap_or_else(crate_spec);
            let out = out.unwrap_or_else(|| repo_root().join(codegen_cmd::SNAPSHOT_DIR));
            Ok(match codegen_cmd::run(&spec, &out, check)? {
                codegen_cmd::Outcome::Written(file) => {
                    say(format_args!("wrote {}\n", file.display()));
                    0
                }
                codegen_cmd::Outcome::Fresh(file) => {
                    say(format_args!("{} is up to date\n", file.display()));
                    0
                }
                codegen_cmd::Outcome::Stale(message) => {
                    eprintln!("error: {message}");
                    1
                }
            })
        }
        Command::Spec(SpecCommand::Check { file }) => {
            let path = file.unwrap_or_else(crate_spec);
            let problems = spec::check::check(&doc::load(&path)?);
            for problem in &problems {
                say(format_args!(
                    "{}: {}: {}\n",
                    path.display(),
                    problem.pointer,
                    problem.message
                ));
            }
            if problems.is_empty() {
                say(format_args!("{}: no problems\n", path.display()));
                Ok(0)
            } else {
                eprintln!("{} problem(s) in {}", problems.len(), path.display());
                Ok(1)
            }
        }
        Command::Spec(SpecCommand::Diff {
            old,
            new,
            ops,
            all,
            json,
            ignore_docs,
        }) => {
            let operations = if all {
                Vec::new()
            } else {
                operations_or_default(ops)?
            };
            let options = spec::diff::Options {
                operations,
                ignore_docs,
            };
            let report = spec::diff::diff(
                &doc::load_openapi_30(&old)?,
                &doc::load_openapi_30(&new)?,
                &options,
            )?;
            if json {
                say(format_args!("{:#}\n", report.json()));
            } else {
                say(report.human());
            }
            Ok(report.exit_code())
        }
        Command::Spec(SpecCommand::Extract { full, ops, out }) => {
            let ops = operations_or_default(ops)?;
            let full_doc = doc::load_openapi_30(&full)?;
            let extracted = spec::extract::extract(&full_doc, &ops)
                .map_err(|e| Error(format!("{}: {e}", full.display())))?;
            match out {
                None => say(spec::extract::render(&extracted, false)?),
                Some(out) => {
                    let json = out.extension().is_some_and(|e| e == "json");
                    let text = spec::extract::render(&extracted, json)?;
                    std::fs::write(&out, text)
                        .map_err(|e| Error(format!("{}: cannot write: {e}", out.display())))?;
                    eprintln!("wrote {} operation(s) to {}", ops.len(), out.display());
                }
            }
            Ok(0)
        }
        Command::Spec(SpecCommand::Rules { markdown }) => {
            say(if markdown {
                spec::diff::rules::markdown()
            } else {
                rules_text()
            });
            Ok(0)
        }
        Command::Spec(SpecCommand::Upstream {
            doc: upstream,
            ops,
            spec,
            deviations,
        }) => {
            let ours = doc::load_openapi_30(&spec.unwrap_or_else(crate_spec))?;
            let theirs = doc::load_openapi_30(&upstream)?;
            let deviations =
                deviations.unwrap_or_else(|| repo_root().join(spec::upstream::DEVIATIONS_PATH));
            let deviations = spec::upstream::load_deviations(&deviations)?;
            let drift = spec::upstream::check(&ours, &theirs, &ops, deviations)?;
            say(drift.human());
            Ok(drift.exit_code())
        }
    }
}

/// The rules as aligned text, one per line, with a count per family.
fn rules_text() -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    for rule in spec::diff::rules::RULES {
        let _ = writeln!(
            out,
            "{:<46} {:<18} {:<8} {:<12} {}",
            rule.id,
            rule.family.to_string(),
            rule.direction.to_string(),
            rule.level.to_string(),
            rule.description
        );
    }
    let counts = spec::diff::rules::counts();
    let summary: Vec<String> = counts.iter().map(|(f, n)| format!("{f} {n}")).collect();
    let _ = writeln!(
        out,
        "{} rules: {}",
        spec::diff::rules::RULES.len(),
        summary.join(", ")
    );
    out
}
