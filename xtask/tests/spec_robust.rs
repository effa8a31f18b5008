//! No document makes the spec tools hang or panic: cycles through `$ref`s (including
//! single-element `oneOf` wrappers), external files, remote and dangling references.

mod support;

use support::{diff_all, rule_ids, xtask};

#[test]
fn cyclic_schemas_terminate_both_ways() {
    let same = diff_all("robust/cyclic.yaml", "robust/cyclic.yaml", &[]);
    assert_eq!(same.code, 0, "{}{}", same.stdout, same.stderr);
    let run = diff_all(
        "robust/cyclic.yaml",
        "robust/cyclic-changed.yaml",
        &["--json"],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(
        rule_ids(&run.stdout),
        [
            "request-property-added-optional",
            "docs-changed",
            "response-property-added"
        ]
    );
    let back = diff_all("robust/cyclic-changed.yaml", "robust/cyclic.yaml", &[]);
    assert_eq!(back.code, 2, "{}", back.stdout);
}

#[test]
fn cyclic_schemas_extract_and_check() {
    let run = xtask(&["spec", "extract", "robust/cyclic.yaml", "--ops", "cycles"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    for schema in ["A:", "B:", "Self:", "Node:"] {
        assert!(
            run.stdout.contains(schema),
            "{schema} missing:\n{}",
            run.stdout
        );
    }
}

#[test]
fn external_files_are_read_relative_to_the_document() {
    let same = diff_all(
        "robust/external/main.yaml",
        "robust/external/main.yaml",
        &[],
    );
    assert_eq!(same.code, 0, "{}{}", same.stdout, same.stderr);
    // v2/main.yaml is the same text; its own schemas folder has one more enum value.
    let run = diff_all(
        "robust/external/main.yaml",
        "robust/external/v2/main.yaml",
        &["--json"],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(rule_ids(&run.stdout), ["response-enum-value-added"]);
}

#[test]
fn external_cycles_remote_and_dangling_references_are_exit_3() {
    let cases = [
        (
            "robust/external/cycle.yaml",
            "a cycle of external references",
        ),
        (
            "robust/external/remote.yaml",
            "remote references are not fetched",
        ),
        ("robust/dangling.yaml", "resolves to nothing"),
    ];
    for (file, expected) in cases {
        for command in [
            ["spec", "diff", file, file, "--all"].as_slice(),
            &["spec", "extract", file],
        ] {
            let mut args = command.to_vec();
            if args[1] == "extract" {
                let op = match file {
                    f if f.ends_with("cycle.yaml") => "loop",
                    f if f.ends_with("remote.yaml") => "remote",
                    _ => "a",
                };
                args.extend(["--ops", op]);
            }
            let run = xtask(&args);
            assert_eq!(run.code, 3, "{args:?}: {}{}", run.stdout, run.stderr);
            assert!(run.stderr.contains(expected), "{args:?}: {}", run.stderr);
            assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
        }
    }
}
