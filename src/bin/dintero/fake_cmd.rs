//! `dintero fake`: the fake Dintero as a standalone server, for services in any language.
//!
//! Prints the base URL on the first line of stdout and the ready client's credentials
//! after it (as `NAME=value` lines), logs one line per request on stderr, and serves
//! until Ctrl-C or SIGTERM. Exits 1 when a response broke the spec (a bug in the fake),
//! so CI that drives it notices.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

use clap::Args;
use dintero_client::fake::{
    DEMO_ACCOUNT_ID, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, FakeDintero, Seed,
};
use dintero_client::types;

use super::fake_mode::FaultFlags;
use super::{EXIT_CONFIG, EXIT_FAILED};

#[derive(Args, Debug)]
pub(crate) struct FakeArgs {
    /// The port to listen on (0: any free port; the first line of output says which).
    #[arg(long, default_value_t = 0)]
    port: u16,

    /// The address to listen on: a loopback address unless --allow-remote is given.
    #[arg(long, default_value = "127.0.0.1")]
    host: IpAddr,

    /// Allow a --host that is not a loopback address. The fake has no real security:
    /// anyone who reaches it gets tokens with the printed credentials.
    #[arg(long)]
    allow_remote: bool,

    /// A JSON seed file: {"account_id", "clients", "customers", "users"} (see the README).
    #[arg(long, value_name = "FILE")]
    seed: Option<PathBuf>,

    /// Do not load the demo customers and users.
    #[arg(long)]
    no_demo: bool,

    /// Create an unknown current customer id or username on first change instead of
    /// answering 404 (for fuzzers and quick trials without seed data).
    #[arg(long)]
    create_missing: bool,

    /// The account of the ready client, the demo data and a seed without its own.
    #[arg(long, default_value = DEMO_ACCOUNT_ID, value_name = "AID")]
    account: String,

    /// The ready client's id (default: the demo client's).
    #[arg(long, requires = "client_secret", value_name = "ID")]
    client_id: Option<String>,

    /// The ready client's secret (a fake's: it opens nothing real).
    #[arg(long, requires = "client_id", value_name = "SECRET")]
    client_secret: Option<String>,
}

/// Serves until stopped; the exit code.
pub(crate) async fn run(args: &FakeArgs, faults: &FaultFlags) -> u8 {
    let fake = match start(args).await {
        Ok(fake) => fake,
        Err(e) => {
            eprintln!("dintero fake: {e}");
            return EXIT_CONFIG;
        }
    };
    faults.apply(&fake);
    let (client_id, client_secret) = credentials(args);
    out!("{}", fake.base_url());
    out!("DINTERO_ACCOUNT_ID={}", args.account);
    out!("DINTERO_CLIENT_ID={client_id}");
    out!("DINTERO_CLIENT_SECRET={client_secret}");
    if let Some(faults) = faults.describe() {
        eprintln!("dintero fake: {faults}");
    }
    eprintln!("dintero fake: serving; Ctrl-C or SIGTERM stops it");
    if let Err(e) = stopped().await {
        eprintln!("dintero fake: cannot wait for a signal: {e}");
    }
    let served = fake.requests().len();
    let violations = fake.take_violations();
    fake.shutdown().await;
    eprintln!(
        "dintero fake: stopped after {served} requests, {} contract violation(s)",
        violations.len()
    );
    if violations.is_empty() {
        0
    } else {
        EXIT_FAILED
    }
}

/// Checks the arguments, binds, and loads the data.
async fn start(args: &FakeArgs) -> Result<FakeDintero, String> {
    if !args.host.is_loopback() && !args.allow_remote {
        return Err(format!(
            "--host {} is not a loopback address; add --allow-remote to serve it anyway",
            args.host
        ));
    }
    types::AccountId::try_from(args.account.as_str()).map_err(|e| format!("--account: {e}"))?;
    let seed = args.seed.as_ref().map(read_seed).transpose()?;
    let fake = FakeDintero::start_on(SocketAddr::new(args.host, args.port))
        .await
        .map_err(|e| format!("cannot listen on {}:{}: {e}", args.host, args.port))?;
    if !args.no_demo {
        fake.seed_demo_account(&args.account);
    }
    if let Some(mut seed) = seed {
        seed.account_id.get_or_insert_with(|| args.account.clone());
        fake.load_seed(&seed).map_err(|e| e.to_string())?;
    }
    let (client_id, client_secret) = credentials(args);
    fake.add_client(&args.account, client_id, client_secret);
    fake.create_missing(args.create_missing);
    Ok(fake)
}

fn read_seed(path: &PathBuf) -> Result<Seed, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    Seed::from_json(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// The ready client: the given one, or the demo client.
fn credentials(args: &FakeArgs) -> (&str, &str) {
    match (&args.client_id, &args.client_secret) {
        (Some(id), Some(secret)) => (id, secret),
        _ => (DEMO_CLIENT_ID, DEMO_CLIENT_SECRET),
    }
}

/// Resolves on Ctrl-C or (on Unix) SIGTERM.
async fn stopped() -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut terminate = signal(SignalKind::terminate())?;
        tokio::select! {
            result = tokio::signal::ctrl_c() => result,
            _ = terminate.recv() => Ok(()),
        }
    }
    #[cfg(not(unix))]
    {
        tokio::signal::ctrl_c().await
    }
}
