//! Command-line flags: what to load, how hard, for how long, and which processes to watch.

use anyhow::{bail, Result};
use clap::Parser;
use std::time::Duration;

/// One load run (or, with `--find-max-rate`, a search over rates on the same connections).
#[derive(Parser, Debug, Clone)]
#[command(
    name = "tidings-loadgen",
    // A scenario's flags can be followed by overrides: the last value given wins.
    args_override_self = true,
    about = "Signs in many users, opens one WebSocket each over the given server instances, \
             sends messages in groups at a fixed total rate and reports delivery latency, \
             loss and server cost."
)]
pub struct Args {
    /// Base HTTP URL of a server instance (`http://127.0.0.1:8080`); repeat the flag for
    /// several. User `i` signs up and connects to server `i mod count`.
    #[arg(long = "server", required = true)]
    pub servers: Vec<String>,

    /// Users, each with one WebSocket.
    #[arg(long, default_value_t = 1000)]
    pub users: usize,

    /// Members per group conversation (the fan-out of one message). Consecutive users
    /// share a group, so every group spans every instance.
    #[arg(long, default_value_t = 10)]
    pub group_size: usize,

    /// Total messages per second, spread evenly over all users.
    #[arg(long, default_value_t = 1000.0)]
    pub rate: f64,

    /// Seconds measured, after the warm-up.
    #[arg(long, default_value_t = 30.0)]
    pub duration: f64,

    /// Seconds of sending at the same rate before measuring starts.
    #[arg(long, default_value_t = 5.0)]
    pub warmup: f64,

    /// Longest wait, in seconds, for late deliveries after sending stops; what has not
    /// arrived by then counts as lost.
    #[arg(long, default_value_t = 10.0)]
    pub drain: f64,

    /// PID of a server instance, for its CPU time and memory (repeatable).
    #[arg(long = "server-pid")]
    pub server_pids: Vec<u32>,

    /// PID of redis-server, for its CPU time and memory (repeatable).
    #[arg(long = "redis-pid")]
    pub redis_pids: Vec<u32>,

    /// Characters per message text (the timestamp plus padding).
    #[arg(long, default_value_t = 64)]
    pub text_bytes: usize,

    /// Username prefix. Users are `<prefix>-<i>`: with the same prefix on the same Redis, a
    /// later run signs the existing accounts in instead of registering them. Default: a
    /// fresh random prefix.
    #[arg(long)]
    pub user_prefix: Option<String>,

    /// Sign-ups (or sign-ins) in flight at once. Each costs the server one Argon2 hash
    /// (19 MiB, on its blocking pool), so more only raises the server's memory peak.
    #[arg(long, default_value_t = 4)]
    pub signup_concurrency: usize,

    /// WebSocket handshakes in flight at once.
    #[arg(long, default_value_t = 64)]
    pub connect_concurrency: usize,

    /// Instead of one run at `--rate`: find the highest rate whose p99 delivery latency
    /// stays under this many milliseconds with no loss (doubling from `--rate`, then
    /// bisecting), each step `--warmup` + `--duration` long.
    #[arg(long, value_name = "P99_MS")]
    pub find_max_rate: Option<f64>,

    /// Most steps of the `--find-max-rate` search.
    #[arg(long, default_value_t = 10)]
    pub search_steps: usize,

    /// Print only the JSON line.
    #[arg(long)]
    pub json_only: bool,

    /// A name for this run, copied into the report (e.g. the scenario letter).
    #[arg(long, default_value = "")]
    pub label: String,
}

impl Args {
    /// Flags with small defaults for tests: `users` users in groups of `group_size`
    /// on `servers`, at `rate` messages/s for `duration` seconds after a short warm-up.
    pub fn small(
        servers: Vec<String>,
        users: usize,
        group_size: usize,
        rate: f64,
        duration: f64,
    ) -> Self {
        Self {
            servers,
            users,
            group_size,
            rate,
            duration,
            warmup: 0.5,
            drain: 10.0,
            server_pids: Vec::new(),
            redis_pids: Vec::new(),
            text_bytes: 64,
            user_prefix: None,
            signup_concurrency: 4,
            connect_concurrency: 16,
            find_max_rate: None,
            search_steps: 10,
            json_only: true,
            label: String::new(),
        }
    }

    /// Refuses flags that would make a run meaningless or unbounded.
    pub fn validate(&self) -> Result<()> {
        check_population(&self.servers, self.users, self.group_size)?;
        for (name, secs) in [
            ("--duration", self.duration),
            ("--warmup", self.warmup),
            ("--drain", self.drain),
        ] {
            if !(0.0..=3600.0).contains(&secs) {
                bail!("{name} must be between 0 and 3600 seconds");
            }
        }
        if self.duration <= 0.0 {
            bail!("--duration must be positive");
        }
        if !(self.rate > 0.0 && self.rate <= 10_000_000.0) {
            bail!("--rate must be positive (and at most 10,000,000)");
        }
        if self.signup_concurrency == 0 || self.connect_concurrency == 0 {
            bail!("concurrency must be at least 1");
        }
        if self.text_bytes < 32 || self.text_bytes > tidings_shared::limits::MAX_TEXT_CHARS {
            bail!(
                "--text-bytes must be between 32 and {}",
                tidings_shared::limits::MAX_TEXT_CHARS
            );
        }
        Ok(())
    }

    /// The WebSocket URL of server `i`.
    pub fn ws_url(&self, i: usize) -> String {
        let base = self.servers[i % self.servers.len()].trim_end_matches('/');
        let base = base
            .strip_prefix("http://")
            .map(|rest| format!("ws://{rest}"))
            .or_else(|| base.strip_prefix("https://").map(|r| format!("wss://{r}")))
            .unwrap_or_else(|| base.to_owned());
        format!("{base}/v1/gateway")
    }

    /// The HTTP base URL of server `i`.
    pub fn http_url(&self, i: usize) -> &str {
        self.servers[i % self.servers.len()].trim_end_matches('/')
    }
}

/// Seconds (already validated) as a `Duration`.
pub(crate) fn secs(s: f64) -> Duration {
    Duration::try_from_secs_f64(s).unwrap_or_default()
}

/// What every run needs, load or soak: a server, some users, and groups the server
/// accepts.
pub(crate) fn check_population(servers: &[String], users: usize, group_size: usize) -> Result<()> {
    if servers.is_empty() {
        bail!("give at least one --server");
    }
    if users == 0 || group_size < 2 {
        bail!("need at least one user and --group-size of at least 2");
    }
    if group_size > tidings_shared::limits::GROUP_MAX_MEMBERS {
        bail!(
            "--group-size is at most {}",
            tidings_shared::limits::GROUP_MAX_MEMBERS
        );
    }
    Ok(())
}
