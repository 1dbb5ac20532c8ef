//! [`NativeNotifier`]: shows the notifications the core decides on (its
//! [`NotificationPolicy`](tidings_core::notify::NotificationPolicy): not my own, not muted,
//! not during do-not-disturb, not the conversation on screen, bursts coalesced) through
//! notify-rust, plays the sound, and opens the conversation when one is clicked.
//!
//! Clicks: notify-rust reports the default action on Linux and the BSDs (the
//! org.freedesktop.Notifications `ActionInvoked` signal), on macOS, and on Windows; each
//! shown notification gets a thread that waits for it, ended when the notification is
//! clicked or closed. A replaced notification keeps its id on Linux, so one waiter serves
//! the whole burst.

use crate::lock;
use crate::settings::SettingsStore;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use tauri::{AppHandle, Emitter};
use tidings_core::notify::{Notification, NotificationSink};
use tidings_shared::ConversationId;

/// The Tauri event asking the UI to play the notification sound (no payload).
pub(crate) const PLAY_SOUND: &str = "play-sound";
/// The Tauri event asking the UI to open a conversation (payload: its id).
pub(crate) const OPEN_CONVERSATION: &str = "open-conversation";

/// The shell's [`NotificationSink`].
pub(crate) struct NativeNotifier {
    app: AppHandle,
    settings: Arc<SettingsStore>,
    /// The notification id shown for each conversation, so that the next one replaces
    /// it (XDG servers replace by id; the others ignore it).
    shown: Mutex<HashMap<ConversationId, u32>>,
    /// Notification ids with a thread waiting for their click.
    waiting: Arc<Mutex<HashSet<u32>>>,
}

impl NativeNotifier {
    pub(crate) fn new(app: AppHandle, settings: Arc<SettingsStore>) -> Self {
        Self {
            app,
            settings,
            shown: Mutex::default(),
            waiting: Arc::default(),
        }
    }
}

impl NotificationSink for NativeNotifier {
    fn show(&self, n: &Notification) -> Result<(), String> {
        if self.settings.get().sound {
            // Played by the webview, which runs while the window is hidden too.
            let _ = self.app.emit(PLAY_SOUND, ());
        }
        let replaces = lock(&self.shown).get(&n.conversation_id).copied();
        let mut native = notify_rust::Notification::new();
        native
            .appname("Tidings")
            .summary(&n.title)
            .body(&n.body)
            .action("default", "Open");
        if let Some(id) = replaces {
            native.id(id);
        }
        set_platform_details(&mut native);
        let handle = native.show().map_err(|e| e.to_string())?;
        let id = notification_id(&handle).or(replaces);
        if let Some(id) = id {
            lock(&self.shown).insert(n.conversation_id.clone(), id);
            if !lock(&self.waiting).insert(id) {
                // Replaced: the thread waiting for this id already serves it.
                return Ok(());
            }
        }
        let app = self.app.clone();
        let waiting = self.waiting.clone();
        let conversation = n.conversation_id.clone();
        let spawned = std::thread::Builder::new()
            .name("notification-click".into())
            .spawn(move || {
                handle.wait_for_action(|action| {
                    if action == "default" || action == "Open" {
                        crate::window::reveal(&app);
                        let _ = app.emit(OPEN_CONVERSATION, &conversation);
                    }
                });
                if let Some(id) = id {
                    lock(&waiting).remove(&id);
                }
            });
        if let Err(e) = spawned {
            tracing::warn!(error = %e, "no thread to wait for a notification's click");
            if let Some(id) = id {
                lock(&self.waiting).remove(&id);
            }
        }
        Ok(())
    }
}

/// Linux and the BSDs: the icon by name (the .deb installs it as `tidings-desktop`) and
/// the instant-message category, which servers use to group and style it.
#[cfg(all(unix, not(target_os = "macos")))]
fn set_platform_details(native: &mut notify_rust::Notification) {
    native
        .icon("tidings-desktop")
        .hint(notify_rust::Hint::Category("im.received".to_owned()));
}

/// macOS shows the app's own icon and Windows the app's identity; neither takes hints.
#[cfg(not(all(unix, not(target_os = "macos"))))]
fn set_platform_details(_native: &mut notify_rust::Notification) {}

/// The server's id for a shown notification: only XDG servers hand one back.
#[cfg(all(unix, not(target_os = "macos")))]
fn notification_id(handle: &notify_rust::NotificationHandle) -> Option<u32> {
    Some(handle.id())
}

#[cfg(not(all(unix, not(target_os = "macos"))))]
fn notification_id(_handle: &notify_rust::NotificationHandle) -> Option<u32> {
    None
}
