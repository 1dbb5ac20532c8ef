//! When to raise a native notification, and what it says. The native call itself sits
//! behind [`NotificationSink`], which the desktop shell implements (notify-rust); this
//! module only decides, so it is tested without a desktop.
//!
//! The rules, in the order they are checked: only new messages (not edits, reactions or
//! system events), not deleted ones, not my own, not while do-not-disturb is on, not in a
//! muted conversation (until its mute ends), and not for the conversation on screen in a
//! focused window. A burst in one conversation is coalesced: within [`COALESCE_MS`] of the
//! last notification for it, the same notification is replaced ("3 new messages").

use std::collections::HashMap;
use tidings_shared::{
    ConversationId, ConversationKind, ConversationSummary, Event, EventBody, UserId,
};

/// Messages within this long of the previous notification of a conversation replace it.
pub const COALESCE_MS: i64 = 5_000;
/// Longest preview shown, in characters.
pub const PREVIEW_CHARS: usize = 140;

/// What the shell shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notification {
    /// One notification per conversation: a new one with the same key replaces it.
    pub conversation_id: ConversationId,
    /// Sender (direct) or "Sender in Group" (group).
    pub title: String,
    /// The preview, or a neutral text when previews are hidden or for a file.
    pub body: String,
    /// Messages this notification stands for.
    pub count: u32,
}

/// Shows notifications natively (the shell's notify-rust, a D-Bus call on Linux).
pub trait NotificationSink: Send + Sync {
    /// Shows or replaces the notification of `n.conversation_id`.
    fn show(&self, n: &Notification) -> Result<(), String>;
}

/// Where the user's attention is, and their preferences.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize, ts_rs::TS)]
#[ts(export_to = "core.ts")]
pub struct Attention {
    /// The app's window has the keyboard focus.
    pub window_focused: bool,
    /// The conversation on screen, if any.
    pub open_conversation: Option<ConversationId>,
    /// Do not disturb: no notifications at all.
    pub do_not_disturb: bool,
    /// Notifications say who wrote, not what.
    pub hide_previews: bool,
}

/// Decides, remembering recent notifications for coalescing.
#[derive(Default)]
pub struct NotificationPolicy {
    recent: HashMap<ConversationId, (i64, u32)>,
}

impl NotificationPolicy {
    /// The notification to show for `event` in `conversation`, if any.
    pub fn decide(
        &mut self,
        now_ms: i64,
        me: &UserId,
        attention: &Attention,
        conversation: &ConversationSummary,
        event: &Event,
    ) -> Option<Notification> {
        let EventBody::Message {
            text,
            deleted: false,
            attachments,
            ..
        } = &event.body
        else {
            return None;
        };
        if &event.sender == me || attention.do_not_disturb {
            return None;
        }
        if conversation.settings.is_muted_at(now_ms) {
            return None;
        }
        if attention.window_focused
            && attention.open_conversation.as_ref() == Some(&conversation.id)
        {
            return None;
        }
        let count = match self.recent.get(&conversation.id) {
            Some((at, count)) if now_ms - at < COALESCE_MS => count + 1,
            _ => 1,
        };
        self.recent.insert(conversation.id.clone(), (now_ms, count));

        let sender = conversation
            .members
            .iter()
            .find(|m| m.user.id == event.sender)
            .map(|m| m.user.display_name.clone())
            .unwrap_or_else(|| "Someone".to_owned());
        let title = match (&conversation.kind, &conversation.title) {
            (ConversationKind::Group, Some(group)) => format!("{sender} in {group}"),
            _ => sender,
        };
        let body = if attention.hide_previews {
            if count > 1 {
                format!("{count} new messages")
            } else {
                "New message".to_owned()
            }
        } else {
            let preview = if text.trim().is_empty() {
                match attachments.first() {
                    Some(file) => format!("📎 {}", file.name),
                    None => "New message".to_owned(),
                }
            } else {
                truncate(text.trim(), PREVIEW_CHARS)
            };
            if count > 1 {
                format!("{preview} (+{} more)", count - 1)
            } else {
                preview
            }
        };
        Some(Notification {
            conversation_id: conversation.id.clone(),
            title,
            body,
            count,
        })
    }

    /// The user looked at the conversation: the next message starts a fresh count.
    pub fn seen(&mut self, conversation: &ConversationId) {
        self.recent.remove(conversation);
    }
}

fn truncate(text: &str, max: usize) -> String {
    let mut chars = text.chars();
    let head: String = chars.by_ref().take(max).collect();
    if chars.next().is_some() {
        format!("{head}…")
    } else {
        head
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tidings_shared::{ConversationSettings, Member, Role, UserProfile};

    fn user(id: &str, name: &str) -> Member {
        Member {
            user: UserProfile {
                id: UserId(id.into()),
                username: id.into(),
                display_name: name.into(),
            },
            role: Role::Member,
        }
    }

    fn group() -> ConversationSummary {
        ConversationSummary {
            id: ConversationId("g".into()),
            kind: ConversationKind::Group,
            title: Some("Trip".into()),
            members: vec![user("me", "Me"), user("ana", "Ana")],
            receipts: vec![],
            settings: ConversationSettings::default(),
            removed_at: None,
            created_by: UserId("me".into()),
            created_at: 0,
            head: 1,
            last_activity: 0,
            last_message: None,
            read_seq: 0,
            unread_count: 0,
        }
    }

    fn message(from: &str, text: &str) -> Event {
        Event {
            seq: 2,
            ts: 0,
            sender: UserId(from.into()),
            body: EventBody::Message {
                client_id: uuid::Uuid::nil(),
                text: text.into(),
                edited_at: None,
                deleted: false,
                reactions: vec![],
                attachments: vec![],
            },
        }
    }

    #[test]
    fn a_message_from_someone_else_notifies_with_sender_group_and_preview() {
        let mut policy = NotificationPolicy::default();
        let n = policy
            .decide(
                0,
                &UserId("me".into()),
                &Attention::default(),
                &group(),
                &message("ana", "pizza?"),
            )
            .expect("notifies");
        assert_eq!(
            (n.title.as_str(), n.body.as_str(), n.count),
            ("Ana in Trip", "pizza?", 1)
        );
    }

    #[test]
    fn own_messages_dnd_mute_and_the_open_conversation_stay_quiet() {
        let me = UserId("me".into());
        let mut policy = NotificationPolicy::default();
        let quiet =
            |policy: &mut NotificationPolicy,
             attention: &Attention,
             conv: &ConversationSummary,
             ev: &Event| { policy.decide(1_000, &me, attention, conv, ev).is_none() };
        assert!(quiet(
            &mut policy,
            &Attention::default(),
            &group(),
            &message("me", "mine")
        ));
        let dnd = Attention {
            do_not_disturb: true,
            ..Default::default()
        };
        assert!(quiet(&mut policy, &dnd, &group(), &message("ana", "x")));
        let focused = Attention {
            window_focused: true,
            open_conversation: Some(ConversationId("g".into())),
            ..Default::default()
        };
        assert!(quiet(&mut policy, &focused, &group(), &message("ana", "x")));
        // The same conversation open in an unfocused window does notify.
        let unfocused = Attention {
            window_focused: false,
            ..focused
        };
        assert!(!quiet(
            &mut policy,
            &unfocused,
            &group(),
            &message("ana", "x")
        ));

        let mut muted = group();
        muted.settings.muted = true;
        assert!(quiet(
            &mut policy,
            &Attention::default(),
            &muted,
            &message("ana", "x")
        ));
        muted.settings.muted_until = Some(500);
        assert!(
            !quiet(
                &mut policy,
                &Attention::default(),
                &muted,
                &message("ana", "x")
            ),
            "the mute ended"
        );
        let mut edit = message("ana", "x");
        edit.body = EventBody::Edit {
            target: 1,
            text: "y".into(),
        };
        assert!(quiet(&mut policy, &Attention::default(), &group(), &edit));
    }

    #[test]
    fn bursts_are_coalesced_and_previews_can_be_hidden() {
        let me = UserId("me".into());
        let mut policy = NotificationPolicy::default();
        let plain = Attention::default();
        policy
            .decide(0, &me, &plain, &group(), &message("ana", "one"))
            .expect("first");
        let second = policy
            .decide(1_000, &me, &plain, &group(), &message("ana", "two"))
            .expect("second");
        assert_eq!((second.count, second.body.as_str()), (2, "two (+1 more)"));
        let hidden = Attention {
            hide_previews: true,
            ..Default::default()
        };
        let third = policy
            .decide(2_000, &me, &hidden, &group(), &message("ana", "secret"))
            .expect("third");
        assert_eq!((third.count, third.body.as_str()), (3, "3 new messages"));
        // After a quiet spell the count starts again.
        let later = policy
            .decide(
                60_000,
                &me,
                &plain,
                &group(),
                &message("ana", &"x".repeat(300)),
            )
            .expect("later");
        assert_eq!(later.count, 1);
        assert!(later.body.ends_with('…') && later.body.chars().count() == PREVIEW_CHARS + 1);
    }
}
