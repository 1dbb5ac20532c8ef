//! One connected session: catch up with `sync`, flush the outbox, apply live events, and
//! notice when something is missing.
//!
//! Delivery is exactly-once end to end: the outbox resends with the same client id until
//! the server acks (the server de-duplicates), and the cache applies events idempotently
//! by seq (and merges a local echo with its own event by client id). Order is the server's
//! seq. A live event beyond the cursor means a gap, which a `sync` fills.

use crate::cache::{Cache, CacheResult};
use crate::client::{Command, Core};
use crate::connection::Socket;
use crate::error::{CoreError, CoreResult};
use crate::events::CoreEvent;
use futures_util::{SinkExt, StreamExt};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::Duration;
use tidings_shared::{
    ClientEnvelope, ClientFrame, ClientMessageId, ConversationChanges, ConversationId, ErrorBody,
    Event, EventBody, Seq, ServerEnvelope, ServerFrame, UserId,
};
use tokio::sync::{mpsc, oneshot, watch};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;

/// A client ping this often keeps NATs open and the server's heartbeat satisfied.
const PING_EVERY: Duration = Duration::from_secs(15);
/// Nothing heard for this long (the server pings every 20 s by default): the link is dead.
/// Used until the `hello` says how often this server pings (see [`silence_limit`]).
const SILENCE_LIMIT: Duration = Duration::from_secs(45);
/// The shortest silence taken for a dead link, however often the server pings.
const MIN_SILENCE_LIMIT: Duration = Duration::from_secs(3);

/// How long a silence means the link is dead: 2.25 of the server's heartbeat intervals
/// (45 s at its default 20 s), so that one late ping is not mistaken for a dead link.
fn silence_limit(heartbeat_interval_ms: u64) -> Duration {
    Duration::from_millis(heartbeat_interval_ms.saturating_mul(9) / 4).max(MIN_SILENCE_LIMIT)
}

/// Events per sync page: big enough to amortise a transaction, small enough that live
/// events wait at most one page's apply (the server's default).
const SYNC_PAGE: u32 = tidings_shared::limits::SYNC_PAGE_DEFAULT;

struct State {
    /// Client ids sent on this connection and not yet answered.
    in_flight: HashSet<ClientMessageId>,
    /// A sync is running; `again` asks for one more pass when it ends.
    syncing: bool,
    again: bool,
    fetched: u64,
    /// Requests sent on this connection and awaiting their answer, by envelope id. If the
    /// connection drops first, dropping them tells the waiters.
    requests: HashMap<String, oneshot::Sender<CoreResult<ServerFrame>>>,
    next_request: u64,
    /// The cursors the sync in flight asked from; the next page asks from these moved up
    /// to the `through` of each conversation in the reply.
    sync_from: BTreeMap<ConversationId, Seq>,
    /// The next sync page is already asked for.
    prefetched: bool,
    /// Silence after which the link counts as dead (from the server's `hello`).
    silence: Duration,
}

/// Serves one connection until it drops or `stop` is set; returns why it ended.
pub(crate) async fn serve(
    core: &Core,
    socket: Socket,
    stop: &mut watch::Receiver<bool>,
    commands: &mut mpsc::UnboundedReceiver<Command>,
) -> String {
    let (mut sink, mut stream) = socket.split();
    let mut state = State {
        in_flight: HashSet::new(),
        syncing: false,
        again: false,
        fetched: 0,
        requests: HashMap::new(),
        next_request: 0,
        sync_from: BTreeMap::new(),
        prefetched: false,
        silence: SILENCE_LIMIT,
    };
    let mut ping = tokio::time::interval(PING_EVERY);
    let (retry_tx, mut retry_rx) = mpsc::unbounded_channel::<()>();
    let mut outgoing: Vec<ClientEnvelope> = Vec::new();

    start_sync(core, &mut state, &mut outgoing).await;
    flush_outbox(core, &mut state, &mut outgoing).await;
    // One deadline for the whole connection, moved only by what arrives: a timeout made
    // afresh on every turn of the loop would start over whenever another branch fired
    // (our own ping every 15 s), and a silent link would never be noticed.
    let mut silent_at = Instant::now() + state.silence;
    // Who is around now; changes follow as `presence` frames.
    outgoing.push(ClientEnvelope {
        id: None,
        frame: ClientFrame::PresenceQuery,
    });
    loop {
        for envelope in outgoing.drain(..) {
            let Ok(text) = serde_json::to_string(&envelope) else {
                continue;
            };
            if let Err(e) = sink.feed(Message::text(text)).await {
                return format!("send failed: {e}");
            }
        }
        if let Err(e) = sink.flush().await {
            return format!("send failed: {e}");
        }
        tokio::select! {
            next = tokio::time::timeout_at(silent_at, stream.next()) => match next {
                Err(_) => return "no heartbeat from the server".into(),
                Ok(None) => return "the server closed the connection".into(),
                Ok(Some(Err(e))) => return format!("connection lost: {e}"),
                Ok(Some(Ok(Message::Text(text)))) => {
                    match serde_json::from_str::<ServerEnvelope>(text.as_str()) {
                        Ok(envelope) => {
                            // Ask for the next sync page before applying this one, so that
                            // the server reads it while the cache writes.
                            if let Some(next) = next_sync_page(&mut state, &envelope) {
                                if let Ok(text) = serde_json::to_string(&next) {
                                    if let Err(e) = sink.send(Message::text(text)).await {
                                        return format!("send failed: {e}");
                                    }
                                }
                            }
                            handle(core, &mut state, &mut outgoing, &retry_tx, envelope).await
                        }
                        Err(e) => tracing::warn!(error = %e, "unreadable frame from the server"),
                    }
                    // After handling: a `hello` sets the silence this server allows.
                    silent_at = Instant::now() + state.silence;
                }
                Ok(Some(Ok(Message::Close(frame)))) => {
                    return format!("closed by the server: {}", frame.map(|f| f.to_string()).unwrap_or_default());
                }
                // Anything heard, a ping included, shows the link is alive.
                Ok(Some(Ok(_))) => silent_at = Instant::now() + state.silence,
            },
            _ = core.inner.outbox_kick.notified() => flush_outbox(core, &mut state, &mut outgoing).await,
            Some(()) = retry_rx.recv() => flush_outbox(core, &mut state, &mut outgoing).await,
            Some(command) = commands.recv() => outgoing.push(envelope_for(&mut state, command)),
            _ = ping.tick() => {
                if let Err(e) = sink.send(Message::Ping(Default::default())).await {
                    return format!("ping failed: {e}");
                }
            }
            _ = stop.changed() => {
                let _ = sink.send(Message::Close(None)).await;
                return "stopped".into();
            }
        }
    }
}

/// The envelope for a command; a request gets an id (`req:<n>`) to match its answer.
fn envelope_for(state: &mut State, command: Command) -> ClientEnvelope {
    let Some(reply) = command.reply else {
        return ClientEnvelope {
            id: None,
            frame: command.frame,
        };
    };
    state.next_request += 1;
    let id = format!("req:{}", state.next_request);
    state.requests.insert(id.clone(), reply);
    ClientEnvelope {
        id: Some(id),
        frame: command.frame,
    }
}

fn sync_request(state: &State) -> ClientEnvelope {
    ClientEnvelope {
        id: Some("sync".into()),
        frame: ClientFrame::Sync {
            cursors: state.sync_from.clone(),
            limit: Some(SYNC_PAGE),
        },
    }
}

/// For a sync page that says `more`: the request for the next page, to send at once.
fn next_sync_page(state: &mut State, envelope: &ServerEnvelope) -> Option<ClientEnvelope> {
    let ServerFrame::Sync {
        conversations,
        more: true,
    } = &envelope.frame
    else {
        return None;
    };
    if envelope.id.as_deref() != Some("sync") {
        return None;
    }
    for changes in conversations {
        state
            .sync_from
            .insert(changes.conversation.id.clone(), changes.through);
    }
    state.prefetched = true;
    Some(sync_request(state))
}

async fn start_sync(core: &Core, state: &mut State, outgoing: &mut Vec<ClientEnvelope>) {
    if state.syncing {
        state.again = true;
        return;
    }
    match core.blocking(|cache| cache.cursors()).await {
        Ok(cursors) => {
            state.syncing = true;
            state.sync_from = cursors;
            outgoing.push(sync_request(state));
        }
        Err(e) => tracing::error!(error = %e, "cannot read sync cursors"),
    }
}

async fn flush_outbox(core: &Core, state: &mut State, outgoing: &mut Vec<ClientEnvelope>) {
    let items = match core.blocking(|cache| cache.outbox()).await {
        Ok(items) => items,
        Err(e) => {
            tracing::error!(error = %e, "cannot read the outbox");
            return;
        }
    };
    for item in items {
        if !state.in_flight.insert(item.client_id) {
            continue;
        }
        outgoing.push(ClientEnvelope {
            id: Some(format!("send:{}", item.client_id)),
            frame: ClientFrame::Send {
                conversation_id: item.conversation_id,
                client_id: item.client_id,
                text: item.text,
                attachments: item.attachments,
            },
        });
    }
}

async fn handle(
    core: &Core,
    state: &mut State,
    outgoing: &mut Vec<ClientEnvelope>,
    retry: &mpsc::UnboundedSender<()>,
    envelope: ServerEnvelope,
) {
    if let Some(reply) = envelope
        .id
        .as_deref()
        .and_then(|id| state.requests.remove(id))
    {
        let answer = match envelope.frame {
            ServerFrame::Error(error) => Err(CoreError::Server(error)),
            frame => Ok(frame),
        };
        let _ = reply.send(answer);
        return;
    }
    match envelope.frame {
        ServerFrame::Sync {
            conversations,
            more,
        } => {
            apply_sync_page(core, state, conversations).await;
            core.emit(CoreEvent::SyncProgress {
                fetched: state.fetched,
                more,
            });
            if std::mem::take(&mut state.prefetched) {
                // The next page is on its way (see `next_sync_page`).
                return;
            }
            state.syncing = false;
            if more || state.again {
                state.again = false;
                start_sync(core, state, outgoing).await;
            }
        }
        ServerFrame::Ack {
            client_id, seq, ts, ..
        } => {
            if !state.in_flight.remove(&client_id) {
                // Its own event came first and completed it; its fate was told then.
                return;
            }
            match core
                .blocking(move |cache| cache.mark_acked(&client_id, seq, ts))
                .await
            {
                Ok(()) => {
                    core.emit(CoreEvent::MessageSent { client_id, seq });
                    core.emit(CoreEvent::ConversationsChanged);
                }
                Err(e) => tracing::error!(error = %e, "cannot record an ack"),
            }
        }
        ServerFrame::Error(error) => {
            if let Some(client_id) = envelope
                .id
                .as_deref()
                .and_then(|id| id.strip_prefix("send:"))
                .and_then(|id| id.parse::<ClientMessageId>().ok())
            {
                send_failed(core, state, retry, client_id, error).await;
            } else if envelope.id.as_deref() == Some("sync") {
                tracing::warn!(code = %error.code, "sync refused; retrying shortly");
                state.syncing = false;
                tokio::time::sleep(Duration::from_millis(
                    error.retry_after_ms.unwrap_or(1_000).min(5_000),
                ))
                .await;
                start_sync(core, state, outgoing).await;
            }
        }
        ServerFrame::Event {
            conversation_id,
            event,
        } => {
            let seq = event.seq;
            let cid = conversation_id.clone();
            let applied = event.clone();
            let me = core.me().map(|me| me.id);
            let outcome = core
                .blocking(move |cache| {
                    let events = std::slice::from_ref(&applied);
                    let done = apply_completing(cache, &cid, events, me.as_ref())?;
                    Ok((done, cache.cursor(&cid)? < seq))
                })
                .await;
            if changes_membership(&event.body) {
                // Sync pages carry summaries only with new events, and this one is applied
                // already: fetch the list to learn who is in the group now, with what role.
                let core = core.clone();
                tokio::spawn(async move {
                    if let Err(e) = core.refresh_conversations().await {
                        tracing::warn!(error = %e, "cannot refresh the conversation list");
                    }
                });
            }
            core.maybe_notify(&conversation_id, &event).await;
            core.emit(CoreEvent::MessagesChanged { conversation_id });
            core.emit(CoreEvent::ConversationsChanged);
            match outcome {
                Ok((done, gap)) => {
                    completed(core, state, done);
                    if gap {
                        start_sync(core, state, outgoing).await;
                    }
                }
                Err(e) => tracing::error!(error = %e, "cannot apply an event"),
            }
        }
        ServerFrame::Conversation { conversation } => {
            let summary = conversation.clone();
            if let Err(e) = core
                .blocking(move |cache| cache.upsert_conversation(&summary))
                .await
            {
                tracing::error!(error = %e, "cannot store a conversation");
            }
            core.emit(CoreEvent::ConversationsChanged);
            // Its first events may have been published before we were routed them.
            start_sync(core, state, outgoing).await;
            // New people may be in it: ask who is around (presence changes are only
            // sent between people who share a conversation).
            outgoing.push(ClientEnvelope {
                id: None,
                frame: ClientFrame::PresenceQuery,
            });
        }
        ServerFrame::Resync { .. } | ServerFrame::Removed { .. } => {
            start_sync(core, state, outgoing).await
        }
        ServerFrame::Receipt {
            conversation_id,
            user_id,
            delivered_seq,
            read_seq,
        } => {
            let cid = conversation_id.clone();
            let stored = core
                .blocking(move |cache| cache.set_read_mark(&cid, &user_id, read_seq, delivered_seq))
                .await;
            if let Err(e) = stored {
                tracing::error!(error = %e, "cannot store a receipt");
            }
            core.emit(CoreEvent::MessagesChanged { conversation_id });
            core.emit(CoreEvent::ConversationsChanged);
        }
        ServerFrame::Typing {
            conversation_id,
            user_id,
            typing,
            ..
        } => {
            core.emit(CoreEvent::Typing {
                conversation_id,
                user_id,
                typing,
            });
        }
        ServerFrame::Presence(presence) => core.presence_changed(presence),
        ServerFrame::PresenceList { users } => {
            for presence in users {
                core.presence_changed(presence);
            }
        }
        ServerFrame::Settings {
            conversation_id,
            settings,
        } => {
            let stored = core
                .blocking(move |cache| cache.set_settings(&conversation_id, &settings))
                .await;
            match stored {
                Ok(true) => core.emit(CoreEvent::ConversationsChanged),
                Ok(false) => {}
                Err(e) => tracing::error!(error = %e, "cannot store conversation settings"),
            }
        }
        ServerFrame::Hello {
            max_upload_bytes,
            heartbeat_interval_ms,
            ..
        } => {
            core.inner
                .max_upload_bytes
                .store(max_upload_bytes, std::sync::atomic::Ordering::Relaxed);
            state.silence = silence_limit(heartbeat_interval_ms);
        }
        ServerFrame::Done { .. } | ServerFrame::History { .. } | ServerFrame::Pong { .. } => {}
    }
}

/// Whether an event changes a conversation's members, roles or title.
fn changes_membership(body: &EventBody) -> bool {
    matches!(
        body,
        EventBody::MembersAdded { .. }
            | EventBody::MemberRemoved { .. }
            | EventBody::MemberLeft { .. }
            | EventBody::RoleChanged { .. }
            | EventBody::OwnershipTransferred { .. }
            | EventBody::Renamed { .. }
    )
}

async fn apply_sync_page(core: &Core, state: &mut State, conversations: Vec<ConversationChanges>) {
    let me = core.me().map(|me| me.id);
    for changes in conversations {
        let cid = changes.conversation.id.clone();
        let count = changes.events.len() as u64;
        let me = me.clone();
        let result = core
            .blocking(move |cache| {
                let id = &changes.conversation.id;
                cache.upsert_conversation(&changes.conversation)?;
                let done = apply_completing(cache, id, &changes.events, me.as_ref())?;
                cache.advance_cursor(id, changes.through)?;
                Ok(done)
            })
            .await;
        match result {
            Ok(done) => {
                completed(core, state, done);
                state.fetched += count;
                core.emit(CoreEvent::MessagesChanged {
                    conversation_id: cid,
                });
            }
            Err(e) => tracing::error!(error = %e, "cannot apply a sync page"),
        }
    }
    core.emit(CoreEvent::ConversationsChanged);
}

/// Applies events and returns the sends of mine (still in the outbox until now) that they
/// completed. A message's own event is as good as its ack: the cache takes the item out
/// of the outbox, so it is not sent again. When the event comes first (the ack was lost
/// with a dropped connection, and the sync of the next one brought the message), no ack
/// will ever come, and this is the only news of the send's fate.
fn apply_completing(
    cache: &Cache,
    cid: &ConversationId,
    events: &[Event],
    me: Option<&UserId>,
) -> CacheResult<Vec<(ClientMessageId, Seq)>> {
    let mine: Vec<(ClientMessageId, Seq)> = events
        .iter()
        .filter(|e| Some(&e.sender) == me)
        .filter_map(|e| match &e.body {
            EventBody::Message { client_id, .. } => Some((*client_id, e.seq)),
            _ => None,
        })
        .collect();
    if mine.is_empty() {
        cache.apply_events(cid, events)?;
        return Ok(mine);
    }
    let ids: Vec<ClientMessageId> = mine.iter().map(|(id, _)| *id).collect();
    let completed = cache.apply_events_completing(cid, events, &ids)?;
    Ok(mine
        .into_iter()
        .filter(|(id, _)| completed.contains(id))
        .collect())
}

/// Tells the fate of sends completed by their own events (see [`apply_completing`]); an
/// ack for them that still comes is then ignored.
fn completed(core: &Core, state: &mut State, done: Vec<(ClientMessageId, Seq)>) {
    for (client_id, seq) in done {
        state.in_flight.remove(&client_id);
        core.emit(CoreEvent::MessageSent { client_id, seq });
    }
}

async fn send_failed(
    core: &Core,
    state: &mut State,
    retry: &mpsc::UnboundedSender<()>,
    client_id: ClientMessageId,
    error: ErrorBody,
) {
    state.in_flight.remove(&client_id);
    if error.code.is_retryable() {
        // Try again after the server's hint; the outbox still holds it.
        let wait = Duration::from_millis(error.retry_after_ms.unwrap_or(1_000).clamp(50, 30_000));
        let retry = retry.clone();
        tokio::spawn(async move {
            tokio::time::sleep_until(Instant::now() + wait).await;
            let _ = retry.send(());
        });
        return;
    }
    let reason = error.message.clone();
    match core
        .blocking(move |cache| cache.mark_failed(&client_id, &error))
        .await
    {
        Ok(()) => core.emit(CoreEvent::MessageFailed { client_id, reason }),
        Err(e) => tracing::error!(error = %e, "cannot record a failed send"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A send whose ack was lost and whose own event came first (issue 9's chaos run):
    /// applying the event reports the send as completed, once, so that its fate is told.
    #[test]
    fn a_sends_own_event_completes_it_once() {
        use crate::cache::{OutboxItem, OutboxState};
        let dir = tempfile::tempdir().expect("dir");
        let cache = Cache::open(&dir.path().join("cache.sqlite3")).expect("cache");
        let (me, cid) = (UserId("me".into()), ConversationId("c".into()));
        let client_id = uuid::Uuid::from_u128(7);
        cache
            .enqueue(&OutboxItem {
                client_id,
                conversation_id: cid.clone(),
                sender: me.clone(),
                text: "hi".into(),
                attachments: Vec::new(),
                created_at: 1,
                state: OutboxState::Pending,
                error: None,
            })
            .expect("enqueue");
        let message = |sender: &UserId, client_id| Event {
            seq: 2,
            ts: 5,
            sender: sender.clone(),
            body: EventBody::Message {
                client_id,
                text: "hi".into(),
                edited_at: None,
                deleted: false,
                reactions: Vec::new(),
                attachments: Vec::new(),
            },
        };
        let events = [message(&me, client_id)];
        let done = apply_completing(&cache, &cid, &events, Some(&me)).expect("apply");
        assert_eq!(done, vec![(client_id, 2)]);
        assert!(cache.outbox().expect("outbox").is_empty());
        // Again (a live repeat, a sync page): nothing more to tell.
        let again = apply_completing(&cache, &cid, &events, Some(&me)).expect("apply");
        assert!(again.is_empty());
        // Someone else's message completes nothing of mine.
        let other = [message(&UserId("ben".into()), uuid::Uuid::from_u128(8))];
        assert!(apply_completing(&cache, &cid, &other, Some(&me))
            .expect("apply")
            .is_empty());
    }

    #[test]
    fn the_silence_limit_follows_the_servers_heartbeat() {
        assert_eq!(silence_limit(20_000), SILENCE_LIMIT);
        assert_eq!(silence_limit(60_000), Duration::from_secs(135));
        assert_eq!(silence_limit(1_000), MIN_SILENCE_LIMIT);
    }
}
