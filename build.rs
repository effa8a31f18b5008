//! Generates the Dintero client from `openapi/dintero.yaml` with progenitor, and embeds the
//! spec itself (as JSON) for the fake server's contract checks.
//!
//! The generation itself lives in `dintero-codegen`, shared with `cargo xtask codegen`.

use std::path::Path;

fn main() {
    let spec = Path::new(dintero_codegen::SPEC_PATH);
    // Only a spec edit (or this script) reruns generation; untouched, cargo skips it.
    println!("cargo:rerun-if-changed={}", spec.display());
    println!("cargo:rerun-if-changed=build.rs");

    let out_dir = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    let (code, document) = match dintero_codegen::generate_file(spec)
        .and_then(|code| Ok((code, dintero_codegen::load_document(spec)?)))
    {
        Ok(generated) => generated,
        Err(e) => {
            // One clear line naming the file and the problem, then fail the build.
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    };
    write(&Path::new(&out_dir).join("dintero.rs"), &code);
    // JSON, so the crate reads its own spec at run time without a YAML parser.
    write(
        &Path::new(&out_dir).join("dintero.spec.json"),
        &document.to_string(),
    );
}

fn write(path: &Path, contents: &str) {
    std::fs::write(path, contents)
        .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
}
