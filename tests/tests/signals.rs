//! Live signals between people on different instances: typing, receipts, presence and
//! per-user settings.

use std::time::Duration;
use tidings_shared::{
    ClientFrame, ConversationId, ConversationSettings, ErrorCode, PresenceState, Seq, ServerFrame,
    UserId,
};
use tidings_tests::{Pair, TestUser, World, Ws, WAIT};

const FAST: &[&str] = &["--message-rate", "100000", "--message-burst", "100000"];

fn is_typing(user: &UserId, typing: bool) -> impl FnMut(&ServerFrame) -> bool + '_ {
    move |f| matches!(f, ServerFrame::Typing { user_id, typing: t, .. } if user_id == user && *t == typing)
}

/// Asserts that no frame matching `pred` arrives within `window`.
async fn assert_silent(ws: &mut Ws, window: Duration, pred: impl FnMut(&ServerFrame) -> bool) {
    if let Ok(frame) = ws.wait_for(window, pred).await {
        panic!("unexpected {frame:?}");
    }
}

/// Sends `delivered` (or `read`, with `read`) up to `seq` and asserts that the `done`
/// reply reports the mark as `expect`.
async fn report_mark(ws: &mut Ws, cid: &ConversationId, read: bool, seq: Seq, expect: Seq) {
    let conversation_id = cid.clone();
    let frame = if read {
        ClientFrame::Read {
            conversation_id,
            seq,
        }
    } else {
        ClientFrame::Delivered {
            conversation_id,
            seq,
        }
    };
    let done = ws.request(frame).await.expect("mark");
    assert!(
        matches!(done, ServerFrame::Done { seq: s, .. } if s == expect),
        "{done:?}"
    );
}

/// A member's (delivered, read) marks in `viewer`'s conversation list, as served by
/// instance `api`.
async fn listed_marks(
    w: &World,
    api: usize,
    viewer: &TestUser,
    cid: &ConversationId,
    member: &UserId,
) -> (Seq, Seq) {
    let list = w.apis[api].conversations(viewer).await.expect("list");
    let summary = list
        .conversations
        .iter()
        .find(|c| &c.id == cid)
        .expect("the conversation is listed");
    let receipt = summary
        .receipts
        .iter()
        .find(|r| &r.user_id == member)
        .expect("the member's receipt");
    (receipt.delivered_seq, receipt.read_seq)
}

#[tokio::test]
async fn typing_reaches_the_other_instance_and_ends_with_stopped_or_a_message() {
    let w = World::start(2, FAST).expect("world");
    let Pair {
        ana,
        direct,
        mut ana_ws,
        mut ben_ws,
        ..
    } = w.ana_and_ben().await.expect("pair");
    let me = &ana.session.user.id;
    let cid = direct.id.clone();
    let typing = |t: bool| ClientFrame::Typing {
        conversation_id: cid.clone(),
        typing: t,
    };

    ana_ws.send(None, typing(true)).await.expect("typing");
    match ben_ws
        .wait_for(WAIT, is_typing(me, true))
        .await
        .expect("ben sees typing")
    {
        ServerFrame::Typing { expires_in_ms, .. } => assert_eq!(expires_in_ms, 6_000),
        other => panic!("{other:?}"),
    }
    ana_ws.send(None, typing(false)).await.expect("stopped");
    ben_ws
        .wait_for(WAIT, is_typing(me, false))
        .await
        .expect("ben sees stopped");

    ana_ws.send(None, typing(true)).await.expect("typing");
    ben_ws
        .wait_for(WAIT, is_typing(me, true))
        .await
        .expect("typing again");
    ana_ws
        .send_message_text(&cid, uuid::Uuid::new_v4(), "done typing")
        .await
        .expect("send");
    ben_ws
        .wait_for(WAIT, is_typing(me, false))
        .await
        .expect("sending ends typing");
}

#[tokio::test]
async fn typing_expires_by_itself_and_is_checked_and_limited() {
    let w = World::start(2, &["--typing-timeout-secs", "1"]).expect("world");
    let Pair {
        ana,
        direct,
        mut ana_ws,
        mut ben_ws,
        ..
    } = w.ana_and_ben().await.expect("pair");
    let me = &ana.session.user.id;
    let typing = ClientFrame::Typing {
        conversation_id: direct.id.clone(),
        typing: true,
    };
    ana_ws.send(None, typing.clone()).await.expect("typing");
    ben_ws
        .wait_for(WAIT, is_typing(me, true))
        .await
        .expect("typing");
    // No "stopped" is ever sent: the server ends it after the timeout.
    ben_ws
        .wait_for(WAIT, is_typing(me, false))
        .await
        .expect("typing expired");

    // Typing in someone else's conversation is refused like any non-member access.
    let eve = w.apis[0].new_user("eve").await.expect("user");
    let mut eve_ws = w.connect(0, &eve).await.expect("connect");
    match eve_ws.request(typing.clone()).await.expect("reply") {
        ServerFrame::Error(e) => assert_eq!(e.code, ErrorCode::NotFound),
        other => panic!("{other:?}"),
    }
    // And it is rate-limited.
    let mut limited = false;
    for _ in 0..30 {
        ana_ws
            .send(Some("t".into()), typing.clone())
            .await
            .expect("typing");
    }
    while let Ok(frame) = ana_ws.recv(Duration::from_millis(500)).await {
        if let ServerFrame::Error(e) = frame.frame {
            assert_eq!(e.code, ErrorCode::RateLimited);
            limited = true;
        }
    }
    assert!(limited, "30 typing frames at once are not all accepted");
}

#[tokio::test]
async fn receipts_turn_a_message_delivered_then_read_and_never_move_back() {
    let w = World::start(2, FAST).expect("world");
    let Pair {
        ana,
        ben,
        direct,
        mut ana_ws,
        mut ben_ws,
    } = w.ana_and_ben().await.expect("pair");
    let cid = direct.id.clone();
    let ben_id = ben.session.user.id.clone();
    let (seq, _) = ana_ws
        .send_message_text(&cid, uuid::Uuid::new_v4(), "hi")
        .await
        .expect("send");

    report_mark(&mut ben_ws, &cid, false, seq, seq).await;
    let receipt = |d: u64, r: u64| {
        let ben_id = ben_id.clone();
        move |f: &ServerFrame| {
            matches!(f, ServerFrame::Receipt { user_id, delivered_seq, read_seq, .. }
                if user_id == &ben_id && *delivered_seq == d && *read_seq == r)
        }
    };
    ana_ws
        .wait_for(WAIT, receipt(seq, 0))
        .await
        .expect("ana sees delivered");

    ben_ws
        .request(ClientFrame::Read {
            conversation_id: cid.clone(),
            seq,
        })
        .await
        .expect("read");
    ana_ws
        .wait_for(WAIT, receipt(seq, seq))
        .await
        .expect("ana sees read");

    // Backwards is a no-op: the marks stay, and nobody is told anything.
    report_mark(&mut ben_ws, &cid, true, 1, seq).await;
    report_mark(&mut ben_ws, &cid, false, 1, seq).await;
    assert_silent(&mut ana_ws, Duration::from_millis(700), |f| {
        matches!(f, ServerFrame::Receipt { .. })
    })
    .await;

    // The summary carries everyone's marks.
    assert_eq!(listed_marks(&w, 0, &ana, &cid, &ben_id).await, (seq, seq));
}

#[tokio::test]
async fn in_a_group_each_message_says_who_has_read_it() {
    let w = World::start(2, FAST).expect("world");
    let ana = w.apis[0].new_user("ana").await.expect("user");
    let ben = w.apis[0].new_user("ben").await.expect("user");
    let cy = w.apis[0].new_user("cy").await.expect("user");
    let (_, group) = w.apis[0]
        .create_conversation(
            &ana,
            &tidings_shared::CreateConversation::Group {
                title: "g".into(),
                members: vec![ben.username.clone(), cy.username.clone()],
            },
        )
        .await
        .expect("group");
    let mut ana_ws = w.connect(0, &ana).await.expect("connect");
    let mut ben_ws = w.connect(1, &ben).await.expect("connect");
    let (s1, _) = ana_ws
        .send_message_text(&group.id, uuid::Uuid::new_v4(), "one")
        .await
        .expect("send");
    let (s2, _) = ana_ws
        .send_message_text(&group.id, uuid::Uuid::new_v4(), "two")
        .await
        .expect("send");
    ben_ws
        .request(ClientFrame::Read {
            conversation_id: group.id.clone(),
            seq: s1,
        })
        .await
        .expect("read");

    let list = w.apis[1].conversations(&ana).await.expect("list");
    let summary = list
        .conversations
        .iter()
        .find(|c| c.id == group.id)
        .expect("group");
    let readers = |seq: u64| -> Vec<UserId> {
        let mut r: Vec<UserId> = summary
            .receipts
            .iter()
            .filter(|r| r.read_seq >= seq && r.user_id != ana.session.user.id)
            .map(|r| r.user_id.clone())
            .collect();
        r.sort();
        r
    };
    assert_eq!(
        readers(s1),
        vec![ben.session.user.id.clone()],
        "ben read the first"
    );
    assert!(readers(s2).is_empty(), "nobody read the second");
    let _ = cy;
}

#[tokio::test]
async fn unread_counts_are_the_same_on_every_device_of_a_user() {
    let w = World::start(2, FAST).expect("world");
    let Pair {
        ben,
        direct,
        mut ana_ws,
        ..
    } = w.ana_and_ben().await.expect("pair");
    let cid = direct.id.clone();
    let mut phone = w.connect(0, &ben).await.expect("ben's second device, on A");
    let mut last = 0;
    for i in 0..3 {
        last = ana_ws
            .send_message_text(&cid, uuid::Uuid::new_v4(), &format!("m{i}"))
            .await
            .expect("send")
            .0;
    }
    for api in &w.apis {
        let list = api.conversations(&ben).await.expect("list");
        assert_eq!(list.conversations[0].unread_count, 3);
    }
    let mut laptop = w.connect(1, &ben).await.expect("ben's laptop, on B");
    laptop
        .request(ClientFrame::Read {
            conversation_id: cid.clone(),
            seq: last,
        })
        .await
        .expect("read");
    // The other device learns the new read mark live...
    let ben_id = ben.session.user.id.clone();
    phone
        .wait_for(WAIT, |f| matches!(f, ServerFrame::Receipt { user_id, read_seq, .. } if user_id == &ben_id && *read_seq == last))
        .await
        .expect("the phone sees the read mark move");
    // ...and every instance reports the same count.
    for api in &w.apis {
        let list = api.conversations(&ben).await.expect("list");
        assert_eq!(
            (
                list.conversations[0].unread_count,
                list.conversations[0].read_seq
            ),
            (0, last)
        );
    }
}

#[tokio::test]
async fn presence_goes_online_away_offline_and_only_to_contacts() {
    let w = World::start(2, FAST).expect("world");
    let ana = w.apis[0].new_user("ana").await.expect("user");
    let ben = w.apis[0].new_user("ben").await.expect("user");
    let stranger = w.apis[0].new_user("cy").await.expect("user");
    w.apis[0].direct(&ana, &ben).await.expect("direct");
    let mut ana_ws = w.connect(0, &ana).await.expect("connect");
    let mut stranger_ws = w.connect(0, &stranger).await.expect("connect");
    let ben_id = ben.session.user.id.clone();
    let presence_of = |state: PresenceState| {
        let ben_id = ben_id.clone();
        move |f: &ServerFrame| matches!(f, ServerFrame::Presence(p) if p.user_id == ben_id && p.state == state)
    };

    let mut ben_ws = w.connect(1, &ben).await.expect("ben on B");
    ana_ws
        .wait_for(WAIT, presence_of(PresenceState::Online))
        .await
        .expect("online");
    match ana_ws
        .request(ClientFrame::PresenceQuery)
        .await
        .expect("query")
    {
        ServerFrame::PresenceList { users } => {
            assert_eq!(users.len(), 1);
            assert_eq!(
                (users[0].user_id.clone(), users[0].state),
                (ben_id.clone(), PresenceState::Online)
            );
        }
        other => panic!("{other:?}"),
    }

    ben_ws
        .request(ClientFrame::Presence {
            state: PresenceState::Away,
        })
        .await
        .expect("away");
    ana_ws
        .wait_for(WAIT, presence_of(PresenceState::Away))
        .await
        .expect("away");
    // Two devices: online while any is active.
    let second = w.connect(0, &ben).await.expect("second device");
    ana_ws
        .wait_for(WAIT, presence_of(PresenceState::Online))
        .await
        .expect("online again");
    second.close().await;
    ana_ws
        .wait_for(WAIT, presence_of(PresenceState::Away))
        .await
        .expect("back to away");
    ben_ws.close().await;
    match ana_ws
        .wait_for(WAIT, presence_of(PresenceState::Offline))
        .await
        .expect("offline")
    {
        ServerFrame::Presence(p) => assert!(p.last_seen.is_some_and(|t| t > 0)),
        other => panic!("{other:?}"),
    }

    // Someone who shares no conversation with Ben heard none of it, and cannot ask.
    assert_silent(&mut stranger_ws, Duration::from_millis(300), |f| {
        matches!(f, ServerFrame::Presence(_))
    })
    .await;
    match stranger_ws
        .request(ClientFrame::PresenceQuery)
        .await
        .expect("query")
    {
        ServerFrame::PresenceList { users } => assert!(users.is_empty(), "{users:?}"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn users_of_a_killed_instance_go_offline_within_the_ttl() {
    let mut w = World::start(2, &["--presence-ttl-secs", "2"]).expect("world");
    // Ben's connection stays open (bound, not dropped) until his instance dies.
    let Pair {
        ben,
        mut ana_ws,
        ben_ws: _ben_ws,
        ..
    } = w.ana_and_ben().await.expect("pair");
    let ben_id = ben.session.user.id.clone();
    ana_ws
        .wait_for(WAIT, |f| matches!(f, ServerFrame::Presence(p) if p.user_id == ben_id && p.state == PresenceState::Online))
        .await
        .expect("ben online");
    w.servers[1].kill9();
    let started = tokio::time::Instant::now();
    ana_ws
        .wait_for(WAIT, |f| matches!(f, ServerFrame::Presence(p) if p.user_id == ben_id && p.state == PresenceState::Offline))
        .await
        .expect("ben offline after his instance died");
    eprintln!("offline {:?} after the kill", started.elapsed());
}

#[tokio::test]
async fn conversation_settings_follow_the_user_to_every_device() {
    let w = World::start(2, FAST).expect("world");
    let Pair {
        ben,
        direct,
        mut ben_ws,
        ..
    } = w.ana_and_ben().await.expect("pair");
    let mut phone = w.connect(0, &ben).await.expect("second device");
    let settings = ConversationSettings {
        muted: true,
        muted_until: Some(4_102_444_800_000),
        archived: true,
    };
    let reply = ben_ws
        .request(ClientFrame::Settings {
            conversation_id: direct.id.clone(),
            settings: settings.clone(),
        })
        .await
        .expect("settings");
    assert!(matches!(reply, ServerFrame::Settings { .. }), "{reply:?}");
    match phone
        .wait_for(WAIT, |f| matches!(f, ServerFrame::Settings { .. }))
        .await
        .expect("synced")
    {
        ServerFrame::Settings {
            conversation_id,
            settings: s,
        } => {
            assert_eq!((conversation_id, s), (direct.id.clone(), settings.clone()));
        }
        other => panic!("{other:?}"),
    }
    let list = w.apis[1].conversations(&ben).await.expect("list");
    assert_eq!(list.conversations[0].settings, settings);
}

#[tokio::test]
async fn an_author_has_delivered_and_read_their_own_message_and_nobody_is_told() {
    let w = World::start(2, FAST).expect("world");
    let Pair {
        ana,
        direct,
        mut ana_ws,
        mut ben_ws,
        ..
    } = w.ana_and_ben().await.expect("pair");
    let cid = direct.id.clone();
    let ana_id = ana.session.user.id.clone();
    let (seq, _) = ana_ws
        .send_message_text(&cid, uuid::Uuid::new_v4(), "hi")
        .await
        .expect("send");

    // Ana's client reports the message stored, as clients do with every event: her
    // marks are already there, so nothing moves and Ben hears nothing.
    report_mark(&mut ana_ws, &cid, false, seq, seq).await;
    assert_silent(&mut ben_ws, Duration::from_millis(700), |f| {
        matches!(f, ServerFrame::Receipt { .. })
    })
    .await;
    assert_eq!(listed_marks(&w, 1, &ana, &cid, &ana_id).await, (seq, seq));
}
