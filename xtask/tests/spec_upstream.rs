//! The spec workflow on Dintero's real documents (`fixtures/dintero/`, Swagger 2.0 and
//! Dintero's own OpenAPI 3.0 conversion): Swagger 2.0 read in process, endpoints matched
//! with path parameter names ignored, and the upstream drift report.

mod support;

use std::path::Path;

use support::{repo_root, rule_ids, xtask, xtask_in};

const SWAGGER2: &str = "dintero/spec-payments.swagger2.yaml";
const OPENAPI3: &str = "dintero/spec-payments.openapi3.yaml";
const TOKEN: &str = "aid_auths_oauth_token_post";

fn extract(doc: &str, out: &Path) {
    let out = out.to_str().unwrap();
    let run = xtask(&["spec", "extract", doc, "--ops", TOKEN, "--out", out]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[test]
fn the_token_operation_of_the_swagger_2_document_equals_dintero_s_own_conversion() {
    let dir = tempfile::tempdir().unwrap();
    let (from2, from3) = (dir.path().join("from2.yaml"), dir.path().join("from3.json"));
    extract(SWAGGER2, &from2);
    extract(OPENAPI3, &from3);
    let text = std::fs::read_to_string(&from2).unwrap();
    assert!(text.starts_with("openapi: 3.0.0\n"), "{text}");
    let (a, b) = (from2.to_str().unwrap(), from3.to_str().unwrap());
    let run = xtask(&["spec", "diff", a, b, "--all", "--json"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(rule_ids(&run.stdout), Vec::<String>::new());
}

#[test]
fn the_whole_swagger_2_document_equals_dintero_s_own_conversion() {
    let run = xtask(&["spec", "diff", SWAGGER2, OPENAPI3, "--all"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout
            .contains("no changes in the 33 operations compared"),
        "{}",
        run.stdout
    );
}

#[test]
fn a_renamed_path_parameter_is_the_same_endpoint() {
    // Dintero names the account parameter `oid` on this path; ours is `aid`.
    for doc in [SWAGGER2, OPENAPI3] {
        let spec = repo_root().join("openapi/dintero.yaml");
        let run = xtask(&[
            "spec",
            "diff",
            spec.to_str().unwrap(),
            doc,
            "--ops",
            TOKEN,
            "--json",
        ]);
        assert_eq!(run.code, 2, "{}", run.stderr);
        let rules = rule_ids(&run.stdout);
        assert!(
            rules.contains(&"path-parameter-renamed".to_string()),
            "{rules:?}"
        );
        for wrong in ["operation-moved", "operation-added", "operation-removed"] {
            assert!(!rules.iter().any(|r| r == wrong), "{wrong}: {rules:?}");
        }
        assert!(
            !rules.iter().any(|r| r.starts_with("request-parameter-")),
            "the parameter is matched by its place: {rules:?}"
        );
    }
}

#[test]
fn upstream_finds_only_recorded_deviations_in_both_documents() {
    for doc in [SWAGGER2, OPENAPI3] {
        let run = xtask(&["spec", "upstream", doc]);
        assert_eq!(run.code, 0, "{doc}:\n{}{}", run.stdout, run.stderr);
        assert!(!run.stdout.contains("DRIFT"), "{}", run.stdout);
        let summary = run.stdout.lines().last().unwrap();
        assert!(
            summary.starts_with("1 operations compared:") && summary.contains(" 0 drift, 0 stale"),
            "{summary}"
        );
    }
}

/// Runs `spec upstream` on the Swagger 2.0 document with this deviations file.
fn upstream_with(deviations: &str) -> support::Run {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("deviations.yaml");
    std::fs::write(&file, deviations).unwrap();
    let doc = support::fixtures().join(SWAGGER2);
    xtask_in(
        &repo_root(),
        &[
            "spec",
            "upstream",
            doc.to_str().unwrap(),
            "--deviations",
            file.to_str().unwrap(),
        ],
    )
}

fn recorded_deviations() -> String {
    std::fs::read_to_string(repo_root().join("openapi/upstream-deviations.yaml")).unwrap()
}

#[test]
fn an_unrecorded_difference_is_drift() {
    // Drop the entry for the `format`-versus-`pattern` account id.
    let deviations =
        recorded_deviations().replace("rule: request-format-changed", "rule: not-changed");
    let run = upstream_with(&deviations);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout
            .contains("DRIFT     request-format-changed (breaking)"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("STALE     not-changed"),
        "{}",
        run.stdout
    );
}

#[test]
fn a_deviation_that_no_longer_occurs_is_stale() {
    let extra = "  - rule: response-enum-value-added\n    ours: /nowhere\n    reason: gone\n";
    let run = upstream_with(&format!("{}{extra}", recorded_deviations()));
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout
            .contains("STALE     response-enum-value-added at /nowhere"),
        "{}",
        run.stdout
    );
}

#[test]
fn a_deviation_needs_a_known_rule_and_a_reason() {
    let run = upstream_with("deviations:\n  - rule: no-such-rule\n    reason: x\n");
    assert_eq!(run.code, 3);
    assert!(
        run.stderr.contains("unknown rule `no-such-rule`"),
        "{}",
        run.stderr
    );
    let run = upstream_with("deviations:\n  - rule: docs-changed\n");
    assert_eq!(run.code, 3);
    assert!(run.stderr.contains("no `reason`"), "{}", run.stderr);
}

#[test]
fn a_document_without_our_operations_cannot_run() {
    let run = xtask(&["spec", "upstream", "robust/cyclic.yaml"]);
    assert_eq!(run.code, 3, "{}", run.stdout);
    assert!(
        run.stderr.contains("none of our operations"),
        "{}",
        run.stderr
    );
}
