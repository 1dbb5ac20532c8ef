//! Image processing at upload: remove location and camera metadata, bake the EXIF
//! orientation into the pixels (it would be lost with the metadata), measure, and make a
//! thumbnail and a ThumbHash placeholder. Runs on the blocking pool.

use base64::Engine;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader};
use img_parts::ImageEXIF;
use std::io::Cursor;
use tidings_shared::limits::{IMAGE_DECODE_MAX_PIXELS, THUMBNAIL_MAX_PX};

/// What processing an image produced.
pub struct Processed {
    /// The bytes to store: the original minus its metadata (or re-encoded when the
    /// orientation had to be applied).
    pub bytes: Vec<u8>,
    /// Its size in pixels, after the orientation was applied.
    pub width: u32,
    /// See `width`.
    pub height: u32,
    /// JPEG or PNG thumbnail, when the image could be decoded.
    pub thumbnail: Option<(Vec<u8>, &'static str)>,
    /// A ThumbHash of the image, base64, when it could be decoded.
    pub placeholder: Option<String>,
    /// Set when the stored bytes are in another format than the upload (a rotated WebP
    /// or GIF is stored as PNG).
    pub content_type: Option<&'static str>,
}

/// The formats handled here, by sniffed content type.
pub(super) fn format_of(content_type: &str) -> Option<ImageFormat> {
    match content_type {
        "image/jpeg" => Some(ImageFormat::Jpeg),
        "image/png" => Some(ImageFormat::Png),
        "image/webp" => Some(ImageFormat::WebP),
        "image/gif" => Some(ImageFormat::Gif),
        _ => None,
    }
}

/// Cleans and measures an image. `None` when it cannot be parsed at all (it is then kept
/// as a plain file).
pub(super) fn process(original: Vec<u8>, format: ImageFormat) -> Option<Processed> {
    let original = img_parts::Bytes::from(original);
    // image-webp trusts the sizes chunks declare: a 300-byte WebP whose EXIF chunk claims
    // 4 GiB made `orientation()` allocate 4 GiB (found by the `upload_sniff` fuzz target;
    // where the allocation fails, the process aborts). img-parts checks every chunk
    // against the bytes there are, so a WebP must parse with it first.
    if format == ImageFormat::WebP && img_parts::webp::WebP::from_bytes(original.clone()).is_err() {
        return None;
    }
    // The decoders' default limits: no limit on width and height (a huge image is still
    // measured and cleaned, only not decoded), but no allocation above 512 MiB, which
    // fits the largest decode allowed (64 megapixels of 16-bit RGBA). Without them a
    // 40-byte GIF whose frame is larger than its screen made the decoder allocate the
    // frame, up to 16 GiB (found by the `upload_sniff` fuzz target).
    let reader = ImageReader::with_format(Cursor::new(&original[..]), format);
    let mut decoder = reader.into_decoder().ok()?;
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let (raw_w, raw_h) = decoder.dimensions();
    let decodable = u64::from(raw_w) * u64::from(raw_h) <= IMAGE_DECODE_MAX_PIXELS;
    let decoded = if decodable {
        DynamicImage::from_decoder(decoder).ok()
    } else {
        drop(decoder);
        None
    };

    let rotated = orientation != image::metadata::Orientation::NoTransforms;
    let mut content_type = None;
    let (bytes, image) = match (decoded, rotated) {
        (Some(mut img), true) => {
            // The orientation lives in the EXIF we remove: apply it to the pixels.
            img.apply_orientation(orientation);
            if format != ImageFormat::Jpeg {
                content_type = Some("image/png");
            }
            (encode(&img, format)?, Some(img))
        }
        (img, _) => (strip_metadata(original, format)?, img),
    };
    let (width, height) = match &image {
        Some(img) => (img.width(), img.height()),
        None => (raw_w, raw_h),
    };
    let (thumbnail, placeholder) = match &image {
        Some(img) => (thumbnail(img), placeholder(img)),
        None => (None, None),
    };
    Some(Processed {
        bytes,
        width,
        height,
        thumbnail,
        placeholder,
        content_type,
    })
}

/// Removes EXIF (camera, GPS), XMP and IPTC blocks; keeps the colour profile.
fn strip_metadata(bytes: img_parts::Bytes, format: ImageFormat) -> Option<Vec<u8>> {
    match format {
        ImageFormat::Jpeg => {
            let mut jpeg = img_parts::jpeg::Jpeg::from_bytes(bytes).ok()?;
            jpeg.set_exif(None);
            // APP1 also carries XMP; APP13 carries IPTC (which can hold locations).
            jpeg.segments_mut().retain(|s| {
                let marker = s.marker();
                marker != img_parts::jpeg::markers::APP1
                    && marker != img_parts::jpeg::markers::APP13
            });
            let mut out = Vec::new();
            jpeg.encoder().write_to(&mut out).ok()?;
            Some(out)
        }
        ImageFormat::Png => {
            let mut png = img_parts::png::Png::from_bytes(bytes).ok()?;
            png.set_exif(None);
            png.chunks_mut()
                .retain(|c| !matches!(&c.kind(), b"tEXt" | b"zTXt" | b"iTXt" | b"eXIf" | b"tIME"));
            let mut out = Vec::new();
            png.encoder().write_to(&mut out).ok()?;
            Some(out)
        }
        ImageFormat::WebP => {
            let mut webp = img_parts::webp::WebP::from_bytes(bytes).ok()?;
            webp.set_exif(None);
            webp.chunks_mut().retain(|c| &c.id() != b"XMP ");
            let mut out = Vec::new();
            webp.encoder().write_to(&mut out).ok()?;
            Some(out)
        }
        // GIF has no EXIF; comments are not location data.
        _ => Some(bytes.to_vec()),
    }
}

fn encode(img: &DynamicImage, format: ImageFormat) -> Option<Vec<u8>> {
    let mut out = Cursor::new(Vec::new());
    match format {
        ImageFormat::Jpeg => {
            let encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90);
            img.to_rgb8().write_with_encoder(encoder).ok()?;
        }
        _ => img.write_to(&mut out, ImageFormat::Png).ok()?,
    }
    Some(out.into_inner())
}

fn thumbnail(img: &DynamicImage) -> Option<(Vec<u8>, &'static str)> {
    // Never enlarge: a small image is its own thumbnail (re-encoded without metadata).
    let small = if img.width() > THUMBNAIL_MAX_PX || img.height() > THUMBNAIL_MAX_PX {
        img.thumbnail(THUMBNAIL_MAX_PX, THUMBNAIL_MAX_PX)
    } else {
        img.clone()
    };
    let mut out = Cursor::new(Vec::new());
    if small.color().has_alpha() {
        small.write_to(&mut out, ImageFormat::Png).ok()?;
        Some((out.into_inner(), "image/png"))
    } else {
        let encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 80);
        small.to_rgb8().write_with_encoder(encoder).ok()?;
        Some((out.into_inner(), "image/jpeg"))
    }
}

/// A ThumbHash of the image: ~25 bytes that decode to a blurred preview.
fn placeholder(img: &DynamicImage) -> Option<String> {
    let tiny = img.thumbnail(100, 100).to_rgba8();
    let hash =
        thumbhash::rgba_to_thumb_hash(tiny.width() as usize, tiny.height() as usize, tiny.as_raw());
    Some(base64::engine::general_purpose::STANDARD.encode(hash))
}
