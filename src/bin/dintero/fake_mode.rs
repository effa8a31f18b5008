//! The fake as the CLI uses it: the fault switches as flags (shared by `--fake` and
//! `dintero fake`), and the embedded fake of `--fake`, which reports contract violations
//! instead of panicking.

use std::ops::Deref;
use std::time::Duration;

use clap::Args;
use dintero_client::fake::{Burst, FakeDintero};

/// Fault switches of the fake, and its evolved responses. Global, so they may follow any
/// subcommand.
#[derive(Args, Debug, Clone, Default)]
pub(crate) struct FaultFlags {
    /// Fake: limit each account to this many requests per second; beyond it 429 with
    /// Retry-After.
    #[arg(long, global = true, value_name = "PER_SECOND")]
    fake_rate_limit: Option<u32>,

    /// Fake: wait this long before each answer (e.g. 30ms, 1s).
    #[arg(long, global = true, value_name = "DURATION", value_parser = humantime::parse_duration)]
    fake_latency: Option<Duration>,

    /// Fake: 503 bursts, LENGTH/EVERY: the last LENGTH of every EVERY requests (5/100 = 5 %).
    #[arg(long = "fake-503-bursts", global = true, value_name = "LENGTH/EVERY")]
    fake_unavailable: Option<Burst>,

    /// Fake: lose answers, LENGTH/EVERY: of every EVERY successful answers the last LENGTH
    /// are not sent (the change is applied, then the connection closes).
    #[arg(
        long = "fake-drop-responses",
        global = true,
        value_name = "LENGTH/EVERY"
    )]
    fake_dropped: Option<Burst>,

    /// Fake: fail the next COUNT token requests with STATUS (e.g. 2:503).
    #[arg(long, global = true, value_name = "COUNT:STATUS", value_parser = parse_failures)]
    fake_token_failures: Option<(u32, u16)>,

    /// Fake: send evolved responses, as a newer Dintero may: an unknown enum value, null in
    /// an optional property, an undeclared property, only the required properties (in turn).
    #[arg(long, global = true)]
    fake_evolve: bool,
}

impl FaultFlags {
    /// Whether any switch was given (they need a fake to act on).
    pub(crate) fn any(&self) -> bool {
        self.fake_rate_limit.is_some()
            || self.fake_latency.is_some()
            || self.fake_unavailable.is_some()
            || self.fake_dropped.is_some()
            || self.fake_token_failures.is_some()
            || self.fake_evolve
    }

    /// Flips the given switches on `fake`.
    pub(crate) fn apply(&self, fake: &FakeDintero) {
        if let Some(per_second) = self.fake_rate_limit {
            fake.set_rate_limit(per_second);
        }
        if let Some(latency) = self.fake_latency {
            fake.set_latency(latency);
        }
        fake.set_unavailable_bursts(self.fake_unavailable);
        fake.set_dropped_responses(self.fake_dropped);
        if let Some((count, status)) = self.fake_token_failures {
            fake.fail_token_requests(count, status);
        }
        fake.evolve_responses(self.fake_evolve);
    }

    /// One line naming the switches that are on, for the banner.
    pub(crate) fn describe(&self) -> Option<String> {
        let mut on = Vec::new();
        if let Some(rate) = self.fake_rate_limit {
            on.push(format!("rate limit {rate}/s"));
        }
        if let Some(latency) = self.fake_latency {
            on.push(format!("latency {}", humantime::format_duration(latency)));
        }
        if let Some(burst) = self.fake_unavailable {
            on.push(format!("503 bursts {burst}"));
        }
        if let Some(pattern) = self.fake_dropped {
            on.push(format!("dropped responses {pattern}"));
        }
        if let Some((count, status)) = self.fake_token_failures {
            on.push(format!("{count} token failures with {status}"));
        }
        if self.fake_evolve {
            on.push("evolved responses".to_string());
        }
        (!on.is_empty()).then(|| format!("faults: {}", on.join(", ")))
    }
}

/// `COUNT:STATUS`, the status a valid HTTP error status.
fn parse_failures(s: &str) -> Result<(u32, u16), String> {
    let usage = || format!("{s:?}: expected COUNT:STATUS, e.g. 2:503");
    let (count, status) = s.split_once(':').ok_or_else(usage)?;
    let count = count.trim().parse().map_err(|_| usage())?;
    let status: u16 = status.trim().parse().map_err(|_| usage())?;
    if !(400..=599).contains(&status) {
        return Err(format!("{s:?}: STATUS must be an error status, 400 to 599"));
    }
    Ok((count, status))
}

/// The fake behind `--fake`: when the command is done, a response that broke the spec is
/// reported on stderr (a bug in the fake) rather than as a panic.
#[derive(Debug)]
pub(crate) struct EmbeddedFake(FakeDintero);

impl EmbeddedFake {
    pub(crate) fn new(fake: FakeDintero) -> Self {
        Self(fake)
    }
}

impl Deref for EmbeddedFake {
    type Target = FakeDintero;

    fn deref(&self) -> &FakeDintero {
        &self.0
    }
}

impl Drop for EmbeddedFake {
    fn drop(&mut self) {
        let violations = self.0.take_violations();
        if !violations.is_empty() {
            eprintln!(
                "dintero: the embedded fake sent {} response(s) that break the spec (a bug in the fake):",
                violations.len()
            );
            for violation in violations {
                eprintln!("  {violation}");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_failures_parse_as_count_and_error_status() {
        assert_eq!(parse_failures("2:503"), Ok((2, 503)));
        for bad in ["2", "x:503", "2:200", "2:abc", "-1:500"] {
            assert!(parse_failures(bad).is_err(), "{bad}");
        }
    }
}
