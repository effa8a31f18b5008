//! `cargo xtask spec check` on fixtures and on the crate's own spec.

mod support;

use support::{repo_root, xtask};

#[test]
fn finds_each_problem_with_its_json_path() {
    let run = xtask(&["spec", "check", "check/problems.yaml"]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    let expected = [
        ("/openapi", "progenitor reads OpenAPI 3.0.x only"),
        ("/paths/~1things/get", "no operationId"),
        (
            "/paths/~1things~1{id}~1parts~1{part}/post/responses",
            "2 different error bodies",
        ),
        (
            "/paths/~1things~1{id}~1parts~1{part}/post/parameters/0/schema",
            "path parameter `id` is unconstrained",
        ),
        (
            "/paths/~1things~1{id}~1parts~1{part}/post",
            "`{part}` is not declared",
        ),
        (
            "/components/schemas/Thing/properties/owner",
            "`nullable` beside `$ref",
        ),
        (
            "/components/schemas/Thing/properties/kind",
            "resolves to nothing",
        ),
        (
            "/components/schemas/Orphan",
            "component `Orphan` is not used",
        ),
    ];
    let lines: Vec<&str> = run.stdout.lines().collect();
    for (pointer, message) in expected {
        let prefix = format!("check/problems.yaml: {pointer}: ");
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with(&prefix) && l.contains(message)),
            "no `{message}` at {pointer} in:\n{}",
            run.stdout
        );
    }
    assert_eq!(
        lines.len(),
        expected.len(),
        "unexpected extra problems:\n{}",
        run.stdout
    );
    assert!(run.stderr.contains("8 problem(s)"), "{}", run.stderr);
}

#[test]
fn a_clean_spec_passes() {
    let run = xtask(&["spec", "check", "upstream/ours.yaml"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(run.stdout.contains("no problems"));
}

#[test]
fn the_crates_spec_passes_by_default() {
    let run = xtask(&["spec", "check"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let spec = repo_root().join(dintero_codegen::SPEC_PATH);
    assert!(
        run.stdout.contains(&spec.display().to_string()),
        "{}",
        run.stdout
    );
}

#[test]
fn an_unreadable_file_is_exit_3() {
    let run = xtask(&["spec", "check", "no/such/file.yaml"]);
    assert_eq!(run.code, 3);
    assert!(
        run.stderr.contains("no/such/file.yaml: cannot read"),
        "{}",
        run.stderr
    );
}
