//! The soak subcommands' flags: `soak-idle`, `churn` and `storm`.

use anyhow::{bail, Result};
use clap::{Args as ClapArgs, Parser, Subcommand};
use std::path::PathBuf;

/// `tidings-loadgen soak-idle|churn|storm …`: long runs that watch the servers and Redis
/// over time instead of measuring delivery.
#[derive(Parser, Debug, Clone)]
#[command(
    name = "tidings-loadgen",
    args_override_self = true,
    about = "Soak runs: idle connections held for a long time, connect/disconnect churn, \
             and a reconnect storm after an instance is killed. Samples the servers' and \
             Redis's memory, descriptors, threads and presence keys, and prints a table and \
             one JSON line with the pass criteria evaluated."
)]
pub struct SoakCli {
    #[command(subcommand)]
    pub command: SoakCommand,
}

/// Which soak to run.
#[derive(Subcommand, Debug, Clone)]
pub enum SoakCommand {
    /// Hold `--users` idle authenticated connections for `--minutes`, answering the
    /// server's heartbeats: RSS, descriptors and threads must stay flat.
    SoakIdle(IdleArgs),
    /// Open and close `--rate` connections a second for `--minutes` (each held
    /// `--hold-secs`): memory, descriptors and presence keys must return to baseline.
    Churn(ChurnArgs),
    /// Connect `--users` clients over the instances, SIGKILL one instance, and have its
    /// clients reconnect to the others within `--jitter-secs`: all must resume, and
    /// every acknowledged send must be in Redis exactly once.
    Storm(StormArgs),
}

/// Flags every soak shares: where the servers and Redis are, and who signs in.
#[derive(ClapArgs, Debug, Clone)]
pub struct Common {
    /// Base HTTP URL of a server instance; repeat for several. User `i` lives on server
    /// `i mod count`.
    #[arg(long = "server", required = true)]
    pub servers: Vec<String>,

    /// PID of each server instance, in the order of `--server` (for RSS, descriptors,
    /// threads and CPU from /proc).
    #[arg(long = "server-pid")]
    pub server_pids: Vec<u32>,

    /// Redis the servers share: sampled for `DBSIZE`, presence keys and clients, and read
    /// for the storm's final check.
    #[arg(long)]
    pub redis_url: String,

    /// PID of redis-server (for its RSS and CPU).
    #[arg(long)]
    pub redis_pid: Option<u32>,

    /// Users (one connection each, except in `churn`, where they take turns).
    #[arg(long, default_value_t = 1000)]
    pub users: usize,

    /// Members per group conversation; every user is in one.
    #[arg(long, default_value_t = 10)]
    pub group_size: usize,

    /// Username prefix (`<prefix>-<i>`). Default: a fresh random one.
    #[arg(long)]
    pub user_prefix: Option<String>,

    /// A file that keeps the users' access tokens and groups for this prefix, so a later
    /// run against the same Redis (and JWT secret) skips the Argon2 sign-ins. Tokens that
    /// expire within the run are signed in again.
    #[arg(long)]
    pub token_cache: Option<PathBuf>,

    /// Sign-ins in flight at once (each is one Argon2 hash on the server).
    #[arg(long, default_value_t = 4)]
    pub signup_concurrency: usize,

    /// WebSocket handshakes in flight at once when connecting everyone.
    #[arg(long, default_value_t = 64)]
    pub connect_concurrency: usize,

    /// Seconds between samples.
    #[arg(long, default_value_t = 10.0)]
    pub sample_every: f64,

    /// Longest wait, in seconds, for presence keys to return to baseline (stale devices
    /// are swept one presence TTL after their instance stopped refreshing them).
    #[arg(long, default_value_t = 90.0)]
    pub settle_secs: f64,

    /// Print only the JSON line.
    #[arg(long)]
    pub json_only: bool,

    /// A name for this run, copied into the report.
    #[arg(long, default_value = "")]
    pub label: String,
}

/// `soak-idle`.
#[derive(ClapArgs, Debug, Clone)]
pub struct IdleArgs {
    #[command(flatten)]
    pub common: Common,

    /// How long the connections are held after the baseline sample.
    #[arg(long, default_value_t = 30.0)]
    pub minutes: f64,

    /// Seconds after everyone connected before the baseline sample (connect-time
    /// allocations settle, the allocator purges).
    #[arg(long, default_value_t = 30.0)]
    pub warm_secs: f64,

    /// Pass: each server's RSS at the end at most this much above the baseline, in %.
    #[arg(long, default_value_t = 5.0)]
    pub max_rss_drift_pct: f64,

    /// Pass: each server's open descriptors and threads at the end within this many of
    /// the baseline.
    #[arg(long, default_value_t = 4)]
    pub fd_tolerance: u64,
}

/// `churn`.
#[derive(ClapArgs, Debug, Clone)]
pub struct ChurnArgs {
    #[command(flatten)]
    pub common: Common,

    /// How long to churn.
    #[arg(long, default_value_t = 10.0)]
    pub minutes: f64,

    /// Connections opened per second (as many close per second once the first are done).
    #[arg(long, default_value_t = 100.0)]
    pub rate: f64,

    /// Seconds each connection is held after its `sync` before it closes.
    #[arg(long, default_value_t = 5.0)]
    pub hold_secs: f64,

    /// Seconds of the same churn before the baseline is read (see `soak::churn`).
    #[arg(long, default_value_t = 30.0)]
    pub warm_secs: f64,

    /// Every n-th connection is dropped without a close frame (0: none).
    #[arg(long, default_value_t = 4)]
    pub drop_every: usize,

    /// Stop after this many connections (0: as many as `--minutes` allows). For short
    /// runs in tests.
    #[arg(long, default_value_t = 0)]
    pub cycles: u64,

    /// Pass: each server's RSS afterwards at most this much above the baseline, in %, or
    /// `--rss-slack-mib` above it, whichever is larger.
    #[arg(long, default_value_t = 5.0)]
    pub max_rss_growth_pct: f64,

    /// See `--max-rss-growth-pct`.
    #[arg(long, default_value_t = 4.0)]
    pub rss_slack_mib: f64,

    /// Pass: each server's descriptors and threads afterwards within this many of the
    /// baseline.
    #[arg(long, default_value_t = 4)]
    pub fd_tolerance: u64,
}

/// `storm`.
#[derive(ClapArgs, Debug, Clone)]
pub struct StormArgs {
    #[command(flatten)]
    pub common: Common,

    /// The instance to SIGKILL (default: the last `--server-pid`).
    #[arg(long)]
    pub kill_pid: Option<u32>,

    /// The killed instance's clients start reconnecting at a random moment in this
    /// window after they notice the loss.
    #[arg(long, default_value_t = 10.0)]
    pub jitter_secs: f64,

    /// Pass: every client resumed (reconnected and caught up with `sync`) within this
    /// many seconds of the kill; also the bound on waiting for them.
    #[arg(long, default_value_t = 60.0)]
    pub resume_secs: f64,

    /// Clients that send messages throughout (spread over the instances).
    #[arg(long, default_value_t = 200)]
    pub senders: usize,

    /// Messages per second in total, over the senders.
    #[arg(long, default_value_t = 100.0)]
    pub send_rate: f64,

    /// Seconds of sending before the kill, and again after everyone resumed.
    #[arg(long, default_value_t = 5.0)]
    pub send_secs: f64,
}

impl Common {
    /// Refuses flags that would make a run meaningless or unbounded.
    pub fn validate(&self) -> Result<()> {
        crate::args::check_population(&self.servers, self.users, self.group_size)?;
        if !self.server_pids.is_empty() && self.server_pids.len() != self.servers.len() {
            bail!("give one --server-pid per --server, in the same order");
        }
        if self.signup_concurrency == 0 || self.connect_concurrency == 0 {
            bail!("concurrency must be at least 1");
        }
        if !(0.05..=3600.0).contains(&self.sample_every) {
            bail!("--sample-every must be between 0.05 and 3600 seconds");
        }
        if !(0.0..=3600.0).contains(&self.settle_secs) {
            bail!("--settle-secs must be between 0 and 3600");
        }
        Ok(())
    }

    /// These flags as the load generator's, to reuse its sign-in and group set-up.
    pub fn setup_args(&self) -> crate::Args {
        let mut args =
            crate::Args::small(self.servers.clone(), self.users, self.group_size, 1.0, 1.0);
        args.signup_concurrency = self.signup_concurrency;
        args.connect_concurrency = self.connect_concurrency;
        args.user_prefix = self.user_prefix.clone();
        args
    }
}

/// Checks a duration flag in minutes or seconds.
pub(crate) fn check_secs(name: &str, secs: f64, max: f64) -> Result<()> {
    if !(0.0..=max).contains(&secs) || secs.is_nan() {
        bail!("{name} must be between 0 and {max} seconds");
    }
    Ok(())
}
