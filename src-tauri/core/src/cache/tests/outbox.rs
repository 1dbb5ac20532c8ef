//! The outbox and local echoes: durability, acks and events in either order, failures.

use super::*;
use tidings_shared::{ErrorBody, ErrorCode};

fn item(n: u128, conversation: &str, text: &str) -> OutboxItem {
    OutboxItem {
        client_id: uuid::Uuid::from_u128(n),
        conversation_id: cid(conversation),
        sender: user("me"),
        text: text.to_owned(),
        attachments: Vec::new(),
        created_at: 50_000 + n as i64,
        state: OutboxState::Pending,
        error: None,
    }
}

/// The server's event for an outbox item.
fn sent(seq: Seq, item: &OutboxItem) -> Event {
    event(
        seq,
        item.sender.as_str(),
        message_body(item.client_id, &item.text, Vec::new()),
    )
}

fn refused() -> ErrorBody {
    ErrorBody {
        code: ErrorCode::TextTooLong,
        message: "too long".into(),
        retry_after_ms: None,
    }
}

#[test]
fn the_outbox_and_its_echoes_survive_a_restart() -> TestResult {
    let f = Fixture::new();
    let (a, b) = (item(1, "c1", "first"), item(2, "c1", "second"));
    f.cache.enqueue(&a)?;
    f.cache.enqueue(&b)?;
    f.cache.enqueue(&a)?; // enqueueing again changes nothing
    let f = f.reopen();
    assert_eq!(f.cache.outbox()?, [a.clone(), b.clone()]);
    let rows = f.cache.messages(&cid("c1"), None, 50)?;
    assert_eq!(rows.len(), 2);
    assert!(rows
        .iter()
        .all(|r| r.status == MessageStatus::Pending && r.seq.is_none()));
    assert_eq!(rows[0].client_id, Some(a.client_id));
    assert_eq!(rows[0].ts, a.created_at);
    assert_eq!(
        f.cache.account()?,
        Some(user("me")),
        "learnt from the outbox"
    );
    Ok(())
}

#[test]
fn ack_then_event_leaves_one_sent_row() -> TestResult {
    let f = Fixture::new();
    let c = cid("c1");
    let a = item(1, "c1", "hello");
    f.cache.apply_events(&c, &[created("me", &["me", "bob"])])?;
    f.cache.enqueue(&a)?;
    f.cache.mark_acked(&a.client_id, 2, 2_000)?;
    assert!(f.cache.outbox()?.is_empty());
    let echo = row(&f.cache, &c, 2);
    assert_eq!(echo.status, MessageStatus::Sent);
    assert_eq!(echo.ts, 2_000);
    assert_eq!(f.cache.cursor(&c)?, 2, "the acked seq is held");

    f.cache.apply_events(&c, &[sent(2, &a)])?;
    f.cache.mark_acked(&a.client_id, 2, 2_000)?; // a repeated ack is harmless
    assert_eq!(f.cache.message_count(&c)?, 2, "created + the message, once");
    assert_eq!(texts(&f.cache, &c), ["hello"]);
    Ok(())
}

#[test]
fn applying_my_own_events_tells_which_sends_they_completed() -> TestResult {
    let f = Fixture::new();
    let c = cid("c1");
    let (a, b, acked) = (item(1, "c1", "a"), item(2, "c1", "b"), item(3, "c1", "c"));
    for i in [&a, &b, &acked] {
        f.cache.enqueue(i)?;
    }
    f.cache.mark_acked(&acked.client_id, 3, 3_000)?;
    let ids = [a.client_id, acked.client_id];
    let done = f
        .cache
        .apply_events_completing(&c, &[sent(2, &a), sent(3, &acked)], &ids)?;
    assert_eq!(done, [a.client_id], "the acked one was done already");
    assert_eq!(f.cache.outbox()?, std::slice::from_ref(&b), "b still waits");
    let again = f
        .cache
        .apply_events_completing(&c, &[sent(2, &a)], &[a.client_id])?;
    assert!(again.is_empty(), "a repeat completes nothing");
    Ok(())
}

#[test]
fn event_then_ack_leaves_one_sent_row() -> TestResult {
    let f = Fixture::new();
    let c = cid("c1");
    let a = item(1, "c1", "hello");
    f.cache.enqueue(&a)?;
    f.cache.apply_events(&c, &[sent(4, &a)])?;
    assert!(
        f.cache.outbox()?.is_empty(),
        "the event is as good as an ack"
    );
    assert_eq!(row(&f.cache, &c, 4).status, MessageStatus::Sent);
    f.cache.mark_acked(&a.client_id, 4, 4_000)?;
    assert_eq!(f.cache.message_count(&c)?, 1);
    let only = row(&f.cache, &c, 4);
    assert_eq!(only.client_id, Some(a.client_id));
    assert_eq!(only.ts, 4_000);
    Ok(())
}

#[test]
fn a_failed_message_can_be_retried_or_discarded() -> TestResult {
    let f = Fixture::new();
    let c = cid("c1");
    let (a, b, d) = (item(1, "c1", "a"), item(2, "c1", "b"), item(3, "c1", "d"));
    for i in [&a, &b, &d] {
        f.cache.enqueue(i)?;
    }
    f.cache.mark_failed(&a.client_id, &refused())?;
    assert_eq!(f.cache.outbox()?, [b.clone(), d.clone()]);
    let echo = &f.cache.messages(&c, None, 10)?[0];
    assert_eq!(echo.status, MessageStatus::Failed);
    assert_eq!(echo.error, Some(refused()));

    let f = f.reopen();
    f.cache.retry(&a.client_id)?;
    assert_eq!(
        f.cache.outbox()?,
        [a.clone(), b.clone(), d.clone()],
        "back in its place"
    );
    assert_eq!(
        f.cache.messages(&c, None, 10)?[0].status,
        MessageStatus::Pending
    );

    f.cache.discard(&b.client_id)?;
    assert_eq!(f.cache.outbox()?, [a.clone(), d.clone()]);
    assert_eq!(texts(&f.cache, &c), ["a", "d"]);

    // A sent message is never discarded.
    f.cache.mark_acked(&d.client_id, 9, 9_000)?;
    f.cache.discard(&d.client_id)?;
    assert_eq!(
        texts(&f.cache, &c),
        ["d", "a"],
        "sent rows first, then echoes"
    );
    Ok(())
}

#[test]
fn an_echo_shows_remembered_files_until_the_event_brings_them() -> TestResult {
    let f = Fixture::new();
    let c = cid("c1");
    let known = file("f1", "plan.pdf");
    f.cache.remember_media(&known)?;
    let mut a = item(1, "c1", "");
    a.attachments = vec![known.id.clone(), MediaId("f2".into())];
    f.cache.enqueue(&a)?;
    let names = |m: &CachedMessage| match &m.event {
        EventBody::Message { attachments, .. } => attachments
            .iter()
            .map(|a| a.name.clone())
            .collect::<Vec<_>>(),
        _ => Vec::new(),
    };
    assert_eq!(names(&f.cache.messages(&c, None, 10)?[0]), ["plan.pdf", ""]);

    f.cache.mark_acked(&a.client_id, 3, 3_000)?;
    let full = event(
        3,
        "me",
        message_body(a.client_id, "", vec![known, file("f2", "photo.jpg")]),
    );
    f.cache.apply_events(&c, &[full])?;
    assert_eq!(names(&row(&f.cache, &c, 3)), ["plan.pdf", "photo.jpg"]);
    Ok(())
}
