//! Every Redis key and pub/sub channel the server uses, in one place.
//!
//! All keys start with `tidings:`. Keys of one conversation share the hash tag
//! `{<conversation id>}`, so the hot-path script (append) touches a single slot. Two
//! scripts do not yet: conversation creation (it also adds to each member's set) and
//! refresh-token rotation; running on Redis Cluster needs those split first.
//!
//! | key | type | holds |
//! |---|---|---|
//! | `tidings:user:<uid>` | hash | `username`, `display_name`, `password_hash`, `created_at`, `presence`, `last_seen` |
//! | `tidings:username:<lowercase name>` | string | the user id (uniqueness) |
//! | `tidings:user:<uid>:conversations` | set | ids of the user's conversations |
//! | `tidings:conv:{<cid>}` | hash | `kind`, `title`, `created_by`, `created_at`, `head`, `last_activity`, `last_message_seq`, `members_version` |
//! | `tidings:conv:{<cid>}:members` | set | member user ids |
//! | `tidings:conv:{<cid>}:log` | hash | seq → event JSON (the conversation's log) |
//! | `tidings:conv:{<cid>}:client_ids` | hash | `<uid>:<client id>` → `<seq>:<ts>` (send de-duplication) |
//! | `tidings:conv:{<cid>}:read` | hash | uid → read-up-to seq |
//! | `tidings:conv:{<cid>}:delivered` | hash | uid → delivered-up-to seq (the larger of this and the read mark counts: reading implies delivery) |
//! | `tidings:conv:{<cid>}:roles` | hash | uid → `owner` / `admin` (absent: member) |
//! | `tidings:conv:{<cid>}:joined` | hash | uid → seq of the event that made them a member |
//! | `tidings:conv:{<cid>}:former` | hash | uid → seq of the event that removed them |
//! | `tidings:user:<uid>:settings` | hash | cid → the user's settings JSON for it |
//! | `tidings:presence:<uid>` | zset | device → expiry (ms) |
//! | `tidings:presence:<uid>:states` | hash | device → `online` / `away` |
//! | `tidings:presence:expiring` | zset | uid → earliest device expiry (the sweep's agenda) |
//! | `tidings:media:<media id>` | string | the media record JSON (info, conversation, uploader, storage keys) |
//! | `tidings:direct:<uid>:<uid>` | string | the direct conversation of that pair (ids sorted) |
//! | `tidings:refresh:<sha256>` | hash | `family`, `user`: one refresh token, kept until it expires |
//! | `tidings:refresh_family:<fid>` | hash | `user`, `current`: the live token of a sign-in |
//! | `tidings:throttle:login:user:<name>` | string | failed logins in the window (expires) |
//! | `tidings:throttle:login:addr:<ip>` | string | failed logins in the window (expires) |
//!
//! Channels: `tidings:ch:conv:<cid>` carries rendered frames of one conversation (`event`,
//! `receipt`, `typing`, `resync`); `tidings:ch:user:<uid>` carries frames for one user
//! (`conversation`, `removed`, `settings`, `presence`).

use tidings_shared::{ConversationId, UserId};

pub(crate) fn user(id: &UserId) -> String {
    format!("tidings:user:{id}")
}
pub(crate) fn username(lowercase_name: &str) -> String {
    format!("tidings:username:{lowercase_name}")
}
pub(crate) fn user_conversations(id: &UserId) -> String {
    format!("tidings:user:{id}:conversations")
}
pub(crate) fn conversation(id: &ConversationId) -> String {
    format!("tidings:conv:{{{id}}}")
}
pub(crate) fn members(id: &ConversationId) -> String {
    format!("tidings:conv:{{{id}}}:members")
}
pub(crate) fn log(id: &ConversationId) -> String {
    format!("tidings:conv:{{{id}}}:log")
}
pub(crate) fn client_ids(id: &ConversationId) -> String {
    format!("tidings:conv:{{{id}}}:client_ids")
}
pub(crate) fn read_marks(id: &ConversationId) -> String {
    format!("tidings:conv:{{{id}}}:read")
}
pub(crate) fn delivered_marks(id: &ConversationId) -> String {
    format!("tidings:conv:{{{id}}}:delivered")
}
pub(crate) fn roles(id: &ConversationId) -> String {
    format!("tidings:conv:{{{id}}}:roles")
}
pub(crate) fn joined(id: &ConversationId) -> String {
    format!("tidings:conv:{{{id}}}:joined")
}
pub(crate) fn former_members(id: &ConversationId) -> String {
    format!("tidings:conv:{{{id}}}:former")
}
pub(crate) fn settings(user: &UserId) -> String {
    format!("tidings:user:{user}:settings")
}
pub(crate) fn presence_devices(user: &UserId) -> String {
    format!("tidings:presence:{user}")
}
pub(crate) fn presence_states(user: &UserId) -> String {
    format!("tidings:presence:{user}:states")
}
pub(crate) fn media(id: &tidings_shared::MediaId) -> String {
    format!("tidings:media:{id}")
}
/// The sweep's agenda: users by their earliest device expiry.
pub(crate) const PRESENCE_EXPIRING: &str = "tidings:presence:expiring";
pub(crate) fn direct_pair(a: &UserId, b: &UserId) -> String {
    let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
    format!("tidings:direct:{lo}:{hi}")
}
pub(crate) fn refresh_token(token_hash: &str) -> String {
    format!("tidings:refresh:{token_hash}")
}
pub(crate) fn login_failures_user(lowercase_name: &str) -> String {
    format!("tidings:throttle:login:user:{lowercase_name}")
}
pub(crate) fn login_failures_addr(ip: &str) -> String {
    format!("tidings:throttle:login:addr:{ip}")
}
/// Prefix of the conversation channels; the hub strips it to route a message.
pub(crate) const CONVERSATION_CHANNEL_PREFIX: &str = "tidings:ch:conv:";
/// Prefix of the user channels.
pub(crate) const USER_CHANNEL_PREFIX: &str = "tidings:ch:user:";
pub(crate) fn conversation_channel(id: &ConversationId) -> String {
    format!("{CONVERSATION_CHANNEL_PREFIX}{id}")
}
pub(crate) fn user_channel(id: &UserId) -> String {
    format!("{USER_CHANNEL_PREFIX}{id}")
}
