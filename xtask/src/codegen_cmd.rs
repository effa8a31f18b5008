//! `cargo xtask codegen`: writes the client build.rs generates to a file for review, and
//! checks that the committed review snapshot is up to date.
//!
//! The code comes from [`dintero_codegen::generate_file`], the very function build.rs calls,
//! so the snapshot is byte for byte the code the crate compiles.

use std::path::{Path, PathBuf};

use crate::spec::doc::{Error, Result};

/// The committed review snapshot's folder, relative to the repository root.
pub const SNAPSHOT_DIR: &str = "xtask/generated";

/// The snapshot's file name inside its folder.
pub const SNAPSHOT_FILE: &str = "dintero.rs";

/// What `codegen` did.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The file was written (or rewritten).
    Written(PathBuf),
    /// The file already held exactly the generated code.
    Fresh(PathBuf),
    /// `--check` found the file missing or different; the message says where and how to fix.
    Stale(String),
}

/// Generates the client from `spec` and writes it to `out_dir/dintero.rs`, or with `check`
/// only compares it with what is there.
pub fn run(spec: &Path, out_dir: &Path, check: bool) -> Result<Outcome> {
    let code = dintero_codegen::generate_file(spec).map_err(|e| Error(e.to_string()))?;
    let file = out_dir.join(SNAPSHOT_FILE);
    let current = std::fs::read_to_string(&file).ok();
    if current.as_deref() == Some(code.as_str()) {
        return Ok(Outcome::Fresh(file));
    }
    if check {
        let why = match current {
            None => "is missing".to_string(),
            Some(current) => {
                let line = first_difference(&current, &code);
                format!("is stale (first difference at line {line})")
            }
        };
        return Ok(Outcome::Stale(format!(
            "{} {why}: it is not the code generated from {}. Run `cargo xtask codegen` and \
             commit the result with the spec change.",
            file.display(),
            spec.display()
        )));
    }
    std::fs::create_dir_all(out_dir)
        .map_err(|e| Error(format!("{}: cannot create: {e}", out_dir.display())))?;
    std::fs::write(&file, code)
        .map_err(|e| Error(format!("{}: cannot write: {e}", file.display())))?;
    Ok(Outcome::Written(file))
}

/// The 1-based number of the first line where `a` and `b` differ.
fn first_difference(a: &str, b: &str) -> usize {
    let mut lines = a.lines().zip(b.lines());
    lines
        .position(|(x, y)| x != y)
        .unwrap_or_else(|| a.lines().count().min(b.lines().count()))
        + 1
}

#[cfg(test)]
mod tests {
    use super::first_difference;

    #[test]
    fn first_difference_is_one_based() {
        assert_eq!(first_difference("a\nb\nc", "a\nx\nc"), 2);
        assert_eq!(first_difference("a\nb", "a\nb\nc"), 3);
    }
}
