//! The conversation list, starting conversations, and per-conversation signals: typing,
//! read marks, drafts; and local search.

use crate::error::CommandResult;
use crate::Desktop;
use tauri::State;
use tidings_core::search::{SearchHit, SearchQuery};
use tidings_shared::{ConversationId, ConversationSummary, Seq};

/// The list, newest activity first, from the cache.
#[tauri::command(rename_all = "snake_case")]
pub(crate) async fn conversations(
    desktop: State<'_, Desktop>,
) -> CommandResult<Vec<ConversationSummary>> {
    Ok(desktop.core().await.conversations().await?)
}

/// Opens (or finds) the direct conversation with `username`.
#[tauri::command(rename_all = "snake_case")]
pub(crate) async fn open_direct(
    desktop: State<'_, Desktop>,
    username: String,
) -> CommandResult<ConversationSummary> {
    Ok(desktop.core().await.open_direct(&username).await?)
}

/// Creates a group with these members (usernames).
#[tauri::command(rename_all = "snake_case")]
pub(crate) async fn create_group(
    desktop: State<'_, Desktop>,
    title: String,
    members: Vec<String>,
) -> CommandResult<ConversationSummary> {
    Ok(desktop.core().await.create_group(&title, members).await?)
}

/// I am typing (or stopped) in `conversation_id`.
#[tauri::command(rename_all = "snake_case")]
pub(crate) async fn set_typing(
    desktop: State<'_, Desktop>,
    conversation_id: ConversationId,
    typing: bool,
) -> CommandResult<()> {
    desktop.core().await.set_typing(&conversation_id, typing);
    Ok(())
}

/// I have read `conversation_id` up to `seq`.
#[tauri::command(rename_all = "snake_case")]
pub(crate) async fn mark_read(
    desktop: State<'_, Desktop>,
    conversation_id: ConversationId,
    seq: Seq,
) -> CommandResult<()> {
    desktop.core().await.mark_read(&conversation_id, seq);
    Ok(())
}

/// Keeps the composer's text for `conversation_id`.
#[tauri::command(rename_all = "snake_case")]
pub(crate) async fn set_draft(
    desktop: State<'_, Desktop>,
    conversation_id: ConversationId,
    text: String,
) -> CommandResult<()> {
    Ok(desktop
        .core()
        .await
        .set_draft(&conversation_id, &text)
        .await?)
}

/// The composer's kept text for `conversation_id`.
#[tauri::command(rename_all = "snake_case")]
pub(crate) async fn draft(
    desktop: State<'_, Desktop>,
    conversation_id: ConversationId,
) -> CommandResult<Option<String>> {
    Ok(desktop.core().await.draft(&conversation_id).await?)
}

/// Local full-text search.
#[tauri::command(rename_all = "snake_case")]
pub(crate) async fn search(
    desktop: State<'_, Desktop>,
    query: SearchQuery,
) -> CommandResult<Vec<SearchHit>> {
    Ok(desktop.core().await.search(query).await?)
}
