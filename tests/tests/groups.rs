//! Reactions and group management across instances: roles, membership changes as
//! system events in the log, and what a removed member can no longer see.

use std::time::Duration;
use tidings_shared::{
    ClientFrame, ConversationId, ConversationSummary, CreateConversation, ErrorCode, EventBody,
    Role, ServerFrame, UserId,
};
use tidings_tests::{TestUser, World, Ws, WAIT};

const FAST: &[&str] = &["--message-rate", "100000", "--message-burst", "100000"];

/// Ana's group with Ben and Cy; Ana on instance A, Ben and Cy on B.
struct Group {
    w: World,
    ana: TestUser,
    ben: TestUser,
    cy: TestUser,
    group: ConversationSummary,
    ana_ws: Ws,
    ben_ws: Ws,
    cy_ws: Ws,
}

async fn group() -> Group {
    let w = World::start(2, FAST).expect("world");
    let ana = w.apis[0].new_user("ana").await.expect("user");
    let ben = w.apis[0].new_user("ben").await.expect("user");
    let cy = w.apis[0].new_user("cy").await.expect("user");
    let (_, group) = w.apis[0]
        .create_conversation(
            &ana,
            &CreateConversation::Group {
                title: "Trip".into(),
                members: vec![ben.username.clone(), cy.username.clone()],
            },
        )
        .await
        .expect("group");
    let ana_ws = w.connect(0, &ana).await.expect("connect");
    let ben_ws = w.connect(1, &ben).await.expect("connect");
    let cy_ws = w.connect(1, &cy).await.expect("connect");
    Group {
        w,
        ana,
        ben,
        cy,
        group,
        ana_ws,
        ben_ws,
        cy_ws,
    }
}

fn id(user: &TestUser) -> UserId {
    user.session.user.id.clone()
}

async fn expect_error(ws: &mut Ws, frame: ClientFrame, code: ErrorCode) {
    match ws.request(frame.clone()).await.expect("reply") {
        ServerFrame::Error(e) => assert_eq!(e.code, code, "{frame:?}: {e:?}"),
        other => panic!("{frame:?} should fail with {code:?}, got {other:?}"),
    }
}

async fn expect_done(ws: &mut Ws, frame: ClientFrame) -> u64 {
    match ws.request(frame.clone()).await.expect("reply") {
        ServerFrame::Done { seq, .. } => seq,
        other => panic!("{frame:?} got {other:?}"),
    }
}

/// Waits for the log event with this body on `ws`.
async fn expect_event(ws: &mut Ws, body: &EventBody) -> u64 {
    match ws
        .wait_for(
            WAIT,
            |f| matches!(f, ServerFrame::Event { event, .. } if &event.body == body),
        )
        .await
        .unwrap_or_else(|e| panic!("waiting for {body:?}: {e}"))
    {
        ServerFrame::Event { event, .. } => event.seq,
        _ => unreachable!(),
    }
}

/// Reactions on message `seq` as history shows them: (emoji, who) in order.
async fn reactions_on(ws: &mut Ws, cid: &ConversationId, seq: u64) -> Vec<(String, Vec<UserId>)> {
    let events = ws.latest_history(cid).await.expect("history");
    match &events.iter().find(|e| e.seq == seq).expect("message").body {
        EventBody::Message { reactions, .. } => reactions
            .iter()
            .map(|r| (r.emoji.clone(), r.users.clone()))
            .collect(),
        other => panic!("{other:?}"),
    }
}

async fn summary(w: &World, user: &TestUser, cid: &ConversationId) -> ConversationSummary {
    w.apis[1]
        .conversations(user)
        .await
        .expect("list")
        .conversations
        .into_iter()
        .find(|c| &c.id == cid)
        .expect("listed")
}

#[tokio::test]
async fn reactions_converge_with_counts_and_who_reacted() {
    let mut g = group().await;
    let cid = g.group.id.clone();
    let (seq, _) = g
        .ana_ws
        .send_message_text(&cid, uuid::Uuid::new_v4(), "pizza?")
        .await
        .expect("send");
    let react = |emoji: &str, add: bool| ClientFrame::React {
        conversation_id: cid.clone(),
        seq,
        emoji: emoji.into(),
        add,
    };

    expect_done(&mut g.ben_ws, react("👍", true)).await;
    let thumbs = |added| EventBody::Reaction {
        target: seq,
        emoji: "👍".into(),
        added,
    };
    expect_event(&mut g.ana_ws, &thumbs(true)).await;
    expect_done(&mut g.ana_ws, react("👍", true)).await;
    expect_done(&mut g.cy_ws, react("🍕", true)).await;
    // Reacting twice changes nothing.
    expect_done(&mut g.ben_ws, react("👍", true)).await;

    let expected = vec![
        ("👍".to_string(), vec![id(&g.ben), id(&g.ana)]),
        ("🍕".to_string(), vec![id(&g.cy)]),
    ];
    assert_eq!(reactions_on(&mut g.ana_ws, &cid, seq).await, expected);
    assert_eq!(
        reactions_on(&mut g.cy_ws, &cid, seq).await,
        expected,
        "the same on every client"
    );

    expect_done(&mut g.ben_ws, react("👍", false)).await;
    expect_event(&mut g.cy_ws, &thumbs(false)).await;
    assert_eq!(
        reactions_on(&mut g.cy_ws, &cid, seq).await,
        vec![
            ("👍".to_string(), vec![id(&g.ana)]),
            ("🍕".to_string(), vec![id(&g.cy)])
        ]
    );

    // Not an emoji; too many different ones; not a member.
    expect_error(&mut g.ben_ws, react("lol", true), ErrorCode::InvalidEmoji).await;
    expect_error(&mut g.ben_ws, react("👍👍", true), ErrorCode::InvalidEmoji).await;
    let many = [
        "😀", "😂", "😍", "😎", "🤔", "😢", "😡", "👏", "🙏", "🔥", "🎉", "❤️", "💯", "👀", "🚀",
        "✅", "🌮", "🍔",
    ];
    for emoji in many {
        expect_done(&mut g.ben_ws, react(emoji, true)).await;
    }
    expect_error(
        &mut g.ben_ws,
        react("🥑", true),
        ErrorCode::TooManyReactions,
    )
    .await;
    let eve = g.w.apis[0].new_user("eve").await.expect("user");
    let mut eve_ws = g.w.connect(0, &eve).await.expect("connect");
    expect_error(&mut eve_ws, react("👍", true), ErrorCode::NotFound).await;
}

#[tokio::test]
async fn group_changes_are_system_events_in_order_with_the_messages() {
    let mut g = group().await;
    let cid = g.group.id.clone();
    assert_eq!(
        g.group
            .members
            .iter()
            .map(|m| (m.user.id.clone(), m.role))
            .collect::<std::collections::HashMap<_, _>>(),
        [
            (id(&g.ana), Role::Owner),
            (id(&g.ben), Role::Member),
            (id(&g.cy), Role::Member)
        ]
        .into_iter()
        .collect(),
    );

    let rename = expect_done(
        &mut g.ana_ws,
        ClientFrame::Rename {
            conversation_id: cid.clone(),
            title: "Road trip".into(),
        },
    )
    .await;
    assert_eq!(
        expect_event(
            &mut g.ben_ws,
            &EventBody::Renamed {
                title: "Road trip".into()
            }
        )
        .await,
        rename
    );

    let dee = g.w.apis[0].new_user("dee").await.expect("user");
    let mut dee_ws = g.w.connect(1, &dee).await.expect("connect");
    expect_done(
        &mut g.ana_ws,
        ClientFrame::AddMembers {
            conversation_id: cid.clone(),
            usernames: vec![dee.username.clone()],
        },
    )
    .await;
    expect_event(
        &mut g.cy_ws,
        &EventBody::MembersAdded {
            users: vec![id(&dee)],
        },
    )
    .await;
    dee_ws
        .wait_for(
            WAIT,
            |f| matches!(f, ServerFrame::Conversation { conversation } if conversation.id == cid),
        )
        .await
        .expect("dee is told about the group");
    // Dee receives the group's new messages live from now on.
    let (hello, _) = g
        .ana_ws
        .send_message_text(&cid, uuid::Uuid::new_v4(), "welcome dee")
        .await
        .expect("send");
    dee_ws
        .wait_for(
            WAIT,
            |f| matches!(f, ServerFrame::Event { event, .. } if event.seq == hello),
        )
        .await
        .expect("live in the new group");

    expect_done(
        &mut g.ana_ws,
        ClientFrame::SetRole {
            conversation_id: cid.clone(),
            user_id: id(&g.ben),
            role: Role::Admin,
        },
    )
    .await;
    expect_event(
        &mut g.cy_ws,
        &EventBody::RoleChanged {
            user: id(&g.ben),
            role: Role::Admin,
        },
    )
    .await;

    // The admin removes a member; the log reads in one order for everyone.
    let removal = expect_done(
        &mut g.ben_ws,
        ClientFrame::RemoveMember {
            conversation_id: cid.clone(),
            user_id: id(&dee),
        },
    )
    .await;
    expect_event(&mut g.ana_ws, &EventBody::MemberRemoved { user: id(&dee) }).await;
    let log = g.ana_ws.latest_history(&cid).await.expect("history");
    let kinds: Vec<&str> = log
        .iter()
        .map(|e| match e.body {
            EventBody::Created { .. } => "created",
            EventBody::Renamed { .. } => "renamed",
            EventBody::MembersAdded { .. } => "added",
            EventBody::Message { .. } => "message",
            EventBody::RoleChanged { .. } => "role",
            EventBody::MemberRemoved { .. } => "removed",
            _ => "other",
        })
        .collect();
    assert_eq!(
        kinds,
        vec!["created", "renamed", "added", "message", "role", "removed"]
    );
    let list = summary(&g.w, &g.ana, &cid).await;
    assert_eq!(list.title.as_deref(), Some("Road trip"));
    assert!(list.members.iter().all(|m| m.user.id != id(&dee)));
    assert_eq!(
        list.members
            .iter()
            .find(|m| m.user.id == id(&g.ben))
            .map(|m| m.role),
        Some(Role::Admin)
    );

    // Dee got the event that removed him, then the notice, then nothing more.
    dee_ws
        .wait_for(
            WAIT,
            |f| matches!(f, ServerFrame::Event { event, .. } if event.seq == removal),
        )
        .await
        .expect("dee sees his removal");
    dee_ws
        .wait_for(
            WAIT,
            |f| matches!(f, ServerFrame::Removed { through, .. } if *through == removal),
        )
        .await
        .expect("and is told he is out");
    let (after, _) = g
        .ana_ws
        .send_message_text(&cid, uuid::Uuid::new_v4(), "after dee left")
        .await
        .expect("send");
    g.cy_ws
        .wait_for(
            WAIT,
            |f| matches!(f, ServerFrame::Event { event, .. } if event.seq == after),
        )
        .await
        .expect("members still get messages");
    if let Ok(frame) = dee_ws
        .wait_for(Duration::from_millis(500), |f| {
            matches!(f, ServerFrame::Event { .. })
        })
        .await
    {
        panic!("a removed member received {frame:?}");
    }
    // He keeps history up to his removal and sees nothing written after it.
    let history = dee_ws.latest_history(&cid).await.expect("history");
    assert_eq!(history.last().map(|e| e.seq), Some(removal));
    let mut cursors = std::collections::BTreeMap::new();
    let synced = dee_ws.sync_all(&mut cursors).await.expect("sync");
    assert_eq!(synced[&cid].last().map(|e| e.seq), Some(removal));
    assert_eq!(summary(&g.w, &dee, &cid).await.removed_at, Some(removal));
    // Regression: a removed member who reconnects must not be routed the group again.
    dee_ws.close().await;
    let mut dee_ws = g.w.connect(0, &dee).await.expect("reconnect");
    let (later, _) = g
        .ana_ws
        .send_message_text(&cid, uuid::Uuid::new_v4(), "still private")
        .await
        .expect("send");
    g.cy_ws
        .wait_for(
            WAIT,
            |f| matches!(f, ServerFrame::Event { event, .. } if event.seq == later),
        )
        .await
        .expect("members get it");
    if let Ok(frame) = dee_ws
        .wait_for(Duration::from_millis(500), |f| {
            matches!(f, ServerFrame::Event { .. })
        })
        .await
    {
        panic!("a removed member received {frame:?} after reconnecting");
    }
    // Nor does he see the presence of people he shared only that group with.
    match dee_ws
        .request(ClientFrame::PresenceQuery)
        .await
        .expect("query")
    {
        ServerFrame::PresenceList { users } => assert!(users.is_empty(), "{users:?}"),
        other => panic!("{other:?}"),
    }
    expect_error(
        &mut dee_ws,
        ClientFrame::Send {
            conversation_id: cid.clone(),
            client_id: uuid::Uuid::new_v4(),
            text: "let me back".into(),
            attachments: Vec::new(),
        },
        ErrorCode::NotFound,
    )
    .await;
}

#[tokio::test]
async fn roles_decide_who_may_manage_the_group() {
    let mut g = group().await;
    let cid = g.group.id.clone();
    expect_done(
        &mut g.ana_ws,
        ClientFrame::SetRole {
            conversation_id: cid.clone(),
            user_id: id(&g.ben),
            role: Role::Admin,
        },
    )
    .await;

    // A member cannot remove an admin, rename, add, or change roles.
    expect_error(
        &mut g.cy_ws,
        ClientFrame::RemoveMember {
            conversation_id: cid.clone(),
            user_id: id(&g.ben),
        },
        ErrorCode::Forbidden,
    )
    .await;
    expect_error(
        &mut g.cy_ws,
        ClientFrame::Rename {
            conversation_id: cid.clone(),
            title: "mine".into(),
        },
        ErrorCode::Forbidden,
    )
    .await;
    expect_error(
        &mut g.cy_ws,
        ClientFrame::AddMembers {
            conversation_id: cid.clone(),
            usernames: vec![g.ana.username.clone()],
        },
        ErrorCode::Forbidden,
    )
    .await;
    expect_error(
        &mut g.cy_ws,
        ClientFrame::SetRole {
            conversation_id: cid.clone(),
            user_id: id(&g.cy),
            role: Role::Admin,
        },
        ErrorCode::Forbidden,
    )
    .await;
    // An admin cannot change roles, transfer ownership or remove the owner.
    expect_error(
        &mut g.ben_ws,
        ClientFrame::SetRole {
            conversation_id: cid.clone(),
            user_id: id(&g.cy),
            role: Role::Admin,
        },
        ErrorCode::Forbidden,
    )
    .await;
    expect_error(
        &mut g.ben_ws,
        ClientFrame::TransferOwnership {
            conversation_id: cid.clone(),
            user_id: id(&g.ben),
        },
        ErrorCode::Forbidden,
    )
    .await;
    expect_error(
        &mut g.ben_ws,
        ClientFrame::RemoveMember {
            conversation_id: cid.clone(),
            user_id: id(&g.ana),
        },
        ErrorCode::Forbidden,
    )
    .await;
    // Naming someone outside the group.
    let eve = g.w.apis[0].new_user("eve").await.expect("user");
    expect_error(
        &mut g.ben_ws,
        ClientFrame::RemoveMember {
            conversation_id: cid.clone(),
            user_id: id(&eve),
        },
        ErrorCode::NotAMember,
    )
    .await;
    // An outsider gets the not-found answer for anything.
    let mut eve_ws = g.w.connect(0, &eve).await.expect("connect");
    expect_error(
        &mut eve_ws,
        ClientFrame::Rename {
            conversation_id: cid.clone(),
            title: "x".into(),
        },
        ErrorCode::NotFound,
    )
    .await;
    expect_error(
        &mut eve_ws,
        ClientFrame::Leave {
            conversation_id: cid.clone(),
        },
        ErrorCode::NotFound,
    )
    .await;
    // Direct conversations have nothing to manage.
    let direct = g.w.apis[0].direct(&g.ana, &g.ben).await.expect("direct");
    expect_error(
        &mut g.ana_ws,
        ClientFrame::Rename {
            conversation_id: direct.id.clone(),
            title: "x".into(),
        },
        ErrorCode::InvalidConversation,
    )
    .await;

    // The owner may do all of it; the membership is as the owner left it.
    expect_done(
        &mut g.ana_ws,
        ClientFrame::RemoveMember {
            conversation_id: cid.clone(),
            user_id: id(&g.ben),
        },
    )
    .await;
    let s = summary(&g.w, &g.ana, &cid).await;
    assert_eq!(s.members.len(), 2);
}

#[tokio::test]
async fn ownership_moves_by_transfer_and_when_the_owner_leaves() {
    let mut g = group().await;
    let cid = g.group.id.clone();
    expect_done(
        &mut g.ana_ws,
        ClientFrame::TransferOwnership {
            conversation_id: cid.clone(),
            user_id: id(&g.cy),
        },
    )
    .await;
    expect_event(
        &mut g.ben_ws,
        &EventBody::OwnershipTransferred { to: id(&g.cy) },
    )
    .await;
    let roles = |s: &ConversationSummary| {
        s.members
            .iter()
            .map(|m| (m.user.username.clone(), m.role))
            .collect::<std::collections::HashMap<_, _>>()
    };
    let s = summary(&g.w, &g.ben, &cid).await;
    assert_eq!(roles(&s)[&g.cy.username], Role::Owner);
    assert_eq!(
        roles(&s)[&g.ana.username],
        Role::Admin,
        "the old owner becomes an admin"
    );

    // Cy (owner) leaves: the longest-standing admin (Ana) takes over.
    expect_done(
        &mut g.cy_ws,
        ClientFrame::Leave {
            conversation_id: cid.clone(),
        },
    )
    .await;
    expect_event(
        &mut g.ben_ws,
        &EventBody::MemberLeft {
            new_owner: Some(id(&g.ana)),
        },
    )
    .await;
    let s = summary(&g.w, &g.ben, &cid).await;
    assert_eq!(roles(&s).get(&g.cy.username), None);
    assert_eq!(roles(&s)[&g.ana.username], Role::Owner);

    // Ana (owner, no admins left) leaves: the longest-standing member (Ben) takes over.
    expect_done(
        &mut g.ana_ws,
        ClientFrame::Leave {
            conversation_id: cid.clone(),
        },
    )
    .await;
    expect_event(
        &mut g.ben_ws,
        &EventBody::MemberLeft {
            new_owner: Some(id(&g.ben)),
        },
    )
    .await;
    let s = summary(&g.w, &g.ben, &cid).await;
    assert_eq!(
        roles(&s).into_iter().collect::<Vec<_>>(),
        vec![(g.ben.username.clone(), Role::Owner)]
    );
}
