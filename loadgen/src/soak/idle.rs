//! `soak-idle`: `--users` authenticated connections, connected and synced, then held idle
//! for `--minutes` while the server pings them and they answer.
//!
//! The baseline is sampled `--warm-secs` after the last connection is up, so connect-time
//! allocations have settled; the end is sampled before any connection closes. Passing
//! means: no connection dropped, each server's RSS at the end at most
//! `--max-rss-drift-pct` above its baseline, its descriptors and threads within
//! `--fd-tolerance` of the baseline, and, after everyone closes, presence in Redis back
//! where it was before the run.

use super::args::{check_secs, IdleArgs};
use super::client::{Ended, Ledger, Order};
use super::report::Findings;
use super::report::{load_average, Criterion, SoakReport};
use super::sample::{presence_of, Sampler};
use super::{accounts, brief, clients, connect_all, hold, server_criteria, watched};
use crate::args::secs;
use anyhow::Result;
use serde_json::json;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::mpsc;

/// Longest wait for every connection's task to end after the stop.
const STOP_TIMEOUT: Duration = Duration::from_secs(60);

pub async fn run(args: &IdleArgs, progress: &(dyn Fn(&str) + Sync)) -> Result<SoakReport> {
    let common = &args.common;
    common.validate()?;
    check_secs("--minutes", args.minutes * 60.0, 24.0 * 3600.0)?;
    check_secs("--warm-secs", args.warm_secs, 3600.0)?;
    let load_at_start = load_average();
    let hold_for = secs(args.minutes * 60.0);
    let every = secs(common.sample_every);

    let accounts = accounts::prepare(
        common,
        args.minutes * 60.0 + args.warm_secs + 600.0,
        progress,
    )
    .await?;
    let sampler = Sampler::connect(&common.redis_url, watched(common)).await?;
    let mut samples = vec![sampler.sample("start", 0).await];
    let before = samples[0].clone();

    let ledger = Arc::new(Mutex::new(Ledger::default()));
    progress(&format!("connecting {} users", accounts.users.len()));
    let (all, connected) = connect_all(common, clients(&accounts, &ledger)).await;
    progress(&format!(
        "{} of {} connected and synced in {:.1} s",
        connected.made,
        accounts.users.len(),
        connected.total_s
    ));

    let open = Arc::new(AtomicU64::new(0));
    let lost = Arc::new(AtomicU64::new(0));
    let mut stops = Vec::new();
    let mut tasks = Vec::new();
    for (mut client, ok) in all {
        if !ok {
            continue;
        }
        let (tx, mut rx) = mpsc::unbounded_channel();
        stops.push(tx);
        let (open, lost) = (Arc::clone(&open), Arc::clone(&lost));
        open.fetch_add(1, Ordering::Relaxed);
        tasks.push(tokio::spawn(async move {
            loop {
                match client.serve(&mut rx).await {
                    Ended::Stopped => break,
                    Ended::Lost(_) => {
                        lost.fetch_add(1, Ordering::Relaxed);
                        break;
                    }
                    Ended::Sync(done) => {
                        let result = client.sync().await;
                        let _ = done.send(result);
                    }
                }
            }
            open.fetch_sub(1, Ordering::Relaxed);
            client.pings
        }));
    }
    let open_now = || open.load(Ordering::Relaxed);

    hold(
        &sampler,
        &mut samples,
        "warm",
        secs(args.warm_secs),
        every,
        &open_now,
        progress,
    )
    .await;
    let baseline = sampler.sample("baseline", open_now()).await;
    progress(&brief(&baseline));
    let hold_from = samples.len();
    samples.push(baseline.clone());
    hold(
        &sampler,
        &mut samples,
        "hold",
        hold_for,
        every,
        &open_now,
        progress,
    )
    .await;
    let last = sampler.sample("end", open_now()).await;
    samples.push(last.clone());
    let hold_to = samples.len();
    let lost_during = lost.load(Ordering::Relaxed);

    progress("closing every connection");
    for stop in &stops {
        let _ = stop.send(Order::Stop);
    }
    let pings: Vec<u64> = tokio::time::timeout(STOP_TIMEOUT, futures_util::future::join_all(tasks))
        .await
        .map(|done| done.into_iter().filter_map(Result::ok).collect())
        .unwrap_or_default();
    drop(stops);
    let target = before.redis.clone().unwrap_or_default();
    let (after, presence_back) = sampler
        .wait_for_presence(&target, 0, secs(1.0), secs(common.settle_secs), progress)
        .await;
    samples.push(after.clone());

    let mut sorted = pings.clone();
    sorted.sort_unstable();
    let median = sorted.get(sorted.len() / 2).copied().unwrap_or(0);
    let mut criteria = vec![Criterion::new(
        "connections held",
        format!(
            "{} of {} connected, {} dropped during the hold",
            connected.made,
            accounts.users.len(),
            lost_during
        ),
        "all connected, none dropped",
        connected.made == accounts.users.len() && lost_during == 0,
    )];
    // RSS moves by a few MiB between readings (the allocator's purges, the presence
    // sweep's work): the drift compares the medians of the first and last tenth of the
    // hold's samples (at most 6 each), descriptors and threads the baseline and the end.
    let held = &samples[hold_from..hold_to];
    let window = (held.len() / 10).clamp(1, 6);
    criteria.extend(server_criteria(
        common,
        &held[..window],
        &held[held.len() - window..],
        args.max_rss_drift_pct,
        0.0,
        args.fd_tolerance,
    ));
    criteria.push(Criterion::new(
        "presence back after closing",
        presence_of(&after),
        &format!("as before the run ({})", target.presence()),
        presence_back,
    ));
    let cpu = |s: &super::sample::Sample, role| -> f64 {
        s.processes
            .iter()
            .filter(|p| p.role == role)
            .filter_map(|p| p.cpu_s)
            .sum()
    };
    let held_s = last.at_s - baseline.at_s;
    let figures = json!({
        "connect": connected,
        "held_s": held_s,
        "dropped_during_hold": lost_during,
        "pings_per_connection": { "min": sorted.first(), "median": median, "max": sorted.last() },
        // What idle connections cost: CPU over the hold, in cores.
        "servers_cores_while_idle": (cpu(&last, crate::procfs::Role::Server) - cpu(&baseline, crate::procfs::Role::Server)) / held_s.max(1e-9),
        "redis_cores_while_idle": (cpu(&last, crate::procfs::Role::Redis) - cpu(&baseline, crate::procfs::Role::Redis)) / held_s.max(1e-9),
    });
    Ok(SoakReport::new(
        "soak-idle",
        common,
        &accounts,
        Findings {
            load_at_start,
            figures,
            baseline,
            last,
            criteria,
            samples,
        },
    ))
}
