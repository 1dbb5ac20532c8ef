//! Local full-text search over every cached message.
//!
//! The index (kept by the cache, see `cache::index`) is an FTS5 table with the trigram
//! tokenizer, case-insensitive and with `remove_diacritics`, over each sent message's
//! text and its attachments' file names. Trigrams match any substring of three characters
//! or more, so a search finds what word-based tokenizers miss: "gram" in "telegram",
//! "example" inside a URL, "arbre" in "l'arbre", "invoice" in "Invoice-2026.pdf", runs of
//! CJK text without spaces, any script's case ("привет" in "Привет"), and "cafe" in
//! "CAFÉ". Results are ranked by bm25.
//!
//! How a query is read: its text is split on whitespace into terms, and a message must
//! contain every term (in any order, anywhere, even inside a word). A term is always taken
//! literally: each is quoted for FTS5, so `a OR b`, quotes, `*`, `-`, `NEAR(…)` or column
//! filters in a query are just text and can neither fail nor change the query. Terms of
//! one or two characters (too short for trigrams: "東京", "ok", an emoji) are matched with
//! `LIKE` against a case- and accent-folded copy of the text instead. A query made only of
//! such terms is ordered newest first (its score is 0); an empty query lists the newest
//! messages that pass the filters.
//!
//! Pending and failed local echoes are not searchable: a hit names the seq to jump to.
//! Deleted messages are not either; an edited message is found by its new text only.

use crate::cache::index::{fold, Folded};
use crate::cache::{Cache, CacheResult};
use rusqlite::types::Value;
use serde::{Deserialize, Serialize};
use tidings_shared::{ConversationId, EventBody, Seq, UserId};

/// Results returned when the query asks for 0.
const DEFAULT_LIMIT: u32 = 50;
/// The most results one query returns.
const MAX_LIMIT: u32 = 500;
/// Characters of context kept before the first match in a snippet...
const CONTEXT_BEFORE: usize = 30;
/// ...and the length a snippet is cut to (in characters, plus the ellipses).
const SNIPPET_CHARS: usize = 120;

/// What to look for, and where.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SearchQuery {
    /// What the person typed: whitespace-separated terms, all of which must occur.
    pub text: String,
    /// Only in this conversation.
    pub conversation: Option<ConversationId>,
    /// Only messages from this person.
    pub sender: Option<UserId>,
    /// Only messages sent at or after this time (ms since the Unix epoch).
    pub since: Option<i64>,
    /// Only messages sent before this time (ms since the Unix epoch, exclusive).
    pub until: Option<i64>,
    /// Only messages with (`true`) or without (`false`) attachments.
    pub has_attachment: Option<bool>,
    /// The most hits wanted (0 means 50; at most 500).
    pub limit: u32,
}

/// One message that matches.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SearchHit {
    /// Where it is.
    pub conversation_id: ConversationId,
    /// Its place in the log, to open the conversation there.
    pub seq: Seq,
    /// Who wrote it.
    pub sender: UserId,
    /// When it was sent (ms since the Unix epoch).
    pub ts: i64,
    /// A short excerpt around the first match (or the file name that matched), with the
    /// matching parts marked.
    pub snippet: Vec<SnippetPart>,
    /// Relevance: higher is better (bm25, negated); 0 for queries too short to rank.
    pub score: f64,
}

/// A piece of a snippet.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnippetPart {
    /// The text of the piece.
    pub text: String,
    /// Whether it matched the query (to be shown highlighted).
    pub highlighted: bool,
}

impl Cache {
    /// Searches every cached message (see the module documentation for how a query is
    /// read). The best hits come first.
    pub fn search(&self, query: &SearchQuery) -> CacheResult<Vec<SearchHit>> {
        let terms: Vec<&str> = query.text.split_whitespace().collect();
        let folded: Vec<String> = terms.iter().map(|t| fold(t)).collect();
        // A term that folds to nothing (only combining marks) would match everything.
        let (long, short): (Vec<usize>, Vec<usize>) = (0..terms.len())
            .filter(|&i| !folded[i].is_empty())
            .partition(|&i| folded[i].chars().count() >= 3);
        let ranked = !long.is_empty();

        let mut params: Vec<Value> = Vec::new();
        let mut conditions: Vec<String> = Vec::new();
        let mut from = String::from("messages m JOIN message_folded f ON f.row_id = m.row_id");
        if ranked {
            from.push_str(" JOIN message_fts ON message_fts.rowid = m.row_id");
            let phrases: Vec<String> = long.iter().map(|&i| fts_phrase(terms[i])).collect();
            params.push(Value::Text(phrases.join(" AND ")));
            conditions.push(format!("message_fts MATCH ?{}", params.len()));
        }
        for &i in &short {
            params.push(Value::Text(format!("%{}%", escape_like(&folded[i]))));
            conditions.push(format!("f.folded LIKE ?{} ESCAPE '\\'", params.len()));
        }
        let mut filter = |sql: &str, value: Value| {
            params.push(value);
            conditions.push(format!("{sql} ?{}", params.len()));
        };
        if let Some(cid) = &query.conversation {
            filter("m.conversation_id =", Value::Text(cid.0.clone()));
        }
        if let Some(sender) = &query.sender {
            filter("m.sender =", Value::Text(sender.0.clone()));
        }
        if let Some(since) = query.since {
            filter("m.ts >=", Value::Integer(since));
        }
        if let Some(until) = query.until {
            filter("m.ts <", Value::Integer(until));
        }
        if let Some(has) = query.has_attachment {
            filter("m.has_attachment =", Value::Integer(i64::from(has)));
        }
        let limit = match query.limit {
            0 => DEFAULT_LIMIT,
            n => n.min(MAX_LIMIT),
        };
        params.push(Value::Integer(i64::from(limit)));
        let (score, order) = if ranked {
            ("-bm25(message_fts, 1.0, 0.75)", "score DESC, m.ts DESC")
        } else {
            ("0.0", "m.ts DESC, m.row_id DESC")
        };
        let condition = if conditions.is_empty() {
            "1".to_owned()
        } else {
            conditions.join(" AND ")
        };
        let sql = format!(
            "SELECT m.conversation_id, m.seq, m.sender, m.ts, m.body, {score} AS score
             FROM {from} WHERE m.seq IS NOT NULL AND {condition}
             ORDER BY {order} LIMIT ?{}",
            params.len()
        );

        let wanted: Vec<String> = folded.into_iter().filter(|t| !t.is_empty()).collect();
        self.read(|conn| {
            let mut stmt = conn.prepare(&sql)?;
            let mut rows = stmt.query(rusqlite::params_from_iter(params))?;
            let mut hits = Vec::new();
            while let Some(row) = rows.next()? {
                let body: String = row.get(4)?;
                let body: EventBody = serde_json::from_str(&body)?;
                hits.push(SearchHit {
                    conversation_id: ConversationId(row.get(0)?),
                    seq: row.get(1)?,
                    sender: UserId(row.get(2)?),
                    ts: row.get(3)?,
                    snippet: snippet(&body, &wanted),
                    score: row.get(5)?,
                });
            }
            Ok(hits)
        })
    }
}

/// A term as an FTS5 string: in double quotes, inner quotes doubled, so that nothing in
/// it is syntax.
fn fts_phrase(term: &str) -> String {
    format!("\"{}\"", term.replace('"', "\"\""))
}

/// A term for `LIKE … ESCAPE '\'`: its wildcards and the escape character taken literally.
fn escape_like(term: &str) -> String {
    let mut out = String::with_capacity(term.len());
    for c in term.chars() {
        if matches!(c, '\\' | '%' | '_') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The excerpt of a message around the first match of any term: from its text, or else
/// the first file name that matches, or else the start of the text.
fn snippet(body: &EventBody, terms: &[String]) -> Vec<SnippetPart> {
    let EventBody::Message {
        text, attachments, ..
    } = body
    else {
        return Vec::new();
    };
    if let Some(parts) = excerpt(text, terms) {
        return parts;
    }
    for file in attachments {
        if let Some(parts) = excerpt(&file.name, terms) {
            return parts;
        }
    }
    let plain = if text.is_empty() {
        attachments.first().map_or("", |a| a.name.as_str())
    } else {
        text
    };
    window(plain, 0, &[])
}

/// The excerpt of `text` around its first match, or `None` when no term occurs in it.
fn excerpt(text: &str, terms: &[String]) -> Option<Vec<SnippetPart>> {
    let folded = Folded::new(text);
    let mut matches: Vec<(usize, usize)> = terms.iter().flat_map(|t| folded.find(t)).collect();
    if matches.is_empty() {
        return None;
    }
    matches.sort_unstable();
    // Merge overlapping matches so each character is highlighted at most once.
    let mut merged: Vec<(usize, usize)> = Vec::with_capacity(matches.len());
    for (start, end) in matches {
        match merged.last_mut() {
            Some(last) if start <= last.1 => last.1 = last.1.max(end),
            _ => merged.push((start, end)),
        }
    }
    let first = merged.first().map_or(0, |m| m.0);
    let start = text[..first]
        .char_indices()
        .rev()
        .nth(CONTEXT_BEFORE - 1)
        .map_or(0, |(i, _)| i);
    Some(window(text, start, &merged))
}

/// `text` from byte `start` for [`SNIPPET_CHARS`] characters, split into highlighted and
/// plain parts by the byte ranges `marks` (sorted, disjoint), with ellipses where cut.
fn window(text: &str, start: usize, marks: &[(usize, usize)]) -> Vec<SnippetPart> {
    let end = text[start..]
        .char_indices()
        .nth(SNIPPET_CHARS)
        .map_or(text.len(), |(i, _)| start + i);
    let mut parts = Vec::new();
    let mut push = |piece: &str, highlighted: bool| {
        if !piece.is_empty() {
            parts.push(SnippetPart {
                text: piece.to_owned(),
                highlighted,
            });
        }
    };
    if start > 0 {
        push("…", false);
    }
    let mut at = start;
    for &(mark_start, mark_end) in marks {
        let (from, to) = (mark_start.max(at), mark_end.min(end));
        if from >= to {
            continue;
        }
        push(&text[at..from], false);
        push(&text[from..to], true);
        at = to;
    }
    push(&text[at..end], false);
    if end < text.len() {
        push("…", false);
    }
    // Adjacent plain pieces (the ellipses) read better as one.
    let mut joined: Vec<SnippetPart> = Vec::with_capacity(parts.len());
    for part in parts {
        match joined.last_mut() {
            Some(last) if last.highlighted == part.highlighted => last.text.push_str(&part.text),
            _ => joined.push(part),
        }
    }
    joined
}
