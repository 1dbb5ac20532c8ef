//! `churn`: connections opened at `--rate` a second for `--minutes`, each synced, held
//! `--hold-secs` and closed; every `--drop-every`-th is dropped without a close frame.
//!
//! The baseline is sampled after a warm-up round of `--warm-secs` of the same churn, once
//! its connections are closed and presence is back to where it started (which also waits
//! out presence left by an earlier run). Afterwards the run waits for presence to return to it
//! (bounded by `--settle-secs`) and samples again. Passing means: every connect
//! succeeded and none ended early; presence users, devices and agenda, the key count and
//! Redis's clients exactly as before; each server's RSS at most `--max-rss-growth-pct`
//! (or `--rss-slack-mib`) above the baseline; descriptors and threads within
//! `--fd-tolerance`.

use super::args::{check_secs, ChurnArgs};
use super::client::{Client, Ended, Ledger, Order};
use super::report::Findings;
use super::report::{load_average, Criterion, SoakReport};
use super::sample::{presence_of, RedisSample, Sampler};
use super::{accounts, brief, latency_of, server_criteria, watched};
use crate::args::secs;
use anyhow::{bail, Result};
use serde_json::json;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use tokio::task::JoinSet;

/// What one connect-hold-close cycle did.
struct Cycle {
    took: Option<Duration>,
    error: Option<String>,
    /// The connection ended before its hold was over.
    ended_early: bool,
    aborted: bool,
}

/// Totals over every cycle.
#[derive(Default)]
struct Totals {
    made: u64,
    failed: u64,
    first_error: Option<String>,
    ended_early: u64,
    aborted: u64,
    times: Vec<Duration>,
}

impl Totals {
    fn add(&mut self, cycle: Cycle) {
        match cycle.took {
            Some(took) => {
                self.made += 1;
                self.times.push(took);
            }
            None => {
                self.failed += 1;
                if self.first_error.is_none() {
                    self.first_error = cycle.error;
                }
            }
        }
        self.ended_early += u64::from(cycle.ended_early);
        self.aborted += u64::from(cycle.aborted && cycle.took.is_some());
    }
}

async fn cycle(
    mut client: Client,
    url: String,
    hold: Duration,
    abort: bool,
    open: Arc<AtomicU64>,
) -> Cycle {
    let began = Instant::now();
    let connected = async {
        client.connect(&url).await?;
        client.sync().await
    }
    .await;
    let took = began.elapsed();
    if let Err(e) = connected {
        return Cycle {
            took: None,
            error: Some(format!("{e:#}")),
            ended_early: false,
            aborted: abort,
        };
    }
    open.fetch_add(1, Ordering::Relaxed);
    let (tx, mut rx) = mpsc::unbounded_channel();
    let order = if abort { Order::Abort } else { Order::Stop };
    let ((), ended) = tokio::join!(
        async move {
            tokio::time::sleep(hold).await;
            let _ = tx.send(order);
        },
        client.serve(&mut rx)
    );
    open.fetch_sub(1, Ordering::Relaxed);
    Cycle {
        took: Some(took),
        error: None,
        ended_early: matches!(ended, Ended::Lost(_)),
        aborted: abort,
    }
}

/// What one round of churn did.
struct Round {
    totals: Totals,
    cycles: u64,
    churn_s: f64,
    peak_open: u64,
    /// Cycles still running at the bound (aborted).
    unfinished: usize,
}

/// Opens, holds and closes connections at a rate over the accounts.
struct Churner<'a> {
    accounts: &'a accounts::Accounts,
    setup: crate::Args,
    ledger: Arc<Mutex<Ledger>>,
    open: Arc<AtomicU64>,
    hold: Duration,
    rate: f64,
    drop_every: usize,
    sample_every: f64,
}

impl Churner<'_> {
    /// Churns for `duration` (or `max_cycles`, when not 0), sampling as it goes, then
    /// waits (bounded) for the last connections to close.
    async fn churn(
        &self,
        phase: &str,
        duration: Duration,
        max_cycles: u64,
        sampler: &Sampler,
        samples: &mut Vec<super::sample::Sample>,
        progress: &(dyn Fn(&str) + Sync),
    ) -> Round {
        let every = secs(self.sample_every);
        let mut peak_open = 0;
        let mut totals = Totals::default();
        let mut running: JoinSet<Cycle> = JoinSet::new();
        let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / self.rate));
        let started = Instant::now();
        let end = started + duration;
        let mut next_sample = started + every;
        let mut k: u64 = 0;
        let users = &self.accounts.users;
        loop {
            tick.tick().await;
            let now = Instant::now();
            if now >= end || (max_cycles > 0 && k >= max_cycles) {
                break;
            }
            let user = &users[(k % users.len() as u64) as usize];
            let conversation =
                self.accounts.group_of[user.index].map(|g| self.accounts.groups[g].id.clone());
            let client = Client::new(
                user.index,
                user.access_token.clone(),
                conversation,
                Arc::clone(&self.ledger),
            );
            let every_nth = self.drop_every as u64;
            let abort = every_nth > 0 && k % every_nth == every_nth - 1;
            let url = self.setup.ws_url(k as usize);
            running.spawn(cycle(client, url, self.hold, abort, Arc::clone(&self.open)));
            k += 1;
            peak_open = peak_open.max(self.open.load(Ordering::Relaxed));
            while let Some(done) = running.try_join_next() {
                if let Ok(c) = done {
                    totals.add(c);
                }
            }
            if now >= next_sample {
                next_sample += every;
                let s = sampler
                    .sample(phase, self.open.load(Ordering::Relaxed))
                    .await;
                progress(&format!("{} (cycles {k})", brief(&s)));
                samples.push(s);
            }
        }
        let churn_s = started.elapsed().as_secs_f64();
        progress(&format!(
            "{phase}: {k} cycles in {churn_s:.1} s; waiting for the last to close"
        ));
        let bound = Instant::now() + self.hold + Duration::from_secs(90);
        while !running.is_empty() && Instant::now() < bound {
            if let Ok(Some(Ok(c))) =
                tokio::time::timeout(Duration::from_secs(1), running.join_next()).await
            {
                totals.add(c);
            }
        }
        let unfinished = running.len();
        running.abort_all();
        Round {
            totals,
            cycles: k,
            churn_s,
            peak_open,
            unfinished,
        }
    }
}

pub async fn run(args: &ChurnArgs, progress: &(dyn Fn(&str) + Sync)) -> Result<SoakReport> {
    let common = &args.common;
    common.validate()?;
    check_secs("--minutes", args.minutes * 60.0, 24.0 * 3600.0)?;
    check_secs("--hold-secs", args.hold_secs, 3600.0)?;
    check_secs("--warm-secs", args.warm_secs, 3600.0)?;
    if !(args.rate > 0.0 && args.rate <= 10_000.0) {
        bail!("--rate must be positive and at most 10,000");
    }
    let load_at_start = load_average();
    let hold = secs(args.hold_secs);

    let accounts = accounts::prepare(common, args.minutes * 60.0 + 600.0, progress).await?;
    let sampler = Sampler::connect(&common.redis_url, watched(common)).await?;
    let mut samples = vec![sampler.sample("start", 0).await];
    // Presence left by an earlier run (a killed instance's devices) is swept within a
    // TTL; wait for it so that the baseline holds no leftovers.
    if samples[0]
        .redis
        .as_ref()
        .is_some_and(|r| r.presence_devices > 0)
    {
        let (s, _) = sampler
            .wait_for_presence(
                &RedisSample::default(),
                0,
                secs(1.0),
                secs(common.settle_secs),
                progress,
            )
            .await;
        samples.push(s);
    }
    let before_warm = samples
        .last()
        .and_then(|s| s.redis.clone())
        .unwrap_or_default();
    let churner = Churner {
        accounts: &accounts,
        setup: common.setup_args(),
        ledger: Arc::new(Mutex::new(Ledger::default())),
        open: Arc::new(AtomicU64::new(0)),
        hold,
        rate: args.rate,
        drop_every: args.drop_every,
        sample_every: common.sample_every,
    };
    // A warm-up round first: the first connections leave lasting capacity (maps, buffers,
    // the allocator's pages), and the decoy password hash made at start is returned to
    // the OS only once the allocator next purges. The baseline is read after it, with
    // nothing connected.
    if args.warm_secs > 0.0 {
        progress(&format!("warming up for {} s", args.warm_secs));
        let warm = churner
            .churn(
                "warm",
                secs(args.warm_secs),
                0,
                &sampler,
                &mut samples,
                progress,
            )
            .await;
        if warm.totals.failed > 0 || warm.unfinished > 0 {
            progress(&format!(
                "warm-up: {} connects failed ({:?}), {} unfinished",
                warm.totals.failed, warm.totals.first_error, warm.unfinished
            ));
        }
        let (s, _) = sampler
            .wait_for_presence(
                &before_warm,
                0,
                secs(1.0),
                secs(common.settle_secs),
                progress,
            )
            .await;
        samples.push(s);
    }
    tokio::time::sleep(Duration::from_secs(5)).await;
    let baseline = sampler.sample("baseline", 0).await;
    progress(&brief(&baseline));
    samples.push(baseline.clone());

    progress(&format!(
        "churning {} connections/s for {} min, each held {} s",
        args.rate, args.minutes, args.hold_secs
    ));
    let Round {
        totals,
        cycles: k,
        churn_s,
        peak_open,
        unfinished,
    } = churner
        .churn(
            "churn",
            secs(args.minutes * 60.0),
            args.cycles,
            &sampler,
            &mut samples,
            progress,
        )
        .await;

    let target = baseline.redis.clone().unwrap_or_default();
    let (settled, presence_back) = sampler
        .wait_for_presence(&target, 0, secs(1.0), secs(common.settle_secs), progress)
        .await;
    samples.push(settled);
    // A moment for the allocator to give freed memory back before the final reading.
    tokio::time::sleep(Duration::from_secs(5)).await;
    let after = sampler.sample("after", 0).await;
    progress(&brief(&after));
    samples.push(after.clone());

    let mut criteria = vec![Criterion::new(
        "every cycle connected and closed",
        format!(
            "{} connected, {} failed, {} ended early, {} unfinished",
            totals.made, totals.failed, totals.ended_early, unfinished
        ),
        "none failed, ended early or unfinished",
        totals.failed == 0 && totals.ended_early == 0 && unfinished == 0 && totals.made > 0,
    )];
    criteria.push(Criterion::new(
        "presence back to baseline",
        presence_of(&after),
        &target.presence(),
        presence_back,
    ));
    let (db_after, clients_after) = after
        .redis
        .as_ref()
        .map_or((None, None), |r| (Some(r.dbsize), Some(r.clients)));
    criteria.push(Criterion::new(
        "Redis keys back to baseline",
        format!("{db_after:?} (baseline {})", target.dbsize),
        "equal",
        db_after == Some(target.dbsize),
    ));
    criteria.push(Criterion::new(
        "Redis clients back to baseline",
        format!("{clients_after:?} (baseline {})", target.clients),
        "equal",
        clients_after == Some(target.clients),
    ));
    criteria.extend(server_criteria(
        common,
        std::slice::from_ref(&baseline),
        std::slice::from_ref(&after),
        args.max_rss_growth_pct,
        args.rss_slack_mib,
        args.fd_tolerance,
    ));
    let peak_rss: Vec<serde_json::Value> = common
        .server_pids
        .iter()
        .map(|&pid| {
            let peak = samples
                .iter()
                .filter_map(|s| s.process(pid)?.rss_kib)
                .max()
                .unwrap_or(0);
            json!({ "pid": pid, "peak_rss_mib": peak as f64 / 1024.0 })
        })
        .collect();
    let figures = json!({
        "cycles": k,
        "churn_s": churn_s,
        "connects_per_s": k as f64 / churn_s.max(1e-9),
        "connected": totals.made,
        "failed": totals.failed,
        "first_error": totals.first_error,
        "dropped_without_close": totals.aborted,
        "ended_early": totals.ended_early,
        "peak_open": peak_open,
        "connect_and_sync": latency_of(totals.times.iter().copied()),
        "servers_peak": peak_rss,
    });
    Ok(SoakReport::new(
        "churn",
        common,
        &accounts,
        Findings {
            load_at_start,
            figures,
            baseline,
            last: after,
            criteria,
            samples,
        },
    ))
}
