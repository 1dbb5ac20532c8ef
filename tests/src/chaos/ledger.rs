//! What the traffic sent and what the cores said came of it: the ledger the checker holds
//! every acknowledgement against, and the traffic driver that fills it.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tidings_core::{ConnectionState, Core, CoreEvent};
use tidings_shared::{ClientMessageId, ConversationId, Seq};
use tokio::sync::{broadcast, watch};
use tokio::task::JoinHandle;

/// One message handed to a core's outbox, and its fate as the core reported it.
#[derive(Clone, Debug)]
pub struct SendRecord {
    /// The client (index into [`super::Chaos::clients`]) that sent it.
    pub client: usize,
    pub conversation: ConversationId,
    pub text: String,
    /// When `send_message` was called.
    pub sent_at: Instant,
    /// The seq of the `message_sent` event, and when it came.
    pub acked: Option<(Seq, Instant)>,
    /// The reason of a `message_failed` event (the server refused it for good).
    pub failed: Option<String>,
}

/// Every send of a run, by client id. Shared by the traffic, the event watchers and the
/// checker.
#[derive(Default)]
pub struct Ledger {
    sends: Mutex<HashMap<ClientMessageId, SendRecord>>,
    /// Acks that came before `send_message` returned (the outbox is that quick).
    early: Mutex<HashMap<ClientMessageId, (Seq, Instant)>>,
    /// Contradictions seen as they happened (an ack with two different seqs).
    problems: Mutex<Vec<String>>,
    /// Core events a watcher missed because it fell behind (acks among them would be
    /// counted as unacknowledged).
    lagged: AtomicU64,
    /// Connection drops seen by the cores (`connection: offline` events).
    disconnects: AtomicU64,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Ledger {
    /// Records a send the moment `send_message` returned its client id.
    pub fn sent(
        &self,
        client: usize,
        client_id: ClientMessageId,
        conversation: ConversationId,
        text: String,
        sent_at: Instant,
    ) {
        let acked = lock(&self.early).remove(&client_id);
        lock(&self.sends).insert(
            client_id,
            SendRecord {
                client,
                conversation,
                text,
                sent_at,
                acked,
                failed: None,
            },
        );
    }

    fn record_ack(&self, client_id: ClientMessageId, seq: Seq, at: Instant) {
        let mut sends = lock(&self.sends);
        let Some(record) = sends.get_mut(&client_id) else {
            drop(sends);
            lock(&self.early).insert(client_id, (seq, at));
            return;
        };
        match record.acked {
            None => record.acked = Some((seq, at)),
            Some((first, _)) if first != seq => lock(&self.problems).push(format!(
                "{client_id} was acknowledged twice with different seqs: {first} and {seq}"
            )),
            Some(_) => {}
        }
    }

    fn record_failure(&self, client_id: ClientMessageId, reason: String) {
        if let Some(record) = lock(&self.sends).get_mut(&client_id) {
            record.failed = Some(reason);
        }
    }

    /// A copy of every record.
    pub fn records(&self) -> HashMap<ClientMessageId, SendRecord> {
        lock(&self.sends).clone()
    }

    /// Contradictions noticed while running.
    pub fn problems(&self) -> Vec<String> {
        lock(&self.problems).clone()
    }

    /// Core events missed by the watchers.
    pub fn lagged(&self) -> u64 {
        self.lagged.load(Ordering::Relaxed)
    }

    /// Connection drops seen by the cores.
    pub fn disconnects(&self) -> u64 {
        self.disconnects.load(Ordering::Relaxed)
    }

    /// Sends acknowledged so far.
    pub fn acked(&self) -> usize {
        lock(&self.sends)
            .values()
            .filter(|r| r.acked.is_some())
            .count()
    }

    /// Sends so far.
    pub fn len(&self) -> usize {
        lock(&self.sends).len()
    }

    /// Whether nothing was sent yet.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The share of sends acknowledged within `within` (1.0 when nothing was sent), and
    /// the longest any send waited for its ack (until `now` for those still waiting):
    /// the longest time a client could not get a message through.
    pub fn latency(&self, within: Duration, now: Instant) -> (u64, Duration) {
        let sends = lock(&self.sends);
        let mut quick = 0;
        let mut longest = Duration::ZERO;
        for record in sends.values() {
            let waited = match record.acked {
                Some((_, at)) => at.saturating_duration_since(record.sent_at),
                None => now.saturating_duration_since(record.sent_at),
            };
            if record.acked.is_some() && waited <= within {
                quick += 1;
            }
            longest = longest.max(waited);
        }
        (quick, longest)
    }
}

/// Follows one core's events into the ledger until the core's event channel closes.
pub(super) fn watch_core(
    client: usize,
    mut events: broadcast::Receiver<CoreEvent>,
    ledger: Arc<Ledger>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            match events.recv().await {
                Ok(CoreEvent::MessageSent { client_id, seq }) => {
                    ledger.record_ack(client_id, seq, Instant::now())
                }
                Ok(CoreEvent::MessageFailed { client_id, reason }) => {
                    ledger.record_failure(client_id, format!("client {client}: {reason}"))
                }
                Ok(CoreEvent::Connection(ConnectionState::Offline { .. })) => {
                    ledger.disconnects.fetch_add(1, Ordering::Relaxed);
                }
                Ok(_) => {}
                Err(broadcast::error::RecvError::Lagged(n)) => {
                    ledger.lagged.fetch_add(n, Ordering::Relaxed);
                }
                Err(broadcast::error::RecvError::Closed) => return,
            }
        }
    })
}

/// How hard the traffic pushes.
#[derive(Clone, Copy, Debug)]
pub struct TrafficPlan {
    /// Messages per second from each client (spread over its conversations in turn).
    pub per_client_rate: f64,
    /// Stop after this many messages per client even if not told to stop (a bound).
    pub max_per_client: u64,
}

/// The running traffic: one task per client sending through its core's outbox.
pub struct Traffic {
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<u64>>,
}

impl Traffic {
    /// Starts a sender per `(client, core, its conversations)`.
    pub(super) fn start(
        senders: Vec<(usize, Core, Vec<ConversationId>)>,
        plan: TrafficPlan,
        ledger: Arc<Ledger>,
    ) -> Traffic {
        let (stop, stopped) = watch::channel(false);
        let every = Duration::from_secs_f64(1.0 / plan.per_client_rate.max(0.001));
        let tasks = senders
            .into_iter()
            .filter(|(_, _, conversations)| !conversations.is_empty())
            .map(|(client, core, conversations)| {
                let ledger = ledger.clone();
                let mut stopped = stopped.clone();
                tokio::spawn(async move {
                    let mut tick = tokio::time::interval(every);
                    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                    let mut n = 0;
                    while n < plan.max_per_client {
                        tokio::select! {
                            _ = tick.tick() => {}
                            _ = stopped.wait_for(|s| *s) => break,
                        }
                        let cid = &conversations[n as usize % conversations.len()];
                        let text = format!("c{client} m{n}");
                        let sent_at = Instant::now();
                        match core.send_message(cid, &text, Vec::new()).await {
                            Ok(client_id) => {
                                ledger.sent(client, client_id, cid.clone(), text, sent_at)
                            }
                            // Only the local cache can refuse; that is a finding too.
                            Err(e) => lock(&ledger.problems)
                                .push(format!("client {client} could not queue {text}: {e}")),
                        }
                        n += 1;
                    }
                    n
                })
            })
            .collect();
        Traffic { stop, tasks }
    }

    /// Stops sending; returns how many messages were queued.
    pub async fn stop(self) -> u64 {
        let _ = self.stop.send(true);
        let mut total = 0;
        for task in self.tasks {
            total += task.await.unwrap_or(0);
        }
        total
    }
}
