//! Write pacing: when this instance delivers many frames a second, each connection writes
//! at most once per pause, so frames that arrive close together share one `write`.
//!
//! A write to a socket costs about 5 µs of CPU on loopback whatever its size, and the
//! reader pays as much again per read (docs/BENCHMARKS.md, "The floor"): at high rates,
//! one write per frame is most of what a delivery costs. Pacing trades a little latency
//! for that, and only when it pays: below the threshold every frame is written as soon
//! as it is queued, and even above it the first frame after a quiet spell goes after a
//! short [`GATHER`] (the pause follows a write; the gather only lets frames that arrive
//! together, such as an `ack` and the event it caused, share it).
//!
//! Pacing needs three things at once ([`Thresholds`]):
//! - a busy instance;
//! - busy connections: when each gets only a few frames a second, a pause rarely finds
//!   a second frame to share the write, and would only add latency;
//! - a host short of CPU (tasks waiting for a CPU, see [`crate::cpu_pressure`]): with
//!   CPU to spare, the CPU a pause saves shortens no queue, and the pause is pure
//!   latency. With too little, it is what keeps queues short.
//!
//! The fan-out counts what it routes ([`WritePacing::count`]) and re-decides every
//! [`WINDOW`]; writers read the current pause ([`WritePacing::pause`]).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// How often the rate is measured and the pause re-decided.
pub const WINDOW: Duration = Duration::from_millis(250);

/// While paced, how long a writer woken by a frame waits for the frames that come with
/// it before writing (an `ack` and the event it caused arrive together), so that they
/// share the write instead of the second waiting out the pause.
pub const GATHER: Duration = Duration::from_millis(2);

/// When pacing starts. It stops when any measure falls below three quarters of its
/// threshold, so a load near a line does not flap.
#[derive(Clone, Copy, Debug)]
pub struct Thresholds {
    /// Frames a second this instance delivers.
    pub per_sec: u64,
    /// Frames a second per connection, on average.
    pub per_connection: u64,
    /// Share of the time (0.0–1.0) some task waits for a CPU; 0 = not considered.
    pub cpu_pressure: f64,
}

/// Shared handle: the fan-out sets the pause, every connection's writer reads it.
#[derive(Clone)]
pub struct WritePacing {
    inner: Arc<Inner>,
}

struct Inner {
    /// The current pause after a write, in microseconds (0 = none).
    pause_us: AtomicU64,
    /// Frames routed since the last decision.
    routed: AtomicU64,
    /// The pause used while pacing.
    pause: Duration,
    thresholds: Thresholds,
    /// What writes carry (`tidings_frames_sent_total` ÷ `tidings_socket_writes_total`),
    /// looked up once rather than in the metrics registry at every write.
    frames_sent: metrics::Counter,
    socket_writes: metrics::Counter,
}

impl WritePacing {
    /// Pacing that pauses `pause` between a connection's writes while the `thresholds`
    /// are met. A zero pause disables it.
    pub fn new(pause: Duration, thresholds: Thresholds) -> Self {
        Self {
            inner: Arc::new(Inner {
                pause_us: AtomicU64::new(0),
                routed: AtomicU64::new(0),
                pause,
                thresholds,
                frames_sent: metrics::counter!("tidings_frames_sent_total"),
                socket_writes: metrics::counter!("tidings_socket_writes_total"),
            }),
        }
    }

    /// The pause a writer takes after each write, if any.
    pub fn pause(&self) -> Option<Duration> {
        match self.inner.pause_us.load(Ordering::Relaxed) {
            0 => None,
            us => Some(Duration::from_micros(us)),
        }
    }

    /// Counts one write to a socket carrying `frames` frames.
    pub fn count_write(&self, frames: usize) {
        self.inner.frames_sent.increment(frames as u64);
        self.inner.socket_writes.increment(1);
    }

    /// Counts frames handed to connections.
    pub fn count(&self, frames: u64) {
        self.inner.routed.fetch_add(frames, Ordering::Relaxed);
    }

    /// Re-decides from the frames counted over `elapsed`, routed to `connections`, and
    /// the CPU pressure over that time (`None`: unknown, decided on the rates alone).
    pub fn decide(&self, elapsed: Duration, connections: usize, cpu_pressure: Option<f64>) {
        let inner = &self.inner;
        let routed = inner.routed.swap(0, Ordering::Relaxed);
        if inner.pause.is_zero() || elapsed.is_zero() {
            return;
        }
        let per_sec = routed as f64 / elapsed.as_secs_f64();
        let per_connection = per_sec / connections.max(1) as f64;
        let pacing = inner.pause_us.load(Ordering::Relaxed) != 0;
        let share = if pacing { 0.75 } else { 1.0 };
        let t = &inner.thresholds;
        let pace = per_sec >= t.per_sec as f64 * share
            && per_connection >= t.per_connection as f64 * share
            && cpu_pressure.is_none_or(|p| p >= t.cpu_pressure * share);
        if pace != pacing {
            tracing::debug!(
                per_sec,
                per_connection,
                ?cpu_pressure,
                pace,
                "write pacing changed"
            );
            metrics::gauge!("tidings_write_pacing").set(if pace { 1.0 } else { 0.0 });
        }
        let us = if pace {
            inner.pause.as_micros().max(1) as u64
        } else {
            0
        };
        inner.pause_us.store(us, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAUSE: Duration = Duration::from_millis(10);

    const THRESHOLDS: Thresholds = Thresholds {
        per_sec: 1_000,
        per_connection: 100,
        cpu_pressure: 0.5,
    };

    /// Five connections: 1,000 frames a second is 200 per connection, above that line.
    const CONNECTIONS: usize = 5;

    /// CPU pressure well above the threshold.
    const SHORT_OF_CPU: Option<f64> = Some(0.9);

    #[test]
    fn paces_from_the_threshold_and_stops_below_three_quarters_of_it() {
        let pacing = WritePacing::new(PAUSE, THRESHOLDS);
        pacing.count(999);
        pacing.decide(Duration::from_secs(1), CONNECTIONS, SHORT_OF_CPU);
        assert_eq!(pacing.pause(), None, "below the threshold");
        pacing.count(1_000);
        pacing.decide(Duration::from_secs(1), CONNECTIONS, SHORT_OF_CPU);
        assert_eq!(pacing.pause(), Some(PAUSE), "at the threshold");
        pacing.count(800);
        pacing.decide(Duration::from_secs(1), CONNECTIONS, SHORT_OF_CPU);
        assert_eq!(pacing.pause(), Some(PAUSE), "still above three quarters");
        pacing.count(700);
        pacing.decide(Duration::from_secs(1), CONNECTIONS, SHORT_OF_CPU);
        assert_eq!(pacing.pause(), None, "below three quarters");
    }

    #[test]
    fn many_quiet_connections_are_not_paced() {
        let pacing = WritePacing::new(PAUSE, THRESHOLDS);
        pacing.count(10_000);
        pacing.decide(Duration::from_secs(1), 1_000, SHORT_OF_CPU);
        assert_eq!(pacing.pause(), None, "10 frames a second per connection");
        pacing.count(10_000);
        pacing.decide(Duration::from_secs(1), 200, SHORT_OF_CPU);
        assert_eq!(pacing.pause(), None, "50 frames a second per connection");
        pacing.count(10_000);
        pacing.decide(Duration::from_secs(1), 100, SHORT_OF_CPU);
        assert_eq!(
            pacing.pause(),
            Some(PAUSE),
            "100 frames a second per connection"
        );
    }

    #[test]
    fn a_host_with_cpu_to_spare_is_not_paced() {
        let pacing = WritePacing::new(PAUSE, THRESHOLDS);
        pacing.count(2_000);
        pacing.decide(Duration::from_secs(1), CONNECTIONS, Some(0.49));
        assert_eq!(pacing.pause(), None, "busy, but CPU to spare");
        pacing.count(2_000);
        pacing.decide(Duration::from_secs(1), CONNECTIONS, Some(0.5));
        assert_eq!(pacing.pause(), Some(PAUSE), "short of CPU");
        pacing.count(2_000);
        pacing.decide(Duration::from_secs(1), CONNECTIONS, Some(0.4));
        assert_eq!(pacing.pause(), Some(PAUSE), "pacing eased the pressure");
        pacing.count(2_000);
        pacing.decide(Duration::from_secs(1), CONNECTIONS, Some(0.3));
        assert_eq!(pacing.pause(), None, "below three quarters of it");
    }

    #[test]
    fn unknown_pressure_or_a_zero_threshold_leaves_it_to_the_rates() {
        let pacing = WritePacing::new(PAUSE, THRESHOLDS);
        pacing.count(2_000);
        pacing.decide(Duration::from_secs(1), CONNECTIONS, None);
        assert_eq!(pacing.pause(), Some(PAUSE), "no pressure information");
        let ignoring = WritePacing::new(
            PAUSE,
            Thresholds {
                cpu_pressure: 0.0,
                ..THRESHOLDS
            },
        );
        ignoring.count(2_000);
        ignoring.decide(Duration::from_secs(1), CONNECTIONS, Some(0.0));
        assert_eq!(ignoring.pause(), Some(PAUSE), "pressure not considered");
    }

    #[test]
    fn the_rate_is_per_window_not_cumulative() {
        let pacing = WritePacing::new(PAUSE, THRESHOLDS);
        pacing.count(300);
        pacing.decide(Duration::from_millis(250), CONNECTIONS, SHORT_OF_CPU);
        assert_eq!(pacing.pause(), Some(PAUSE), "300 in 250 ms is 1,200/s");
        pacing.decide(Duration::from_millis(250), CONNECTIONS, SHORT_OF_CPU);
        assert_eq!(pacing.pause(), None, "nothing since");
    }

    #[test]
    fn a_zero_pause_never_paces() {
        let pacing = WritePacing::new(
            Duration::ZERO,
            Thresholds {
                per_sec: 1,
                per_connection: 0,
                cpu_pressure: 0.0,
            },
        );
        pacing.count(1_000_000);
        pacing.decide(Duration::from_secs(1), 1, SHORT_OF_CPU);
        assert_eq!(pacing.pause(), None);
    }
}
