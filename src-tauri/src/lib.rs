//! The Tidings desktop app: a thin Tauri 2 shell over [`tidings_core`].
//!
//! The shell owns one [`Core`](tidings_core::Core) (in [`Desktop`], Tauri managed state),
//! exposes it to the webview as typed commands (`commands/`), and forwards every
//! [`CoreEvent`](tidings_core::CoreEvent) to the webview as one `core-event` event. Tokens
//! stay in the core: no command returns one, so the JWT never enters JavaScript.
//!
//! Configuration comes from the environment: `TIDINGS_SERVER` (the server address, over the
//! one remembered from the sign-in screen) and `TIDINGS_DATA_DIR` (over the OS app data
//! dir; the end-to-end test runs two instances with one each).

mod commands;
mod desktop;
mod error;

pub use desktop::{Desktop, DEFAULT_SERVER};
pub use error::CommandError;

use tauri::Manager;

/// The name of the one Tauri event that carries every `CoreEvent` to the webview.
pub const CORE_EVENT: &str = "core-event";

/// Builds and runs the app until its last window closes.
pub fn run() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,tidings_core=info".into()),
        )
        .init();

    let app = tauri::Builder::default()
        .setup(|app| {
            let data_dir = match std::env::var_os("TIDINGS_DATA_DIR") {
                Some(dir) => dir.into(),
                None => app.path().app_data_dir()?,
            };
            let desktop = tauri::async_runtime::block_on(Desktop::open(
                app.handle().clone(),
                data_dir,
                std::env::var("TIDINGS_SERVER").ok(),
            ))?;
            app.manage(desktop);
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::session::server_address,
            commands::session::last_account,
            commands::session::me,
            commands::session::resume,
            commands::session::sign_up,
            commands::session::sign_in,
            commands::session::sign_out,
            commands::session::connection_state,
            commands::session::presence,
            commands::conversations::conversations,
            commands::conversations::open_direct,
            commands::conversations::create_group,
            commands::conversations::set_typing,
            commands::conversations::mark_read,
            commands::conversations::set_draft,
            commands::conversations::draft,
            commands::conversations::search,
            commands::groups::rename_group,
            commands::groups::add_members,
            commands::groups::remove_member,
            commands::groups::set_role,
            commands::groups::transfer_ownership,
            commands::groups::leave_group,
            commands::groups::set_conversation_settings,
            commands::messages::page,
            commands::messages::send_message,
            commands::messages::retry,
            commands::messages::discard,
            commands::messages::edit_message,
            commands::messages::delete_message,
            commands::messages::react,
        ])
        .build(tauri::generate_context!());
    match app {
        Ok(app) => app.run(|_, _| {}),
        Err(e) => {
            tracing::error!(error = %e, "the app could not start");
            std::process::exit(1);
        }
    }
}
