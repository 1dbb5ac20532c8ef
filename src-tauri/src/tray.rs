//! The tray (notification area) icon: its menu (open, do not disturb, quit) and its
//! unread state (another icon, the count as its title and tooltip).
//!
//! Platforms: a StatusNotifierItem through libayatana-appindicator on Linux (the desktop
//! must run a StatusNotifierWatcher, as KDE, Ubuntu's GNOME and most panels do; ayatana
//! falls back to an XEmbed icon elsewhere), the notification area on Windows and the menu
//! bar on macOS. Linux reports no clicks on the icon itself, only the menu, so "Open
//! Tidings" is the menu's first entry everywhere.

use crate::window::reveal;
use crate::Desktop;
use tauri::image::Image;
use tauri::menu::{CheckMenuItem, Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::{MouseButton, MouseButtonState, TrayIcon, TrayIconBuilder, TrayIconEvent};
use tauri::{AppHandle, Manager, Wry};
use tidings_shared::ConversationSummary;

const ICON: &[u8] = include_bytes!("../../icons/tray.png");
const ICON_UNREAD: &[u8] = include_bytes!("../../icons/tray-unread.png");

/// Menu item ids.
const OPEN: &str = "open";
const DO_NOT_DISTURB: &str = "do-not-disturb";
const QUIT: &str = "quit";

/// The tray icon and the menu item whose check mark follows the settings.
pub(crate) struct Tray {
    icon: TrayIcon,
    do_not_disturb: CheckMenuItem<Wry>,
}

impl Tray {
    /// Puts the icon in the tray.
    pub(crate) fn create(app: &AppHandle, do_not_disturb: bool) -> tauri::Result<Self> {
        let open = MenuItem::with_id(app, OPEN, "Open Tidings", true, None::<&str>)?;
        let dnd = CheckMenuItem::with_id(
            app,
            DO_NOT_DISTURB,
            "Do not disturb",
            true,
            do_not_disturb,
            None::<&str>,
        )?;
        let quit = MenuItem::with_id(app, QUIT, "Quit Tidings", true, None::<&str>)?;
        let separator = PredefinedMenuItem::separator(app)?;
        let menu = Menu::with_items(app, &[&open, &dnd, &separator, &quit])?;
        let icon = TrayIconBuilder::with_id("tidings")
            .icon(Image::from_bytes(ICON)?)
            .tooltip("Tidings")
            .menu(&menu)
            .show_menu_on_left_click(false)
            .on_menu_event(|app, event| match event.id.as_ref() {
                OPEN => reveal(app),
                DO_NOT_DISTURB => {
                    let app = app.clone();
                    tauri::async_runtime::spawn(async move {
                        let desktop = app.state::<Desktop>();
                        if let Err(e) = desktop
                            .change_settings(|s| s.do_not_disturb = !s.do_not_disturb)
                            .await
                        {
                            tracing::warn!(error = %e, "do not disturb did not change");
                        }
                    });
                }
                QUIT => app.exit(0),
                _ => {}
            })
            .on_tray_icon_event(|tray, event| {
                if let TrayIconEvent::Click {
                    button: MouseButton::Left,
                    button_state: MouseButtonState::Up,
                    ..
                } = event
                {
                    reveal(tray.app_handle());
                }
            })
            .build(app)?;
        Ok(Self {
            icon,
            do_not_disturb: dnd,
        })
    }

    /// Shows the do-not-disturb setting's state.
    pub(crate) fn show_do_not_disturb(&self, on: bool) {
        let _ = self.do_not_disturb.set_checked(on);
    }

    /// Shows `unread` messages waiting: the icon with a dot and the count beside it (Linux
    /// panels and the macOS menu bar show the title) and in the tooltip (Windows, macOS).
    pub(crate) fn show_unread(&self, unread: u32) {
        let (icon, title, tooltip) = if unread == 0 {
            (ICON, None, "Tidings".to_owned())
        } else {
            let noun = if unread == 1 { "message" } else { "messages" };
            (
                ICON_UNREAD,
                Some(unread.to_string()),
                format!("Tidings: {unread} unread {noun}"),
            )
        };
        match Image::from_bytes(icon) {
            Ok(image) => {
                let _ = self.icon.set_icon(Some(image));
            }
            Err(e) => tracing::warn!(error = %e, "tray icon unreadable"),
        }
        let _ = self.icon.set_title(title.as_deref());
        let _ = self.icon.set_tooltip(Some(tooltip));
    }
}

/// Unread messages the person would want counted: those of conversations not muted.
pub(crate) fn unread_total(conversations: &[ConversationSummary], now_ms: i64) -> u32 {
    conversations
        .iter()
        .filter(|c| c.removed_at.is_none())
        .filter(|c| !c.settings.is_muted_at(now_ms))
        .map(|c| c.unread_count)
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use tidings_shared::{ConversationId, ConversationKind, ConversationSettings, UserId};

    fn conversation(unread: u32, muted_until: Option<Option<i64>>) -> ConversationSummary {
        ConversationSummary {
            id: ConversationId("c".into()),
            kind: ConversationKind::Direct,
            title: None,
            members: vec![],
            receipts: vec![],
            settings: ConversationSettings {
                muted: muted_until.is_some(),
                muted_until: muted_until.flatten(),
                ..Default::default()
            },
            removed_at: None,
            created_by: UserId("me".into()),
            created_at: 0,
            head: 0,
            last_activity: 0,
            last_message: None,
            read_seq: 0,
            unread_count: unread,
        }
    }

    #[test]
    fn muted_conversations_do_not_count_until_their_mute_ends() {
        let list = [
            conversation(2, None),
            conversation(5, Some(None)),
            conversation(7, Some(Some(1_000))),
        ];
        assert_eq!(unread_total(&list, 500), 2);
        assert_eq!(unread_total(&list, 2_000), 9);
    }
}
