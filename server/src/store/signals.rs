//! Receipts, per-user conversation settings and presence: small state that moves often
//! and is pushed to others as it moves.

use super::{keys, Store};
use crate::error::{AppError, AppResult};
use redis::AsyncCommands;
use tidings_shared::{ConversationId, ConversationSettings, Presence, PresenceState, Seq, UserId};

/// Which mark a receipt moves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mark {
    Delivered,
    Read,
}

/// A member's marks after a receipt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Marks {
    pub moved: bool,
    pub delivered: Seq,
    pub read: Seq,
}

/// A device's presence as it reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeviceUpdate {
    /// Connected and `online` or `away`, alive until the expiry.
    Set(PresenceState),
    /// Disconnected.
    Gone,
    /// Nothing new from this device: only expire the person's stale devices.
    Sweep,
}

impl Store {
    /// Moves `user`'s mark forward (never back, never past the head) and publishes both
    /// marks to the conversation when one moved. `None` when not a member.
    pub async fn move_mark(
        &self,
        cid: &ConversationId,
        user: &UserId,
        mark: Mark,
        seq: Seq,
    ) -> AppResult<Option<Marks>> {
        let reply: Vec<i64> = self
            .scripts
            .receipt
            .key(keys::members(cid))
            .key(keys::delivered_marks(cid))
            .key(keys::read_marks(cid))
            .key(keys::conversation(cid))
            .arg(user.as_str())
            .arg(match mark {
                Mark::Delivered => "delivered",
                Mark::Read => "read",
            })
            .arg(seq)
            .arg(keys::conversation_channel(cid))
            .arg(cid.as_str())
            .invoke_async(&mut self.conn())
            .await?;
        match reply.as_slice() {
            [-1] => Ok(None),
            [moved, delivered, read] => Ok(Some(Marks {
                moved: *moved == 1,
                delivered: (*delivered).max(0) as Seq,
                read: (*read).max(0) as Seq,
            })),
            other => Err(AppError::Internal(format!("receipt replied {other:?}"))),
        }
    }

    /// Stores `user`'s settings for `cid`.
    pub async fn put_settings(
        &self,
        user: &UserId,
        cid: &ConversationId,
        settings: &ConversationSettings,
    ) -> AppResult<()> {
        let json = serde_json::to_string(settings)?;
        let _: () = self
            .conn()
            .hset(keys::settings(user), cid.as_str(), json)
            .await?;
        Ok(())
    }

    /// Records a device's presence; returns the person's presence when it changed.
    pub async fn update_presence(
        &self,
        user: &UserId,
        device: &str,
        update: DeviceUpdate,
        ttl_ms: i64,
    ) -> AppResult<Option<Presence>> {
        let now = crate::clock::now_ms();
        let (op, state) = match update {
            DeviceUpdate::Set(PresenceState::Away) => ("set", "away"),
            DeviceUpdate::Set(_) => ("set", "online"),
            DeviceUpdate::Gone => ("gone", ""),
            DeviceUpdate::Sweep => ("sweep", ""),
        };
        let reply: Vec<String> = self
            .scripts
            .presence
            .key(keys::presence_devices(user))
            .key(keys::presence_states(user))
            .key(keys::user(user))
            .key(keys::PRESENCE_EXPIRING)
            .arg(user.as_str())
            .arg(now)
            .arg(op)
            .arg(device)
            .arg(state)
            .arg(now + ttl_ms)
            .arg(ttl_ms)
            .invoke_async(&mut self.conn())
            .await?;
        Ok(match reply.as_slice() {
            [state, last_seen] => Some(Presence {
                user_id: user.clone(),
                state: parse_presence(state),
                last_seen: last_seen.parse().ok(),
            }),
            _ => None,
        })
    }

    /// Extends the life of these devices, in one pipeline.
    pub async fn refresh_devices(
        &self,
        devices: &[(UserId, String)],
        ttl_ms: i64,
    ) -> AppResult<()> {
        if devices.is_empty() {
            return Ok(());
        }
        let expiry = crate::clock::now_ms() + ttl_ms;
        let mut pipe = redis::pipe();
        for (user, device) in devices {
            pipe.cmd("ZADD")
                .arg(keys::presence_devices(user))
                .arg("XX")
                .arg(expiry)
                .arg(device)
                .ignore();
        }
        let _: () = pipe.query_async(&mut self.conn()).await?;
        Ok(())
    }

    /// Users with a device whose life may have ended by now (the sweep's agenda).
    pub async fn presence_due(&self, limit: isize) -> AppResult<Vec<UserId>> {
        let due: Vec<String> = self
            .conn()
            .zrangebyscore_limit(
                keys::PRESENCE_EXPIRING,
                "-inf",
                crate::clock::now_ms(),
                0,
                limit,
            )
            .await?;
        Ok(due.into_iter().map(UserId).collect())
    }

    /// Presence of these users as stored.
    pub async fn presences(&self, users: &[UserId]) -> AppResult<Vec<Presence>> {
        if users.is_empty() {
            return Ok(Vec::new());
        }
        let mut pipe = redis::pipe();
        for user in users {
            pipe.cmd("HMGET")
                .arg(keys::user(user))
                .arg("presence")
                .arg("last_seen");
        }
        let rows: Vec<(Option<String>, Option<i64>)> = pipe.query_async(&mut self.conn()).await?;
        Ok(users
            .iter()
            .zip(rows)
            .map(|(user, (state, last_seen))| Presence {
                user_id: user.clone(),
                state: state
                    .as_deref()
                    .map_or(PresenceState::Offline, parse_presence),
                last_seen,
            })
            .collect())
    }

    /// Everyone who shares a conversation with `user` now (not `user` themself).
    pub async fn contacts(&self, user: &UserId) -> AppResult<Vec<UserId>> {
        let cids = self.active_conversation_ids(user).await?;
        if cids.is_empty() {
            return Ok(Vec::new());
        }
        let mut cmd = redis::cmd("SUNION");
        for cid in &cids {
            cmd.arg(keys::members(cid));
        }
        let all: Vec<String> = cmd.query_async(&mut self.conn()).await?;
        Ok(all
            .into_iter()
            .filter(|u| u != user.as_str())
            .map(UserId)
            .collect())
    }
}

fn parse_presence(state: &str) -> PresenceState {
    match state {
        "online" => PresenceState::Online,
        "away" => PresenceState::Away,
        _ => PresenceState::Offline,
    }
}
