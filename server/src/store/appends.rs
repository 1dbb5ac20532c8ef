//! Group commit of log appends: one script call, and so one AOF sync, for the appends
//! that queued up while the instance's calls were in flight.
//!
//! With `appendfsync always` Redis syncs its AOF once per event-loop turn, and a turn
//! rarely held more than one or two of our appends (1.7 at 2,000 msgs/s), so most of
//! Redis's time went to syncing and to starting the script. Here appends that arrive
//! while the instance's calls are in flight wait and then go together. A lone append
//! goes at once, so a quiet server answers as fast as before. Durability is unchanged:
//! each append's reply (and so its ack) comes after the sync that covers it.
//!
//! Up to `--append-calls-in-flight` calls (4 by default) are in flight at once,
//! pipelined on the one connection; Redis runs them in the order they were sent. With a
//! single call in flight, an instance could append at most [`MAX_BATCH`] per round
//! trip: on a loaded host round trips grew, the queue reached the cap and appends
//! waited for several calls (at 13,000 msgs/s most of an append's time was that wait;
//! docs/BENCHMARKS.md, round 7). A sender's own messages cannot overtake each other:
//! its connection's next frame is read only once the previous one is answered.

use super::Scripts;
use crate::error::{AppError, AppResult};
use futures_util::stream::{FuturesUnordered, StreamExt};
use redis::aio::ConnectionManager;
use std::sync::Arc;
use std::time::Instant;
use tokio::sync::{mpsc, oneshot};

/// At most this many appends share one script call. It bounds how long one call keeps
/// Redis busy (tens of microseconds per append) and the size of its reply.
const MAX_BATCH: usize = 64;

/// Appends waiting for a call; senders wait when this many are queued.
const MAX_QUEUED: usize = 4096;

/// The keys and arguments of one append, in the order scripts/append.lua reads them.
pub(super) struct AppendRecord {
    /// Six keys, or nine when the append changes the membership.
    pub(super) keys: Vec<String>,
    pub(super) args: Vec<String>,
}

/// The script's answer for one append, before it is read as an outcome.
pub(super) type RawOutcome = [i64; 4];

struct Pending {
    record: AppendRecord,
    reply: oneshot::Sender<AppResult<RawOutcome>>,
    queued: Instant,
}

/// Handle to this instance's append queue; clone freely. The queue's task ends when
/// the last handle is dropped.
#[derive(Clone)]
pub(super) struct AppendQueue {
    tx: mpsc::Sender<Pending>,
}

impl AppendQueue {
    /// Starts the task that runs the queued appends on `conn`, with up to `in_flight`
    /// script calls sent and not yet answered.
    pub(super) fn start(conn: ConnectionManager, scripts: Arc<Scripts>, in_flight: usize) -> Self {
        let (tx, rx) = mpsc::channel(MAX_QUEUED);
        tokio::spawn(run(conn, scripts, rx, in_flight.max(1)));
        Self { tx }
    }

    /// Runs one append with whatever else is queued; returns the script's four numbers.
    pub(super) async fn submit(&self, record: AppendRecord) -> AppResult<RawOutcome> {
        let (reply, answer) = oneshot::channel();
        let stopped = || AppError::Internal("the append queue has stopped".into());
        self.tx
            .send(Pending {
                record,
                reply,
                queued: Instant::now(),
            })
            .await
            .map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }
}

/// Where an append's time goes, for telling a slow Redis from a busy server: under
/// load the wait before the call, not the call, made most of an append's latency
/// (docs/BENCHMARKS.md, round 7).
struct AppendMetrics {
    /// From `submit` until a call takes the append.
    wait: metrics::Histogram,
    /// From sending a call until Redis's reply has been read.
    call: metrics::Histogram,
    calls: metrics::Counter,
    appends: metrics::Counter,
}

async fn run(
    conn: ConnectionManager,
    scripts: Arc<Scripts>,
    mut rx: mpsc::Receiver<Pending>,
    max_in_flight: usize,
) {
    let metrics = Arc::new(AppendMetrics {
        wait: metrics::histogram!("tidings_append_wait_seconds"),
        call: metrics::histogram!("tidings_append_call_seconds"),
        calls: metrics::counter!("tidings_append_calls_total"),
        appends: metrics::counter!("tidings_appends_total"),
    });
    let mut in_flight = FuturesUnordered::new();
    let mut batch = Vec::with_capacity(MAX_BATCH);
    loop {
        tokio::select! {
            received = rx.recv_many(&mut batch, MAX_BATCH), if in_flight.len() < max_in_flight => {
                if received == 0 {
                    break;
                }
                let taken = std::mem::replace(&mut batch, Vec::with_capacity(MAX_BATCH));
                in_flight.push(call(conn.clone(), scripts.clone(), metrics.clone(), taken));
            }
            Some(()) = in_flight.next(), if !in_flight.is_empty() => {}
        }
    }
    // Every handle is gone; answer what was already sent.
    while in_flight.next().await.is_some() {}
}

/// One script call for `batch`; answers each append when Redis replies.
async fn call(
    mut conn: ConnectionManager,
    scripts: Arc<Scripts>,
    metrics: Arc<AppendMetrics>,
    mut batch: Vec<Pending>,
) {
    let mut invocation = scripts.append.prepare_invoke();
    for pending in &batch {
        metrics.wait.record(pending.queued.elapsed().as_secs_f64());
        let record = &pending.record;
        for key in &record.keys {
            invocation.key(key);
        }
        invocation.arg(record.args.len());
        for arg in &record.args {
            invocation.arg(arg);
        }
    }
    let sent = Instant::now();
    let reply: Result<Vec<i64>, AppError> = invocation
        .invoke_async(&mut conn)
        .await
        .map_err(AppError::from);
    metrics.call.record(sent.elapsed().as_secs_f64());
    metrics.calls.increment(1);
    metrics.appends.increment(batch.len() as u64);
    answer_all(&mut batch, reply);
}

/// Hands each waiting append its four numbers (or the call's error), in queue order.
fn answer_all(batch: &mut Vec<Pending>, reply: AppResult<Vec<i64>>) {
    let reply = reply.and_then(|numbers| split_reply(&numbers, batch.len()));
    match reply {
        Ok(outcomes) => {
            for (pending, outcome) in batch.drain(..).zip(outcomes) {
                // The caller may have gone (its connection closed); the append stands.
                let _ = pending.reply.send(Ok(outcome));
            }
        }
        Err(e) => {
            for pending in batch.drain(..) {
                let _ = pending.reply.send(Err(e.clone()));
            }
        }
    }
}

/// Cuts the script's flat reply into one outcome per append.
fn split_reply(numbers: &[i64], appends: usize) -> AppResult<Vec<RawOutcome>> {
    let (chunks, rest) = numbers.as_chunks::<4>();
    if chunks.len() != appends || !rest.is_empty() {
        return Err(AppError::Internal(format!(
            "append replied {} numbers for {appends} appends",
            numbers.len()
        )));
    }
    Ok(chunks.to_vec())
}

#[cfg(test)]
mod tests {
    use super::split_reply;

    #[test]
    fn a_reply_is_cut_into_one_outcome_per_append() {
        let outcomes = split_reply(&[7, 100, 0, 0, -1, 0, 0, 0], 2).expect("two outcomes");
        assert_eq!(outcomes, vec![[7, 100, 0, 0], [-1, 0, 0, 0]]);
    }

    #[test]
    fn a_reply_of_the_wrong_length_is_an_error_for_every_append() {
        assert!(split_reply(&[7, 100, 0, 0], 2).is_err());
        assert!(split_reply(&[7, 100, 0, 0, 1], 1).is_err());
    }
}
