//! `POST /v1/conversations/{id}/media`, `GET /v1/media/{id}/links` and
//! `GET /v1/media/{id}/{content|thumbnail}`.

use super::links::LinkError;
use super::upload::{prepare, sanitize_name, spool, too_large};
use super::INLINE_SAFE_TYPES;
use crate::auth::AuthUser;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::store::{Access, MediaRecord};
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use axum::Json;
use serde::Deserialize;
use tidings_shared::{ConversationId, ErrorCode, MediaId, MediaInfo, MediaLinks};

/// `?name=` on an upload.
#[derive(Deserialize)]
pub struct UploadQuery {
    #[serde(default)]
    name: String,
}

/// Stores a file for later messages in `cid` (members only).
pub async fn upload(
    State(state): State<AppState>,
    me: AuthUser,
    Path(cid): Path<ConversationId>,
    Query(query): Query<UploadQuery>,
    headers: HeaderMap,
    body: Body,
) -> AppResult<(StatusCode, Json<MediaInfo>)> {
    if state.store.access(&cid, &me.id).await? != Access::Member {
        return Err(AppError::not_found());
    }
    let media = &state.media;
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|len| len > media.max_upload) {
        return Err(too_large(media.max_upload));
    }
    let spooled = spool(body, &media.temp_dir, media.max_upload).await?;
    let prepared = prepare(spooled).await?;

    let id = MediaId(ulid::Ulid::new().to_string());
    let key = format!("{cid}/{id}");
    media
        .store
        .put_file(
            &key,
            &prepared.file.path,
            prepared.file.size,
            &prepared.content_type,
        )
        .await?;
    let thumbnail = match prepared.thumbnail {
        Some((bytes, content_type)) => {
            let thumb_key = format!("{key}.thumb");
            let size = bytes.len() as u64;
            if let Err(e) = media.store.put_bytes(&thumb_key, bytes, content_type).await {
                media.store.delete(&key).await;
                return Err(e.into());
            }
            Some((thumb_key, size, content_type.to_owned()))
        }
        None => None,
    };
    let info = MediaInfo {
        id,
        name: sanitize_name(&query.name),
        size: prepared.file.size,
        content_type: prepared.content_type,
        sha256: prepared.sha256,
        width: prepared.width,
        height: prepared.height,
        placeholder: prepared.placeholder,
        has_thumbnail: thumbnail.is_some(),
    };
    let record = MediaRecord {
        info: info.clone(),
        conversation: cid,
        uploader: me.id,
        key,
        thumbnail,
    };
    if let Err(e) = state.store.put_media(&record).await {
        // No record, no reference: do not leave orphaned bytes either.
        media.store.delete(&record.key).await;
        if let Some((thumb, _, _)) = &record.thumbnail {
            media.store.delete(thumb).await;
        }
        return Err(e);
    }
    tracing::info!(media = %info.id, size = info.size, content_type = %info.content_type, "stored media");
    Ok((StatusCode::CREATED, Json(info)))
}

/// Signed links to a file, for current members of the conversation it was shared in.
pub async fn links(
    State(state): State<AppState>,
    me: AuthUser,
    Path(id): Path<MediaId>,
) -> AppResult<Json<MediaLinks>> {
    let record = state.store.media(&id).await?.ok_or_else(unknown_media)?;
    if state.store.access(&record.conversation, &me.id).await? != Access::Member {
        return Err(unknown_media());
    }
    let exp = crate::clock::now_ms() / 1000 + state.media.link_ttl.as_secs() as i64;
    let signer = &state.media.signer;
    Ok(Json(MediaLinks {
        url: signer.path(id.as_str(), "content", exp),
        thumbnail_url: record
            .thumbnail
            .as_ref()
            .map(|_| signer.path(id.as_str(), "thumbnail", exp)),
        expires_at: exp * 1000,
    }))
}

fn unknown_media() -> AppError {
    AppError::client(
        ErrorCode::NotFound,
        "No such file, or it was not shared in a conversation you are in.",
    )
}

/// `?exp=&sig=` of a signed link (optional here so that a mangled link gets our typed
/// error rather than the framework's plain-text one).
#[derive(Deserialize)]
pub struct LinkQuery {
    exp: Option<i64>,
    sig: Option<String>,
}

/// Streams a file (or its thumbnail) to whoever holds a valid link, with Range support.
pub async fn content(
    State(state): State<AppState>,
    Path((id, variant)): Path<(MediaId, String)>,
    Query(link): Query<LinkQuery>,
    headers: HeaderMap,
) -> AppResult<Response> {
    if variant != "content" && variant != "thumbnail" {
        return Err(unknown_media());
    }
    let now = crate::clock::now_ms() / 1000;
    let (Some(exp), Some(sig)) = (link.exp, link.sig.as_deref()) else {
        return Err(AppError::client(
            ErrorCode::InvalidLink,
            "This link is not valid.",
        ));
    };
    match state
        .media
        .signer
        .verify(id.as_str(), &variant, exp, sig, now)
    {
        Ok(()) => {}
        Err(LinkError::Expired) => {
            return Err(AppError::client(
                ErrorCode::LinkExpired,
                "This link has expired; ask for a new one.",
            ))
        }
        Err(LinkError::Invalid) => {
            return Err(AppError::client(
                ErrorCode::InvalidLink,
                "This link is not valid.",
            ))
        }
    }
    let record = state.store.media(&id).await?.ok_or_else(unknown_media)?;
    let (key, size, content_type, etag) = match (variant.as_str(), &record.thumbnail) {
        ("thumbnail", Some((key, size, content_type))) => (
            key.clone(),
            *size,
            content_type.clone(),
            format!("\"{}-thumb\"", record.info.sha256),
        ),
        ("thumbnail", None) => return Err(unknown_media()),
        _ => (
            record.key.clone(),
            record.info.size,
            record.info.content_type.clone(),
            format!("\"{}\"", record.info.sha256),
        ),
    };

    let inline = INLINE_SAFE_TYPES.contains(&content_type.as_str());
    let mut response = Response::builder()
        .header(header::ACCEPT_RANGES, "bytes")
        .header(header::ETAG, &etag)
        .header(header::X_CONTENT_TYPE_OPTIONS, "nosniff")
        .header(
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; sandbox",
        )
        // The URL carries its own expiry and signature: a shared cache may keep the
        // (immutable) bytes until the link expires, and never longer.
        .header(
            header::CACHE_CONTROL,
            format!("public, max-age={}, immutable", (exp - now).max(0)),
        )
        .header(
            header::CONTENT_TYPE,
            if inline {
                content_type.as_str()
            } else {
                "application/octet-stream"
            },
        )
        .header(
            header::CONTENT_DISPOSITION,
            disposition(inline, &record.info.name),
        );

    if headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        == Some(etag.as_str())
    {
        return response
            .status(StatusCode::NOT_MODIFIED)
            .body(Body::empty())
            .map_err(internal);
    }
    let range = headers.get(header::RANGE).and_then(|v| v.to_str().ok());
    let (status, start, end) = match range.map(|r| parse_range(r, size)) {
        None => (StatusCode::OK, 0, size.saturating_sub(1)),
        Some(Some((start, end))) => {
            response =
                response.header(header::CONTENT_RANGE, format!("bytes {start}-{end}/{size}"));
            (StatusCode::PARTIAL_CONTENT, start, end)
        }
        Some(None) => {
            return response
                .status(StatusCode::RANGE_NOT_SATISFIABLE)
                .header(header::CONTENT_RANGE, format!("bytes */{size}"))
                .body(Body::empty())
                .map_err(internal)
        }
    };
    if size == 0 {
        return response
            .status(StatusCode::OK)
            .header(header::CONTENT_LENGTH, 0)
            .body(Body::empty())
            .map_err(internal);
    }
    let object = state.media.store.get(&key, start, end).await?;
    response
        .status(status)
        .header(header::CONTENT_LENGTH, end - start + 1)
        .body(object.body)
        .map_err(internal)
}

fn internal(e: axum::http::Error) -> AppError {
    AppError::Internal(format!("building a response: {e}"))
}

/// `inline` for safe images, `attachment` for everything else; the name RFC 5987-encoded.
fn disposition(inline: bool, name: &str) -> HeaderValue {
    let encoded: String = name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    let kind = if inline { "inline" } else { "attachment" };
    HeaderValue::from_str(&format!("{kind}; filename*=UTF-8''{encoded}"))
        .unwrap_or_else(|_| HeaderValue::from_static("attachment"))
}

/// One `bytes=` range within `size`: `a-b`, `a-` or `-n`. `None` when unsatisfiable or
/// malformed (multiple ranges are not supported and get the whole range refused).
fn parse_range(header: &str, size: u64) -> Option<(u64, u64)> {
    let spec = header.strip_prefix("bytes=")?.trim();
    if spec.contains(',') || size == 0 {
        return None;
    }
    let (first, last) = spec.split_once('-')?;
    let (start, end) = match (first.trim(), last.trim()) {
        ("", n) => {
            let n: u64 = n.parse().ok()?;
            (size.saturating_sub(n), size - 1)
        }
        (a, "") => (a.parse().ok()?, size - 1),
        (a, b) => (a.parse().ok()?, b.parse::<u64>().ok()?.min(size - 1)),
    };
    (start <= end && start < size).then_some((start, end))
}

#[cfg(test)]
mod tests {
    use super::parse_range;

    #[test]
    fn ranges() {
        assert_eq!(parse_range("bytes=0-0", 10), Some((0, 0)));
        assert_eq!(parse_range("bytes=2-", 10), Some((2, 9)));
        assert_eq!(parse_range("bytes=-3", 10), Some((7, 9)));
        assert_eq!(parse_range("bytes=5-100", 10), Some((5, 9)));
        assert_eq!(parse_range("bytes=10-", 10), None);
        assert_eq!(parse_range("bytes=3-2", 10), None);
        assert_eq!(parse_range("bytes=0-1,4-5", 10), None);
        assert_eq!(parse_range("items=0-1", 10), None);
    }
}
