//! WebSocket frames: JSON text messages tagged by `type`.
//!
//! Every frame may carry an `id`; the server puts the same `id` on the reply (`ack`,
//! `history`, `sync`, `pong`, or `error`) so a client can match replies to requests.

use crate::error::ErrorBody;
use crate::http::{
    ConversationSettings, ConversationSummary, MediaInfo, Presence, PresenceState, Role,
    UserProfile,
};
use crate::ids::{ClientMessageId, ConversationId, MediaId, RequestId, Seq, UserId};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A frame from a client, with its optional request id.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export, export_to = "protocol.ts")]
pub struct ClientEnvelope {
    /// Echoed on the reply.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<RequestId>,
    /// The request itself.
    #[serde(flatten)]
    pub frame: ClientFrame,
}

/// What a client can ask over the WebSocket.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export, export_to = "protocol.ts")]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientFrame {
    /// Append a message. Retrying with the same `client_id` is safe: the server answers
    /// with the original `seq` and stores nothing new.
    /// With `attachments` (uploaded to this conversation first), `text` may be empty.
    Send {
        conversation_id: ConversationId,
        client_id: ClientMessageId,
        text: String,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        attachments: Vec<MediaId>,
    },
    /// Replace the text of one of your own messages.
    Edit {
        conversation_id: ConversationId,
        seq: Seq,
        text: String,
    },
    /// Delete one of your own messages: its text is erased and a tombstone stays.
    Delete {
        conversation_id: ConversationId,
        seq: Seq,
    },
    /// I have read everything up to `seq` (moves only forward; drives unread counts).
    Read {
        conversation_id: ConversationId,
        seq: Seq,
    },
    /// A page of the log: events with `seq < before` (newest page first) or `seq > after`.
    History {
        conversation_id: ConversationId,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        before: Option<Seq>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        after: Option<Seq>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        limit: Option<u32>,
    },
    /// Everything that changed since these cursors (the highest seq held per conversation),
    /// across all my conversations, one page at a time. Conversations not named start at 0.
    Sync {
        #[serde(default)]
        cursors: BTreeMap<ConversationId, Seq>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        limit: Option<u32>,
    },
    /// Application-level liveness check; the server answers `pong`.
    Ping,
    /// I am typing (`true`, repeat every `TYPING_REPEAT_SECS` while typing) or stopped.
    /// No reply unless it fails; members receive `typing`.
    Typing {
        conversation_id: ConversationId,
        typing: bool,
    },
    /// One of my devices has received everything up to `seq` (moves only forward).
    Delivered {
        conversation_id: ConversationId,
        seq: Seq,
    },
    /// This device's person is active (`online`) or idle (`away`). `offline` is not
    /// accepted: disconnecting is how a device goes offline.
    Presence { state: PresenceState },
    /// The presence of everyone I share a conversation with; the reply is `presence_list`.
    PresenceQuery,
    /// Add (`add: true`) or remove my reaction `emoji` on the message at `seq`.
    React {
        conversation_id: ConversationId,
        seq: Seq,
        emoji: String,
        add: bool,
    },
    /// Rename a group (admins and the owner).
    Rename {
        conversation_id: ConversationId,
        title: String,
    },
    /// Add people to a group by username (admins and the owner).
    AddMembers {
        conversation_id: ConversationId,
        usernames: Vec<String>,
    },
    /// Remove someone from a group (admins remove members; the owner removes anyone).
    RemoveMember {
        conversation_id: ConversationId,
        user_id: UserId,
    },
    /// Make a member an admin or an admin a member (the owner only).
    SetRole {
        conversation_id: ConversationId,
        user_id: UserId,
        role: Role,
    },
    /// Make another member the owner; the old owner becomes an admin (the owner only).
    TransferOwnership {
        conversation_id: ConversationId,
        user_id: UserId,
    },
    /// Leave a group. An owner who leaves hands ownership to the longest-standing admin,
    /// or else the longest-standing member.
    Leave { conversation_id: ConversationId },
    /// My settings for a conversation, synced to my other devices.
    Settings {
        conversation_id: ConversationId,
        settings: ConversationSettings,
    },
}

impl ClientFrame {
    /// Every `type` a client frame may have (to tell unknown types from malformed frames).
    pub const TYPES: &'static [&'static str] = &[
        "send",
        "edit",
        "delete",
        "read",
        "history",
        "sync",
        "ping",
        "typing",
        "delivered",
        "presence",
        "presence_query",
        "react",
        "rename",
        "add_members",
        "remove_member",
        "set_role",
        "transfer_ownership",
        "leave",
        "settings",
    ];
}

/// A frame from the server, with the request id it answers (if any).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export, export_to = "protocol.ts")]
pub struct ServerEnvelope {
    /// The `id` of the request this frame answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<RequestId>,
    /// The frame itself.
    #[serde(flatten)]
    pub frame: ServerFrame,
}

/// What the server sends over the WebSocket.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export, export_to = "protocol.ts")]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerFrame {
    /// First frame on every connection: who you are and the rules of this server.
    Hello {
        protocol_version: u32,
        user: UserProfile,
        server_time: i64,
        heartbeat_interval_ms: u64,
        max_frame_bytes: usize,
        max_text_chars: usize,
        /// Largest file this instance accepts (`POST …/media`); check before uploading,
        /// since a refused upload's connection may drop before its answer arrives.
        /// 0 from a server that does not say.
        #[serde(default)]
        max_upload_bytes: u64,
    },
    /// Your `send` is durable: it has this `seq` and server time.
    Ack {
        conversation_id: ConversationId,
        client_id: ClientMessageId,
        seq: Seq,
        ts: i64,
    },
    /// Your `edit`, `delete` or `read` is stored: for edits and deletions `seq` is the new
    /// log event's; for `read` it is your read mark now.
    Done {
        conversation_id: ConversationId,
        seq: Seq,
    },
    /// A new event in one of your conversations (also sent to the author's own connections).
    Event {
        conversation_id: ConversationId,
        event: Event,
    },
    /// You are now a member of this conversation (created by you or someone else).
    Conversation { conversation: ConversationSummary },
    /// A page of a conversation's log, oldest first. `head` is the conversation's newest
    /// seq; every seq in the requested range that is absent is gone for good.
    History {
        conversation_id: ConversationId,
        events: Vec<Event>,
        head: Seq,
    },
    /// One page of changes. Apply it, advance cursors, and ask again while `more` is true.
    Sync {
        conversations: Vec<ConversationChanges>,
        more: bool,
    },
    /// Your cursor for this conversation is ahead of the server's log (storage lost recent
    /// writes) or live events may have been missed: pull with `sync`. Seqs are never reused.
    Resync {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        conversation_id: Option<ConversationId>,
        reason: String,
    },
    /// Someone in the conversation is typing (or stopped). If no refresh arrives within
    /// `expires_in_ms`, treat it as stopped.
    Typing {
        conversation_id: ConversationId,
        user_id: UserId,
        typing: bool,
        expires_in_ms: u64,
    },
    /// A member's delivered/read marks moved (also sent to that member's other devices,
    /// which derive unread counts from `read_seq`).
    Receipt {
        conversation_id: ConversationId,
        user_id: UserId,
        delivered_seq: Seq,
        read_seq: Seq,
    },
    /// Someone you share a conversation with came online, went idle or went offline.
    Presence(Presence),
    /// Answer to `presence_query`.
    PresenceList { users: Vec<Presence> },
    /// Your settings for a conversation changed (from this or another of your devices).
    Settings {
        conversation_id: ConversationId,
        settings: ConversationSettings,
    },
    /// You are no longer a member: you keep read access up to `through` (the removal
    /// event, which you received just before this) and receive nothing newer.
    Removed {
        conversation_id: ConversationId,
        through: Seq,
    },
    /// The request with this `id` failed.
    Error(ErrorBody),
    /// Answer to `ping`.
    Pong { server_time: i64 },
}

/// Changes of one conversation in a `sync` page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export, export_to = "protocol.ts")]
pub struct ConversationChanges {
    /// The conversation as it stands now.
    pub conversation: ConversationSummary,
    /// Events after the cursor, oldest first (possibly only the first part of them).
    pub events: Vec<Event>,
    /// The cursor to send next time: every seq up to here was covered by this page
    /// (seqs in that range that are absent were lost for good).
    pub through: Seq,
}

/// One entry in a conversation's log.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export, export_to = "protocol.ts")]
pub struct Event {
    /// Position in the conversation's log.
    pub seq: Seq,
    /// Server time, milliseconds since the Unix epoch.
    pub ts: i64,
    /// Who caused it.
    pub sender: UserId,
    /// What happened.
    #[serde(flatten)]
    pub body: EventBody,
}

/// The kinds of log entries.
///
/// A `message` entry in history always shows the message as it is now: edited text with
/// `edited_at`, or `deleted` with the text erased. The `edit` and `delete` entries tell
/// live clients and syncing caches to update the message they hold.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export, export_to = "protocol.ts")]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EventBody {
    /// A text message.
    Message {
        client_id: ClientMessageId,
        text: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        edited_at: Option<i64>,
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        deleted: bool,
        /// Reactions, in the order each emoji was first used.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        reactions: Vec<ReactionSummary>,
        /// Files shared with the message.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        attachments: Vec<MediaInfo>,
    },
    /// The message at `target` now reads `text`.
    Edit { target: Seq, text: String },
    /// The message at `target` was deleted.
    Delete { target: Seq },
    /// The conversation was created (first entry of every log).
    Created {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        title: Option<String>,
        members: Vec<UserId>,
    },
    /// The sender added (`added: true`) or removed their reaction on `target`.
    Reaction {
        target: Seq,
        emoji: String,
        added: bool,
    },
    /// The sender renamed the group.
    Renamed { title: String },
    /// The sender added these people.
    MembersAdded { users: Vec<UserId> },
    /// The sender removed this person.
    MemberRemoved { user: UserId },
    /// The sender left; when they owned the group, `new_owner` took over.
    MemberLeft {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        new_owner: Option<UserId>,
    },
    /// The sender (the owner) changed this member's role.
    RoleChanged { user: UserId, role: Role },
    /// The sender handed ownership to `to` and became an admin.
    OwnershipTransferred { to: UserId },
}

impl EventBody {
    /// What a deleted message becomes: text erased, no edit time, reactions or files, only
    /// its client id kept. The server stores it; clients show it as a tombstone.
    pub fn tombstone(client_id: ClientMessageId) -> Self {
        EventBody::Message {
            client_id,
            text: String::new(),
            edited_at: None,
            deleted: true,
            reactions: Vec::new(),
            attachments: Vec::new(),
        }
    }
}

/// Everyone who reacted to a message with one emoji.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export, export_to = "protocol.ts")]
pub struct ReactionSummary {
    pub emoji: String,
    /// In the order they reacted; the count is its length.
    pub users: Vec<UserId>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listed_type_is_a_frame() {
        for t in ClientFrame::TYPES {
            let json = format!(r#"{{"type":"{t}"}}"#);
            let err = serde_json::from_str::<ClientFrame>(&json)
                .err()
                .map(|e| e.to_string());
            assert!(
                !err.unwrap_or_default().contains("unknown variant"),
                "{t} is listed but not a variant"
            );
        }
    }

    #[test]
    fn request_id_and_tag_share_one_object() {
        let json = r#"{"type":"read","id":"r1","conversation_id":"c","seq":4}"#;
        let env: ClientEnvelope = serde_json::from_str(json).expect("valid frame");
        assert_eq!(env.id.as_deref(), Some("r1"));
        assert_eq!(
            env.frame,
            ClientFrame::Read {
                conversation_id: ConversationId("c".into()),
                seq: 4
            }
        );
    }

    #[test]
    fn server_error_frame_flattens_the_body() {
        let env = ServerEnvelope {
            id: Some("7".into()),
            frame: ServerFrame::Error(ErrorBody {
                code: crate::ErrorCode::RateLimited,
                message: "slow down".into(),
                retry_after_ms: Some(250),
            }),
        };
        let v: serde_json::Value =
            serde_json::from_str(&serde_json::to_string(&env).expect("serializes")).expect("json");
        assert_eq!(v["type"], "error");
        assert_eq!(v["id"], "7");
        assert_eq!(v["code"], "rate_limited");
        assert_eq!(v["retry_after_ms"], 250);
    }

    #[test]
    fn message_event_round_trips_without_optional_fields() {
        let ev = Event {
            seq: 3,
            ts: 1,
            sender: UserId("u".into()),
            body: EventBody::Message {
                client_id: uuid::Uuid::nil(),
                text: "hi".into(),
                edited_at: None,
                deleted: false,
                reactions: vec![],
                attachments: vec![],
            },
        };
        let s = serde_json::to_string(&ev).expect("serializes");
        assert!(!s.contains("deleted") && !s.contains("edited_at"), "{s}");
        assert_eq!(serde_json::from_str::<Event>(&s).expect("parses"), ev);
    }
}
