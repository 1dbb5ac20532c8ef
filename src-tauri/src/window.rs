//! The main window: bringing it back (tray, notification click, a second launch), and
//! what closing it does.

use crate::Desktop;
use tauri::{AppHandle, Manager, Window, WindowEvent};

/// The label of the one window (tauri.conf.json).
pub(crate) const MAIN_WINDOW: &str = "main";

/// Shows, un-minimizes and focuses the main window.
pub(crate) fn reveal(app: &AppHandle) {
    if let Some(window) = app.get_webview_window(MAIN_WINDOW) {
        let _ = window.show();
        let _ = window.unminimize();
        let _ = window.set_focus();
    }
}

/// Keeps the core told whether the window has the focus (no notification for the
/// conversation on screen in a focused window), and hides the window instead of closing
/// it when the person chose to keep the app running in the tray and there is one.
pub(crate) fn on_window_event(window: &Window, event: &WindowEvent) {
    let app = window.app_handle();
    let Some(desktop) = app.try_state::<Desktop>() else {
        return;
    };
    match event {
        WindowEvent::Focused(focused) => desktop.set_focused(*focused),
        WindowEvent::CloseRequested { api, .. }
            if desktop.settings().close_to_tray && desktop.has_tray() =>
        {
            api.prevent_close();
            let _ = window.hide();
        }
        _ => {}
    }
}
