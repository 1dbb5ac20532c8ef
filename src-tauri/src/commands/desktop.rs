//! The app's own settings, and where the person is looking (for notifications).

use crate::error::CommandResult;
use crate::settings::DesktopSettings;
use crate::Desktop;
use tauri::State;
use tidings_shared::ConversationId;

/// The app's settings on this device.
#[tauri::command(rename_all = "snake_case")]
pub(crate) async fn desktop_settings(
    desktop: State<'_, Desktop>,
) -> CommandResult<DesktopSettings> {
    Ok(desktop.settings())
}

/// Replaces the settings; resolves to them as they now are. Fails (changing nothing)
/// when start at login cannot be set, or the settings cannot be saved.
#[tauri::command(rename_all = "snake_case")]
pub(crate) async fn set_desktop_settings(
    desktop: State<'_, Desktop>,
    settings: DesktopSettings,
) -> CommandResult<DesktopSettings> {
    desktop.change_settings(|s| *s = settings).await
}

/// The conversation on screen, or none.
#[tauri::command(rename_all = "snake_case")]
pub(crate) async fn set_open_conversation(
    desktop: State<'_, Desktop>,
    conversation_id: Option<ConversationId>,
) -> CommandResult<()> {
    desktop.set_open_conversation(conversation_id).await;
    Ok(())
}
