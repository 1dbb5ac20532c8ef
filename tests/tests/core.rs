//! The client core against real servers and redis-server: two people chatting through
//! two cores, offline sending, restarts with a pending outbox, and a full backfill.

use std::time::Duration;
use tidings_core::cache::MessageStatus;
use tidings_core::{Core, CoreConfig, CoreEvent};
use tidings_shared::PresenceState;
use tidings_tests::cores::{signed_up_core as core, texts, until};
use tidings_tests::{World, PASSWORD};

const FAST: &[&str] = &["--message-rate", "100000", "--message-burst", "100000"];

#[tokio::test]
async fn two_cores_chat_and_see_typing_receipts_and_presence() {
    let w = World::start(2, FAST).expect("world");
    let (a_dir, b_dir) = (
        tempfile::tempdir().expect("dir"),
        tempfile::tempdir().expect("dir"),
    );
    let (ana, _) = core(&w.servers[0].http_url(), &a_dir, "ana").await;
    let (ben, ben_name) = core(&w.servers[1].http_url(), &b_dir, "ben").await;
    let mut ana_events = ana.subscribe();
    let mut ben_events = ben.subscribe();

    let direct = ana.open_direct(&ben_name).await.expect("direct");
    let cid = direct.id.clone();
    // Optimistic: the message is on screen at once, pending.
    ana.send_message(&cid, "hello ben", vec![])
        .await
        .expect("send");
    let first = texts(&ana, &cid).await;
    assert_eq!(first.len(), 1);
    until(&mut ana_events, "ana's message to be sent", || async {
        texts(&ana, &cid).await == vec![("hello ben".to_string(), MessageStatus::Sent)]
    })
    .await;
    until(&mut ben_events, "ben to receive it", || async {
        texts(&ben, &cid)
            .await
            .iter()
            .any(|(t, _)| t == "hello ben")
    })
    .await;
    // Ben's list shows the new conversation with one unread message.
    let list = ben.conversations().await.expect("list");
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].unread_count, 1);

    // Typing reaches the other core.
    ben.set_typing(&cid, true);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        match tokio::time::timeout_at(deadline, ana_events.recv()).await {
            Ok(Ok(CoreEvent::Typing { typing: true, .. })) => break,
            Ok(_) => continue,
            Err(_) => panic!("ana never saw ben typing"),
        }
    }
    // Ben reads: Ana's cache learns his read mark.
    let seq = ben
        .messages(&cid, None, 10)
        .await
        .expect("messages")
        .last()
        .and_then(|m| m.seq)
        .expect("seq");
    ben.mark_read(&cid, seq);
    let ben_id = ben.me().expect("me").id;
    until(&mut ana_events, "ben's read receipt", || async {
        ana.conversations().await.expect("list")[0]
            .receipts
            .iter()
            .any(|r| r.user_id == ben_id && r.read_seq >= seq)
    })
    .await;
    // Presence: sharing a conversation now, ana learns who is around (the list's dots),
    // and so she does again after reconnecting...
    until(&mut ana_events, "ana to learn ben is online", || async {
        ana.presence()
            .iter()
            .any(|p| p.user_id == ben_id && p.state == PresenceState::Online)
    })
    .await;
    ana.stop().await;
    ana.start().await;
    until(
        &mut ana_events,
        "ana to learn again that ben is online",
        || async {
            ana.presence()
                .iter()
                .any(|p| p.user_id == ben_id && p.state == PresenceState::Online)
        },
    )
    .await;
    // ... and ben stopping takes him offline.
    ben.stop().await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        match tokio::time::timeout_at(deadline, ana_events.recv()).await {
            Ok(Ok(CoreEvent::Presence(p)))
                if p.user_id == ben_id && p.state == PresenceState::Offline =>
            {
                break
            }
            Ok(_) => continue,
            Err(_) => panic!("ana never saw ben go offline"),
        }
    }
    ana.stop().await;
}

#[tokio::test]
async fn messages_sent_while_disconnected_arrive_once_and_in_order() {
    let mut w = World::start(2, FAST).expect("world");
    let (a_dir, b_dir) = (
        tempfile::tempdir().expect("dir"),
        tempfile::tempdir().expect("dir"),
    );
    let (ana, _) = core(&w.servers[0].http_url(), &a_dir, "ana").await;
    let ben_addr = w.servers[1].addr.to_string();
    let (ben, ben_name) = core(&w.servers[1].http_url(), &b_dir, "ben").await;
    let mut ana_events = ana.subscribe();
    let mut ben_events = ben.subscribe();
    let cid = ana.open_direct(&ben_name).await.expect("direct").id;
    until(
        &mut ben_events,
        "ben to learn of the conversation",
        || async { !ben.conversations().await.expect("list").is_empty() },
    )
    .await;

    // Ben's server dies; he keeps writing.
    w.servers[1].kill9();
    for i in 0..20 {
        ben.send_message(&cid, &format!("offline {i}"), vec![])
            .await
            .expect("queued");
    }
    assert!(texts(&ben, &cid)
        .await
        .iter()
        .all(|(_, s)| *s == MessageStatus::Pending));

    // It comes back on the same address; the core reconnects at once when nudged.
    let redis_url = w.redis.url();
    w.servers[1] = tidings_tests::Server::start_at(&ben_addr, &redis_url, FAST).expect("restart");
    ben.reconnect_now();
    until(&mut ben_events, "all 20 to be sent", || async {
        let t = texts(&ben, &cid).await;
        t.len() == 20 && t.iter().all(|(_, s)| *s == MessageStatus::Sent)
    })
    .await;
    let expected: Vec<String> = (0..20).map(|i| format!("offline {i}")).collect();
    until(&mut ana_events, "ana to have all 20", || async {
        texts(&ana, &cid)
            .await
            .into_iter()
            .map(|(t, _)| t)
            .collect::<Vec<_>>()
            == expected
    })
    .await;
    // Exactly once on the server too.
    let mut conn = w.redis.connection().expect("redis");
    let stored: u64 = redis::cmd("HLEN")
        .arg(format!("tidings:conv:{{{cid}}}:log"))
        .query(&mut conn)
        .expect("hlen");
    assert_eq!(
        stored, 21,
        "the created event and 20 messages, nothing twice"
    );
    ana.stop().await;
    ben.stop().await;
}

#[tokio::test]
async fn a_pending_outbox_survives_an_app_restart() {
    let mut w = World::start(1, FAST).expect("world");
    let (a_dir, b_dir) = (
        tempfile::tempdir().expect("dir"),
        tempfile::tempdir().expect("dir"),
    );
    let addr = w.servers[0].addr.to_string();
    let url = w.servers[0].http_url();
    let (ana, _) = core(&url, &a_dir, "ana").await;
    let (ben, ben_name) = core(&url, &b_dir, "ben").await;
    let cid = ben
        .open_direct(&ana.me().expect("me").username)
        .await
        .expect("direct")
        .id;
    let _ = ben_name;
    w.servers[0].kill9();
    for i in 0..3 {
        ben.send_message(&cid, &format!("before restart {i}"), vec![])
            .await
            .expect("queued");
    }
    // The app quits with the three still pending.
    ben.stop().await;
    let ben_user = ben.me().expect("me").username;
    drop(ben);

    w.servers[0] = tidings_tests::Server::start_at(&addr, &w.redis.url(), FAST).expect("restart");
    let ben = Core::open(CoreConfig {
        server: url.clone(),
        data_dir: b_dir.path().to_owned(),
    })
    .await
    .expect("reopen");
    assert_eq!(
        ben.cache().outbox().expect("outbox").len(),
        3,
        "the outbox was on disk"
    );
    ben.sign_in(&ben_user, PASSWORD).await.expect("sign in");
    let mut ben_events = ben.subscribe();
    ben.start().await;
    until(&mut ben_events, "the three to be sent", || async {
        let t = texts(&ben, &cid).await;
        t.len() == 3 && t.iter().all(|(_, s)| *s == MessageStatus::Sent)
    })
    .await;
    let mut ana_events = ana.subscribe();
    ana.reconnect_now();
    let expected: Vec<String> = (0..3).map(|i| format!("before restart {i}")).collect();
    until(&mut ana_events, "ana to receive them once", || async {
        texts(&ana, &cid)
            .await
            .into_iter()
            .map(|(t, _)| t)
            .collect::<Vec<_>>()
            == expected
    })
    .await;
    ana.stop().await;
    ben.stop().await;
}

#[tokio::test]
async fn backfill_of_10000_messages_makes_the_cache_equal_the_server_log() {
    let w = World::start(1, FAST).expect("world");
    let api = w.api();
    let ana = api.new_user("ana").await.expect("user");
    let ben_dir = tempfile::tempdir().expect("dir");
    let (ben, ben_name) = core(&w.servers[0].http_url(), &ben_dir, "ben").await;
    ben.stop().await;
    let direct = api
        .create_conversation(
            &ana,
            &tidings_shared::CreateConversation::Direct { username: ben_name },
        )
        .await
        .expect("direct")
        .1;
    let mut ws = w.connect(0, &ana).await.expect("connect");
    for i in 0..10_000 {
        ws.send(
            Some(format!("{i}")),
            tidings_shared::ClientFrame::Send {
                conversation_id: direct.id.clone(),
                client_id: uuid::Uuid::new_v4(),
                text: format!("message {i}"),
                attachments: Vec::new(),
            },
        )
        .await
        .expect("send");
        if i % 200 == 199 {
            // Let acks drain so neither side's queue overflows.
            ws.wait_for(Duration::from_secs(30), |f| matches!(f, tidings_shared::ServerFrame::Ack { seq, .. } if *seq == i as u64 + 2))
                .await
                .expect("acks");
        }
    }
    let mut events = ben.subscribe();
    ben.start().await;
    // The screen asks for the newest page at once: it comes from the server if the
    // oldest-first backfill has not reached it yet, else from the cache; either way it
    // is the newest 50 messages, complete.
    until(&mut events, "ben to be online", || async {
        ben.is_online()
    })
    .await;
    let newest = ben.page(&direct.id, None, 50).await.expect("page");
    let newest: Vec<String> = newest
        .into_iter()
        .filter_map(|m| match m.event {
            tidings_shared::EventBody::Message { text, .. } => Some(text),
            _ => None,
        })
        .collect();
    let expected_newest: Vec<String> = (9_950..10_000).map(|i| format!("message {i}")).collect();
    assert_eq!(newest, expected_newest);
    until(&mut events, "the backfill", || async {
        ben.cache().cursor(&direct.id).expect("cursor") == 10_001
    })
    .await;
    let cached = texts(&ben, &direct.id).await;
    assert_eq!(cached.len(), 10_000);
    let expected: Vec<String> = (0..10_000).map(|i| format!("message {i}")).collect();
    assert_eq!(
        cached.into_iter().map(|(t, _)| t).collect::<Vec<_>>(),
        expected
    );
    ben.stop().await;
}

/// Records what the core asks the desktop to show. (The shell's real sink, notify-rust
/// over D-Bus, is tested with the desktop app; here the core's decisions are.)
#[derive(Default)]
struct Shown(std::sync::Mutex<Vec<tidings_core::notify::Notification>>);

impl tidings_core::notify::NotificationSink for Shown {
    fn show(&self, n: &tidings_core::notify::Notification) -> Result<(), String> {
        self.0.lock().map_err(|e| e.to_string())?.push(n.clone());
        Ok(())
    }
}

#[tokio::test]
async fn live_messages_notify_unless_the_conversation_is_on_screen() {
    use tidings_core::notify::Attention;
    let w = World::start(1, FAST).expect("world");
    let (a_dir, b_dir) = (
        tempfile::tempdir().expect("dir"),
        tempfile::tempdir().expect("dir"),
    );
    let url = w.servers[0].http_url();
    let (ana, _) = core(&url, &a_dir, "ana").await;
    let (ben, ben_name) = core(&url, &b_dir, "ben").await;
    let shown = std::sync::Arc::new(Shown::default());
    ben.set_notification_sink(shown.clone());
    let mut ben_events = ben.subscribe();
    let cid = ana.open_direct(&ben_name).await.expect("direct").id;
    until(&mut ben_events, "ben to know the conversation", || async {
        !ben.conversations().await.expect("list").is_empty()
    })
    .await;
    let count = |shown: &Shown| shown.0.lock().map(|v| v.len()).unwrap_or(0);

    // The app is in the background: a notification with sender and preview.
    ana.send_message(&cid, "lunch?", vec![])
        .await
        .expect("send");
    until(&mut ben_events, "a notification", || async {
        count(&shown) == 1
    })
    .await;
    let first = shown.0.lock().expect("lock")[0].clone();
    assert_eq!(
        (first.title.as_str(), first.body.as_str()),
        ("ana", "lunch?")
    );

    // Ben looks at the conversation in a focused window: nothing more is shown.
    ben.set_attention(Attention {
        window_focused: true,
        open_conversation: Some(cid.clone()),
        ..Default::default()
    });
    ana.send_message(&cid, "seen this?", vec![])
        .await
        .expect("send");
    until(&mut ben_events, "the second message", || async {
        texts(&ben, &cid).await.len() == 2
    })
    .await;
    assert_eq!(count(&shown), 1);
    // Do-not-disturb in the background: still nothing.
    ben.set_attention(Attention {
        do_not_disturb: true,
        ..Default::default()
    });
    ana.send_message(&cid, "hello?", vec![])
        .await
        .expect("send");
    until(&mut ben_events, "the third message", || async {
        texts(&ben, &cid).await.len() == 3
    })
    .await;
    assert_eq!(count(&shown), 1);
    ana.stop().await;
    ben.stop().await;
}
