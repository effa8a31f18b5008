//! `dintero demo`: the crate's main job, end to end, against the embedded fake.

use dintero_client::Error;

use super::fake_mode::EmbeddedFake;
use dintero_client::fake::{
    DEMO_ACCOUNT_ID, DEMO_CLIENT_ID, FakeDintero, Operation, RecordedRequest,
};

/// Runs the demo; 0 when every step behaved as shown.
pub(crate) async fn run() -> u8 {
    match steps().await {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("dintero demo: {e}");
            super::EXIT_FAILED
        }
    }
}

async fn steps() -> Result<(), String> {
    let fake = FakeDintero::start()
        .await
        .map(EmbeddedFake::new)
        .map_err(|e| format!("cannot start the embedded fake: {e}"))?;
    fake.seed_demo();
    out!(
        "Embedded fake Dintero at {} (account {DEMO_ACCOUNT_ID}, demo data).",
        fake.base_url()
    );
    // The normal client, with client credentials: the first call fetches a token.
    let client = fake.demo_client().map_err(|e| e.to_string())?;
    out!("Client for account {DEMO_ACCOUNT_ID}, client id {DEMO_CLIENT_ID} (secret not shown).");
    let mut seen = 0;

    out!("\n1. Change a customer's customer_id: crm-17 -> crm-2024-17");
    let customer = client
        .change_customer_id("crm-17", "crm-2024-17")
        .await
        .map_err(|e| format!("change_customer_id failed: {e}"))?;
    show_requests(&fake, &mut seen);
    let name = [
        customer.first_name.as_deref(),
        customer.last_name.as_deref(),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" ");
    out!(
        "   ok: customer {} ({name}) now has customer_id {:?}",
        short(customer.id.map(|id| id.to_string())),
        customer.customer_id
    );
    for (key, entry) in &customer.metadata {
        out!(
            "   metadata {key}: old {}, new {}, by {}",
            entry["old"],
            entry["new"],
            entry["created_by"]
        );
    }

    out!("\n2. Change a user's username: kari@example.com -> kari.nordmann@example.com");
    let user = client
        .change_username("kari@example.com", "kari.nordmann@example.com")
        .await
        .map_err(|e| format!("change_username failed: {e}"))?;
    show_requests(&fake, &mut seen);
    out!(
        "   ok: user {} now has username {:?} (the cached token was reused)",
        short(user.id.map(|id| id.to_string())),
        user.username
    );

    out!("\n3. A validation error: new customer_id \"crm-2024-18 \" (trailing space)");
    match client.change_customer_id("crm-18", "crm-2024-18 ").await {
        Err(e @ Error::InvalidInput { .. }) => {
            out!("   error: {e}");
            let sent = fake.requests().len() - seen;
            out!("   nothing was sent ({sent} new requests)");
        }
        Err(e) => return Err(format!("expected a validation error, got: {e}")),
        Ok(_) => return Err("expected a validation error, but the change went through".into()),
    }

    out!("\n4. An error from Dintero: the customer crm-17 no longer exists");
    match client.change_customer_id("crm-17", "crm-2024-99").await {
        Err(e @ Error::Api { .. }) => {
            show_requests(&fake, &mut seen);
            out!("   error: {e}");
        }
        Err(e) => return Err(format!("expected a 404, got: {e}")),
        Ok(_) => return Err("expected a 404, but the change went through".into()),
    }

    out!(
        "\nDone. Against your own account: set DINTERO_ACCOUNT_ID, DINTERO_CLIENT_ID and \
         DINTERO_CLIENT_SECRET, then run `dintero customer change-id OLD NEW`."
    );
    Ok(())
}

/// Prints the requests the fake handled since the last call.
fn show_requests(fake: &FakeDintero, seen: &mut usize) {
    let requests = fake.requests();
    for request in &requests[*seen..] {
        out!("   -> {:<70} {}", describe(request), request.status);
    }
    *seen = requests.len();
}

fn describe(request: &RecordedRequest) -> String {
    let aid = &request.account_id;
    let target = request.target.as_deref().unwrap_or("");
    match request.operation {
        Operation::Token => format!("POST /accounts/{aid}/auth/token (client credentials)"),
        Operation::ChangeCustomerId => {
            format!("POST /accounts/{aid}/customers/users/{target}/change_customer_id")
        }
        Operation::ChangeUsername => {
            format!("POST /accounts/{aid}/auth/users/{target}/change_username")
        }
        _ => "another request".into(),
    }
}

fn short(id: Option<String>) -> String {
    id.map(|id| id.chars().take(8).collect::<String>() + "...")
        .unwrap_or_else(|| "?".into())
}
