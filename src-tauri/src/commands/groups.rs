//! Managing a group (rename, members, roles, ownership, leaving) and my own settings for
//! any conversation (mute, archive).
//!
//! Each is a request the server answers at once, so a refusal (`forbidden`,
//! `not_a_member`, …) reaches the UI as the command's error; the change itself arrives
//! like any other, as a `conversations_changed` and `messages_changed` event.

use crate::error::CommandResult;
use crate::Desktop;
use tauri::State;
use tidings_shared::{ConversationId, ConversationSettings, Role, UserId};

/// Renames a group (admins and the owner).
#[tauri::command(rename_all = "snake_case")]
pub(crate) async fn rename_group(
    desktop: State<'_, Desktop>,
    conversation_id: ConversationId,
    title: String,
) -> CommandResult<()> {
    Ok(desktop
        .core()
        .await
        .rename_group(&conversation_id, &title)
        .await?)
}

/// Adds people to a group by username (admins and the owner).
#[tauri::command(rename_all = "snake_case")]
pub(crate) async fn add_members(
    desktop: State<'_, Desktop>,
    conversation_id: ConversationId,
    usernames: Vec<String>,
) -> CommandResult<()> {
    Ok(desktop
        .core()
        .await
        .add_members(&conversation_id, usernames)
        .await?)
}

/// Removes someone from a group (admins remove members; the owner removes anyone).
#[tauri::command(rename_all = "snake_case")]
pub(crate) async fn remove_member(
    desktop: State<'_, Desktop>,
    conversation_id: ConversationId,
    user_id: UserId,
) -> CommandResult<()> {
    Ok(desktop
        .core()
        .await
        .remove_member(&conversation_id, &user_id)
        .await?)
}

/// Makes a member an admin or an admin a member (the owner only).
#[tauri::command(rename_all = "snake_case")]
pub(crate) async fn set_role(
    desktop: State<'_, Desktop>,
    conversation_id: ConversationId,
    user_id: UserId,
    role: Role,
) -> CommandResult<()> {
    Ok(desktop
        .core()
        .await
        .set_role(&conversation_id, &user_id, role)
        .await?)
}

/// Hands the group to another member; I become an admin (the owner only).
#[tauri::command(rename_all = "snake_case")]
pub(crate) async fn transfer_ownership(
    desktop: State<'_, Desktop>,
    conversation_id: ConversationId,
    user_id: UserId,
) -> CommandResult<()> {
    Ok(desktop
        .core()
        .await
        .transfer_ownership(&conversation_id, &user_id)
        .await?)
}

/// Leaves a group (an owner who leaves hands it over).
#[tauri::command(rename_all = "snake_case")]
pub(crate) async fn leave_group(
    desktop: State<'_, Desktop>,
    conversation_id: ConversationId,
) -> CommandResult<()> {
    Ok(desktop.core().await.leave_group(&conversation_id).await?)
}

/// Replaces my settings for a conversation (muted, archived), on all my devices.
#[tauri::command(rename_all = "snake_case")]
pub(crate) async fn set_conversation_settings(
    desktop: State<'_, Desktop>,
    conversation_id: ConversationId,
    settings: ConversationSettings,
) -> CommandResult<()> {
    Ok(desktop
        .core()
        .await
        .set_conversation_settings(&conversation_id, settings)
        .await?)
}
