//! Soak runs (issue 9): what the servers and Redis do over time, not how fast they are.
//!
//! - [`idle`]: many idle authenticated connections held for a long time, answering the
//!   server's heartbeats. Memory, descriptors and threads must stay flat.
//! - [`churn`]: connections opened and closed at a steady rate (some without a close
//!   frame). Memory, descriptors and presence keys must return to baseline.
//! - [`storm`]: an instance killed with SIGKILL under many connected clients, which
//!   reconnect to the others spread over a window. Every client must resume, and every
//!   acknowledged send must be in Redis exactly once.
//!
//! Each samples the servers and Redis every `--sample-every` seconds ([`sample`]) and
//! ends with a [`report::SoakReport`]: a table and one JSON line with its pass criteria
//! evaluated. `scripts/soak.sh` starts the processes; docs/RELIABILITY.md ("Soak") has
//! the commands and results.

pub mod accounts;
pub mod args;
pub mod churn;
pub mod client;
pub mod idle;
pub mod report;
pub mod sample;
pub mod storm;

pub use args::{ChurnArgs, Common, IdleArgs, SoakCli, SoakCommand, StormArgs};
pub use report::SoakReport;

use crate::procfs::Role;
use crate::stats::Latency;
use accounts::Accounts;
use client::{Client, Ledger};
use futures_util::{stream, StreamExt};
use hdrhistogram::Histogram;
use report::{count_change, rss_change, Criterion};
use sample::{Sample, Sampler};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Runs the soak `command`; `progress` receives a line now and then.
pub async fn run(
    command: &SoakCommand,
    progress: &(dyn Fn(&str) + Sync),
) -> anyhow::Result<SoakReport> {
    match command {
        SoakCommand::SoakIdle(args) => idle::run(args, progress).await,
        SoakCommand::Churn(args) => churn::run(args, progress).await,
        SoakCommand::Storm(args) => storm::run(args, progress).await,
    }
}

/// The processes a soak watches: the servers, Redis, and this process.
fn watched(common: &Common) -> Vec<(Role, u32)> {
    let mut watched: Vec<(Role, u32)> = common
        .server_pids
        .iter()
        .map(|&pid| (Role::Server, pid))
        .collect();
    watched.extend(common.redis_pid.map(|pid| (Role::Redis, pid)));
    watched.push((Role::Loadgen, std::process::id()));
    watched
}

/// The connect phase's figures.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Connected {
    pub made: usize,
    pub failed: usize,
    pub first_error: Option<String>,
    pub total_s: f64,
    /// Handshake up to `hello`, then the first `sync`.
    pub handshake_and_sync: Latency,
}

/// A client per user, following the user's group; not yet connected.
fn clients(accounts: &Accounts, ledger: &Arc<Mutex<Ledger>>) -> Vec<Client> {
    accounts
        .users
        .iter()
        .map(|u| {
            let conversation = accounts.group_of[u.index].map(|g| accounts.groups[g].id.clone());
            Client::new(
                u.index,
                u.access_token.clone(),
                conversation,
                Arc::clone(ledger),
            )
        })
        .collect()
}

/// Connects every client to its home server (`index mod servers`) and syncs it,
/// `--connect-concurrency` at a time; returns them all (the failed ones unconnected).
async fn connect_all(common: &Common, all: Vec<Client>) -> (Vec<(Client, bool)>, Connected) {
    let started = Instant::now();
    let args = common.setup_args();
    let done: Vec<(Client, anyhow::Result<Duration>)> = stream::iter(all)
        .map(|mut client| {
            let url = args.ws_url(client.index);
            async move {
                let began = Instant::now();
                let result = async {
                    client.connect(&url).await?;
                    client.sync().await?;
                    Ok(began.elapsed())
                }
                .await;
                (client, result)
            }
        })
        .buffer_unordered(common.connect_concurrency)
        .collect()
        .await;
    let mut times = Histogram::<u64>::new_with_bounds(1, 600_000_000, 3).ok();
    let mut first_error = None;
    let mut made = 0;
    let mut out = Vec::with_capacity(done.len());
    for (client, result) in done {
        match result {
            Ok(took) => {
                made += 1;
                if let Some(h) = times.as_mut() {
                    h.saturating_record((took.as_micros() as u64).max(1));
                }
                out.push((client, true));
            }
            Err(e) => {
                first_error.get_or_insert_with(|| format!("{e:#}"));
                out.push((client, false));
            }
        }
    }
    out.sort_by_key(|(c, _)| c.index);
    let connected = Connected {
        made,
        failed: out.len() - made,
        first_error,
        total_s: started.elapsed().as_secs_f64(),
        handshake_and_sync: times.as_ref().map(Latency::of).unwrap_or_default(),
    };
    (out, connected)
}

/// Percentiles of durations, in milliseconds.
fn latency_of(durations: impl IntoIterator<Item = Duration>) -> Latency {
    let Ok(mut h) = Histogram::<u64>::new_with_bounds(1, 3_600_000_000, 3) else {
        return Latency::default();
    };
    for d in durations {
        h.saturating_record((d.as_micros() as u64).max(1));
    }
    Latency::of(&h)
}

/// Memory, descriptor and thread criteria for every server, from the samples `a` to the
/// samples `b`: RSS (the median of each) may grow at most `max_pct` % (or `slack_mib`,
/// whichever is larger); descriptors and threads, from the last of `a` to the last of
/// `b`, may move by at most `tolerance`.
fn server_criteria(
    common: &Common,
    a_window: &[Sample],
    b_window: &[Sample],
    max_pct: f64,
    slack_mib: f64,
    tolerance: u64,
) -> Vec<Criterion> {
    let mut out = Vec::new();
    let (Some(a), Some(b)) = (a_window.last(), b_window.last()) else {
        return out;
    };
    let windows = if a_window.len() > 1 || b_window.len() > 1 {
        format!(
            ", medians of the first {} and last {} samples",
            a_window.len(),
            b_window.len()
        )
    } else {
        String::new()
    };
    for (i, &pid) in common.server_pids.iter().enumerate() {
        let required = if slack_mib > 0.0 {
            format!("≤ +{max_pct} % or ≤ +{slack_mib} MiB")
        } else {
            format!("≤ +{max_pct} %")
        };
        out.push(match rss_change(a_window, b_window, pid) {
            Some((pct, before, after)) => Criterion::new(
                &format!("server {i} RSS"),
                format!("{pct:+.2} % ({before:.1} → {after:.1} MiB{windows})"),
                &required,
                pct <= max_pct || after - before <= slack_mib,
            ),
            None => Criterion::new(
                &format!("server {i} RSS"),
                "not read".into(),
                &required,
                false,
            ),
        });
        for (what, field) in [
            (
                "descriptors",
                (|p: &sample::ProcessSample| p.fds) as fn(&_) -> _,
            ),
            ("threads", |p: &sample::ProcessSample| p.threads),
        ] {
            let name = format!("server {i} {what}");
            let required = format!("within ±{tolerance}");
            out.push(match count_change(a, b, pid, field) {
                Some((delta, before, after)) => Criterion::new(
                    &name,
                    format!("{delta:+} ({before} → {after})"),
                    &required,
                    delta.unsigned_abs() <= tolerance,
                ),
                None => Criterion::new(&name, "not read".into(), &required, false),
            });
        }
    }
    out
}

/// Samples every `every` for `total` under `phase`, pushing to `samples`; `open` says how
/// many connections the driver holds.
async fn hold(
    sampler: &Sampler,
    samples: &mut Vec<Sample>,
    phase: &str,
    total: Duration,
    every: Duration,
    open: &(dyn Fn() -> u64 + Sync),
    progress: &(dyn Fn(&str) + Sync),
) {
    let end = Instant::now() + total;
    while Instant::now() < end {
        tokio::time::sleep(every.min(end.saturating_duration_since(Instant::now()))).await;
        let sample = sampler.sample(phase, open()).await;
        progress(&brief(&sample));
        samples.push(sample);
    }
}

/// One line about a sample, for progress.
fn brief(s: &Sample) -> String {
    let mut line = format!("{:.0} s {} open {}", s.at_s, s.phase, s.open);
    for p in s.processes.iter().filter(|p| p.role == Role::Server) {
        line.push_str(&format!(
            "; server {} {:.1} MiB {} fds {} thr",
            p.pid,
            p.rss_kib.unwrap_or(0) as f64 / 1024.0,
            p.fds.unwrap_or(0),
            p.threads.unwrap_or(0)
        ));
    }
    if let Some(r) = &s.redis {
        line.push_str(&format!(
            "; redis {} keys, presence {} users {} devices",
            r.dbsize, r.presence_users, r.presence_devices
        ));
    }
    line
}
