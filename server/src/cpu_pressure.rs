//! How much of the time this server's tasks wait for a CPU: Linux's pressure stall
//! information (PSI), the share of wall time during which at least one runnable task had
//! no CPU to run on.
//!
//! Write pacing uses it to tell a busy instance that is short of CPU (where a pause that
//! saves CPU shortens every queue) from one that is busy but has CPU to spare (where a
//! pause would only add latency).
//!
//! It is read from the process's own cgroup (`cpu.pressure`, cgroup v2), so that in a
//! container it reflects the container's share, and otherwise from the whole host
//! (`/proc/pressure/cpu`). Where neither exists (not Linux, or a kernel without PSI),
//! [`CpuPressure::open`] returns `None`.

use std::path::{Path, PathBuf};
use std::time::Duration;

/// Reads the stall counter of one PSI file and turns successive readings into shares.
pub struct CpuPressure {
    path: PathBuf,
    /// The counter at the previous reading, in microseconds.
    last_total_us: u64,
    /// The share so far, each reading weighing half (a quarter-second reading then
    /// counts for about a second): one busy moment should not start pacing.
    smoothed: Option<f64>,
}

impl CpuPressure {
    /// Finds this process's CPU pressure file, or `None` where there is none.
    pub fn open() -> Option<Self> {
        let cgroup = std::fs::read_to_string("/proc/self/cgroup")
            .ok()
            .and_then(|text| cgroup_v2_path(&text).map(str::to_owned))
            .map(|path| Path::new("/sys/fs/cgroup").join(path.trim_start_matches('/')));
        let candidates = cgroup
            .map(|dir| dir.join("cpu.pressure"))
            .into_iter()
            .chain([PathBuf::from("/proc/pressure/cpu")]);
        for path in candidates {
            if let Some(total) = read_total_us(&path) {
                return Some(Self {
                    path,
                    last_total_us: total,
                    smoothed: None,
                });
            }
        }
        None
    }

    /// Where the pressure is read from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The share of the time (0.0–1.0) during which some task waited for a CPU, over the
    /// `elapsed` time since the previous call blended with the earlier readings; `None`
    /// if the file could not be read.
    pub fn sample(&mut self, elapsed: Duration) -> Option<f64> {
        let total = read_total_us(&self.path)?;
        let stalled = total.saturating_sub(self.last_total_us);
        self.last_total_us = total;
        let elapsed_us = elapsed.as_micros();
        if elapsed_us == 0 {
            return None;
        }
        let now = (stalled as f64 / elapsed_us as f64).min(1.0);
        let smoothed = self.smoothed.map_or(now, |before| (before + now) / 2.0);
        self.smoothed = Some(smoothed);
        Some(smoothed)
    }
}

fn read_total_us(path: &Path) -> Option<u64> {
    parse_some_total_us(&std::fs::read_to_string(path).ok()?)
}

/// The `total=` counter of the `some` line of a PSI file
/// (`some avg10=1.00 avg60=0.50 avg300=0.10 total=123456`).
fn parse_some_total_us(text: &str) -> Option<u64> {
    let line = text.lines().find(|l| l.starts_with("some "))?;
    line.split_whitespace()
        .find_map(|field| field.strip_prefix("total="))?
        .parse()
        .ok()
}

/// The cgroup v2 path in `/proc/self/cgroup` (the `0::` line), if any.
fn cgroup_v2_path(text: &str) -> Option<&str> {
    text.lines().find_map(|l| l.strip_prefix("0::"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stall_counter_is_read_from_the_some_line() {
        let text = "some avg10=43.19 avg60=36.27 avg300=36.26 total=8909339100\n\
                    full avg10=0.00 avg60=0.00 avg300=0.00 total=17\n";
        assert_eq!(parse_some_total_us(text), Some(8_909_339_100));
        assert_eq!(parse_some_total_us("full avg10=0.00 total=17\n"), None);
        assert_eq!(parse_some_total_us("some avg10=0.00 total=x\n"), None);
        assert_eq!(parse_some_total_us(""), None);
    }

    #[test]
    fn the_cgroup_v2_path_is_the_zero_line() {
        let hybrid = "4:memory:/a/b\n1:cpu:/\n0::/system.slice/tidings.service\n";
        assert_eq!(
            cgroup_v2_path(hybrid),
            Some("/system.slice/tidings.service")
        );
        assert_eq!(cgroup_v2_path("4:memory:/a\n1:cpu:/\n"), None);
    }

    #[test]
    fn successive_readings_give_the_share_of_time_stalled_smoothed() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("cpu.pressure");
        let write = |total: u64| {
            std::fs::write(
                &path,
                format!("some avg10=0.00 avg60=0.00 avg300=0.00 total={total}\n"),
            )
            .expect("write")
        };
        write(1_000_000);
        let mut pressure = CpuPressure {
            path: path.clone(),
            last_total_us: 1_000_000,
            smoothed: None,
        };
        write(1_125_000);
        let share = pressure
            .sample(Duration::from_millis(250))
            .expect("readable");
        assert!((share - 0.5).abs() < 1e-9, "{share}");
        write(1_125_000);
        assert_eq!(
            pressure.sample(Duration::from_millis(250)),
            Some(0.25),
            "a quiet quarter-second halves it"
        );
        std::fs::remove_file(&path).expect("remove");
        assert_eq!(pressure.sample(Duration::from_millis(250)), None);
    }
}
