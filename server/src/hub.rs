//! Fan-out: routes what Redis publishes to this instance's WebSocket connections.
//!
//! One task owns the routing table (channel → local connections) and the instance's one
//! dedicated pub/sub connection, so there are no locks and no races between subscribing
//! and routing. Connections talk to it through [`Hub`] commands.
//!
//! - A connection registers with its user channel and its conversations' channels; the
//!   instance subscribes to a channel while at least one local connection needs it.
//!   `register` returns once the subscriptions are live, so a `sync` sent after `hello`
//!   cannot miss an event that pub/sub would not deliver.
//! - A `conversation` frame on a user channel (the user joined a conversation) adds that
//!   user's local connections to the conversation's channel before it is forwarded.
//! - When the pub/sub connection drops (Redis restarted, or the connection was killed),
//!   the task reconnects with backoff, resubscribes to everything, and tells every local
//!   connection to `sync`: pub/sub is the fast path, sync is what guarantees delivery.

use crate::cpu_pressure::CpuPressure;
use crate::gateway::outbound::{Outbound, Priority};
use crate::gateway::pacing::{self, WritePacing};
use crate::store::{keys, Store};
use axum::extract::ws::Utf8Bytes;
use futures_util::StreamExt;
use redis::aio::{PubSubSink, PubSubStream};
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tidings_shared::{ConversationId, ServerEnvelope, ServerFrame, UserId};
use tokio::sync::{broadcast, mpsc, oneshot};
use tokio::time::Instant;

/// Identifies one local connection.
pub type ConnectionId = u64;

/// Handle to the fan-out task.
#[derive(Clone)]
pub struct Hub {
    commands: mpsc::UnboundedSender<Command>,
    next_id: Arc<AtomicU64>,
    pacing: WritePacing,
}

enum Command {
    Register {
        id: ConnectionId,
        user: UserId,
        conversations: Vec<ConversationId>,
        outbound: Outbound,
        live: oneshot::Sender<bool>,
    },
    Unregister {
        id: ConnectionId,
    },
}

/// A connection's place in the routing table; dropping it removes the connection.
pub struct Registration {
    pub id: ConnectionId,
    commands: mpsc::UnboundedSender<Command>,
}

impl Drop for Registration {
    fn drop(&mut self) {
        let _ = self.commands.send(Command::Unregister { id: self.id });
    }
}

impl Hub {
    /// Starts the fan-out task on `client`'s Redis; it stops when `shutdown` fires.
    /// The fan-out counts what it routes into `pacing`, which decides whether writers
    /// pause between writes.
    pub fn start(store: Store, pacing: WritePacing, shutdown: broadcast::Receiver<()>) -> Self {
        let (commands, rx) = mpsc::unbounded_channel();
        tokio::spawn(FanOut::new(store, rx, pacing.clone()).run(shutdown));
        Self {
            commands,
            next_id: Arc::new(AtomicU64::new(1)),
            pacing,
        }
    }

    /// The write pacing every connection's writer follows.
    pub fn pacing(&self) -> &WritePacing {
        &self.pacing
    }

    /// Adds a connection. Waits (at most a few seconds) until its channels are subscribed;
    /// when Redis is unreachable it returns anyway and the connection is told to `sync`
    /// once pub/sub is back.
    pub async fn register(
        &self,
        user: UserId,
        conversations: Vec<ConversationId>,
        outbound: Outbound,
    ) -> Registration {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (live, is_live) = oneshot::channel();
        let _ = self.commands.send(Command::Register {
            id,
            user,
            conversations,
            outbound,
            live,
        });
        if !matches!(
            tokio::time::timeout(Duration::from_secs(3), is_live).await,
            Ok(Ok(true))
        ) {
            tracing::warn!(
                connection = id,
                "pub/sub not live at connect; client will resync"
            );
        }
        Registration {
            id,
            commands: self.commands.clone(),
        }
    }
}

/// The routing table plus the pub/sub connection, owned by one task.
struct FanOut {
    store: Store,
    commands: mpsc::UnboundedReceiver<Command>,
    /// channel → connections on this instance that receive it.
    routes: HashMap<String, HashMap<ConnectionId, Outbound>>,
    /// connection → the channels it is in (to clean up).
    channels_of: HashMap<ConnectionId, HashSet<String>>,
    sink: Option<PubSubSink>,
    stream: Option<PubSubStream>,
    subscribed: HashSet<String>,
    pacing: WritePacing,
    /// Read once per pacing window (`None` where the system does not report it).
    cpu_pressure: Option<CpuPressure>,
    /// Looked up once: a lookup in the metrics registry per routed message showed in
    /// profiles.
    deliveries: metrics::Counter,
    fanout_seconds: metrics::Histogram,
}

impl FanOut {
    fn new(store: Store, commands: mpsc::UnboundedReceiver<Command>, pacing: WritePacing) -> Self {
        Self {
            store,
            commands,
            routes: HashMap::new(),
            channels_of: HashMap::new(),
            sink: None,
            stream: None,
            subscribed: HashSet::new(),
            pacing,
            cpu_pressure: open_cpu_pressure(),
            deliveries: metrics::counter!("tidings_deliveries_total"),
            fanout_seconds: metrics::histogram!("tidings_fanout_seconds"),
        }
    }

    async fn run(mut self, mut shutdown: broadcast::Receiver<()>) {
        let mut backoff = Duration::from_millis(50);
        let mut retry_at = Instant::now();
        let mut was_connected = false;
        let mut pacing_window = tokio::time::interval(pacing::WINDOW);
        pacing_window.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut window_start = Instant::now();
        loop {
            if self.sink.is_none() && Instant::now() >= retry_at {
                if self.connect().await {
                    backoff = Duration::from_millis(50);
                    if was_connected {
                        tracing::info!("pub/sub reconnected; asking every connection to sync");
                        // Make sure the command connection is back too, so that the syncs
                        // this triggers do not meet a stale socket.
                        for _ in 0..20 {
                            if self.store.ping().await.is_ok() {
                                break;
                            }
                            tokio::time::sleep(Duration::from_millis(50)).await;
                        }
                        self.broadcast_resync();
                    }
                    was_connected = true;
                } else {
                    retry_at = Instant::now() + backoff;
                    backoff = (backoff * 2).min(Duration::from_secs(2));
                }
            }
            let stream = self.stream.as_mut();
            tokio::select! {
                command = self.commands.recv() => match command {
                    Some(command) => self.handle(command).await,
                    None => return,
                },
                message = async {
                    match stream {
                        Some(s) => s.next().await,
                        None => std::future::pending().await,
                    }
                } => match message {
                    Some(message) => self.route(message).await,
                    None => self.disconnected("pub/sub stream ended"),
                },
                _ = tokio::time::sleep_until(retry_at), if self.sink.is_none() => {}
                _ = pacing_window.tick() => {
                    let now = Instant::now();
                    let elapsed = now - window_start;
                    let pressure = self.cpu_pressure.as_mut().and_then(|p| p.sample(elapsed));
                    if let Some(share) = pressure {
                        metrics::gauge!("tidings_cpu_pressure").set(share);
                    }
                    self.pacing.decide(elapsed, self.channels_of.len(), pressure);
                    window_start = now;
                }
                _ = shutdown.recv() => return,
            }
        }
    }

    async fn connect(&mut self) -> bool {
        let pubsub = match tokio::time::timeout(
            Duration::from_secs(2),
            self.store.client().get_async_pubsub(),
        )
        .await
        {
            Ok(Ok(p)) => p,
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "pub/sub connect failed");
                return false;
            }
            Err(_) => {
                tracing::warn!("pub/sub connect timed out");
                return false;
            }
        };
        let (mut sink, stream) = pubsub.split();
        let channels: Vec<String> = self.routes.keys().cloned().collect();
        for chunk in channels.chunks(500) {
            if let Err(e) = sink.subscribe(chunk).await {
                tracing::warn!(error = %e, "resubscribe failed");
                return false;
            }
        }
        self.subscribed = channels.into_iter().collect();
        self.sink = Some(sink);
        self.stream = Some(stream);
        metrics::gauge!("tidings_pubsub_connected").set(1.0);
        true
    }

    fn disconnected(&mut self, why: &str) {
        tracing::warn!(why, "pub/sub connection lost; reconnecting");
        self.sink = None;
        self.stream = None;
        self.subscribed.clear();
        metrics::gauge!("tidings_pubsub_connected").set(0.0);
    }

    async fn handle(&mut self, command: Command) {
        match command {
            Command::Register {
                id,
                user,
                conversations,
                outbound,
                live,
            } => {
                let mut channels = vec![keys::user_channel(&user)];
                channels.extend(conversations.iter().map(keys::conversation_channel));
                for channel in &channels {
                    self.add_route(channel, id, &outbound);
                }
                let ok = self.sync_subscriptions(&channels).await;
                let _ = live.send(ok);
            }
            Command::Unregister { id } => {
                let Some(channels) = self.channels_of.remove(&id) else {
                    return;
                };
                let mut emptied = Vec::new();
                for channel in channels {
                    if let Some(conns) = self.routes.get_mut(&channel) {
                        conns.remove(&id);
                        if conns.is_empty() {
                            self.routes.remove(&channel);
                            emptied.push(channel);
                        }
                    }
                }
                self.sync_subscriptions(&emptied).await;
            }
        }
    }

    fn add_route(&mut self, channel: &str, id: ConnectionId, outbound: &Outbound) {
        self.routes
            .entry(channel.to_owned())
            .or_default()
            .insert(id, outbound.clone());
        self.channels_of
            .entry(id)
            .or_default()
            .insert(channel.to_owned());
    }

    /// Subscribes to the given channels that have routes and unsubscribes from those that
    /// have none. Returns whether pub/sub is live for them.
    async fn sync_subscriptions(&mut self, channels: &[String]) -> bool {
        let Some(sink) = self.sink.as_mut() else {
            return false;
        };
        let (wanted, unwanted): (Vec<&String>, Vec<&String>) =
            channels.iter().partition(|c| self.routes.contains_key(*c));
        let to_subscribe: Vec<&String> = wanted
            .into_iter()
            .filter(|c| !self.subscribed.contains(*c))
            .collect();
        let to_unsubscribe: Vec<&String> = unwanted
            .into_iter()
            .filter(|c| self.subscribed.contains(*c))
            .collect();
        let mut result = Ok(());
        if !to_subscribe.is_empty() {
            result = sink.subscribe(&to_subscribe).await;
        }
        if result.is_ok() && !to_unsubscribe.is_empty() {
            result = sink.unsubscribe(&to_unsubscribe).await;
        }
        match result {
            Ok(()) => {
                for c in to_subscribe {
                    self.subscribed.insert(c.clone());
                }
                for c in to_unsubscribe {
                    self.subscribed.remove(c);
                }
                true
            }
            Err(e) => {
                self.disconnected(&format!("subscribe failed: {e}"));
                false
            }
        }
    }

    async fn route(&mut self, message: redis::Msg) {
        let channel = message.get_channel_name();
        let Ok(text) = std::str::from_utf8(message.get_payload_bytes()) else {
            tracing::error!(channel, "non-UTF-8 payload on a Tidings channel");
            return;
        };
        let frame = Utf8Bytes::from(text);
        let priority = priority_of(text);
        if let Some(conns) = self.routes.get(channel) {
            for outbound in conns.values() {
                outbound.push(frame.clone(), priority);
            }
            self.deliveries.increment(conns.len() as u64);
            self.pacing.count(conns.len() as u64);
        }
        if let Some(user) = channel.strip_prefix(keys::USER_CHANNEL_PREFIX) {
            self.follow_membership(user, text).await;
        } else if text.starts_with(EVENT_PREFIX) {
            if let Some(seconds) = fanout_latency_secs(text) {
                self.fanout_seconds.record(seconds);
            }
        }
    }

    /// Membership changes seen on a user channel: a `conversation` frame routes that
    /// conversation to the user's local connections from now on; a `removed` frame stops
    /// it. The removal event itself was published just before, on the conversation's
    /// channel, so the removed person still gets it and nothing after it.
    async fn follow_membership(&mut self, user: &str, text: &str) {
        if !(text.starts_with(CONVERSATION_PREFIX) || text.starts_with(REMOVED_PREFIX)) {
            return;
        }
        let (conversation_id, joined) = match serde_json::from_str::<ServerEnvelope>(text) {
            Ok(ServerEnvelope {
                frame: ServerFrame::Conversation { conversation },
                ..
            }) => (conversation.id, true),
            Ok(ServerEnvelope {
                frame:
                    ServerFrame::Removed {
                        conversation_id, ..
                    },
                ..
            }) => (conversation_id, false),
            _ => return,
        };
        let user_channel = keys::user_channel(&UserId(user.to_owned()));
        let conversation_channel = keys::conversation_channel(&conversation_id);
        let conns: Vec<(ConnectionId, Outbound)> = self
            .routes
            .get(&user_channel)
            .map(|m| m.iter().map(|(id, o)| (*id, o.clone())).collect())
            .unwrap_or_default();
        for (id, outbound) in &conns {
            if joined {
                self.add_route(&conversation_channel, *id, outbound);
            } else {
                self.remove_route(&conversation_channel, *id);
            }
        }
        self.sync_subscriptions(&[conversation_channel]).await;
    }

    fn remove_route(&mut self, channel: &str, id: ConnectionId) {
        if let Some(conns) = self.routes.get_mut(channel) {
            conns.remove(&id);
            if conns.is_empty() {
                self.routes.remove(channel);
            }
        }
        if let Some(channels) = self.channels_of.get_mut(&id) {
            channels.remove(channel);
        }
    }

    fn broadcast_resync(&self) {
        let frame = ServerEnvelope {
            id: None,
            frame: ServerFrame::Resync {
                conversation_id: None,
                reason: "live events may have been missed while the server reconnected to \
                         its storage"
                    .into(),
            },
        };
        let Ok(text) = serde_json::to_string(&frame) else {
            return;
        };
        let text = Utf8Bytes::from(text);
        for (id, conns) in &self.routes {
            if id.starts_with(keys::USER_CHANNEL_PREFIX) {
                for outbound in conns.values() {
                    outbound.push(text.clone(), Priority::Durable);
                }
            }
        }
    }
}

/// The CPU pressure write pacing consults, saying where it comes from.
fn open_cpu_pressure() -> Option<CpuPressure> {
    let pressure = CpuPressure::open();
    match &pressure {
        Some(p) => tracing::debug!(path = %p.path().display(), "CPU pressure for write pacing"),
        None => tracing::info!("no CPU pressure information: write pacing follows the rates alone"),
    }
    pressure
}

const EVENT_PREFIX: &str = r#"{"type":"event""#;
const CONVERSATION_PREFIX: &str = r#"{"type":"conversation""#;
const REMOVED_PREFIX: &str = r#"{"type":"removed""#;

/// Typing and presence may be shed under pressure; everything else is durable. Frames on
/// the channels are rendered by this server with `type` first, so a prefix tells.
fn priority_of(text: &str) -> Priority {
    if text.starts_with(r#"{"type":"typing""#) || text.starts_with(r#"{"type":"presence""#) {
        Priority::Ephemeral
    } else {
        Priority::Durable
    }
}

/// Publish-to-enqueue time, from the server timestamp the append script put in the frame
/// (`…"event":{"seq":N,"ts":T,…`). All instances share one host clock in our tests; across
/// hosts this includes clock skew.
fn fanout_latency_secs(text: &str) -> Option<f64> {
    let rest = &text[text.find("\"ts\":")? + 5..];
    let end = rest
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len());
    let ts: i64 = rest[..end].parse().ok()?;
    Some((crate::clock::now_ms() - ts).max(0) as f64 / 1000.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tidings_shared::{ConversationId, Presence, PresenceState};

    fn render(frame: ServerFrame) -> String {
        serde_json::to_string(&ServerEnvelope { id: None, frame }).expect("serializes")
    }

    #[test]
    fn fanout_latency_is_read_from_the_events_timestamp() {
        let ts = crate::clock::now_ms() - 1_500;
        let frame = format!(
            r#"{{"type":"event","conversation_id":"c","event":{{"seq":7,"ts":{ts},"sender":"u"}}}}"#
        );
        let seconds = fanout_latency_secs(&frame).expect("a timestamp");
        assert!((1.5..60.0).contains(&seconds), "{seconds}");
        assert_eq!(fanout_latency_secs(r#"{"type":"event"}"#), None);
        assert_eq!(fanout_latency_secs(r#"{"event":{"ts":"x"}}"#), None);
        let future = format!(
            r#"{{"event":{{"ts":{}}}}}"#,
            crate::clock::now_ms() + 60_000
        );
        assert_eq!(
            fanout_latency_secs(&future),
            Some(0.0),
            "clock skew counts as 0"
        );
    }

    #[test]
    fn typing_and_presence_are_ephemeral_and_everything_else_durable() {
        let typing = render(ServerFrame::Typing {
            conversation_id: ConversationId("c".into()),
            user_id: UserId("u".into()),
            typing: true,
            expires_in_ms: 6000,
        });
        let presence = render(ServerFrame::Presence(Presence {
            user_id: UserId("u".into()),
            state: PresenceState::Online,
            last_seen: None,
        }));
        let receipt = render(ServerFrame::Receipt {
            conversation_id: ConversationId("c".into()),
            user_id: UserId("u".into()),
            delivered_seq: 1,
            read_seq: 1,
        });
        assert_eq!(priority_of(&typing), Priority::Ephemeral);
        assert_eq!(priority_of(&presence), Priority::Ephemeral);
        assert_eq!(priority_of(&receipt), Priority::Durable);
        let removed = render(ServerFrame::Removed {
            conversation_id: ConversationId("c".into()),
            through: 3,
        });
        assert!(removed.starts_with(REMOVED_PREFIX), "{removed}");
    }
}
