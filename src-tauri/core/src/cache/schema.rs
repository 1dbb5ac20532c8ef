//! The cache's schema, as an ordered list of migrations.
//!
//! `PRAGMA user_version` records how many of [`MIGRATIONS`] a file has had. Opening a
//! file applies the missing ones in order, each in its own transaction together with the
//! new version number, so a crash mid-way leaves the file at the previous version, never
//! half-migrated. Migrations are append-only: once released, one is never edited; a
//! change to the schema is a new entry at the end.
//!
//! Some steps need Rust as well as SQL (SQLite has no function to fold accents for the
//! short-query search fallback); [`after_migration`] runs them in the same transaction.

use super::{conversations, index, CacheError, CacheResult};
use rusqlite::{Connection, Transaction};

/// Migration 1, the first released schema: conversations, the log, read marks, the
/// outbox, media descriptions and drafts.
const V1_INITIAL: &str = r#"
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

-- One row per conversation the cache knows, even before its summary arrives (a live
-- event or a receipt may come first). `cursor`: every seq 1..=cursor is held or lost.
CREATE TABLE conversations (
    id      TEXT PRIMARY KEY,
    summary TEXT,
    cursor  INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

-- Every log entry held, of every kind: what makes applying idempotent and the cursor
-- computable. Edits, deletions and reactions live only here; their effect is on the
-- target's row in `messages`.
CREATE TABLE events (
    conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    seq             INTEGER NOT NULL,
    kind            TEXT NOT NULL,
    sender          TEXT NOT NULL,
    ts              INTEGER NOT NULL,
    PRIMARY KEY (conversation_id, seq)
) WITHOUT ROWID;

-- The conversation view: messages (sent, or local echoes without a seq) and system
-- events, each in its current state (`body` is the EventBody as JSON). `text_seq` is the
-- seq of the event that set the current text, so a late, older edit cannot undo a newer.
CREATE TABLE messages (
    row_id          INTEGER PRIMARY KEY,
    conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    seq             INTEGER,
    client_id       TEXT,
    sender          TEXT NOT NULL,
    ts              INTEGER NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('message', 'system')),
    status          TEXT NOT NULL CHECK (status IN ('pending', 'failed', 'sent')),
    error           TEXT,
    body            TEXT NOT NULL,
    deleted         INTEGER NOT NULL DEFAULT 0,
    has_attachment  INTEGER NOT NULL DEFAULT 0,
    text_seq        INTEGER,
    CHECK ((seq IS NULL) = (status <> 'sent'))
);
CREATE UNIQUE INDEX messages_by_seq ON messages (conversation_id, seq);
CREATE UNIQUE INDEX messages_by_client ON messages (conversation_id, sender, client_id)
    WHERE client_id IS NOT NULL;
-- A member's newest message (they have read up to it), and the sender filter of search.
CREATE INDEX messages_by_sender ON messages (conversation_id, sender, seq);
-- Local echoes by client id (acks, failures and retries name only that); small, as it
-- holds only what is not sent yet.
CREATE INDEX messages_echoes ON messages (client_id) WHERE seq IS NULL;

-- The newest reaction event applied per (message, emoji, person), so that reaction
-- events applied out of order (a live one before the gap below it is filled) converge.
CREATE TABLE reaction_marks (
    conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    target          INTEGER NOT NULL,
    emoji           TEXT NOT NULL,
    user_id         TEXT NOT NULL,
    seq             INTEGER NOT NULL,
    PRIMARY KEY (conversation_id, target, emoji, user_id)
) WITHOUT ROWID;

-- Delivered and read marks per member, forward-only.
CREATE TABLE receipts (
    conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    user_id         TEXT NOT NULL,
    delivered_seq   INTEGER NOT NULL,
    read_seq        INTEGER NOT NULL,
    PRIMARY KEY (conversation_id, user_id)
) WITHOUT ROWID;

-- Sends not yet acknowledged, in the order they were written (`position`).
CREATE TABLE outbox (
    position        INTEGER PRIMARY KEY,
    client_id       TEXT NOT NULL UNIQUE,
    conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    sender          TEXT NOT NULL,
    text            TEXT NOT NULL,
    attachments     TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('pending', 'failed')),
    error           TEXT
);

-- Descriptions of files seen in messages or uploaded, so a local echo can show names.
CREATE TABLE media (
    id   TEXT PRIMARY KEY,
    info TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE drafts (
    conversation_id TEXT PRIMARY KEY REFERENCES conversations (id) ON DELETE CASCADE,
    text            TEXT NOT NULL
) WITHOUT ROWID;
"#;

/// Migration 2, local full-text search: a trigram FTS5 index over every sent message's
/// text and attachment names (case- and accent-insensitive, matching inside words, URLs
/// and CJK runs), and a case- and accent-folded copy of the same text for queries too
/// short for trigrams. Both are keyed by `messages.row_id`; the index holds its own copy
/// of the text so that deleting a row from it needs no old values.
const V2_SEARCH: &str = r#"
CREATE VIRTUAL TABLE message_fts USING fts5 (
    text,
    files,
    tokenize = 'trigram remove_diacritics 1'
);
CREATE TABLE message_folded (
    row_id INTEGER PRIMARY KEY REFERENCES messages (row_id) ON DELETE CASCADE,
    folded TEXT NOT NULL
);
"#;

/// Migration 3, speed at 100,000+ messages (docs/BENCHMARKS.md, "Client cache"):
///
/// - `conversations.listed`: each conversation as the list shows it (the stored summary
///   brought up to date with the cache, as JSON), so the list reads one row per
///   conversation instead of recounting unread messages from the log. NULL means stale:
///   the triggers below set it whenever something it is computed from changes (even
///   when a build without this code writes), every write transaction recomputes the
///   stale ones before it commits, and a reader that still finds one computes it.
/// - `events_renamed`: the newest `renamed` event of a conversation in one step.
/// - `messages_by_ts`: sent messages newest first, for queries too short to rank;
///   `messages_with_files`: the same for those with attachments (the "files" filter).
const V3_LIST_AND_SEARCH_SPEED: &str = r#"
ALTER TABLE conversations ADD COLUMN listed TEXT;
CREATE INDEX conversations_stale ON conversations (id)
    WHERE listed IS NULL AND summary IS NOT NULL;

CREATE TRIGGER conversations_changed AFTER UPDATE OF summary, cursor ON conversations
BEGIN
    UPDATE conversations SET listed = NULL WHERE id = NEW.id;
END;
CREATE TRIGGER messages_inserted AFTER INSERT ON messages
BEGIN
    UPDATE conversations SET listed = NULL
    WHERE id = NEW.conversation_id AND listed IS NOT NULL;
END;
CREATE TRIGGER messages_updated AFTER UPDATE ON messages
BEGIN
    UPDATE conversations SET listed = NULL
    WHERE id IN (OLD.conversation_id, NEW.conversation_id) AND listed IS NOT NULL;
END;
CREATE TRIGGER messages_deleted AFTER DELETE ON messages
BEGIN
    UPDATE conversations SET listed = NULL
    WHERE id = OLD.conversation_id AND listed IS NOT NULL;
END;
CREATE TRIGGER events_inserted AFTER INSERT ON events
BEGIN
    UPDATE conversations SET listed = NULL
    WHERE id = NEW.conversation_id AND listed IS NOT NULL;
END;
CREATE TRIGGER events_deleted AFTER DELETE ON events
BEGIN
    UPDATE conversations SET listed = NULL
    WHERE id = OLD.conversation_id AND listed IS NOT NULL;
END;
CREATE TRIGGER receipts_inserted AFTER INSERT ON receipts
BEGIN
    UPDATE conversations SET listed = NULL
    WHERE id = NEW.conversation_id AND listed IS NOT NULL;
END;
CREATE TRIGGER receipts_updated AFTER UPDATE ON receipts
BEGIN
    UPDATE conversations SET listed = NULL
    WHERE id IN (OLD.conversation_id, NEW.conversation_id) AND listed IS NOT NULL;
END;
CREATE TRIGGER receipts_deleted AFTER DELETE ON receipts
BEGIN
    UPDATE conversations SET listed = NULL
    WHERE id = OLD.conversation_id AND listed IS NOT NULL;
END;
-- Unread counts depend on whose account this is.
CREATE TRIGGER account_inserted AFTER INSERT ON meta WHEN NEW.key = 'account'
BEGIN
    UPDATE conversations SET listed = NULL WHERE listed IS NOT NULL;
END;
CREATE TRIGGER account_updated AFTER UPDATE ON meta WHEN NEW.key = 'account'
BEGIN
    UPDATE conversations SET listed = NULL WHERE listed IS NOT NULL;
END;

CREATE INDEX events_renamed ON events (conversation_id, seq) WHERE kind = 'renamed';
CREATE INDEX messages_by_ts ON messages (ts) WHERE seq IS NOT NULL;
CREATE INDEX messages_with_files ON messages (ts)
    WHERE has_attachment = 1 AND seq IS NOT NULL;
"#;

/// Every migration, in order: entry `i` takes a file from version `i` to `i + 1`.
pub(super) const MIGRATIONS: &[&str] = &[V1_INITIAL, V2_SEARCH, V3_LIST_AND_SEARCH_SPEED];

/// The schema version this build writes: the number of migrations.
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

/// The file's `user_version`.
pub(super) fn user_version(conn: &Connection) -> CacheResult<u32> {
    Ok(conn.query_row("PRAGMA user_version", [], |row| row.get(0))?)
}

/// Brings the file to [`SCHEMA_VERSION`].
pub(super) fn migrate(conn: &mut Connection) -> CacheResult<()> {
    migrate_to(conn, SCHEMA_VERSION)
}

/// Applies the migrations the file lacks, up to `target` (tests stop early to make files
/// of an older version).
pub(super) fn migrate_to(conn: &mut Connection, target: u32) -> CacheResult<()> {
    let current = user_version(conn)?;
    if current > SCHEMA_VERSION {
        return Err(CacheError::Migration(format!(
            "the cache file has schema version {current}, newer than this build's \
             {SCHEMA_VERSION}; update Tidings or remove the cache to rebuild it from the server"
        )));
    }
    for version in current..target.min(SCHEMA_VERSION) {
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Exclusive)?;
        // A file another process migrated meanwhile: nothing left to do.
        if user_version(&tx)? != version {
            return Ok(());
        }
        let sql = MIGRATIONS
            .get(version as usize)
            .ok_or_else(|| CacheError::Migration(format!("no migration from {version}")))?;
        tx.execute_batch(sql)
            .map_err(|e| CacheError::Migration(format!("migration {} failed: {e}", version + 1)))?;
        after_migration(&tx, version + 1)?;
        tx.pragma_update(None, "user_version", version + 1)?;
        tx.commit()?;
        tracing::info!(version = version + 1, "cache schema migrated");
    }
    Ok(())
}

/// The Rust half of a migration, run after its SQL in the same transaction.
fn after_migration(tx: &Transaction<'_>, version: u32) -> CacheResult<()> {
    match version {
        // Index every message an older build cached.
        2 => index::rebuild(tx),
        // Fill in the list as shown.
        3 => conversations::refresh_stale(tx),
        _ => Ok(()),
    }
}
