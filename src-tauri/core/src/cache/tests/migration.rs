//! Opening files: pragmas, a file from an older schema, a file from a newer one.

use super::super::{schema, CacheError, SCHEMA_VERSION};
use super::*;
use crate::search::SearchQuery;
use rusqlite::Connection;

#[test]
fn a_new_file_is_at_the_latest_version_in_wal_mode_with_foreign_keys() -> TestResult {
    let f = Fixture::new();
    assert_eq!(f.cache.schema_version()?, SCHEMA_VERSION);
    let conn = f.cache.lock();
    let mode: String = conn.query_row("PRAGMA journal_mode", [], |r| r.get(0))?;
    let keys: bool = conn.query_row("PRAGMA foreign_keys", [], |r| r.get(0))?;
    assert_eq!(mode, "wal");
    assert!(keys);
    Ok(())
}

#[test]
fn a_version_1_file_migrates_without_losing_messages() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("cache.sqlite3");
    {
        // What a build with only the first schema left behind.
        let mut conn = Connection::open(&path)?;
        schema::migrate_to(&mut conn, 1)?;
        assert_eq!(schema::user_version(&conn)?, 1);
        conn.execute(
            "INSERT INTO conversations (id, cursor) VALUES ('c1', 3)",
            [],
        )?;
        let events = [
            created("ana", &["ana", "bob"]),
            msg(2, "ana", "Bonjour, on se voit au café ?"),
            msg_with_files(3, "bob", "voilà", &["Invoice-2026.pdf"]),
        ];
        for e in &events {
            let kind = if matches!(e.body, EventBody::Message { .. }) {
                "message"
            } else {
                "system"
            };
            conn.execute(
                "INSERT INTO events (conversation_id, seq, kind, sender, ts)
                 VALUES ('c1', ?1, ?2, ?3, ?4)",
                (e.seq, kind, e.sender.as_str(), e.ts),
            )?;
            conn.execute(
                "INSERT INTO messages (conversation_id, seq, sender, ts, kind, status, body,
                                       has_attachment)
                 VALUES ('c1', ?1, ?2, ?3, ?4, 'sent', ?5, ?6)",
                (
                    e.seq,
                    e.sender.as_str(),
                    e.ts,
                    kind,
                    serde_json::to_string(&e.body)?,
                    e.seq == 3,
                ),
            )?;
        }
        conn.execute(
            "INSERT INTO outbox (client_id, conversation_id, sender, text, attachments,
                                 created_at, state)
             VALUES (?1, 'c1', 'ana', 'unsent', '[]', 7, 'pending')",
            [uuid::Uuid::from_u128(9).to_string()],
        )?;
    }
    let cache = Cache::open(&path)?;
    assert_eq!(cache.schema_version()?, SCHEMA_VERSION);
    let c = cid("c1");
    assert_eq!(cache.message_count(&c)?, 3);
    assert_eq!(
        texts(&cache, &c),
        ["Bonjour, on se voit au café ?", "voilà"]
    );
    assert_eq!(cache.cursor(&c)?, 3);
    assert_eq!(cache.outbox()?.len(), 1);
    // The new index covers what the old build cached.
    let find = |text: &str| -> Vec<Seq> {
        cache
            .search(&SearchQuery {
                text: text.into(),
                ..SearchQuery::default()
            })
            .expect("search")
            .into_iter()
            .map(|h| h.seq)
            .collect()
    };
    assert_eq!(find("cafe"), [2]);
    assert_eq!(find("invoice"), [3]);
    assert_eq!(find("là"), [3], "the folded copy was filled in too");
    // And the file keeps working at the new version.
    cache.apply_events(&c, &[msg(4, "ana", "encore un café")])?;
    assert_eq!(find("cafe").len(), 2);
    Ok(())
}

#[test]
fn a_version_2_file_migrates_and_lists_its_conversations() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("cache.sqlite3");
    {
        // A build with search but without the kept list.
        let mut conn = Connection::open(&path)?;
        schema::migrate_to(&mut conn, 2)?;
        conn.execute(
            "INSERT INTO meta (key, value) VALUES ('account', 'ana')",
            [],
        )?;
        conn.execute(
            "INSERT INTO conversations (id, summary, cursor) VALUES ('c1', ?1, 3)",
            [serde_json::to_string(&summary(
                "c1",
                1,
                1_000,
                &["ana", "bob"],
            ))?],
        )?;
        for e in [msg(2, "bob", "salut"), msg(3, "bob", "ça va ?")] {
            conn.execute(
                "INSERT INTO events (conversation_id, seq, kind, sender, ts)
                 VALUES ('c1', ?1, 'message', ?2, ?3)",
                (e.seq, e.sender.as_str(), e.ts),
            )?;
            conn.execute(
                "INSERT INTO messages (conversation_id, seq, sender, ts, kind, status, body)
                 VALUES ('c1', ?1, ?2, ?3, 'message', 'sent', ?4)",
                (
                    e.seq,
                    e.sender.as_str(),
                    e.ts,
                    serde_json::to_string(&e.body)?,
                ),
            )?;
        }
    }
    let cache = Cache::open(&path)?;
    assert_eq!(cache.schema_version()?, SCHEMA_VERSION);
    let stale: i64 = cache.lock().query_row(
        "SELECT COUNT(*) FROM conversations WHERE listed IS NULL AND summary IS NOT NULL",
        [],
        |r| r.get(0),
    )?;
    assert_eq!(stale, 0, "the migration fills in the list as shown");
    let list = cache.conversations()?;
    assert_eq!(list.len(), 1);
    assert_eq!((list[0].head, list[0].last_activity), (3, 3_000));
    assert_eq!(list[0].unread_count, 2);
    assert_eq!(list[0].last_message.as_ref().map(|m| m.seq), Some(3));
    assert_eq!(texts(&cache, &cid("c1")), ["salut", "ça va ?"]);
    // Writes keep it current from now on.
    cache.set_read_mark(&cid("c1"), &user("ana"), 3, 3)?;
    assert_eq!(cache.conversations()?[0].unread_count, 0);
    Ok(())
}

#[test]
fn a_file_from_a_newer_build_is_refused() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("cache.sqlite3");
    {
        let conn = Connection::open(&path)?;
        conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1)?;
    }
    match Cache::open(&path) {
        Err(CacheError::Migration(reason)) => assert!(reason.contains("newer"), "{reason}"),
        other => panic!("expected a migration error, got {other:?}"),
    }
    Ok(())
}
