//! What the person does to messages and conversations besides sending: edit, delete,
//! react, manage a group, change a conversation's settings, set presence.
//!
//! These go over the live socket as requests and wait for the server's answer, so the UI
//! can say at once when one is refused (not the author, not an admin, …). While offline
//! they fail with [`CoreError::Offline`] rather than queue: unlike a message, an edit or a
//! role change replayed minutes later could surprise. The change itself reaches the cache
//! as the log event the server publishes (to this connection too), and then a
//! [`CoreEvent::MessagesChanged`](crate::CoreEvent::MessagesChanged).

use crate::client::{Command, Core};
use crate::error::{CoreError, CoreResult};
use std::time::Duration;
use tidings_shared::{
    ClientFrame, ConversationId, ConversationSettings, PresenceState, Role, Seq, ServerFrame,
    UserId,
};
use tokio::sync::oneshot;

/// How long a request waits for its answer before giving up.
const ANSWER_WITHIN: Duration = Duration::from_secs(15);

impl Core {
    /// Sends `frame` and waits for the server's answer.
    pub(crate) async fn request(&self, frame: ClientFrame) -> CoreResult<ServerFrame> {
        if !self.is_online() {
            return Err(CoreError::Offline);
        }
        let (reply, answer) = oneshot::channel();
        self.inner
            .commands
            .send(Command {
                frame,
                reply: Some(reply),
            })
            .map_err(|_| CoreError::Offline)?;
        match tokio::time::timeout(ANSWER_WITHIN, answer).await {
            Ok(Ok(result)) => result,
            // The connection dropped (or the core stopped) before the answer came: the
            // change may or may not have been made; the next sync will show which.
            Ok(Err(_)) => Err(CoreError::Network(
                "the connection dropped before the server answered".into(),
            )),
            Err(_) => Err(CoreError::Network(
                "the server did not answer in time".into(),
            )),
        }
    }

    /// Replaces the text of one of my messages.
    pub async fn edit_message(
        &self,
        conversation: &ConversationId,
        seq: Seq,
        text: &str,
    ) -> CoreResult<()> {
        self.request(ClientFrame::Edit {
            conversation_id: conversation.clone(),
            seq,
            text: text.to_owned(),
        })
        .await
        .map(drop)
    }

    /// Deletes one of my messages (a tombstone stays in its place).
    pub async fn delete_message(&self, conversation: &ConversationId, seq: Seq) -> CoreResult<()> {
        self.request(ClientFrame::Delete {
            conversation_id: conversation.clone(),
            seq,
        })
        .await
        .map(drop)
    }

    /// Adds (`add`) or removes my reaction `emoji` on a message.
    pub async fn react(
        &self,
        conversation: &ConversationId,
        seq: Seq,
        emoji: &str,
        add: bool,
    ) -> CoreResult<()> {
        self.request(ClientFrame::React {
            conversation_id: conversation.clone(),
            seq,
            emoji: emoji.to_owned(),
            add,
        })
        .await
        .map(drop)
    }

    /// Renames a group (admins and the owner).
    pub async fn rename_group(&self, conversation: &ConversationId, title: &str) -> CoreResult<()> {
        self.request(ClientFrame::Rename {
            conversation_id: conversation.clone(),
            title: title.to_owned(),
        })
        .await
        .map(drop)
    }

    /// Adds people to a group by username (admins and the owner).
    pub async fn add_members(
        &self,
        conversation: &ConversationId,
        usernames: Vec<String>,
    ) -> CoreResult<()> {
        self.request(ClientFrame::AddMembers {
            conversation_id: conversation.clone(),
            usernames,
        })
        .await
        .map(drop)
    }

    /// Removes someone from a group.
    pub async fn remove_member(
        &self,
        conversation: &ConversationId,
        user: &UserId,
    ) -> CoreResult<()> {
        self.request(ClientFrame::RemoveMember {
            conversation_id: conversation.clone(),
            user_id: user.clone(),
        })
        .await
        .map(drop)
    }

    /// Makes a member an admin or an admin a member (the owner only).
    pub async fn set_role(
        &self,
        conversation: &ConversationId,
        user: &UserId,
        role: Role,
    ) -> CoreResult<()> {
        self.request(ClientFrame::SetRole {
            conversation_id: conversation.clone(),
            user_id: user.clone(),
            role,
        })
        .await
        .map(drop)
    }

    /// Hands the group to another member (the owner only).
    pub async fn transfer_ownership(
        &self,
        conversation: &ConversationId,
        user: &UserId,
    ) -> CoreResult<()> {
        self.request(ClientFrame::TransferOwnership {
            conversation_id: conversation.clone(),
            user_id: user.clone(),
        })
        .await
        .map(drop)
    }

    /// Leaves a group.
    pub async fn leave_group(&self, conversation: &ConversationId) -> CoreResult<()> {
        self.request(ClientFrame::Leave {
            conversation_id: conversation.clone(),
        })
        .await
        .map(drop)
    }

    /// My settings for a conversation (muted, …), synced to my other devices.
    pub async fn set_conversation_settings(
        &self,
        conversation: &ConversationId,
        settings: ConversationSettings,
    ) -> CoreResult<()> {
        self.request(ClientFrame::Settings {
            conversation_id: conversation.clone(),
            settings,
        })
        .await
        .map(drop)
    }

    /// This device's person is active (`online`) or idle (`away`). Dropped while offline
    /// (connecting announces `online` anyway).
    pub fn set_presence(&self, state: PresenceState) {
        self.fire(ClientFrame::Presence { state });
    }

    /// Keeps what the person was typing in a conversation, for when they come back.
    pub async fn set_draft(&self, conversation: &ConversationId, text: &str) -> CoreResult<()> {
        let cid = conversation.clone();
        let text = text.to_owned();
        self.blocking(move |cache| cache.set_draft(&cid, &text))
            .await
    }

    /// The kept draft of a conversation.
    pub async fn draft(&self, conversation: &ConversationId) -> CoreResult<Option<String>> {
        let cid = conversation.clone();
        self.blocking(move |cache| cache.draft(&cid)).await
    }
}
