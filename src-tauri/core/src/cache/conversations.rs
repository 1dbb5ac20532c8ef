//! Conversation summaries, read marks and drafts: what the conversation list renders
//! from before the network answers.
//!
//! The summary is stored as the server last sent it. What is read back is that summary
//! brought up to date with what the cache learnt since: newer events (head, last activity,
//! last message, a rename), local echoes (a conversation you just wrote in comes first),
//! receipts (forward-only, and a member has read their own messages), and the unread
//! count recounted from the cached messages above the viewer's read mark.
//!
//! That brought-up-to-date summary is kept in `conversations.listed`, so the list (the
//! first paint) reads one row per conversation. Triggers (schema migration 3) mark it
//! stale when anything it is computed from changes; every write transaction recomputes
//! the stale ones before committing ([`refresh_stale`]), and a reader that still finds one
//! stale (a file written by an older build) computes it on the spot.

use super::rows::newest_message;
use super::{account, ensure_conversation, log, Cache, CacheResult};
use rusqlite::{Connection, OptionalExtension};
use std::collections::HashMap;
use tidings_shared::{ConversationId, ConversationSummary, EventBody, Receipt, Seq, UserId};

/// The server counts unread messages among the newest this many log entries only.
const UNREAD_WINDOW: Seq = 1_000;

impl Cache {
    /// Stores the conversation as the server describes it now (from `GET
    /// /v1/conversations`, a `conversation` frame or a `sync` page). Its receipts join the
    /// cached marks, which never move back.
    pub fn upsert_conversation(&self, summary: &ConversationSummary) -> CacheResult<()> {
        self.write(|tx| {
            ensure_conversation(tx, &summary.id)?;
            tx.execute(
                "UPDATE conversations SET summary = ?2 WHERE id = ?1",
                (summary.id.as_str(), serde_json::to_string(summary)?),
            )?;
            for receipt in &summary.receipts {
                store_receipt(
                    tx,
                    &summary.id,
                    &receipt.user_id,
                    receipt.read_seq,
                    receipt.delivered_seq,
                )?;
            }
            Ok(())
        })
    }

    /// My settings for a conversation changed (on this device or another): the stored
    /// summary takes them. Nothing happens for a conversation not cached yet (its summary
    /// will bring them).
    pub fn set_settings(
        &self,
        id: &ConversationId,
        settings: &tidings_shared::ConversationSettings,
    ) -> CacheResult<bool> {
        let Some(mut summary) = self.conversation(id)? else {
            return Ok(false);
        };
        summary.settings = settings.clone();
        self.upsert_conversation(&summary)?;
        Ok(true)
    }

    /// One conversation as the list shows it (see [`Cache::conversations`]); `None` until
    /// its summary has been stored.
    pub fn conversation(&self, id: &ConversationId) -> CacheResult<Option<ConversationSummary>> {
        self.read(|tx| {
            let stored: Option<(Option<String>, Option<String>)> = tx
                .query_row(
                    "SELECT summary, listed FROM conversations WHERE id = ?1",
                    [id.as_str()],
                    |row| Ok((row.get(0)?, row.get(1)?)),
                )
                .optional()?;
            match stored {
                Some((Some(summary), listed)) => Ok(Some(listed_or_current(tx, &summary, listed)?)),
                _ => Ok(None),
            }
        })
    }

    /// The conversation list, most recently active first (ties by id).
    ///
    /// Each summary is brought up to date from the cache: `head` and `last_activity` from
    /// newer cached events and local echoes; `last_message` from the cache when it holds
    /// events newer than the summary; `title` from a newer `renamed` event; `receipts` from
    /// the cached marks (and every member has read their own messages); `read_seq` from
    /// the viewer's cached mark; `unread_count` recounted from cached messages from others,
    /// not deleted, above that mark. The recount needs the account (see
    /// [`Cache::set_account`]) and a cache that holds that range; otherwise the server's
    /// count stands, plus what arrived since.
    pub fn conversations(&self) -> CacheResult<Vec<ConversationSummary>> {
        self.read(|tx| {
            let mut stmt = tx.prepare_cached(
                "SELECT summary, listed FROM conversations WHERE summary IS NOT NULL",
            )?;
            let mut rows = stmt.query([])?;
            let mut list = Vec::new();
            while let Some(row) = rows.next()? {
                let summary: String = row.get(0)?;
                let listed: Option<String> = row.get(1)?;
                list.push(listed_or_current(tx, &summary, listed)?);
            }
            list.sort_by(|a, b| {
                b.last_activity
                    .cmp(&a.last_activity)
                    .then_with(|| a.id.cmp(&b.id))
            });
            Ok(list)
        })
    }

    /// A member's delivered and read marks moved (a `receipt` frame). Marks only move
    /// forward, and delivery is never below reading.
    pub fn set_read_mark(
        &self,
        id: &ConversationId,
        user: &UserId,
        read_seq: Seq,
        delivered_seq: Seq,
    ) -> CacheResult<()> {
        self.write(|tx| {
            ensure_conversation(tx, id)?;
            store_receipt(tx, id, user, read_seq, delivered_seq)
        })
    }

    /// Keeps the unsent text of a conversation's input; an empty text removes the draft.
    pub fn set_draft(&self, id: &ConversationId, text: &str) -> CacheResult<()> {
        self.write(|tx| {
            if text.is_empty() {
                tx.execute(
                    "DELETE FROM drafts WHERE conversation_id = ?1",
                    [id.as_str()],
                )?;
                return Ok(());
            }
            ensure_conversation(tx, id)?;
            tx.execute(
                "INSERT INTO drafts (conversation_id, text) VALUES (?1, ?2)
                 ON CONFLICT (conversation_id) DO UPDATE SET text = excluded.text",
                (id.as_str(), text),
            )?;
            Ok(())
        })
    }

    /// The conversation's draft, if any.
    pub fn draft(&self, id: &ConversationId) -> CacheResult<Option<String>> {
        self.read(|tx| {
            Ok(tx
                .query_row(
                    "SELECT text FROM drafts WHERE conversation_id = ?1",
                    [id.as_str()],
                    |row| row.get(0),
                )
                .optional()?)
        })
    }
}

/// Recomputes every stale `listed` summary (see the module documentation). Called at the
/// end of every write transaction, so it costs one indexed look-up when nothing changed.
pub(super) fn refresh_stale(conn: &Connection) -> CacheResult<()> {
    let stale: Vec<(String, String)> = {
        let mut stmt = conn.prepare_cached(
            "SELECT id, summary FROM conversations
             WHERE listed IS NULL AND summary IS NOT NULL",
        )?;
        let rows = stmt.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?;
        rows.collect::<Result<_, _>>()?
    };
    if stale.is_empty() {
        return Ok(());
    }
    let me = account(conn)?;
    let mut store = conn.prepare_cached("UPDATE conversations SET listed = ?2 WHERE id = ?1")?;
    for (id, summary) in stale {
        let now = current(conn, serde_json::from_str(&summary)?, me.as_ref())?;
        store.execute((id, serde_json::to_string(&now)?))?;
    }
    Ok(())
}

/// The summary as listed: the kept one, or computed now when it is stale (rare: only a
/// write from outside this code leaves one).
fn listed_or_current(
    conn: &Connection,
    summary: &str,
    listed: Option<String>,
) -> CacheResult<ConversationSummary> {
    if let Some(listed) = listed {
        return Ok(serde_json::from_str(&listed)?);
    }
    current(
        conn,
        serde_json::from_str(summary)?,
        account(conn)?.as_ref(),
    )
}

fn store_receipt(
    conn: &Connection,
    id: &ConversationId,
    user: &UserId,
    read_seq: Seq,
    delivered_seq: Seq,
) -> CacheResult<()> {
    conn.execute(
        "INSERT INTO receipts (conversation_id, user_id, delivered_seq, read_seq)
         VALUES (?1, ?2, MAX(?3, ?4), ?4)
         ON CONFLICT (conversation_id, user_id) DO UPDATE SET
            delivered_seq = MAX(delivered_seq, excluded.delivered_seq),
            read_seq = MAX(read_seq, excluded.read_seq)",
        (id.as_str(), user.as_str(), delivered_seq, read_seq),
    )?;
    Ok(())
}

/// The stored summary brought up to date with the cache (see [`Cache::conversations`]).
fn current(
    conn: &Connection,
    stored: ConversationSummary,
    me: Option<&UserId>,
) -> CacheResult<ConversationSummary> {
    let mut summary = stored.clone();
    let id = &stored.id;
    // The newest event by seq is also the newest in time (server time), and finding it
    // reads one index entry rather than the whole log.
    let (held_max, held_ts): (Option<Seq>, Option<i64>) = conn
        .query_row(
            "SELECT seq, ts FROM events WHERE conversation_id = ?1 ORDER BY seq DESC LIMIT 1",
            [id.as_str()],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()?
        .unwrap_or((None, None));
    let echo_ts: Option<i64> = conn.query_row(
        "SELECT MAX(ts) FROM messages WHERE conversation_id = ?1 AND seq IS NULL",
        [id.as_str()],
        |row| row.get(0),
    )?;
    let held_max = held_max.unwrap_or(0);
    summary.head = stored.head.max(held_max);
    summary.last_activity = [Some(stored.last_activity), held_ts, echo_ts]
        .into_iter()
        .flatten()
        .max()
        .unwrap_or(stored.last_activity);
    if held_max > stored.head {
        if let Some(newest) = newest_message(conn, id)? {
            let older = stored
                .last_message
                .as_ref()
                .is_some_and(|m| m.seq > newest.seq);
            if !older {
                summary.last_message = Some(newest);
            }
        }
        if let Some(title) = newer_title(conn, id, stored.head)? {
            summary.title = Some(title);
        }
    }
    summary.receipts = receipts(conn, &stored)?;
    let own_mark = me
        .and_then(|me| summary.receipts.iter().find(|r| &r.user_id == me))
        .map_or(0, |r| r.read_seq);
    summary.read_seq = stored.read_seq.max(own_mark);
    summary.unread_count = unread(conn, &stored, &summary, me)?;
    Ok(summary)
}

/// The title set by the newest cached `renamed` event above `after`, if any.
fn newer_title(conn: &Connection, id: &ConversationId, after: Seq) -> CacheResult<Option<String>> {
    let body: Option<String> = conn
        .query_row(
            "SELECT m.body FROM events e JOIN messages m
                ON m.conversation_id = e.conversation_id AND m.seq = e.seq
             WHERE e.conversation_id = ?1 AND e.kind = 'renamed' AND e.seq > ?2
             ORDER BY e.seq DESC LIMIT 1",
            (id.as_str(), after),
            |row| row.get(0),
        )
        .optional()?;
    Ok(match body.map(|b| serde_json::from_str(&b)).transpose()? {
        Some(EventBody::Renamed { title }) => Some(title),
        _ => None,
    })
}

/// The summary's members' marks: the higher of the summary's and the cached ones, and at
/// least each member's newest cached message (its author has delivered and read it).
fn receipts(conn: &Connection, stored: &ConversationSummary) -> CacheResult<Vec<Receipt>> {
    let id = stored.id.as_str();
    let mut cached: HashMap<String, (Seq, Seq)> = HashMap::new();
    let mut stmt = conn.prepare_cached(
        "SELECT user_id, delivered_seq, read_seq FROM receipts WHERE conversation_id = ?1",
    )?;
    let mut rows = stmt.query([id])?;
    while let Some(row) = rows.next()? {
        cached.insert(row.get(0)?, (row.get(1)?, row.get(2)?));
    }
    let mut newest_own = conn.prepare_cached(
        "SELECT seq FROM messages
         WHERE conversation_id = ?1 AND sender = ?2 AND kind = 'message' AND seq IS NOT NULL
         ORDER BY seq DESC LIMIT 1",
    )?;
    let mut receipts = stored.receipts.clone();
    for member in &stored.members {
        if !receipts.iter().any(|r| r.user_id == member.user.id) {
            receipts.push(Receipt {
                user_id: member.user.id.clone(),
                delivered_seq: 0,
                read_seq: 0,
            });
        }
    }
    for receipt in &mut receipts {
        let (delivered, read) = cached
            .get(receipt.user_id.as_str())
            .copied()
            .unwrap_or((0, 0));
        let own: Seq = newest_own
            .query_row((id, receipt.user_id.as_str()), |row| row.get(0))
            .optional()?
            .unwrap_or(0);
        receipt.read_seq = receipt.read_seq.max(read).max(own);
        receipt.delivered_seq = receipt.delivered_seq.max(delivered).max(receipt.read_seq);
    }
    Ok(receipts)
}

/// Messages from others, not deleted, above the viewer's read mark (see
/// [`Cache::conversations`] for when the cache can recount them).
fn unread(
    conn: &Connection,
    stored: &ConversationSummary,
    now: &ConversationSummary,
    me: Option<&UserId>,
) -> CacheResult<u32> {
    if now.read_seq >= now.head {
        return Ok(0);
    }
    let Some(me) = me else {
        return Ok(stored.unread_count);
    };
    let floor = now.read_seq.max(now.head.saturating_sub(UNREAD_WINDOW));
    let count_above = |above: Seq| -> CacheResult<u32> {
        Ok(conn.query_row(
            "SELECT COUNT(*) FROM messages
             WHERE conversation_id = ?1 AND kind = 'message' AND seq > ?2
               AND sender <> ?3 AND deleted = 0",
            (stored.id.as_str(), above, me.as_str()),
            |row| row.get(0),
        )?)
    };
    let cursor = log::cursor(conn, &stored.id)?;
    let holds_range = cursor >= stored.head || now.read_seq > stored.read_seq;
    let count = if holds_range {
        count_above(floor)?
    } else {
        // The cache may lack part of (read mark, summary head]: trust the server for it.
        stored
            .unread_count
            .saturating_add(count_above(floor.max(stored.head))?)
    };
    Ok(count.min(UNREAD_WINDOW as u32))
}
