//! `cargo xtask spec extract`, and the maintainer workflow: extract the crate's operations
//! from a new upstream document, then diff them against the crate's spec.

mod support;

use support::xtask;

const OPS: &str = "aid_customers_cid_change_customer_id_post,aid_auth_users_username_change_username_post,aid_auths_oauth_token_post";

#[test]
fn extract_then_diff_shows_what_upstream_changed() {
    let dir = tempfile::tempdir().unwrap();
    let extracted = dir.path().join("upstream.yaml");
    let extracted = extracted.to_str().unwrap();

    let run = xtask(&[
        "spec",
        "extract",
        "upstream/full.yaml",
        "--ops",
        OPS,
        "--out",
        extracted,
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let text = std::fs::read_to_string(extracted).unwrap();
    assert!(text.starts_with("openapi: 3.0.3\n"), "{text}");
    for unused in [
        "aid_customers_users_get",
        "aid_sessions_get",
        "CustomerList",
        "Session",
        "checkout",
    ] {
        assert!(!text.contains(unused), "{unused} should not be extracted");
    }

    // What was cut out is a complete document: nothing dangling, nothing unused.
    let run = xtask(&["spec", "check", extracted]);
    assert_eq!(run.code, 0, "{}", run.stdout);

    // The same operations as ours, with the two upstream changes and nothing else.
    let run = xtask(&[
        "spec",
        "diff",
        "upstream/ours.yaml",
        extracted,
        "--ops",
        OPS,
    ]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    let expected = "\
non-breaking  response-property-added [response]: optional property `nickname` added
              at /components/schemas/Customer/properties/nickname
              in aid_customers_cid_change_customer_id_post
non-breaking  response-enum-value-added [response]: enum value(s) added: \"prospect\" (decoded as unknown by clients built from OLD)
              at /components/schemas/CustomerType
              in aid_customers_cid_change_customer_id_post
2 changes in the 3 operations compared: 0 breaking, 2 non-breaking
";
    assert_eq!(run.stdout, expected);
}

#[test]
fn extract_writes_json_for_a_json_file_name() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("token.json");
    let run = xtask(&[
        "spec",
        "extract",
        "upstream/full.yaml",
        "--ops",
        "aid_auths_oauth_token_post",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    let schemas: Vec<&String> = doc["components"]["schemas"]
        .as_object()
        .unwrap()
        .keys()
        .collect();
    assert_eq!(
        schemas,
        [
            "AccessToken",
            "AccountId",
            "ErrorDetail",
            "ErrorResponse",
            "TokenRequest"
        ]
    );
    let schemes: Vec<&String> = doc["components"]["securitySchemes"]
        .as_object()
        .unwrap()
        .keys()
        .collect();
    assert_eq!(schemes, ["basicAuth"]);
    assert_eq!(doc["paths"].as_object().unwrap().len(), 1);
}

#[test]
fn extract_to_stdout_is_yaml() {
    let run = xtask(&[
        "spec",
        "extract",
        "upstream/full.yaml",
        "--ops",
        "aid_auths_oauth_token_post",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.starts_with("openapi: 3.0.3\ninfo:\n"),
        "{}",
        run.stdout
    );
}

#[test]
fn swagger_2_is_converted_in_process() {
    let run = xtask(&[
        "spec",
        "extract",
        "upstream/swagger2.yaml",
        "--ops",
        "aid_auths_oauth_token_post",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let doc: serde_json::Value = serde_yaml_ng::from_str(&run.stdout).unwrap();
    assert_eq!(doc["openapi"], "3.0.0");
    let op = &doc["paths"]["/accounts/{aid}/auth/token"]["post"];
    assert_eq!(
        op["parameters"][0]["schema"],
        serde_json::json!({"type": "string"})
    );
}

#[test]
fn an_unknown_operation_is_named() {
    let run = xtask(&[
        "spec",
        "extract",
        "upstream/full.yaml",
        "--ops",
        "aid_auths_oauth_token_post,nope",
    ]);
    assert_eq!(run.code, 3);
    assert!(
        run.stderr
            .contains("operationId(s) nope not in the document"),
        "{}",
        run.stderr
    );
}
