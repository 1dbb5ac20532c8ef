//! Applying server events: idempotency, the cursor, changes to messages, paging.

use super::*;
use tidings_shared::ReactionSummary;

#[test]
fn the_same_page_applied_twice_leaves_the_same_rows() -> TestResult {
    let f = Fixture::new();
    let c = cid("c1");
    let page = vec![
        created("ana", &["ana", "bob"]),
        msg(2, "ana", "hello"),
        msg(3, "bob", "hi there"),
        edit(4, "ana", 2, "hello!"),
        react(5, "bob", 2, "👍", true),
        msg(6, "bob", "bye"),
    ];
    f.cache.apply_events(&c, &page)?;
    let first = f.cache.messages(&c, None, 100)?;
    f.cache.apply_events(&c, &page)?;
    f.cache.apply_events(&c, &page[3..5])?;
    assert_eq!(f.cache.messages(&c, None, 100)?, first);
    assert_eq!(f.cache.message_count(&c)?, 4, "created + three messages");
    assert_eq!(texts(&f.cache, &c), ["hello!", "hi there", "bye"]);
    assert_eq!(f.cache.cursor(&c)?, 6);
    Ok(())
}

#[test]
fn the_cursor_moves_only_over_contiguous_seqs_or_when_told() -> TestResult {
    let f = Fixture::new();
    let c = cid("c1");
    assert_eq!(f.cache.cursor(&c)?, 0);
    assert_eq!(f.cache.min_seq(&c)?, None);
    f.cache.apply_events(
        &c,
        &[
            created("ana", &["ana"]),
            msg(2, "ana", "a"),
            msg(3, "ana", "b"),
        ],
    )?;
    f.cache
        .apply_events(&c, &[msg(5, "ana", "d"), msg(6, "ana", "e")])?;
    assert_eq!(f.cache.cursor(&c)?, 3, "4 is missing");
    assert_eq!(f.cache.max_seq(&c)?, 6);
    assert_eq!(f.cache.min_seq(&c)?, Some(1));

    f.cache.apply_events(&c, &[msg(4, "ana", "c")])?;
    assert_eq!(f.cache.cursor(&c)?, 6, "the gap is filled");

    f.cache.apply_events(&c, &[msg(9, "ana", "h")])?;
    assert_eq!(f.cache.cursor(&c)?, 6);
    // The server covered 7..=8 and had nothing there: they are lost, and 9 is held.
    f.cache.advance_cursor(&c, 8)?;
    assert_eq!(f.cache.cursor(&c)?, 9);
    f.cache.advance_cursor(&c, 2)?;
    assert_eq!(f.cache.cursor(&c)?, 9, "never backwards");

    let other = cid("c2");
    f.cache.advance_cursor(&other, 12)?;
    let cursors = f.cache.cursors()?;
    assert_eq!(cursors.get(&c), Some(&9));
    assert_eq!(cursors.get(&other), Some(&12));
    Ok(())
}

#[test]
fn edits_reactions_and_deletion_change_the_target_row() -> TestResult {
    let f = Fixture::new();
    let c = cid("c1");
    f.cache.apply_events(
        &c,
        &[
            msg_with_files(2, "ana", "lunch at noon?", &["menu.pdf"]),
            edit(3, "ana", 2, "lunch at one?"),
            react(4, "bob", 2, "👍", true),
            react(5, "cat", 2, "👍", true),
            react(6, "bob", 2, "❤️", true),
            react(7, "bob", 2, "👍", false),
        ],
    )?;
    let m = row(&f.cache, &c, 2);
    let EventBody::Message {
        text,
        edited_at,
        reactions,
        attachments,
        deleted,
        ..
    } = m.event
    else {
        panic!("a message row");
    };
    assert_eq!(text, "lunch at one?");
    assert_eq!(edited_at, Some(3_000), "the edit event's time");
    assert!(!deleted);
    assert_eq!(attachments.len(), 1);
    assert_eq!(
        reactions,
        [
            ReactionSummary {
                emoji: "👍".into(),
                users: vec![user("cat")]
            },
            ReactionSummary {
                emoji: "❤️".into(),
                users: vec![user("bob")]
            },
        ]
    );

    f.cache.apply_events(&c, &[delete(8, "ana", 2)])?;
    assert_eq!(
        row(&f.cache, &c, 2).event,
        EventBody::Message {
            client_id: client_of(2),
            text: String::new(),
            edited_at: None,
            deleted: true,
            reactions: Vec::new(),
            attachments: Vec::new(),
        }
    );
    // A deleted message takes no more changes, even late ones.
    f.cache.apply_events(
        &c,
        &[edit(9, "ana", 2, "back?"), react(10, "bob", 2, "😀", true)],
    )?;
    assert!(matches!(
        row(&f.cache, &c, 2).event,
        EventBody::Message { deleted: true, ref text, ref reactions, .. }
            if text.is_empty() && reactions.is_empty()
    ));
    Ok(())
}

#[test]
fn changes_applied_out_of_order_converge() -> TestResult {
    let f = Fixture::new();
    let c = cid("c1");
    f.cache.apply_events(&c, &[msg(2, "ana", "v1")])?;
    // Live events above a gap arrive first; the gap is filled afterwards.
    f.cache.apply_events(
        &c,
        &[edit(6, "ana", 2, "v3"), react(7, "bob", 2, "👍", false)],
    )?;
    f.cache.apply_events(
        &c,
        &[
            edit(3, "ana", 2, "v2"),
            react(4, "bob", 2, "👍", true),
            react(5, "cat", 2, "👍", true),
        ],
    )?;
    let EventBody::Message {
        text, reactions, ..
    } = row(&f.cache, &c, 2).event
    else {
        panic!("a message row");
    };
    assert_eq!(text, "v3", "the older edit does not undo the newer");
    assert_eq!(
        reactions,
        [ReactionSummary {
            emoji: "👍".into(),
            users: vec![user("cat")]
        }],
        "bob's later removal wins over his earlier addition"
    );
    assert_eq!(f.cache.cursor(&c)?, 0, "seq 1 was never seen");
    Ok(())
}

#[test]
fn a_repeated_message_takes_only_what_moves_forward() -> TestResult {
    let f = Fixture::new();
    let c = cid("c1");
    let live = msg(2, "ana", "first");
    f.cache
        .apply_events(&c, &[live.clone(), react(3, "bob", 2, "👍", true)])?;
    // The same message from history after an edit the cache missed.
    let mut from_history = live.clone();
    from_history.body = EventBody::Message {
        client_id: client_of(2),
        text: "second".into(),
        edited_at: Some(9_999),
        deleted: false,
        reactions: Vec::new(),
        attachments: Vec::new(),
    };
    f.cache.apply_events(&c, &[from_history])?;
    f.cache.apply_events(&c, std::slice::from_ref(&live))?;
    let EventBody::Message {
        text, reactions, ..
    } = row(&f.cache, &c, 2).event
    else {
        panic!("a message row");
    };
    assert_eq!(text, "second", "a stale live repeat does not undo the edit");
    assert_eq!(reactions.len(), 1, "reactions come from reaction events");

    let mut tombstone = live;
    tombstone.body = EventBody::Message {
        client_id: client_of(2),
        text: String::new(),
        edited_at: None,
        deleted: true,
        reactions: Vec::new(),
        attachments: Vec::new(),
    };
    f.cache.apply_events(&c, &[tombstone])?;
    assert!(matches!(
        row(&f.cache, &c, 2).event,
        EventBody::Message { deleted: true, .. }
    ));
    Ok(())
}

#[test]
fn a_change_to_an_uncached_message_waits_for_its_current_state() -> TestResult {
    let f = Fixture::new();
    let c = cid("c1");
    f.cache.apply_events(&c, &[edit(5, "ana", 2, "edited")])?;
    assert_eq!(f.cache.message_count(&c)?, 0);
    assert_eq!(f.cache.max_seq(&c)?, 5);
    // History returns the message as it is now, edit included.
    let mut current = msg(2, "ana", "edited");
    if let EventBody::Message { edited_at, .. } = &mut current.body {
        *edited_at = Some(5_000);
    }
    f.cache.apply_events(&c, &[current])?;
    assert_eq!(texts(&f.cache, &c), ["edited"]);
    Ok(())
}

#[test]
fn group_events_become_system_rows() -> TestResult {
    let f = Fixture::new();
    let c = cid("c1");
    let renamed = event(
        3,
        "ana",
        EventBody::Renamed {
            title: "Lunch club".into(),
        },
    );
    let added = event(
        4,
        "ana",
        EventBody::MembersAdded {
            users: vec![user("dan")],
        },
    );
    f.cache.apply_events(
        &c,
        &[
            created("ana", &["ana", "bob"]),
            msg(2, "bob", "hi"),
            renamed.clone(),
            added.clone(),
        ],
    )?;
    let rows = f.cache.messages(&c, None, 10)?;
    assert_eq!(rows.len(), 4);
    assert!(matches!(rows[0].event, EventBody::Created { .. }));
    assert_eq!(rows[2].event, renamed.body);
    assert_eq!(rows[3].event, added.body);
    assert_eq!(rows[3].seq, Some(4));
    assert!(rows.iter().all(|r| r.status == MessageStatus::Sent));
    Ok(())
}

#[test]
fn pages_are_the_newest_below_before_oldest_first_with_echoes_last() -> TestResult {
    let f = Fixture::new();
    let c = cid("c1");
    let events: Vec<Event> = (1..=10).map(|s| msg(s, "ana", &format!("m{s}"))).collect();
    f.cache.apply_events(&c, &events)?;
    f.cache.enqueue(&OutboxItem {
        client_id: uuid::Uuid::from_u128(77),
        conversation_id: c.clone(),
        sender: user("ana"),
        text: "on its way".into(),
        attachments: Vec::new(),
        created_at: 5,
        state: OutboxState::Pending,
        error: None,
    })?;
    let seqs = |page: Vec<CachedMessage>| page.into_iter().map(|m| m.seq).collect::<Vec<_>>();
    assert_eq!(
        seqs(f.cache.messages(&c, None, 3)?),
        [Some(8), Some(9), Some(10), None]
    );
    assert_eq!(
        seqs(f.cache.messages(&c, Some(8), 3)?),
        [Some(5), Some(6), Some(7)]
    );
    assert_eq!(seqs(f.cache.messages(&c, Some(3), 50)?), [Some(1), Some(2)]);
    assert_eq!(f.cache.message_count(&c)?, 11);
    Ok(())
}
