//! Bodies of the HTTP/JSON routes (accounts and conversations).

use crate::frames::Event;
use crate::ids::{ConversationId, MediaId, Seq, UserId};
use serde::{Deserialize, Serialize};

/// `POST /v1/auth/register`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export, export_to = "protocol.ts")]
pub struct RegisterRequest {
    pub username: String,
    pub display_name: String,
    pub password: String,
}

/// `POST /v1/auth/login`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export, export_to = "protocol.ts")]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

/// `POST /v1/auth/refresh` and `POST /v1/auth/logout`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export, export_to = "protocol.ts")]
pub struct RefreshRequest {
    pub refresh_token: String,
}

/// What register, login and refresh return. The refresh token is shown once: keep it in
/// the OS keychain. Each use of it returns a new one and retires the old.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export, export_to = "protocol.ts")]
pub struct Session {
    pub user: UserProfile,
    /// JWT for `Authorization: Bearer` on HTTP routes and the WebSocket upgrade.
    pub access_token: String,
    /// When the access token stops working, milliseconds since the Unix epoch.
    pub access_expires_at: i64,
    pub refresh_token: String,
}

/// A person as others see them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export, export_to = "protocol.ts")]
pub struct UserProfile {
    pub id: UserId,
    pub username: String,
    pub display_name: String,
}

/// Direct conversations have exactly two members; groups have a title and an owner.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export, export_to = "protocol.ts")]
#[serde(rename_all = "snake_case")]
pub enum ConversationKind {
    Direct,
    Group,
}

/// `POST /v1/conversations`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export, export_to = "protocol.ts")]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CreateConversation {
    /// The direct conversation with this person; creating it again returns the same one.
    Direct { username: String },
    /// A new group; the creator is its owner and a member.
    Group { title: String, members: Vec<String> },
}

/// A member's powers in a group. In a direct conversation both people are members.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ts_rs::TS,
)]
#[ts(export, export_to = "protocol.ts")]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Sends, reacts, leaves.
    Member,
    /// Also adds and removes members (not admins) and renames the group.
    Admin,
    /// Also changes roles, removes admins and transfers ownership. Exactly one per group.
    Owner,
}

/// A member of a conversation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export, export_to = "protocol.ts")]
pub struct Member {
    #[serde(flatten)]
    pub user: UserProfile,
    pub role: Role,
}

/// How far one member has received and read a conversation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export, export_to = "protocol.ts")]
pub struct Receipt {
    pub user_id: UserId,
    /// Every event up to this seq reached at least one of the member's devices.
    pub delivered_seq: Seq,
    /// The member has read up to this seq (never above `delivered_seq`).
    pub read_seq: Seq,
}

/// One person's settings for one conversation, the same on all their devices.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export, export_to = "protocol.ts")]
pub struct ConversationSettings {
    /// No notifications while muted.
    #[serde(default)]
    pub muted: bool,
    /// With `muted`: muted until this time (ms since epoch); absent means until unmuted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub muted_until: Option<i64>,
    /// Shown apart from the main list.
    #[serde(default)]
    pub archived: bool,
}

impl ConversationSettings {
    /// Whether the conversation is muted at `now_ms` (a timed mute ends by itself).
    pub fn is_muted_at(&self, now_ms: i64) -> bool {
        self.muted && self.muted_until.is_none_or(|until| until > now_ms)
    }
}

/// A conversation as one member sees it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export, export_to = "protocol.ts")]
pub struct ConversationSummary {
    pub id: ConversationId,
    pub kind: ConversationKind,
    /// Groups only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Current members with their roles, by username.
    pub members: Vec<Member>,
    /// Every current member's delivered and read marks.
    #[serde(default)]
    pub receipts: Vec<Receipt>,
    /// The viewer's own settings.
    #[serde(default)]
    pub settings: ConversationSettings,
    /// Set when the viewer was removed or left: the seq of that event. They keep read
    /// access to the log up to it and receive nothing after it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub removed_at: Option<Seq>,
    /// The group's owner (for a direct conversation, whoever opened it).
    pub created_by: UserId,
    pub created_at: i64,
    /// The newest seq in the log (for a former member: the seq of their removal).
    pub head: Seq,
    /// Time of the newest event, milliseconds since the Unix epoch (sort key).
    pub last_activity: i64,
    /// The newest message (as it is now), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_message: Option<Event>,
    /// How far this user has read.
    pub read_seq: Seq,
    /// Messages from others after `read_seq`.
    pub unread_count: u32,
}

/// `GET /v1/conversations`: mine, most recently active first.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export, export_to = "protocol.ts")]
pub struct ConversationList {
    pub conversations: Vec<ConversationSummary>,
}

/// Whether someone is around.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export, export_to = "protocol.ts")]
#[serde(rename_all = "snake_case")]
pub enum PresenceState {
    /// At least one device is connected and in use.
    Online,
    /// Connected, but every device says its person is idle.
    Away,
    /// No device connected.
    Offline,
}

/// One person's presence, shown only to people who share a conversation with them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export, export_to = "protocol.ts")]
pub struct Presence {
    pub user_id: UserId,
    pub state: PresenceState,
    /// When they were last online (ms since epoch), once they have been.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_seen: Option<i64>,
}

/// A stored file as messages refer to it. What `POST /v1/conversations/{id}/media` returns.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export, export_to = "protocol.ts")]
pub struct MediaInfo {
    pub id: MediaId,
    /// The file name as given, made safe (no path, no control characters).
    pub name: String,
    /// Bytes as stored (after metadata was removed from images).
    pub size: u64,
    /// Sniffed from the bytes; `application/octet-stream` when unknown.
    pub content_type: String,
    /// SHA-256 of the stored bytes, lowercase hex.
    pub sha256: String,
    /// Images only: pixel size as displayed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<u32>,
    /// Images only: a ThumbHash (base64), to paint a blurred preview before any download.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub placeholder: Option<String>,
    /// Whether a small thumbnail exists (images the server could decode).
    #[serde(default)]
    pub has_thumbnail: bool,
}

/// `GET /v1/media/{id}/links`: short-lived signed paths (relative to the server) that
/// fetch the file and its thumbnail without a token.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export, export_to = "protocol.ts")]
pub struct MediaLinks {
    pub url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thumbnail_url: Option<String>,
    /// When the links stop working, milliseconds since the Unix epoch.
    pub expires_at: i64,
}
