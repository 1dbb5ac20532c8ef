//! The conversation list: order by activity, unread counts, marks, drafts.

use super::*;

#[test]
fn the_list_is_ordered_by_activity_and_counts_unread_from_the_cache() -> TestResult {
    let f = Fixture::new();
    f.cache.set_account(&user("me"))?;
    let (a, b, c) = (cid("a"), cid("b"), cid("c"));
    for (id, activity) in [("a", 1_000), ("b", 2_000), ("c", 3_000)] {
        f.cache
            .upsert_conversation(&summary(id, 1, activity, &["me", "bob"]))?;
    }
    assert!(f.cache.conversation(&cid("unknown"))?.is_none());
    let order = |f: &Fixture| -> Vec<String> {
        f.cache
            .conversations()
            .expect("list")
            .into_iter()
            .map(|s| s.id.0)
            .collect()
    };
    assert_eq!(order(&f), ["c", "b", "a"]);

    // New messages in `a` (their ts is 1 000 × seq, so up to 7 000): it moves first.
    f.cache.apply_events(
        &a,
        &[
            created("me", &["me", "bob"]),
            msg(2, "bob", "one"),
            msg(3, "me", "two"),
            msg(4, "bob", "three"),
            msg(5, "bob", "four"),
            msg(6, "bob", "five"),
            delete(7, "bob", 6),
        ],
    )?;
    assert_eq!(order(&f), ["a", "c", "b"]);
    let now = f.cache.conversation(&a)?.expect("summary");
    assert_eq!(now.head, 7);
    assert_eq!(now.last_activity, 7_000);
    // My message at 3 means I read up to 3; 6 is deleted: 4 and 5 are unread.
    assert_eq!(now.read_seq, 3);
    assert_eq!(now.unread_count, 2);
    assert_eq!(now.last_message.as_ref().map(|m| m.seq), Some(6));
    let mine = now.receipts.iter().find(|r| r.user_id == user("me"));
    assert_eq!(mine.map(|r| (r.delivered_seq, r.read_seq)), Some((3, 3)));

    // Reading on another device.
    f.cache.set_read_mark(&a, &user("me"), 4, 4)?;
    assert_eq!(f.cache.conversation(&a)?.map(|s| s.unread_count), Some(1));
    f.cache.set_read_mark(&a, &user("me"), 2, 2)?; // marks never move back
    assert_eq!(f.cache.conversation(&a)?.map(|s| s.unread_count), Some(1));
    f.cache.set_read_mark(&a, &user("me"), 7, 7)?;
    assert_eq!(f.cache.conversation(&a)?.map(|s| s.unread_count), Some(0));

    // Writing in `b` (an echo with a later local time) brings it to the top.
    f.cache.enqueue(&OutboxItem {
        client_id: uuid::Uuid::from_u128(1),
        conversation_id: b.clone(),
        sender: user("me"),
        text: "hey".into(),
        attachments: Vec::new(),
        created_at: 90_000,
        state: OutboxState::Pending,
        error: None,
    })?;
    assert_eq!(order(&f), ["b", "a", "c"]);
    assert_eq!(f.cache.conversation(&c)?.map(|s| s.unread_count), Some(0));
    Ok(())
}

#[test]
fn the_servers_count_stands_where_the_cache_lacks_messages() -> TestResult {
    let f = Fixture::new();
    let c = cid("c");
    let mut s = summary("c", 40, 40_000, &["me", "bob"]);
    s.read_seq = 30;
    s.unread_count = 6;
    f.cache.upsert_conversation(&s)?;
    // Unknown account: the server's number.
    assert_eq!(f.cache.conversation(&c)?.map(|s| s.unread_count), Some(6));
    f.cache.set_account(&user("me"))?;
    // The cache holds nothing of 31..=40, but one new message arrived live.
    f.cache.apply_events(&c, &[msg(41, "bob", "new")])?;
    let now = f.cache.conversation(&c)?.expect("summary");
    assert_eq!(now.unread_count, 7);
    assert_eq!(now.head, 41);
    assert_eq!(now.last_message.map(|m| m.seq), Some(41));
    Ok(())
}

#[test]
fn marks_only_move_forward_and_newer_events_update_the_summary() -> TestResult {
    let f = Fixture::new();
    let c = cid("c");
    f.cache.set_read_mark(&c, &user("bob"), 5, 6)?;
    assert!(
        f.cache.conversation(&c)?.is_none(),
        "no summary yet, only marks"
    );
    let mut s = summary("c", 3, 3_000, &["me", "bob"]);
    s.receipts = vec![Receipt {
        user_id: user("bob"),
        delivered_seq: 3,
        read_seq: 2,
    }];
    f.cache.upsert_conversation(&s)?;
    f.cache.apply_events(
        &c,
        &[event(
            4,
            "bob",
            EventBody::Renamed {
                title: "New name".into(),
            },
        )],
    )?;
    let now = f.cache.conversation(&c)?.expect("summary");
    let bob = now.receipts.iter().find(|r| r.user_id == user("bob"));
    assert_eq!(bob.map(|r| (r.delivered_seq, r.read_seq)), Some((6, 5)));
    assert!(
        now.receipts.iter().any(|r| r.user_id == user("me")),
        "every member has marks"
    );
    assert_eq!(now.title.as_deref(), Some("New name"));
    assert_eq!(now.head, 4);
    Ok(())
}

#[test]
fn drafts_are_kept_and_cleared() -> TestResult {
    let f = Fixture::new();
    let c = cid("c");
    assert_eq!(f.cache.draft(&c)?, None);
    f.cache.set_draft(&c, "half a thou")?;
    f.cache.set_draft(&c, "half a thought")?;
    let f = f.reopen();
    assert_eq!(f.cache.draft(&c)?.as_deref(), Some("half a thought"));
    f.cache.set_draft(&c, "")?;
    assert_eq!(f.cache.draft(&c)?, None);
    Ok(())
}
