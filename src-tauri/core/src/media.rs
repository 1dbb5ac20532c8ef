//! Files: uploads from a path on disk, and downloads kept on disk.
//!
//! The shell hands the core the *paths* of dropped or picked files, so no file's bytes
//! ever cross into JavaScript. An upload streams the file to the server in the background
//! and reports [`UploadState`]s; it can be cancelled. Once stored, the file's
//! [`MediaInfo`] (name, size, type, and for images the size and an inline placeholder) is
//! remembered by the cache, so a message naming it shows the file at once, before its
//! event returns from the server.
//!
//! Downloads (a thumbnail, or the whole file to open or save) go to
//! `<data dir>/media/<media id>/`, are checked against the file's SHA-256 and size, and are
//! fetched once: later calls answer from disk.

use crate::client::{lock, Core};
use crate::connection::access_token;
use crate::error::{CoreError, CoreResult};
use crate::events::{CoreEvent, UploadState};
use futures_util::StreamExt;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};
use tidings_shared::{ConversationId, ErrorBody, ErrorCode, MediaInfo};
use tokio::io::AsyncWriteExt;
use tokio_util::sync::CancellationToken;

/// Identifies one upload in [`CoreEvent::Upload`] and for [`Core::cancel_upload`].
pub type UploadId = uuid::Uuid;

/// Bytes read from disk at a time while uploading.
const UPLOAD_CHUNK: usize = 256 * 1024;
/// Progress is reported at most this often (and at the end).
const PROGRESS_EVERY: Duration = Duration::from_millis(100);
/// Attempts per upload when the server or network fails transiently (a restarting
/// instance, the media store briefly away); after them the upload is reported failed and
/// the person can retry it.
const UPLOAD_ATTEMPTS: u32 = 4;
/// The wait before the second attempt; it doubles for each later one, and the server's
/// `retry_after_ms` lengthens it.
const UPLOAD_RETRY_AFTER: Duration = Duration::from_secs(1);
/// A thumbnail larger than this is not what the server makes; refuse it.
const MAX_THUMBNAIL_BYTES: u64 = 4 * 1024 * 1024;

/// Which bytes of a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, ts_rs::TS)]
#[ts(export_to = "core.ts")]
#[serde(rename_all = "snake_case")]
pub enum MediaVariant {
    /// The small preview of an image (when `has_thumbnail`).
    Thumbnail,
    /// The file itself.
    Content,
}

impl Core {
    /// Starts uploading the file at `path` to a conversation and returns at once; progress
    /// and the outcome arrive as [`CoreEvent::Upload`]. Fails at once only when the file
    /// cannot be read or the person is signed out.
    pub async fn upload_file(
        &self,
        conversation: &ConversationId,
        path: &Path,
    ) -> CoreResult<UploadId> {
        self.me().ok_or(CoreError::SignedOut)?;
        let meta = tokio::fs::metadata(path)
            .await
            .map_err(|e| CoreError::File(format!("{}: {e}", path.display())))?;
        if !meta.is_file() {
            return Err(CoreError::File(format!("{} is not a file", path.display())));
        }
        // Refused here rather than by the server, which may cut the connection before
        // its answer arrives (it would then look like a network failure worth retrying).
        let cap = self.inner.max_upload_bytes.load(Ordering::Relaxed);
        if cap > 0 && meta.len() > cap {
            return Err(CoreError::Server(ErrorBody {
                code: ErrorCode::MediaTooLarge,
                message: format!(
                    "Files may be at most {}; this one is {}.",
                    human_size(cap),
                    human_size(meta.len())
                ),
                retry_after_ms: None,
            }));
        }
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "file".to_owned());
        let upload = Upload {
            id: uuid::Uuid::new_v4(),
            conversation: conversation.clone(),
            name,
            path: path.to_owned(),
            total: meta.len(),
        };
        let cancel = CancellationToken::new();
        lock(&self.inner.uploads).insert(upload.id, cancel.clone());
        let id = upload.id;
        let core = self.clone();
        tokio::spawn(async move {
            upload.report(
                &core,
                UploadState::Progress {
                    sent: 0,
                    total: upload.total,
                },
            );
            let state = tokio::select! {
                result = upload.run_with_retries(&core) => match result {
                    Ok(media) => UploadState::Done { media },
                    Err(e) => UploadState::Failed { retryable: retryable(&e), reason: e.to_string() },
                },
                // Dropping the request closes its connection mid-body: the server
                // discards what it had (nothing partial is kept).
                () = cancel.cancelled() => UploadState::Cancelled,
            };
            lock(&core.inner.uploads).remove(&upload.id);
            upload.report(&core, state);
        });
        Ok(id)
    }

    /// The largest file the server accepts, once it has said (on connecting).
    pub fn max_upload_bytes(&self) -> Option<u64> {
        Some(self.inner.max_upload_bytes.load(Ordering::Relaxed)).filter(|&cap| cap > 0)
    }

    /// Cancels an upload in progress (nothing happens if it already ended).
    pub fn cancel_upload(&self, upload: UploadId) {
        if let Some(cancel) = lock(&self.inner.uploads).get(&upload) {
            cancel.cancel();
        }
    }

    /// The local path of a file's thumbnail or content, downloading it first if this
    /// device does not have it yet. The content is checked against `media.sha256`.
    pub async fn media_file(
        &self,
        media: &MediaInfo,
        variant: MediaVariant,
    ) -> CoreResult<PathBuf> {
        let dir = self.local_media_dir(media)?;
        // One download per file: a second caller waits, then finds it on disk.
        let gate = {
            let mut downloads = self.inner.downloads.lock().await;
            downloads
                .entry(dir.join(variant.as_str()))
                .or_default()
                .clone()
        };
        let _one_at_a_time = gate.lock().await;
        if let Some(path) = already_here(&dir, media, variant).await {
            return Ok(path);
        }
        if variant == MediaVariant::Thumbnail && !media.has_thumbnail {
            return Err(CoreError::File(format!("{} has no thumbnail", media.name)));
        }
        let token = access_token(self).await?;
        let links = self.inner.api.media_links(&token, &media.id).await?;
        let link = match variant {
            MediaVariant::Content => links.url,
            MediaVariant::Thumbnail => links
                .thumbnail_url
                .ok_or_else(|| CoreError::File(format!("{} has no thumbnail", media.name)))?,
        };
        let response = self.inner.api.fetch_link(&link).await?;
        let (path, limit, sha256) = match variant {
            MediaVariant::Content => (
                dir.join(local_name(&media.name)),
                media.size,
                Some(media.sha256.as_str()),
            ),
            MediaVariant::Thumbnail => {
                let kind = response
                    .headers()
                    .get(reqwest::header::CONTENT_TYPE)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default();
                let extension = thumbnail_extension(kind).ok_or_else(|| {
                    CoreError::Network(format!("a thumbnail of type {kind:?} is not an image"))
                })?;
                (
                    dir.join(format!("thumbnail.{extension}")),
                    MAX_THUMBNAIL_BYTES,
                    None,
                )
            }
        };
        download(response, &path, limit, sha256).await?;
        Ok(path)
    }

    /// Where a file's copies are kept on this device: `<data dir>/media/<id>/`, holding
    /// the content under its own name (so that opening it picks the right application)
    /// and `thumbnail.<jpg|png|…>`.
    fn local_media_dir(&self, media: &MediaInfo) -> CoreResult<PathBuf> {
        let id = media.id.as_str();
        // Ids are the server's ULIDs; anything else must not become a path.
        if id.is_empty() || !id.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(CoreError::File(format!("unexpected media id {id:?}")));
        }
        Ok(self.inner.data_dir.join("media").join(id))
    }
}

impl MediaVariant {
    fn as_str(self) -> &'static str {
        match self {
            MediaVariant::Thumbnail => "thumbnail",
            MediaVariant::Content => "content",
        }
    }
}

/// The raster types a thumbnail may have, and the extension its copy gets.
const THUMBNAIL_TYPES: &[(&str, &str)] = &[
    ("image/jpeg", "jpg"),
    ("image/png", "png"),
    ("image/webp", "webp"),
    ("image/gif", "gif"),
];

fn thumbnail_extension(content_type: &str) -> Option<&'static str> {
    let essence = content_type.split(';').next().unwrap_or_default().trim();
    THUMBNAIL_TYPES
        .iter()
        .find(|(kind, _)| kind.eq_ignore_ascii_case(essence))
        .map(|(_, ext)| *ext)
}

/// The copy of `variant` already on disk, if any.
async fn already_here(dir: &Path, media: &MediaInfo, variant: MediaVariant) -> Option<PathBuf> {
    let candidates: Vec<PathBuf> = match variant {
        MediaVariant::Content => vec![dir.join(local_name(&media.name))],
        MediaVariant::Thumbnail => THUMBNAIL_TYPES
            .iter()
            .map(|(_, ext)| dir.join(format!("thumbnail.{ext}")))
            .collect(),
    };
    for path in candidates {
        if tokio::fs::try_exists(&path).await.unwrap_or(false) {
            return Some(path);
        }
    }
    None
}

/// One upload's description, for its task.
#[derive(Clone)]
struct Upload {
    id: UploadId,
    conversation: ConversationId,
    name: String,
    path: PathBuf,
    total: u64,
}

impl Upload {
    fn report(&self, core: &Core, state: UploadState) {
        core.emit(CoreEvent::Upload {
            upload_id: self.id,
            conversation_id: self.conversation.clone(),
            name: self.name.clone(),
            state,
        });
    }

    /// [`Upload::run`], again after a pause while it fails in a way that may pass. Each
    /// attempt starts from the first byte (the server keeps nothing of a failed one), and
    /// its progress starts from zero again.
    async fn run_with_retries(&self, core: &Core) -> CoreResult<MediaInfo> {
        let mut wait = UPLOAD_RETRY_AFTER;
        let mut attempt = 1;
        loop {
            match self.run(core).await {
                Err(e) if attempt < UPLOAD_ATTEMPTS && retryable(&e) => {
                    let asked = match &e {
                        CoreError::Server(body) => body.retry_after_ms.map(Duration::from_millis),
                        _ => None,
                    };
                    tracing::info!(error = %e, attempt, "an upload failed; trying again");
                    tokio::time::sleep(asked.map_or(wait, |asked| asked.max(wait))).await;
                    self.report(
                        core,
                        UploadState::Progress {
                            sent: 0,
                            total: self.total,
                        },
                    );
                    wait *= 2;
                    attempt += 1;
                }
                result => return result,
            }
        }
    }

    async fn run(&self, core: &Core) -> CoreResult<MediaInfo> {
        let file = tokio::fs::File::open(&self.path)
            .await
            .map_err(|e| CoreError::File(format!("{}: {e}", self.path.display())))?;
        let mut sent = 0u64;
        let mut last_report = Instant::now();
        let progress = core.clone();
        let this = self.clone();
        let body =
            tokio_util::io::ReaderStream::with_capacity(file, UPLOAD_CHUNK).inspect(move |chunk| {
                if let Ok(chunk) = chunk {
                    sent += chunk.len() as u64;
                    if last_report.elapsed() >= PROGRESS_EVERY || sent == this.total {
                        last_report = Instant::now();
                        this.report(
                            &progress,
                            UploadState::Progress {
                                sent,
                                total: this.total,
                            },
                        );
                    }
                }
            });
        let token = access_token(core).await?;
        let media = core
            .inner
            .api
            .upload(
                &token,
                &self.conversation,
                &self.name,
                self.total,
                reqwest::Body::wrap_stream(body),
            )
            .await?;
        let remembered = media.clone();
        core.blocking(move |cache| cache.remember_media(&remembered))
            .await?;
        Ok(media)
    }
}

/// Whether trying the same upload again later may work.
fn retryable(e: &CoreError) -> bool {
    match e {
        CoreError::Server(body) => body.code.is_retryable(),
        CoreError::Network(_) | CoreError::Offline => true,
        CoreError::Cache(_) | CoreError::SignedOut | CoreError::File(_) | CoreError::Cancelled => {
            false
        }
    }
}

/// A file name safe to create in our own directory on every OS (`file` when nothing of
/// `name` is usable).
pub fn local_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| match c {
            '/' | '\\' | '<' | '>' | ':' | '"' | '|' | '?' | '*' => '_',
            c if c.is_control() => '_',
            c => c,
        })
        .collect();
    let trimmed = cleaned
        .trim()
        .trim_start_matches('.')
        .trim_end_matches(['.', ' ']);
    if trimmed.is_empty() || trimmed.to_lowercase().starts_with("thumbnail.") {
        "file".to_owned()
    } else {
        trimmed.to_owned()
    }
}

/// Streams a download to `<path>.part`, checking its size and hash, then moves it into
/// place; nothing is left behind when it fails.
async fn download(
    response: reqwest::Response,
    path: &Path,
    limit: u64,
    sha256: Option<&str>,
) -> CoreResult<()> {
    let dir = path
        .parent()
        .ok_or_else(|| CoreError::File(format!("{} has no parent", path.display())))?;
    tokio::fs::create_dir_all(dir)
        .await
        .map_err(|e| CoreError::File(format!("{}: {e}", dir.display())))?;
    // Local names never start with a dot, so this cannot be another file's name.
    let file_name = path.file_name().unwrap_or_default().to_string_lossy();
    let partial = dir.join(format!(".{file_name}.part"));
    let result = write_checked(response, &partial, limit, sha256).await;
    let result = match result {
        Ok(()) => tokio::fs::rename(&partial, path)
            .await
            .map_err(|e| CoreError::File(format!("{}: {e}", path.display()))),
        Err(e) => Err(e),
    };
    if result.is_err() {
        let _ = tokio::fs::remove_file(&partial).await;
    }
    result
}

async fn write_checked(
    response: reqwest::Response,
    partial: &Path,
    limit: u64,
    sha256: Option<&str>,
) -> CoreResult<()> {
    let file_error = |e: std::io::Error| CoreError::File(format!("{}: {e}", partial.display()));
    let mut file = tokio::fs::File::create(partial).await.map_err(file_error)?;
    let mut hasher = Sha256::new();
    let mut written = 0u64;
    let mut body = response.bytes_stream();
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(CoreError::network)?;
        written += chunk.len() as u64;
        if written > limit {
            return Err(CoreError::Network(format!(
                "the download is larger than the expected {limit} bytes"
            )));
        }
        hasher.update(&chunk);
        file.write_all(&chunk).await.map_err(file_error)?;
    }
    file.sync_all().await.map_err(file_error)?;
    if let Some(expected) = sha256 {
        let got = hex(&hasher.finalize());
        if !got.eq_ignore_ascii_case(expected) || written != limit {
            return Err(CoreError::Network(
                "the downloaded file does not match its checksum".into(),
            ));
        }
    }
    Ok(())
}

/// `1.5 MiB`, `12 KiB`, `800 B`.
fn human_size(bytes: u64) -> String {
    const UNITS: &[&str] = &["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 || value >= 10.0 || value.fract() == 0.0 {
        format!("{value:.0} {}", UNITS[unit])
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

#[cfg(test)]
mod tests {
    use super::{human_size, local_name};

    #[test]
    fn sizes_read_like_people_write_them() {
        assert_eq!(human_size(800), "800 B");
        assert_eq!(human_size(1536), "1.5 KiB");
        assert_eq!(human_size(100 * 1024 * 1024), "100 MiB");
        assert_eq!(human_size(2_000_000), "1.9 MiB");
    }

    #[test]
    fn local_names_cannot_escape_or_clash() {
        assert_eq!(local_name("../../etc/passwd"), "_.._etc_passwd");
        assert_eq!(local_name("a\\b:c.txt"), "a_b_c.txt");
        assert_eq!(local_name(".."), "file");
        assert_eq!(local_name("thumbnail.png"), "file");
        assert_eq!(local_name("Thumbnail.JPG"), "file");
        assert_eq!(local_name("thumbnail"), "thumbnail");
        assert_eq!(local_name("  "), "file");
        assert_eq!(local_name("Trip photo.jpg"), "Trip photo.jpg");
    }
}
