//! Files through the client core: uploads from a path with progress and cancel, the file
//! on screen at once in the sender's echo, and downloads kept on disk and checked.

use sha2::{Digest, Sha256};
use std::time::Duration;
use tidings_core::{Core, CoreError, CoreEvent, MediaVariant, UploadId, UploadState};
use tidings_shared::{ConversationId, ErrorCode, EventBody, MediaInfo};
use tidings_tests::cores::{signed_up_core, texts, until};
use tidings_tests::processes::files_under;
use tidings_tests::{noise, World};
use tokio::sync::broadcast;

fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Ana's and Ben's started cores (own data dirs) on the first instance of `w`, and
/// their direct conversation. The dirs must outlive the cores.
async fn ana_and_ben(
    w: &World,
    dirs: &(tempfile::TempDir, tempfile::TempDir),
) -> (Core, Core, ConversationId) {
    let (ana, _) = signed_up_core(&w.servers[0].http_url(), &dirs.0, "ana").await;
    let (ben, ben_name) = signed_up_core(&w.servers[0].http_url(), &dirs.1, "ben").await;
    let cid = ana.open_direct(&ben_name).await.expect("direct").id;
    (ana, ben, cid)
}

fn two_dirs() -> (tempfile::TempDir, tempfile::TempDir) {
    (
        tempfile::tempdir().expect("dir"),
        tempfile::tempdir().expect("dir"),
    )
}

/// The states of upload `id`, in order, until it ends (bounded).
async fn upload_states(
    events: &mut broadcast::Receiver<CoreEvent>,
    id: UploadId,
) -> Vec<UploadState> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    let mut states = Vec::new();
    loop {
        match tokio::time::timeout_at(deadline, events.recv()).await {
            Ok(Ok(CoreEvent::Upload {
                upload_id, state, ..
            })) if upload_id == id => {
                let end = !matches!(state, UploadState::Progress { .. });
                states.push(state);
                if end {
                    return states;
                }
            }
            Ok(Ok(_)) | Ok(Err(broadcast::error::RecvError::Lagged(_))) => {}
            Ok(Err(e)) => panic!("events closed: {e}"),
            Err(_) => panic!("upload {id} did not end; saw {states:?}"),
        }
    }
}

fn done(states: &[UploadState]) -> MediaInfo {
    match states.last() {
        Some(UploadState::Done { media }) => media.clone(),
        other => panic!("upload did not succeed: {other:?}"),
    }
}

async fn attachments_seen_by(core: &Core, cid: &ConversationId) -> Vec<String> {
    core.messages(cid, None, 100)
        .await
        .expect("messages")
        .into_iter()
        .flat_map(|m| match m.event {
            EventBody::Message { attachments, .. } => {
                attachments.into_iter().map(|a| a.name).collect()
            }
            _ => Vec::new(),
        })
        .collect()
}

#[tokio::test]
async fn a_file_dropped_by_path_uploads_with_progress_and_downloads_checked() {
    let w = World::start(1, &[]).expect("world");
    let dirs = two_dirs();
    let (ana, ben, cid) = ana_and_ben(&w, &dirs).await;
    let mut ana_events = ana.subscribe();
    let mut ben_events = ben.subscribe();

    // A 3 MiB file somewhere on Ana's disk, as a drop on the window would name it.
    let outside = tempfile::tempdir().expect("dir");
    let data = noise(3 * 1024 * 1024 + 7, 1);
    let path = outside.path().join("Quarterly report.pdf");
    std::fs::write(&path, &data).expect("write");

    let id = ana.upload_file(&cid, &path).await.expect("upload");
    let states = upload_states(&mut ana_events, id).await;
    let media = done(&states);
    assert_eq!(media.size, data.len() as u64);
    assert_eq!(media.sha256, sha256(&data));
    assert_eq!(media.name, "Quarterly report.pdf");
    // Progress starts at zero, only grows, and reaches the whole file.
    let sent: Vec<u64> = states
        .iter()
        .filter_map(|s| match s {
            UploadState::Progress { sent, total } => {
                assert_eq!(*total, data.len() as u64);
                Some(*sent)
            }
            _ => None,
        })
        .collect();
    assert_eq!(sent.first(), Some(&0));
    assert!(sent.windows(2).all(|w| w[0] <= w[1]), "{sent:?}");
    assert_eq!(sent.last(), Some(&(data.len() as u64)));

    // Sending it: the echo shows the file at once, before the server answers.
    ana.stop().await;
    ana.send_message(&cid, "", vec![media.id.clone()])
        .await
        .expect("send");
    assert_eq!(
        attachments_seen_by(&ana, &cid).await,
        vec!["Quarterly report.pdf".to_string()]
    );
    ana.start().await;
    until(&mut ben_events, "ben to get the file", || async {
        !attachments_seen_by(&ben, &cid).await.is_empty()
    })
    .await;
    // Ben searches for it by name.
    let hits = ben
        .search(tidings_core::search::SearchQuery {
            text: "report".into(),
            ..Default::default()
        })
        .await
        .expect("search");
    assert_eq!(hits.len(), 1, "{hits:?}");

    // Ben downloads it: the bytes are Ana's, kept under his data dir, fetched once.
    let local = ben
        .media_file(&media, MediaVariant::Content)
        .await
        .expect("download");
    assert!(local.starts_with(dirs.1.path()), "{}", local.display());
    assert_eq!(sha256(&std::fs::read(&local).expect("read")), media.sha256);
    let modified = std::fs::metadata(&local)
        .and_then(|m| m.modified())
        .expect("mtime");
    let again = ben
        .media_file(&media, MediaVariant::Content)
        .await
        .expect("again");
    assert_eq!(again, local);
    assert_eq!(
        std::fs::metadata(&again)
            .and_then(|m| m.modified())
            .expect("mtime"),
        modified,
        "the second call must not download again"
    );
    // A file without a thumbnail says so.
    assert!(ben
        .media_file(&media, MediaVariant::Thumbnail)
        .await
        .is_err());
    assert!(texts(&ben, &cid).await.len() == 1);

    ana.stop().await;
    ben.stop().await;
}

#[tokio::test]
async fn an_image_has_its_placeholder_at_once_and_a_thumbnail_to_download() {
    let w = World::start(1, &[]).expect("world");
    let dirs = two_dirs();
    let (ana, ben, cid) = ana_and_ben(&w, &dirs).await;
    let mut ana_events = ana.subscribe();
    let mut ben_events = ben.subscribe();

    let img = image::RgbImage::from_fn(800, 600, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, ((x + y) % 256) as u8])
    });
    let outside = tempfile::tempdir().expect("dir");
    let path = outside.path().join("beach.png");
    img.save(&path).expect("png");

    let id = ana.upload_file(&cid, &path).await.expect("upload");
    let media = done(&upload_states(&mut ana_events, id).await);
    assert_eq!((media.width, media.height), (Some(800), Some(600)));
    assert!(media.has_thumbnail);
    ana.send_message(&cid, "look", vec![media.id.clone()])
        .await
        .expect("send");
    // The placeholder travels in the message itself: Ben has it as soon as the message.
    until(&mut ben_events, "ben to get the photo", || async {
        ben.messages(&cid, None, 10)
            .await
            .expect("messages")
            .iter()
            .any(|m| match &m.event {
                EventBody::Message { attachments, .. } => attachments
                    .iter()
                    .any(|a| a.placeholder.is_some() && a.placeholder == media.placeholder),
                _ => false,
            })
    })
    .await;
    let thumb = ben
        .media_file(&media, MediaVariant::Thumbnail)
        .await
        .expect("thumbnail");
    let decoded = image::open(&thumb).expect("the thumbnail is an image");
    assert!(decoded.width() <= 320 && decoded.height() <= 320);
    assert_eq!(decoded.width() * 600, decoded.height() * 800, "aspect kept");

    ana.stop().await;
    ben.stop().await;
}

#[tokio::test]
async fn uploads_can_be_cancelled_and_refusals_are_told_apart() {
    let w = World::start(1, &["--max-upload-bytes", "1000000000"]).expect("world");
    let dirs = two_dirs();
    let (ana, _ben, cid) = ana_and_ben(&w, &dirs).await;
    let mut events = ana.subscribe();
    let outside = tempfile::tempdir().expect("dir");

    // A large file, cancelled as soon as it is under way: nothing is kept anywhere.
    let big = outside.path().join("big.bin");
    std::fs::File::create(&big)
        .and_then(|f| f.set_len(900 * 1024 * 1024))
        .expect("sparse file");
    let id = ana.upload_file(&cid, &big).await.expect("upload");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        match tokio::time::timeout_at(deadline, events.recv()).await {
            Ok(Ok(CoreEvent::Upload {
                upload_id,
                state: UploadState::Progress { sent, .. },
                ..
            })) if upload_id == id && sent > 0 => break,
            Ok(_) => {}
            Err(_) => panic!("the upload never got going"),
        }
    }
    ana.cancel_upload(id);
    let states = upload_states(&mut events, id).await;
    assert_eq!(states.last(), Some(&UploadState::Cancelled));
    // The server notices the cut body and removes its spool file.
    let server = &w.servers[0];
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !(files_under(server.upload_dir.path()).is_empty()
        && files_under(server.media_dir.path()).is_empty())
    {
        assert!(
            tokio::time::Instant::now() < deadline,
            "left behind: {:?} {:?}",
            files_under(server.upload_dir.path()),
            files_under(server.media_dir.path())
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // A file that is not there fails at once.
    assert!(ana
        .upload_file(&cid, &outside.path().join("missing.bin"))
        .await
        .is_err());
    ana.stop().await;
}

#[tokio::test]
async fn a_file_over_the_cap_is_refused_at_once_and_a_dead_server_fails_retryably() {
    let mut w = World::start(1, &["--max-upload-bytes", "1000000"]).expect("world");
    let dirs = two_dirs();
    let (ana, _ben, cid) = ana_and_ben(&w, &dirs).await;
    let mut events = ana.subscribe();
    let outside = tempfile::tempdir().expect("dir");

    // The server's cap arrives with its hello; a larger file is refused before any byte
    // is sent, with the server's own code.
    until(&mut events, "the server's upload cap", || async {
        ana.max_upload_bytes().is_some()
    })
    .await;
    assert_eq!(ana.max_upload_bytes(), Some(1_000_000));
    let path = outside.path().join("video.mp4");
    std::fs::write(&path, noise(2_000_000, 2)).expect("write");
    match ana.upload_file(&cid, &path).await {
        Err(CoreError::Server(body)) => {
            assert_eq!(body.code, ErrorCode::MediaTooLarge);
            assert!(body.message.contains("977 KiB"), "{}", body.message);
        }
        other => panic!("expected media_too_large, got {other:?}"),
    }

    // The server is gone: the upload fails, and trying again later may work.
    w.servers[0].kill9();
    let small = outside.path().join("note.txt");
    std::fs::write(&small, b"hello").expect("write");
    let id = ana.upload_file(&cid, &small).await.expect("upload");
    match upload_states(&mut events, id).await.last() {
        Some(UploadState::Failed { retryable, .. }) => assert!(*retryable),
        other => panic!("expected a retryable failure, got {other:?}"),
    }
    ana.stop().await;
}

#[tokio::test]
async fn an_upload_outlasts_a_server_restart() {
    let mut w = World::start(1, &[]).expect("world");
    let dirs = two_dirs();
    let (ana, ben, cid) = ana_and_ben(&w, &dirs).await;
    let mut events = ana.subscribe();
    let outside = tempfile::tempdir().expect("dir");
    let path = outside.path().join("report.pdf");
    let bytes = noise(300_000, 7);
    std::fs::write(&path, &bytes).expect("write");

    // The server is away when the upload starts and back a moment later, on the same
    // address: the core tries again by itself, so the person sees the progress restart,
    // then the file stored.
    let addr = w.servers[0]
        .http_url()
        .trim_start_matches("http://")
        .to_owned();
    w.servers[0].kill9();
    let id = ana.upload_file(&cid, &path).await.expect("upload");
    tokio::time::sleep(Duration::from_millis(300)).await;
    w.servers[0] = tidings_tests::Server::start_at(&addr, &w.redis.url(), &[]).expect("restart");
    let states = upload_states(&mut events, id).await;
    let restarts = states
        .iter()
        .skip(1)
        .filter(|s| matches!(s, UploadState::Progress { sent: 0, .. }))
        .count();
    assert!(restarts >= 1, "no retry seen: {states:?}");
    let media = done(&states);
    assert_eq!(media.sha256, sha256(&bytes));

    ana.send_message(&cid, "", vec![media.id.clone()])
        .await
        .expect("send");
    let mut ben_events = ben.subscribe();
    until(&mut ben_events, "ben to get the file", || async {
        attachments_seen_by(&ben, &cid).await == vec!["report.pdf".to_owned()]
    })
    .await;
    let copy = ben
        .media_file(&media, MediaVariant::Content)
        .await
        .expect("download");
    assert_eq!(sha256(&std::fs::read(copy).expect("read")), sha256(&bytes));
    ana.stop().await;
    ben.stop().await;
}
