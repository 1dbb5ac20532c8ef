//! The client core's requests (edit, delete, react, group changes) and its local search,
//! end to end: two cores on two server instances sharing one redis-server.

use std::collections::BTreeSet;
use tidings_core::search::SearchQuery;
use tidings_core::{Core, CoreError};
use tidings_shared::{ConversationId, ErrorCode, EventBody, Role, Seq};
use tidings_tests::cores::{signed_up_core, texts, until};
use tidings_tests::World;

const FAST: &[&str] = &["--message-rate", "100000", "--message-burst", "100000"];

/// The texts (or `[deleted]`) of the messages `core` finds for `text`.
async fn search(core: &Core, text: &str) -> BTreeSet<String> {
    let hits = core
        .search(SearchQuery {
            text: text.into(),
            ..Default::default()
        })
        .await
        .expect("search");
    let mut found = BTreeSet::new();
    for hit in hits {
        let page = core
            .messages(&hit.conversation_id, Some(hit.seq + 1), 1)
            .await
            .expect("messages");
        if let Some(EventBody::Message { text, deleted, .. }) = page.last().map(|m| &m.event) {
            found.insert(if *deleted {
                "[deleted]".into()
            } else {
                text.clone()
            });
        }
    }
    found
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// The seq of the message reading `text` in `core`'s cache.
async fn seq_of(core: &Core, cid: &ConversationId, text: &str) -> Seq {
    core.messages(cid, None, 1000)
        .await
        .expect("messages")
        .into_iter()
        .find_map(|m| match &m.event {
            EventBody::Message { text: t, .. } if t == text => m.seq,
            _ => None,
        })
        .unwrap_or_else(|| panic!("no sent message reads {text:?}"))
}

const CORPUS: &[&str] = &[
    "Meet me at the Café Müller tomorrow",
    "Привет, как дела?",
    "東京で会いましょう",
    "party 🎉 tonight",
    "the guide is at https://docs.example.org/telegram-guide",
    "l'arbre est grand",
    "I use Telegram daily",
];

#[tokio::test]
async fn search_follows_edits_and_deletions_made_on_another_core() {
    let w = World::start(2, FAST).expect("world");
    let (a_dir, b_dir) = (
        tempfile::tempdir().expect("dir"),
        tempfile::tempdir().expect("dir"),
    );
    let (ana, _) = signed_up_core(&w.servers[0].http_url(), &a_dir, "ana").await;
    let (ben, ben_name) = signed_up_core(&w.servers[1].http_url(), &b_dir, "ben").await;
    let ana_events = ana.subscribe();
    let mut ben_events = ben.subscribe();
    let cid = ana.open_direct(&ben_name).await.expect("direct").id;

    for text in CORPUS {
        ana.send_message(&cid, text, vec![]).await.expect("send");
    }
    until(&mut ben_events, "ben to have the corpus", || async {
        texts(&ben, &cid).await.len() == CORPUS.len()
    })
    .await;

    // What word-based search misses: infixes, words in URLs, after an apostrophe,
    // Cyrillic in another case, CJK, accents folded away.
    assert_eq!(
        search(&ben, "gram").await,
        set(&[CORPUS[4], CORPUS[6]]),
        "infix and URL"
    );
    assert_eq!(search(&ben, "docs.example").await, set(&[CORPUS[4]]));
    assert_eq!(search(&ben, "arbre").await, set(&[CORPUS[5]]));
    assert_eq!(search(&ben, "ПРИВЕТ").await, set(&[CORPUS[1]]));
    assert_eq!(search(&ben, "東京").await, set(&[CORPUS[2]]));
    assert_eq!(search(&ben, "cafe muller").await, set(&[CORPUS[0]]));
    assert_eq!(search(&ben, "🎉").await, set(&[CORPUS[3]]));

    // Ana edits one message and deletes another; Ben's index follows. Her sends must be
    // acknowledged first (Ben can have a message before Ana has its ack).
    let mut ana_acks = ana.subscribe();
    until(&mut ana_acks, "ana's sends to be acknowledged", || async {
        ana.messages(&cid, None, 1000)
            .await
            .expect("messages")
            .iter()
            .all(|m| m.seq.is_some())
    })
    .await;
    let telegram = seq_of(&ana, &cid, CORPUS[6]).await;
    let party = seq_of(&ana, &cid, CORPUS[3]).await;
    ana.edit_message(&cid, telegram, "I use Tidings daily")
        .await
        .expect("edit");
    ana.delete_message(&cid, party).await.expect("delete");
    until(
        &mut ben_events,
        "ben to see the edit and the deletion",
        || async {
            let now = texts(&ben, &cid).await;
            now.iter().any(|(t, _)| t == "I use Tidings daily")
                && !now.iter().any(|(t, _)| t == CORPUS[3])
        },
    )
    .await;
    assert_eq!(search(&ben, "gram").await, set(&[CORPUS[4]]));
    assert_eq!(search(&ben, "tidings").await, set(&["I use Tidings daily"]));
    assert_eq!(search(&ben, "party").await, set(&[]));
    assert_eq!(search(&ben, "🎉").await, set(&[]));
    // The author's own cache agrees.
    assert_eq!(search(&ana, "gram").await, set(&[CORPUS[4]]));

    // Ben cannot edit Ana's message: a typed refusal, and nothing changes.
    let refused = ben.edit_message(&cid, telegram, "hijacked").await;
    match refused {
        Err(CoreError::Server(body)) => assert_eq!(body.code, ErrorCode::NotAuthor),
        other => panic!("expected not_author, got {other:?}"),
    }
    ana.stop().await;
    ben.stop().await;
    drop(ana_events);
}

#[tokio::test]
async fn reactions_and_group_changes_reach_every_member() {
    let w = World::start(2, FAST).expect("world");
    let dirs: Vec<_> = (0..3).map(|_| tempfile::tempdir().expect("dir")).collect();
    let (ana, _) = signed_up_core(&w.servers[0].http_url(), &dirs[0], "ana").await;
    let (ben, ben_name) = signed_up_core(&w.servers[1].http_url(), &dirs[1], "ben").await;
    let (cleo, cleo_name) = signed_up_core(&w.servers[1].http_url(), &dirs[2], "cleo").await;
    let mut ana_events = ana.subscribe();
    let mut ben_events = ben.subscribe();
    let mut cleo_events = cleo.subscribe();

    let group = ana
        .create_group("Trip", vec![ben_name.clone()])
        .await
        .expect("group");
    let cid = group.id.clone();
    ana.send_message(&cid, "who is in?", vec![])
        .await
        .expect("send");
    until(&mut ben_events, "ben to get the message", || async {
        texts(&ben, &cid)
            .await
            .iter()
            .any(|(t, _)| t == "who is in?")
    })
    .await;
    let seq = seq_of(&ben, &cid, "who is in?").await;
    ben.react(&cid, seq, "👍", true).await.expect("react");
    let ben_id = ben.me().expect("me").id;
    until(&mut ana_events, "ana to see ben's reaction", || async {
        let page = ana.messages(&cid, None, 100).await.expect("messages");
        page.iter().any(|m| match &m.event {
            EventBody::Message { reactions, .. } => reactions
                .iter()
                .any(|r| r.emoji == "👍" && r.users == vec![ben_id.clone()]),
            _ => false,
        })
    })
    .await;
    // An unknown emoji is refused with its own code.
    match ben.react(&cid, seq, "not-an-emoji", true).await {
        Err(CoreError::Server(body)) => assert_eq!(body.code, ErrorCode::InvalidEmoji),
        other => panic!("expected invalid_emoji, got {other:?}"),
    }

    // Ana renames the group and adds Cleo, who then sees the group and its title.
    ana.rename_group(&cid, "Trip to Lisbon")
        .await
        .expect("rename");
    ana.add_members(&cid, vec![cleo_name.clone()])
        .await
        .expect("add");
    until(&mut cleo_events, "cleo to see the group", || async {
        cleo.conversations()
            .await
            .expect("list")
            .iter()
            .any(|c| c.id == cid && c.title.as_deref() == Some("Trip to Lisbon"))
    })
    .await;
    // Ben, a plain member, may not promote anyone.
    let cleo_id = cleo.me().expect("me").id;
    match ben.set_role(&cid, &cleo_id, Role::Admin).await {
        Err(CoreError::Server(body)) => assert_eq!(body.code, ErrorCode::Forbidden),
        other => panic!("expected forbidden, got {other:?}"),
    }
    ana.set_role(&cid, &cleo_id, Role::Admin)
        .await
        .expect("promote");
    // Ben leaves; the others see him go.
    ben.leave_group(&cid).await.expect("leave");
    until(&mut cleo_events, "cleo to see ben leave", || async {
        cleo.conversations()
            .await
            .expect("list")
            .iter()
            .find(|c| c.id == cid)
            .is_some_and(|c| {
                !c.members.iter().any(|m| m.user.id == ben_id)
                    && c.members
                        .iter()
                        .any(|m| m.user.id == cleo_id && m.role == Role::Admin)
            })
    })
    .await;

    // Ana hands the group to Cleo; Cleo's list shows her as its owner.
    ana.transfer_ownership(&cid, &cleo_id)
        .await
        .expect("transfer");
    until(&mut cleo_events, "cleo to see herself as owner", || async {
        cleo.conversations()
            .await
            .expect("list")
            .iter()
            .find(|c| c.id == cid)
            .is_some_and(|c| {
                c.members
                    .iter()
                    .any(|m| m.user.id == cleo_id && m.role == Role::Owner)
            })
    })
    .await;

    // Offline, a request fails at once instead of waiting.
    cleo.stop().await;
    match cleo.rename_group(&cid, "nope").await {
        Err(CoreError::Offline) => {}
        other => panic!("expected offline, got {other:?}"),
    }
    for core in [&ana, &ben] {
        core.stop().await;
    }
}

#[tokio::test]
async fn muting_shows_at_once_on_this_device_and_on_my_others() {
    let w = World::start(2, FAST).expect("world");
    let dirs: Vec<_> = (0..3).map(|_| tempfile::tempdir().expect("dir")).collect();
    let (ana, ana_name) = signed_up_core(&w.servers[0].http_url(), &dirs[0], "ana").await;
    let (_ben, ben_name) = signed_up_core(&w.servers[1].http_url(), &dirs[1], "ben").await;
    let laptop = Core::open(tidings_core::CoreConfig {
        server: w.servers[1].http_url(),
        data_dir: dirs[2].path().to_owned(),
    })
    .await
    .expect("open");
    laptop
        .sign_in(&ana_name, tidings_tests::PASSWORD)
        .await
        .expect("sign in");
    laptop.start().await;
    let cid = ana.open_direct(&ben_name).await.expect("direct").id;
    let mut ana_events = ana.subscribe();
    let mut laptop_events = laptop.subscribe();
    until(
        &mut laptop_events,
        "the conversation on the laptop",
        || async {
            laptop
                .conversations()
                .await
                .expect("list")
                .iter()
                .any(|c| c.id == cid)
        },
    )
    .await;

    let muted = tidings_shared::ConversationSettings {
        muted: true,
        ..Default::default()
    };
    ana.set_conversation_settings(&cid, muted)
        .await
        .expect("mute");
    for (core, events, device) in [
        (&ana, &mut ana_events, "this device"),
        (&laptop, &mut laptop_events, "the laptop"),
    ] {
        until(events, &format!("the mute on {device}"), || async {
            core.conversations()
                .await
                .expect("list")
                .iter()
                .any(|c| c.id == cid && c.settings.muted)
        })
        .await;
    }
    ana.stop().await;
    laptop.stop().await;
}
