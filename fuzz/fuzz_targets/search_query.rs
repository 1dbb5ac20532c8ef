//! Any text typed into search, through the core's query builder and SQLite (FTS5 MATCH,
//! LIKE and the bm25 ranking) on a small in-memory cache.
//!
//! Property: a search never fails and never panics, whatever the text: every term is
//! taken literally (`tidings_core::search`).

#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::Path;
use std::sync::OnceLock;
use tidings_core::cache::Cache;
use tidings_core::search::SearchQuery;
use tidings_shared::{ConversationId, Event, EventBody, UserId};

/// Messages to search, so that MATCH, LIKE and ranking all have rows to work on.
const TEXTS: &[&str] = &[
    "Hello, world! Lunch at noon?",
    "l'arbre est grand — CAFÉ au lait",
    "東京で会いましょう 🎉",
    "Привет, как дела?",
    "see https://example.com/a?b=c&d=\"e\" OR NEAR(x y) * -z",
    "Invoice-2026.pdf attached",
];

fn cache() -> &'static Cache {
    static CACHE: OnceLock<Cache> = OnceLock::new();
    CACHE.get_or_init(|| {
        let cache = Cache::open(Path::new(":memory:")).expect("an in-memory cache opens");
        let cid = ConversationId("c1".into());
        let events: Vec<Event> = TEXTS
            .iter()
            .enumerate()
            .map(|(i, text)| Event {
                seq: i as u64 + 1,
                ts: 1_700_000_000_000 + i as i64,
                sender: UserId(format!("u{}", i % 2)),
                body: EventBody::Message {
                    client_id: uuid::Uuid::from_u128(i as u128 + 1),
                    text: (*text).into(),
                    edited_at: None,
                    deleted: false,
                    reactions: Vec::new(),
                    attachments: Vec::new(),
                },
            })
            .collect();
        cache
            .apply_events(&cid, &events)
            .expect("seed messages apply");
        cache
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let query = SearchQuery {
        text: text.to_owned(),
        ..SearchQuery::default()
    };
    if let Err(e) = cache().search(&query) {
        panic!("search {text:?} failed: {e}");
    }
});
