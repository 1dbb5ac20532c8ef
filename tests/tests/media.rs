//! File and image sharing against a real S3-compatible server (s3s-fs) and the local
//! store: byte-exact round trips, the size cap, access rules, outages, and privacy.

use reqwest::StatusCode;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::time::Duration;
use tidings_shared::{
    ClientFrame, ErrorCode, EventBody, MediaId, MediaInfo, MediaLinks, ServerFrame,
};
use tidings_tests::processes::files_under;
use tidings_tests::{noise as bytes, Api, Pair, TestUser, World, WAIT};

fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn error_code(body: &Value) -> ErrorCode {
    tidings_tests::api::error_body(body)
        .expect("typed error")
        .code
}

async fn upload_ok(
    api: &Api,
    user: &TestUser,
    cid: &tidings_shared::ConversationId,
    name: &str,
    data: Vec<u8>,
) -> MediaInfo {
    let (status, body) = api.upload(user, cid, name, data).await.expect("upload");
    assert_eq!(status, StatusCode::CREATED, "{body}");
    serde_json::from_value(body).expect("media info")
}

async fn links(api: &Api, user: &TestUser, id: &MediaId) -> MediaLinks {
    let (status, body) = api.media_links(user, id).await.expect("links");
    assert_eq!(status, StatusCode::OK, "{body}");
    serde_json::from_value(body).expect("links")
}

async fn download(api: &Api, path: &str) -> (StatusCode, reqwest::header::HeaderMap, Vec<u8>) {
    let resp = api.fetch(path, &[]).await.expect("fetch");
    let status = resp.status();
    let headers = resp.headers().clone();
    (status, headers, resp.bytes().await.expect("body").to_vec())
}

/// Upload and download 0 B, 1 B, 5 MiB + 1 B and 200 MiB and compare SHA-256s, plus a
/// Range request, on whichever store `w` uses.
async fn round_trips(w: &World) {
    let Pair {
        ana, ben, direct, ..
    } = w.ana_and_ben().await.expect("pair");
    let api = &w.apis[0];
    for (i, len) in [0usize, 1, 5 * 1024 * 1024 + 1, 200 * 1024 * 1024]
        .into_iter()
        .enumerate()
    {
        let data = bytes(len, i as u64 + 1);
        let expected = sha256(&data);
        let info = upload_ok(api, &ana, &direct.id, &format!("blob-{len}.bin"), data).await;
        assert_eq!(
            (info.size, info.sha256.as_str()),
            (len as u64, expected.as_str())
        );
        // Ben fetches it through the other instance.
        let link = links(&w.apis[1], &ben, &info.id).await;
        let (status, headers, body) = download(&w.apis[1], &link.url).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body.len(), len);
        assert_eq!(sha256(&body), expected, "{len} bytes came back different");
        assert_eq!(headers["content-type"], "application/octet-stream");
        if len > 10 {
            let resp = w.apis[1]
                .fetch(&link.url, &[("range", "bytes=3-12")])
                .await
                .expect("range");
            assert_eq!(resp.status(), StatusCode::PARTIAL_CONTENT);
            assert_eq!(
                resp.headers()["content-range"],
                format!("bytes 3-12/{len}").as_str()
            );
            let part = resp.bytes().await.expect("body");
            assert_eq!(&part[..], &bytes(len, i as u64 + 1)[3..13]);
        }
    }
}

#[tokio::test]
async fn files_round_trip_byte_for_byte_through_s3() {
    let (w, s3) = World::start_with_s3(2, &["--max-upload-bytes", "300000000"]).expect("world");
    round_trips(&w).await;
    assert!(!s3.objects().is_empty(), "the bytes are in the bucket");
    assert!(
        files_under(w.servers[0].media_dir.path()).is_empty(),
        "not in the local dir"
    );
}

#[tokio::test]
async fn files_round_trip_byte_for_byte_through_the_local_store() {
    // Both instances share one media dir (as they would share a volume) to serve each
    // other's uploads.
    let redis = tidings_tests::Redis::start().expect("redis");
    let shared = tempfile::tempdir().expect("dir");
    let dir = shared.path().to_str().expect("utf-8").to_owned();
    let args = ["--max-upload-bytes", "300000000", "--media-dir", &dir];
    let servers = vec![
        tidings_tests::Server::start(&redis.url(), &args).expect("server"),
        tidings_tests::Server::start(&redis.url(), &args).expect("server"),
    ];
    let apis = servers.iter().map(|s| Api::new(s.http_url())).collect();
    let w = World {
        servers,
        apis,
        redis,
    };
    round_trips(&w).await;
    assert_eq!(files_under(shared.path()).len(), 4);
}

#[tokio::test]
async fn an_upload_over_the_cap_is_refused_and_leaves_nothing() {
    let (w, s3) = World::start_with_s3(1, &["--max-upload-bytes", "1048576"]).expect("world");
    let Pair { ana, direct, .. } = w.ana_and_ben().await.expect("pair");
    let (status, body) = w.apis[0]
        .upload(&ana, &direct.id, "big.bin", bytes(2 * 1024 * 1024, 9))
        .await
        .expect("upload");
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    assert_eq!(error_code(&body), ErrorCode::MediaTooLarge);

    // Without a Content-Length the server finds out while streaming, and still keeps nothing.
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        (0..40).map(|i| Ok(bytes(64 * 1024, i))).collect();
    let resp = reqwest::Client::new()
        .post(format!(
            "{}/v1/conversations/{}/media",
            w.servers[0].http_url(),
            direct.id
        ))
        .bearer_auth(ana.token())
        .body(reqwest::Body::wrap_stream(futures_util::stream::iter(
            chunks,
        )))
        .send()
        .await;
    if let Ok(resp) = resp {
        assert_eq!(resp.status(), StatusCode::PAYLOAD_TOO_LARGE);
    } // (the server may also cut the connection while the body is still arriving)
    assert!(
        s3.objects().is_empty(),
        "nothing partial in the bucket: {:?}",
        s3.objects()
    );
    assert!(
        files_under(w.servers[0].upload_dir.path()).is_empty(),
        "no spool file left"
    );
    // Just under the cap is fine.
    upload_ok(
        &w.apis[0],
        &ana,
        &direct.id,
        "ok.bin",
        bytes(1024 * 1024, 3),
    )
    .await;
}

#[tokio::test]
async fn only_members_get_files_and_links_expire() {
    let w = World::start(1, &["--media-link-ttl-secs", "2"]).expect("world");
    let Pair { ana, direct, .. } = w.ana_and_ben().await.expect("pair");
    let api = &w.apis[0];
    let eve = api.new_user("eve").await.expect("user");
    let info = upload_ok(api, &ana, &direct.id, "secret.txt", b"the plan".to_vec()).await;

    let (status, body) = api
        .upload(&eve, &direct.id, "x", b"x".to_vec())
        .await
        .expect("upload");
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::NOT_FOUND, ErrorCode::NotFound)
    );
    let (status, body) = api.media_links(&eve, &info.id).await.expect("links");
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::NOT_FOUND, ErrorCode::NotFound)
    );
    let (status, body) = api
        .media_links(&ana, &MediaId("01NOSUCHMEDIA000000000000".into()))
        .await
        .expect("links");
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::NOT_FOUND, ErrorCode::NotFound)
    );

    let link = links(api, &ana, &info.id).await;
    let tampered = link.url.replace("/content?", "/thumbnail?");
    let (status, _, _) = download(api, &tampered).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, headers, body) = download(api, &link.url).await;
    assert_eq!(
        (status, body.as_slice()),
        (StatusCode::OK, &b"the plan"[..])
    );
    assert!(headers["cache-control"]
        .to_str()
        .expect("ascii")
        .starts_with("public, max-age="));

    tokio::time::sleep(Duration::from_millis(3100)).await;
    let resp = api.fetch(&link.url, &[]).await.expect("fetch");
    assert_eq!(resp.status(), StatusCode::GONE);
    let body: Value = resp.json().await.expect("json");
    assert_eq!(error_code(&body), ErrorCode::LinkExpired);
}

#[tokio::test]
async fn a_stopped_s3_server_gives_503_and_uploads_work_again_when_it_is_back() {
    let (w, mut s3) = World::start_with_s3(1, &[]).expect("world");
    let Pair { ana, direct, .. } = w.ana_and_ben().await.expect("pair");
    s3.stop();
    let (status, body) = w.apis[0]
        .upload(&ana, &direct.id, "a.bin", bytes(1000, 1))
        .await
        .expect("upload");
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(error_code(&body), ErrorCode::Unavailable);
    assert!(files_under(w.servers[0].upload_dir.path()).is_empty());
    s3.restart().expect("s3 back");
    let info = upload_ok(&w.apis[0], &ana, &direct.id, "a.bin", bytes(1000, 1)).await;
    let (status, _, body) =
        download(&w.apis[0], &links(&w.apis[0], &ana, &info.id).await.url).await;
    assert_eq!((status, sha256(&body)), (StatusCode::OK, info.sha256));
}

/// A 64×48 JPEG carrying EXIF with a GPS position and a camera name.
fn jpeg_with_gps() -> Vec<u8> {
    use img_parts::ImageEXIF;
    let img = image::RgbImage::from_fn(64, 48, |x, y| {
        image::Rgb([(x * 4) as u8, (y * 5) as u8, 128])
    });
    let mut plain = std::io::Cursor::new(Vec::new());
    img.write_to(&mut plain, image::ImageFormat::Jpeg)
        .expect("jpeg");
    let mut jpeg = img_parts::jpeg::Jpeg::from_bytes(plain.into_inner().into()).expect("parse");
    // Minimal little-endian TIFF: one IFD entry (Make) plus GPS text, enough for any
    // metadata reader to find "GPS" data in the file.
    let mut exif = b"II*\0\x08\0\0\0\x01\0\x0f\x01\x02\0\x0c\0\0\0\x1a\0\0\0\0\0\0\0".to_vec();
    exif.extend_from_slice(b"SpyCam 3000\0GPSLatitude 48.8584 N GPSLongitude 2.2945 E");
    jpeg.set_exif(Some(exif.into()));
    let mut out = Vec::new();
    jpeg.encoder().write_to(&mut out).expect("encode");
    out
}

#[tokio::test]
async fn images_lose_location_data_get_a_thumbnail_and_html_is_never_inline() {
    let (w, _s3) = World::start_with_s3(1, &[]).expect("world");
    let Pair {
        ana,
        direct,
        mut ana_ws,
        mut ben_ws,
        ..
    } = w.ana_and_ben().await.expect("pair");
    let api = &w.apis[0];
    let original = jpeg_with_gps();
    assert!(
        original.windows(3).any(|w| w == b"GPS"),
        "the fixture has GPS data"
    );

    let info = upload_ok(api, &ana, &direct.id, "photo.jpg", original.clone()).await;
    assert_eq!(info.content_type, "image/jpeg");
    assert_eq!((info.width, info.height), (Some(64), Some(48)));
    assert!(info.has_thumbnail);
    assert!(info.placeholder.as_deref().is_some_and(|p| !p.is_empty()));
    let link = links(api, &ana, &info.id).await;
    let (status, headers, stored) = download(api, &link.url).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "image/jpeg");
    assert!(headers["content-disposition"]
        .to_str()
        .expect("ascii")
        .starts_with("inline"));
    assert!(
        !stored.windows(3).any(|w| w == b"GPS"),
        "GPS data was stored"
    );
    assert!(
        !stored.windows(6).any(|w| w == b"SpyCam"),
        "camera data was stored"
    );
    assert_eq!(sha256(&stored), info.sha256);
    let decoded = image::load_from_memory(&stored).expect("still a valid JPEG");
    assert_eq!((decoded.width(), decoded.height()), (64, 48));
    let (status, headers, thumb) =
        download(api, link.thumbnail_url.as_deref().expect("thumb")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers["content-type"]
        .to_str()
        .expect("ascii")
        .starts_with("image/"));
    assert!(image::load_from_memory(&thumb).is_ok());

    // The photo goes into a message that Ben receives with everything he needs to render.
    let reply = ana_ws
        .request(ClientFrame::Send {
            conversation_id: direct.id.clone(),
            client_id: uuid::Uuid::new_v4(),
            text: String::new(),
            attachments: vec![info.id.clone()],
        })
        .await
        .expect("send");
    assert!(matches!(reply, ServerFrame::Ack { .. }), "{reply:?}");
    match ben_ws
        .wait_for(WAIT, |f| matches!(f, ServerFrame::Event { .. }))
        .await
        .expect("event")
    {
        ServerFrame::Event { event, .. } => match event.body {
            EventBody::Message { attachments, .. } => assert_eq!(attachments, vec![info.clone()]),
            other => panic!("{other:?}"),
        },
        _ => unreachable!(),
    }

    // HTML and SVG are files to save, never pages to render.
    for (name, body) in [
        (
            "page.html",
            b"<!DOCTYPE html><html><script>alert(1)</script></html>".to_vec(),
        ),
        (
            "logo.svg",
            b"<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"/>".to_vec(),
        ),
    ] {
        let info = upload_ok(api, &ana, &direct.id, name, body).await;
        let (status, headers, _) = download(api, &links(api, &ana, &info.id).await.url).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(
            headers["content-type"], "application/octet-stream",
            "{name}"
        );
        assert!(
            headers["content-disposition"]
                .to_str()
                .expect("ascii")
                .starts_with("attachment"),
            "{name}"
        );
        assert_eq!(headers["x-content-type-options"], "nosniff");
    }

    // A file uploaded to another conversation cannot be attached here.
    let cy = api.new_user("cy").await.expect("user");
    let other = api.direct(&ana, &cy).await.expect("direct");
    let elsewhere = upload_ok(api, &ana, &other.id, "x.bin", bytes(10, 5)).await;
    match ana_ws
        .request(ClientFrame::Send {
            conversation_id: direct.id.clone(),
            client_id: uuid::Uuid::new_v4(),
            text: "look".into(),
            attachments: vec![elsewhere.id],
        })
        .await
        .expect("reply")
    {
        ServerFrame::Error(e) => assert_eq!(e.code, ErrorCode::NotFound),
        other => panic!("{other:?}"),
    }
}
