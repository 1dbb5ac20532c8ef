//! Accounts: who is signed in, and signing in, up, back in and out. A successful sign-in
//! starts the core's connection.

use crate::error::CommandResult;
use crate::Desktop;
use tauri::State;
use tidings_core::ConnectionState;
use tidings_shared::{Presence, UserProfile};

/// The server the app talks to (for the sign-in screen's address field).
#[tauri::command(rename_all = "snake_case")]
pub(crate) async fn server_address(desktop: State<'_, Desktop>) -> CommandResult<String> {
    Ok(desktop.server().await)
}

/// Who signed in last on this device (to offer resuming), if anyone.
#[tauri::command(rename_all = "snake_case")]
pub(crate) async fn last_account(desktop: State<'_, Desktop>) -> CommandResult<Option<String>> {
    Ok(desktop.core().await.last_account())
}

/// Who is signed in now.
#[tauri::command(rename_all = "snake_case")]
pub(crate) async fn me(desktop: State<'_, Desktop>) -> CommandResult<Option<UserProfile>> {
    Ok(desktop.core().await.me())
}

/// Signs `username` back in from the keychain; `None` means: ask for the password.
#[tauri::command(rename_all = "snake_case")]
pub(crate) async fn resume(
    desktop: State<'_, Desktop>,
    username: String,
) -> CommandResult<Option<UserProfile>> {
    let core = desktop.core().await;
    let me = core.resume(&username).await?;
    if me.is_some() {
        core.start().await;
    }
    Ok(me)
}

/// Creates an account on `server` and signs in.
#[tauri::command(rename_all = "snake_case")]
pub(crate) async fn sign_up(
    desktop: State<'_, Desktop>,
    server: String,
    username: String,
    display_name: String,
    password: String,
) -> CommandResult<UserProfile> {
    let core = desktop.core_for(&server).await?;
    let me = core.sign_up(&username, &display_name, &password).await?;
    core.start().await;
    Ok(me)
}

/// Signs in to `server` with a password.
#[tauri::command(rename_all = "snake_case")]
pub(crate) async fn sign_in(
    desktop: State<'_, Desktop>,
    server: String,
    username: String,
    password: String,
) -> CommandResult<UserProfile> {
    let core = desktop.core_for(&server).await?;
    let me = core.sign_in(&username, &password).await?;
    core.start().await;
    Ok(me)
}

/// Ends the sign-in here and on the server.
#[tauri::command(rename_all = "snake_case")]
pub(crate) async fn sign_out(desktop: State<'_, Desktop>) -> CommandResult<()> {
    Ok(desktop.core().await.sign_out().await?)
}

/// The connection state now (the banner, before the next `connection` event).
#[tauri::command(rename_all = "snake_case")]
pub(crate) async fn connection_state(
    desktop: State<'_, Desktop>,
) -> CommandResult<ConnectionState> {
    Ok(desktop.core().await.connection_state())
}

/// Everyone's presence as last heard (the list's presence dots).
#[tauri::command(rename_all = "snake_case")]
pub(crate) async fn presence(desktop: State<'_, Desktop>) -> CommandResult<Vec<Presence>> {
    Ok(desktop.core().await.presence())
}
