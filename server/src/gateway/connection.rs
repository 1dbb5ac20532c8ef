//! One upgraded WebSocket: the reader loop here, the writer as its own task.

use super::dispatch::{self, Session};
use super::outbound::{Next, Outbound, Priority};
use super::pacing::{self, WritePacing};
use super::signals::{publish_typing, Typing};
use crate::state::AppState;
use axum::extract::ws::{CloseFrame, Message, WebSocket};
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use std::time::Duration;
use tidings_shared::{limits, CloseCode, ConversationId, ServerEnvelope, ServerFrame, UserProfile};
use tokio::time::Instant;

/// Frames written per flush: batching cuts syscalls when many events arrive together.
const WRITE_BATCH: usize = 64;
/// How long a closing connection may take to deliver its close frame.
const CLOSE_GRACE: Duration = Duration::from_secs(10);
/// How long to wait for the peer's close frame after sending ours.
const CLOSE_HANDSHAKE: Duration = Duration::from_secs(2);

/// The connection's whole life, as the future its task runs. `held` (its slot and its
/// place in `--max-connections`) is released when it ends.
///
/// Every idle connection keeps this future for as long as it is open, so its size is
/// memory per connection. The socket is split before the future is made, and what the
/// future needs is captured by an `async move` block rather than taken as an async fn's
/// arguments: an async fn keeps room both for its arguments and for the locals they are
/// moved into, and the unsplit socket's 368 bytes were kept twice (docs/BENCHMARKS.md,
/// round 3).
pub(super) fn serve<H: Send + 'static>(
    state: AppState,
    socket: WebSocket,
    user: UserProfile,
    conversations: Vec<ConversationId>,
    held: H,
) -> impl std::future::Future<Output = ()> + Send {
    let (sink, mut stream) = socket.split();
    async move {
        let outbound = Outbound::new(state.config.outbound_queue_frames);
        // Hello is queued before registering, so it precedes every routed event; nothing is
        // written until the writer starts, after the subscriptions are live.
        let hello = ServerFrame::Hello {
            protocol_version: tidings_shared::PROTOCOL_VERSION,
            user: user.clone(),
            server_time: crate::clock::now_ms(),
            heartbeat_interval_ms: state.config.heartbeat_interval_secs * 1000,
            max_frame_bytes: limits::MAX_FRAME_BYTES,
            max_text_chars: limits::MAX_TEXT_CHARS,
            max_upload_bytes: state.config.max_upload_bytes,
        };
        queue(&outbound, None, hello);
        // The awaits before and after the read loop are boxed: an async fn's state is as
        // large as its largest await, and these (Redis calls) would otherwise make every
        // idle connection's task carry their space for its whole life.
        let registration = Box::pin(state.hub.register(
            user.id.clone(),
            conversations,
            outbound.clone(),
        ))
        .await;
        tracing::debug!(user = %user.id, connection = registration.id, "connected");
        let device = Box::pin(state.presence.connected(&user.id, registration.id)).await;
        let typing = Typing::default();

        let ping_every = Duration::from_secs(state.config.heartbeat_interval_secs.max(1));
        let pacing = state.hub.pacing().clone();
        let mut writer = tokio::spawn(write_loop(sink, outbound.clone(), pacing, ping_every));
        let mut shutdown = state.shutdown.subscribe();
        let session = Session {
            state: &state,
            user: &user,
            outbound: &outbound,
            device: &device,
            typing: &typing,
        };
        tokio::select! {
            _ = read_loop(&mut stream, &session) => {}
            _ = outbound.closed() => {}
            _ = shutdown.recv() => outbound.close(CloseCode::GOING_AWAY, "server restarting"),
        }
        outbound.close(CloseCode::NORMAL, "");
        if tokio::time::timeout(CLOSE_GRACE, &mut writer)
            .await
            .is_err()
        {
            writer.abort();
        }
        // The closing handshake: give the peer a moment to answer our close frame, so that
        // closing the socket does not race the peer's reads of what we sent last.
        let _ = Box::pin(tokio::time::timeout(CLOSE_HANDSHAKE, async {
            while let Some(Ok(message)) = stream.next().await {
                if matches!(message, Message::Close(_)) {
                    break;
                }
            }
        }))
        .await;
        drop(registration);
        for cid in typing.take_all() {
            Box::pin(publish_typing(&state, &cid, &user.id, false)).await;
        }
        Box::pin(state.presence.disconnected(&user.id, &device)).await;
        tracing::debug!(user = %user.id, "disconnected");
        drop(held);
    }
}

async fn read_loop(stream: &mut SplitStream<WebSocket>, session: &Session<'_>) {
    let timeout = Duration::from_secs(session.state.config.heartbeat_timeout_secs.max(1));
    let mut silent_until = Instant::now() + timeout;
    loop {
        let typing_ends = session.typing.next_deadline();
        let next = tokio::select! {
            next = tokio::time::timeout_at(silent_until, stream.next()) => next,
            _ = tokio::time::sleep_until(typing_ends.unwrap_or(silent_until)), if typing_ends.is_some() => {
                for cid in session.typing.take_expired(Instant::now()) {
                    Box::pin(publish_typing(session.state, &cid, &session.user.id, false)).await;
                }
                continue;
            }
        };
        silent_until = Instant::now() + timeout;
        let message = match next {
            Err(_) => {
                session
                    .outbound
                    .close(CloseCode::HEARTBEAT_TIMEOUT, "no heartbeat");
                return;
            }
            Ok(None) => return,
            Ok(Some(Err(e))) => {
                let (code, reason) = close_for(e);
                session.outbound.close(code, reason);
                return;
            }
            Ok(Some(Ok(message))) => message,
        };
        match message {
            // Boxed: the handlers' state (about 2.5 KB) then exists only while a frame
            // is being answered, not for the whole life of every idle connection.
            Message::Text(text) => Box::pin(dispatch::handle_text(session, text.as_str())).await,
            Message::Binary(_) => dispatch::reject_binary(session),
            Message::Ping(_) | Message::Pong(_) => {}
            Message::Close(_) => return,
        }
    }
}

/// The close code for a read error: size and encoding violations get their RFC codes.
fn close_for(error: axum::Error) -> (u16, &'static str) {
    let inner = error.into_inner();
    match inner.downcast_ref::<tungstenite::Error>() {
        Some(tungstenite::Error::Capacity(_)) => (
            CloseCode::MESSAGE_TOO_BIG,
            "frame larger than max_frame_bytes",
        ),
        Some(tungstenite::Error::Utf8(_)) => {
            (CloseCode::INVALID_PAYLOAD, "text frame is not UTF-8")
        }
        Some(tungstenite::Error::Protocol(_)) => (1002, "protocol error"),
        _ => {
            tracing::debug!(error = %inner, "websocket read error");
            (CloseCode::NORMAL, "")
        }
    }
}

async fn write_loop(
    mut sink: SplitSink<WebSocket, Message>,
    outbound: Outbound,
    pacing: WritePacing,
    ping_every: Duration,
) {
    let mut ping = tokio::time::interval(ping_every);
    ping.tick().await;
    loop {
        tokio::select! {
            next = outbound.next(WRITE_BATCH) => match next {
                Next::Frames(mut frames) => {
                    // While paced, frames that come together go together: a sender's
                    // `ack` and the event it caused reach this server from Redis on two
                    // connections, microseconds apart, and without this the second
                    // would wait out the whole pause after the first one's write.
                    if pacing.pause().is_some() {
                        tokio::time::sleep(pacing::GATHER).await;
                        outbound.take_more(&mut frames, WRITE_BATCH);
                    }
                    let count = frames.len();
                    for frame in frames {
                        if outbound.is_closing() {
                            break;
                        }
                        if sink.feed(Message::Text(frame)).await.is_err() {
                            outbound.close(CloseCode::NORMAL, "");
                            return;
                        }
                    }
                    if sink.flush().await.is_err() {
                        outbound.close(CloseCode::NORMAL, "");
                        return;
                    }
                    pacing.count_write(count);
                    // While the instance is busy, frames queued during the pause go out
                    // together in the next write (see pacing.rs).
                    if let Some(pause) = pacing.pause() {
                        tokio::time::sleep(pause).await;
                    }
                }
                Next::Close(closing) => {
                    let frame = CloseFrame { code: closing.code, reason: closing.reason.into() };
                    let _ = sink.send(Message::Close(Some(frame))).await;
                    return;
                }
            },
            _ = ping.tick() => {
                if sink.send(Message::Ping(Default::default())).await.is_err() {
                    outbound.close(CloseCode::NORMAL, "");
                    return;
                }
            }
        }
    }
}

/// Serializes a frame once for this connection.
pub(super) fn render(
    id: Option<String>,
    frame: ServerFrame,
) -> Option<axum::extract::ws::Utf8Bytes> {
    match serde_json::to_string(&ServerEnvelope { id, frame }) {
        Ok(text) => Some(text.into()),
        Err(e) => {
            tracing::error!(error = %e, "could not serialize a frame");
            None
        }
    }
}

/// Queues a reply (durable).
pub(super) fn queue(outbound: &Outbound, id: Option<String>, frame: ServerFrame) {
    if let Some(text) = render(id, frame) {
        outbound.push(text, Priority::Durable);
    }
}
