//! Test your own code against the embedded fake Dintero: no account, no network.
//!
//! `cargo run --example fake_dintero --features fake`

use dintero_client::Error;
use dintero_client::fake::FakeDintero;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let fake = FakeDintero::start().await?;
    fake.add_client("T12345678", "my-service", "s3cret");
    fake.add_customer("T12345678", "crm-17");
    fake.add_user("T12345678", "kari@example.com");

    let client = fake
        .client_builder()
        .account_id("T12345678")
        .client_credentials("my-service", "s3cret")
        .build()?;

    let customer = client.change_customer_id("crm-17", "crm-2024-17").await?;
    println!("customer_id is now {}", customer.customer_id);
    let user = client
        .change_username("kari@example.com", "kari.nordmann@example.com")
        .await?;
    println!("username is now {}", user.username);

    // The unhappy paths your service must handle, on demand.
    match client.change_customer_id("crm-17", "crm-99").await {
        Err(e @ Error::Api { status: 404, .. }) => println!("as expected: {e}"),
        other => println!("unexpected: {other:?}"),
    }
    fake.drop_responses(1);
    match client
        .change_customer_id("crm-2024-17", "crm-2025-17")
        .await
    {
        Err(e @ Error::Transport(_)) => println!("as expected: {e} (but the change was applied)"),
        other => println!("unexpected: {other:?}"),
    }
    println!("{} requests reached the fake", fake.requests().len());
    Ok(())
}
