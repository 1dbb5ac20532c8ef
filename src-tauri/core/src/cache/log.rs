//! Conversation logs: applying server events, the sync cursor, and pages of messages.
//!
//! Applying is idempotent per (conversation, seq): `events` records every seq held, and a
//! repeated entry changes nothing it should not. What each kind does:
//!
//! - `message` → a row of kind `message`. A pending or failed local echo with the same
//!   sender and client id becomes that row (and its outbox item is done: the event is as
//!   good as an ack). A message already held is not replaced (a live repeat shows it as
//!   sent, without later reactions), but facts that only move forward are taken from it:
//!   deletion, a newer `edited_at` with its text, and the attachments' descriptions.
//! - `edit`, `delete`, `reaction` → change the target's row. An edit applies only if it is
//!   newer than the one that set the current text; a deleted message takes no more
//!   changes; reactions are decided per (message, emoji, person) by the newest reaction
//!   event, so applying them out of order converges.
//!   **If the target is not cached, the change is dropped**: the target can only arrive
//!   later from `history` or `sync`, which return a message in its current state, with
//!   every change already in it (docs/PROTOCOL.md, "current-state rule").
//! - Group events (`created`, `renamed`, `members_added`, …) → a row of kind `system`.
//!
//! The search index follows the rows: a new message is indexed, an edit reindexes it, a
//! deletion unindexes it.

use super::rows::{self, SentMessage, CACHED_COLUMNS};
use super::{ensure_conversation, exec, index, query_one, Cache, CacheResult, CachedMessage};
use rusqlite::{Connection, OptionalExtension};
use std::collections::BTreeMap;
use tidings_shared::{
    ClientMessageId, ConversationId, Event, EventBody, ReactionSummary, Seq, UserId,
};

impl Cache {
    /// Applies a page of events (live, `history` or `sync`; any order, repeats allowed) in
    /// one transaction, then moves the cursor over every contiguous seq now held.
    ///
    /// Idempotent per (conversation, seq): applying the same page twice leaves the same
    /// rows. See the module documentation for what each kind of event does; a change to
    /// a message that is not cached is dropped, since `history` and `sync` return
    /// messages in their current state.
    pub fn apply_events(&self, id: &ConversationId, events: &[Event]) -> CacheResult<()> {
        self.write(|tx| apply_all(tx, id, events))
    }

    /// [`Cache::apply_events`], also telling which of `sends` (client ids of my own
    /// messages among the events) it completed: they waited in the outbox before and no
    /// longer do, their events being as good as acks. One transaction, and a lookup per
    /// id rather than reading the outbox.
    pub fn apply_events_completing(
        &self,
        id: &ConversationId,
        events: &[Event],
        sends: &[ClientMessageId],
    ) -> CacheResult<Vec<ClientMessageId>> {
        self.write(|tx| {
            let waiting = |tx: &Connection| -> CacheResult<Vec<ClientMessageId>> {
                let mut waiting = Vec::new();
                for client_id in sends {
                    let queued: bool = query_one(
                        tx,
                        "SELECT EXISTS(SELECT 1 FROM outbox WHERE client_id = ?1)",
                        [client_id.to_string()],
                        |row| row.get(0),
                    )?;
                    if queued {
                        waiting.push(*client_id);
                    }
                }
                Ok(waiting)
            };
            let before = waiting(tx)?;
            apply_all(tx, id, events)?;
            let after = waiting(tx)?;
            Ok(before.into_iter().filter(|c| !after.contains(c)).collect())
        })
    }

    /// The sync cursor: the highest seq such that every seq `1..=it` is held or known to
    /// be lost. 0 for a conversation the cache has nothing of.
    pub fn cursor(&self, id: &ConversationId) -> CacheResult<Seq> {
        self.read(|tx| cursor(tx, id))
    }

    /// Records that the server covered every seq up to `through` (a `sync` page's
    /// `through`, or the end of a `history` range): those absent are lost for good. The
    /// cursor never moves back; after moving it walks on over seqs already held above.
    pub fn advance_cursor(&self, id: &ConversationId, through: Seq) -> CacheResult<()> {
        self.write(|tx| {
            ensure_conversation(tx, id)?;
            walk_cursor(tx, id, through)
        })
    }

    /// Every known conversation's cursor, as a `sync` request wants them.
    pub fn cursors(&self) -> CacheResult<BTreeMap<ConversationId, Seq>> {
        self.read(|tx| {
            let mut stmt = tx.prepare("SELECT id, cursor FROM conversations")?;
            let rows = stmt.query_map([], |row| Ok((ConversationId(row.get(0)?), row.get(1)?)))?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
    }

    /// The highest seq held, of any kind of event (above the cursor when there is a gap);
    /// 0 when nothing is held.
    pub fn max_seq(&self, id: &ConversationId) -> CacheResult<Seq> {
        self.read(|tx| {
            Ok(tx.query_row(
                "SELECT COALESCE(MAX(seq), 0) FROM events WHERE conversation_id = ?1",
                [id.as_str()],
                |row| row.get(0),
            )?)
        })
    }

    /// The lowest seq held, to know whether older history must be fetched (it need not
    /// when this is 1).
    pub fn min_seq(&self, id: &ConversationId) -> CacheResult<Option<Seq>> {
        self.read(|tx| {
            Ok(tx.query_row(
                "SELECT MIN(seq) FROM events WHERE conversation_id = ?1",
                [id.as_str()],
                |row| row.get(0),
            )?)
        })
    }

    /// A page of the conversation view: the `limit` newest rows (messages and system
    /// events) with `seq < before` (all of them when `None`), oldest first. On the newest
    /// page (`before: None`) the pending and failed local echoes follow, in the order they
    /// were written; they do not count against `limit`.
    pub fn messages(
        &self,
        id: &ConversationId,
        before: Option<Seq>,
        limit: u32,
    ) -> CacheResult<Vec<CachedMessage>> {
        self.read(|tx| {
            let mut stmt = tx.prepare(&format!(
                "SELECT * FROM (
                    SELECT {CACHED_COLUMNS} FROM messages
                    WHERE conversation_id = ?1 AND seq IS NOT NULL AND seq < ?2
                    ORDER BY seq DESC LIMIT ?3
                 ) ORDER BY seq ASC"
            ))?;
            let below = before.map_or(i64::MAX, |b| i64::try_from(b).unwrap_or(i64::MAX));
            let mut page = Vec::new();
            let mut rows = stmt.query((id.as_str(), below, limit))?;
            while let Some(row) = rows.next()? {
                page.push(rows::cached_from_row(row)?);
            }
            if before.is_none() {
                let mut stmt = tx.prepare(&format!(
                    "SELECT {CACHED_COLUMNS} FROM messages
                     WHERE conversation_id = ?1 AND seq IS NULL ORDER BY row_id"
                ))?;
                let mut rows = stmt.query([id.as_str()])?;
                while let Some(row) = rows.next()? {
                    page.push(rows::cached_from_row(row)?);
                }
            }
            Ok(page)
        })
    }

    /// How many rows the conversation view has: messages, system events and local echoes.
    pub fn message_count(&self, id: &ConversationId) -> CacheResult<u64> {
        self.read(|tx| {
            Ok(tx.query_row(
                "SELECT COUNT(*) FROM messages WHERE conversation_id = ?1",
                [id.as_str()],
                |row| row.get(0),
            )?)
        })
    }
}

pub(super) fn cursor(conn: &Connection, id: &ConversationId) -> CacheResult<Seq> {
    Ok(query_one(
        conn,
        "SELECT cursor FROM conversations WHERE id = ?1",
        [id.as_str()],
        |row| row.get(0),
    )
    .optional()?
    .unwrap_or(0))
}

/// Raises the cursor to at least `through`, then over every contiguous seq held above it.
pub(super) fn walk_cursor(conn: &Connection, id: &ConversationId, through: Seq) -> CacheResult<()> {
    let mut cursor = cursor(conn, id)?.max(through);
    let mut stmt = conn.prepare_cached(
        "SELECT seq FROM events WHERE conversation_id = ?1 AND seq > ?2 ORDER BY seq",
    )?;
    let mut rows = stmt.query((id.as_str(), cursor))?;
    while let Some(row) = rows.next()? {
        let seq: Seq = row.get(0)?;
        if seq != cursor + 1 {
            break;
        }
        cursor = seq;
    }
    exec(
        conn,
        "UPDATE conversations SET cursor = ?2 WHERE id = ?1 AND cursor < ?2",
        (id.as_str(), cursor),
    )?;
    Ok(())
}

/// Records that `seq` is held; false when it already was.
pub(super) fn hold(
    conn: &Connection,
    cid: &ConversationId,
    seq: Seq,
    kind: &str,
    sender: &UserId,
    ts: i64,
) -> CacheResult<bool> {
    let inserted = exec(
        conn,
        "INSERT OR IGNORE INTO events (conversation_id, seq, kind, sender, ts)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        (cid.as_str(), seq, kind, sender.as_str(), ts),
    )?;
    Ok(inserted == 1)
}

fn apply_all(tx: &Connection, id: &ConversationId, events: &[Event]) -> CacheResult<()> {
    ensure_conversation(tx, id)?;
    for event in events {
        apply_event(tx, id, event)?;
    }
    walk_cursor(tx, id, 0)
}

fn apply_event(conn: &Connection, cid: &ConversationId, event: &Event) -> CacheResult<()> {
    let new = hold(
        conn,
        cid,
        event.seq,
        kind_name(&event.body),
        &event.sender,
        event.ts,
    )?;
    match &event.body {
        // Looked at even when held: a repeat may carry a deletion or a newer edit.
        EventBody::Message { .. } => apply_message(conn, cid, event),
        _ if !new => Ok(()),
        EventBody::Edit { target, text } => apply_edit(conn, cid, *target, event, text),
        EventBody::Delete { target } => apply_delete(conn, cid, *target, event.seq),
        EventBody::Reaction {
            target,
            emoji,
            added,
        } => apply_reaction(conn, cid, *target, event, emoji, *added),
        _ => {
            exec(
                conn,
                "INSERT OR IGNORE INTO messages
                    (conversation_id, seq, sender, ts, kind, status, body)
                 VALUES (?1, ?2, ?3, ?4, 'system', 'sent', ?5)",
                (
                    cid.as_str(),
                    event.seq,
                    event.sender.as_str(),
                    event.ts,
                    serde_json::to_string(&event.body)?,
                ),
            )?;
            Ok(())
        }
    }
}

fn apply_message(conn: &Connection, cid: &ConversationId, event: &Event) -> CacheResult<()> {
    let EventBody::Message {
        client_id,
        attachments,
        ..
    } = &event.body
    else {
        return Ok(());
    };
    rows::remember_media(conn, attachments)?;
    if let Some(held) = rows::sent_message(conn, cid, event.seq)? {
        return merge_repeat(conn, held, &event.body);
    }
    let client = client_id.to_string();
    let owner: Option<(i64, Option<Seq>)> = query_one(
        conn,
        "SELECT row_id, seq FROM messages
             WHERE conversation_id = ?1 AND sender = ?2 AND client_id = ?3",
        (cid.as_str(), event.sender.as_str(), &client),
        |row| Ok((row.get(0)?, row.get(1)?)),
    )
    .optional()?;
    let body = serde_json::to_string(&event.body)?;
    let row_id = match owner {
        // The local echo of this message: it is sent now.
        Some((row_id, None)) => {
            exec(
                conn,
                "UPDATE messages SET seq = ?2, ts = ?3, status = 'sent', error = NULL
                 WHERE row_id = ?1",
                (row_id, event.seq, event.ts),
            )?;
            exec(conn, "DELETE FROM outbox WHERE client_id = ?1", [&client])?;
            row_id
        }
        // The server never gives one client id two seqs; keep the first.
        Some((_, Some(other))) => {
            tracing::warn!(
                seq = event.seq,
                other,
                "client id seen at two seqs; ignored"
            );
            return Ok(());
        }
        // New: one insert with everything, and straight into the index (the common case
        // of a sync page).
        None => {
            let (deleted, has_attachment) = rows::flags(&event.body);
            exec(
                conn,
                "INSERT INTO messages
                    (conversation_id, seq, client_id, sender, ts, kind, status, body,
                     deleted, has_attachment, text_seq)
                 VALUES (?1, ?2, ?3, ?4, ?5, 'message', 'sent', ?6, ?7, ?8, ?2)",
                (
                    cid.as_str(),
                    event.seq,
                    &client,
                    event.sender.as_str(),
                    event.ts,
                    &body,
                    deleted,
                    has_attachment,
                ),
            )?;
            let row_id = conn.last_insert_rowid();
            return index::add(conn, row_id, &event.body);
        }
    };
    rows::save_body(conn, row_id, &event.body, event.seq)?;
    index::update(conn, row_id)
}

/// A message event for a seq already held: take only what moves forward.
fn merge_repeat(conn: &Connection, held: SentMessage, incoming: &EventBody) -> CacheResult<()> {
    let EventBody::Message {
        text: new_text,
        edited_at: new_edited_at,
        deleted: new_deleted,
        attachments: new_attachments,
        ..
    } = incoming
    else {
        return Ok(());
    };
    let mut body = held.body.clone();
    let EventBody::Message {
        text,
        edited_at,
        deleted,
        attachments,
        ..
    } = &mut body
    else {
        return Ok(());
    };
    if *deleted {
        return Ok(());
    }
    if *new_deleted {
        return delete_row(conn, held.row_id, &held.body, held.text_seq);
    }
    let newer_text = new_edited_at.is_some() && *new_edited_at > *edited_at;
    let better_files = !new_attachments.is_empty() && new_attachments != attachments;
    if !newer_text && !better_files {
        return Ok(());
    }
    if newer_text {
        *text = new_text.clone();
        *edited_at = *new_edited_at;
    }
    if better_files {
        *attachments = new_attachments.clone();
    }
    rows::save_body(conn, held.row_id, &body, held.text_seq)?;
    index::update(conn, held.row_id)
}

fn apply_edit(
    conn: &Connection,
    cid: &ConversationId,
    target: Seq,
    event: &Event,
    new_text: &str,
) -> CacheResult<()> {
    let Some(mut held) = rows::sent_message(conn, cid, target)? else {
        return Ok(());
    };
    if let EventBody::Message {
        text,
        edited_at,
        deleted: false,
        ..
    } = &mut held.body
    {
        if event.seq > held.text_seq {
            *text = new_text.to_owned();
            *edited_at = Some(event.ts);
            rows::save_body(conn, held.row_id, &held.body, event.seq)?;
            index::update(conn, held.row_id)?;
        }
    }
    Ok(())
}

fn apply_delete(conn: &Connection, cid: &ConversationId, target: Seq, seq: Seq) -> CacheResult<()> {
    match rows::sent_message(conn, cid, target)? {
        Some(held) => delete_row(conn, held.row_id, &held.body, seq),
        None => Ok(()),
    }
}

/// The tombstone: text erased, no edit time, reactions or files; out of the index.
fn delete_row(conn: &Connection, row_id: i64, body: &EventBody, seq: Seq) -> CacheResult<()> {
    let EventBody::Message { client_id, .. } = body else {
        return Ok(());
    };
    rows::save_body(conn, row_id, &EventBody::tombstone(*client_id), seq)?;
    index::remove(conn, row_id)
}

fn apply_reaction(
    conn: &Connection,
    cid: &ConversationId,
    target: Seq,
    event: &Event,
    emoji: &str,
    added: bool,
) -> CacheResult<()> {
    let Some(mut held) = rows::sent_message(conn, cid, target)? else {
        return Ok(());
    };
    let EventBody::Message {
        reactions,
        deleted: false,
        ..
    } = &mut held.body
    else {
        return Ok(());
    };
    let decided: Option<Seq> = query_one(
        conn,
        "SELECT seq FROM reaction_marks
             WHERE conversation_id = ?1 AND target = ?2 AND emoji = ?3 AND user_id = ?4",
        (cid.as_str(), target, emoji, event.sender.as_str()),
        |row| row.get(0),
    )
    .optional()?;
    if decided.is_some_and(|seq| seq >= event.seq) {
        return Ok(());
    }
    exec(
        conn,
        "INSERT INTO reaction_marks (conversation_id, target, emoji, user_id, seq)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT DO UPDATE SET seq = excluded.seq",
        (
            cid.as_str(),
            target,
            emoji,
            event.sender.as_str(),
            event.seq,
        ),
    )?;
    set_reaction(reactions, emoji, &event.sender, added);
    rows::save_body(conn, held.row_id, &held.body, held.text_seq)
}

/// Adds or removes one person's reaction, keeping the wire's order: emoji in the order
/// first used (a re-used one goes to the end), people in the order they reacted.
fn set_reaction(reactions: &mut Vec<ReactionSummary>, emoji: &str, user: &UserId, added: bool) {
    let position = reactions.iter().position(|r| r.emoji == emoji);
    match (added, position) {
        (true, Some(i)) => {
            if !reactions[i].users.contains(user) {
                reactions[i].users.push(user.clone());
            }
        }
        (true, None) => reactions.push(ReactionSummary {
            emoji: emoji.to_owned(),
            users: vec![user.clone()],
        }),
        (false, Some(i)) => {
            reactions[i].users.retain(|u| u != user);
            if reactions[i].users.is_empty() {
                reactions.remove(i);
            }
        }
        (false, None) => {}
    }
}

/// The event's `kind` as on the wire.
fn kind_name(body: &EventBody) -> &'static str {
    match body {
        EventBody::Message { .. } => "message",
        EventBody::Edit { .. } => "edit",
        EventBody::Delete { .. } => "delete",
        EventBody::Created { .. } => "created",
        EventBody::Reaction { .. } => "reaction",
        EventBody::Renamed { .. } => "renamed",
        EventBody::MembersAdded { .. } => "members_added",
        EventBody::MemberRemoved { .. } => "member_removed",
        EventBody::MemberLeft { .. } => "member_left",
        EventBody::RoleChanged { .. } => "role_changed",
        EventBody::OwnershipTransferred { .. } => "ownership_transferred",
    }
}
