//! A load generator for the Tidings server (issue 8).
//!
//! One run:
//! 1. **Setup** (not measured): register or sign in `--users` users, a few at a time, and
//!    put consecutive users into group conversations of `--group-size`.
//! 2. **Connect**: one WebSocket per user, user `i` on server `i mod count`, so every
//!    group spans every instance and its messages cross Redis pub/sub. Handshake times
//!    and the servers' memory growth per connection are recorded.
//! 3. **Steps**: send `--rate` messages/s in total, round-robin over the users, for
//!    `--warmup` then `--duration` seconds; count and time every delivery of every
//!    message sent in the measured window (see [`stats`]); read the watched processes'
//!    CPU time at the window's edges. With `--find-max-rate` the steps search for the
//!    highest rate that keeps p99 under a target, on the same connections.
//! 4. **Report**: a table and one JSON line ([`report::Report`]).
//!
//! Every figure comes from this one process and its one monotonic clock. The generator
//! shares the machine with what it measures, so its own CPU time is reported too.
//!
//! This crate is a tool: its errors go to a person running it, so it uses `anyhow`
//! throughout. It is a library as well as a binary so the test suite can run it in-process.
//!
//! The [`soak`] subcommands (`soak-idle`, `churn`, `storm`) watch the servers over time
//! instead: memory, descriptors, presence keys, and reconnects after an instance dies.

pub mod args;
pub mod conn;
pub mod procfs;
pub mod report;
pub mod server_metrics;
pub mod setup;
pub mod soak;
pub mod stats;
pub mod step;

pub use args::Args;
pub use report::Report;

use anyhow::Result;
use futures_util::{stream, StreamExt};
use hdrhistogram::Histogram;
use procfs::{hwm_kib, rss_kib, Role, RssSampler, Watched};
use report::{Connect, Machine, ProcessMemory, Search, Setup};
use stats::{Clock, Latency, Stats};
use std::sync::Arc;
use std::time::{Duration, Instant};
use step::{run_step, send_order, Rig};
use tokio::sync::mpsc;

/// How long the connections may take to close at the end.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(10);

/// Runs the whole load test described by `args`; `progress` receives a line at each phase.
pub async fn run(args: &Args, progress: &(dyn Fn(&str) + Sync)) -> Result<Report> {
    args.validate()?;
    let clock = Clock::start();
    let http = setup::http_client();
    let prefix = args
        .user_prefix
        .clone()
        .unwrap_or_else(setup::random_prefix);

    let mut watched: Vec<Watched> = Vec::new();
    watched.extend(args.server_pids.iter().map(|&pid| Watched {
        pid,
        role: Role::Server,
    }));
    watched.extend(args.redis_pids.iter().map(|&pid| Watched {
        pid,
        role: Role::Redis,
    }));
    watched.push(Watched {
        pid: std::process::id(),
        role: Role::Loadgen,
    });
    let at_start: Vec<Option<u64>> = watched.iter().map(|w| rss_kib(w.pid)).collect();

    progress(&format!("signing in {} users as {prefix}-N", args.users));
    let started = Instant::now();
    let users = setup::sign_in_all(&http, args, &prefix).await?;
    let sign_in_s = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let groups = setup::create_groups(&http, args, &users).await?;
    let groups_s = started.elapsed().as_secs_f64();
    progress(&format!(
        "{} users in {sign_in_s:.1} s, {} groups in {groups_s:.1} s; connecting",
        users.len(),
        groups.len()
    ));

    let sampler = RssSampler::start(&watched, Duration::from_millis(200));
    let before: Vec<Option<u64>> = watched.iter().map(|w| rss_kib(w.pid)).collect();

    let (sockets, connect) = connect_all(args, &users).await?;
    let made = connect.made;
    progress(&format!(
        "{made} of {} connected in {:.1} s",
        users.len(),
        connect.total_s
    ));
    // Let the connect phase's presence traffic settle before reading memory.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let after: Vec<Option<u64>> = watched.iter().map(|w| rss_kib(w.pid)).collect();

    let stats = Arc::new(Stats::default());
    let (senders, tasks) = spawn_all(args, &groups, sockets, &stats, clock);
    let per_group: Vec<Vec<mpsc::UnboundedSender<()>>> = groups
        .iter()
        .map(|g| {
            g.members
                .clone()
                .filter_map(|m| senders[m].clone())
                .collect()
        })
        .collect();
    let rig = Rig {
        clock,
        stats,
        order: Arc::new(send_order(&per_group)),
        watched: watched.clone(),
        sampler,
        http: http.clone(),
        servers: args.servers.clone(),
        warmup_s: args.warmup,
        duration_s: args.duration,
        drain_s: args.drain,
    };
    drop(per_group);

    let mut steps = Vec::new();
    let search = match args.find_max_rate {
        None => {
            progress(&format!("sending {} msgs/s", args.rate));
            steps.push(run_step(&rig, args.rate).await);
            None
        }
        Some(target) => Some(Search {
            p99_target_ms: target,
            best_rate: search(&rig, args, target, &mut steps, progress).await,
        }),
    };

    // Close: dropping every sender ends each connection's task.
    drop(rig);
    drop(senders);
    let _ = tokio::time::timeout(CLOSE_TIMEOUT, futures_util::future::join_all(tasks)).await;

    let memory = watched
        .iter()
        .zip(before.iter().zip(&after))
        .zip(&at_start)
        .map(|((w, (b, a)), s)| ProcessMemory {
            role: w.role,
            pid: w.pid,
            at_start_mib: s.map(|k| k as f64 / 1024.0),
            before_connect_mib: b.map(|k| k as f64 / 1024.0),
            after_connect_mib: a.map(|k| k as f64 / 1024.0),
            hwm_mib: hwm_kib(w.pid).map(|k| k as f64 / 1024.0),
        })
        .collect();
    let server_growth: Option<f64> = watched
        .iter()
        .zip(before.iter().zip(&after))
        .filter(|(w, _)| w.role == Role::Server)
        .map(|(_, (b, a))| Some(a.as_ref()?.saturating_sub(*b.as_ref()?) as f64))
        .sum();
    let server_kib_per_connection = server_growth
        .filter(|_| made > 0 && !args.server_pids.is_empty())
        .map(|kib| kib / made as f64);

    Ok(Report {
        label: args.label.clone(),
        machine: Machine::here(),
        servers: args.servers.len(),
        users: args.users,
        group_size: args.group_size,
        conversations: groups.len(),
        setup: Setup {
            sign_in_s,
            groups_s,
        },
        connect,
        memory,
        server_kib_per_connection,
        steps,
        search,
    })
}

/// Opens every user's WebSocket, `--connect-concurrency` at a time; returns the sockets
/// by user index (`None` where the handshake failed) and the connect figures.
async fn connect_all(
    args: &Args,
    users: &[setup::User],
) -> Result<(Vec<Option<conn::Socket>>, Connect)> {
    let started = Instant::now();
    let mut sockets: Vec<Option<conn::Socket>> = (0..users.len()).map(|_| None).collect();
    let mut handshakes = Histogram::<u64>::new_with_bounds(1, 600_000_000, 3)?;
    let mut first_error = None;
    let attempts = stream::iter(users)
        .map(|u| async move {
            let url = args.ws_url(u.index);
            (u.index, conn::connect(&url, &u.access_token).await)
        })
        .buffer_unordered(args.connect_concurrency)
        .collect::<Vec<_>>()
        .await;
    for (index, attempt) in attempts {
        match attempt {
            Ok((socket, took)) => {
                handshakes.saturating_record((took.as_micros() as u64).max(1));
                sockets[index] = Some(socket);
            }
            Err(e) => {
                first_error.get_or_insert_with(|| format!("{e:#}"));
            }
        }
    }
    let made = sockets.iter().filter(|s| s.is_some()).count();
    let connect = Connect {
        attempted: users.len(),
        made,
        failed: users.len() - made,
        first_error,
        total_s: started.elapsed().as_secs_f64(),
        handshake: Latency::of(&handshakes),
    };
    Ok((sockets, connect))
}

/// Starts one task per open socket; returns the channel that tells each user's task to
/// send (by user index) and the tasks.
fn spawn_all(
    args: &Args,
    groups: &[setup::Group],
    sockets: Vec<Option<conn::Socket>>,
    stats: &Arc<Stats>,
    clock: Clock,
) -> (
    Vec<Option<mpsc::UnboundedSender<()>>>,
    Vec<tokio::task::JoinHandle<()>>,
) {
    let mut senders: Vec<Option<mpsc::UnboundedSender<()>>> =
        (0..sockets.len()).map(|_| None).collect();
    let mut tasks = Vec::new();
    let mut group_of: Vec<Option<usize>> = vec![None; sockets.len()];
    for (g, group) in groups.iter().enumerate() {
        for member in group.members.clone() {
            group_of[member] = Some(g);
        }
    }
    // Each message should reach every connected member, its author included.
    let connected: Vec<bool> = sockets.iter().map(Option::is_some).collect();
    for (index, socket) in sockets.into_iter().enumerate() {
        let Some(socket) = socket else { continue };
        let group = group_of[index].map(|g| &groups[g]);
        let recipients = group.map_or(0, |g| {
            g.members.clone().filter(|&m| connected[m]).count() as u64
        });
        let (tx, rx) = mpsc::unbounded_channel();
        senders[index] = Some(tx);
        let sender = conn::Sender {
            conversation: group.map(|g| g.id.clone()),
            recipients,
            text_bytes: args.text_bytes,
            stats: Arc::clone(stats),
            clock,
        };
        tasks.push(tokio::spawn(conn::serve(socket, sender, rx)));
    }
    (senders, tasks)
}

/// Doubles the rate from `--rate` while steps pass, then bisects between the best pass
/// and the lowest failure until they are within 10 % (at most `--search-steps` steps).
async fn search(
    rig: &Rig,
    args: &Args,
    target: f64,
    steps: &mut Vec<report::Step>,
    progress: &(dyn Fn(&str) + Sync),
) -> Option<f64> {
    let mut rate = args.rate.round().max(1.0);
    let mut best: Option<f64> = None;
    let mut failed: Option<f64> = None;
    for _ in 0..args.search_steps {
        let step = run_step(rig, rate).await;
        let passed = step.passes(target);
        progress(&format!(
            "rate {rate:.0}: achieved {:.0}, p99 {:.2} ms, lost {} → {}",
            step.rate_achieved,
            step.delivery_latency.p99_ms,
            step.deliveries_lost,
            if passed { "pass" } else { "fail" }
        ));
        steps.push(step);
        if passed {
            best = Some(best.map_or(rate, |b: f64| b.max(rate)));
        } else {
            failed = Some(failed.map_or(rate, |f: f64| f.min(rate)));
        }
        rate = match (best, failed) {
            (_, None) => rate * 2.0,
            (None, Some(f)) => (f / 2.0).round().max(1.0),
            (Some(b), Some(f)) if f / b <= 1.1 => break,
            (Some(b), Some(f)) => ((b + f) / 2.0).round(),
        };
        // Let queues empty between steps.
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    best
}
