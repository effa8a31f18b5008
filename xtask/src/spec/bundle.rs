//! External `$ref`s (`./schemas/pet.yaml`, `common.yaml#/Pet`), inlined.
//!
//! Every tool compares or cuts one JSON tree, so a reference into another file is replaced
//! by what it names, read relative to the file that holds the reference. A reference back
//! into the main document becomes a local one. What cannot be inlined stops the command
//! (exit 3) with the reference named: a remote URL (nothing is fetched), a missing file or
//! target, a cycle of external references (bundle such a document with a dedicated tool
//! first), or more than [`MAX_FILES`] files or [`MAX_INLINED_NODES`] inlined nodes.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::doc::{Error, Result, parse_file};

/// The most files one document may pull in.
pub const MAX_FILES: usize = 64;
/// The most JSON nodes inlining may add: bounds memory whatever the references.
pub const MAX_INLINED_NODES: usize = 2_000_000;

/// Inlines the external references of `doc`, the document read from `path`.
pub fn bundle(mut doc: Value, path: &Path) -> Result<Value> {
    if !has_external_refs(&doc) {
        return Ok(doc);
    }
    let main = canonical(path)?;
    let mut bundler = Bundler {
        main: main.clone(),
        files: BTreeMap::new(),
        inlined: 0,
    };
    bundler.walk(&mut doc, &main, &mut Vec::new())?;
    Ok(doc)
}

fn has_external_refs(doc: &Value) -> bool {
    super::doc::refs_in(doc, "")
        .iter()
        .any(|(_, reference)| !reference.starts_with('#'))
}

fn canonical(path: &Path) -> Result<PathBuf> {
    path.canonicalize()
        .map_err(|e| Error(format!("{}: cannot read: {e}", path.display())))
}

/// Counts the JSON nodes of a value.
fn size(value: &Value) -> usize {
    match value {
        Value::Object(map) => 1 + map.values().map(size).sum::<usize>(),
        Value::Array(items) => 1 + items.iter().map(size).sum::<usize>(),
        _ => 1,
    }
}

struct Bundler {
    main: PathBuf,
    files: BTreeMap<PathBuf, Value>,
    inlined: usize,
}

/// Where a reference leads: a file and a JSON pointer in it.
type Target = (PathBuf, String);

impl Bundler {
    /// Inlines the external references inside `value`, which comes from `file`.
    fn walk(&mut self, value: &mut Value, file: &Path, stack: &mut Vec<Target>) -> Result<()> {
        if let Some(reference) = value.get("$ref").and_then(Value::as_str) {
            let reference = reference.to_string();
            return self.reference(value, &reference, file, stack);
        }
        match value {
            Value::Object(map) => map
                .values_mut()
                .try_for_each(|child| self.walk(child, file, stack)),
            Value::Array(items) => items
                .iter_mut()
                .try_for_each(|child| self.walk(child, file, stack)),
            _ => Ok(()),
        }
    }

    fn reference(
        &mut self,
        value: &mut Value,
        reference: &str,
        file: &Path,
        stack: &mut Vec<Target>,
    ) -> Result<()> {
        let (target_file, pointer) = self.target(reference, file)?;
        if target_file == self.main {
            if pointer.is_empty() {
                return Err(Error(format!(
                    "`$ref: {reference}` in {} names the whole main document",
                    file.display()
                )));
            }
            *value = serde_json::json!({"$ref": format!("#{pointer}")});
            return Ok(());
        }
        let target = (target_file, pointer);
        if stack.contains(&target) {
            return Err(Error(format!(
                "`$ref: {reference}` in {}: a cycle of external references; bundle the \
                 document into one file first",
                file.display()
            )));
        }
        let mut inlined = self.load_target(&target, reference)?;
        self.inlined += size(&inlined);
        if self.inlined > MAX_INLINED_NODES {
            return Err(Error(format!(
                "external references inline more than {MAX_INLINED_NODES} nodes"
            )));
        }
        stack.push(target.clone());
        self.walk(&mut inlined, &target.0, stack)?;
        stack.pop();
        *value = inlined;
        Ok(())
    }

    /// The file and pointer a reference found in `file` names.
    fn target(&self, reference: &str, file: &Path) -> Result<Target> {
        if reference.contains("://") {
            return Err(Error(format!(
                "`$ref: {reference}` in {}: remote references are not fetched; download \
                 the file and refer to it by a relative path",
                file.display()
            )));
        }
        let (relative, pointer) = reference.split_once('#').unwrap_or((reference, ""));
        let target = if relative.is_empty() {
            file.to_path_buf()
        } else {
            let dir = file.parent().unwrap_or(Path::new("."));
            canonical(&dir.join(relative)).map_err(|e| {
                Error(format!(
                    "`$ref: {reference}` in {}: {}",
                    file.display(),
                    e.0
                ))
            })?
        };
        Ok((target, pointer.to_string()))
    }

    fn load_target(&mut self, (file, pointer): &Target, reference: &str) -> Result<Value> {
        if !self.files.contains_key(file) {
            if self.files.len() >= MAX_FILES {
                return Err(Error(format!(
                    "more than {MAX_FILES} files referenced; bundle the document first"
                )));
            }
            let doc = parse_file(file)?;
            self.files.insert(file.clone(), doc);
        }
        self.files[file].pointer(pointer).cloned().ok_or_else(|| {
            Error(format!(
                "`$ref: {reference}`: {} has nothing at `{pointer}`",
                file.display()
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn references_are_read_relative_to_the_file_that_holds_them() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "schemas/pet.yaml",
            "type: object\nproperties:\n  tag: {$ref: 'common.yaml#/Tag'}\n  \
             owner: {$ref: '../main.yaml#/components/schemas/Owner'}\n",
        );
        write(dir.path(), "schemas/common.yaml", "Tag: {type: string}\n");
        let main = write(dir.path(), "main.yaml", "unused: true\n");
        let doc = json!({"schema": {"$ref": "./schemas/pet.yaml"}});
        let bundled = bundle(doc, &main).unwrap();
        assert_eq!(
            bundled["schema"],
            json!({"type": "object", "properties": {
                "tag": {"type": "string"},
                "owner": {"$ref": "#/components/schemas/Owner"}}})
        );
    }

    #[test]
    fn cycles_missing_files_and_urls_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "a.yaml", "next: {$ref: 'b.yaml'}\n");
        write(dir.path(), "b.yaml", "next: {$ref: 'a.yaml'}\n");
        let main = write(dir.path(), "main.yaml", "{}\n");
        let cases = [
            ("a.yaml", "cycle"),
            ("gone.yaml", "cannot read"),
            ("https://example.com/x.yaml", "remote"),
            ("a.yaml#/nope", "has nothing at"),
        ];
        for (reference, expected) in cases {
            let err = bundle(json!({"s": {"$ref": reference}}), &main).unwrap_err();
            assert!(err.0.contains(expected), "{reference}: {}", err.0);
        }
    }
}
