//! `dintero`: change Dintero customer ids and usernames from a terminal, one at a time or
//! in bulk from a CSV file, against the real API or an embedded fake.

/// `println!` that ignores a closed stdout (`dintero demo | head`) instead of panicking.
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

mod bulk;
mod demo;
mod fake_cmd;
mod fake_mode;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use dintero_client::fake::{DEMO_ACCOUNT_ID, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, FakeDintero};
use dintero_client::{DEFAULT_BASE_URL, Dintero, Error, RetryBudget};
use fake_mode::{EmbeddedFake, FaultFlags};

/// Exit code when a change (or any row of a bulk run) failed.
const EXIT_FAILED: u8 = 1;
/// Exit code for a configuration problem (clap uses 2 for usage errors too).
const EXIT_CONFIG: u8 = 2;
/// Exit code after Ctrl-C (128 + SIGINT).
const EXIT_INTERRUPTED: u8 = 130;

#[derive(Parser, Debug)]
#[command(
    name = "dintero",
    version,
    about = "Change Dintero customer ids and usernames, one at a time or in bulk.",
    after_help = "Credentials come from the environment only: DINTERO_ACCOUNT_ID, DINTERO_CLIENT_ID, \
                  DINTERO_CLIENT_SECRET (never from arguments; never printed). \
                  DINTERO_BASE_URL overrides the API base URL.\n\
                  Try it without an account: `dintero demo`, or add --fake to any command."
)]
struct Cli {
    /// Run against an embedded fake Dintero seeded with demo data (no account needed).
    #[arg(long, global = true)]
    fake: bool,

    /// The API base URL.
    #[arg(long, global = true, env = "DINTERO_BASE_URL", default_value = DEFAULT_BASE_URL)]
    base_url: String,

    /// Log each request to stderr (RUST_LOG overrides the level).
    #[arg(short, long, global = true)]
    verbose: bool,

    #[command(flatten)]
    faults: FaultFlags,

    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Show both operations, a token fetch and a validation error against an embedded fake.
    Demo,
    /// Serve a fake Dintero on 127.0.0.1 for testing a service in any language.
    Fake(fake_cmd::FakeArgs),
    /// Customers API.
    #[command(subcommand)]
    Customer(CustomerCommand),
    /// Auth API users.
    #[command(subcommand)]
    User(UserCommand),
}

#[derive(Subcommand, Debug)]
enum CustomerCommand {
    /// Change a customer's customer_id: `change-id OLD NEW`, or many with `--file`.
    ChangeId(ChangeArgs),
}

#[derive(Subcommand, Debug)]
enum UserCommand {
    /// Change a user's username: `change-username OLD NEW`, or many with `--file`.
    ChangeUsername(ChangeArgs),
}

#[derive(Args, Debug)]
struct ChangeArgs {
    /// The current id.
    #[arg(required_unless_present = "file", conflicts_with = "file")]
    old: Option<String>,

    /// The new id.
    #[arg(required_unless_present = "file", conflicts_with = "file")]
    new: Option<String>,

    /// A CSV file with a header row and the columns `old,new`: one change per row.
    #[arg(long, value_name = "CSV")]
    file: Option<PathBuf>,

    /// How many changes run at the same time when a bulk run starts; it grows while the
    /// answers are clean and backs off on 429 and 503.
    #[arg(long, default_value_t = 4, requires = "file",
          value_parser = clap::value_parser!(u16).range(1..=256))]
    concurrency: u16,

    /// The most changes a bulk run ever has in flight at once, whatever the API allows.
    #[arg(long, default_value_t = 32, requires = "file",
          value_parser = clap::value_parser!(u16).range(1..=256))]
    max_concurrency: u16,

    /// Where the per-row results go, as JSON lines (default: the CSV path + `.results.jsonl`).
    /// Rows recorded there as done are skipped, so an interrupted run can be resumed.
    #[arg(long, value_name = "JSONL", requires = "file")]
    results: Option<PathBuf>,

    /// Validate everything locally, as the client would, and send nothing.
    #[arg(long)]
    dry_run: bool,

    /// Print the updated object as JSON (single change).
    #[arg(long, conflicts_with = "file")]
    json: bool,
}

/// The two change operations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    CustomerId,
    Username,
}

impl Kind {
    /// The same checks the client runs before sending.
    pub(crate) fn validate(self, old: &str, new: &str) -> Result<(), Error> {
        match self {
            Self::CustomerId => dintero_client::validate_change_customer_id(old, new),
            Self::Username => dintero_client::validate_change_username(old, new),
        }
    }

    /// Applies one change; returns the updated object as JSON.
    pub(crate) async fn apply(
        self,
        client: &Dintero,
        old: &str,
        new: &str,
    ) -> Result<serde_json::Value, Error> {
        let value = match self {
            Self::CustomerId => serde_json::to_value(client.change_customer_id(old, new).await?),
            Self::Username => serde_json::to_value(client.change_username(old, new).await?),
        };
        Ok(value.unwrap_or_default())
    }

    /// Seeds the fake with an object to change, for `--fake`.
    pub(crate) fn seed(self, fake: &FakeDintero, old: &str) {
        match self {
            Self::CustomerId if fake.customer(DEMO_ACCOUNT_ID, old).is_none() => {
                fake.add_customer(DEMO_ACCOUNT_ID, old);
            }
            Self::Username if fake.user(DEMO_ACCOUNT_ID, old).is_none() => {
                fake.add_user(DEMO_ACCOUNT_ID, old);
            }
            _ => {}
        }
    }

    pub(crate) fn noun(self) -> &'static str {
        match self {
            Self::CustomerId => "customer_id",
            Self::Username => "username",
        }
    }
}

/// A client for the real API (credentials from the environment) or for a fresh fake
/// seeded with demo data and the given current ids. Same code path either way: only the
/// base URL and the credentials differ.
async fn connect(
    cli: &Cli,
    kind: Kind,
    olds: &[&str],
    retries: RetryBudget,
) -> Result<(Dintero, Option<EmbeddedFake>), String> {
    if cli.fake {
        let fake = FakeDintero::start()
            .await
            .map_err(|e| format!("cannot start the embedded fake: {e}"))?;
        fake.seed_demo();
        for old in olds {
            kind.seed(&fake, old);
        }
        cli.faults.apply(&fake);
        eprintln!(
            "Using the embedded fake Dintero at {} (account {DEMO_ACCOUNT_ID}, demo data).",
            fake.base_url()
        );
        if let Some(faults) = cli.faults.describe() {
            eprintln!("Fake {faults}.");
        }
        let client = fake
            .client_builder()
            .account_id(DEMO_ACCOUNT_ID)
            .client_credentials(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET)
            .retry_budget(retries)
            .build()
            .map_err(|e| e.to_string())?;
        return Ok((client, Some(EmbeddedFake::new(fake))));
    }
    let (account, id, secret) = credentials_from_env()?;
    let client = Dintero::builder()
        .account_id(account)
        .client_credentials(id, secret)
        .base_url(&cli.base_url)
        .retry_budget(retries)
        .build()
        .map_err(|e| e.to_string())?;
    Ok((client, None))
}

/// `DINTERO_ACCOUNT_ID`, `DINTERO_CLIENT_ID` and `DINTERO_CLIENT_SECRET`, naming every
/// one that is missing or empty.
fn credentials_from_env() -> Result<(String, String, String), String> {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    match (
        var("DINTERO_ACCOUNT_ID"),
        var("DINTERO_CLIENT_ID"),
        var("DINTERO_CLIENT_SECRET"),
    ) {
        (Some(account), Some(id), Some(secret)) => Ok((account, id, secret)),
        (account, id, secret) => {
            let missing: Vec<&str> = [
                ("DINTERO_ACCOUNT_ID", account.is_none()),
                ("DINTERO_CLIENT_ID", id.is_none()),
                ("DINTERO_CLIENT_SECRET", secret.is_none()),
            ]
            .into_iter()
            .filter_map(|(name, missing)| missing.then_some(name))
            .collect();
            Err(format!(
                "missing credentials: set {} (or try --fake)",
                missing.join(", ")
            ))
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(&cli);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("dintero: cannot start the async runtime: {e}");
            return ExitCode::from(EXIT_CONFIG);
        }
    };
    let code = runtime.block_on(run(cli));
    // Do not wait for lingering connections of the fake or the client.
    runtime.shutdown_background();
    ExitCode::from(code)
}

async fn run(cli: Cli) -> u8 {
    let serving = matches!(cli.command, Command::Fake(_));
    if cli.faults.any() && !cli.fake && !serving {
        eprintln!("dintero: the --fake-* switches act on a fake: add --fake");
        return EXIT_CONFIG;
    }
    let (kind, args) = match &cli.command {
        Command::Demo => return demo::run().await,
        Command::Fake(args) => return fake_cmd::run(args, &cli.faults).await,
        Command::Customer(CustomerCommand::ChangeId(args)) => (Kind::CustomerId, args),
        Command::User(UserCommand::ChangeUsername(args)) => (Kind::Username, args),
    };
    if let Some(file) = &args.file {
        if args.concurrency > args.max_concurrency {
            eprintln!(
                "dintero: --concurrency {} is more than --max-concurrency {}",
                args.concurrency, args.max_concurrency
            );
            return EXIT_CONFIG;
        }
        let options = bulk::Options {
            kind,
            results: args
                .results
                .clone()
                .unwrap_or_else(|| bulk::default_results_path(file)),
            file: file.clone(),
            concurrency: usize::from(args.concurrency),
            max_concurrency: usize::from(args.max_concurrency),
            dry_run: args.dry_run,
        };
        return bulk::run(&cli, options).await;
    }
    let (Some(old), Some(new)) = (&args.old, &args.new) else {
        unreachable!("clap requires OLD and NEW without --file")
    };
    single(&cli, kind, old, new, args).await
}

/// One change: validate, send, print the outcome.
async fn single(cli: &Cli, kind: Kind, old: &str, new: &str, args: &ChangeArgs) -> u8 {
    if let Err(e) = kind.validate(old, new) {
        eprintln!("dintero: {e} (nothing was sent)");
        return EXIT_FAILED;
    }
    if args.dry_run {
        out!("dry run: the change is valid; nothing was sent");
        return 0;
    }
    let (client, _fake) = match connect(cli, kind, &[old], RetryBudget::default()).await {
        Ok(connected) => connected,
        Err(e) => {
            eprintln!("dintero: {e}");
            return EXIT_CONFIG;
        }
    };
    match kind.apply(&client, old, new).await {
        Ok(object) if args.json => {
            out!(
                "{}",
                serde_json::to_string_pretty(&object).unwrap_or_default()
            );
            0
        }
        Ok(object) => {
            let id = object["id"].as_str().unwrap_or("?");
            out!("changed {}: {old} -> {new} (id {id})", kind.noun());
            0
        }
        Err(e) => {
            eprintln!("dintero: {e}");
            EXIT_FAILED
        }
    }
}

fn init_logging(cli: &Cli) {
    use std::io::IsTerminal as _;
    use tracing_subscriber::EnvFilter;
    let default = match (&cli.command, cli.verbose) {
        // The standalone fake logs each request it serves: that is its output.
        (Command::Fake(_), _) => "warn,dintero_client::fake=info",
        (_, true) => "dintero_client=debug",
        (_, false) => "warn",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(!matches!(cli.command, Command::Fake(_)))
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr)
        .try_init();
}
