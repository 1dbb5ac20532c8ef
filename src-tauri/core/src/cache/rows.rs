//! The stored form of a row of the conversation view (`messages` table), and the small
//! conversions between it and the public types.

use super::{exec, query_one, CacheResult, CachedMessage, MessageStatus};
use rusqlite::{Connection, OptionalExtension, Row};
use tidings_shared::{ConversationId, ErrorBody, Event, EventBody, MediaInfo, Seq, UserId};

/// The columns [`cached_from_row`] reads, in its order.
pub(super) const CACHED_COLUMNS: &str =
    "conversation_id, seq, client_id, sender, ts, status, error, body";

/// Reads a [`CachedMessage`] from a row selected with [`CACHED_COLUMNS`].
pub(super) fn cached_from_row(row: &Row<'_>) -> CacheResult<CachedMessage> {
    let client_id: Option<String> = row.get(2)?;
    let status: String = row.get(5)?;
    let error: Option<String> = row.get(6)?;
    let body: String = row.get(7)?;
    Ok(CachedMessage {
        conversation_id: ConversationId(row.get(0)?),
        seq: row.get(1)?,
        client_id: client_id.and_then(|s| uuid::Uuid::parse_str(&s).ok()),
        sender: UserId(row.get(3)?),
        ts: row.get(4)?,
        status: status_from_str(&status),
        error: error.map(|e| serde_json::from_str(&e)).transpose()?,
        event: serde_json::from_str(&body)?,
    })
}

/// The status as stored.
pub(super) fn status_str(status: MessageStatus) -> &'static str {
    match status {
        MessageStatus::Pending => "pending",
        MessageStatus::Failed => "failed",
        MessageStatus::Sent => "sent",
    }
}

fn status_from_str(s: &str) -> MessageStatus {
    match s {
        "pending" => MessageStatus::Pending,
        "failed" => MessageStatus::Failed,
        _ => MessageStatus::Sent,
    }
}

/// An error as stored (JSON), for the `error` columns.
pub(super) fn error_json(error: Option<&ErrorBody>) -> CacheResult<Option<String>> {
    Ok(error.map(serde_json::to_string).transpose()?)
}

/// A sent message row, as the log code needs it to apply changes.
pub(super) struct SentMessage {
    /// `messages.row_id`, the search index's key.
    pub(super) row_id: i64,
    /// The current state.
    pub(super) body: EventBody,
    /// The seq of the event that set the current text.
    pub(super) text_seq: Seq,
}

/// The `message` row at `seq`, if the cache holds one (system rows are not returned).
pub(super) fn sent_message(
    conn: &Connection,
    cid: &ConversationId,
    seq: Seq,
) -> CacheResult<Option<SentMessage>> {
    let found = query_one(
        conn,
        "SELECT row_id, body, COALESCE(text_seq, seq) FROM messages
             WHERE conversation_id = ?1 AND seq = ?2 AND kind = 'message'",
        (cid.as_str(), seq),
        |row| {
            Ok((
                row.get::<_, i64>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, Seq>(2)?,
            ))
        },
    )
    .optional()?;
    found
        .map(|(row_id, body, text_seq)| {
            Ok(SentMessage {
                row_id,
                body: serde_json::from_str(&body)?,
                text_seq,
            })
        })
        .transpose()
}

/// Stores the new state of a message row (its body and the columns derived from it).
/// A body's `deleted` and `has_attachment` columns.
pub(super) fn flags(body: &EventBody) -> (bool, bool) {
    match body {
        EventBody::Message {
            deleted,
            attachments,
            ..
        } => (*deleted, !attachments.is_empty()),
        _ => (false, false),
    }
}

pub(super) fn save_body(
    conn: &Connection,
    row_id: i64,
    body: &EventBody,
    text_seq: Seq,
) -> CacheResult<()> {
    let (deleted, has_attachment) = flags(body);
    exec(
        conn,
        "UPDATE messages SET body = ?2, deleted = ?3, has_attachment = ?4, text_seq = ?5
         WHERE row_id = ?1",
        (
            row_id,
            serde_json::to_string(body)?,
            deleted,
            has_attachment,
            text_seq,
        ),
    )?;
    Ok(())
}

/// The newest `message` row with a seq, as an [`Event`] (for a summary's `last_message`).
pub(super) fn newest_message(
    conn: &Connection,
    cid: &ConversationId,
) -> CacheResult<Option<Event>> {
    let found = query_one(
        conn,
        "SELECT seq, ts, sender, body FROM messages
             WHERE conversation_id = ?1 AND kind = 'message' AND seq IS NOT NULL
             ORDER BY seq DESC LIMIT 1",
        [cid.as_str()],
        |row| {
            Ok((
                row.get::<_, Seq>(0)?,
                row.get::<_, i64>(1)?,
                row.get::<_, String>(2)?,
                row.get::<_, String>(3)?,
            ))
        },
    )
    .optional()?;
    found
        .map(|(seq, ts, sender, body)| {
            Ok(Event {
                seq,
                ts,
                sender: UserId(sender),
                body: serde_json::from_str(&body)?,
            })
        })
        .transpose()
}

/// Remembers file descriptions, so an echo that names the file by id can show it.
pub(super) fn remember_media(conn: &Connection, media: &[MediaInfo]) -> CacheResult<()> {
    for info in media {
        exec(
            conn,
            "INSERT INTO media (id, info) VALUES (?1, ?2)
             ON CONFLICT (id) DO UPDATE SET info = excluded.info",
            (info.id.as_str(), serde_json::to_string(info)?),
        )?;
    }
    Ok(())
}

/// The description of a file, if the cache has seen it.
pub(super) fn media(conn: &Connection, id: &str) -> CacheResult<Option<MediaInfo>> {
    let info: Option<String> =
        query_one(conn, "SELECT info FROM media WHERE id = ?1", [id], |row| {
            row.get(0)
        })
        .optional()?;
    Ok(info.map(|i| serde_json::from_str(&i)).transpose()?)
}
