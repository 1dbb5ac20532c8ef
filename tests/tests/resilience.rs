//! Failures while people chat: an instance killed with SIGKILL, Redis restarted, an
//! instance drained with SIGTERM. No acknowledged message may be lost or duplicated.

use std::collections::BTreeMap;
use std::time::Duration;
use tidings_shared::{ClientFrame, ConversationId, ErrorCode, Event, EventBody, Seq, ServerFrame};
use tidings_tests::ws::Closed;
use tidings_tests::{Pair, World, Ws, WAIT};

const FAST: &[&str] = &["--message-rate", "100000", "--message-burst", "100000"];

/// Sends `text` until it is acknowledged, retrying with the same client id through
/// `unavailable` errors (as the desktop outbox does). Bounded to ~30 s.
async fn send_until_acked(ws: &mut Ws, cid: &ConversationId, text: &str) -> (Seq, usize) {
    let client_id = uuid::Uuid::new_v4();
    let mut refusals = 0;
    for _ in 0..300 {
        let reply = ws
            .request(ClientFrame::Send {
                conversation_id: cid.clone(),
                client_id,
                text: text.into(),
                attachments: Vec::new(),
            })
            .await
            .expect("the connection to the instance stays up");
        match reply {
            ServerFrame::Ack { seq, .. } => return (seq, refusals),
            ServerFrame::Error(e) if e.code == ErrorCode::Unavailable => {
                assert!(e.retry_after_ms.is_some());
                refusals += 1;
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            other => panic!("unexpected reply {other:?}"),
        }
    }
    panic!("{text} was never acknowledged");
}

/// Message texts by seq from a list of events.
fn messages(events: &[Event]) -> BTreeMap<Seq, String> {
    events
        .iter()
        .filter_map(|e| match &e.body {
            EventBody::Message { text, .. } => Some((e.seq, text.clone())),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn clients_of_a_killed_instance_recover_every_acknowledged_message_elsewhere() {
    let mut w = World::start(2, FAST).expect("world");
    let Pair {
        ben,
        direct,
        mut ana_ws,
        mut ben_ws,
        ..
    } = w.ana_and_ben().await.expect("pair");
    let cid = direct.id.clone();

    // Ben keeps what he receives live, until his instance dies under him.
    let reader = tokio::spawn(async move {
        let mut live = Vec::new();
        while let Ok(frame) = ben_ws.recv(Duration::from_secs(20)).await {
            if let ServerFrame::Event { event, .. } = frame.frame {
                live.push(event);
            }
        }
        live
    });

    let mut acked = BTreeMap::new();
    for i in 0..200 {
        if i == 100 {
            w.servers[1].kill9();
        }
        let text = format!("m{i}");
        let (seq, _) = send_until_acked(&mut ana_ws, &cid, &text).await;
        acked.insert(seq, text);
    }
    let live = reader.await.expect("reader");
    let cursor = live.iter().map(|e| e.seq).max().unwrap_or(0);
    assert!(cursor < 201, "ben's instance died before the end");

    // Ben's app reconnects to the surviving instance and syncs from its cursor.
    let mut ben_ws = w.connect(0, &ben).await.expect("ben on A");
    let mut cursors = BTreeMap::from([(cid.clone(), cursor)]);
    let synced = ben_ws.sync_all(&mut cursors).await.expect("sync");
    let mut held = messages(&live);
    let fetched = synced.get(&cid).map(|e| messages(e)).unwrap_or_default();
    for seq in fetched.keys() {
        assert!(!held.contains_key(seq), "seq {seq} delivered twice");
    }
    held.extend(fetched);
    assert_eq!(held, acked, "ben holds exactly the acknowledged messages");
}

#[tokio::test]
async fn a_redis_restart_loses_nothing_and_the_instances_recover_by_themselves() {
    let mut w = World::start(2, FAST).expect("world");
    let Pair {
        direct,
        mut ana_ws,
        mut ben_ws,
        ..
    } = w.ana_and_ben().await.expect("pair");
    let cid = direct.id.clone();

    let mut acked = BTreeMap::new();
    for i in 0..20 {
        let text = format!("before {i}");
        acked.insert(send_until_acked(&mut ana_ws, &cid, &text).await.0, text);
    }

    // Redis dies (SIGKILL: only what was fsynced survives) and comes back a bit later.
    w.redis.kill9();
    let reply = ana_ws
        .request(ClientFrame::Send {
            conversation_id: cid.clone(),
            client_id: uuid::Uuid::new_v4(),
            text: "during".into(),
            attachments: Vec::new(),
        })
        .await
        .expect("the instance answers while Redis is down");
    match reply {
        ServerFrame::Error(e) => assert_eq!(e.code, ErrorCode::Unavailable, "{e:?}"),
        other => panic!("a send cannot succeed without Redis: {other:?}"),
    }
    assert_eq!(w.apis[0].get_text("/readyz").await.expect("readyz").0, 503);
    tokio::time::sleep(Duration::from_millis(500)).await;
    w.redis.restart().expect("redis back");
    for i in 0..20 {
        let text = format!("after {i}");
        acked.insert(send_until_acked(&mut ana_ws, &cid, &text).await.0, text);
    }

    // Ben's instance resubscribed and told him to resync; sync brings everything.
    ben_ws
        .wait_for(WAIT, |f| matches!(f, ServerFrame::Resync { .. }))
        .await
        .expect("ben is told to resync after pub/sub came back");
    let mut cursors = BTreeMap::new();
    let synced = ben_ws.sync_all(&mut cursors).await.expect("sync");
    assert_eq!(
        messages(&synced[&cid]),
        acked,
        "every acknowledged message, once, in order"
    );

    // Live delivery works again on both instances without restarting them.
    let (seq, _) = send_until_acked(&mut ana_ws, &cid, "live again").await;
    ben_ws
        .wait_for(
            WAIT,
            |f| matches!(f, ServerFrame::Event { event, .. } if event.seq == seq),
        )
        .await
        .expect("live event through the resubscribed instance");
    for api in &w.apis {
        assert_eq!(api.get_text("/readyz").await.expect("readyz").0, 200);
    }
}

#[tokio::test]
async fn sigterm_drains_an_instance_with_going_away() {
    let mut w = World::start(1, &[]).expect("world");
    let ana = w.api().new_user("ana").await.expect("user");
    let mut ws = w.connect(0, &ana).await.expect("connect");
    let pid = w.servers[0].pid().expect("pid");
    let stopper = std::thread::spawn(move || {
        let _ = std::process::Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status();
    });
    match ws.wait_closed(WAIT).await.expect("closed") {
        Closed::Code(code) => assert_eq!(code, tidings_shared::CloseCode::GOING_AWAY),
        Closed::Dropped => panic!("expected close 1001"),
    }
    stopper.join().expect("kill");
    assert!(
        w.servers[0].terminate(),
        "the server exits by itself after draining"
    );
}

#[tokio::test]
async fn if_redis_loses_recent_writes_seqs_are_never_reused_and_clients_resync() {
    let w = World::start(2, FAST).expect("world");
    let Pair {
        direct,
        mut ana_ws,
        mut ben_ws,
        ..
    } = w.ana_and_ben().await.expect("pair");
    let cid = direct.id.clone();
    for i in 0..10 {
        send_until_acked(&mut ana_ws, &cid, &format!("m{i}")).await;
    }
    // seqs 2..=11 are acknowledged. Simulate storage that lost its last five writes (as
    // with `appendfsync everysec` and a crash): the counter and log roll back to seq 6.
    let lose_after = |head: u64| {
        let mut conn = w.redis.connection().expect("redis");
        let _: () = redis::cmd("HSET")
            .arg(format!("tidings:conv:{{{cid}}}"))
            .arg("head")
            .arg(head)
            .query(&mut conn)
            .expect("hset");
        for seq in head + 1..=40 {
            let _: i64 = redis::cmd("HDEL")
                .arg(format!("tidings:conv:{{{cid}}}:log"))
                .arg(seq)
                .query(&mut conn)
                .expect("hdel");
        }
    };
    lose_after(6);

    // Instance A remembers seq 11: the next append skips past it instead of reusing 7.
    let (seq, _) = send_until_acked(&mut ana_ws, &cid, "after the loss").await;
    assert_eq!(seq, 12);
    ben_ws
        .wait_for(
            WAIT,
            |f| matches!(f, ServerFrame::Resync { conversation_id: Some(c), .. } if c == &cid),
        )
        .await
        .expect("members are told to resync");

    // Instance B never saw those seqs; a client that holds them tells it through sync.
    lose_after(8);
    let reply = ben_ws
        .request(ClientFrame::Sync {
            cursors: BTreeMap::from([(cid.clone(), 12)]),
            limit: None,
        })
        .await
        .expect("sync");
    assert!(matches!(reply, ServerFrame::Sync { .. }), "{reply:?}");
    let (seq, _) = send_until_acked(&mut ben_ws, &cid, "ben after the loss").await;
    assert_eq!(seq, 13, "seq 9..=12 are never handed out again");
}
