//! [`Desktop`]: the shell's one piece of state — which server the app talks to and the
//! [`Core`] open for it, the app's own settings, where the person's attention is, and the
//! tray.
//!
//! The server address is chosen on the sign-in screen and remembered in the data dir
//! (`server`); `TIDINGS_SERVER` overrides it at start. Each server gets its own cache
//! (`servers/<address as a file name>/`), so accounts of two servers never share one.
//! Switching servers stops the old core and opens the new one; the task forwarding the
//! old core's events ends when that core is dropped (its event channel closes).

use crate::error::{CommandError, CommandResult};
use crate::notifier::NativeNotifier;
use crate::settings::{DesktopSettings, SettingsStore};
use crate::tray::{unread_total, Tray};
use crate::{lock, CORE_EVENT};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tauri::{AppHandle, Emitter};
use tauri_plugin_autostart::ManagerExt;
use tidings_core::notify::Attention;
use tidings_core::{Core, CoreConfig, CoreEvent};
use tidings_shared::ConversationId;
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::{Mutex, Notify};

/// Where the app looks for a server until told otherwise.
pub const DEFAULT_SERVER: &str = "http://127.0.0.1:8080";
/// The Tauri event that tells the UI the settings changed (payload: [`DesktopSettings`]);
/// the tray menu changes them too.
pub(crate) const SETTINGS_CHANGED: &str = "desktop-settings";
/// The tray's unread count is recounted at most this often.
const UNREAD_EVERY: Duration = Duration::from_millis(250);

/// The shell's managed state.
pub struct Desktop {
    app: AppHandle,
    data_dir: PathBuf,
    current: Mutex<Current>,
    settings: Arc<SettingsStore>,
    notifier: Arc<NativeNotifier>,
    attention: std::sync::Mutex<Attention>,
    tray: std::sync::Mutex<Option<Tray>>,
    /// Rung when the conversation list may have changed: the tray recounts.
    unread_changed: Arc<Notify>,
}

struct Current {
    server: String,
    core: Core,
}

impl Desktop {
    /// Opens the core for `server_override`, else the remembered server, else
    /// [`DEFAULT_SERVER`].
    pub async fn open(
        app: AppHandle,
        data_dir: PathBuf,
        server_override: Option<String>,
    ) -> Result<Self, CommandError> {
        std::fs::create_dir_all(&data_dir)
            .map_err(|e| CommandError::new("startup", format!("data dir: {e}")))?;
        let remembered = std::fs::read_to_string(data_dir.join("server")).ok();
        let server = server_override
            .or(remembered)
            .and_then(|s| normalize_server(&s).ok())
            .unwrap_or_else(|| DEFAULT_SERVER.to_owned());
        let settings = Arc::new(SettingsStore::load(data_dir.join("desktop-settings.json")));
        let notifier = Arc::new(NativeNotifier::new(app.clone(), settings.clone()));
        let shown = settings.get();
        let attention = Attention {
            do_not_disturb: shown.do_not_disturb,
            hide_previews: shown.hide_previews,
            ..Attention::default()
        };
        let unread_changed = Arc::new(Notify::new());
        let core = open_core(&app, &data_dir, &server, &unread_changed).await?;
        core.set_notification_sink(notifier.clone());
        core.set_attention(attention.clone());
        Ok(Self {
            app,
            data_dir,
            current: Mutex::new(Current { server, core }),
            settings,
            notifier,
            attention: std::sync::Mutex::new(attention),
            tray: std::sync::Mutex::new(None),
            unread_changed,
        })
    }

    /// Puts the icon in the tray and keeps its unread state current. Without a tray (a
    /// platform or desktop that has none) the app works the same, and closing the window
    /// quits it.
    pub fn start_tray(&self) {
        match Tray::create(&self.app, self.settings.get().do_not_disturb) {
            Ok(tray) => *lock(&self.tray) = Some(tray),
            Err(e) => {
                tracing::warn!(error = %e, "no tray icon");
                return;
            }
        }
        let app = self.app.clone();
        let changed = self.unread_changed.clone();
        tauri::async_runtime::spawn(async move {
            loop {
                changed.notified().await;
                let desktop = tauri::Manager::state::<Desktop>(&app);
                let unread = match desktop.core().await.conversations().await {
                    Ok(list) => unread_total(&list, now_ms()),
                    Err(_) => 0,
                };
                if let Some(tray) = lock(&desktop.tray).as_ref() {
                    tray.show_unread(unread);
                }
                tokio::time::sleep(UNREAD_EVERY).await;
            }
        });
        self.unread_changed.notify_one();
    }

    /// Where this device keeps the app's data.
    pub fn data_dir(&self) -> &std::path::Path {
        &self.data_dir
    }

    /// Whether there is a tray icon to bring the app back from.
    pub fn has_tray(&self) -> bool {
        lock(&self.tray).is_some()
    }

    /// The app's settings.
    pub fn settings(&self) -> DesktopSettings {
        self.settings.get()
    }

    /// Changes the settings, saves them, and applies them everywhere: the core's
    /// notification policy, start at login, the tray's check mark, and the UI (which may
    /// not be where the change came from).
    pub async fn change_settings(
        &self,
        change: impl FnOnce(&mut DesktopSettings),
    ) -> CommandResult<DesktopSettings> {
        let before = self.settings.get();
        let mut wanted = before.clone();
        change(&mut wanted);
        if wanted.start_at_login != before.start_at_login {
            let autolaunch = self.app.autolaunch();
            let result = if wanted.start_at_login {
                autolaunch.enable()
            } else {
                autolaunch.disable()
            };
            result.map_err(|e| {
                CommandError::new("autostart", format!("start at login unavailable: {e}"))
            })?;
        }
        self.settings.set(wanted.clone())?;
        {
            let mut attention = lock(&self.attention);
            attention.do_not_disturb = wanted.do_not_disturb;
            attention.hide_previews = wanted.hide_previews;
        }
        self.push_attention().await;
        if let Some(tray) = lock(&self.tray).as_ref() {
            tray.show_do_not_disturb(wanted.do_not_disturb);
        }
        let _ = self.app.emit(SETTINGS_CHANGED, &wanted);
        Ok(wanted)
    }

    /// The conversation now on screen (none: the list, or signed out).
    pub async fn set_open_conversation(&self, conversation: Option<ConversationId>) {
        lock(&self.attention).open_conversation = conversation;
        self.push_attention().await;
    }

    /// The window gained or lost the keyboard focus.
    pub fn set_focused(&self, focused: bool) {
        lock(&self.attention).window_focused = focused;
        let app = self.app.clone();
        tauri::async_runtime::spawn(async move {
            tauri::Manager::state::<Desktop>(&app)
                .push_attention()
                .await;
        });
    }

    /// Hands the core the attention as it is now (read at the time of the call, so that
    /// calls finishing out of order still leave the latest).
    async fn push_attention(&self) {
        let core = self.core().await;
        let attention = lock(&self.attention).clone();
        core.set_attention(attention);
    }

    /// The core for the current server.
    pub async fn core(&self) -> Core {
        self.current.lock().await.core.clone()
    }

    /// The current server's address.
    pub async fn server(&self) -> String {
        self.current.lock().await.server.clone()
    }

    /// The core for `server`, switching to it (and remembering it) if it is not the
    /// current one.
    pub async fn core_for(&self, server: &str) -> CommandResult<Core> {
        let server = normalize_server(server)?;
        let mut current = self.current.lock().await;
        if current.server != server {
            current.core.stop().await;
            let core = open_core(&self.app, &self.data_dir, &server, &self.unread_changed).await?;
            core.set_notification_sink(self.notifier.clone());
            core.set_attention(lock(&self.attention).clone());
            *current = Current {
                server: server.clone(),
                core,
            };
        }
        if let Err(e) = std::fs::write(self.data_dir.join("server"), &server) {
            tracing::warn!(error = %e, "the server address cannot be remembered");
        }
        Ok(current.core.clone())
    }
}

/// Opens the core for `server` in its own directory and forwards its events.
async fn open_core(
    app: &AppHandle,
    data_dir: &std::path::Path,
    server: &str,
    unread_changed: &Arc<Notify>,
) -> CommandResult<Core> {
    let core = Core::open(CoreConfig {
        server: server.to_owned(),
        data_dir: data_dir.join("servers").join(dir_name(server)),
    })
    .await?;
    let mut events = core.subscribe();
    let app = app.clone();
    let unread_changed = unread_changed.clone();
    tauri::async_runtime::spawn(async move {
        loop {
            let event = match events.recv().await {
                Ok(event) => event,
                // Missed some: have the UI read everything again.
                Err(RecvError::Lagged(missed)) => {
                    tracing::warn!(missed, "the UI missed core events");
                    CoreEvent::ConversationsChanged
                }
                Err(RecvError::Closed) => break,
            };
            if matches!(
                event,
                CoreEvent::ConversationsChanged | CoreEvent::SignedOut
            ) {
                unread_changed.notify_one();
            }
            if let Err(e) = app.emit(CORE_EVENT, &event) {
                tracing::warn!(error = %e, "a core event did not reach the webview");
            }
        }
    });
    Ok(core)
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// `http(s)://host[:port]` without a trailing slash; anything else is refused.
pub(crate) fn normalize_server(input: &str) -> CommandResult<String> {
    let server = input.trim().trim_end_matches('/');
    let host = server
        .strip_prefix("http://")
        .or_else(|| server.strip_prefix("https://"));
    match host {
        Some(host) if !host.is_empty() && !host.contains(char::is_whitespace) => {
            Ok(server.to_owned())
        }
        _ => Err(CommandError::new(
            "invalid_server",
            "the server address must look like http://host:port or https://host",
        )),
    }
}

/// A server address as a directory name.
fn dir_name(server: &str) -> String {
    server
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_addresses_are_normalized() {
        assert_eq!(
            normalize_server(" http://127.0.0.1:8080/ ").expect("valid"),
            "http://127.0.0.1:8080"
        );
        assert_eq!(
            normalize_server("https://chat.example").expect("valid"),
            "https://chat.example"
        );
        for bad in ["", "127.0.0.1:8080", "http://", "ftp://x", "http://a b"] {
            assert_eq!(normalize_server(bad).expect_err(bad).code, "invalid_server");
        }
    }

    #[test]
    fn each_server_gets_its_own_directory_name() {
        assert_eq!(dir_name("http://127.0.0.1:8080"), "http___127.0.0.1_8080");
        assert_ne!(dir_name("http://a:1"), dir_name("http://a:2"));
    }
}
