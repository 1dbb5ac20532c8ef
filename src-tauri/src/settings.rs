//! [`DesktopSettings`]: the app's own preferences on this device (not the account's), kept
//! as JSON in the data dir, and [`SettingsStore`], their one owner.

use crate::error::{CommandError, CommandResult};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::sync::Mutex;

/// The app's own preferences (not the account's): kept in the data dir by the shell.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export_to = "desktop.ts")]
#[serde(default)]
pub struct DesktopSettings {
    /// No notifications and no sound.
    pub do_not_disturb: bool,
    /// Notifications say who wrote, not what.
    pub hide_previews: bool,
    /// Play a short sound with each notification.
    pub sound: bool,
    /// Closing the window keeps the app running in the tray.
    pub close_to_tray: bool,
    /// Start the app when the user logs in.
    pub start_at_login: bool,
}

impl Default for DesktopSettings {
    fn default() -> Self {
        Self {
            do_not_disturb: false,
            hide_previews: false,
            sound: true,
            // Off on Linux: GNOME shows no tray without an extension, and a window hidden
            // into a tray nobody can see would look like a crash. Windows and macOS always
            // have one, and their messengers keep running there.
            close_to_tray: !cfg!(target_os = "linux"),
            start_at_login: false,
        }
    }
}

/// The settings and the file they live in.
pub(crate) struct SettingsStore {
    path: PathBuf,
    current: Mutex<DesktopSettings>,
}

impl SettingsStore {
    /// Reads `path`; a missing or unreadable file gives the defaults (and says so in the
    /// log when it was unreadable, since the person's choices were lost).
    pub(crate) fn load(path: PathBuf) -> Self {
        let current = match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).unwrap_or_else(|e| {
                tracing::warn!(error = %e, path = %path.display(), "settings unreadable; using defaults");
                DesktopSettings::default()
            }),
            Err(_) => DesktopSettings::default(),
        };
        Self {
            path,
            current: Mutex::new(current),
        }
    }

    /// The settings now.
    pub(crate) fn get(&self) -> DesktopSettings {
        self.current
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Replaces the settings and writes them (through a temporary file, so a crash never
    /// leaves half a file).
    pub(crate) fn set(&self, settings: DesktopSettings) -> CommandResult<()> {
        let json = serde_json::to_vec_pretty(&settings)
            .map_err(|e| CommandError::new("settings", e.to_string()))?;
        let temp = self.path.with_extension("json.tmp");
        std::fs::write(&temp, json)
            .and_then(|()| std::fs::rename(&temp, &self.path))
            .map_err(|e| CommandError::new("settings", format!("settings not saved: {e}")))?;
        *self.current.lock().unwrap_or_else(|e| e.into_inner()) = settings;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_survive_a_restart_and_a_broken_file_gives_defaults() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("desktop-settings.json");
        let store = SettingsStore::load(path.clone());
        assert_eq!(store.get(), DesktopSettings::default());
        store
            .set(DesktopSettings {
                do_not_disturb: true,
                sound: false,
                ..DesktopSettings::default()
            })
            .expect("saved");
        let again = SettingsStore::load(path.clone()).get();
        assert!(again.do_not_disturb && !again.sound);

        // A file from an older version lacks newer fields: they take their defaults.
        std::fs::write(&path, br#"{"hide_previews": true}"#).expect("write");
        let old = SettingsStore::load(path.clone()).get();
        assert!(old.hide_previews && old.sound);

        std::fs::write(&path, b"{not json").expect("write");
        assert_eq!(SettingsStore::load(path).get(), DesktopSettings::default());
    }

    /// Writes `ui/src/lib/protocol/desktop.ts`.
    #[test]
    fn export_the_desktop_types_for_the_ui() -> Result<(), ts_rs::ExportError> {
        use ts_rs::TS;
        DesktopSettings::export(&ts_rs::Config::from_env())
    }
}
