//! Property tests over arbitrary strings for every input of the client: the account id
//! (builder) and the four id arguments.
//!
//! - never a panic;
//! - invalid input is an `Error::InvalidInput` naming the argument, and nothing reaches
//!   the wire;
//! - valid input reaches the wire exactly once, and the server sees it byte for byte
//!   (the percent-decoded path segment, the JSON body field);
//! - ids built from path delimiters (`\`, `/`, `.`, `%2e`, `%5c` in every position), through
//!   the typed and the raw client, reach only the intended path, or nothing is sent.

mod common_faults;

use std::sync::OnceLock;

use common_faults::{AUTH_USER_JSON, Action, CUSTOMER_JSON, Req, Server, json, token_json};
use dintero_client::{Dintero, Error, MAX_ID_CHARS};
use proptest::prelude::*;
use tokio::runtime::Runtime;

const ACCOUNT: &str = "T12345678";

/// One multi-thread runtime for every case: servers keep running between `block_on`s.
fn rt() -> &'static Runtime {
    static RT: OnceLock<Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap()
    })
}

fn start_server() -> Server {
    rt().block_on(Server::start(|req| {
        if req.is_token() {
            Action::Reply(token_json("tok", 3600))
        } else if req.target.ends_with("/change_username") {
            Action::Reply(json(200, AUTH_USER_JSON))
        } else {
            Action::Reply(json(200, CUSTOMER_JSON))
        }
    }))
}

fn client(server: &Server, account: &str) -> Result<Dintero, Error> {
    Dintero::builder()
        .account_id(account)
        .client_credentials("id", "secret")
        .base_url(server.base_url())
        .build()
}

/// Arbitrary strings, weighted toward the interesting ones: URL delimiters, dot segments,
/// whitespace at the edges, control characters, any Unicode, the length boundary.
fn any_input() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => any::<String>(),
        3 => "[ \t\r\n/?#%.\\\\;&=+:@\\[\\]{}<>\"'`|^~a-z0-9\u{0}\u{7f}é€𝄞]{0,12}",
        2 => prop::collection::vec(any::<char>(), 0..40).prop_map(String::from_iter),
        1 => "[a-z]{250,260}",
        1 => "[é€𝄞a]{250,260}",
        1 => ".{300,2000}",
        1 => prop_oneof![
            Just(String::new()),
            Just(".".to_string()),
            Just("..".to_string()),
            Just("%2e".to_string()),
            Just(" x".to_string()),
            Just("x ".to_string()),
            Just("\u{a0}x".to_string()),
            Just("a\\b".to_string()),
            Just("a/../b".to_string()),
            Just("%".to_string()),
            Just("?#".to_string()),
        ],
        2 => "[a-zA-Z0-9@._+-]{1,40}",
    ]
}

/// Ids made of what URL parsing treats specially (`\\`, `/`, `.`, `..`, `%2e`, `%5c`), in
/// every position, half of them shaped to keep the path's depth while moving it
/// (`..\\users\\victim`): the case that counting segments missed.
fn path_trick() -> impl Strategy<Value = String> {
    let segment = prop::sample::select(vec![
        "",
        ".",
        "..",
        "%2e",
        "%2E%2e",
        ".%2e",
        "...",
        "a",
        "users",
        "victim",
        "T12345678",
    ]);
    let separator = prop::sample::select(vec!["\\", "/", "%5c", "%5C", "%2f"]);
    let free = (
        prop::option::of(separator.clone()),
        segment.clone(),
        prop::collection::vec((separator.clone(), segment), 0..5),
    )
        .prop_map(|(lead, first, rest)| {
            let mut id = lead.unwrap_or_default().to_string() + first;
            for (separator, segment) in rest {
                id.push_str(separator);
                id.push_str(segment);
            }
            id
        });
    // k `..` climb k segments, k + 1 names come back down: the same depth, another path.
    let name = prop::sample::select(vec![
        "users",
        "victim",
        "auth",
        "customers",
        "T12345678",
        "a",
    ]);
    let same_depth = (1..4usize)
        .prop_flat_map(move |k| {
            (
                Just(k),
                prop::sample::select(vec!["\\", "\\", "/"]),
                prop::collection::vec(name.clone(), k + 1),
            )
        })
        .prop_map(|(k, separator, names)| {
            format!("..{separator}").repeat(k) + &names.join(separator)
        });
    prop_oneof![free, same_depth]
}

fn chars(s: &str) -> usize {
    s.chars().count()
}

/// The documented rules for an id sent as a path segment (`customer_id`, `username`):
/// 1 to 255 characters, and not something a URL cannot carry as one segment.
fn valid_path_id(s: &str) -> bool {
    (1..=MAX_ID_CHARS).contains(&chars(s)) && s != "." && s != ".." && !s.contains('\\')
}

/// `new_customer_id`: 1 to 255 characters, no leading or trailing whitespace.
fn valid_new_customer_id(s: &str) -> bool {
    (1..=MAX_ID_CHARS).contains(&chars(s))
        && !s.starts_with(char::is_whitespace)
        && !s.ends_with(char::is_whitespace)
}

/// `new_username`: 1 to 255 characters.
fn valid_new_username(s: &str) -> bool {
    (1..=MAX_ID_CHARS).contains(&chars(s))
}

fn valid_account(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 9 && (b[0] == b'P' || b[0] == b'T') && b[1..].iter().all(u8::is_ascii_digit)
}

/// The operation requests the server saw since `before`.
fn new_operation_requests(server: &Server, before: usize) -> Vec<Req> {
    server.requests()[before..]
        .iter()
        .filter(|r| !r.is_token())
        .cloned()
        .collect()
}

/// Splits `/v1/accounts/{aid}/{a}/{b}/{segment}/{op}` and checks everything but the
/// segment, which it returns percent-decoded.
fn segment(req: &Req, aid: &str, a: &str, b: &str, op: &str) -> Vec<u8> {
    let parts: Vec<&str> = req.target.split('/').collect();
    assert_eq!(
        parts.len(),
        8,
        "the id split the path into extra segments: {}",
        req.target
    );
    assert_eq!(
        (
            parts[0], parts[1], parts[2], parts[3], parts[4], parts[5], parts[7]
        ),
        ("", "v1", "accounts", aid, a, b, op),
        "{}",
        req.target
    );
    common_faults::percent_decode(parts[6])
}

fn body_field(req: &Req, field: &str) -> String {
    let v: serde_json::Value = serde_json::from_slice(&req.body).expect("JSON body");
    v[field].as_str().expect("string field").to_string()
}

fn assert_invalid(err: Error, field: &str) -> Result<(), TestCaseError> {
    match err {
        Error::InvalidInput { field: f, .. } => prop_assert_eq!(f, field),
        other => prop_assert!(false, "expected InvalidInput({field}), got {other:?}"),
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 256,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn account_id(account in prop_oneof![
        3 => any_input(),
        2 => "[PT][0-9]{8}",
        2 => "[PTpt ][0-9٠-٩]{7,9}",
    ]) {
        static SERVER: OnceLock<Server> = OnceLock::new();
        let server = SERVER.get_or_init(start_server);
        let before = server.requests().len();
        match client(server, &account) {
            Err(err) => {
                prop_assert!(!valid_account(&account), "{account:?} was refused: {err}");
                assert_invalid(err, "account_id")?;
                prop_assert_eq!(server.requests().len(), before);
            }
            Ok(client) => {
                prop_assert!(valid_account(&account), "{account:?} was accepted");
                prop_assert_eq!(client.account_id(), account.as_str());
                rt().block_on(client.change_customer_id("c", "d")).unwrap();
                let seen = &server.requests()[before..];
                // A new client: one token request, then the operation.
                prop_assert_eq!(seen.len(), 2);
                let token = &seen[0];
                prop_assert!(token.is_token());
                prop_assert_eq!(&token.target, &format!("/v1/accounts/{account}/auth/token"));
                prop_assert_eq!(
                    body_field(token, "audience"),
                    format!("https://api.dintero.com/v1/accounts/{account}")
                );
                prop_assert_eq!(segment(&seen[1], &account, "customers", "users", "change_customer_id"), b"c".to_vec());
            }
        }
    }

    #[test]
    fn change_customer_id(current in any_input(), new in any_input()) {
        static STATE: OnceLock<(Server, Dintero)> = OnceLock::new();
        let (server, client) = STATE.get_or_init(|| {
            let server = start_server();
            let client = client(&server, ACCOUNT).unwrap();
            (server, client)
        });
        let before = server.requests().len();
        let outcome = rt().block_on(client.change_customer_id(&current, &new));
        let seen = new_operation_requests(server, before);
        if !valid_path_id(&current) {
            assert_invalid(outcome.unwrap_err(), "customer_id")?;
            prop_assert!(seen.is_empty());
        } else if !valid_new_customer_id(&new) {
            assert_invalid(outcome.unwrap_err(), "new_customer_id")?;
            prop_assert!(seen.is_empty());
        } else {
            prop_assert!(outcome.is_ok(), "{:?}", outcome.unwrap_err());
            prop_assert_eq!(seen.len(), 1);
            prop_assert_eq!(
                segment(&seen[0], ACCOUNT, "customers", "users", "change_customer_id"),
                current.as_bytes().to_vec()
            );
            prop_assert_eq!(body_field(&seen[0], "customer_id"), new);
        }
    }

    #[test]
    fn change_username(current in any_input(), new in any_input()) {
        static STATE: OnceLock<(Server, Dintero)> = OnceLock::new();
        let (server, client) = STATE.get_or_init(|| {
            let server = start_server();
            let client = client(&server, ACCOUNT).unwrap();
            (server, client)
        });
        let before = server.requests().len();
        let outcome = rt().block_on(client.change_username(&current, &new));
        let seen = new_operation_requests(server, before);
        if !valid_path_id(&current) {
            assert_invalid(outcome.unwrap_err(), "username")?;
            prop_assert!(seen.is_empty());
        } else if !valid_new_username(&new) {
            assert_invalid(outcome.unwrap_err(), "new_username")?;
            prop_assert!(seen.is_empty());
        } else {
            prop_assert!(outcome.is_ok(), "{:?}", outcome.unwrap_err());
            prop_assert_eq!(seen.len(), 1);
            prop_assert_eq!(
                segment(&seen[0], ACCOUNT, "auth", "users", "change_username"),
                current.as_bytes().to_vec()
            );
            prop_assert_eq!(body_field(&seen[0], "username"), new);
        }
    }

    #[test]
    fn path_tricks_reach_only_the_intended_path(id in path_trick()) {
        use dintero_client::types::{
            AccountId, AidAuthUsersUsernameChangeUsernamePostUsername as Username,
            AidCustomersCidChangeCustomerIdPostCustomerId as CustomerId, CustomerIdUpdate,
            UsernameUpdate,
        };
        static STATE: OnceLock<(Server, Dintero)> = OnceLock::new();
        let (server, client) = STATE.get_or_init(|| {
            let server = start_server();
            let client = client(&server, ACCOUNT).unwrap();
            (server, client)
        });
        let expect_sent = valid_path_id(&id);
        let aid = AccountId::try_from(ACCOUNT).unwrap();

        // Each of the four ways to send it: typed and raw, customer id and username.
        let customer_id_body = CustomerIdUpdate { customer_id: Some("new".try_into().unwrap()) };
        let username_body = UsernameUpdate { username: "new".try_into().unwrap() };
        for route in ["typed customer", "raw customer", "typed username", "raw username"] {
            let before = server.requests().len();
            let sent_ok = rt().block_on(async {
                match route {
                    "typed customer" => client.change_customer_id(&id, "new").await.is_ok(),
                    "typed username" => client.change_username(&id, "new").await.is_ok(),
                    "raw customer" => match CustomerId::try_from(id.as_str()) {
                        Ok(param) => client
                            .raw()
                            .aid_customers_cid_change_customer_id_post(&aid, &param, &customer_id_body)
                            .await
                            .is_ok(),
                        Err(_) => false,
                    },
                    _ => match Username::try_from(id.as_str()) {
                        Ok(param) => client
                            .raw()
                            .aid_auth_users_username_change_username_post(&aid, &param, &username_body)
                            .await
                            .is_ok(),
                        Err(_) => false,
                    },
                }
            });
            let seen = new_operation_requests(server, before);
            prop_assert_eq!(sent_ok, expect_sent, "{} {:?}", route, id);
            if !expect_sent {
                prop_assert!(seen.is_empty(), "{} {:?} reached {:?}", route, id, seen);
                continue;
            }
            prop_assert_eq!(seen.len(), 1, "{} {:?}", route, id);
            let reached = if route.ends_with("customer") {
                segment(&seen[0], ACCOUNT, "customers", "users", "change_customer_id")
            } else {
                segment(&seen[0], ACCOUNT, "auth", "users", "change_username")
            };
            prop_assert_eq!(reached, id.as_bytes().to_vec(), "{} {:?}", route, id);
        }
    }
}
