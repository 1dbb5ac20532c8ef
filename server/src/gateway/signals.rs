//! Frames about people rather than the log: typing, delivered/read receipts, presence
//! and per-user conversation settings.

use super::dispatch::Session;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::store::{keys, Access, Mark};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;
use tidings_shared::{
    ConversationId, ConversationSettings, ErrorCode, Presence, PresenceState, Seq, ServerEnvelope,
    ServerFrame, UserId,
};
use tokio::time::Instant;

/// The conversations one connection's person is typing in, and until when.
#[derive(Default)]
pub(super) struct Typing {
    until: Mutex<HashMap<ConversationId, Instant>>,
}

impl Typing {
    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<ConversationId, Instant>> {
        self.until.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// When the next typing runs out, if any.
    pub(super) fn next_deadline(&self) -> Option<Instant> {
        self.map().values().min().copied()
    }

    /// Forgets and returns the conversations whose typing ran out by `now`.
    pub(super) fn take_expired(&self, now: Instant) -> Vec<ConversationId> {
        let mut map = self.map();
        let expired: Vec<ConversationId> = map
            .iter()
            .filter(|(_, t)| **t <= now)
            .map(|(c, _)| c.clone())
            .collect();
        for cid in &expired {
            map.remove(cid);
        }
        expired
    }

    /// Forgets and returns everything (the connection is closing).
    pub(super) fn take_all(&self) -> Vec<ConversationId> {
        self.map().drain().map(|(c, _)| c).collect()
    }

    /// Forgets one; returns whether it was there.
    pub(super) fn stop(&self, cid: &ConversationId) -> bool {
        self.map().remove(cid).is_some()
    }
}

/// Tells a conversation's members that `user` is typing or stopped (ephemeral: pub/sub
/// only, never stored).
pub(super) async fn publish_typing(
    state: &AppState,
    cid: &ConversationId,
    user: &UserId,
    typing: bool,
) {
    let frame = ServerEnvelope {
        id: None,
        frame: ServerFrame::Typing {
            conversation_id: cid.clone(),
            user_id: user.clone(),
            typing,
            expires_in_ms: state.config.typing_timeout_secs * 1000,
        },
    };
    if let Ok(text) = serde_json::to_string(&frame) {
        let _ = state
            .store
            .publish(&keys::conversation_channel(cid), &text)
            .await;
    }
}

/// `typing`: no reply on success.
pub(super) async fn typing(
    session: &Session<'_>,
    cid: ConversationId,
    typing: bool,
) -> AppResult<()> {
    let me = &session.user.id;
    session.state.typing_limiter.check(me).map_err(|wait_ms| {
        AppError::retry_after(
            ErrorCode::RateLimited,
            "Typing updates are too frequent.",
            wait_ms,
        )
    })?;
    if !typing {
        if session.typing.stop(&cid) {
            publish_typing(session.state, &cid, me, false).await;
        }
        return Ok(());
    }
    if !session.state.store.is_member(&cid, me).await? {
        return Err(AppError::not_found());
    }
    let timeout = Duration::from_secs(session.state.config.typing_timeout_secs.max(1));
    session
        .typing
        .map()
        .insert(cid.clone(), Instant::now() + timeout);
    publish_typing(session.state, &cid, me, true).await;
    Ok(())
}

/// `read` and `delivered`: the reply's `seq` is the mark now.
pub(super) async fn receipt(
    session: &Session<'_>,
    cid: ConversationId,
    mark: Mark,
    seq: Seq,
) -> AppResult<ServerFrame> {
    let marks = session
        .state
        .store
        .move_mark(&cid, &session.user.id, mark, seq)
        .await?
        .ok_or_else(AppError::not_found)?;
    let seq = match mark {
        Mark::Read => marks.read,
        Mark::Delivered => marks.delivered,
    };
    Ok(ServerFrame::Done {
        conversation_id: cid,
        seq,
    })
}

/// `presence`: this device's person is active or idle.
pub(super) async fn presence(
    session: &Session<'_>,
    state: PresenceState,
) -> AppResult<ServerFrame> {
    if state == PresenceState::Offline {
        return Err(AppError::client(
            ErrorCode::InvalidFrame,
            "A connected device is online or away; disconnect to go offline.",
        ));
    }
    session
        .state
        .presence
        .set(&session.user.id, session.device, state)
        .await;
    Ok(ServerFrame::Presence(Presence {
        user_id: session.user.id.clone(),
        state,
        last_seen: None,
    }))
}

/// `presence_query`: everyone I share a conversation with.
pub(super) async fn presence_list(session: &Session<'_>) -> AppResult<ServerFrame> {
    let store = &session.state.store;
    let contacts = store.contacts(&session.user.id).await?;
    let users = store.presences(&contacts).await?;
    Ok(ServerFrame::PresenceList { users })
}

/// `settings`: stored, then pushed to all my devices.
pub(super) async fn settings(
    session: &Session<'_>,
    cid: ConversationId,
    settings: ConversationSettings,
) -> AppResult<ServerFrame> {
    let store = &session.state.store;
    let me = &session.user.id;
    if store.access(&cid, me).await? == Access::None {
        return Err(AppError::not_found());
    }
    let settings = ConversationSettings {
        muted_until: settings.muted_until.filter(|_| settings.muted),
        ..settings
    };
    store.put_settings(me, &cid, &settings).await?;
    let frame = ServerFrame::Settings {
        conversation_id: cid,
        settings,
    };
    let envelope = ServerEnvelope {
        id: None,
        frame: frame.clone(),
    };
    if let Ok(text) = serde_json::to_string(&envelope) {
        let _ = store.publish(&keys::user_channel(me), &text).await;
    }
    Ok(frame)
}
