//! The availability run (issue 9): real client cores chat in groups across server
//! instances on one redis-server while an instance is killed with SIGKILL every so often
//! (and started again a few seconds later, as an orchestrator would) and redis-server is
//! killed and restarted every so often. At the end every fault is undone, the cores catch
//! up, and the "nothing lost" check runs (`tidings_tests::chaos::check`).
//!
//! It reports the share of sends acknowledged within 1 s, the longest time any client
//! could not get a message through, and the verdict: human-readable, then one JSON line.
//! Exit status: 0 when nothing was lost and the availability goal (≥ 99.95 % within 1 s)
//! was met, 1 when something was lost, 2 when nothing was lost but the goal was missed,
//! 130 when interrupted (Ctrl-C stops every process it started and checks nothing).
//!
//! ```sh
//! scripts/chaos.sh --minutes 10    # docs/RELIABILITY.md
//! ```

use anyhow::{bail, Context, Result};
use serde::Serialize;
use std::time::{Duration, Instant};
use tidings_tests::chaos::{Chaos, ChaosConfig, Report, TrafficPlan};

/// The availability goal of issue 9.
const GOAL: f64 = 0.9995;

#[derive(Clone, Debug, Serialize)]
struct Args {
    minutes: f64,
    instances: usize,
    clients: usize,
    group_size: usize,
    /// Messages per second, all clients together.
    rate: f64,
    /// 0: never.
    instance_kill_every_secs: u64,
    instance_down_secs: u64,
    /// 0: never.
    redis_restart_every_secs: u64,
    redis_down_secs: u64,
    /// 0: never. One client's network at a time, in turn.
    blackhole_every_secs: u64,
    blackhole_secs: u64,
    settle_secs: u64,
}

const USAGE: &str = "chaos [--minutes M] [--instances N] [--clients N] [--group-size N] \
[--rate MSGS_PER_SEC] [--instance-kill-every-secs S] [--instance-down-secs S] \
[--redis-restart-every-secs S] [--redis-down-secs S] [--blackhole-every-secs S] \
[--blackhole-secs S] [--settle-secs S]";

fn args() -> Result<Args> {
    let mut args = Args {
        minutes: 10.0,
        instances: 2,
        clients: 8,
        group_size: 3,
        rate: 20.0,
        instance_kill_every_secs: 30,
        instance_down_secs: 3,
        redis_restart_every_secs: 180,
        redis_down_secs: 0,
        blackhole_every_secs: 0,
        blackhole_secs: 30,
        settle_secs: 60,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().with_context(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--minutes" => args.minutes = value()?.parse()?,
            "--instances" => args.instances = value()?.parse()?,
            "--clients" => args.clients = value()?.parse()?,
            "--group-size" => args.group_size = value()?.parse()?,
            "--rate" => args.rate = value()?.parse()?,
            "--instance-kill-every-secs" => args.instance_kill_every_secs = value()?.parse()?,
            "--instance-down-secs" => args.instance_down_secs = value()?.parse()?,
            "--redis-restart-every-secs" => args.redis_restart_every_secs = value()?.parse()?,
            "--redis-down-secs" => args.redis_down_secs = value()?.parse()?,
            "--blackhole-every-secs" => args.blackhole_every_secs = value()?.parse()?,
            "--blackhole-secs" => args.blackhole_secs = value()?.parse()?,
            "--settle-secs" => args.settle_secs = value()?.parse()?,
            "--help" | "-h" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => bail!("unknown argument {other}\nusage: {USAGE}"),
        }
    }
    if args.minutes <= 0.0 || args.rate <= 0.0 || args.clients == 0 || args.instances == 0 {
        bail!("--minutes, --rate, --clients and --instances must be positive");
    }
    Ok(args)
}

/// The JSON line: the run's settings, its faults and the report.
#[derive(Serialize)]
struct Summary<'a> {
    args: &'a Args,
    instance_kills: u64,
    redis_restarts: u64,
    blackholes: u64,
    acked_within_1s_share: f64,
    goal: f64,
    goal_met: bool,
    nothing_lost: bool,
    #[serde(flatten)]
    report: &'a Report,
}

/// The faults in flight and when each comes next.
struct Schedule {
    next_kill: Option<Instant>,
    next_redis: Option<Instant>,
    /// An instance down, and when it comes back.
    restart: Option<(usize, Instant)>,
    redis_back: Option<Instant>,
    next_blackhole: Option<Instant>,
    /// A client's network blackholed (no FIN, nothing forwarded), and when it heals.
    heal: Option<(usize, Instant)>,
    victim: usize,
    silenced: usize,
    instance_kills: u64,
    redis_restarts: u64,
    blackholes: u64,
}

impl Schedule {
    fn new(args: &Args, start: Instant) -> Self {
        let every = |secs: u64| (secs > 0).then(|| start + Duration::from_secs(secs));
        Self {
            next_kill: every(args.instance_kill_every_secs),
            next_redis: every(args.redis_restart_every_secs),
            restart: None,
            redis_back: None,
            next_blackhole: every(args.blackhole_every_secs),
            heal: None,
            victim: 0,
            silenced: 0,
            instance_kills: 0,
            redis_restarts: 0,
            blackholes: 0,
        }
    }

    /// Injects or undoes whatever is due now.
    fn step(&mut self, chaos: &mut Chaos, args: &Args, now: Instant) -> Result<()> {
        if let Some((i, at)) = self.restart {
            if now >= at {
                chaos.restart_instance(i)?;
                println!("  instance {i} restarted");
                self.restart = None;
            }
        }
        if self.redis_back.is_some_and(|at| now >= at) {
            chaos.start_redis()?;
            println!("  redis-server started again");
            self.redis_back = None;
        }
        if let Some(at) = self.next_kill.filter(|at| now >= *at) {
            // One instance down at a time: the next kill waits for the restart.
            if self.restart.is_none() {
                let i = self.victim;
                chaos.kill9_instance(i);
                println!("  instance {i} killed (SIGKILL)");
                self.restart = Some((i, now + Duration::from_secs(args.instance_down_secs)));
                self.victim = (i + 1) % chaos.instances();
                self.instance_kills += 1;
            }
            self.next_kill = Some(at + Duration::from_secs(args.instance_kill_every_secs));
        }
        if let Some((i, at)) = self.heal {
            if now >= at {
                chaos.proxy(i).heal();
                println!("  client {i}'s network healed");
                self.heal = None;
            }
        }
        if let Some(at) = self.next_blackhole.filter(|at| now >= *at) {
            if self.heal.is_none() {
                let i = self.silenced;
                chaos.proxy(i).blackhole();
                println!(
                    "  client {i}'s network blackholed (no FIN) for {} s",
                    args.blackhole_secs
                );
                self.heal = Some((i, now + Duration::from_secs(args.blackhole_secs)));
                self.silenced = (i + 1) % chaos.clients();
                self.blackholes += 1;
            }
            self.next_blackhole = Some(at + Duration::from_secs(args.blackhole_every_secs));
        }
        if let Some(at) = self.next_redis.filter(|at| now >= *at) {
            if self.redis_back.is_none() {
                chaos.kill9_redis();
                println!("  redis-server killed (SIGKILL)");
                self.redis_restarts += 1;
                if args.redis_down_secs == 0 {
                    chaos.start_redis()?;
                    println!("  redis-server started again");
                } else {
                    self.redis_back = Some(now + Duration::from_secs(args.redis_down_secs));
                }
            }
            self.next_redis = Some(at + Duration::from_secs(args.redis_restart_every_secs));
        }
        Ok(())
    }
}

#[tokio::main]
async fn main() -> Result<()> {
    let args = args()?;
    let every = |secs: u64, down: u64| match secs {
        0 => "never".to_string(),
        s => format!("every {s} s (down {down} s)"),
    };
    println!(
        "chaos: {} min, {} instance(s), {} clients in groups of {}, {} msg/s; \
         SIGKILL an instance {}, redis-server {}, blackhole a client {}",
        args.minutes,
        args.instances,
        args.clients,
        args.group_size,
        args.rate,
        every(args.instance_kill_every_secs, args.instance_down_secs),
        every(args.redis_restart_every_secs, args.redis_down_secs),
        every(args.blackhole_every_secs, args.blackhole_secs),
    );
    let mut chaos = Chaos::start(ChaosConfig {
        instances: args.instances,
        clients: args.clients,
        group_size: args.group_size,
        ..ChaosConfig::default()
    })
    .await?;
    let duration = Duration::from_secs_f64(args.minutes * 60.0);
    let per_client_rate = args.rate / args.clients as f64;
    let traffic = chaos.start_traffic(TrafficPlan {
        per_client_rate,
        // A bound well above what the run can send.
        max_per_client: (per_client_rate * duration.as_secs_f64() * 2.0) as u64 + 100,
    });

    let start = Instant::now();
    let mut schedule = Schedule::new(&args, start);
    let mut next_progress = start + Duration::from_secs(30);
    loop {
        let now = Instant::now();
        if now >= start + duration {
            break;
        }
        schedule.step(&mut chaos, &args, now)?;
        if now >= next_progress {
            let (quick, longest) = chaos.ledger.latency(Duration::from_secs(1), now);
            println!(
                "{:>4} s: {} sent, {} acknowledged, {} within 1 s, longest wait {:.1} s",
                now.duration_since(start).as_secs(),
                chaos.ledger.len(),
                chaos.ledger.acked(),
                quick,
                longest.as_secs_f64()
            );
            next_progress += Duration::from_secs(30);
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_millis(100)) => {}
            _ = tokio::signal::ctrl_c() => {
                // Everything this run started is stopped by PID on the way out.
                println!("interrupted; stopping everything");
                traffic.stop().await;
                chaos.shutdown().await;
                std::process::exit(130);
            }
        }
    }
    let queued = traffic.stop().await;
    if let Some((i, _)) = schedule.heal.take() {
        chaos.proxy(i).heal();
        println!("  client {i}'s network healed");
    }
    println!("traffic stopped after {queued} messages; settling and checking");
    let report = chaos
        .settle_and_check(Duration::from_secs(args.settle_secs))
        .await?;
    chaos.shutdown().await;

    let share = report.acked_within_1s_share();
    let summary = Summary {
        args: &args,
        instance_kills: schedule.instance_kills,
        redis_restarts: schedule.redis_restarts,
        blackholes: schedule.blackholes,
        acked_within_1s_share: share,
        goal: GOAL,
        goal_met: share >= GOAL,
        nothing_lost: report.nothing_lost(),
        report: &report,
    };
    println!(
        "faults: {} instance kill(s), {} redis-server restart(s), {} blackhole(s)",
        schedule.instance_kills, schedule.redis_restarts, schedule.blackholes
    );
    println!("{report}");
    println!(
        "availability: {:.3} % of sends acknowledged within 1 s (goal {:.2} %: {})",
        share * 100.0,
        GOAL * 100.0,
        if summary.goal_met { "met" } else { "NOT met" }
    );
    println!("{}", serde_json::to_string(&summary)?);
    std::process::exit(match (summary.nothing_lost, summary.goal_met) {
        (false, _) => 1,
        (true, false) => 2,
        (true, true) => 0,
    })
}
