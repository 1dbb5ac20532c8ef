//! Where media bytes live: an S3 bucket (any S3-compatible server, path-style) or a local
//! directory, behind one small interface.

use aws_sdk_s3::primitives::{ByteStream, Length};
use axum::body::Body;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncSeekExt};
use tokio_util::io::ReaderStream;

/// Parts of a multipart upload (S3 needs at least 5 MiB per part but the last).
const PART_BYTES: u64 = 16 * 1024 * 1024;

/// The storage could not do what was asked (unreachable, full, refused).
#[derive(Debug, thiserror::Error)]
#[error("media storage: {0}")]
pub struct StorageError(pub String);

fn storage<E: std::fmt::Display>(what: &'static str) -> impl Fn(E) -> StorageError {
    move |e| StorageError(format!("{what}: {e}"))
}

/// A byte range of a stored object, ready to stream.
pub struct Object {
    pub body: Body,
}

/// The configured store; clone freely.
#[derive(Clone)]
pub enum MediaStore {
    /// Files under a directory on this machine (the embedded default).
    Local(Arc<PathBuf>),
    /// Objects in an S3 bucket.
    S3 {
        client: aws_sdk_s3::Client,
        bucket: Arc<str>,
    },
}

/// How to reach an S3-compatible server.
pub struct S3Config {
    pub endpoint: Option<String>,
    pub region: String,
    pub bucket: String,
    pub access_key: String,
    pub secret_key: String,
}

impl MediaStore {
    /// A local store rooted at `dir` (created if missing).
    pub fn local(dir: PathBuf) -> std::io::Result<Self> {
        std::fs::create_dir_all(&dir)?;
        Ok(Self::Local(Arc::new(dir)))
    }

    /// An S3 store with path-style addressing (works with any S3-compatible server).
    pub fn s3(config: S3Config) -> Self {
        let credentials = aws_sdk_s3::config::Credentials::new(
            config.access_key,
            config.secret_key,
            None,
            None,
            "tidings",
        );
        // Integrity: we record the SHA-256 of every stored file ourselves (clients can
        // check downloads against it) and talk to S3 over TLS (or to a self-hosted store
        // on a trusted network), so the SDK's extra passes over every byte — CRC32
        // checksums and signed payloads — are turned off: they halved throughput here.
        let mut builder = aws_sdk_s3::Config::builder()
            .region(aws_sdk_s3::config::Region::new(config.region))
            .credentials_provider(credentials)
            .force_path_style(true)
            .request_checksum_calculation(
                aws_sdk_s3::config::RequestChecksumCalculation::WhenRequired,
            )
            .response_checksum_validation(
                aws_sdk_s3::config::ResponseChecksumValidation::WhenRequired,
            );
        if let Some(endpoint) = config.endpoint {
            builder = builder.endpoint_url(endpoint);
        }
        Self::S3 {
            client: aws_sdk_s3::Client::from_conf(builder.build()),
            bucket: config.bucket.into(),
        }
    }

    /// Stores the file at `path` (of `size` bytes) under `key`. Large files go up in
    /// parts; a failure leaves nothing behind. The local store *moves* the file into
    /// place when it is on the same filesystem (the spooled upload is not needed after),
    /// which saves writing every byte a second time.
    pub async fn put_file(
        &self,
        key: &str,
        path: &Path,
        size: u64,
        content_type: &str,
    ) -> Result<(), StorageError> {
        match self {
            Self::Local(root) => write_local(root, key, Source::Spool(path)).await,
            Self::S3 { client, bucket } if size <= PART_BYTES => {
                let body = ByteStream::from_path(path)
                    .await
                    .map_err(storage("read upload"))?;
                client
                    .put_object()
                    .bucket(bucket.as_ref())
                    .key(key)
                    .content_type(content_type)
                    .content_length(size as i64)
                    .body(body)
                    .customize()
                    .disable_payload_signing()
                    .send()
                    .await
                    .map_err(storage("put object"))?;
                Ok(())
            }
            Self::S3 { client, bucket } => {
                let upload = client
                    .create_multipart_upload()
                    .bucket(bucket.as_ref())
                    .key(key)
                    .content_type(content_type)
                    .send()
                    .await
                    .map_err(storage("start multipart upload"))?;
                let upload_id = upload.upload_id().unwrap_or_default().to_owned();
                let result = upload_parts(client, bucket, key, &upload_id, path, size).await;
                if result.is_err() {
                    let _ = client
                        .abort_multipart_upload()
                        .bucket(bucket.as_ref())
                        .key(key)
                        .upload_id(&upload_id)
                        .send()
                        .await;
                }
                result
            }
        }
    }

    /// Stores small bytes (thumbnails) under `key`.
    pub async fn put_bytes(
        &self,
        key: &str,
        bytes: Vec<u8>,
        content_type: &str,
    ) -> Result<(), StorageError> {
        match self {
            Self::Local(root) => write_local(root, key, Source::Bytes(bytes)).await,
            Self::S3 { client, bucket } => {
                client
                    .put_object()
                    .bucket(bucket.as_ref())
                    .key(key)
                    .content_type(content_type)
                    .body(ByteStream::from(bytes))
                    .send()
                    .await
                    .map_err(storage("put object"))?;
                Ok(())
            }
        }
    }

    /// Streams bytes `start..=end` of `key`.
    pub async fn get(&self, key: &str, start: u64, end: u64) -> Result<Object, StorageError> {
        let len = end.saturating_sub(start) + 1;
        match self {
            Self::Local(root) => {
                let mut file = tokio::fs::File::open(root.join(key))
                    .await
                    .map_err(storage("open"))?;
                file.seek(std::io::SeekFrom::Start(start))
                    .await
                    .map_err(storage("seek"))?;
                let stream = ReaderStream::with_capacity(file.take(len), 256 * 1024);
                Ok(Object {
                    body: Body::from_stream(stream),
                })
            }
            Self::S3 { client, bucket } => {
                let output = client
                    .get_object()
                    .bucket(bucket.as_ref())
                    .key(key)
                    .range(format!("bytes={start}-{end}"))
                    .send()
                    .await
                    .map_err(storage("get object"))?;
                let reader = output.body.into_async_read();
                let stream = ReaderStream::with_capacity(reader, 256 * 1024);
                Ok(Object {
                    body: Body::from_stream(stream),
                })
            }
        }
    }

    /// Removes `key` (cleanup after a failed upload; missing keys are fine).
    pub async fn delete(&self, key: &str) {
        match self {
            Self::Local(root) => {
                let _ = tokio::fs::remove_file(root.join(key)).await;
            }
            Self::S3 { client, bucket } => {
                let _ = client
                    .delete_object()
                    .bucket(bucket.as_ref())
                    .key(key)
                    .send()
                    .await;
            }
        }
    }
}

/// What a local object is written from.
enum Source<'a> {
    /// A spooled upload, which may be moved.
    Spool(&'a Path),
    Bytes(Vec<u8>),
}

/// Writes `key` under `root` to a sibling `.partial` name, then renames it into place, so a
/// reader never sees half a file; a failure removes the partial file.
async fn write_local(root: &Path, key: &str, source: Source<'_>) -> Result<(), StorageError> {
    let target = root.join(key);
    if let Some(parent) = target.parent() {
        tokio::fs::create_dir_all(parent)
            .await
            .map_err(storage("create dir"))?;
    }
    let partial = partial_path(&target);
    let result = async {
        match source {
            // A rename within one filesystem; across filesystems (EXDEV and the like) a copy.
            Source::Spool(path) => {
                if tokio::fs::rename(path, &partial).await.is_err() {
                    tokio::fs::copy(path, &partial)
                        .await
                        .map(|_| ())
                        .map_err(storage("copy"))?;
                }
            }
            Source::Bytes(bytes) => tokio::fs::write(&partial, bytes)
                .await
                .map_err(storage("write"))?,
        }
        tokio::fs::rename(&partial, &target)
            .await
            .map_err(storage("rename"))
    }
    .await;
    if result.is_err() {
        let _ = tokio::fs::remove_file(&partial).await;
    }
    result
}

/// `<target>.partial`: where a local object is written before it is renamed into place.
fn partial_path(target: &Path) -> PathBuf {
    let mut name = target.as_os_str().to_owned();
    name.push(".partial");
    PathBuf::from(name)
}

/// Parts in flight at once: the store and the network work while the next part is read.
const PARTS_IN_FLIGHT: usize = 4;

async fn upload_parts(
    client: &aws_sdk_s3::Client,
    bucket: &str,
    key: &str,
    upload_id: &str,
    path: &Path,
    size: u64,
) -> Result<(), StorageError> {
    use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart};
    use futures_util::{StreamExt, TryStreamExt};
    let ranges: Vec<(i32, u64, u64)> = (0..size.div_ceil(PART_BYTES))
        .map(|i| {
            (
                i as i32 + 1,
                i * PART_BYTES,
                PART_BYTES.min(size - i * PART_BYTES),
            )
        })
        .collect();
    let mut parts: Vec<CompletedPart> = futures_util::stream::iter(ranges)
        .map(|(number, offset, len)| async move {
            let body = ByteStream::read_from()
                .path(path)
                .offset(offset)
                .length(Length::Exact(len))
                .build()
                .await
                .map_err(storage("read part"))?;
            let part = client
                .upload_part()
                .bucket(bucket)
                .key(key)
                .upload_id(upload_id)
                .part_number(number)
                .content_length(len as i64)
                .body(body)
                .customize()
                .disable_payload_signing()
                .send()
                .await
                .map_err(storage("upload part"))?;
            Ok::<_, StorageError>(
                CompletedPart::builder()
                    .part_number(number)
                    .set_e_tag(part.e_tag().map(str::to_owned))
                    .build(),
            )
        })
        .buffer_unordered(PARTS_IN_FLIGHT)
        .try_collect()
        .await?;
    parts.sort_by_key(|p| p.part_number());
    client
        .complete_multipart_upload()
        .bucket(bucket)
        .key(key)
        .upload_id(upload_id)
        .multipart_upload(
            CompletedMultipartUpload::builder()
                .set_parts(Some(parts))
                .build(),
        )
        .send()
        .await
        .map_err(storage("complete multipart upload"))?;
    Ok(())
}
