//! What a run found: a table for people and one JSON line for scripts.

use crate::procfs::Role;
use crate::stats::Latency;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// Everything one invocation measured.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub label: String,
    pub machine: Machine,
    pub servers: usize,
    pub users: usize,
    pub group_size: usize,
    pub conversations: usize,
    pub setup: Setup,
    pub connect: Connect,
    /// Memory of each watched process around the connect phase.
    pub memory: Vec<ProcessMemory>,
    /// Growth of the servers' RSS over the connect phase, per connection made, in KiB.
    pub server_kib_per_connection: Option<f64>,
    /// One entry per measured window (several when searching for the highest rate).
    pub steps: Vec<Step>,
    /// The search's outcome, when `--find-max-rate` was given.
    pub search: Option<Search>,
}

/// Where the run ran.
#[derive(Clone, Debug, Serialize)]
pub struct Machine {
    pub cores: usize,
    pub cpu_model: String,
}

impl Machine {
    /// This machine: core count and `/proc/cpuinfo`'s model name.
    pub fn here() -> Self {
        let cpu_model = std::fs::read_to_string("/proc/cpuinfo")
            .ok()
            .and_then(|info| {
                info.lines()
                    .find(|l| l.starts_with("model name"))
                    .and_then(|l| l.split(':').nth(1))
                    .map(|m| m.trim().to_owned())
            })
            .unwrap_or_default();
        Self {
            cores: std::thread::available_parallelism().map_or(0, |n| n.get()),
            cpu_model,
        }
    }
}

/// Time spent before anything is measured.
#[derive(Clone, Debug, Serialize)]
pub struct Setup {
    /// Registering (or signing in) every user.
    pub sign_in_s: f64,
    /// Creating the groups.
    pub groups_s: f64,
}

/// The connect phase: every WebSocket handshake up to its `hello`.
#[derive(Clone, Debug, Serialize)]
pub struct Connect {
    pub attempted: usize,
    pub made: usize,
    pub failed: usize,
    /// The first failure's message, if any.
    pub first_error: Option<String>,
    /// Wall time to open them all (`--connect-concurrency` at a time).
    pub total_s: f64,
    /// One handshake's time.
    pub handshake: Latency,
}

/// One process's memory, in MiB.
#[derive(Clone, Debug, Serialize)]
pub struct ProcessMemory {
    pub role: Role,
    pub pid: u32,
    /// Before any user signed in.
    pub at_start_mib: Option<f64>,
    /// After sign-in and group creation (Argon2 hashing may leave the heap larger).
    pub before_connect_mib: Option<f64>,
    pub after_connect_mib: Option<f64>,
    /// `VmHWM` at the end of the run (includes the sign-up phase).
    pub hwm_mib: Option<f64>,
}

/// One measured window at one rate.
#[derive(Clone, Debug, Serialize)]
pub struct Step {
    pub rate_target: f64,
    /// Messages sent in the window per second (below the target when this process
    /// could not keep up).
    pub rate_achieved: f64,
    pub warmup_s: f64,
    pub duration_s: f64,
    pub messages_sent: u64,
    pub messages_acked: u64,
    pub deliveries_expected: u64,
    pub deliveries_received: u64,
    /// Expected minus received after the drain (negative: duplicates).
    pub deliveries_lost: i64,
    pub deliveries_per_s: f64,
    /// Send → `event` on each member's connection.
    pub delivery_latency: Latency,
    /// Send → `ack` on the sender's connection.
    pub ack_latency: Latency,
    /// Error replies by code, during the step (warm-up included).
    pub errors: BTreeMap<String, u64>,
    /// Connections that ended since the run started.
    pub connections_lost: u64,
    pub cpu: Cpu,
    /// Highest RSS sampled during the step, per process.
    pub peak_rss: Vec<ProcessPeak>,
    /// Frames per socket write on the servers during the window, from their
    /// `/metrics` (write pacing raises it); `None` when a server's metrics were not
    /// readable.
    pub frames_per_write: Option<f64>,
}

/// CPU seconds used during the window, and per delivery received.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Cpu {
    pub servers_s: f64,
    pub redis_s: f64,
    pub loadgen_s: f64,
    pub servers_us_per_delivery: f64,
    pub redis_us_per_delivery: f64,
    /// Servers and Redis together: the figure the target is set on.
    pub server_and_redis_us_per_delivery: f64,
    pub loadgen_us_per_delivery: f64,
    /// Cores the whole machine kept busy during the window, on average.
    pub machine_busy_cores: f64,
    /// Of those, cores busy with processes other than the watched ones (other work on a
    /// shared machine: when this is high, latencies are not this server's alone).
    pub other_cores: f64,
    /// Cores stolen by the hypervisor.
    pub steal_cores: f64,
}

/// One process's highest sampled RSS in a step.
#[derive(Clone, Debug, Serialize)]
pub struct ProcessPeak {
    pub role: Role,
    pub pid: u32,
    pub mib: f64,
}

/// Outcome of `--find-max-rate`.
#[derive(Clone, Debug, Serialize)]
pub struct Search {
    pub p99_target_ms: f64,
    /// The highest rate that passed (no loss, p99 under the target, rate achieved).
    pub best_rate: Option<f64>,
}

impl Step {
    /// Whether this step meets a p99 target with nothing lost and the rate achieved.
    pub fn passes(&self, p99_target_ms: f64) -> bool {
        self.deliveries_lost == 0
            && self.deliveries_expected > 0
            && self.delivery_latency.p99_ms <= p99_target_ms
            && self.rate_achieved >= 0.95 * self.rate_target
    }
}

fn mib(v: Option<f64>) -> String {
    v.map_or_else(|| "-".to_owned(), |m| format!("{m:.1}"))
}

impl Report {
    /// The table for people.
    pub fn human(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "run {:?}: {} users on {} server(s), {} conversations of {}; {} cores ({})",
            self.label,
            self.users,
            self.servers,
            self.conversations,
            self.group_size,
            self.machine.cores,
            self.machine.cpu_model
        );
        let _ = writeln!(
            out,
            "setup              sign-in {:.1} s, groups {:.1} s (not measured)",
            self.setup.sign_in_s, self.setup.groups_s
        );
        let c = &self.connect;
        let _ = writeln!(
            out,
            "connections        {} of {} in {:.2} s; handshake p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms{}",
            c.made,
            c.attempted,
            c.total_s,
            c.handshake.p50_ms,
            c.handshake.p99_ms,
            c.handshake.max_ms,
            c.first_error
                .as_ref()
                .map(|e| format!("; first failure: {e}"))
                .unwrap_or_default()
        );
        for m in &self.memory {
            let _ = writeln!(
                out,
                "memory {:<11} pid {}: RSS {} MiB at start, {} MiB after sign-in, {} MiB connected, peak (VmHWM) {} MiB",
                format!("{:?}", m.role).to_lowercase(),
                m.pid,
                mib(m.at_start_mib),
                mib(m.before_connect_mib),
                mib(m.after_connect_mib),
                mib(m.hwm_mib)
            );
        }
        if let Some(kib) = self.server_kib_per_connection {
            let _ = writeln!(out, "servers' RSS       +{kib:.1} KiB per connection");
        }
        let _ = writeln!(
            out,
            "\n{:>8} {:>8} {:>8} {:>10} {:>10} {:>6} {:>9} {:>7} {:>7} {:>7} {:>7} {:>7} {:>7} {:>8} {:>8} {:>8}",
            "rate", "achieved", "sent", "expected", "received", "lost", "deliv/s",
            "p50", "p90", "p99", "p99.9", "max", "ack p99", "srv µs/d", "rds µs/d", "lg µs/d"
        );
        for s in &self.steps {
            let l = &s.delivery_latency;
            let _ = writeln!(
                out,
                "{:>8.0} {:>8.0} {:>8} {:>10} {:>10} {:>6} {:>9.0} {:>7.2} {:>7.2} {:>7.2} {:>7.2} {:>7.1} {:>7.2} {:>8.2} {:>8.2} {:>8.2}",
                s.rate_target,
                s.rate_achieved,
                s.messages_sent,
                s.deliveries_expected,
                s.deliveries_received,
                s.deliveries_lost,
                s.deliveries_per_s,
                l.p50_ms,
                l.p90_ms,
                l.p99_ms,
                l.p999_ms,
                l.max_ms,
                s.ack_latency.p99_ms,
                s.cpu.servers_us_per_delivery,
                s.cpu.redis_us_per_delivery,
                s.cpu.loadgen_us_per_delivery,
            );
        }
        let _ = writeln!(out, "(latencies in ms; µs/d = CPU µs per delivery)");
        for (i, s) in self.steps.iter().enumerate() {
            let peaks: Vec<String> = s
                .peak_rss
                .iter()
                .map(|p| format!("{:?} {} {:.1} MiB", p.role, p.pid, p.mib).to_lowercase())
                .collect();
            let _ = writeln!(
                out,
                "step {}: ack p50 {:.2} ms, max {:.1} ms; frames per write {}; CPU servers {:.2} s, redis {:.2} s, loadgen {:.2} s; machine busy {:.2} cores, others {:.2}, steal {:.2}; peak RSS {}; errors {:?}; connections lost {}",
                i + 1,
                s.ack_latency.p50_ms,
                s.ack_latency.max_ms,
                s.frames_per_write
                    .map(|f| format!("{f:.2}"))
                    .unwrap_or_else(|| "unknown".into()),
                s.cpu.servers_s,
                s.cpu.redis_s,
                s.cpu.loadgen_s,
                s.cpu.machine_busy_cores,
                s.cpu.other_cores,
                s.cpu.steal_cores,
                peaks.join(", "),
                s.errors,
                s.connections_lost
            );
        }
        if let Some(search) = &self.search {
            let _ = writeln!(
                out,
                "highest rate with p99 ≤ {} ms and no loss: {}",
                search.p99_target_ms,
                search
                    .best_rate
                    .map_or_else(|| "none passed".to_owned(), |r| format!("{r:.0} msgs/s"))
            );
        }
        out
    }

    /// The single JSON line.
    pub fn json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    }
}
