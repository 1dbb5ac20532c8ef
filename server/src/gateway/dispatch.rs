//! Parses client frames and answers them. One function per frame type; each checks
//! membership and limits, calls the store, and returns the reply frame.

use super::connection::queue;
use super::outbound::Outbound;
use super::{groups, messages, signals};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::store::Mark;
use crate::store::{keys, AppendOutcome, LogWrite};
use dashmap::DashMap;
use serde_json::Value;
use std::sync::Arc;
use std::time::Instant;
use tidings_shared::{
    ClientEnvelope, ClientFrame, ConversationId, ErrorCode, RequestId, Seq, ServerEnvelope,
    ServerFrame, UserProfile,
};

/// Longest request id the server echoes.
const MAX_REQUEST_ID_CHARS: usize = 128;

/// The highest seq this instance has handed out or seen per conversation. If Redis ever
/// returns a lower counter (it lost recent writes), appends skip past it so that no seq a
/// client already holds is reused.
#[derive(Clone, Default)]
pub struct SeqFloors {
    floors: Arc<DashMap<ConversationId, Seq>>,
}

impl SeqFloors {
    pub(super) fn get(&self, cid: &ConversationId) -> Seq {
        self.floors.get(cid).map(|f| *f).unwrap_or(0)
    }

    pub(super) fn raise(&self, cid: &ConversationId, seq: Seq) {
        let mut floor = self.floors.entry(cid.clone()).or_insert(0);
        if *floor < seq {
            *floor = seq;
        }
    }
}

/// What a frame handler needs about its connection.
pub(super) struct Session<'a> {
    pub(super) state: &'a AppState,
    pub(super) user: &'a UserProfile,
    pub(super) outbound: &'a Outbound,
    /// This connection's presence device id.
    pub(super) device: &'a str,
    /// Conversations this connection says its person is typing in, until when.
    pub(super) typing: &'a super::signals::Typing,
}

/// Answers one text frame. Errors go back as `error` frames; the connection stays open.
pub(super) async fn handle_text(session: &Session<'_>, text: &str) {
    let started = Instant::now();
    let (id, result) = match parse(text) {
        Ok(envelope) => {
            let kind = frame_type(&envelope.frame);
            metrics::counter!("tidings_frames_received_total", "type" => kind).increment(1);
            (envelope.id, execute(session, envelope.frame).await)
        }
        Err((id, e)) => {
            metrics::counter!("tidings_frames_received_total", "type" => "invalid").increment(1);
            (id, Err(e))
        }
    };
    let frame = match result {
        Ok(Some(frame)) => frame,
        Ok(None) => return,
        Err(e) => ServerFrame::Error(e.to_body()),
    };
    queue(session.outbound, id, frame);
    metrics::histogram!("tidings_frame_seconds").record(started.elapsed().as_secs_f64());
}

/// Binary frames are not part of the protocol.
pub(super) fn reject_binary(session: &Session<'_>) {
    let e = AppError::client(
        ErrorCode::InvalidFrame,
        "Frames are JSON text; binary frames are not accepted.",
    );
    queue(session.outbound, None, ServerFrame::Error(e.to_body()));
}

fn parse(text: &str) -> Result<ClientEnvelope, (Option<RequestId>, AppError)> {
    let invalid = |msg: String| AppError::client(ErrorCode::InvalidFrame, msg);
    let value: Value = serde_json::from_str(text)
        .map_err(|e| (None, invalid(format!("The frame is not valid JSON: {e}."))))?;
    let id = match value.get("id") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.chars().count() <= MAX_REQUEST_ID_CHARS => Some(s.clone()),
        Some(_) => {
            return Err((
                None,
                invalid(format!(
                    "`id` must be a string of at most {MAX_REQUEST_ID_CHARS} characters."
                )),
            ))
        }
    };
    match value.get("type").and_then(Value::as_str) {
        None => Err((id, invalid("The frame has no string `type`.".into()))),
        Some(t) if !ClientFrame::TYPES.contains(&t) => Err((
            id,
            AppError::client(
                ErrorCode::UnknownFrame,
                format!("Unknown frame type \"{t}\"."),
            ),
        )),
        Some(_) => serde_json::from_value(value)
            .map_err(|e| (id, invalid(format!("Malformed frame: {e}.")))),
    }
}

fn frame_type(frame: &ClientFrame) -> &'static str {
    match frame {
        ClientFrame::Send { .. } => "send",
        ClientFrame::Edit { .. } => "edit",
        ClientFrame::Delete { .. } => "delete",
        ClientFrame::Read { .. } => "read",
        ClientFrame::History { .. } => "history",
        ClientFrame::Sync { .. } => "sync",
        ClientFrame::Ping => "ping",
        ClientFrame::Typing { .. } => "typing",
        ClientFrame::Delivered { .. } => "delivered",
        ClientFrame::Presence { .. } => "presence",
        ClientFrame::PresenceQuery => "presence_query",
        ClientFrame::React { .. } => "react",
        ClientFrame::Rename { .. } => "rename",
        ClientFrame::AddMembers { .. } => "add_members",
        ClientFrame::RemoveMember { .. } => "remove_member",
        ClientFrame::SetRole { .. } => "set_role",
        ClientFrame::TransferOwnership { .. } => "transfer_ownership",
        ClientFrame::Leave { .. } => "leave",
        ClientFrame::Settings { .. } => "settings",
    }
}

/// Routes a frame to its handler. `Ok(None)`: nothing to answer (typing).
async fn execute(session: &Session<'_>, frame: ClientFrame) -> AppResult<Option<ServerFrame>> {
    use ClientFrame as F;
    let reply = match frame {
        F::Send {
            conversation_id,
            client_id,
            text,
            attachments,
        } => messages::send(session, conversation_id, client_id, text, attachments).await,
        F::Edit {
            conversation_id,
            seq,
            text,
        } => {
            let text = messages::checked_text(text)?;
            messages::rewrite(session, conversation_id, seq, Some(text)).await
        }
        F::Delete {
            conversation_id,
            seq,
        } => messages::rewrite(session, conversation_id, seq, None).await,
        F::React {
            conversation_id,
            seq,
            emoji,
            add,
        } => messages::react(session, conversation_id, seq, emoji, add).await,
        F::History {
            conversation_id,
            before,
            after,
            limit,
        } => messages::history(session, conversation_id, before, after, limit).await,
        F::Sync { cursors, limit } => messages::sync(session, cursors, limit).await,
        F::Read {
            conversation_id,
            seq,
        } => signals::receipt(session, conversation_id, Mark::Read, seq).await,
        F::Delivered {
            conversation_id,
            seq,
        } => signals::receipt(session, conversation_id, Mark::Delivered, seq).await,
        F::Typing {
            conversation_id,
            typing,
        } => {
            return signals::typing(session, conversation_id, typing)
                .await
                .map(|()| None)
        }
        F::Presence { state } => signals::presence(session, state).await,
        F::PresenceQuery => signals::presence_list(session).await,
        F::Settings {
            conversation_id,
            settings,
        } => signals::settings(session, conversation_id, settings).await,
        F::Rename {
            conversation_id,
            title,
        } => groups::rename(session, conversation_id, title).await,
        F::AddMembers {
            conversation_id,
            usernames,
        } => groups::add_members(session, conversation_id, usernames).await,
        F::RemoveMember {
            conversation_id,
            user_id,
        } => groups::remove_member(session, conversation_id, user_id).await,
        F::SetRole {
            conversation_id,
            user_id,
            role,
        } => groups::set_role(session, conversation_id, user_id, role).await,
        F::TransferOwnership {
            conversation_id,
            user_id,
        } => groups::transfer_ownership(session, conversation_id, user_id).await,
        F::Leave { conversation_id } => groups::leave(session, conversation_id).await,
        F::Ping => Ok(ServerFrame::Pong {
            server_time: crate::clock::now_ms(),
        }),
    };
    reply.map(Some)
}

pub(super) fn check_rate(session: &Session<'_>) -> AppResult<()> {
    session
        .state
        .limiter
        .check(&session.user.id)
        .map_err(|wait_ms| {
            AppError::retry_after(
                ErrorCode::RateLimited,
                "You are sending too fast; wait a moment.",
                wait_ms,
            )
        })
}

/// Appends and interprets the outcome shared by send, edit and delete; `Ok(None)` means
/// the message being replaced changed meanwhile.
pub(super) async fn append(
    session: &Session<'_>,
    write: LogWrite<'_>,
) -> AppResult<Option<(Seq, i64)>> {
    let cid = write.conversation.clone();
    let started = Instant::now();
    let outcome = session.state.store.append(write).await?;
    metrics::histogram!("tidings_append_seconds").record(started.elapsed().as_secs_f64());
    match outcome {
        AppendOutcome::NotMember => Err(AppError::not_found()),
        AppendOutcome::Conflict => Ok(None),
        AppendOutcome::Stored {
            seq,
            ts,
            rolled_back,
            ..
        } => {
            session.state.seq_floors.raise(&cid, seq);
            if rolled_back {
                rollback_detected(session.state, &cid, seq).await;
            }
            Ok(Some((seq, ts)))
        }
    }
}

/// Redis handed out a seq at or below one we had seen: it lost writes. Seqs were skipped
/// (never reused); members are told to resync so their caches match the log.
pub(super) async fn rollback_detected(state: &AppState, cid: &ConversationId, seq: Seq) {
    tracing::error!(conversation = %cid, seq, "Redis lost acknowledged writes; seqs skipped");
    metrics::counter!("tidings_seq_rollbacks_total").increment(1);
    let frame = ServerEnvelope {
        id: None,
        frame: ServerFrame::Resync {
            conversation_id: Some(cid.clone()),
            reason: "the server's storage lost recent writes".into(),
        },
    };
    if let Ok(text) = serde_json::to_string(&frame) {
        let _ = state
            .store
            .publish(&keys::conversation_channel(cid), &text)
            .await;
    }
}
