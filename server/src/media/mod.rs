//! Media: files and images shared in conversations.
//!
//! An upload streams to a temporary file (memory stays flat whatever the size), is
//! sniffed for its real type, and — for images — loses its location and camera metadata
//! and gains a thumbnail and a ThumbHash placeholder. Then it goes to the [`MediaStore`]
//! (an S3 bucket, or a local directory by default) and its record to Redis. Messages refer
//! to it by id; members fetch it through short-lived signed links that a CDN may cache.

mod images;
mod links;
pub mod routes;
pub mod store;
mod upload;

pub use images::Processed;
pub use links::LinkSigner;
pub use store::{MediaStore, StorageError};
pub use upload::{clean_image, sniff_content_type, SNIFF_BYTES};

use std::path::PathBuf;
use std::time::Duration;

/// Everything the media routes need; clone freely.
#[derive(Clone)]
pub struct Media {
    pub store: MediaStore,
    pub signer: LinkSigner,
    /// Where uploads are spooled while they arrive.
    pub temp_dir: PathBuf,
    /// Largest accepted upload, in bytes.
    pub max_upload: u64,
    /// How long signed links work.
    pub link_ttl: Duration,
}

/// Content types a browser may render inline from us: raster images only. Everything
/// else (HTML, SVG, PDF, scripts…) is served as an attachment of type octet-stream.
pub(crate) const INLINE_SAFE_TYPES: &[&str] =
    &["image/jpeg", "image/png", "image/gif", "image/webp"];
