//! Error codes and close codes: what went wrong, in a form a client can branch on.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Every error the server reports, on HTTP and on the WebSocket.
///
/// Serialized in `snake_case`; docs/PROTOCOL.md lists each with its HTTP status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[ts(export, export_to = "protocol.ts")]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The HTTP body is not the JSON the route expects.
    InvalidRequest,
    /// A WebSocket frame is not valid JSON, or a field is missing or of the wrong type.
    InvalidFrame,
    /// A WebSocket frame's `type` is not one this server knows.
    UnknownFrame,
    /// The username breaks the username rules.
    InvalidUsername,
    /// The display name is empty or too long.
    InvalidDisplayName,
    /// The password is below the password policy.
    WeakPassword,
    /// Somebody already has that username.
    UsernameTaken,
    /// Unknown username or wrong password (deliberately the same answer).
    InvalidCredentials,
    /// Too many failed logins for this username or address; wait `retry_after_ms`.
    TooManyAttempts,
    /// No access token, or it is forged, expired or malformed.
    Unauthorized,
    /// The refresh token is unknown, expired or revoked.
    InvalidRefreshToken,
    /// The request's Origin is not on the server's allow-list.
    ForbiddenOrigin,
    /// This user already has the most connections allowed on this instance.
    TooManyConnections,
    /// No such conversation or message, or you are not a member (the same answer).
    NotFound,
    /// No user has that username.
    UserNotFound,
    /// The message text is empty (only whitespace).
    EmptyText,
    /// The message text is longer than the limit.
    TextTooLong,
    /// Only the author may edit or delete a message.
    NotAuthor,
    /// The message was deleted and can no longer be edited.
    MessageDeleted,
    /// A group's title or member list breaks the limits, or a group action was asked of a
    /// direct conversation.
    InvalidConversation,
    /// Your role does not allow this (e.g. a member removing an admin).
    Forbidden,
    /// The person named is not a member of the conversation.
    NotAMember,
    /// Not a single emoji.
    InvalidEmoji,
    /// The message already has the most distinct reactions allowed.
    TooManyReactions,
    /// The upload is larger than the server accepts; nothing was kept.
    MediaTooLarge,
    /// The media link has expired; ask for a new one.
    LinkExpired,
    /// The media link was not made by this server (or was altered).
    InvalidLink,
    /// Too many writes; wait `retry_after_ms`.
    RateLimited,
    /// The server cannot reach its storage right now; retry later (nothing was stored).
    Unavailable,
    /// A bug on the server; the request may be retried.
    Internal,
}

impl ErrorCode {
    /// The code as it appears on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InvalidRequest => "invalid_request",
            Self::InvalidFrame => "invalid_frame",
            Self::UnknownFrame => "unknown_frame",
            Self::InvalidUsername => "invalid_username",
            Self::InvalidDisplayName => "invalid_display_name",
            Self::WeakPassword => "weak_password",
            Self::UsernameTaken => "username_taken",
            Self::InvalidCredentials => "invalid_credentials",
            Self::TooManyAttempts => "too_many_attempts",
            Self::Unauthorized => "unauthorized",
            Self::InvalidRefreshToken => "invalid_refresh_token",
            Self::ForbiddenOrigin => "forbidden_origin",
            Self::TooManyConnections => "too_many_connections",
            Self::NotFound => "not_found",
            Self::UserNotFound => "user_not_found",
            Self::EmptyText => "empty_text",
            Self::TextTooLong => "text_too_long",
            Self::NotAuthor => "not_author",
            Self::MessageDeleted => "message_deleted",
            Self::InvalidConversation => "invalid_conversation",
            Self::Forbidden => "forbidden",
            Self::NotAMember => "not_a_member",
            Self::InvalidEmoji => "invalid_emoji",
            Self::TooManyReactions => "too_many_reactions",
            Self::MediaTooLarge => "media_too_large",
            Self::LinkExpired => "link_expired",
            Self::InvalidLink => "invalid_link",
            Self::RateLimited => "rate_limited",
            Self::Unavailable => "unavailable",
            Self::Internal => "internal",
        }
    }

    /// Whether the same request may succeed if simply sent again later.
    pub fn is_retryable(self) -> bool {
        matches!(
            self,
            Self::RateLimited | Self::TooManyAttempts | Self::Unavailable | Self::Internal
        )
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The body of every error: an HTTP error response, or the payload of an `error` frame.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export, export_to = "protocol.ts")]
pub struct ErrorBody {
    /// What went wrong, for code to branch on.
    pub code: ErrorCode,
    /// What went wrong, for people.
    pub message: String,
    /// For `rate_limited` and `too_many_attempts`: when trying again can succeed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_ms: Option<u64>,
}

/// WebSocket close codes the server uses. 1000–1011 are RFC 6455's; 4000–4999 are ours.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CloseCode;

impl CloseCode {
    /// Normal closure.
    pub const NORMAL: u16 = 1000;
    /// The server is shutting down or restarting: reconnect (to any instance) at once.
    pub const GOING_AWAY: u16 = 1001;
    /// A text frame was not valid UTF-8.
    pub const INVALID_PAYLOAD: u16 = 1007;
    /// A frame larger than `MAX_FRAME_BYTES` was announced; it was not read.
    pub const MESSAGE_TOO_BIG: u16 = 1009;
    /// An unexpected server error.
    pub const INTERNAL_ERROR: u16 = 1011;
    /// Nothing heard from the client for `HEARTBEAT_TIMEOUT_SECS`.
    pub const HEARTBEAT_TIMEOUT: u16 = 4000;
    /// The client did not read fast enough and its outgoing queue overflowed: reconnect
    /// and `sync` to catch up.
    pub const TOO_SLOW: u16 = 4001;
}
