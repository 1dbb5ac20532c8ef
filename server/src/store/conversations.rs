//! Conversations: create, membership, and the summaries a member sees.

use super::{keys, Store};
use crate::error::{AppError, AppResult};
use redis::AsyncCommands;
use std::collections::{HashMap, HashSet};
use tidings_shared::{
    ConversationId, ConversationKind, ConversationSummary, Event, EventBody, Member, Receipt, Role,
    Seq, UserId, UserProfile,
};

/// Most log entries read to count one conversation's unread messages; beyond this the
/// count is reported as this number ("999+" in a UI).
pub(super) const UNREAD_SCAN_LIMIT: Seq = 1_000;

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
            .key(direct_key)
            .key(keys::roles(&new.id))
            .key(keys::joined(&new.id));
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

    /// Ids of the conversations the user is a member of now (not those they left or were
    /// removed from): what they receive live and whose members see their presence.
    pub async fn active_conversation_ids(&self, user: &UserId) -> AppResult<Vec<ConversationId>> {
        let all = self.conversation_ids(user).await?;
        if all.is_empty() {
            return Ok(all);
        }
        let mut pipe = redis::pipe();
        for cid in &all {
            pipe.sismember(keys::members(cid), user.as_str());
        }
        let member: Vec<bool> = pipe.query_async(&mut self.conn()).await?;
        Ok(all
            .into_iter()
            .zip(member)
            .filter(|(_, m)| *m)
            .map(|(c, _)| c)
            .collect())
    }

    /// Ids of every conversation the user is or was in (former ones stay readable up to
    /// the removal).
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
                .hgetall(keys::roles(cid))
                .hgetall(keys::read_marks(cid))
                .hgetall(keys::delivered_marks(cid))
                .hget(keys::former_members(cid), viewer.as_str())
                .hget(keys::settings(viewer), cid.as_str());
        }
        let rows: Vec<SummaryTuple> = pipe.query_async(&mut self.conn()).await?;
        let rows: Vec<SummaryRow> = rows.into_iter().map(SummaryRow::from).collect();

        let everyone: Vec<UserId> = rows
            .iter()
            .flat_map(|row| row.members.iter().cloned())
            .collect::<HashSet<_>>()
            .into_iter()
            .map(UserId)
            .collect();
        let profiles: HashMap<UserId, UserProfile> = self
            .profiles(&everyone)
            .await?
            .into_iter()
            .map(|p| (p.id.clone(), p))
            .collect();

        let mut out = Vec::with_capacity(cids.len());
        for (cid, row) in cids.iter().zip(rows) {
            if let Some(summary) = self.summary(viewer, cid, row, &profiles).await? {
                out.push(summary);
            }
        }
        Ok(out)
    }

    async fn summary(
        &self,
        viewer: &UserId,
        cid: &ConversationId,
        row: SummaryRow,
        profiles: &HashMap<UserId, UserProfile>,
    ) -> AppResult<Option<ConversationSummary>> {
        let meta = &row.meta;
        let field = |name: &str| meta.get(name).and_then(|v| v.parse::<i64>().ok());
        let kind = match meta.get("kind").map(String::as_str) {
            Some("direct") => ConversationKind::Direct,
            Some("group") => ConversationKind::Group,
            _ => return Ok(None),
        };
        let removed_at = row.former;
        let log_head = field("head").unwrap_or(0).max(0) as Seq;
        let head = removed_at.map_or(log_head, |r| r.min(log_head));
        let read_seq = row.read.get(viewer.as_str()).copied().unwrap_or(0);
        let last_message_seq = field("last_message_seq").unwrap_or(0).max(0) as Seq;
        let last_message = if last_message_seq > 0 && last_message_seq <= head {
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
        let mut members: Vec<Member> = row
            .members
            .iter()
            .filter_map(|m| {
                let user = profiles.get(&UserId(m.clone()))?.clone();
                let role = parse_role(row.roles.get(m).map(String::as_str));
                Some(Member { user, role })
            })
            .collect();
        members.sort_by(|a, b| a.user.username.cmp(&b.user.username));
        let receipts = members
            .iter()
            .map(|m| {
                let id = m.user.id.as_str();
                let read_seq = row.read.get(id).copied().unwrap_or(0);
                Receipt {
                    user_id: m.user.id.clone(),
                    delivered_seq: row.delivered.get(id).copied().unwrap_or(0).max(read_seq),
                    read_seq,
                }
            })
            .collect();
        let settings = row
            .settings
            .as_deref()
            .and_then(|json| serde_json::from_str(json).ok())
            .unwrap_or_default();
        Ok(Some(ConversationSummary {
            id: cid.clone(),
            kind,
            title: meta.get("title").cloned(),
            members,
            receipts,
            settings,
            removed_at,
            created_by: UserId(meta.get("created_by").cloned().unwrap_or_default()),
            created_at: field("created_at").unwrap_or(0),
            head,
            last_activity: field("last_activity").unwrap_or(0),
            last_message,
            read_seq,
            unread_count,
        }))
    }

    /// What `user` may do in `cid`.
    pub async fn access(&self, cid: &ConversationId, user: &UserId) -> AppResult<Access> {
        let (member, former): (bool, Option<Seq>) = redis::pipe()
            .sismember(keys::members(cid), user.as_str())
            .hget(keys::former_members(cid), user.as_str())
            .query_async(&mut self.conn())
            .await?;
        Ok(match (member, former) {
            (true, _) => Access::Member,
            (false, Some(through)) => Access::Former { through },
            (false, None) => Access::None,
        })
    }

    /// A group's membership as it stands, with the version changes are decided against.
    pub async fn group_state(&self, cid: &ConversationId) -> AppResult<Option<GroupState>> {
        let (kind, version, members, roles, joined): GroupRow = redis::pipe()
            .hget(keys::conversation(cid), "kind")
            .hget(keys::conversation(cid), "members_version")
            .smembers(keys::members(cid))
            .hgetall(keys::roles(cid))
            .hgetall(keys::joined(cid))
            .query_async(&mut self.conn())
            .await?;
        let Some(kind) = kind else {
            return Ok(None);
        };
        let mut members: Vec<(UserId, Role, Seq)> = members
            .into_iter()
            .map(|m| {
                let role = parse_role(roles.get(&m).map(String::as_str));
                let since = joined.get(&m).copied().unwrap_or(0);
                (UserId(m), role, since)
            })
            .collect();
        members.sort_by(|a, b| a.2.cmp(&b.2).then(a.0.cmp(&b.0)));
        Ok(Some(GroupState {
            is_group: kind == "group",
            version: version.unwrap_or(0),
            members,
        }))
    }
}

fn parse_role(stored: Option<&str>) -> Role {
    match stored {
        Some("owner") => Role::Owner,
        Some("admin") => Role::Admin,
        _ => Role::Member,
    }
}

/// What a user may do in a conversation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Everything a member may do.
    Member,
    /// Removed or left: may read the log up to `through`, nothing else.
    Former { through: Seq },
    /// Nothing (not a member, or no such conversation).
    None,
}

/// A conversation's membership for deciding a group change.
pub struct GroupState {
    pub is_group: bool,
    /// Bumped by every membership change; a change decided on an older version fails.
    pub version: u64,
    /// Members with role and the seq they joined at, longest-standing first.
    pub members: Vec<(UserId, Role, Seq)>,
}

impl GroupState {
    /// The role of `user`, if a member.
    pub fn role_of(&self, user: &UserId) -> Option<Role> {
        self.members.iter().find(|m| &m.0 == user).map(|m| m.1)
    }
}

type GroupRow = (
    Option<String>,
    Option<u64>,
    Vec<String>,
    HashMap<String, String>,
    HashMap<String, Seq>,
);

/// What one conversation's summary is built from, as Redis returns it.
struct SummaryRow {
    meta: HashMap<String, String>,
    members: Vec<String>,
    roles: HashMap<String, String>,
    read: HashMap<String, Seq>,
    delivered: HashMap<String, Seq>,
    former: Option<Seq>,
    settings: Option<String>,
}

type SummaryTuple = (
    HashMap<String, String>,
    Vec<String>,
    HashMap<String, String>,
    HashMap<String, Seq>,
    HashMap<String, Seq>,
    Option<Seq>,
    Option<String>,
);

impl From<SummaryTuple> for SummaryRow {
    fn from((meta, members, roles, read, delivered, former, settings): SummaryTuple) -> Self {
        Self {
            meta,
            members,
            roles,
            read,
            delivered,
            former,
            settings,
        }
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
