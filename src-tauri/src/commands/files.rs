//! Files: sharing them (by path, so no file's bytes pass through JavaScript — dropped and
//! picked files arrive as paths, pasted images are written to disk first), and the local
//! copies of shared files, to show, open or save.

use crate::error::{CommandError, CommandResult};
use crate::Desktop;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};
use tauri::ipc::{InvokeBody, Request};
use tauri::{AppHandle, Manager, State};
use tauri_plugin_dialog::DialogExt;
use tauri_plugin_opener::OpenerExt;
use tidings_core::{MediaVariant, UploadId};
use tidings_shared::{ConversationId, MediaInfo};

/// Pasted images are kept this long (their upload may be retried), then removed.
const KEEP_PASTED: Duration = Duration::from_secs(24 * 60 * 60);

/// Starts uploading the file at `path` to a conversation; progress arrives as
/// `upload` core events. The one entry point for dropped, picked and pasted files.
#[tauri::command(rename_all = "snake_case")]
pub(crate) async fn upload_file(
    desktop: State<'_, Desktop>,
    conversation_id: ConversationId,
    path: PathBuf,
) -> CommandResult<UploadId> {
    Ok(desktop
        .core()
        .await
        .upload_file(&conversation_id, &path)
        .await?)
}

/// Stops an upload in progress.
#[tauri::command(rename_all = "snake_case")]
pub(crate) async fn cancel_upload(
    desktop: State<'_, Desktop>,
    upload_id: UploadId,
) -> CommandResult<()> {
    desktop.core().await.cancel_upload(upload_id);
    Ok(())
}

/// The largest file the server accepts, once known.
#[tauri::command(rename_all = "snake_case")]
pub(crate) async fn max_upload_bytes(desktop: State<'_, Desktop>) -> CommandResult<Option<u64>> {
    Ok(desktop.core().await.max_upload_bytes())
}

/// Writes a pasted image (the raw request body; its name percent-encoded in the
/// `x-file-name` header) to `<data dir>/pasted/<uuid>/<name>` and returns that path, to
/// share like any other file.
#[tauri::command(rename_all = "snake_case")]
pub(crate) async fn save_pasted(
    desktop: State<'_, Desktop>,
    request: Request<'_>,
) -> CommandResult<PathBuf> {
    let InvokeBody::Raw(bytes) = request.body() else {
        return Err(CommandError::new(
            "file",
            "the pasted data must be sent as bytes",
        ));
    };
    let name = request
        .headers()
        .get("x-file-name")
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            percent_encoding::percent_decode_str(v)
                .decode_utf8_lossy()
                .into_owned()
        })
        .unwrap_or_default();
    let dir = desktop
        .data_dir()
        .join("pasted")
        .join(uuid::Uuid::new_v4().to_string());
    let path = dir.join(safe_file_name(&name));
    tokio::fs::create_dir_all(&dir)
        .await
        .map_err(|e| CommandError::new("file", format!("pasted image not saved: {e}")))?;
    tokio::fs::write(&path, bytes)
        .await
        .map_err(|e| CommandError::new("file", format!("pasted image not saved: {e}")))?;
    Ok(path)
}

/// Asks the person for files to share; none when they cancel.
#[tauri::command(rename_all = "snake_case")]
pub(crate) async fn pick_files(app: AppHandle) -> CommandResult<Vec<PathBuf>> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    app.dialog()
        .file()
        .set_title("Share files")
        .pick_files(move |picked| {
            let _ = tx.send(picked);
        });
    let picked = rx.await.ok().flatten().unwrap_or_default();
    Ok(picked
        .into_iter()
        .filter_map(|p| p.into_path().ok())
        .collect())
}

/// The local path of a shared file's thumbnail or content (downloaded and checked the
/// first time), which the webview may then show through the asset protocol.
#[tauri::command(rename_all = "snake_case")]
pub(crate) async fn media_file(
    app: AppHandle,
    desktop: State<'_, Desktop>,
    media: MediaInfo,
    variant: MediaVariant,
) -> CommandResult<PathBuf> {
    let path = desktop.core().await.media_file(&media, variant).await?;
    // Only the files asked for become readable by the webview, not the data dir.
    app.asset_protocol_scope()
        .allow_file(&path)
        .map_err(|e| CommandError::new("file", e.to_string()))?;
    Ok(path)
}

/// Opens a shared file with the application the OS chooses for it.
#[tauri::command(rename_all = "snake_case")]
pub(crate) async fn open_media(
    app: AppHandle,
    desktop: State<'_, Desktop>,
    media: MediaInfo,
) -> CommandResult<()> {
    let path = desktop
        .core()
        .await
        .media_file(&media, MediaVariant::Content)
        .await?;
    app.opener()
        .open_path(path.to_string_lossy(), None::<&str>)
        .map_err(|e| CommandError::new("file", format!("{} cannot be opened: {e}", media.name)))
}

/// Saves a copy of a shared file where the person chooses; the chosen path, or none when
/// they cancel.
#[tauri::command(rename_all = "snake_case")]
pub(crate) async fn save_media(
    app: AppHandle,
    desktop: State<'_, Desktop>,
    media: MediaInfo,
) -> CommandResult<Option<PathBuf>> {
    let local = desktop
        .core()
        .await
        .media_file(&media, MediaVariant::Content)
        .await?;
    let (tx, rx) = tokio::sync::oneshot::channel();
    app.dialog()
        .file()
        .set_title("Save file")
        .set_file_name(safe_file_name(&media.name))
        .save_file(move |chosen| {
            let _ = tx.send(chosen);
        });
    let Some(target) = rx.await.ok().flatten().and_then(|p| p.into_path().ok()) else {
        return Ok(None);
    };
    tokio::fs::copy(&local, &target)
        .await
        .map_err(|e| CommandError::new("file", format!("not saved: {e}")))?;
    Ok(Some(target))
}

/// Removes pasted images older than [`KEEP_PASTED`] (run at start).
pub(crate) fn forget_old_pastes(data_dir: &Path) {
    let Ok(entries) = std::fs::read_dir(data_dir.join("pasted")) else {
        return;
    };
    for entry in entries.flatten() {
        let old = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|modified| SystemTime::now().duration_since(modified).ok())
            .is_some_and(|age| age > KEEP_PASTED);
        if old {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// The last part of `name`, safe to create on every OS; a pasted image without a name is
/// `Pasted image.png`.
fn safe_file_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default().trim();
    if base.is_empty() || base.chars().all(|c| c == '.') {
        return "Pasted image.png".to_owned();
    }
    tidings_core::media::local_name(base)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pasted_names_cannot_leave_their_directory() {
        assert_eq!(safe_file_name("shot.png"), "shot.png");
        assert_eq!(safe_file_name("../../etc/passwd"), "passwd");
        assert_eq!(safe_file_name("C:\\x\\y.png"), "y.png");
        assert_eq!(safe_file_name(".."), "Pasted image.png");
        assert_eq!(safe_file_name(""), "Pasted image.png");
        assert_eq!(safe_file_name("a:b?.png"), "a_b_.png");
        assert_eq!(safe_file_name("thumbnail.png"), "file");
    }
}
