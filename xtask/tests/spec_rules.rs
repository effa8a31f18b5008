//! `cargo xtask spec rules`: the rule table, and the copy of it in xtask/README.md.

mod support;

use support::{repo_root, xtask};

#[test]
fn the_readme_shows_the_current_rule_table() {
    let run = xtask(&["spec", "rules", "--markdown"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let readme = std::fs::read_to_string(repo_root().join("xtask/README.md")).unwrap();
    let start = readme
        .find("<!-- rules:start")
        .expect("a rules:start marker");
    let table = &readme[readme[start..].find('\n').unwrap() + start + 1..];
    let table = &table[..table
        .find("<!-- rules:end -->")
        .expect("a rules:end marker")];
    assert_eq!(
        table, run.stdout,
        "xtask/README.md is stale: paste `cargo xtask spec rules --markdown` between the markers"
    );
}

#[test]
fn the_text_table_counts_rules_by_family() {
    let run = xtask(&["spec", "rules"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let summary = run.stdout.lines().last().unwrap();
    let rows = run.stdout.lines().count() - 1;
    assert!(
        summary.starts_with(&format!("{rows} rules: operations ")),
        "{summary}"
    );
    assert!(
        run.stdout.contains("response-enum-value-added") && run.stdout.contains("Unknown"),
        "{}",
        run.stdout
    );
}
