//! What the core tells the UI. Every change the UI must show arrives as one of these; the
//! UI then reads the cache (it keeps no second copy of the truth).

use crate::media::UploadId;
use serde::{Deserialize, Serialize};
use tidings_shared::{ClientMessageId, ConversationId, MediaInfo, Presence, Seq, UserId};

/// The socket's state, for the connection banner.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export_to = "core.ts")]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum ConnectionState {
    /// Dialling (first attempt or a retry).
    Connecting,
    /// Connected and authenticated.
    Online,
    /// Not connected; the next attempt is at `retry_at` (ms since epoch).
    Offline { retry_at: i64, reason: String },
    /// Signed out or stopped: no attempts until started again.
    Stopped,
}

/// One change for the UI.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export_to = "core.ts")]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum CoreEvent {
    Connection(ConnectionState),
    /// The conversation list changed (new conversation, activity, unread count, settings).
    ConversationsChanged,
    /// Messages of one conversation changed (new, edited, deleted, reacted, status).
    MessagesChanged {
        conversation_id: ConversationId,
    },
    /// One of my sends was accepted by the server.
    MessageSent {
        client_id: ClientMessageId,
        seq: Seq,
    },
    /// One of my sends was refused; it stays in the outbox as failed.
    MessageFailed {
        client_id: ClientMessageId,
        reason: String,
    },
    Typing {
        conversation_id: ConversationId,
        user_id: UserId,
        typing: bool,
    },
    Presence(Presence),
    /// Catching up: events fetched so far in this sync, and whether more are coming.
    SyncProgress {
        fetched: u64,
        more: bool,
    },
    /// No keychain answered: this sign-in lives in memory only, and the next start will
    /// ask for the password again.
    SessionNotSaved {
        reason: String,
    },
    /// The sign-in ended (revoked, or signed out); show the sign-in screen.
    SignedOut,
    /// An upload started by [`Core::upload_file`](crate::Core::upload_file) moved on.
    Upload {
        upload_id: UploadId,
        conversation_id: ConversationId,
        /// The file's name as it will be shown.
        name: String,
        state: UploadState,
    },
}

/// Where an upload stands.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export_to = "core.ts")]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum UploadState {
    /// `sent` of `total` bytes are on their way (reported a few times a second).
    Progress { sent: u64, total: u64 },
    /// Stored: name `media.id` in a message's attachments to share it.
    Done { media: MediaInfo },
    /// It did not work; `retryable` when trying again later may (server or network
    /// trouble), not when the file itself was refused (too large) or unreadable.
    Failed { reason: String, retryable: bool },
    /// Cancelled by the person; nothing was kept.
    Cancelled,
}
