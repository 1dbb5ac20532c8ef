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
mod notifier;
mod settings;
mod tray;
mod window;

pub use desktop::{Desktop, DEFAULT_SERVER};
pub use error::CommandError;
pub use settings::DesktopSettings;

use tauri::Manager;
use tauri_plugin_window_state::StateFlags;

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

    let own_data_dir = std::env::var_os("TIDINGS_DATA_DIR");
    let mut builder = tauri::Builder::default();
    // One app per person: a second launch brings the first one's window forward. A
    // second data dir (TIDINGS_DATA_DIR, as `scripts/run.sh --two` and the tests use) is
    // a deliberate second profile, so it runs alongside.
    if own_data_dir.is_none() {
        builder = builder.plugin(tauri_plugin_single_instance::init(|app, _args, _cwd| {
            window::reveal(app)
        }));
    }
    let app = builder
        .plugin(
            // Size, position and maximized are restored; visibility is not, or an app
            // quit while hidden in the tray would come back invisible.
            tauri_plugin_window_state::Builder::default()
                .with_state_flags(StateFlags::all() & !StateFlags::VISIBLE)
                .build(),
        )
        .plugin(tauri_plugin_autostart::init(
            tauri_plugin_autostart::MacosLauncher::LaunchAgent,
            None,
        ))
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_opener::init())
        .setup(move |app| {
            let data_dir = match &own_data_dir {
                Some(dir) => dir.into(),
                None => app.path().app_data_dir()?,
            };
            commands::files::forget_old_pastes(&data_dir);
            let desktop = tauri::async_runtime::block_on(Desktop::open(
                app.handle().clone(),
                data_dir,
                std::env::var("TIDINGS_SERVER").ok(),
            ))?;
            app.manage(desktop);
            app.state::<Desktop>().start_tray();
            Ok(())
        })
        .on_window_event(window::on_window_event)
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
            commands::files::upload_file,
            commands::files::cancel_upload,
            commands::files::max_upload_bytes,
            commands::files::save_pasted,
            commands::files::pick_files,
            commands::files::media_file,
            commands::files::open_media,
            commands::files::save_media,
            commands::desktop::desktop_settings,
            commands::desktop::set_desktop_settings,
            commands::desktop::set_open_conversation,
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

/// Locks a std mutex, carrying on past a panic elsewhere (the data is plain state).
pub(crate) fn lock<T>(mutex: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}
