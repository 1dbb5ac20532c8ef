//! The offline-first SQLite cache the UI renders from.
//!
//! One file per signed-in account holds the conversation list, every cached log entry,
//! the outbox of unacknowledged sends, drafts and the full-text index. The UI reads from
//! here before the network answers; the connection writes what the server says into it.
//!
//! The API is synchronous: every method takes the connection's lock, runs in one SQLite
//! transaction and returns. Async callers run it on tokio's blocking pool
//! (`spawn_blocking`); nothing here ever awaits.
//!
//! Layout of the module:
//! - `schema` — the versioned migrations (`PRAGMA user_version`);
//! - `conversations` — summaries, read marks, drafts, and the list as shown;
//! - `log` — applying server events idempotently, cursors, pages of messages;
//! - `outbox` — durable sends and their local echoes;
//! - `index` — keeping the full-text index in step with the messages (queried by
//!   [`crate::search`]);
//! - `bm25` — ranking search candidates as FTS5's `bm25()` would, without its full scan;
//! - `rows` — the stored form of a message row.
//!
//! The file runs in WAL mode (readers never block the writer) with `synchronous=NORMAL`:
//! a crash of the app never loses a committed transaction; a power cut can lose the last
//! few, which sync and the server's idempotent `send` make good again.

pub(crate) mod bm25;
mod conversations;
pub(crate) mod index;
mod log;
mod outbox;
mod rows;
mod schema;
#[cfg(test)]
mod tests;

use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior};
use serde::{Deserialize, Serialize};
use std::path::Path;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;
use tidings_shared::{ClientMessageId, ConversationId, ErrorBody, EventBody, MediaId, Seq, UserId};

pub use schema::SCHEMA_VERSION;

/// What can go wrong with the cache. None of these are the server's errors; a caller that
/// shows one to a person should say the local data could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    /// SQLite refused or failed: the file is unreadable, locked for too long, full, or a
    /// query is wrong.
    #[error("cache database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// A value stored as JSON (an event body, a summary, an error) could not be read back
    /// or written; the file was changed by something else or is damaged.
    #[error("cache JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// The file cannot be brought to this build's schema, e.g. it was written by a newer
    /// Tidings.
    #[error("cache migration: {0}")]
    Migration(String),
}

/// The result of every cache operation.
pub type CacheResult<T> = Result<T, CacheError>;

/// Where a message of the conversation view stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[ts(export_to = "core.ts")]
#[serde(rename_all = "snake_case")]
pub enum MessageStatus {
    /// Written locally, in the outbox, not yet acknowledged by the server.
    Pending,
    /// The server refused it for good (see `error`); retry or discard it.
    Failed,
    /// In the server's log, with a `seq`.
    Sent,
}

/// Where an outbox item stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutboxState {
    /// Waiting to be sent (or re-sent, with the same client id) until acknowledged.
    Pending,
    /// Refused by the server with an error that retrying will not fix; kept for the person
    /// to retry or discard.
    Failed,
}

/// A message the person wrote that the server has not acknowledged yet. It survives
/// restarts: the outbox re-sends it with the same `client_id`, which the server
/// de-duplicates, so it is delivered exactly once.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OutboxItem {
    /// The id the server de-duplicates retries by, and that matches the echo to its event.
    pub client_id: ClientMessageId,
    /// Where it goes.
    pub conversation_id: ConversationId,
    /// The signed-in person (the cache learns its account from this).
    pub sender: UserId,
    /// The text as typed (may be empty when there are attachments).
    pub text: String,
    /// Files uploaded to the conversation beforehand.
    pub attachments: Vec<MediaId>,
    /// Local clock, ms since the Unix epoch; the echo shows it until the server's `ts`.
    pub created_at: i64,
    /// Pending or failed.
    pub state: OutboxState,
    /// Why it failed, when it did.
    pub error: Option<ErrorBody>,
}

/// One row of the conversation view: a message (sent, or a local echo) or a system event,
/// as it is now.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export_to = "core.ts")]
pub struct CachedMessage {
    /// The conversation it belongs to.
    pub conversation_id: ConversationId,
    /// Its place in the log; `None` while it is a pending or failed local echo.
    pub seq: Option<Seq>,
    /// For messages, the sender's client id (also on echoes).
    pub client_id: Option<ClientMessageId>,
    /// Who wrote it or caused it.
    pub sender: UserId,
    /// Server time once sent; the local time it was written while it is an echo.
    pub ts: i64,
    /// Pending, failed or sent.
    pub status: MessageStatus,
    /// Why it failed, for a failed echo.
    pub error: Option<ErrorBody>,
    /// The current state: a `message` with its edited text, deletion, reactions and
    /// attachments, or a system event (`created`, `renamed`, `members_added`, …).
    pub event: EventBody,
}

/// The local cache: one SQLite file, one connection behind a mutex.
///
/// Cheap to share behind an `Arc`; every method is synchronous and short.
pub struct Cache {
    conn: Mutex<Connection>,
}

impl std::fmt::Debug for Cache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cache").finish_non_exhaustive()
    }
}

impl Cache {
    /// Opens the cache file at `path`, creating it if needed and migrating it to this
    /// build's schema. Fails with [`CacheError::Migration`] for a file from a newer build.
    pub fn open(path: &Path) -> CacheResult<Cache> {
        let mut conn = Connection::open(path)?;
        conn.busy_timeout(Duration::from_secs(5))?;
        // `journal_mode` answers with the mode now in force; a file that cannot do WAL
        // (some network filesystems) keeps working in its old mode.
        let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            tracing::warn!(%mode, "the cache cannot use WAL mode");
        }
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", true)?;
        // Reading: map the file instead of copying pages through read() (the first
        // MMAP_SIZE bytes, the hot part of a large cache), keep a bigger page cache, and
        // sort in memory. Measured in docs/BENCHMARKS.md, "Client cache".
        conn.pragma_update(None, "mmap_size", MMAP_SIZE)?;
        conn.pragma_update(None, "cache_size", -PAGE_CACHE_KIB)?;
        conn.pragma_update(None, "temp_store", "MEMORY")?;
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        schema::migrate(&mut conn)?;
        Ok(Cache {
            conn: Mutex::new(conn),
        })
    }

    /// The schema version of the open file (equal to [`SCHEMA_VERSION`] once opened).
    pub fn schema_version(&self) -> CacheResult<u32> {
        schema::user_version(&self.lock())
    }

    /// Tells the cache whose account this is. Unread counts need it ("messages from
    /// others"); until it is known they come from the server's summaries only. The cache
    /// also learns it from the sender of the first item put in the outbox.
    pub fn set_account(&self, user: &UserId) -> CacheResult<()> {
        self.write(|tx| set_meta(tx, ACCOUNT_KEY, user.as_str()))
    }

    /// The account set by [`Cache::set_account`] (or learnt from the outbox), if known.
    pub fn account(&self) -> CacheResult<Option<UserId>> {
        self.read(|tx| account(tx))
    }

    fn lock(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock rolled its transaction back, so the connection
        // is still consistent: keep using it.
        self.conn
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Runs `f` in a write transaction (taken at once, so two writers never deadlock on
    /// upgrading a read lock) and commits it if `f` succeeds.
    fn write<T>(&self, f: impl FnOnce(&Transaction<'_>) -> CacheResult<T>) -> CacheResult<T> {
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let value = f(&tx)?;
        // Whatever `f` changed, the list as shown follows in the same transaction.
        conversations::refresh_stale(&tx)?;
        tx.commit()?;
        Ok(value)
    }

    /// Runs `f` in a read transaction, so it sees one consistent snapshot.
    pub(crate) fn read<T>(
        &self,
        f: impl FnOnce(&Transaction<'_>) -> CacheResult<T>,
    ) -> CacheResult<T> {
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Deferred)?;
        let value = f(&tx)?;
        tx.commit()?;
        Ok(value)
    }
}

const ACCOUNT_KEY: &str = "account";
/// How much of the file is memory-mapped (bytes).
const MMAP_SIZE: i64 = 256 * 1024 * 1024;
/// The page cache, in KiB.
const PAGE_CACHE_KIB: i64 = 32 * 1024;
/// Prepared statements kept per connection (the search and list queries are reused).
const STATEMENT_CACHE: usize = 128;

/// `execute` through the connection's prepared-statement cache: applying a sync page runs
/// the same few statements thousands of times, and parsing them each time cost more than
/// running them.
pub(super) fn exec<P: rusqlite::Params>(
    conn: &Connection,
    sql: &str,
    params: P,
) -> rusqlite::Result<usize> {
    conn.prepare_cached(sql)?.execute(params)
}

/// `query_row` through the prepared-statement cache (see [`exec`]).
pub(super) fn query_one<T, P, F>(
    conn: &Connection,
    sql: &str,
    params: P,
    f: F,
) -> rusqlite::Result<T>
where
    P: rusqlite::Params,
    F: FnOnce(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
{
    conn.prepare_cached(sql)?.query_row(params, f)
}

fn set_meta(conn: &Connection, key: &str, value: &str) -> CacheResult<()> {
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (key, value),
    )?;
    Ok(())
}

fn account(conn: &Connection) -> CacheResult<Option<UserId>> {
    Ok(conn
        .query_row(
            "SELECT value FROM meta WHERE key = ?1",
            [ACCOUNT_KEY],
            |row| row.get::<_, String>(0),
        )
        .optional()?
        .map(UserId))
}

/// Makes sure the conversation has a row, so that events, marks and outbox items can
/// refer to it before its summary arrives.
fn ensure_conversation(conn: &Connection, id: &ConversationId) -> CacheResult<()> {
    conn.execute(
        "INSERT OR IGNORE INTO conversations (id) VALUES (?1)",
        [id.as_str()],
    )?;
    Ok(())
}
