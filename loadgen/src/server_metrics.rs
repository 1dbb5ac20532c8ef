//! The servers' own counters (`/metrics`), read at a window's edges: how many frames each
//! socket write carried, which is what write pacing changes and what a delivery's CPU
//! cost follows (docs/BENCHMARKS.md, "The floor").

use std::time::Duration;

/// Frames written and writes made, summed over every server.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Writes {
    pub frames: f64,
    pub writes: f64,
}

impl Writes {
    /// Frames per write between `before` and `self`; `None` when nothing was written.
    pub fn frames_per_write_since(&self, before: &Writes) -> Option<f64> {
        let writes = self.writes - before.writes;
        (writes > 0.0).then(|| (self.frames - before.frames) / writes)
    }
}

/// Reads every server's write counters; `None` if any server did not answer (a server
/// whose metrics are unreachable must not make the figure look better or worse).
pub async fn writes(http: &reqwest::Client, servers: &[String]) -> Option<Writes> {
    let mut total = Writes::default();
    for base in servers {
        let text = http
            .get(format!("{}/metrics", base.trim_end_matches('/')))
            .timeout(Duration::from_secs(5))
            .send()
            .await
            .ok()?
            .error_for_status()
            .ok()?
            .text()
            .await
            .ok()?;
        total.frames += counter(&text, "tidings_frames_sent_total")?;
        total.writes += counter(&text, "tidings_socket_writes_total")?;
    }
    Some(total)
}

/// An unlabelled counter's value in Prometheus text; 0 when the server has not counted
/// any yet (the exporter lists a counter only once it exists).
fn counter(text: &str, name: &str) -> Option<f64> {
    match text
        .lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' '))
    {
        Some(value) => value.trim().parse().ok(),
        None => Some(0.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_are_read_from_prometheus_text() {
        let text = "# TYPE tidings_frames_sent_total counter\n\
                    tidings_frames_sent_total 1200\n\
                    tidings_frames_sent_total_other 5\n\
                    tidings_socket_writes_total 400\n";
        assert_eq!(counter(text, "tidings_frames_sent_total"), Some(1200.0));
        assert_eq!(counter(text, "tidings_socket_writes_total"), Some(400.0));
        assert_eq!(counter(text, "tidings_missing_total"), Some(0.0));
        assert_eq!(
            counter(
                "tidings_socket_writes_total x\n",
                "tidings_socket_writes_total"
            ),
            None
        );
    }

    #[test]
    fn frames_per_write_is_taken_over_the_window() {
        let before = Writes {
            frames: 100.0,
            writes: 100.0,
        };
        let after = Writes {
            frames: 400.0,
            writes: 200.0,
        };
        assert_eq!(after.frames_per_write_since(&before), Some(3.0));
        assert_eq!(before.frames_per_write_since(&before), None);
    }
}
