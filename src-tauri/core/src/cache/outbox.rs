//! The durable outbox and the local echoes of what it holds.
//!
//! Writing a message puts two rows in one transaction: the outbox item (what to send, with
//! its client id) and the local echo (a `messages` row without a seq, shown at once as
//! pending). The item leaves the outbox when the server acknowledges it or when its own
//! event arrives, whichever comes first; the echo then becomes the sent row, so the message
//! never shows twice. Everything is in the file, so a restart re-sends what was not
//! acknowledged, with the same client id, which the server de-duplicates.

use super::log::{hold, walk_cursor};
use super::rows::{self, error_json, status_str};
use super::{
    account, ensure_conversation, index, set_meta, Cache, CacheResult, MessageStatus, OutboxItem,
    OutboxState, ACCOUNT_KEY,
};
use rusqlite::{Connection, OptionalExtension};
use tidings_shared::{
    ClientMessageId, ConversationId, ErrorBody, EventBody, MediaId, MediaInfo, Seq, UserId,
};

impl Cache {
    /// Puts a message in the outbox and its pending (or failed) echo in the conversation
    /// view. Enqueueing a client id already in the outbox changes nothing. The first item
    /// also tells the cache whose account this is, when it did not know.
    pub fn enqueue(&self, item: &OutboxItem) -> CacheResult<()> {
        self.write(|tx| {
            ensure_conversation(tx, &item.conversation_id)?;
            if account(tx)?.is_none() {
                set_meta(tx, ACCOUNT_KEY, item.sender.as_str())?;
            }
            let client = item.client_id.to_string();
            let added = tx.execute(
                "INSERT OR IGNORE INTO outbox
                    (client_id, conversation_id, sender, text, attachments, created_at, state, error)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                (
                    &client,
                    item.conversation_id.as_str(),
                    item.sender.as_str(),
                    &item.text,
                    serde_json::to_string(&item.attachments)?,
                    item.created_at,
                    state_str(item.state),
                    error_json(item.error.as_ref())?,
                ),
            )?;
            if added == 0 {
                return Ok(());
            }
            let status = match item.state {
                OutboxState::Pending => MessageStatus::Pending,
                OutboxState::Failed => MessageStatus::Failed,
            };
            let body = EventBody::Message {
                client_id: item.client_id,
                text: item.text.clone(),
                edited_at: None,
                deleted: false,
                reactions: Vec::new(),
                attachments: describe(tx, &item.attachments)?,
            };
            tx.execute(
                "INSERT OR IGNORE INTO messages
                    (conversation_id, client_id, sender, ts, kind, status, error, body,
                     has_attachment)
                 VALUES (?1, ?2, ?3, ?4, 'message', ?5, ?6, ?7, ?8)",
                (
                    item.conversation_id.as_str(),
                    &client,
                    item.sender.as_str(),
                    item.created_at,
                    status_str(status),
                    error_json(item.error.as_ref())?,
                    serde_json::to_string(&body)?,
                    !item.attachments.is_empty(),
                ),
            )?;
            Ok(())
        })
    }

    /// The items waiting to be sent, oldest first (failed ones wait for the person).
    pub fn outbox(&self) -> CacheResult<Vec<OutboxItem>> {
        self.read(|tx| {
            let mut stmt = tx.prepare(
                "SELECT client_id, conversation_id, sender, text, attachments, created_at,
                        state, error
                 FROM outbox WHERE state = 'pending' ORDER BY position",
            )?;
            let mut rows = stmt.query([])?;
            let mut items = Vec::new();
            while let Some(row) = rows.next()? {
                let client: String = row.get(0)?;
                let Ok(client_id) = uuid::Uuid::parse_str(&client) else {
                    tracing::warn!(%client, "outbox item with a malformed client id skipped");
                    continue;
                };
                let attachments: String = row.get(4)?;
                let state: String = row.get(6)?;
                let error: Option<String> = row.get(7)?;
                items.push(OutboxItem {
                    client_id,
                    conversation_id: ConversationId(row.get(1)?),
                    sender: UserId(row.get(2)?),
                    text: row.get(3)?,
                    attachments: serde_json::from_str(&attachments)?,
                    created_at: row.get(5)?,
                    state: if state == "failed" {
                        OutboxState::Failed
                    } else {
                        OutboxState::Pending
                    },
                    error: error.map(|e| serde_json::from_str(&e)).transpose()?,
                });
            }
            Ok(items)
        })
    }

    /// The server stored the message at `seq` (its `ack`): the item leaves the outbox and
    /// the echo becomes the sent row with the server's seq and time. If the message's
    /// event arrived first, that already happened and this changes nothing. Unknown client
    /// ids are ignored, so a repeated ack is harmless.
    pub fn mark_acked(&self, client_id: &ClientMessageId, seq: Seq, ts: i64) -> CacheResult<()> {
        self.write(|tx| {
            let client = client_id.to_string();
            tx.execute("DELETE FROM outbox WHERE client_id = ?1", [&client])?;
            let Some((row_id, cid, sender)) = echo(tx, &client)? else {
                return Ok(());
            };
            let taken: bool = tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM messages WHERE conversation_id = ?1 AND seq = ?2)",
                (cid.as_str(), seq),
                |row| row.get(0),
            )?;
            if taken {
                // Held already under its seq (not matched to the echo): keep that row.
                tx.execute("DELETE FROM messages WHERE row_id = ?1", [row_id])?;
                return Ok(());
            }
            tx.execute(
                "UPDATE messages SET seq = ?2, ts = ?3, status = 'sent', error = NULL,
                        text_seq = ?2
                 WHERE row_id = ?1",
                (row_id, seq, ts),
            )?;
            hold(tx, &cid, seq, "message", &sender, ts)?;
            index::update(tx, row_id)?;
            walk_cursor(tx, &cid, 0)
        })
    }

    /// The server refused the message for good: the item stays in the outbox as failed
    /// (out of [`Cache::outbox`]) and the echo shows the reason.
    pub fn mark_failed(&self, client_id: &ClientMessageId, error: &ErrorBody) -> CacheResult<()> {
        self.write(|tx| set_state(tx, client_id, OutboxState::Failed, Some(error)))
    }

    /// Puts a failed item back in line (in its original place) and its echo back to
    /// pending.
    pub fn retry(&self, client_id: &ClientMessageId) -> CacheResult<()> {
        self.write(|tx| set_state(tx, client_id, OutboxState::Pending, None))
    }

    /// Gives up on an unacknowledged message: the item and its echo are removed. A message
    /// already sent is not touched.
    pub fn discard(&self, client_id: &ClientMessageId) -> CacheResult<()> {
        self.write(|tx| {
            let client = client_id.to_string();
            tx.execute("DELETE FROM outbox WHERE client_id = ?1", [&client])?;
            tx.execute(
                "DELETE FROM messages WHERE client_id = ?1 AND seq IS NULL",
                [&client],
            )?;
            Ok(())
        })
    }

    /// Remembers a file's description (e.g. right after uploading it), so that the echo
    /// of a message carrying it shows its name before the server's event arrives.
    pub fn remember_media(&self, info: &MediaInfo) -> CacheResult<()> {
        self.write(|tx| rows::remember_media(tx, std::slice::from_ref(info)))
    }
}

fn state_str(state: OutboxState) -> &'static str {
    match state {
        OutboxState::Pending => "pending",
        OutboxState::Failed => "failed",
    }
}

/// The unsent echo of `client`: its row, conversation and sender.
fn echo(conn: &Connection, client: &str) -> CacheResult<Option<(i64, ConversationId, UserId)>> {
    Ok(conn
        .query_row(
            "SELECT row_id, conversation_id, sender FROM messages
             WHERE client_id = ?1 AND seq IS NULL",
            [client],
            |row| {
                Ok((
                    row.get(0)?,
                    ConversationId(row.get(1)?),
                    UserId(row.get(2)?),
                ))
            },
        )
        .optional()?)
}

fn set_state(
    conn: &Connection,
    client_id: &ClientMessageId,
    state: OutboxState,
    error: Option<&ErrorBody>,
) -> CacheResult<()> {
    let client = client_id.to_string();
    let error = error_json(error)?;
    conn.execute(
        "UPDATE outbox SET state = ?2, error = ?3 WHERE client_id = ?1",
        (&client, state_str(state), &error),
    )?;
    let status = match state {
        OutboxState::Pending => MessageStatus::Pending,
        OutboxState::Failed => MessageStatus::Failed,
    };
    conn.execute(
        "UPDATE messages SET status = ?2, error = ?3 WHERE client_id = ?1 AND seq IS NULL",
        (&client, status_str(status), &error),
    )?;
    Ok(())
}

/// Descriptions for an echo's files: remembered ones, or a bare stand-in with the id.
fn describe(conn: &Connection, ids: &[MediaId]) -> CacheResult<Vec<MediaInfo>> {
    ids.iter()
        .map(|id| {
            Ok(
                rows::media(conn, id.as_str())?.unwrap_or_else(|| MediaInfo {
                    id: id.clone(),
                    name: String::new(),
                    size: 0,
                    content_type: "application/octet-stream".into(),
                    sha256: String::new(),
                    width: None,
                    height: None,
                    placeholder: None,
                    has_thumbnail: false,
                }),
            )
        })
        .collect()
}
