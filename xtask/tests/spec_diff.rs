//! `cargo xtask spec diff`: classification and exit codes on small fixtures.

mod support;

use serde_json::Value;
use support::xtask;

/// (class, side, pointer, message) of each change of a `--json` report.
fn changes(report: &str) -> Vec<(String, String, String, String)> {
    let report: Value = serde_json::from_str(report).expect("--json prints JSON");
    let text = |v: &Value| v.as_str().unwrap_or("").to_string();
    report["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let pointer = if c["new_pointer"].is_null() {
                &c["old_pointer"]
            } else {
                &c["new_pointer"]
            };
            (
                text(&c["class"]),
                text(&c["side"]),
                text(pointer),
                text(&c["message"]),
            )
        })
        .collect()
}

fn has(
    changes: &[(String, String, String, String)],
    class: &str,
    side: &str,
    pointer: &str,
    message: &str,
) -> bool {
    changes
        .iter()
        .any(|c| c.0 == class && c.1 == side && c.2 == pointer && c.3.contains(message))
}

#[test]
fn no_change_is_exit_0() {
    let run = xtask(&["spec", "diff", "diff/base.yaml", "diff/base.yaml", "--all"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(
        run.stdout
            .contains("no changes in the 2 operations compared"),
        "{}",
        run.stdout
    );
}

#[test]
fn yaml_and_json_of_one_document_are_equal() {
    // non_breaking.json is JSON; diffing it with itself must find nothing either.
    let run = xtask(&[
        "spec",
        "diff",
        "diff/non_breaking.json",
        "diff/non_breaking.json",
        "--all",
    ]);
    assert_eq!(run.code, 0, "{}", run.stdout);
}

#[test]
fn non_breaking_changes_are_exit_1() {
    let run = xtask(&[
        "spec",
        "diff",
        "diff/base.yaml",
        "diff/non_breaking.json",
        "--all",
        "--json",
    ]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    let found = changes(&run.stdout);
    let s = "/components/schemas";
    let expected = [
        (
            "request",
            "/paths/~1accounts~1{aid}~1auth~1token/post/parameters/1",
            "optional query parameter `trace` added",
        ),
        (
            "request",
            "/components/schemas/TokenRequest/properties/grant_type",
            "enum value(s) added: \"refresh_token\"",
        ),
        (
            "response",
            "/paths/~1accounts~1{aid}~1auth~1token/post/responses/429",
            "response 429 added",
        ),
        (
            "request",
            &format!("{s}/CustomerIdUpdate/properties/customer_id"),
            "maxLength loosened: 255 → 512",
        ),
        (
            "response",
            &format!("{s}/Address/properties/postal_code"),
            "optional property `postal_code` added",
        ),
        (
            "response",
            &format!("{s}/Customer/properties/nickname"),
            "optional property `nickname` added",
        ),
        (
            "response",
            &format!("{s}/Customer/properties/phone_number"),
            "pattern changed",
        ),
    ];
    for (side, pointer, message) in expected {
        assert!(
            has(&found, "non-breaking", side, pointer, message),
            "missing {message}: {found:#?}"
        );
    }
    assert_eq!(found.len(), expected.len(), "{found:#?}");
}

#[test]
fn breaking_changes_are_exit_2() {
    let run = xtask(&[
        "spec",
        "diff",
        "diff/base.yaml",
        "diff/breaking.yaml",
        "--all",
        "--json",
    ]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    let found = changes(&run.stdout);
    let s = "/components/schemas";
    let expected = [
        (
            "breaking",
            "request",
            format!("{s}/CustomerIdUpdate/properties/reason"),
            "required property `reason` added",
        ),
        (
            "breaking",
            "response",
            format!("{s}/Customer/properties/email"),
            "optional property `email` removed",
        ),
        (
            "breaking",
            "response",
            format!("{s}/Customer/properties/customer_id"),
            "is no longer required (it may be absent)",
        ),
        (
            "breaking",
            "request",
            format!("{s}/TokenRequest/properties/scope"),
            "enum value(s) removed: \"admin\"",
        ),
        (
            "breaking",
            "response",
            format!("{s}/CustomerType"),
            "enum value(s) added: \"prospect\"",
        ),
        (
            "breaking",
            "response",
            format!("{s}/AccessToken/properties/expires_in"),
            "type changed from integer to string",
        ),
        (
            "non-breaking",
            "response",
            format!("{s}/Customer/properties/nickname"),
            "optional property `nickname` added",
        ),
    ];
    for (class, side, pointer, message) in &expected {
        assert!(
            has(&found, class, side, pointer, message),
            "missing {class} {message}: {found:#?}"
        );
    }
    assert_eq!(found.len(), expected.len(), "{found:#?}");
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        (report["breaking"].as_u64(), report["non_breaking"].as_u64()),
        (Some(6), Some(1))
    );
}

#[test]
fn the_reverse_of_a_non_breaking_change_can_break() {
    // Going back removes the response properties the new version added.
    let run = xtask(&[
        "spec",
        "diff",
        "diff/non_breaking.json",
        "diff/base.yaml",
        "--all",
        "--json",
    ]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    let found = changes(&run.stdout);
    assert!(
        has(
            &found,
            "breaking",
            "response",
            "/components/schemas/Customer/properties/nickname",
            "removed"
        ),
        "{found:#?}"
    );
    assert!(
        has(
            &found,
            "breaking",
            "request",
            "/components/schemas/CustomerIdUpdate/properties/customer_id",
            "maxLength tightened: 512 → 255"
        ),
        "{found:#?}"
    );
}

#[test]
fn ops_limits_the_comparison_and_human_output_marks_breaking() {
    let run = xtask(&[
        "spec",
        "diff",
        "diff/base.yaml",
        "diff/breaking.yaml",
        "--ops",
        "get_token",
    ]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(
        run.stdout
            .contains("BREAKING      [request] enum value(s) removed: \"admin\""),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("change_customer_id"), "{}", run.stdout);
    assert!(
        run.stdout
            .contains("2 changes in the 1 operations compared: 2 breaking, 0 non-breaking"),
        "{}",
        run.stdout
    );
}

#[test]
fn an_unknown_operation_is_exit_3() {
    let run = xtask(&[
        "spec",
        "diff",
        "diff/base.yaml",
        "diff/base.yaml",
        "--ops",
        "nope",
    ]);
    assert_eq!(run.code, 3);
    assert!(run.stderr.contains("nope"), "{}", run.stderr);
}

#[test]
fn default_operations_are_the_crates() {
    // Without --ops, the operations are those of openapi/dintero.yaml, absent from base.yaml.
    let run = xtask(&["spec", "diff", "diff/base.yaml", "diff/base.yaml"]);
    assert_eq!(run.code, 3, "{}", run.stdout);
    assert!(
        run.stderr.contains("aid_auths_oauth_token_post"),
        "{}",
        run.stderr
    );
}
