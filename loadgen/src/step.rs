//! One measured window: pace the sends, read CPU at the window's edges, drain, count.

use crate::args::secs;
use crate::procfs::{cpu_snapshot, machine_cpu_secs, Role, RssSampler, Watched};
use crate::report::{Cpu, ProcessPeak, Step};
use crate::server_metrics;
use crate::stats::{Clock, Stats};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc::UnboundedSender;

/// Everything a step needs from the connected run.
pub struct Rig {
    pub clock: Clock,
    pub stats: Arc<Stats>,
    /// One entry per send slot, in the order the pacer walks them (see `send_order`).
    pub order: Arc<Vec<UnboundedSender<()>>>,
    pub watched: Vec<Watched>,
    pub sampler: RssSampler,
    /// For the servers' `/metrics`.
    pub http: reqwest::Client,
    pub servers: Vec<String>,
    pub warmup_s: f64,
    pub duration_s: f64,
    pub drain_s: f64,
}

/// Tells the connections in `order` to send, round-robin, `rate` messages a second for
/// `total`; returns how many it asked for. When it falls behind (this process is
/// short of CPU) it catches up in a burst, and the step reports the achieved rate.
async fn pace(order: Arc<Vec<UnboundedSender<()>>>, rate: f64, total: Duration) -> u64 {
    if order.is_empty() {
        return 0;
    }
    let started = tokio::time::Instant::now();
    let goal = (rate * total.as_secs_f64()) as u64;
    let deadline = started + total + Duration::from_secs(10);
    let mut tick = tokio::time::interval(Duration::from_millis(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut asked = 0u64;
    let mut next = 0usize;
    while asked < goal && tokio::time::Instant::now() < deadline {
        tick.tick().await;
        let due = ((started.elapsed().as_secs_f64() * rate) as u64).min(goal);
        while asked < due {
            let _ = order[next].send(());
            next = (next + 1) % order.len();
            asked += 1;
        }
    }
    asked
}

fn sum_role(watched: &[Watched], before: &[Option<f64>], after: &[Option<f64>], role: Role) -> f64 {
    watched
        .iter()
        .zip(before.iter().zip(after))
        .filter(|(w, _)| w.role == role)
        .filter_map(|(_, (b, a))| Some((*a)? - (*b)?))
        .sum()
}

/// Runs one window at `rate` messages/s: warm-up, measured window, drain.
pub async fn run_step(rig: &Rig, rate: f64) -> Step {
    let warmup = secs(rig.warmup_s);
    let duration = secs(rig.duration_s);
    let t0 = rig.clock.now_ns();
    let start_ns = t0 + warmup.as_nanos() as u64;
    let end_ns = start_ns + duration.as_nanos() as u64;
    rig.stats.reset(start_ns, end_ns);
    let pacer = tokio::spawn(pace(Arc::clone(&rig.order), rate, warmup + duration));

    tokio::time::sleep_until(rig.clock.instant_at(start_ns).into()).await;
    rig.sampler.reset();
    let cpu_before = cpu_snapshot(&rig.watched);
    let machine_before = machine_cpu_secs();
    let writes_before = server_metrics::writes(&rig.http, &rig.servers).await;
    tokio::time::sleep_until(rig.clock.instant_at(end_ns).into()).await;
    let cpu_after = cpu_snapshot(&rig.watched);
    let machine_after = machine_cpu_secs();
    let writes_after = server_metrics::writes(&rig.http, &rig.servers).await;
    let frames_per_write = match (writes_before, writes_after) {
        (Some(before), Some(after)) => after.frames_per_write_since(&before),
        _ => None,
    };
    let peak_rss = rig
        .watched
        .iter()
        .filter_map(|w| {
            Some(ProcessPeak {
                role: w.role,
                pid: w.pid,
                mib: rig.sampler.peak_kib(w.pid)? as f64 / 1024.0,
            })
        })
        .collect();
    let _ = pacer.await;

    let drain_until = tokio::time::Instant::now() + secs(rig.drain_s);
    while rig.stats.outstanding() > 0 && tokio::time::Instant::now() < drain_until {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let totals = rig.stats.totals();

    let per_delivery = |s: f64| {
        if totals.received == 0 {
            0.0
        } else {
            s * 1e6 / totals.received as f64
        }
    };
    let servers_s = sum_role(&rig.watched, &cpu_before, &cpu_after, Role::Server);
    let redis_s = sum_role(&rig.watched, &cpu_before, &cpu_after, Role::Redis);
    let loadgen_s = sum_role(&rig.watched, &cpu_before, &cpu_after, Role::Loadgen);
    let (busy_s, steal_s) = match (machine_before, machine_after) {
        (Some((b0, s0)), Some((b1, s1))) => (b1 - b0, s1 - s0),
        _ => (0.0, 0.0),
    };
    let cores = |s: f64| s / rig.duration_s;
    Step {
        rate_target: rate,
        rate_achieved: totals.sent as f64 / rig.duration_s,
        warmup_s: rig.warmup_s,
        duration_s: rig.duration_s,
        messages_sent: totals.sent,
        messages_acked: totals.acked,
        deliveries_expected: totals.expected,
        deliveries_received: totals.received,
        deliveries_lost: totals.expected as i64 - totals.received as i64,
        deliveries_per_s: totals.received as f64 / rig.duration_s,
        delivery_latency: totals.delivery,
        ack_latency: totals.ack,
        errors: totals.errors,
        connections_lost: totals.connections_lost,
        cpu: Cpu {
            servers_s,
            redis_s,
            loadgen_s,
            servers_us_per_delivery: per_delivery(servers_s),
            redis_us_per_delivery: per_delivery(redis_s),
            server_and_redis_us_per_delivery: per_delivery(servers_s + redis_s),
            loadgen_us_per_delivery: per_delivery(loadgen_s),
            machine_busy_cores: cores(busy_s),
            other_cores: cores((busy_s - servers_s - redis_s - loadgen_s).max(0.0)),
            steal_cores: cores(steal_s),
        },
        peak_rss,
        frames_per_write,
    }
}

/// The order the pacer walks the senders: the first member of every group, then the
/// second of every group, and so on, so that each group's messages are spread evenly
/// over time instead of arriving in bursts. `groups` lists each group's sending members.
pub fn send_order<T: Clone>(groups: &[Vec<T>]) -> Vec<T> {
    let longest = groups.iter().map(Vec::len).max().unwrap_or(0);
    (0..longest)
        .flat_map(|position| groups.iter().filter_map(move |g| g.get(position).cloned()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn send_order_interleaves_groups() {
        let groups = vec![vec![0, 1, 2], vec![3, 4, 5], vec![6, 7]];
        assert_eq!(send_order(&groups), vec![0, 3, 6, 1, 4, 7, 2, 5]);
    }
}
