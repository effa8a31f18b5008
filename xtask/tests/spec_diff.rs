//! `cargo xtask spec diff`: classification and exit codes on small fixtures.

mod support;

use serde_json::Value;
use support::xtask;

/// (class, side, pointer, message) of each change of a `--json` report; the message is
/// prefixed with the change's rule id (`rule: message`).
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
                format!("{}: {}", text(&c["rule"]), text(&c["message"])),
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
    // base.json is base.yaml written as JSON with its keys sorted: parsing either format,
    // in any key order, must give the same document, and the same report against a third.
    let run = xtask(&["spec", "diff", "diff/base.yaml", "diff/base.json", "--all"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let report = |old: &str| xtask(&["spec", "diff", old, "diff/breaking.yaml", "--all"]);
    let (from_yaml, from_json) = (report("diff/base.yaml"), report("diff/base.json"));
    assert_eq!(from_yaml.code, 2, "{}", from_yaml.stdout);
    assert_eq!(from_yaml.stdout, from_json.stdout);
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
            "request-parameter-added-optional: optional query parameter `trace` added",
        ),
        (
            "request",
            "/components/schemas/TokenRequest/properties/grant_type",
            "request-enum-value-added: enum value(s) added: \"refresh_token\"",
        ),
        (
            "response",
            "/paths/~1accounts~1{aid}~1auth~1token/post/responses/429",
            "response-error-status-added: response 429 added",
        ),
        (
            "request",
            &format!("{s}/CustomerIdUpdate/properties/customer_id"),
            "request-length-loosened: maxLength loosened: 255 → 512",
        ),
        (
            "response",
            &format!("{s}/Address/properties/postal_code"),
            "response-property-added: optional property `postal_code` added",
        ),
        (
            "response",
            &format!("{s}/Customer/properties/nickname"),
            "response-property-added: optional property `nickname` added",
        ),
        (
            "response",
            &format!("{s}/Customer/properties/phone_number"),
            "response-tolerant-string-constraint-changed: pattern changed",
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
            // Issue 9: a response-only enum decodes a value it does not know.
            "non-breaking",
            "response",
            format!("{s}/CustomerType"),
            "response-enum-value-added: enum value(s) added: \"prospect\" (decoded as unknown",
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
        (Some(5), Some(2))
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
        run.stdout.contains(
            "BREAKING      request-enum-value-removed [request]: enum value(s) removed: \"admin\""
        ),
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
