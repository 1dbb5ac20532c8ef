//! Any bytes uploaded as a file, through what the server does with them before storing:
//! sniff the type from the first bytes (`tidings_server::media::sniff_content_type`),
//! and for JPEG, PNG, WebP and GIF remove the metadata, apply the orientation, measure,
//! and make a thumbnail and a placeholder (`clean_image`).
//!
//! Properties: nothing panics; a cleaned image's stored bytes sniff as an image again
//! (never as something a browser would run), and so does its thumbnail. Memory is
//! bounded by libFuzzer's `-malloc_limit_mb` (scripts/fuzz.sh sets it): an allocation
//! above it is reported as a crash.

#![no_main]

use libfuzzer_sys::fuzz_target;
use tidings_server::media::{clean_image, sniff_content_type};

const IMAGE_TYPES: &[&str] = &["image/jpeg", "image/png", "image/webp", "image/gif"];

fuzz_target!(|data: &[u8]| {
    let content_type = sniff_content_type(data);
    let Some(done) = clean_image(data.to_vec(), &content_type) else {
        return;
    };
    assert!(IMAGE_TYPES.contains(&content_type.as_str()));
    let stored_type = done.content_type.unwrap_or(content_type.as_str());
    let sniffed_again = sniff_content_type(&done.bytes);
    assert!(
        IMAGE_TYPES.contains(&sniffed_again.as_str()),
        "{content_type} stored as {stored_type} sniffs as {sniffed_again}"
    );
    if let Some((thumbnail, thumbnail_type)) = done.thumbnail {
        assert!(matches!(thumbnail_type, "image/jpeg" | "image/png"));
        assert_eq!(sniff_content_type(&thumbnail), thumbnail_type);
    }
});
