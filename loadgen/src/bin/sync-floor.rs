//! `sync-floor`: how long the disk takes to make an append durable, the floor under
//! every acknowledged message (docs/BENCHMARKS.md, round 7).
//!
//! With `appendfsync always` Redis appends to its AOF and calls `fdatasync` on its main
//! thread once per event-loop turn that wrote anything, and answers no one meanwhile.
//! This appends `--bytes` to a file in `--dir` and syncs it, every `--interval-ms`, for
//! `--seconds`, and reports the distribution of the syncs' durations and how many took
//! longer than 10, 50 and 150 ms. (A sync longer than about 150 ms delays more than 1 %
//! of a 10-second benchmark step by over 50 ms, whatever the rate.) The file is removed
//! afterwards.

use anyhow::{bail, Context, Result};
use clap::Parser;
use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

#[derive(Parser, Debug)]
#[command(
    name = "sync-floor",
    about = "Latency of append + fdatasync on this machine's disk"
)]
struct Args {
    /// Directory for the probe file (Redis's data directory in the benchmark is under
    /// the system's temporary directory).
    #[arg(long, default_value_os_t = std::env::temp_dir())]
    dir: PathBuf,
    /// Bytes appended before each sync (one event-loop turn of appends: about 700 bytes
    /// each).
    #[arg(long, default_value_t = 8 * 1024)]
    bytes: usize,
    /// Milliseconds between syncs.
    #[arg(long, default_value_t = 2)]
    interval_ms: u64,
    /// How long to probe.
    #[arg(long, default_value_t = 10.0)]
    seconds: f64,
}

fn main() -> Result<()> {
    let args = Args::parse();
    if args.bytes == 0 || !(args.seconds > 0.0 && args.seconds <= 3600.0) {
        bail!("--bytes must be positive and --seconds in (0, 3600]");
    }
    let path = args
        .dir
        .join(format!("tidings-sync-floor-{}.bin", std::process::id()));
    let result = probe(&args, &path);
    let _ = std::fs::remove_file(&path);
    let mut syncs = result?;
    if syncs.is_empty() {
        bail!("no sync finished in {} s", args.seconds);
    }
    syncs.sort_by(f64::total_cmp);
    let at = |q: f64| syncs[((syncs.len() - 1) as f64 * q).round() as usize];
    let over = |ms: f64| syncs.iter().filter(|&&s| s > ms).count();
    println!(
        "{} syncs of {} bytes in {} s: p50 {:.2} ms, p90 {:.2}, p99 {:.2}, p99.9 {:.2}, max {:.1}; over 10 ms {}, over 50 ms {}, over 150 ms {}",
        syncs.len(),
        args.bytes,
        args.seconds,
        at(0.5),
        at(0.9),
        at(0.99),
        at(0.999),
        at(1.0),
        over(10.0),
        over(50.0),
        over(150.0),
    );
    Ok(())
}

/// Appends and syncs until the time is up; the syncs' durations in milliseconds.
fn probe(args: &Args, path: &Path) -> Result<Vec<f64>> {
    let mut file = OpenOptions::new()
        .create_new(true)
        .append(true)
        .open(path)
        .with_context(|| format!("creating {}", path.display()))?;
    let payload = vec![b'x'; args.bytes];
    let interval = Duration::from_millis(args.interval_ms);
    let end = Instant::now() + Duration::from_secs_f64(args.seconds);
    let mut syncs = Vec::new();
    while Instant::now() < end {
        file.write_all(&payload).context("appending")?;
        let started = Instant::now();
        file.sync_data().context("fdatasync")?;
        syncs.push(started.elapsed().as_secs_f64() * 1e3);
        std::thread::sleep(interval);
    }
    Ok(syncs)
}
