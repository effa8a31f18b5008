//! Generates the Dintero client from `openapi/dintero.yaml` with progenitor.
//!
//! The generation itself lives in `dintero-codegen`, shared with `cargo xtask codegen`.

use std::path::Path;

fn main() {
    let spec = Path::new(dintero_codegen::SPEC_PATH);
    // Only a spec edit (or this script) reruns generation; untouched, cargo skips it.
    println!("cargo:rerun-if-changed={}", spec.display());
    println!("cargo:rerun-if-changed=build.rs");

    let code = match dintero_codegen::generate_file(spec) {
        Ok(code) => code,
        Err(e) => {
            // One clear line naming the file and the problem, then fail the build.
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    };
    let out = Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("dintero.rs");
    std::fs::write(&out, code).unwrap_or_else(|e| panic!("cannot write {}: {e}", out.display()));
}
