//! Conversations and messages across two server instances sharing one Redis: ordering,
//! exactly-once delivery, retries, edits and deletions, history, sync and the list.

use std::collections::{BTreeMap, HashSet};
use std::time::Duration;
use tidings_shared::{
    ClientFrame, ConversationKind, CreateConversation, ErrorCode, Event, EventBody, ServerFrame,
};
use tidings_tests::{World, Ws, WAIT};

const FAST: &[&str] = &["--message-rate", "100000", "--message-burst", "100000"];

/// Message events received on `ws` until `n` have arrived (bounded by `timeout`).
async fn collect_messages(ws: &mut Ws, n: usize, timeout: Duration) -> Vec<Event> {
    let deadline = tokio::time::Instant::now() + timeout;
    let mut got = Vec::new();
    while got.len() < n {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        let frame = ws
            .recv(left)
            .await
            .unwrap_or_else(|e| panic!("after {} of {n}: {e}", got.len()));
        if let ServerFrame::Event { event, .. } = frame.frame {
            if matches!(event.body, EventBody::Message { .. }) {
                got.push(event);
            }
        }
    }
    got
}

#[tokio::test]
async fn two_users_on_two_instances_exchange_1000_messages_each_way_in_one_order() {
    let w = World::start(2, FAST).expect("world");
    let ana = w.apis[0].new_user("ana").await.expect("user");
    let ben = w.apis[1].new_user("ben").await.expect("user");
    let direct = w.apis[0].direct(&ana, &ben).await.expect("direct");
    let ana_ws = w.connect(0, &ana).await.expect("ana on A");
    let ben_ws = w.connect(1, &ben).await.expect("ben on B");

    const EACH: usize = 1000;
    let chat = |mut ws: Ws, who: &'static str| {
        let cid = direct.id.clone();
        async move {
            let mut acked = Vec::new();
            for i in 0..EACH {
                let (seq, _) = ws
                    .send_message_text(&cid, uuid::Uuid::new_v4(), &format!("{who} {i}"))
                    .await
                    .expect("send");
                acked.push(seq);
            }
            let events = collect_messages(&mut ws, 2 * EACH, Duration::from_secs(60)).await;
            (acked, events)
        }
    };
    let ((ana_acked, ana_events), (ben_acked, ben_events)) =
        tokio::join!(chat(ana_ws, "ana"), chat(ben_ws, "ben"));

    for (who, events) in [("ana", &ana_events), ("ben", &ben_events)] {
        let seqs: Vec<u64> = events.iter().map(|e| e.seq).collect();
        // Exactly once, in seq order, gapless after the `created` event at seq 1.
        let expected: Vec<u64> = (2..2 + 2 * EACH as u64).collect();
        assert_eq!(seqs, expected, "{who} saw a different sequence");
    }
    let texts = |events: &Vec<Event>| -> Vec<String> {
        events
            .iter()
            .map(|e| match &e.body {
                EventBody::Message { text, .. } => text.clone(),
                _ => String::new(),
            })
            .collect()
    };
    assert_eq!(
        texts(&ana_events),
        texts(&ben_events),
        "both sides hold the same order"
    );
    // Each side's own messages appear in the order it sent them.
    for who in ["ana", "ben"] {
        let mine: Vec<String> = texts(&ana_events)
            .into_iter()
            .filter(|t| t.starts_with(who))
            .collect();
        let sent: Vec<String> = (0..EACH).map(|i| format!("{who} {i}")).collect();
        assert_eq!(mine, sent);
    }
    let all_acked: HashSet<u64> = ana_acked.iter().chain(&ben_acked).copied().collect();
    assert_eq!(all_acked.len(), 2 * EACH, "every ack has its own seq");
}

#[tokio::test]
async fn a_send_retried_with_the_same_client_id_is_stored_once() {
    let w = World::start(2, FAST).expect("world");
    let ana = w.apis[0].new_user("ana").await.expect("user");
    let ben = w.apis[0].new_user("ben").await.expect("user");
    let direct = w.apis[0].direct(&ana, &ben).await.expect("direct");

    // The socket drops right after the send, before any ack could be read.
    let client_id = uuid::Uuid::new_v4();
    let mut ws = w.connect(0, &ana).await.expect("connect");
    ws.send(
        None,
        ClientFrame::Send {
            conversation_id: direct.id.clone(),
            client_id,
            text: "once".into(),
            attachments: Vec::new(),
        },
    )
    .await
    .expect("send");
    drop(ws);

    // The app retries on another instance, twice.
    let mut ws = w.connect(1, &ana).await.expect("reconnect");
    let (seq1, ts1) = ws
        .send_message_text(&direct.id, client_id, "once")
        .await
        .expect("retry");
    let (seq2, ts2) = ws
        .send_message_text(&direct.id, client_id, "once")
        .await
        .expect("retry");
    assert_eq!(
        (seq1, ts1),
        (seq2, ts2),
        "a retry returns the original seq and time"
    );

    let mut cursors = BTreeMap::new();
    let log = ws.sync_all(&mut cursors).await.expect("sync");
    let copies = log[&direct.id]
        .iter()
        .filter(|e| matches!(&e.body, EventBody::Message { client_id: c, .. } if *c == client_id))
        .count();
    assert_eq!(copies, 1);
    assert_eq!(cursors[&direct.id], seq1, "nothing after the one message");
}

#[tokio::test]
async fn edits_and_deletions_reach_everyone_and_history_shows_the_current_state() {
    let w = World::start(2, FAST).expect("world");
    let ana = w.apis[0].new_user("ana").await.expect("user");
    let ben = w.apis[1].new_user("ben").await.expect("user");
    let direct = w.apis[0].direct(&ana, &ben).await.expect("direct");
    let mut ana_ws = w.connect(0, &ana).await.expect("connect");
    let mut ben_ws = w.connect(1, &ben).await.expect("connect");
    let cid = direct.id.clone();

    let (seq, _) = ana_ws
        .send_message_text(&cid, uuid::Uuid::new_v4(), "helo")
        .await
        .expect("send");
    let reply = ana_ws
        .request(ClientFrame::Edit {
            conversation_id: cid.clone(),
            seq,
            text: "hello".into(),
        })
        .await
        .expect("edit");
    assert!(matches!(reply, ServerFrame::Done { .. }), "{reply:?}");
    let edit = ben_ws
        .wait_for(WAIT, |f| matches!(f, ServerFrame::Event { event, .. } if matches!(event.body, EventBody::Edit { .. })))
        .await
        .expect("ben sees the edit");
    let ServerFrame::Event { event, .. } = edit else {
        unreachable!()
    };
    assert_eq!(
        event.body,
        EventBody::Edit {
            target: seq,
            text: "hello".into()
        }
    );

    // Ben may not edit or delete Ana's message.
    for frame in [
        ClientFrame::Edit {
            conversation_id: cid.clone(),
            seq,
            text: "mine now".into(),
        },
        ClientFrame::Delete {
            conversation_id: cid.clone(),
            seq,
        },
    ] {
        match ben_ws.request(frame).await.expect("reply") {
            ServerFrame::Error(e) => assert_eq!(e.code, ErrorCode::NotAuthor),
            other => panic!("{other:?}"),
        }
    }

    let events = ben_ws.latest_history(&cid).await.expect("history");
    match &events.iter().find(|e| e.seq == seq).expect("message").body {
        EventBody::Message {
            text,
            edited_at,
            deleted,
            ..
        } => {
            assert_eq!(text, "hello");
            assert!(edited_at.is_some());
            assert!(!deleted);
        }
        other => panic!("{other:?}"),
    }

    ana_ws
        .request(ClientFrame::Delete {
            conversation_id: cid.clone(),
            seq,
        })
        .await
        .expect("delete");
    ben_ws
        .wait_for(WAIT, |f| matches!(f, ServerFrame::Event { event, .. } if event.body == EventBody::Delete { target: seq }))
        .await
        .expect("ben sees the deletion");
    let events = ben_ws.latest_history(&cid).await.expect("history");
    match &events
        .iter()
        .find(|e| e.seq == seq)
        .expect("tombstone")
        .body
    {
        EventBody::Message { text, deleted, .. } => {
            assert!(deleted);
            assert!(text.is_empty(), "the text is erased, not hidden");
        }
        other => panic!("{other:?}"),
    }
    match ana_ws
        .request(ClientFrame::Edit {
            conversation_id: cid.clone(),
            seq,
            text: "back".into(),
        })
        .await
    {
        Ok(ServerFrame::Error(e)) => assert_eq!(e.code, ErrorCode::MessageDeleted),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn history_pages_backwards_and_forwards_by_seq() {
    let w = World::start(1, FAST).expect("world");
    let ana = w.api().new_user("ana").await.expect("user");
    let ben = w.api().new_user("ben").await.expect("user");
    let direct = w.api().direct(&ana, &ben).await.expect("direct");
    let mut ws = w.connect(0, &ana).await.expect("connect");
    for i in 0..30 {
        ws.send_message_text(&direct.id, uuid::Uuid::new_v4(), &format!("m{i}"))
            .await
            .expect("send");
    }
    let page = |before: Option<u64>, after: Option<u64>, limit: u32| ClientFrame::History {
        conversation_id: direct.id.clone(),
        before,
        after,
        limit: Some(limit),
    };
    let seqs = |frame: ServerFrame| match frame {
        ServerFrame::History { events, head, .. } => {
            (events.iter().map(|e| e.seq).collect::<Vec<_>>(), head)
        }
        other => panic!("{other:?}"),
    };
    // Newest page first, then older pages as the user scrolls up.
    assert_eq!(
        seqs(ws.request(page(None, None, 10)).await.expect("page")),
        ((22..=31).collect(), 31)
    );
    assert_eq!(
        seqs(ws.request(page(Some(22), None, 10)).await.expect("page")).0,
        (12..=21).collect::<Vec<_>>()
    );
    assert_eq!(
        seqs(ws.request(page(Some(5), None, 10)).await.expect("page")).0,
        (1..=4).collect::<Vec<_>>()
    );
    assert_eq!(
        seqs(ws.request(page(None, Some(25), 10)).await.expect("page")).0,
        (26..=31).collect::<Vec<_>>()
    );
    assert_eq!(
        seqs(ws.request(page(None, Some(31), 10)).await.expect("page")).0,
        Vec::<u64>::new()
    );
}

#[tokio::test]
async fn sync_returns_everything_since_the_cursors_in_pages() {
    let w = World::start(2, FAST).expect("world");
    let ana = w.apis[0].new_user("ana").await.expect("user");
    let ben = w.apis[0].new_user("ben").await.expect("user");
    let cy = w.apis[0].new_user("cy").await.expect("user");
    let d1 = w.apis[0].direct(&ana, &ben).await.expect("direct");
    let d2 = w.apis[0].direct(&ana, &cy).await.expect("direct");
    let mut ws = w.connect(0, &ana).await.expect("connect");
    for i in 0..700 {
        let cid = if i % 2 == 0 { &d1.id } else { &d2.id };
        ws.send_message_text(cid, uuid::Uuid::new_v4(), &format!("m{i}"))
            .await
            .expect("send");
    }
    // Ben's device has d1 up to seq 100 and never heard of d2 (not his anyway).
    let mut ben_ws = w.connect(1, &ben).await.expect("connect");
    let mut cursors = BTreeMap::from([(d1.id.clone(), 100)]);
    let got = ben_ws.sync_all(&mut cursors).await.expect("sync");
    assert_eq!(
        got.keys().collect::<Vec<_>>(),
        vec![&d1.id],
        "only his conversations"
    );
    let seqs: Vec<u64> = got[&d1.id].iter().map(|e| e.seq).collect();
    assert_eq!(seqs, (101..=351).collect::<Vec<_>>());

    // Ana from scratch: more than one page (default 500 events) across both.
    let mut cursors = BTreeMap::new();
    let mut pages = 0;
    let mut all: BTreeMap<_, Vec<u64>> = BTreeMap::new();
    loop {
        pages += 1;
        let reply = ws
            .request(ClientFrame::Sync {
                cursors: cursors.clone(),
                limit: None,
            })
            .await
            .expect("sync");
        let ServerFrame::Sync {
            conversations,
            more,
        } = reply
        else {
            panic!("{reply:?}")
        };
        for c in conversations {
            cursors.insert(c.conversation.id.clone(), c.through);
            all.entry(c.conversation.id.clone())
                .or_default()
                .extend(c.events.iter().map(|e| e.seq));
        }
        if !more {
            break;
        }
        assert!(pages < 10, "sync does not converge");
    }
    assert!(pages >= 2, "702 events need two pages");
    assert_eq!(all[&d1.id], (1..=351).collect::<Vec<_>>());
    assert_eq!(all[&d2.id], (1..=351).collect::<Vec<_>>());
}

#[tokio::test]
async fn conversations_are_created_listed_and_announced() {
    let w = World::start(2, FAST).expect("world");
    let ana = w.apis[0].new_user("ana").await.expect("user");
    let ben = w.apis[0].new_user("ben").await.expect("user");
    let cy = w.apis[0].new_user("cy").await.expect("user");
    let mut ben_ws = w.connect(1, &ben).await.expect("ben on B");

    // Direct: one per pair, whoever asks and however often.
    let (status, direct) = w.apis[0]
        .create_conversation(
            &ana,
            &CreateConversation::Direct {
                username: ben.username.to_uppercase(),
            },
        )
        .await
        .expect("create");
    assert_eq!(status, 201);
    assert_eq!(direct.kind, ConversationKind::Direct);
    assert_eq!(direct.members.len(), 2);
    let (status, again) = w.apis[1]
        .create_conversation(
            &ben,
            &CreateConversation::Direct {
                username: ana.username.clone(),
            },
        )
        .await
        .expect("again");
    assert_eq!((status.as_u16(), &again.id), (200, &direct.id));

    // Ben, connected to the other instance, is told at once and then gets its events.
    let announced = ben_ws
        .wait_for(WAIT, |f| matches!(f, ServerFrame::Conversation { .. }))
        .await
        .expect("announced");
    let ServerFrame::Conversation { conversation } = announced else {
        unreachable!()
    };
    assert_eq!(conversation.id, direct.id);

    // A group: title, creator as owner, members.
    let (_, group) = w.apis[0]
        .create_conversation(
            &ana,
            &CreateConversation::Group {
                title: " Trip ".into(),
                members: vec![ben.username.clone(), cy.username.clone()],
            },
        )
        .await
        .expect("group");
    assert_eq!(group.title.as_deref(), Some("Trip"));
    assert_eq!(group.created_by, ana.session.user.id);
    assert_eq!(group.members.len(), 3);
    ben_ws
        .wait_for(WAIT, |f| matches!(f, ServerFrame::Conversation { conversation } if conversation.id == group.id))
        .await
        .expect("group announced");

    // Messages in the new group reach Ben on instance B live.
    let mut ana_ws = w.connect(0, &ana).await.expect("ana on A");
    ana_ws
        .send_message_text(&group.id, uuid::Uuid::new_v4(), "who's in?")
        .await
        .expect("send");
    ben_ws
        .wait_for(WAIT, |f| matches!(f, ServerFrame::Event { conversation_id, .. } if conversation_id == &group.id))
        .await
        .expect("live event in the new group");
    // Then activity in the direct chat makes it the most recent.
    ana_ws
        .send_message_text(&direct.id, uuid::Uuid::new_v4(), "one")
        .await
        .expect("send");
    let (s2, _) = ana_ws
        .send_message_text(&direct.id, uuid::Uuid::new_v4(), "two")
        .await
        .expect("send");

    let list = w.apis[1].conversations(&ben).await.expect("list");
    let ids: Vec<_> = list.conversations.iter().map(|c| c.id.clone()).collect();
    assert_eq!(
        ids,
        vec![direct.id.clone(), group.id.clone()],
        "most recent first"
    );
    let d = &list.conversations[0];
    assert_eq!(d.unread_count, 2);
    match &d.last_message.as_ref().expect("last message").body {
        EventBody::Message { text, .. } => assert_eq!(text, "two"),
        other => panic!("{other:?}"),
    }
    assert_eq!(list.conversations[1].unread_count, 1);
    // Ana's own messages are never unread for her.
    let ana_list = w.apis[0].conversations(&ana).await.expect("list");
    assert!(ana_list.conversations.iter().all(|c| c.unread_count == 0));

    // Reading moves the mark; it never moves back.
    let done = ben_ws
        .request(ClientFrame::Read {
            conversation_id: direct.id.clone(),
            seq: s2,
        })
        .await
        .expect("read");
    assert!(
        matches!(done, ServerFrame::Done { seq, .. } if seq == s2),
        "{done:?}"
    );
    ben_ws
        .request(ClientFrame::Read {
            conversation_id: direct.id.clone(),
            seq: 1,
        })
        .await
        .expect("read");
    let list = w.apis[1].conversations(&ben).await.expect("list");
    let d = list
        .conversations
        .iter()
        .find(|c| c.id == direct.id)
        .expect("direct");
    assert_eq!((d.unread_count, d.read_seq), (0, s2));

    // Errors: unknown username, a direct chat with oneself, an empty title.
    for req in [
        CreateConversation::Direct {
            username: "nobody-here".into(),
        },
        CreateConversation::Direct {
            username: ana.username.clone(),
        },
        CreateConversation::Group {
            title: "  ".into(),
            members: vec![],
        },
    ] {
        let (status, body) = w.apis[0]
            .call(
                reqwest::Method::POST,
                "/v1/conversations",
                Some(ana.token()),
                Some(&req),
            )
            .await
            .expect("call");
        let code = tidings_tests::api::error_body(&body).expect("typed").code;
        assert!(
            matches!(
                (status.as_u16(), code),
                (404, ErrorCode::UserNotFound) | (400, ErrorCode::InvalidConversation)
            ),
            "{req:?}: {status} {body}"
        );
    }
    ana_ws.close().await;
}

/// Regression: a sync from someone with no conversations asked Redis an empty pipeline
/// and answered `internal`.
#[tokio::test]
async fn a_user_without_conversations_syncs_to_nothing() {
    let w = World::start(1, &[]).expect("world");
    let loner = w.api().new_user("loner").await.expect("user");
    let mut ws = w.connect(0, &loner).await.expect("connect");
    let reply = ws
        .request(ClientFrame::Sync {
            cursors: BTreeMap::new(),
            limit: None,
        })
        .await
        .expect("sync");
    assert_eq!(
        reply,
        ServerFrame::Sync {
            conversations: vec![],
            more: false
        }
    );
}

/// Sends from many connections at once share the server's append calls (a group commit);
/// each sender still gets the ack for its own message, exactly once, and the log holds
/// every message at the seq its ack named.
#[tokio::test]
async fn concurrent_sends_from_many_members_each_get_the_ack_for_their_own_message() {
    const MEMBERS: usize = 12;
    const EACH: usize = 25;
    let w = World::start(1, FAST).expect("world");
    let api = w.api();
    let mut users = Vec::new();
    for _ in 0..MEMBERS {
        users.push(api.new_user("burst").await.expect("user"));
    }
    let (_, group) = api
        .create_conversation(
            &users[0],
            &CreateConversation::Group {
                title: "Burst".into(),
                members: users[1..].iter().map(|u| u.username.clone()).collect(),
            },
        )
        .await
        .expect("group");
    let outsider = api.new_user("outsider").await.expect("user");
    let mut sockets = Vec::new();
    for user in users.iter().chain([&outsider]) {
        sockets.push(w.connect(0, user).await.expect("connect"));
    }

    // Every member fires all its sends without waiting, then repeats its first client id
    // (a retry); the outsider's sends are refused. Replies are matched by request id.
    let burst = |mut ws: Ws, who: usize| {
        let cid = group.id.clone();
        async move {
            let client_ids: Vec<uuid::Uuid> = (0..EACH).map(|_| uuid::Uuid::new_v4()).collect();
            let mut sent = BTreeMap::new();
            for (i, client_id) in client_ids.iter().chain([&client_ids[0]]).enumerate() {
                let id = format!("{who}-{i}");
                let frame = ClientFrame::Send {
                    conversation_id: cid.clone(),
                    client_id: *client_id,
                    text: format!("{who} {i}"),
                    attachments: Vec::new(),
                };
                ws.send(Some(id.clone()), frame).await.expect("send");
                sent.insert(id, *client_id);
            }
            let mut replies = BTreeMap::new();
            while replies.len() < sent.len() {
                let envelope = ws.recv(WAIT).await.expect("reply");
                if let Some(id) = envelope.id.filter(|id| sent.contains_key(id)) {
                    replies.insert(id, envelope.frame);
                }
            }
            (ws, sent, replies)
        }
    };
    let runs = sockets
        .into_iter()
        .enumerate()
        .map(|(who, ws)| burst(ws, who));
    let results = futures_util::future::join_all(runs).await;

    let mut acked_seqs = HashSet::new();
    let mut seq_of_client_id = BTreeMap::new();
    for (who, (_, sent, replies)) in results.iter().enumerate() {
        for (id, client_id) in sent {
            match (&replies[id], who == MEMBERS) {
                (
                    ServerFrame::Ack {
                        client_id: c, seq, ..
                    },
                    false,
                ) => {
                    assert_eq!(c, client_id, "reply {id} acks another message");
                    let first = *seq_of_client_id.entry(*client_id).or_insert(*seq);
                    assert_eq!(first, *seq, "a retry got a different seq");
                    acked_seqs.insert(*seq);
                }
                (ServerFrame::Error(body), true) => {
                    assert_eq!(body.code, ErrorCode::NotFound, "outsider's send {id}");
                }
                (other, _) => panic!("reply {id}: {other:?}"),
            }
        }
    }
    let expected: HashSet<u64> = (2..2 + (MEMBERS * EACH) as u64).collect();
    assert_eq!(
        acked_seqs, expected,
        "one seq per message, gapless after `created`"
    );

    // The log holds each message at the seq its ack named.
    let (mut ws, _, _) = results.into_iter().next().expect("first member");
    let mut cursors = BTreeMap::new();
    let log = ws.sync_all(&mut cursors).await.expect("sync");
    let stored: BTreeMap<u64, uuid::Uuid> = log[&group.id]
        .iter()
        .filter_map(|e| match &e.body {
            EventBody::Message { client_id, .. } => Some((e.seq, *client_id)),
            _ => None,
        })
        .collect();
    let acked: BTreeMap<u64, uuid::Uuid> = seq_of_client_id.iter().map(|(c, s)| (*s, *c)).collect();
    assert_eq!(stored, acked, "the log and the acks agree");

    // The burst was grouped: fewer script calls than appends.
    let appends = api.metric("tidings_appends_total").await.expect("metric");
    let calls = api
        .metric("tidings_append_calls_total")
        .await
        .expect("metric");
    assert!(calls > 0.0, "no append calls counted");
    assert!(
        appends / calls >= 1.5,
        "{appends} appends in {calls} calls: appends were not grouped"
    );
    // Every call was timed, and every append's wait for its call.
    let timed_calls = api
        .metric("tidings_append_call_seconds_count")
        .await
        .expect("metric");
    let timed_waits = api
        .metric("tidings_append_wait_seconds_count")
        .await
        .expect("metric");
    assert_eq!(timed_calls, calls, "calls timed");
    assert_eq!(timed_waits, appends, "appends' waits timed");
}
