//! CPU time and memory of the processes under load, read from `/proc`.
//!
//! CPU time (user + system, all threads) is steadier than wall-clock throughput on a
//! shared machine: divided by the deliveries it bought, it says what one delivery costs.

use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What a watched process is, for the report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Server,
    Redis,
    Loadgen,
}

/// One process to watch.
#[derive(Clone, Copy, Debug)]
pub struct Watched {
    pub pid: u32,
    pub role: Role,
}

/// Clock ticks per second of `/proc/*/stat` times (`getconf CLK_TCK`, 100 on Linux).
fn clock_ticks() -> f64 {
    static TICKS: std::sync::OnceLock<f64> = std::sync::OnceLock::new();
    *TICKS.get_or_init(|| {
        std::process::Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|out| String::from_utf8(out.stdout).ok())
            .and_then(|s| s.trim().parse::<f64>().ok())
            .filter(|t| *t > 0.0)
            .unwrap_or(100.0)
    })
}

/// User + system CPU seconds a process has used so far (all its threads).
pub fn cpu_secs(pid: u32) -> Option<f64> {
    stat_cpu_secs(&format!("/proc/{pid}/stat"))
}

/// User + system CPU seconds the calling thread has used so far.
pub fn thread_cpu_secs() -> Option<f64> {
    stat_cpu_secs("/proc/thread-self/stat")
}

fn stat_cpu_secs(path: &str) -> Option<f64> {
    let stat = std::fs::read_to_string(path).ok()?;
    // The command name (field 2) may hold spaces and parentheses: fields are counted
    // from the last ')'. After it come field 3 (state) onwards; utime and stime are
    // fields 14 and 15.
    let rest = &stat[stat.rfind(')')? + 1..];
    let mut fields = rest.split_whitespace().skip(11);
    let utime: u64 = fields.next()?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some((utime + stime) as f64 / clock_ticks())
}

/// A `kB` line of `/proc/PID/status` (`VmRSS`, `VmHWM`), in KiB.
fn status_kib(pid: u32, key: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with(key))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Resident memory now, in KiB.
pub fn rss_kib(pid: u32) -> Option<u64> {
    status_kib(pid, "VmRSS:")
}

/// Peak resident memory since the process started (`VmHWM`), in KiB.
pub fn hwm_kib(pid: u32) -> Option<u64> {
    status_kib(pid, "VmHWM:")
}

/// CPU seconds the whole machine has spent busy (all cores; everything but idle and
/// I/O wait) and stolen by the hypervisor, from `/proc/stat`.
pub fn machine_cpu_secs() -> Option<(f64, f64)> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let line = stat.lines().find(|l| l.starts_with("cpu "))?;
    let ticks: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .filter_map(|t| t.parse().ok())
        .collect();
    // user nice system idle iowait irq softirq steal (guest time is inside user).
    let [user, nice, system, _idle, _iowait, irq, softirq, steal, ..] = ticks[..] else {
        return None;
    };
    let busy = user + nice + system + irq + softirq;
    Some((busy as f64 / clock_ticks(), steal as f64 / clock_ticks()))
}

/// CPU seconds of every watched process at one instant.
pub fn cpu_snapshot(watched: &[Watched]) -> Vec<Option<f64>> {
    watched.iter().map(|w| cpu_secs(w.pid)).collect()
}

/// Samples every watched process's RSS a few times a second and keeps the highest seen
/// since the last [`RssSampler::reset`] (VmHWM cannot be reset, and includes the sign-up
/// phase's Argon2 buffers).
pub struct RssSampler {
    peaks: Arc<Mutex<BTreeMap<u32, u64>>>,
    task: tokio::task::JoinHandle<()>,
}

impl RssSampler {
    /// Starts sampling every `every`.
    pub fn start(watched: &[Watched], every: Duration) -> Self {
        let peaks = Arc::new(Mutex::new(BTreeMap::new()));
        let pids: Vec<u32> = watched.iter().map(|w| w.pid).collect();
        let shared = Arc::clone(&peaks);
        let task = tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            loop {
                tick.tick().await;
                let now: Vec<(u32, u64)> = pids
                    .iter()
                    .filter_map(|&pid| Some((pid, rss_kib(pid)?)))
                    .collect();
                if let Ok(mut peaks) = shared.lock() {
                    for (pid, kib) in now {
                        let peak = peaks.entry(pid).or_insert(0);
                        *peak = (*peak).max(kib);
                    }
                }
            }
        });
        Self { peaks, task }
    }

    /// Forgets the peaks seen so far.
    pub fn reset(&self) {
        if let Ok(mut peaks) = self.peaks.lock() {
            peaks.clear();
        }
    }

    /// The highest RSS sampled for `pid` since the last reset, in KiB.
    pub fn peak_kib(&self, pid: u32) -> Option<u64> {
        self.peaks.lock().ok()?.get(&pid).copied()
    }
}

impl Drop for RssSampler {
    fn drop(&mut self) {
        self.task.abort();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_this_process() {
        let pid = std::process::id();
        assert!(cpu_secs(pid).is_some());
        assert!(rss_kib(pid).is_some_and(|k| k > 0));
        assert!(hwm_kib(pid).is_some_and(|k| k > 0));
        assert!(machine_cpu_secs().is_some_and(|(busy, _)| busy > 0.0));
    }
}
