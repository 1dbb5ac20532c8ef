//! What a soak watches, read every few seconds: each server's and Redis's resident memory,
//! open descriptors, threads and CPU time (from /proc), and from Redis its key count,
//! clients and presence bookkeeping.
//!
//! The server exposes no connection or task gauge, so "tasks flat" is read as threads and
//! descriptors flat: every connection holds one descriptor, and a task that outlived its
//! connection would hold its socket.

use crate::procfs::{cpu_secs, rss_kib, Role};
use anyhow::{Context, Result};
use serde::Serialize;
use std::time::{Duration, Instant};

/// Redis key prefix of every presence key (`store/keys.rs`): per user a device zset
/// `tidings:presence:<uid>` and a states hash `…:states`, and one agenda zset.
const PRESENCE_PATTERN: &str = "tidings:presence:*";
/// The presence sweep's agenda (users by earliest device expiry).
const PRESENCE_AGENDA: &str = "tidings:presence:expiring";
/// How long one Redis reading may take before the sample goes without it.
const REDIS_TIMEOUT: Duration = Duration::from_secs(10);

/// One watched process at one instant.
#[derive(Clone, Debug, Serialize)]
pub struct ProcessSample {
    pub role: Role,
    pub pid: u32,
    /// `None` once the process is gone.
    pub rss_kib: Option<u64>,
    pub fds: Option<u64>,
    pub threads: Option<u64>,
    pub cpu_s: Option<f64>,
}

/// Redis at one instant.
#[derive(Clone, Debug, Default, Serialize)]
pub struct RedisSample {
    pub dbsize: u64,
    /// `connected_clients` (the servers' command and pub/sub connections, and ours).
    pub clients: u64,
    /// Users with a device zset (`tidings:presence:<uid>`).
    pub presence_users: u64,
    /// Devices over all those zsets (connections Redis believes are live).
    pub presence_devices: u64,
    /// Every presence key (device zsets, state hashes and the agenda).
    pub presence_keys: u64,
    /// Users in the sweep's agenda.
    pub presence_agenda: u64,
}

impl RedisSample {
    /// "3 users, 4 devices, 3 in the agenda": presence as the criteria and progress
    /// lines show it.
    pub fn presence(&self) -> String {
        format!(
            "{} users, {} devices, {} in the agenda",
            self.presence_users, self.presence_devices, self.presence_agenda
        )
    }

    /// Whether presence (users, devices and agenda) is as in `target`.
    pub fn presence_as_in(&self, target: &RedisSample) -> bool {
        self.presence_users == target.presence_users
            && self.presence_devices == target.presence_devices
            && self.presence_agenda == target.presence_agenda
    }
}

/// Presence as `sample` read it, or "not read".
pub fn presence_of(sample: &Sample) -> String {
    sample
        .redis
        .as_ref()
        .map_or_else(|| "not read".to_owned(), RedisSample::presence)
}

/// Everything read at one instant.
#[derive(Clone, Debug, Serialize)]
pub struct Sample {
    /// Seconds since the soak started.
    pub at_s: f64,
    /// What the driver was doing (`baseline`, `hold`, `after`, …).
    pub phase: String,
    /// Connections the driver holds open.
    pub open: u64,
    pub processes: Vec<ProcessSample>,
    pub redis: Option<RedisSample>,
}

impl Sample {
    /// The readings of the process `pid`.
    pub fn process(&self, pid: u32) -> Option<&ProcessSample> {
        self.processes.iter().find(|p| p.pid == pid)
    }
}

/// Reads samples of the watched processes and Redis.
pub struct Sampler {
    started: Instant,
    watched: Vec<(Role, u32)>,
    redis: redis::aio::MultiplexedConnection,
}

fn count_fds(pid: u32) -> Option<u64> {
    Some(std::fs::read_dir(format!("/proc/{pid}/fd")).ok()?.count() as u64)
}

fn threads(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("Threads:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Reads one process now.
pub fn read_process(role: Role, pid: u32) -> ProcessSample {
    ProcessSample {
        role,
        pid,
        rss_kib: rss_kib(pid),
        fds: count_fds(pid),
        threads: threads(pid),
        cpu_s: cpu_secs(pid),
    }
}

impl Sampler {
    /// Connects to Redis at `redis_url`; `watched` are the processes to read.
    pub async fn connect(redis_url: &str, watched: Vec<(Role, u32)>) -> Result<Self> {
        let client = redis::Client::open(redis_url).context("the Redis URL")?;
        let redis = tokio::time::timeout(REDIS_TIMEOUT, client.get_multiplexed_async_connection())
            .await
            .context("connecting to Redis timed out")?
            .context("connecting to Redis")?;
        Ok(Self {
            started: Instant::now(),
            watched,
            redis,
        })
    }

    /// Seconds since the sampler started.
    pub fn elapsed_s(&self) -> f64 {
        self.started.elapsed().as_secs_f64()
    }

    /// A clone of the Redis connection, for other readings.
    pub fn redis(&self) -> redis::aio::MultiplexedConnection {
        self.redis.clone()
    }

    /// Reads everything now.
    pub async fn sample(&self, phase: &str, open: u64) -> Sample {
        let processes = self
            .watched
            .iter()
            .map(|&(role, pid)| read_process(role, pid))
            .collect();
        let redis = tokio::time::timeout(REDIS_TIMEOUT, read_redis(self.redis.clone()))
            .await
            .ok()
            .and_then(Result::ok);
        Sample {
            at_s: self.elapsed_s(),
            phase: phase.to_owned(),
            open,
            processes,
            redis,
        }
    }

    /// Samples every `every` until presence (users, devices and agenda) is back to
    /// `target`'s, or `bound` passes; returns the last sample and whether it got there.
    pub async fn wait_for_presence(
        &self,
        target: &RedisSample,
        open: u64,
        every: Duration,
        bound: Duration,
        progress: &(dyn Fn(&str) + Sync),
    ) -> (Sample, bool) {
        let deadline = Instant::now() + bound;
        loop {
            let sample = self.sample("settle", open).await;
            let back = sample
                .redis
                .as_ref()
                .is_some_and(|r| r.presence_as_in(target));
            if back || Instant::now() >= deadline {
                return (sample, back);
            }
            if let Some(r) = &sample.redis {
                progress(&format!(
                    "waiting for presence: {} (target {})",
                    r.presence(),
                    target.presence()
                ));
            }
            tokio::time::sleep(every).await;
        }
    }
}

async fn read_redis(mut conn: redis::aio::MultiplexedConnection) -> Result<RedisSample> {
    let dbsize: u64 = redis::cmd("DBSIZE").query_async(&mut conn).await?;
    let info: String = redis::cmd("INFO")
        .arg("clients")
        .query_async(&mut conn)
        .await?;
    let clients = info
        .lines()
        .find_map(|l| l.strip_prefix("connected_clients:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    let mut keys: Vec<String> = Vec::new();
    let mut cursor: u64 = 0;
    // Bounded: SCAN visits each key at most a few times; 100,000 rounds of 1,000 is far
    // more than any run here holds.
    for _ in 0..100_000 {
        let (next, batch): (u64, Vec<String>) = redis::cmd("SCAN")
            .arg(cursor)
            .arg("MATCH")
            .arg(PRESENCE_PATTERN)
            .arg("COUNT")
            .arg(1000)
            .query_async(&mut conn)
            .await?;
        keys.extend(batch);
        cursor = next;
        if cursor == 0 {
            break;
        }
    }
    keys.sort();
    keys.dedup();
    let device_sets: Vec<&String> = keys
        .iter()
        .filter(|k| k.as_str() != PRESENCE_AGENDA && !k.ends_with(":states"))
        .collect();
    let mut devices = 0u64;
    for chunk in device_sets.chunks(1000) {
        let mut pipe = redis::pipe();
        for key in chunk {
            pipe.cmd("ZCARD").arg(key.as_str());
        }
        let counts: Vec<u64> = pipe.query_async(&mut conn).await?;
        devices += counts.iter().sum::<u64>();
    }
    let agenda: u64 = redis::cmd("ZCARD")
        .arg(PRESENCE_AGENDA)
        .query_async(&mut conn)
        .await?;
    Ok(RedisSample {
        dbsize,
        clients,
        presence_users: device_sets.len() as u64,
        presence_devices: devices,
        presence_keys: keys.len() as u64,
        presence_agenda: agenda,
    })
}
