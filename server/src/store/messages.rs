//! A conversation's log: append (messages, edits, deletions), read ranges, read marks.

use super::appends::{AppendRecord, RawOutcome};
use super::{keys, Store};
use crate::error::{AppError, AppResult};
use redis::AsyncCommands;
use tidings_shared::{ConversationId, Event, Role, Seq, UserId};

/// One write to a conversation's log, prepared by the caller.
pub struct LogWrite<'a> {
    pub conversation: &'a ConversationId,
    pub sender: &'a UserId,
    /// `<uid>:<client id>` for sends (de-duplication), `None` for edits and deletions.
    pub dedup_field: Option<String>,
    /// The event's JSON object without its opening `{` and without `seq`/`ts`, which the
    /// script prepends (see scripts/append.lua).
    pub event_tail: String,
    /// Whether the event is a new message.
    pub is_message: bool,
    /// Replace the stored message at this seq, if it still reads `expected`.
    pub replace: Option<Replace>,
    /// The highest seq this instance has seen in the conversation.
    pub seq_floor: Seq,
    /// Membership changes applied atomically with the event.
    pub membership: Option<MembershipChange>,
}

/// Group changes decided against one membership version; if the version moved on
/// meanwhile, the append reports a conflict and nothing is written.
pub struct MembershipChange {
    pub version: u64,
    pub changes: Vec<Change>,
}

/// One membership change (see scripts/append.lua).
pub enum Change {
    Add(UserId, Role),
    Remove(UserId),
    SetRole(UserId, Role),
    Title(String),
}

/// The keys and arguments of one append, in the order scripts/append.lua reads them.
fn record(write: LogWrite<'_>) -> AppendRecord {
    let cid = write.conversation;
    let mut args = vec![
        write.sender.as_str().to_owned(),
        write.dedup_field.unwrap_or_default(),
        write.seq_floor.to_string(),
        write.event_tail,
        keys::conversation_channel(cid),
        cid.as_str().to_owned(),
        if write.is_message { "1" } else { "0" }.to_owned(),
    ];
    let mut record_keys = vec![
        keys::conversation(cid),
        keys::members(cid),
        keys::log(cid),
        keys::client_ids(cid),
        keys::read_marks(cid),
        keys::delivered_marks(cid),
    ];
    // Arguments past the seventh are left out when empty (the script reads them as ''),
    // and the membership keys when nothing changes it: a plain message is most appends.
    if write.replace.is_some() || write.membership.is_some() {
        match write.replace {
            Some(r) => args.extend([r.seq.to_string(), r.expected, r.new]),
            None => args.extend([String::new(), String::new(), String::new()]),
        }
    }
    if let Some(m) = write.membership {
        args.push(m.version.to_string());
        if !m.changes.is_empty() {
            record_keys.extend([
                keys::roles(cid),
                keys::joined(cid),
                keys::former_members(cid),
            ]);
        }
        for change in m.changes {
            let (op, user, value) = match change {
                Change::Add(u, r) => ("add", u.0, role_name(r).to_owned()),
                Change::Remove(u) => ("remove", u.0, String::new()),
                Change::SetRole(u, r) => ("role", u.0, role_name(r).to_owned()),
                Change::Title(t) => ("title", String::new(), t),
            };
            args.extend([op.to_owned(), user, value]);
        }
    }
    AppendRecord {
        keys: record_keys,
        args,
    }
}

/// Reads the script's four numbers for one append.
fn outcome(raw: RawOutcome) -> AppResult<AppendOutcome> {
    match raw {
        [-1, ..] => Ok(AppendOutcome::NotMember),
        [-2, ..] => Ok(AppendOutcome::Conflict),
        [seq, ts, duplicate, rolled_back] if seq > 0 => Ok(AppendOutcome::Stored {
            seq: seq as Seq,
            ts,
            duplicate: duplicate == 1,
            rolled_back: rolled_back == 1,
        }),
        other => Err(AppError::Internal(format!("append replied {other:?}"))),
    }
}

fn role_name(role: Role) -> &'static str {
    match role {
        Role::Owner => "owner",
        Role::Admin => "admin",
        Role::Member => "member",
    }
}

/// Compare-and-set of one stored message (for edits and deletions).
pub struct Replace {
    pub seq: Seq,
    pub expected: String,
    pub new: String,
}

/// What an append did.
#[derive(Debug, PartialEq, Eq)]
pub enum AppendOutcome {
    /// Stored (or, with `duplicate`, stored before under the same client id).
    Stored {
        seq: Seq,
        ts: i64,
        duplicate: bool,
        /// The counter was at or below `seq_floor`: Redis lost writes; seqs were skipped.
        rolled_back: bool,
    },
    /// The sender is not a member (or the conversation does not exist).
    NotMember,
    /// The message to replace (or the membership) changed since it was read; read it
    /// again and retry.
    Conflict,
}

impl Store {
    /// Appends one event atomically and publishes it to the conversation's channel.
    /// Appends from all of this instance's connections are grouped into one script call
    /// while another is in flight (see appends.rs).
    pub async fn append(&self, write: LogWrite<'_>) -> AppResult<AppendOutcome> {
        let raw = self.appends.submit(record(write)).await?;
        outcome(raw)
    }

    /// The stored JSON of one log entry.
    pub async fn log_entry(&self, cid: &ConversationId, seq: Seq) -> AppResult<Option<String>> {
        Ok(self.conn().hget(keys::log(cid), seq).await?)
    }

    /// Log entries with `from <= seq <= to`, oldest first; lost seqs are skipped.
    pub async fn log_range(
        &self,
        cid: &ConversationId,
        from: Seq,
        to: Seq,
    ) -> AppResult<Vec<Event>> {
        if from > to {
            return Ok(Vec::new());
        }
        let seqs: Vec<Seq> = (from..=to).collect();
        let mut cmd = redis::cmd("HMGET");
        cmd.arg(keys::log(cid)).arg(&seqs);
        let raw: Vec<Option<String>> = cmd.query_async(&mut self.conn()).await?;
        raw.into_iter()
            .flatten()
            .map(|json| serde_json::from_str(&json).map_err(AppError::from))
            .collect()
    }

    /// The newest seq of a conversation (0 if it does not exist).
    pub async fn head(&self, cid: &ConversationId) -> AppResult<Seq> {
        let head: Option<Seq> = self.conn().hget(keys::conversation(cid), "head").await?;
        Ok(head.unwrap_or(0))
    }

    /// Newest seqs of many conversations, each with the seq at which `user` was removed
    /// from it (if they were), in one round trip.
    pub async fn heads_for(
        &self,
        user: &UserId,
        cids: &[ConversationId],
    ) -> AppResult<Vec<(Seq, Option<Seq>)>> {
        if cids.is_empty() {
            return Ok(Vec::new());
        }
        let mut pipe = redis::pipe();
        for cid in cids {
            pipe.hget(keys::conversation(cid), "head")
                .hget(keys::former_members(cid), user.as_str());
        }
        let rows: Vec<(Option<Seq>, Option<Seq>)> = pipe.query_async(&mut self.conn()).await?;
        Ok(rows.into_iter().map(|(h, f)| (h.unwrap_or(0), f)).collect())
    }

    /// Makes sure `seq` is never handed out again in this conversation. Returns whether
    /// the head had to be raised, i.e. Redis had lost writes.
    pub async fn raise_head(&self, cid: &ConversationId, seq: Seq) -> AppResult<bool> {
        Ok(self
            .raise_field(&keys::conversation(cid), "head", seq)
            .await?
            .0)
    }

    /// Returns (raised, value afterwards).
    async fn raise_field(&self, key: &str, field: &str, value: Seq) -> AppResult<(bool, Seq)> {
        let (raised, now): (i64, Seq) = self
            .scripts
            .raise_field
            .key(key)
            .arg(field)
            .arg(value)
            .invoke_async(&mut self.conn())
            .await?;
        Ok((raised == 1, now))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn send<'a>(conversation: &'a ConversationId, sender: &'a UserId) -> LogWrite<'a> {
        LogWrite {
            conversation,
            sender,
            dedup_field: Some("u:c".into()),
            event_tail: "\"sender\":\"u\"}".into(),
            is_message: true,
            replace: None,
            seq_floor: 0,
            membership: None,
        }
    }

    #[test]
    fn a_plain_message_passes_six_keys_and_seven_arguments() {
        let (cid, uid) = (ConversationId("c".into()), UserId("u".into()));
        let r = record(send(&cid, &uid));
        assert_eq!(r.keys.len(), 6);
        assert_eq!(r.keys[5], keys::delivered_marks(&cid));
        assert_eq!(r.args.len(), 7);
        assert_eq!(r.args[6], "1");
    }

    #[test]
    fn an_edit_passes_the_replacement_and_a_membership_change_its_keys() {
        let (cid, uid) = (ConversationId("c".into()), UserId("u".into()));
        let edit = record(LogWrite {
            replace: Some(Replace {
                seq: 4,
                expected: "old".into(),
                new: "new".into(),
            }),
            ..send(&cid, &uid)
        });
        assert_eq!(edit.keys.len(), 6);
        assert_eq!(edit.args[7..], ["4", "old", "new"]);

        let add = record(LogWrite {
            membership: Some(MembershipChange {
                version: 3,
                changes: vec![Change::Add(UserId("v".into()), Role::Member)],
            }),
            ..send(&cid, &uid)
        });
        assert_eq!(add.keys.len(), 9);
        assert_eq!(add.keys[8], keys::former_members(&cid));
        assert_eq!(add.args[7..], ["", "", "", "3", "add", "v", "member"]);
    }
}
