//! Parses client frames and answers them. A text frame is first decoded
//! ([`decode_client_frame`]: JSON, request id, type, shape, then the checks that need
//! nothing but the frame itself); only then does a handler, one per frame type, check
//! membership and rate, call the store, and return the reply frame.

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
    ClientEnvelope, ClientFrame, ConversationId, ErrorBody, ErrorCode, PresenceState, RequestId,
    Seq, ServerEnvelope, ServerFrame, UserProfile,
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
            let result = match check_frame(&envelope.frame) {
                Ok(()) => execute(session, envelope.frame).await,
                Err(e) => Err(e),
            };
            (envelope.id, result)
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

/// Decodes a client text frame as the gateway does before anything else: JSON, request
/// id, type and shape ([`parse`]), then the checks that need nothing but the frame
/// ([`check_frame`]). No storage, rate limiter or clock is touched, so it is what the
/// `client_frame` fuzz target (`fuzz/`) drives. An error carries the request id when the
/// frame had a readable one, and is always a client error (`invalid_frame`,
/// `unknown_frame`, `empty_text`, `text_too_long`, `invalid_emoji` or
/// `invalid_conversation`).
pub fn decode_client_frame(text: &str) -> Result<ClientEnvelope, (Option<RequestId>, ErrorBody)> {
    let envelope = parse(text).map_err(|(id, e)| (id, e.to_body()))?;
    match check_frame(&envelope.frame) {
        Ok(()) => Ok(envelope),
        Err(e) => Err((envelope.id, e.to_body())),
    }
}

fn parse(text: &str) -> Result<ClientEnvelope, (Option<RequestId>, AppError)> {
    // A good frame parses straight into its type, at half the cost of going through a
    // `Value` (one parse per message sent); only a frame that fails takes the slow path
    // below, which says exactly what is wrong and with which request id.
    if let Ok(envelope) = serde_json::from_str::<ClientEnvelope>(text) {
        if envelope
            .id
            .as_ref()
            .is_none_or(|id| id.chars().count() <= MAX_REQUEST_ID_CHARS)
        {
            return Ok(envelope);
        }
    }
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

/// The limits a frame's own content must keep, checked before its handler runs (so before
/// the rate limiter and storage). Handlers rely on it; those that normalize (a title is
/// trimmed, an emoji made canonical) look the value up again for that.
fn check_frame(frame: &ClientFrame) -> AppResult<()> {
    use ClientFrame as F;
    match frame {
        F::Send {
            text, attachments, ..
        } => messages::check_send(text, attachments)?,
        F::Edit { text, .. } => messages::check_text(text)?,
        F::React { emoji, .. } if emojis::get(emoji).is_none() => {
            return Err(messages::invalid_emoji())
        }
        F::Rename { title, .. } => {
            groups::checked_title(title)?;
        }
        F::Presence {
            state: PresenceState::Offline,
        } => {
            return Err(AppError::client(
                ErrorCode::InvalidFrame,
                "A connected device is online or away; disconnect to go offline.",
            ))
        }
        _ => {}
    }
    Ok(())
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
        } => messages::rewrite(session, conversation_id, seq, Some(text)).await,
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

#[cfg(test)]
mod tests {
    use super::decode_client_frame;
    use tidings_shared::{ClientFrame, ErrorCode};

    fn refused(text: &str) -> (Option<String>, ErrorCode) {
        match decode_client_frame(text) {
            Ok(envelope) => panic!("{text} was accepted as {envelope:?}"),
            Err((id, body)) => (id, body.code),
        }
    }

    #[test]
    fn a_well_formed_frame_decodes_with_its_id() {
        let envelope = decode_client_frame(r#"{"id":"p1","type":"ping"}"#).expect("decodes");
        assert_eq!(envelope.id.as_deref(), Some("p1"));
        assert_eq!(envelope.frame, ClientFrame::Ping);
    }

    #[test]
    fn refusals_are_typed_and_keep_a_readable_id() {
        assert_eq!(refused("{"), (None, ErrorCode::InvalidFrame));
        let long_id = format!(r#"{{"id":"{}","type":"ping"}}"#, "x".repeat(129));
        assert_eq!(refused(&long_id), (None, ErrorCode::InvalidFrame));
        assert_eq!(
            refused(r#"{"id":"a","type":"nope"}"#),
            (Some("a".into()), ErrorCode::UnknownFrame)
        );
        assert_eq!(
            refused(r#"{"id":"b","type":"read","seq":-1}"#),
            (Some("b".into()), ErrorCode::InvalidFrame)
        );
    }

    /// Issue 9: the checks that need only the frame run before any handler (so before
    /// the rate limiter and Redis), and the `client_frame` fuzz target drives them.
    #[test]
    fn a_frames_own_limits_are_checked_before_its_handler() {
        let send = |text: &str, files: usize| {
            let files: Vec<String> = (0..files).map(|i| format!("\"m{i}\"")).collect();
            format!(
                r#"{{"id":"s","type":"send","conversation_id":"c","client_id":"3f1c9a7e-5b2d-4c8e-9f0a-1b2c3d4e5f60","text":"{text}","attachments":[{}]}}"#,
                files.join(",")
            )
        };
        let id = Some("s".to_owned());
        assert_eq!(refused(&send(" ", 0)), (id.clone(), ErrorCode::EmptyText));
        assert!(
            decode_client_frame(&send(" ", 1)).is_ok(),
            "a file needs no words"
        );
        assert_eq!(
            refused(&send("x", 11)),
            (id.clone(), ErrorCode::InvalidFrame)
        );
        let long = "a".repeat(tidings_shared::limits::MAX_TEXT_CHARS + 1);
        assert_eq!(refused(&send(&long, 0)), (id, ErrorCode::TextTooLong));
        assert_eq!(
            refused(r#"{"type":"react","conversation_id":"c","seq":1,"emoji":"ok","add":true}"#).1,
            ErrorCode::InvalidEmoji
        );
        assert_eq!(
            refused(r#"{"type":"rename","conversation_id":"c","title":"  "}"#).1,
            ErrorCode::InvalidConversation
        );
        assert_eq!(
            refused(r#"{"type":"presence","state":"offline"}"#).1,
            ErrorCode::InvalidFrame
        );
    }
}
