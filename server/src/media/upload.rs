//! Receiving an upload: spool to a temporary file with a hard size cap, sniff, clean
//! images, hash, and hand the result to the store.

use super::images;
use crate::error::{AppError, AppResult};
use axum::body::{Body, BodyDataStream};
use futures_util::StreamExt;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use tidings_shared::limits::FILE_NAME_MAX_BYTES;
use tidings_shared::ErrorCode;
use tokio::io::AsyncWriteExt;

/// A temporary file that is deleted when dropped (whatever happens to the request).
pub(super) struct Spooled {
    pub path: PathBuf,
    pub size: u64,
    /// SHA-256 of the bytes as received, computed while they arrived.
    pub sha256: String,
}

impl Drop for Spooled {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// The upload after processing, ready to store.
pub(super) struct Prepared {
    pub file: Spooled,
    pub content_type: String,
    pub sha256: String,
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub thumbnail: Option<(Vec<u8>, &'static str)>,
    pub placeholder: Option<String>,
}

pub(super) fn too_large(max: u64) -> AppError {
    AppError::client(
        ErrorCode::MediaTooLarge,
        format!(
            "Files may be at most {} MiB; nothing was kept.",
            max / (1024 * 1024)
        ),
    )
}

fn disk(e: std::io::Error) -> AppError {
    tracing::warn!(error = %e, "upload spool failed");
    AppError::Storage("the server could not spool the upload (disk full?)".into())
}

/// Streams the body to a new file in `dir`, refusing it as soon as it passes `max` bytes.
pub(super) async fn spool(body: Body, dir: &Path, max: u64) -> AppResult<Spooled> {
    tokio::fs::create_dir_all(dir).await.map_err(disk)?;
    let path = dir.join(format!("{}.upload", ulid::Ulid::new()));
    let mut spooled = Spooled {
        path,
        size: 0,
        sha256: String::new(),
    };
    let mut stream = body.into_data_stream();
    let mut file = match tokio::fs::File::create(&spooled.path).await {
        Ok(file) => file,
        Err(e) => {
            drain(&mut stream, 0, max).await;
            return Err(disk(e));
        }
    };
    let mut hasher = Sha256::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| {
            AppError::client(
                ErrorCode::InvalidRequest,
                format!("The upload was interrupted: {e}"),
            )
        })?;
        spooled.size += chunk.len() as u64;
        if spooled.size > max {
            return Err(too_large(max));
        }
        // Hashing as the bytes arrive saves reading the file again afterwards.
        hasher.update(&chunk);
        if let Err(e) = file.write_all(&chunk).await {
            drain(&mut stream, spooled.size, max).await;
            return Err(disk(e));
        }
    }
    file.flush().await.map_err(disk)?;
    file.sync_all().await.map_err(disk)?;
    spooled.sha256 = hex(hasher);
    Ok(spooled)
}

/// Reads and drops the rest of a body the spool could not take (`seen` bytes of it read
/// so far, stopping past `max`). Answering while the client is still sending makes the
/// server close a socket with unread bytes, which resets the connection, and the client
/// then often loses the answer too: it would see a broken connection instead of the
/// retryable `unavailable`.
async fn drain(stream: &mut BodyDataStream, mut seen: u64, max: u64) {
    while let Some(Ok(chunk)) = stream.next().await {
        seen += chunk.len() as u64;
        if seen > max {
            return;
        }
    }
}

/// Sniffs the type from the bytes, cleans images, and hashes what will be stored.
pub(super) async fn prepare(file: Spooled) -> AppResult<Prepared> {
    tokio::task::spawn_blocking(move || prepare_blocking(file))
        .await
        .map_err(|e| AppError::Internal(format!("upload processing: {e}")))?
}

/// How many bytes from the start of an upload its type is sniffed from.
pub const SNIFF_BYTES: usize = 8192;

/// An upload's real content type, from its first bytes (at most [`SNIFF_BYTES`] are
/// looked at); never the client's claim or the file name. Unknown is octet-stream.
pub fn sniff_content_type(head: &[u8]) -> String {
    let head = &head[..head.len().min(SNIFF_BYTES)];
    infer::get(head)
        .map(|t| t.mime_type().to_owned())
        .unwrap_or_else(|| "application/octet-stream".to_owned())
}

/// Cleans an upload of the sniffed `content_type` as it is stored: for a JPEG, PNG,
/// WebP or GIF, its metadata removed, its size measured, a thumbnail and placeholder
/// made. `None` for other types, and for images that do not parse (they are then kept
/// as octet-stream). Pure: the `upload_sniff` fuzz target drives it with
/// [`sniff_content_type`].
pub fn clean_image(original: Vec<u8>, content_type: &str) -> Option<images::Processed> {
    images::process(original, images::format_of(content_type)?)
}

fn prepare_blocking(file: Spooled) -> AppResult<Prepared> {
    use std::io::Read;
    let mut head = vec![0u8; SNIFF_BYTES];
    let n = std::fs::File::open(&file.path)
        .and_then(|mut f| f.read(&mut head))
        .map_err(disk)?;
    head.truncate(n);
    let content_type = sniff_content_type(&head);

    let sha256 = file.sha256.clone();
    let mut prepared = Prepared {
        file,
        content_type,
        sha256,
        width: None,
        height: None,
        thumbnail: None,
        placeholder: None,
    };
    if images::format_of(&prepared.content_type).is_some() {
        let original = std::fs::read(&prepared.file.path).map_err(disk)?;
        if let Some(done) = clean_image(original, &prepared.content_type) {
            std::fs::write(&prepared.file.path, &done.bytes).map_err(disk)?;
            prepared.file.size = done.bytes.len() as u64;
            prepared.sha256 = hex(Sha256::new_with_prefix(&done.bytes));
            prepared.width = Some(done.width);
            prepared.height = Some(done.height);
            prepared.thumbnail = done.thumbnail;
            prepared.placeholder = done.placeholder;
            if let Some(content_type) = done.content_type {
                prepared.content_type = content_type.to_owned();
            }
        } else {
            // Claims to be an image but does not parse: keep it, but never as an image.
            prepared.content_type = "application/octet-stream".to_owned();
        }
    }
    Ok(prepared)
}

fn hex(hasher: Sha256) -> String {
    hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A file name safe to store and to offer back: no directories, no control or reserved
/// characters, at most 255 bytes, never empty or hidden.
pub(super) fn sanitize_name(raw: &str) -> String {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = base
        .chars()
        .map(|c| {
            if c.is_control() || matches!(c, '<' | '>' | ':' | '"' | '|' | '?' | '*') {
                '_'
            } else {
                c
            }
        })
        .collect();
    let trimmed = cleaned.trim().trim_start_matches('.').trim();
    let mut name = if trimmed.is_empty() {
        "file".to_owned()
    } else {
        trimmed.to_owned()
    };
    while name.len() > FILE_NAME_MAX_BYTES {
        name.pop();
    }
    name
}

#[cfg(test)]
mod tests {
    use super::sanitize_name;

    #[test]
    fn names_lose_paths_and_dangerous_characters() {
        assert_eq!(sanitize_name("../../etc/passwd"), "passwd");
        assert_eq!(sanitize_name("C:\\Users\\ana\\photo.jpg"), "photo.jpg");
        assert_eq!(sanitize_name("a\u{0}b<c>.txt"), "a_b_c_.txt");
        assert_eq!(sanitize_name("..."), "file");
        assert_eq!(sanitize_name(".bashrc"), "bashrc");
        assert_eq!(sanitize_name(""), "file");
        assert!(sanitize_name(&"é".repeat(300)).len() <= 255);
    }
}
