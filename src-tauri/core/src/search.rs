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
//! Ranking is bounded so that a common term stays fast in a large cache: a query scores
//! the newest 500 matches that pass its filters (by storage order, which is arrival
//! order) and returns the best of those; an older message that would score higher is not
//! returned. The score is FTS5's `bm25(message_fts, 1.0, 0.75)`, computed in `cache::bm25`
//! on those candidates only, because FTS5's own function counts every match of every
//! phrase first.
//!
//! How a query is read: its text is split on whitespace (and NUL) into terms, and a
//! message must contain every term (in any order, anywhere, even inside a word). A term
//! is always taken literally: each is quoted for FTS5, so `a OR b`, quotes, `*`, `-`,
//! `NEAR(…)` or column filters in a query are just text and can neither fail nor change
//! the query. Terms of one or two characters (too short for trigrams: "東京", "ok", an
//! emoji) are matched with `LIKE` against a case- and accent-folded copy of the text
//! instead. A query made only of such terms is ordered newest first (its score is 0); an
//! empty query lists the newest messages that pass the filters.
//!
//! Pending and failed local echoes are not searchable: a hit names the seq to jump to.
//! Deleted messages are not either; an edited message is found by its new text only.

use crate::cache::bm25::Corpus;
use crate::cache::index::{fold, Folded};
use crate::cache::{Cache, CacheResult};
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use tidings_shared::{ConversationId, EventBody, Seq, UserId};

/// Results returned when the query asks for 0.
const DEFAULT_LIMIT: u32 = 50;
/// The most results one query returns.
const MAX_LIMIT: u32 = 500;
/// The matches a ranked query scores: the newest this many that pass its filters.
const CANDIDATES: u32 = 500;
/// Characters of context kept before the first match in a snippet...
const CONTEXT_BEFORE: usize = 30;
/// ...and the length a snippet is cut to (in characters, plus the ellipses).
const SNIPPET_CHARS: usize = 120;

/// What to look for, and where.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export_to = "core.ts")]
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
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export_to = "core.ts")]
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
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export_to = "core.ts")]
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
        // NUL separates terms too: FTS5 reads a query string only up to its first NUL, so
        // a quoted term holding one fails the whole query ("unterminated string").
        let terms: Vec<&str> = query
            .text
            .split(|c: char| c.is_whitespace() || c == '\0')
            .filter(|t| !t.is_empty())
            .collect();
        let folded: Vec<String> = terms.iter().map(|t| fold(t)).collect();
        // A term that folds to nothing (only combining marks) would match everything.
        let (long, short): (Vec<usize>, Vec<usize>) = (0..terms.len())
            .filter(|&i| !folded[i].is_empty())
            .partition(|&i| folded[i].chars().count() >= 3);
        let limit = match query.limit {
            0 => DEFAULT_LIMIT,
            n => n.min(MAX_LIMIT),
        };

        let mut sql = Conditions::default();
        let from = if long.is_empty() {
            "messages m JOIN message_folded f ON f.row_id = m.row_id"
        } else {
            let phrases: Vec<String> = long.iter().map(|&i| fts_phrase(terms[i])).collect();
            sql.push("message_fts MATCH", Value::Text(phrases.join(" AND ")));
            if short.is_empty() {
                "message_fts JOIN messages m ON m.row_id = message_fts.rowid"
            } else {
                "message_fts JOIN messages m ON m.row_id = message_fts.rowid
                 JOIN message_folded f ON f.row_id = m.row_id"
            }
        };
        for &i in &short {
            let pattern = format!("%{}%", escape_like(&folded[i]));
            sql.push_with("f.folded LIKE", Value::Text(pattern), " ESCAPE '\\'");
        }
        if let Some(cid) = &query.conversation {
            sql.push("m.conversation_id =", Value::Text(cid.0.clone()));
        }
        if let Some(sender) = &query.sender {
            sql.push("m.sender =", Value::Text(sender.0.clone()));
        }
        if let Some(since) = query.since {
            sql.push("m.ts >=", Value::Integer(since));
        }
        if let Some(until) = query.until {
            sql.push("m.ts <", Value::Integer(until));
        }
        if let Some(has) = query.has_attachment {
            // A literal, not a parameter, so that the planner can use the index of
            // messages with files.
            sql.clauses
                .push(format!("m.has_attachment = {}", i64::from(has)));
        }

        let wanted: Vec<String> = folded.iter().filter(|t| !t.is_empty()).cloned().collect();
        self.read(|conn| {
            let found = if long.is_empty() {
                newest(conn, from, sql, limit)?
            } else {
                let ranked: Vec<(String, String)> = long
                    .iter()
                    .map(|&i| (fts_phrase(terms[i]), folded[i].clone()))
                    .collect();
                best(conn, from, sql, &ranked, limit)?
            };
            let mut stmt = conn.prepare_cached(
                "SELECT conversation_id, seq, sender, ts, body FROM messages
                 WHERE row_id = ?1 AND seq IS NOT NULL",
            )?;
            let mut hits = Vec::with_capacity(found.len());
            for (row_id, score) in found {
                let Some((conversation_id, seq, sender, ts, body)) = stmt
                    .query_row([row_id], |row| {
                        Ok((
                            row.get(0)?,
                            row.get(1)?,
                            row.get(2)?,
                            row.get(3)?,
                            row.get::<_, String>(4)?,
                        ))
                    })
                    .optional()?
                else {
                    continue;
                };
                let body: EventBody = serde_json::from_str(&body)?;
                hits.push(SearchHit {
                    conversation_id: ConversationId(conversation_id),
                    seq,
                    sender: UserId(sender),
                    ts,
                    snippet: snippet(&body, &wanted),
                    score,
                });
            }
            Ok(hits)
        })
    }
}

/// The `WHERE` clause of a search and its parameters (numbered in order).
#[derive(Default)]
struct Conditions {
    clauses: Vec<String>,
    params: Vec<Value>,
}

impl Conditions {
    /// Adds `{sql} ?n`.
    fn push(&mut self, sql: &str, value: Value) {
        self.push_with(sql, value, "");
    }

    /// Adds `{sql} ?n{after}`.
    fn push_with(&mut self, sql: &str, value: Value, after: &str) {
        self.params.push(value);
        self.clauses
            .push(format!("{sql} ?{}{after}", self.params.len()));
    }

    /// The next parameter's number.
    fn next(&self) -> usize {
        self.params.len() + 1
    }

    fn clause(&self) -> String {
        let mut all = vec!["m.seq IS NOT NULL".to_owned()];
        all.extend(self.clauses.iter().cloned());
        all.join(" AND ")
    }
}

/// A query of short terms only (or none): the newest matching messages, score 0.
fn newest(
    conn: &Connection,
    from: &str,
    mut sql: Conditions,
    limit: u32,
) -> CacheResult<Vec<(i64, f64)>> {
    let statement = format!(
        "SELECT m.row_id FROM {from} WHERE {}
         ORDER BY m.ts DESC, m.row_id DESC LIMIT ?{}",
        sql.clause(),
        sql.next()
    );
    sql.params.push(Value::Integer(i64::from(limit)));
    let mut stmt = conn.prepare_cached(&statement)?;
    let rows = stmt.query_map(rusqlite::params_from_iter(sql.params), |row| {
        Ok((row.get(0)?, 0.0))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// A ranked query: the newest [`CANDIDATES`] matches that pass the filters, ordered by
/// their BM25 score (see `cache::bm25`), then newest first. `phrases` are the long terms,
/// as FTS5 phrases and folded.
fn best(
    conn: &Connection,
    from: &str,
    mut sql: Conditions,
    phrases: &[(String, String)],
    limit: u32,
) -> CacheResult<Vec<(i64, f64)>> {
    let statement = format!(
        "SELECT m.row_id, m.ts, message_fts.text, message_fts.files FROM {from}
         WHERE {} ORDER BY message_fts.rowid DESC LIMIT ?{}",
        sql.clause(),
        sql.next()
    );
    sql.params.push(Value::Integer(i64::from(CANDIDATES)));
    let mut stmt = conn.prepare_cached(&statement)?;
    let mut rows = stmt.query(rusqlite::params_from_iter(sql.params))?;
    let mut candidates: Vec<(i64, i64, String, String)> = Vec::new();
    while let Some(row) = rows.next()? {
        candidates.push((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?));
    }
    if candidates.is_empty() {
        return Ok(Vec::new());
    }
    let Some(corpus) = Corpus::read(conn)? else {
        return Ok(Vec::new());
    };
    let weighted: Vec<(String, f64)> = phrases
        .iter()
        .map(|(phrase, folded)| Ok((folded.clone(), corpus.idf(conn, phrase)?)))
        .collect::<CacheResult<_>>()?;
    let mut scored: Vec<(f64, i64, i64)> = candidates
        .into_iter()
        .map(|(row_id, ts, text, files)| (corpus.score(&text, &files, &weighted), ts, row_id))
        .collect();
    scored.sort_by(|a, b| {
        b.0.total_cmp(&a.0)
            .then_with(|| b.1.cmp(&a.1))
            .then_with(|| b.2.cmp(&a.2))
    });
    Ok(scored
        .into_iter()
        .take(limit as usize)
        .map(|(score, _, row_id)| (row_id, score))
        .collect())
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
