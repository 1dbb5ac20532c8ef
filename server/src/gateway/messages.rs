//! Frames that write or read a conversation's log: send, edit, delete, react, history
//! and sync.

use super::dispatch::{append, check_rate, rollback_detected, Session};
use crate::error::{AppError, AppResult};
use crate::store::messages::Replace;
use crate::store::{Access, LogWrite};
use std::collections::{BTreeMap, HashMap};
use tidings_shared::limits::*;
use tidings_shared::{
    ClientMessageId, ConversationChanges, ConversationId, ErrorCode, Event, EventBody, MediaId,
    MediaInfo, ReactionSummary, Seq, ServerFrame,
};

/// How far ahead of the log a sync cursor may be and still be taken as evidence that
/// Redis lost writes (larger gaps are ignored as a client bug).
const MAX_ROLLBACK_SEQS: Seq = 10_000;

/// What a `send` must hold: at most [`MAX_ATTACHMENTS_PER_MESSAGE`] files, and a text
/// that passes [`check_text`] unless the message is files only. Run by the frame check
/// (`dispatch::check_frame`) before [`send`], on the borrowed frame.
pub(super) fn check_send(text: &str, attachments: &[MediaId]) -> AppResult<()> {
    if attachments.len() > MAX_ATTACHMENTS_PER_MESSAGE {
        return Err(AppError::client(
            ErrorCode::InvalidFrame,
            format!("A message may carry at most {MAX_ATTACHMENTS_PER_MESSAGE} files."),
        ));
    }
    if is_files_only(text, attachments) {
        Ok(())
    } else {
        check_text(text)
    }
}

/// A file may go without words.
fn is_files_only(text: &str, attachments: &[MediaId]) -> bool {
    !attachments.is_empty() && text.trim().is_empty()
}

/// The refusal of a reaction that is not one emoji.
pub(super) fn invalid_emoji() -> AppError {
    AppError::client(ErrorCode::InvalidEmoji, "A reaction is a single emoji.")
}

/// A message text's limits: some words, and not too many (run by the frame check
/// before `send` and `edit`).
pub(super) fn check_text(text: &str) -> AppResult<()> {
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
    Ok(())
}

pub(super) async fn send(
    session: &Session<'_>,
    cid: ConversationId,
    client_id: ClientMessageId,
    text: String,
    attachments: Vec<MediaId>,
) -> AppResult<ServerFrame> {
    // The frame check ran `check_send` on this frame already.
    let text = if is_files_only(&text, &attachments) {
        String::new()
    } else {
        text
    };
    check_rate(session)?;
    let attachments = shared_files(session, &cid, &attachments).await?;
    let me = &session.user.id;
    let body = EventBody::Message {
        client_id,
        text,
        edited_at: None,
        deleted: false,
        reactions: Vec::new(),
        attachments,
    };
    let write = LogWrite {
        conversation: &cid,
        sender: me,
        dedup_field: Some(format!("{me}:{client_id}")),
        event_tail: crate::store::event_tail(me, &body)?,
        is_message: true,
        replace: None,
        seq_floor: session.state.seq_floors.get(&cid),
        membership: None,
    };
    let (seq, ts) = append(session, write)
        .await?
        .ok_or_else(|| AppError::Internal("a send cannot conflict".into()))?;
    // Sending ends typing.
    if session.typing.stop(&cid) {
        super::signals::publish_typing(session.state, &cid, me, false).await;
    }
    Ok(ServerFrame::Ack {
        conversation_id: cid,
        client_id,
        seq,
        ts,
    })
}

/// The stored files a message refers to: each must have been uploaded to this
/// conversation (so a file never travels to a conversation it was not shared in).
async fn shared_files(
    session: &Session<'_>,
    cid: &ConversationId,
    ids: &[MediaId],
) -> AppResult<Vec<MediaInfo>> {
    let records = session.state.store.media_many(ids).await?;
    records
        .into_iter()
        .map(|record| match record {
            Some(r) if &r.conversation == cid => Ok(r.info),
            _ => Err(AppError::client(
                ErrorCode::NotFound,
                "No such file in this conversation; upload it here first.",
            )),
        })
        .collect()
}

/// Edits (`Some(text)`) or deletes (`None`) one of the caller's messages.
pub(super) async fn rewrite(
    session: &Session<'_>,
    cid: ConversationId,
    target: Seq,
    new_text: Option<String>,
) -> AppResult<ServerFrame> {
    let me = session.user.id.clone();
    change_message(session, cid, target, |sender, body| {
        if sender != &me {
            return Err(AppError::client(
                ErrorCode::NotAuthor,
                "Only the author can change a message.",
            ));
        }
        let EventBody::Message {
            client_id,
            reactions,
            attachments,
            ..
        } = body
        else {
            return Err(AppError::not_found());
        };
        Ok(Some(match &new_text {
            Some(text) => (
                EventBody::Message {
                    client_id: *client_id,
                    text: text.clone(),
                    edited_at: Some(crate::clock::now_ms()),
                    deleted: false,
                    reactions: reactions.clone(),
                    attachments: attachments.clone(),
                },
                EventBody::Edit {
                    target,
                    text: text.clone(),
                },
            ),
            None => (
                EventBody::tombstone(*client_id),
                EventBody::Delete { target },
            ),
        }))
    })
    .await
}

/// Adds or removes the caller's reaction. Adding one already there (or removing one that
/// is not) changes nothing and appends nothing; the reply's `seq` is then the message's.
pub(super) async fn react(
    session: &Session<'_>,
    cid: ConversationId,
    target: Seq,
    emoji: String,
    add: bool,
) -> AppResult<ServerFrame> {
    // Checked by the frame check already; looked up again for its canonical form.
    let found = emojis::get(&emoji).ok_or_else(invalid_emoji)?;
    let emoji = found.as_str().to_owned();
    let me = session.user.id.clone();
    change_message(session, cid, target, |_, body| {
        let EventBody::Message { client_id, text, edited_at, reactions, attachments, .. } = body
        else {
            return Err(AppError::not_found());
        };
        let mut reactions = reactions.clone();
        let position = reactions.iter().position(|r| r.emoji == emoji);
        match (add, position) {
            (true, Some(i)) if reactions[i].users.contains(&me) => return Ok(None),
            (true, Some(i)) => reactions[i].users.push(me.clone()),
            (true, None) if reactions.len() >= MAX_REACTIONS_PER_MESSAGE => {
                return Err(AppError::client(
                    ErrorCode::TooManyReactions,
                    format!("A message can have at most {MAX_REACTIONS_PER_MESSAGE} different reactions."),
                ))
            }
            (true, None) => reactions.push(ReactionSummary { emoji: emoji.clone(), users: vec![me.clone()] }),
            (false, Some(i)) if reactions[i].users.contains(&me) => {
                reactions[i].users.retain(|u| u != &me);
                if reactions[i].users.is_empty() {
                    reactions.remove(i);
                }
            }
            (false, _) => return Ok(None),
        }
        Ok(Some((
            EventBody::Message {
                client_id: *client_id,
                text: text.clone(),
                edited_at: *edited_at,
                deleted: false,
                reactions,
                attachments: attachments.clone(),
            },
            EventBody::Reaction { target, emoji: emoji.clone(), added: add },
        )))
    })
    .await
}

/// Rewrites the stored message at `target` as `decide` says (its new state, and the log
/// event that tells everyone), with compare-and-set against concurrent changes.
/// `decide` gets the author and the current body; `Ok(None)` means nothing to do.
async fn change_message(
    session: &Session<'_>,
    cid: ConversationId,
    target: Seq,
    decide: impl Fn(&tidings_shared::UserId, &EventBody) -> AppResult<Option<(EventBody, EventBody)>>,
) -> AppResult<ServerFrame> {
    check_rate(session)?;
    let store = &session.state.store;
    let me = &session.user.id;
    if !store.is_member(&cid, me).await? {
        return Err(AppError::not_found());
    }
    for _ in 0..5 {
        let stored = store
            .log_entry(&cid, target)
            .await?
            .ok_or_else(AppError::not_found)?;
        let event: Event = serde_json::from_str(&stored)?;
        match &event.body {
            EventBody::Message { deleted: true, .. } => {
                return Err(AppError::client(
                    ErrorCode::MessageDeleted,
                    "That message was deleted.",
                ))
            }
            EventBody::Message { .. } => {}
            _ => return Err(AppError::not_found()),
        }
        let Some((new_body, log_body)) = decide(&event.sender, &event.body)? else {
            return Ok(ServerFrame::Done {
                conversation_id: cid,
                seq: target,
            });
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
            membership: None,
        };
        if let Some((seq, _)) = append(session, write).await? {
            return Ok(ServerFrame::Done {
                conversation_id: cid,
                seq,
            });
        }
    }
    Err(AppError::Internal(
        "the message kept changing during the update".into(),
    ))
}

/// How far `user` may read `cid`: the whole log, up to their removal, or not at all.
async fn readable_head(session: &Session<'_>, cid: &ConversationId) -> AppResult<Seq> {
    let store = &session.state.store;
    let head = store.head(cid).await?;
    match store.access(cid, &session.user.id).await? {
        Access::Member => Ok(head),
        Access::Former { through } => Ok(head.min(through)),
        Access::None => Err(AppError::not_found()),
    }
}

pub(super) async fn history(
    session: &Session<'_>,
    cid: ConversationId,
    before: Option<Seq>,
    after: Option<Seq>,
    limit: Option<u32>,
) -> AppResult<ServerFrame> {
    let store = &session.state.store;
    let head = readable_head(session, &cid).await?;
    let limit = Seq::from(
        limit
            .unwrap_or(HISTORY_PAGE_DEFAULT)
            .clamp(1, HISTORY_PAGE_MAX),
    );
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

pub(super) async fn sync(
    session: &Session<'_>,
    cursors: BTreeMap<ConversationId, Seq>,
    limit: Option<u32>,
) -> AppResult<ServerFrame> {
    let store = &session.state.store;
    let me = &session.user.id;
    let mut budget = Seq::from(limit.unwrap_or(SYNC_PAGE_DEFAULT).clamp(1, SYNC_PAGE_MAX));
    let mut cids = store.conversation_ids(me).await?;
    cids.sort();
    let heads = store.heads_for(me, &cids).await?;

    let mut changed = Vec::new();
    let mut more = false;
    for (cid, (log_head, removed_at)) in cids.into_iter().zip(heads) {
        let cursor = cursors.get(&cid).copied().unwrap_or(0);
        // A former member reads up to their removal and no further.
        let head = removed_at.map_or(log_head, |through| through.min(log_head));
        if cursor > log_head && removed_at.is_none() {
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
        if cursor >= head {
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
