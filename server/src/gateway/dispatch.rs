//! Parses client frames and answers them. One function per frame type; each checks
//! membership and limits, calls the store, and returns the reply frame.

use super::connection::queue;
use super::outbound::Outbound;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::store::messages::Replace;
use crate::store::{keys, AppendOutcome, LogWrite};
use dashmap::DashMap;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Instant;
use tidings_shared::limits::*;
use tidings_shared::{
    ClientEnvelope, ClientFrame, ClientMessageId, ConversationChanges, ConversationId, ErrorCode,
    Event, EventBody, RequestId, Seq, ServerEnvelope, ServerFrame, UserProfile,
};

/// How far ahead of the log a sync cursor may be and still be taken as evidence that
/// Redis lost writes (larger gaps are ignored as a client bug).
const MAX_ROLLBACK_SEQS: Seq = 10_000;

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
    fn get(&self, cid: &ConversationId) -> Seq {
        self.floors.get(cid).map(|f| *f).unwrap_or(0)
    }

    fn raise(&self, cid: &ConversationId, seq: Seq) {
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
        Ok(frame) => frame,
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
    }
}

async fn execute(session: &Session<'_>, frame: ClientFrame) -> AppResult<ServerFrame> {
    match frame {
        ClientFrame::Send {
            conversation_id,
            client_id,
            text,
        } => send(session, conversation_id, client_id, text).await,
        ClientFrame::Edit {
            conversation_id,
            seq,
            text,
        } => {
            let text = checked_text(text)?;
            rewrite(session, conversation_id, seq, Some(text)).await
        }
        ClientFrame::Delete {
            conversation_id,
            seq,
        } => rewrite(session, conversation_id, seq, None).await,
        ClientFrame::Read {
            conversation_id,
            seq,
        } => read(session, conversation_id, seq).await,
        ClientFrame::History {
            conversation_id,
            before,
            after,
            limit,
        } => history(session, conversation_id, before, after, limit).await,
        ClientFrame::Sync { cursors, limit } => sync(session, cursors, limit).await,
        ClientFrame::Ping => Ok(ServerFrame::Pong {
            server_time: crate::clock::now_ms(),
        }),
    }
}

fn checked_text(text: String) -> AppResult<String> {
    if text.trim().is_empty() {
        return Err(AppError::client(
            ErrorCode::EmptyText,
            "A message needs some text.",
        ));
    }
    if text.chars().count() > MAX_TEXT_CHARS {
        return Err(AppError::client(
            ErrorCode::TextTooLong,
            format!("A message may have at most {MAX_TEXT_CHARS} characters; split it up."),
        ));
    }
    Ok(text)
}

fn check_rate(session: &Session<'_>) -> AppResult<()> {
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

async fn send(
    session: &Session<'_>,
    cid: ConversationId,
    client_id: ClientMessageId,
    text: String,
) -> AppResult<ServerFrame> {
    let text = checked_text(text)?;
    check_rate(session)?;
    let me = &session.user.id;
    let body = EventBody::Message {
        client_id,
        text,
        edited_at: None,
        deleted: false,
    };
    let write = LogWrite {
        conversation: &cid,
        sender: me,
        dedup_field: Some(format!("{me}:{client_id}")),
        event_tail: crate::store::event_tail(me, &body)?,
        is_message: true,
        replace: None,
        seq_floor: session.state.seq_floors.get(&cid),
    };
    let (seq, ts) = append(session, write)
        .await?
        .ok_or_else(|| AppError::Internal("a send cannot conflict".into()))?;
    Ok(ServerFrame::Ack {
        conversation_id: cid,
        client_id,
        seq,
        ts,
    })
}

/// Appends and interprets the outcome shared by send, edit and delete; `Ok(None)` means
/// the message being replaced changed meanwhile.
async fn append(session: &Session<'_>, write: LogWrite<'_>) -> AppResult<Option<(Seq, i64)>> {
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
async fn rollback_detected(state: &AppState, cid: &ConversationId, seq: Seq) {
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

/// Edits (`Some(text)`) or deletes (`None`) one of the caller's messages.
async fn rewrite(
    session: &Session<'_>,
    cid: ConversationId,
    target: Seq,
    new_text: Option<String>,
) -> AppResult<ServerFrame> {
    check_rate(session)?;
    let store = &session.state.store;
    let me = &session.user.id;
    if !store.is_member(&cid, me).await? {
        return Err(AppError::not_found());
    }
    // Compare-and-set against concurrent edits of the same message; a few tries suffice.
    for _ in 0..3 {
        let stored = store
            .log_entry(&cid, target)
            .await?
            .ok_or_else(AppError::not_found)?;
        let event: Event = serde_json::from_str(&stored)?;
        let EventBody::Message {
            client_id, deleted, ..
        } = event.body
        else {
            return Err(AppError::not_found());
        };
        if &event.sender != me {
            return Err(AppError::client(
                ErrorCode::NotAuthor,
                "Only the author can change a message.",
            ));
        }
        if deleted {
            return Err(AppError::client(
                ErrorCode::MessageDeleted,
                "That message was deleted.",
            ));
        }
        let (new_body, log_body) = match &new_text {
            Some(text) => (
                EventBody::Message {
                    client_id,
                    text: text.clone(),
                    edited_at: Some(crate::clock::now_ms()),
                    deleted: false,
                },
                EventBody::Edit {
                    target,
                    text: text.clone(),
                },
            ),
            None => (
                EventBody::Message {
                    client_id,
                    text: String::new(),
                    edited_at: None,
                    deleted: true,
                },
                EventBody::Delete { target },
            ),
        };
        let replacement = Event {
            seq: event.seq,
            ts: event.ts,
            sender: event.sender,
            body: new_body,
        };
        let write = LogWrite {
            conversation: &cid,
            sender: me,
            dedup_field: None,
            event_tail: crate::store::event_tail(me, &log_body)?,
            is_message: false,
            replace: Some(Replace {
                seq: target,
                expected: stored,
                new: serde_json::to_string(&replacement)?,
            }),
            seq_floor: session.state.seq_floors.get(&cid),
        };
        if let Some((seq, _)) = append(session, write).await? {
            return Ok(ServerFrame::Done {
                conversation_id: cid,
                seq,
            });
        }
    }
    Err(AppError::Internal(
        "message kept changing during edit".into(),
    ))
}

async fn read(session: &Session<'_>, cid: ConversationId, seq: Seq) -> AppResult<ServerFrame> {
    let store = &session.state.store;
    if !store.is_member(&cid, &session.user.id).await? {
        return Err(AppError::not_found());
    }
    let seq = seq.min(store.head(&cid).await?);
    let mark = store.mark_read(&cid, &session.user.id, seq).await?;
    Ok(ServerFrame::Done {
        conversation_id: cid,
        seq: mark,
    })
}

async fn history(
    session: &Session<'_>,
    cid: ConversationId,
    before: Option<Seq>,
    after: Option<Seq>,
    limit: Option<u32>,
) -> AppResult<ServerFrame> {
    let store = &session.state.store;
    if !store.is_member(&cid, &session.user.id).await? {
        return Err(AppError::not_found());
    }
    let limit = Seq::from(
        limit
            .unwrap_or(HISTORY_PAGE_DEFAULT)
            .clamp(1, HISTORY_PAGE_MAX),
    );
    let head = store.head(&cid).await?;
    let (from, to) = match (before, after) {
        (Some(_), Some(_)) => {
            return Err(AppError::client(
                ErrorCode::InvalidFrame,
                "Give `before` or `after`, not both.",
            ))
        }
        (Some(before), None) => {
            let to = before.saturating_sub(1).min(head);
            (to.saturating_sub(limit - 1).max(1), to)
        }
        (None, Some(after)) => (
            after.saturating_add(1),
            after.saturating_add(limit).min(head),
        ),
        (None, None) => (head.saturating_sub(limit - 1).max(1), head),
    };
    let events = if to == 0 {
        Vec::new()
    } else {
        store.log_range(&cid, from, to).await?
    };
    Ok(ServerFrame::History {
        conversation_id: cid,
        events,
        head,
    })
}

async fn sync(
    session: &Session<'_>,
    cursors: BTreeMap<ConversationId, Seq>,
    limit: Option<u32>,
) -> AppResult<ServerFrame> {
    let store = &session.state.store;
    let me = &session.user.id;
    let mut budget = Seq::from(limit.unwrap_or(SYNC_PAGE_DEFAULT).clamp(1, SYNC_PAGE_MAX));
    let mut cids = store.conversation_ids(me).await?;
    cids.sort();
    let heads = store.heads(&cids).await?;

    let mut changed = Vec::new();
    let mut more = false;
    for (cid, head) in cids.into_iter().zip(heads) {
        let cursor = cursors.get(&cid).copied().unwrap_or(0);
        if cursor > head {
            // The client holds seqs the log no longer has: Redis lost writes. A real loss
            // is seconds of writes; a cursor far beyond the head is a bad client, and
            // honouring it would skip seqs for everyone.
            if cursor - head <= MAX_ROLLBACK_SEQS {
                check_rate(session)?;
                if store.raise_head(&cid, cursor).await? {
                    rollback_detected(session.state, &cid, cursor).await;
                }
                session.state.seq_floors.raise(&cid, cursor);
            }
            continue;
        }
        if cursor == head {
            continue;
        }
        if budget == 0 {
            more = true;
            continue;
        }
        let to = head.min(cursor + budget);
        let events = store.log_range(&cid, cursor + 1, to).await?;
        budget -= to - cursor;
        if to < head {
            more = true;
        }
        changed.push((cid, events, to));
    }
    let ids: Vec<ConversationId> = changed.iter().map(|(cid, _, _)| cid.clone()).collect();
    let mut summaries: HashMap<ConversationId, _> = store
        .summaries(me, &ids)
        .await?
        .into_iter()
        .map(|s| (s.id.clone(), s))
        .collect();
    let conversations = changed
        .into_iter()
        .filter_map(|(cid, events, through)| {
            summaries
                .remove(&cid)
                .map(|conversation| ConversationChanges {
                    conversation,
                    events,
                    through,
                })
        })
        .collect();
    Ok(ServerFrame::Sync {
        conversations,
        more,
    })
}
