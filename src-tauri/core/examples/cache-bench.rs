//! Cache figures: open a cache of N messages and list conversations (the first paint),
//! and full-text search latency (p50/p95/max) over it.
//!
//! ```sh
//! cargo run --release -p tidings-core --example cache-bench -- --messages 100000
//! cargo run --release -p tidings-core --example cache-bench -- --messages 1000000
//! ```

use std::time::Instant;
use tidings_core::cache::Cache;
use tidings_core::search::SearchQuery;
use tidings_shared::{
    ConversationId, ConversationKind, ConversationSettings, ConversationSummary, Event, EventBody,
    Member, Role, UserId, UserProfile,
};

const CONVERSATIONS: u64 = 200;
const WORDS: &[&str] = &[
    "lunch",
    "meeting",
    "tomorrow",
    "telegram",
    "café",
    "l'arbre",
    "привет",
    "東京",
    "🎉",
    "https://www.example.com/path",
    "invoice",
    "deploy",
    "weekend",
    "pizza",
    "budget",
    "review",
    "coffee",
    "ticket",
    "release",
    "train",
];

fn summary(i: u64, me: &UserId) -> ConversationSummary {
    let other = UserId(format!("user{i}"));
    let member = |id: &UserId| Member {
        user: UserProfile {
            id: id.clone(),
            username: id.to_string(),
            display_name: id.to_string(),
        },
        role: Role::Member,
    };
    ConversationSummary {
        id: ConversationId(format!("conv{i:04}")),
        kind: ConversationKind::Direct,
        title: None,
        members: vec![member(me), member(&other)],
        receipts: vec![],
        settings: ConversationSettings::default(),
        removed_at: None,
        created_by: me.clone(),
        created_at: 0,
        head: 0,
        last_activity: 0,
        last_message: None,
        read_seq: 0,
        unread_count: 0,
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut messages: u64 = 100_000;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        if a == "--messages" {
            messages = args.next().ok_or("--messages N")?.parse()?;
        }
    }
    // A new schema means a new file: the name carries the version.
    let dir = std::env::temp_dir().join(format!(
        "tidings-cache-bench-v{}-{messages}",
        tidings_core::cache::SCHEMA_VERSION
    ));
    let path = dir.join("cache.sqlite3");
    let me = UserId("me".into());
    if !path.exists() {
        std::fs::create_dir_all(&dir)?;
        let cache = Cache::open(&path)?;
        cache.set_account(&me)?;
        let started = Instant::now();
        let per = messages / CONVERSATIONS;
        let mut rng: u64 = 7;
        for c in 0..CONVERSATIONS {
            let s = summary(c, &me);
            cache.upsert_conversation(&s)?;
            let mut page = Vec::with_capacity(1000);
            for seq in 1..=per {
                rng ^= rng << 13;
                rng ^= rng >> 7;
                rng ^= rng << 17;
                let text: Vec<&str> = (0..8)
                    .map(|k| WORDS[((rng >> (k * 5)) % WORDS.len() as u64) as usize])
                    .collect();
                page.push(Event {
                    seq,
                    ts: 1_700_000_000_000 + (c * per + seq) as i64 * 1000,
                    sender: if seq % 2 == 0 {
                        me.clone()
                    } else {
                        UserId(format!("user{c}"))
                    },
                    body: EventBody::Message {
                        client_id: uuid::Uuid::new_v4(),
                        text: text.join(" "),
                        edited_at: None,
                        deleted: false,
                        reactions: vec![],
                        attachments: vec![],
                    },
                });
                if page.len() == 1000 {
                    cache.apply_events(&s.id, &page)?;
                    page.clear();
                }
            }
            cache.apply_events(&s.id, &page)?;
        }
        eprintln!(
            "built {messages} messages in {:.1} s",
            started.elapsed().as_secs_f64()
        );
    }

    // First paint: open the file and produce the conversation list.
    let started = Instant::now();
    let cache = Cache::open(&path)?;
    let list = cache.conversations()?;
    let first_paint = started.elapsed();
    let page = cache.messages(&list[0].id, None, 50)?;
    let with_page = started.elapsed();

    let queries = [
        "gram",
        "example",
        "arbre",
        "привет",
        "東京",
        "cafe",
        "lunch tomorrow",
        "invoice deploy",
        "zzzz",
        "🎉",
    ];
    let mut times = Vec::new();
    let mut per_query: Vec<Vec<f64>> = vec![Vec::new(); queries.len()];
    for round in 0..5 {
        for (i, q) in queries.iter().enumerate() {
            let t = Instant::now();
            let hits = cache.search(&SearchQuery {
                text: (*q).into(),
                limit: 50,
                ..Default::default()
            })?;
            let ms = t.elapsed().as_secs_f64() * 1000.0;
            times.push(ms);
            per_query[i].push(ms);
            if round == 0 && *q != "zzzz" && hits.is_empty() {
                return Err(format!("no hits for {q}").into());
            }
        }
    }
    times.sort_by(|a, b| a.total_cmp(b));
    let pct = |p: f64| times[((times.len() - 1) as f64 * p).round() as usize];
    println!(
        "messages            {messages} in {} conversations",
        list.len()
    );
    println!(
        "open + list         {:.1} ms (+ first page of {}: {:.1} ms)",
        first_paint.as_secs_f64() * 1000.0,
        page.len(),
        with_page.as_secs_f64() * 1000.0
    );
    println!(
        "search ({} queries) p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms",
        times.len(),
        pct(0.5),
        pct(0.95),
        pct(1.0)
    );
    for (q, t) in queries.iter().zip(&mut per_query) {
        t.sort_by(|a, b| a.total_cmp(b));
        println!(
            "  {:<22} median {:>6.1} ms, max {:>6.1} ms",
            format!("{q:?}"),
            t[t.len() / 2],
            t[t.len() - 1]
        );
    }

    // Query classes outside the headline figures: filters, and short terms that are rare
    // (a 1–2 character term is matched by a scan, newest first, until enough are found).
    let newest_conversation = list[0].id.clone();
    let oldest_conversation = list[list.len() - 1].id.clone();
    let classes: Vec<(&str, SearchQuery)> = vec![
        (
            "\"gram\" in the newest conversation",
            SearchQuery {
                text: "gram".into(),
                conversation: Some(newest_conversation),
                ..Default::default()
            },
        ),
        (
            "\"gram\" in the oldest conversation",
            SearchQuery {
                text: "gram".into(),
                conversation: Some(oldest_conversation.clone()),
                ..Default::default()
            },
        ),
        (
            "\"gram\" from one sender (oldest)",
            SearchQuery {
                text: "gram".into(),
                sender: Some(UserId(format!("user{}", CONVERSATIONS - 200))),
                ..Default::default()
            },
        ),
        (
            "\"lunch\" in the first 1% of time",
            SearchQuery {
                text: "lunch".into(),
                until: Some(1_700_000_000_000 + messages as i64 * 10),
                ..Default::default()
            },
        ),
        (
            "\"zq\" (2 chars, no hit)",
            SearchQuery {
                text: "zq".into(),
                ..Default::default()
            },
        ),
        (
            "\"東京\" in the oldest conversation",
            SearchQuery {
                text: "東京".into(),
                conversation: Some(oldest_conversation),
                ..Default::default()
            },
        ),
        (
            "no text, with attachment",
            SearchQuery {
                has_attachment: Some(true),
                ..Default::default()
            },
        ),
    ];
    println!("other query classes (not in the figures above):");
    for (name, query) in &classes {
        let mut t: Vec<f64> = (0..3)
            .map(|_| {
                let started = Instant::now();
                cache
                    .search(query)
                    .map(|hits| (started.elapsed(), hits.len()))
            })
            .map(|r| r.map(|(elapsed, _)| elapsed.as_secs_f64() * 1000.0))
            .collect::<Result<_, _>>()?;
        t.sort_by(|a, b| a.total_cmp(b));
        let hits = cache.search(query)?.len();
        println!(
            "  {name:<38} median {:>7.1} ms ({hits} hits)",
            t[t.len() / 2]
        );
    }
    println!(
        "{{\"messages\":{messages},\"open_list_ms\":{:.1},\"search_p50_ms\":{:.1},\"search_p95_ms\":{:.1}}}",
        first_paint.as_secs_f64() * 1000.0,
        pct(0.5),
        pct(0.95)
    );
    Ok(())
}
