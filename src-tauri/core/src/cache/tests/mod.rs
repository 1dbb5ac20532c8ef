//! Tests of the cache and of search, against real SQLite files in temporary directories.
//!
//! The helpers build wire events and summaries the way the server sends them, so each
//! test reads as the exchange it checks.

mod conversations;
mod events;
mod migration;
mod outbox;
mod search;

use super::{Cache, CachedMessage, MessageStatus, OutboxItem, OutboxState};
use tempfile::TempDir;
use tidings_shared::{
    ClientMessageId, ConversationId, ConversationKind, ConversationSettings, ConversationSummary,
    Event, EventBody, MediaId, MediaInfo, Member, Receipt, Role, Seq, UserId, UserProfile,
};

/// What every test returns, so that `?` works on cache calls.
type TestResult = Result<(), Box<dyn std::error::Error>>;

/// A cache in its own temporary directory (removed when dropped).
struct Fixture {
    dir: TempDir,
    cache: Cache,
}

impl Fixture {
    fn new() -> Fixture {
        let dir = tempfile::tempdir().expect("temporary directory");
        let cache = Cache::open(&dir.path().join("cache.sqlite3")).expect("cache opens");
        Fixture { dir, cache }
    }

    /// Closes the file and opens it again, as a restart of the app would.
    fn reopen(self) -> Fixture {
        let Fixture { dir, cache } = self;
        drop(cache);
        let cache = Cache::open(&dir.path().join("cache.sqlite3")).expect("cache reopens");
        Fixture { dir, cache }
    }
}

fn cid(s: &str) -> ConversationId {
    ConversationId(s.to_owned())
}

fn user(s: &str) -> UserId {
    UserId(s.to_owned())
}

/// The client id the helpers give the message at `seq` (unless a test picks one).
fn client_of(seq: Seq) -> ClientMessageId {
    uuid::Uuid::from_u128(0xC0DE_0000 + u128::from(seq))
}

fn event(seq: Seq, sender: &str, body: EventBody) -> Event {
    Event {
        seq,
        ts: 1_000 * seq as i64,
        sender: user(sender),
        body,
    }
}

fn message_body(client_id: ClientMessageId, text: &str, files: Vec<MediaInfo>) -> EventBody {
    EventBody::Message {
        client_id,
        text: text.to_owned(),
        edited_at: None,
        deleted: false,
        reactions: Vec::new(),
        attachments: files,
    }
}

/// A plain message, as a live event shows it.
fn msg(seq: Seq, sender: &str, text: &str) -> Event {
    event(seq, sender, message_body(client_of(seq), text, Vec::new()))
}

fn msg_with_files(seq: Seq, sender: &str, text: &str, files: &[&str]) -> Event {
    let files = files
        .iter()
        .enumerate()
        .map(|(i, name)| file(&format!("m{seq}-{i}"), name))
        .collect();
    event(seq, sender, message_body(client_of(seq), text, files))
}

fn file(id: &str, name: &str) -> MediaInfo {
    MediaInfo {
        id: MediaId(id.to_owned()),
        name: name.to_owned(),
        size: 1_234,
        content_type: "application/pdf".into(),
        sha256: "00".repeat(32),
        width: None,
        height: None,
        placeholder: None,
        has_thumbnail: false,
    }
}

fn edit(seq: Seq, sender: &str, target: Seq, text: &str) -> Event {
    event(
        seq,
        sender,
        EventBody::Edit {
            target,
            text: text.to_owned(),
        },
    )
}

fn delete(seq: Seq, sender: &str, target: Seq) -> Event {
    event(seq, sender, EventBody::Delete { target })
}

fn react(seq: Seq, sender: &str, target: Seq, emoji: &str, added: bool) -> Event {
    event(
        seq,
        sender,
        EventBody::Reaction {
            target,
            emoji: emoji.to_owned(),
            added,
        },
    )
}

fn created(sender: &str, members: &[&str]) -> Event {
    event(
        1,
        sender,
        EventBody::Created {
            title: Some("Team".into()),
            members: members.iter().map(|m| user(m)).collect(),
        },
    )
}

/// A group summary as the server would send it for `viewer`.
fn summary(id: &str, head: Seq, last_activity: i64, members: &[&str]) -> ConversationSummary {
    ConversationSummary {
        id: cid(id),
        kind: ConversationKind::Group,
        title: Some("Team".into()),
        members: members
            .iter()
            .map(|m| Member {
                user: UserProfile {
                    id: user(m),
                    username: (*m).to_owned(),
                    display_name: m.to_uppercase(),
                },
                role: Role::Member,
            })
            .collect(),
        receipts: members
            .iter()
            .map(|m| Receipt {
                user_id: user(m),
                delivered_seq: 0,
                read_seq: 0,
            })
            .collect(),
        settings: ConversationSettings::default(),
        removed_at: None,
        created_by: user(members.first().copied().unwrap_or("nobody")),
        created_at: 0,
        head,
        last_activity,
        last_message: None,
        read_seq: 0,
        unread_count: 0,
    }
}

/// The texts of a conversation's message rows, in view order.
fn texts(cache: &Cache, id: &ConversationId) -> Vec<String> {
    cache
        .messages(id, None, 1_000)
        .expect("messages")
        .into_iter()
        .filter_map(|m| match m.event {
            EventBody::Message { text, .. } => Some(text),
            _ => None,
        })
        .collect()
}

/// The row at `seq`.
fn row(cache: &Cache, id: &ConversationId, seq: Seq) -> CachedMessage {
    cache
        .messages(id, None, 10_000)
        .expect("messages")
        .into_iter()
        .find(|m| m.seq == Some(seq))
        .expect("a row at that seq")
}
