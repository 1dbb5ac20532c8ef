//! Conversations: create, membership, and the summaries a member sees.

use super::{keys, Store};
use crate::error::{AppError, AppResult};
use redis::AsyncCommands;
use std::collections::{HashMap, HashSet};
use tidings_shared::{
    ConversationId, ConversationKind, ConversationSummary, Event, EventBody, Seq, UserId,
};

/// Most log entries read to count one conversation's unread messages; beyond this the
/// count is reported as this number ("999+" in a UI).
pub(super) const UNREAD_SCAN_LIMIT: Seq = 1_000;

/// One conversation's hash, member ids and the viewer's read mark, as Redis returns them.
type SummaryRow = (HashMap<String, String>, Vec<String>, Option<Seq>);

/// A conversation to create.
pub struct NewConversation<'a> {
    pub id: ConversationId,
    pub kind: ConversationKind,
    pub title: Option<&'a str>,
    pub created_by: &'a UserId,
    /// Every member, the creator included, without duplicates.
    pub members: &'a [UserId],
}

impl Store {
    /// Creates a conversation (its log starts with a `created` event). For a direct
    /// conversation whose pair already has one, returns that one and `false`.
    pub async fn create_conversation(
        &self,
        new: NewConversation<'_>,
    ) -> AppResult<(ConversationId, bool)> {
        let direct_key = match (new.kind, new.members) {
            (ConversationKind::Direct, [a, b]) => keys::direct_pair(a, b),
            (ConversationKind::Direct, _) => {
                return Err(AppError::Internal(
                    "direct conversation needs 2 members".into(),
                ))
            }
            (ConversationKind::Group, _) => keys::conversation(&new.id) + ":direct-unused",
        };
        let created = EventTail {
            sender: new.created_by,
            body: &EventBody::Created {
                title: new.title.map(str::to_owned),
                members: new.members.to_vec(),
            },
        };
        let mut invocation = self.scripts.create_conversation.prepare_invoke();
        invocation
            .key(keys::conversation(&new.id))
            .key(keys::members(&new.id))
            .key(keys::log(&new.id))
            .key(direct_key);
        for member in new.members {
            invocation.key(keys::user_conversations(member));
        }
        invocation
            .arg(new.id.as_str())
            .arg(match new.kind {
                ConversationKind::Direct => "direct",
                ConversationKind::Group => "group",
            })
            .arg(new.title.unwrap_or(""))
            .arg(new.created_by.as_str())
            .arg(created.render()?);
        for member in new.members {
            invocation.arg(member.as_str());
        }
        let (id, created): (String, i64) = invocation.invoke_async(&mut self.conn()).await?;
        Ok((ConversationId(id), created == 1))
    }

    /// Whether `user` is a member of `cid` (false if it does not exist).
    pub async fn is_member(&self, cid: &ConversationId, user: &UserId) -> AppResult<bool> {
        Ok(self
            .conn()
            .sismember(keys::members(cid), user.as_str())
            .await?)
    }

    /// Ids of the user's conversations.
    pub async fn conversation_ids(&self, user: &UserId) -> AppResult<Vec<ConversationId>> {
        let ids: Vec<String> = self.conn().smembers(keys::user_conversations(user)).await?;
        Ok(ids.into_iter().map(ConversationId).collect())
    }

    /// Summaries of `cids` as `viewer` sees them (conversations that vanished are skipped).
    pub async fn summaries(
        &self,
        viewer: &UserId,
        cids: &[ConversationId],
    ) -> AppResult<Vec<ConversationSummary>> {
        if cids.is_empty() {
            return Ok(Vec::new());
        }
        let mut pipe = redis::pipe();
        for cid in cids {
            pipe.hgetall(keys::conversation(cid))
                .smembers(keys::members(cid))
                .hget(keys::read_marks(cid), viewer.as_str());
        }
        let rows: Vec<SummaryRow> = pipe.query_async(&mut self.conn()).await?;

        let everyone: Vec<UserId> = rows
            .iter()
            .flat_map(|(_, members, _)| members.iter().cloned())
            .collect::<HashSet<_>>()
            .into_iter()
            .map(UserId)
            .collect();
        let profiles: HashMap<UserId, _> = self
            .profiles(&everyone)
            .await?
            .into_iter()
            .map(|p| (p.id.clone(), p))
            .collect();

        let mut out = Vec::with_capacity(cids.len());
        for (cid, (meta, members, read)) in cids.iter().zip(rows) {
            let Some(summary) = self
                .summary(viewer, cid, meta, &members, read.unwrap_or(0), &profiles)
                .await?
            else {
                continue;
            };
            out.push(summary);
        }
        Ok(out)
    }

    async fn summary(
        &self,
        viewer: &UserId,
        cid: &ConversationId,
        meta: HashMap<String, String>,
        members: &[String],
        read_seq: Seq,
        profiles: &HashMap<UserId, tidings_shared::UserProfile>,
    ) -> AppResult<Option<ConversationSummary>> {
        let field = |name: &str| meta.get(name).and_then(|v| v.parse::<i64>().ok());
        let kind = match meta.get("kind").map(String::as_str) {
            Some("direct") => ConversationKind::Direct,
            Some("group") => ConversationKind::Group,
            _ => return Ok(None),
        };
        let head = field("head").unwrap_or(0).max(0) as Seq;
        let last_message_seq = field("last_message_seq").unwrap_or(0).max(0) as Seq;
        let last_message = if last_message_seq > 0 {
            self.log_entry(cid, last_message_seq)
                .await?
                .map(|json| serde_json::from_str::<Event>(&json))
                .transpose()?
        } else {
            None
        };
        let unread_from = read_seq.max(head.saturating_sub(UNREAD_SCAN_LIMIT)) + 1;
        let unread_count = self
            .log_range(cid, unread_from, head)
            .await?
            .iter()
            .filter(|e| {
                &e.sender != viewer && matches!(e.body, EventBody::Message { deleted: false, .. })
            })
            .count() as u32;
        let mut member_profiles: Vec<_> = members
            .iter()
            .filter_map(|m| profiles.get(&UserId(m.clone())).cloned())
            .collect();
        member_profiles.sort_by(|a, b| a.username.cmp(&b.username));
        Ok(Some(ConversationSummary {
            id: cid.clone(),
            kind,
            title: meta.get("title").cloned(),
            members: member_profiles,
            created_by: UserId(meta.get("created_by").cloned().unwrap_or_default()),
            created_at: field("created_at").unwrap_or(0),
            head,
            last_activity: field("last_activity").unwrap_or(0),
            last_message,
            read_seq,
            unread_count,
        }))
    }
}

/// An event's JSON without `seq` and `ts`, which the Lua scripts prepend atomically.
pub(crate) struct EventTail<'a> {
    pub(crate) sender: &'a UserId,
    pub(crate) body: &'a EventBody,
}

impl EventTail<'_> {
    /// `"sender":"…","kind":"…",…}` — the object minus its opening brace.
    pub(crate) fn render(&self) -> AppResult<String> {
        #[derive(serde::Serialize)]
        struct Tail<'a> {
            sender: &'a UserId,
            #[serde(flatten)]
            body: &'a EventBody,
        }
        let json = serde_json::to_string(&Tail {
            sender: self.sender,
            body: self.body,
        })?;
        Ok(json.strip_prefix('{').map(str::to_owned).unwrap_or(json))
    }
}
