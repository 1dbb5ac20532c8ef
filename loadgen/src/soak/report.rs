//! A soak's outcome: the samples as a table for people, and one JSON line with each pass
//! criterion evaluated.

use super::sample::{ProcessSample, Sample};
use crate::procfs::Role;
use crate::report::Machine;
use serde::Serialize;
use std::fmt::Write as _;

/// One pass criterion, evaluated.
#[derive(Clone, Debug, Serialize)]
pub struct Criterion {
    pub name: String,
    /// What was measured, for people (`+1.8 % (41.2 → 41.9 MiB)`).
    pub measured: String,
    /// What passing requires (`≤ 5 %`).
    pub required: String,
    pub pass: bool,
}

impl Criterion {
    pub fn new(name: &str, measured: String, required: &str, pass: bool) -> Self {
        Self {
            name: name.to_owned(),
            measured,
            required: required.to_owned(),
            pass,
        }
    }
}

/// Everything one soak found.
#[derive(Clone, Debug, Serialize)]
pub struct SoakReport {
    /// `soak-idle`, `churn` or `storm`.
    pub mode: String,
    pub label: String,
    pub machine: Machine,
    pub servers: usize,
    pub users: usize,
    /// `/proc/loadavg` when the soak started and ended (other work on the machine).
    pub load_at_start: String,
    pub load_at_end: String,
    /// Users signed in by this run (the others' tokens came from the cache).
    pub signed_in: usize,
    pub sign_in_s: f64,
    /// The mode's own figures (resume times, connects made, pings seen, …).
    pub figures: serde_json::Value,
    /// The sample every comparison starts from.
    pub baseline: Option<Sample>,
    /// The sample every comparison ends at.
    pub last: Option<Sample>,
    pub criteria: Vec<Criterion>,
    pub pass: bool,
    /// Every sample, for the table (left out of the JSON line).
    #[serde(skip)]
    pub samples: Vec<Sample>,
}

/// `/proc/loadavg`'s first three fields.
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

fn mib(kib: Option<u64>) -> String {
    kib.map_or_else(|| "-".to_owned(), |k| format!("{:.1}", k as f64 / 1024.0))
}

fn num(v: Option<u64>) -> String {
    v.map_or_else(|| "-".to_owned(), |v| v.to_string())
}

fn process_cells(p: Option<&ProcessSample>) -> String {
    match p {
        Some(p) => format!(
            "{:>8} {:>6} {:>4}",
            mib(p.rss_kib),
            num(p.fds),
            num(p.threads)
        ),
        None => format!("{:>8} {:>6} {:>4}", "-", "-", "-"),
    }
}

/// At most `max` samples: the first, the last, every phase change, and evenly between.
fn rows(samples: &[Sample], max: usize) -> Vec<&Sample> {
    let step = samples.len().div_ceil(max.max(1)).max(1);
    samples
        .iter()
        .enumerate()
        .filter(|(i, s)| {
            *i == 0 || *i + 1 == samples.len() || i % step == 0 || samples[i - 1].phase != s.phase
        })
        .map(|(_, s)| s)
        .collect()
}

/// What a soak mode hands [`SoakReport::new`]: its own findings; the rest (the machine,
/// the load at the end, the verdict) is read or worked out there.
pub struct Findings {
    pub load_at_start: String,
    pub figures: serde_json::Value,
    pub baseline: Sample,
    pub last: Sample,
    pub criteria: Vec<Criterion>,
    pub samples: Vec<Sample>,
}

impl SoakReport {
    /// The report of a `mode` run: it passes when every criterion does.
    pub fn new(
        mode: &str,
        common: &super::args::Common,
        accounts: &super::accounts::Accounts,
        findings: Findings,
    ) -> Self {
        let pass = findings.criteria.iter().all(|c| c.pass);
        Self {
            mode: mode.into(),
            label: common.label.clone(),
            machine: Machine::here(),
            servers: common.servers.len(),
            users: common.users,
            load_at_start: findings.load_at_start,
            load_at_end: load_average(),
            signed_in: accounts.signed_in,
            sign_in_s: accounts.sign_in_s,
            figures: findings.figures,
            baseline: Some(findings.baseline),
            last: Some(findings.last),
            criteria: findings.criteria,
            pass,
            samples: findings.samples,
        }
    }

    /// The table for people.
    pub fn human(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "{} {:?}: {} users on {} server(s); {} cores ({}); load {} at start, {} at end",
            self.mode,
            self.label,
            self.users,
            self.servers,
            self.machine.cores,
            self.machine.cpu_model,
            self.load_at_start,
            self.load_at_end
        );
        let _ = writeln!(
            out,
            "sign-in: {} users in {:.1} s (the rest from the token cache)",
            self.signed_in, self.sign_in_s
        );
        let pids: Vec<(Role, u32)> = self
            .samples
            .first()
            .map(|s| s.processes.iter().map(|p| (p.role, p.pid)).collect())
            .unwrap_or_default();
        let mut header = format!("{:>8} {:<9} {:>6}", "t (s)", "phase", "open");
        for (role, pid) in &pids {
            let name = match role {
                Role::Server => "server",
                Role::Redis => "redis",
                Role::Loadgen => "loadgen",
            };
            let _ = write!(header, " | {name} {pid:<7} MiB/fds/thr");
        }
        let _ = write!(header, " | dbsize  clients  pres.users devices agenda");
        let _ = writeln!(out, "{header}");
        for s in rows(&self.samples, 40) {
            let mut line = format!("{:>8.1} {:<9} {:>6}", s.at_s, s.phase, s.open);
            for (_, pid) in &pids {
                let _ = write!(line, " | {:>22}", process_cells(s.process(*pid)));
            }
            match &s.redis {
                Some(r) => {
                    let _ = write!(
                        line,
                        " | {:>6} {:>8} {:>11} {:>7} {:>6}",
                        r.dbsize,
                        r.clients,
                        r.presence_users,
                        r.presence_devices,
                        r.presence_agenda
                    );
                }
                None => line.push_str(" | (Redis not read)"),
            }
            let _ = writeln!(out, "{line}");
        }
        if let Ok(figures) = serde_json::to_string_pretty(&self.figures) {
            let _ = writeln!(out, "figures: {figures}");
        }
        for c in &self.criteria {
            let _ = writeln!(
                out,
                "{} {:<34} {} (required {})",
                if c.pass { "PASS" } else { "FAIL" },
                c.name,
                c.measured,
                c.required
            );
        }
        let _ = writeln!(out, "verdict: {}", if self.pass { "pass" } else { "FAIL" });
        out
    }

    /// One JSON line (without the sample table).
    pub fn json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    }
}

/// The median RSS of `pid` over `samples`, in MiB.
fn median_rss_mib(samples: &[Sample], pid: u32) -> Option<f64> {
    let mut kib: Vec<u64> = samples
        .iter()
        .filter_map(|s| s.process(pid)?.rss_kib)
        .collect();
    kib.sort_unstable();
    Some(*kib.get(kib.len() / 2)? as f64 / 1024.0)
}

/// The change of `pid`'s RSS from the samples `a` to the samples `b` (the median of
/// each, so one reading taken while the allocator holds a transient peak does not decide
/// the verdict), in % of `a`, and both in MiB.
pub fn rss_change(a: &[Sample], b: &[Sample], pid: u32) -> Option<(f64, f64, f64)> {
    let before = median_rss_mib(a, pid)?;
    let after = median_rss_mib(b, pid)?;
    if before <= 0.0 {
        return None;
    }
    Some(((after - before) / before * 100.0, before, after))
}

/// `b − a` of a per-process count (`fds`, `threads`).
pub fn count_change(
    a: &Sample,
    b: &Sample,
    pid: u32,
    field: fn(&ProcessSample) -> Option<u64>,
) -> Option<(i64, u64, u64)> {
    let before = field(a.process(pid)?)?;
    let after = field(b.process(pid)?)?;
    Some((after as i64 - before as i64, before, after))
}
