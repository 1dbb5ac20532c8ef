//! Counters and latency histograms shared by every connection, for one measured window.
//!
//! All times are nanoseconds since one [`Clock`]'s origin in this process: the sender
//! writes its send instant into the message, and whichever connection of this process
//! receives the message reads the same clock, so latencies need no clock sync.
//!
//! A message belongs to the window when its send instant falls inside it; its deliveries
//! count whenever they arrive (until the drain ends). Messages sent during the warm-up,
//! or left over from an earlier search step, are ignored.

use hdrhistogram::Histogram;
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Instant;

/// Monotonic nanoseconds since the start of the run.
#[derive(Clone, Copy, Debug)]
pub struct Clock {
    origin: Instant,
}

impl Clock {
    /// A clock whose zero is now.
    pub fn start() -> Self {
        Self {
            origin: Instant::now(),
        }
    }

    /// Nanoseconds since the origin.
    pub fn now_ns(&self) -> u64 {
        u64::try_from(self.origin.elapsed().as_nanos()).unwrap_or(u64::MAX)
    }

    /// The instant `ns` nanoseconds after the origin.
    pub fn instant_at(&self, ns: u64) -> Instant {
        self.origin + std::time::Duration::from_nanos(ns)
    }
}

/// Latencies from 1 µs to 10 minutes, 3 significant digits.
fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 600_000_000, 3).expect("constant bounds are valid")
}

/// Shared counters of the current window.
pub struct Stats {
    window_start_ns: AtomicU64,
    window_end_ns: AtomicU64,
    sent: AtomicU64,
    expected: AtomicU64,
    received: AtomicU64,
    acked: AtomicU64,
    errors: Mutex<BTreeMap<String, u64>>,
    connections_lost: AtomicU64,
    /// Send → `event` on a member's connection, µs.
    delivery: Mutex<Histogram<u64>>,
    /// Send → `ack` on the sender's connection, µs.
    ack: Mutex<Histogram<u64>>,
}

/// Percentiles of one latency distribution, in milliseconds.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Latency {
    pub count: u64,
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p99_ms: f64,
    pub p999_ms: f64,
    pub max_ms: f64,
}

impl Latency {
    /// Percentiles of a histogram of microseconds.
    pub fn of(h: &Histogram<u64>) -> Self {
        let ms = |us: u64| us as f64 / 1000.0;
        Self {
            count: h.len(),
            p50_ms: ms(h.value_at_quantile(0.5)),
            p90_ms: ms(h.value_at_quantile(0.9)),
            p99_ms: ms(h.value_at_quantile(0.99)),
            p999_ms: ms(h.value_at_quantile(0.999)),
            max_ms: ms(h.max()),
        }
    }
}

/// The counters of a finished window.
#[derive(Clone, Debug, Default)]
pub struct Totals {
    pub sent: u64,
    pub expected: u64,
    pub received: u64,
    pub acked: u64,
    pub errors: BTreeMap<String, u64>,
    pub connections_lost: u64,
    pub delivery: Latency,
    pub ack: Latency,
}

impl Default for Stats {
    fn default() -> Self {
        Self {
            window_start_ns: AtomicU64::new(u64::MAX),
            window_end_ns: AtomicU64::new(u64::MAX),
            sent: AtomicU64::new(0),
            expected: AtomicU64::new(0),
            received: AtomicU64::new(0),
            acked: AtomicU64::new(0),
            errors: Mutex::new(BTreeMap::new()),
            connections_lost: AtomicU64::new(0),
            delivery: Mutex::new(histogram()),
            ack: Mutex::new(histogram()),
        }
    }
}

impl Stats {
    /// Starts a new window `[start_ns, end_ns)` with every counter at zero. Call it only
    /// while nothing is being sent.
    pub fn reset(&self, start_ns: u64, end_ns: u64) {
        self.window_start_ns.store(start_ns, Ordering::SeqCst);
        self.window_end_ns.store(end_ns, Ordering::SeqCst);
        for counter in [&self.sent, &self.expected, &self.received, &self.acked] {
            counter.store(0, Ordering::SeqCst);
        }
        if let Ok(mut errors) = self.errors.lock() {
            errors.clear();
        }
        for h in [&self.delivery, &self.ack] {
            if let Ok(mut h) = h.lock() {
                h.reset();
            }
        }
    }

    fn in_window(&self, send_ns: u64) -> bool {
        send_ns >= self.window_start_ns.load(Ordering::Relaxed)
            && send_ns < self.window_end_ns.load(Ordering::Relaxed)
    }

    /// A message left at `send_ns` for a conversation whose `recipients` connections
    /// should each receive it.
    pub fn on_sent(&self, send_ns: u64, recipients: u64) {
        if self.in_window(send_ns) {
            self.sent.fetch_add(1, Ordering::Relaxed);
            self.expected.fetch_add(recipients, Ordering::Relaxed);
        }
    }

    /// A message sent at `send_ns` arrived at `now_ns`.
    pub fn on_delivery(&self, send_ns: u64, now_ns: u64) {
        if self.in_window(send_ns) {
            self.received.fetch_add(1, Ordering::Relaxed);
            record(&self.delivery, send_ns, now_ns);
        }
    }

    /// The send made at `send_ns` was acknowledged at `now_ns`.
    pub fn on_ack(&self, send_ns: u64, now_ns: u64) {
        if self.in_window(send_ns) {
            self.acked.fetch_add(1, Ordering::Relaxed);
            record(&self.ack, send_ns, now_ns);
        }
    }

    /// The server answered a request with an error (counted by code, in any window).
    pub fn on_error(&self, code: &str) {
        if let Ok(mut errors) = self.errors.lock() {
            *errors.entry(code.to_owned()).or_insert(0) += 1;
        }
    }

    /// A connection ended during the run (counted over the whole run).
    pub fn on_connection_lost(&self) {
        self.connections_lost.fetch_add(1, Ordering::Relaxed);
    }

    /// Deliveries still missing from the window.
    pub fn outstanding(&self) -> u64 {
        self.expected
            .load(Ordering::SeqCst)
            .saturating_sub(self.received.load(Ordering::SeqCst))
    }

    /// The window's counters and percentiles.
    pub fn totals(&self) -> Totals {
        Totals {
            sent: self.sent.load(Ordering::SeqCst),
            expected: self.expected.load(Ordering::SeqCst),
            received: self.received.load(Ordering::SeqCst),
            acked: self.acked.load(Ordering::SeqCst),
            errors: self.errors.lock().map(|e| e.clone()).unwrap_or_default(),
            connections_lost: self.connections_lost.load(Ordering::SeqCst),
            delivery: self
                .delivery
                .lock()
                .map(|h| Latency::of(&h))
                .unwrap_or_default(),
            ack: self.ack.lock().map(|h| Latency::of(&h)).unwrap_or_default(),
        }
    }
}

fn record(h: &Mutex<Histogram<u64>>, send_ns: u64, now_ns: u64) {
    let us = (now_ns.saturating_sub(send_ns) / 1000).max(1);
    if let Ok(mut h) = h.lock() {
        h.saturating_record(us);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_messages_sent_inside_the_window_count() {
        let stats = Stats::default();
        stats.reset(1_000, 2_000);
        stats.on_sent(999, 3);
        stats.on_sent(1_000, 3);
        stats.on_sent(2_000, 3);
        stats.on_delivery(999, 5_000);
        stats.on_delivery(1_000, 1_001_000);
        let t = stats.totals();
        assert_eq!((t.sent, t.expected, t.received), (1, 3, 1));
        assert_eq!(stats.outstanding(), 2);
        assert_eq!(t.delivery.count, 1);
        assert!((t.delivery.max_ms - 1.0).abs() < 0.01, "{:?}", t.delivery);
    }
}
