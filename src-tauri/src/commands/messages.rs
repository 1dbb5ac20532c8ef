//! Messages: the conversation view's pages, sending (optimistic, through the outbox),
//! retrying or discarding a refused send, and edits, deletions and reactions.

use crate::error::CommandResult;
use crate::Desktop;
use tauri::State;
use tidings_core::cache::CachedMessage;
use tidings_shared::{ClientMessageId, ConversationId, MediaId, Seq};

/// The newest `limit` messages of `conversation_id` before `before` (or the newest).
#[tauri::command(rename_all = "snake_case")]
pub(crate) async fn page(
    desktop: State<'_, Desktop>,
    conversation_id: ConversationId,
    before: Option<Seq>,
    limit: u32,
) -> CommandResult<Vec<CachedMessage>> {
    Ok(desktop
        .core()
        .await
        .page(&conversation_id, before, limit)
        .await?)
}

/// Sends a message; it shows as pending at once. Returns its client id.
#[tauri::command(rename_all = "snake_case")]
pub(crate) async fn send_message(
    desktop: State<'_, Desktop>,
    conversation_id: ConversationId,
    text: String,
    attachments: Option<Vec<MediaId>>,
) -> CommandResult<ClientMessageId> {
    let attachments = attachments.unwrap_or_default();
    Ok(desktop
        .core()
        .await
        .send_message(&conversation_id, &text, attachments)
        .await?)
}

/// Puts a failed send back in the outbox.
#[tauri::command(rename_all = "snake_case")]
pub(crate) async fn retry(
    desktop: State<'_, Desktop>,
    client_id: ClientMessageId,
) -> CommandResult<()> {
    Ok(desktop.core().await.retry(client_id).await?)
}

/// Drops a failed send.
#[tauri::command(rename_all = "snake_case")]
pub(crate) async fn discard(
    desktop: State<'_, Desktop>,
    client_id: ClientMessageId,
) -> CommandResult<()> {
    Ok(desktop.core().await.discard(client_id).await?)
}

/// Replaces the text of one of my messages.
#[tauri::command(rename_all = "snake_case")]
pub(crate) async fn edit_message(
    desktop: State<'_, Desktop>,
    conversation_id: ConversationId,
    seq: Seq,
    text: String,
) -> CommandResult<()> {
    Ok(desktop
        .core()
        .await
        .edit_message(&conversation_id, seq, &text)
        .await?)
}

/// Deletes one of my messages.
#[tauri::command(rename_all = "snake_case")]
pub(crate) async fn delete_message(
    desktop: State<'_, Desktop>,
    conversation_id: ConversationId,
    seq: Seq,
) -> CommandResult<()> {
    Ok(desktop
        .core()
        .await
        .delete_message(&conversation_id, seq)
        .await?)
}

/// Adds (`add`) or removes my reaction `emoji`.
#[tauri::command(rename_all = "snake_case")]
pub(crate) async fn react(
    desktop: State<'_, Desktop>,
    conversation_id: ConversationId,
    seq: Seq,
    emoji: String,
    add: bool,
) -> CommandResult<()> {
    Ok(desktop
        .core()
        .await
        .react(&conversation_id, seq, &emoji, add)
        .await?)
}
