//! Keeping the full-text index in step with the messages, and the text folding that the
//! short-query fallback and the snippets use.
//!
//! Indexed: every `message` row that has a seq and is not deleted, by its text and its
//! attachments' file names (`message_fts`, trigram tokenizer), plus a folded copy of the
//! same text (`message_folded`) for queries of one or two characters, which trigrams
//! cannot answer. **Pending and failed local echoes are not indexed**: a search hit names
//! a seq to jump to, which an echo does not have yet; it becomes searchable when the
//! server acknowledges it or its event arrives.
//!
//! Folding lowercases (full Unicode case mapping, so Cyrillic, Greek and the rest) and
//! strips accents from Latin letters (Latin-1, Latin Extended-A, the common Extended-B
//! letters and the Vietnamese block) and combining marks, like the trigram tokenizer's
//! `remove_diacritics`.

use super::{exec, query_one, CacheResult};
use rusqlite::{Connection, OptionalExtension};
use tidings_shared::EventBody;

/// Brings the row's index entries in line with its current state: (re)indexes a sent,
/// undeleted message, removes anything else.
pub(super) fn update(conn: &Connection, row_id: i64) -> CacheResult<()> {
    remove(conn, row_id)?;
    let row: Option<(String, String, bool)> = query_one(
        conn,
        "SELECT kind, body, seq IS NOT NULL FROM messages WHERE row_id = ?1",
        [row_id],
        |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
    )
    .optional()?;
    let Some((kind, body, sent)) = row else {
        return Ok(());
    };
    if kind != "message" || !sent {
        return Ok(());
    }
    let body: EventBody = serde_json::from_str(&body)?;
    if let Some((text, files)) = searchable(&body) {
        insert(conn, row_id, &text, &files)?;
    }
    Ok(())
}

/// Indexes a row that was just inserted (nothing to remove first, nothing to read back).
pub(super) fn add(conn: &Connection, row_id: i64, body: &EventBody) -> CacheResult<()> {
    if let Some((text, files)) = searchable(body) {
        insert(conn, row_id, &text, &files)?;
    }
    Ok(())
}

/// Takes the row out of the index (nothing happens if it is not in it).
pub(super) fn remove(conn: &Connection, row_id: i64) -> CacheResult<()> {
    exec(conn, "DELETE FROM message_fts WHERE rowid = ?1", [row_id])?;
    exec(
        conn,
        "DELETE FROM message_folded WHERE row_id = ?1",
        [row_id],
    )?;
    Ok(())
}

/// Rebuilds the whole index from the messages (after the migration that created it).
pub(super) fn rebuild(conn: &Connection) -> CacheResult<()> {
    exec(conn, "DELETE FROM message_fts", [])?;
    exec(conn, "DELETE FROM message_folded", [])?;
    let mut stmt = conn
        .prepare("SELECT row_id, body FROM messages WHERE kind = 'message' AND seq IS NOT NULL")?;
    let mut rows = stmt.query([])?;
    let mut count = 0u64;
    while let Some(row) = rows.next()? {
        let row_id: i64 = row.get(0)?;
        let body: String = row.get(1)?;
        let body: EventBody = serde_json::from_str(&body)?;
        if let Some((text, files)) = searchable(&body) {
            insert(conn, row_id, &text, &files)?;
            count += 1;
        }
    }
    tracing::info!(count, "search index rebuilt");
    Ok(())
}

fn insert(conn: &Connection, row_id: i64, text: &str, files: &str) -> CacheResult<()> {
    exec(
        conn,
        "INSERT INTO message_fts (rowid, text, files) VALUES (?1, ?2, ?3)",
        (row_id, text, files),
    )?;
    exec(
        conn,
        "INSERT INTO message_folded (row_id, folded) VALUES (?1, ?2)",
        (row_id, fold(&format!("{text}\n{files}"))),
    )?;
    Ok(())
}

/// The text and the file names (one per line) of a message worth indexing.
pub(crate) fn searchable(body: &EventBody) -> Option<(String, String)> {
    match body {
        EventBody::Message {
            text,
            deleted: false,
            attachments,
            ..
        } if !text.is_empty() || !attachments.is_empty() => {
            let files: Vec<&str> = attachments.iter().map(|a| a.name.as_str()).collect();
            Some((text.clone(), files.join("\n")))
        }
        _ => None,
    }
}

/// `s` lowercased and without accents, for comparing as the index does.
pub(crate) fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        fold_char(c, &mut out);
    }
    out
}

/// A folded text that remembers where each of its characters came from, so that a match
/// in the folded text can be highlighted in the original.
pub(crate) struct Folded {
    /// The folded text.
    pub(crate) text: String,
    /// Per folded character, in order: its byte offset in `text`, and the byte range in
    /// the original of the character it came from.
    spans: Vec<(usize, usize, usize)>,
}

impl Folded {
    /// Folds `original`, keeping the map back to it.
    pub(crate) fn new(original: &str) -> Folded {
        let mut text = String::with_capacity(original.len());
        let mut spans = Vec::with_capacity(original.len());
        for (start, c) in original.char_indices() {
            let end = start + c.len_utf8();
            let mut folded = String::new();
            fold_char(c, &mut folded);
            for f in folded.chars() {
                spans.push((text.len(), start, end));
                text.push(f);
            }
        }
        Folded { text, spans }
    }

    /// The byte ranges of the original where `needle` (already folded, not empty) occurs.
    pub(crate) fn find(&self, needle: &str) -> Vec<(usize, usize)> {
        if needle.is_empty() {
            return Vec::new();
        }
        self.text
            .match_indices(needle)
            .filter_map(|(at, m)| {
                let first = self.spans.binary_search_by_key(&at, |s| s.0).ok()?;
                let last_byte = at + m.len() - 1;
                let last = match self.spans.binary_search_by_key(&last_byte, |s| s.0) {
                    Ok(i) => i,
                    Err(i) => i.checked_sub(1)?,
                };
                Some((self.spans.get(first)?.1, self.spans.get(last)?.2))
            })
            .collect()
    }
}

fn fold_char(c: char, out: &mut String) {
    if c.is_ascii() {
        out.push(c.to_ascii_lowercase());
        return;
    }
    for lower in c.to_lowercase() {
        if ('\u{300}'..='\u{36f}').contains(&lower) {
            continue;
        }
        out.push(strip_accent(lower));
    }
}

/// The base letter of an accented lowercase Latin letter; anything else unchanged.
fn strip_accent(c: char) -> char {
    match c {
        'à'..='å' | 'ā' | 'ă' | 'ą' | 'ǎ' | 'ǟ' | 'ǡ' | 'ǻ' | 'ȁ' | 'ȃ' | 'ȧ' => 'a',
        'ç' | 'ć' | 'ĉ' | 'ċ' | 'č' => 'c',
        'ď' | 'đ' => 'd',
        'è'..='ë' | 'ē' | 'ĕ' | 'ė' | 'ę' | 'ě' | 'ȅ' | 'ȇ' | 'ȩ' => 'e',
        'ĝ' | 'ğ' | 'ġ' | 'ģ' | 'ǧ' | 'ǵ' => 'g',
        'ĥ' | 'ħ' | 'ȟ' => 'h',
        'ì'..='ï' | 'ĩ' | 'ī' | 'ĭ' | 'į' | 'ı' | 'ǐ' | 'ȉ' | 'ȋ' => 'i',
        'ĵ' | 'ǰ' => 'j',
        'ķ' | 'ǩ' => 'k',
        'ĺ' | 'ļ' | 'ľ' | 'ŀ' | 'ł' => 'l',
        'ñ' | 'ń' | 'ņ' | 'ň' | 'ǹ' => 'n',
        'ò'..='ö' | 'ø' | 'ō' | 'ŏ' | 'ő' | 'ơ' | 'ǒ' | 'ǫ' | 'ǭ' | 'ǿ' | 'ȍ' | 'ȏ' | 'ȯ' => {
            'o'
        }
        'ŕ' | 'ŗ' | 'ř' | 'ȑ' | 'ȓ' => 'r',
        'ś' | 'ŝ' | 'ş' | 'š' | 'ș' => 's',
        'ţ' | 'ť' | 'ŧ' | 'ț' => 't',
        'ù'..='ü'
        | 'ũ'
        | 'ū'
        | 'ŭ'
        | 'ů'
        | 'ű'
        | 'ų'
        | 'ư'
        | 'ǔ'
        | 'ǖ'
        | 'ǘ'
        | 'ǚ'
        | 'ǜ'
        | 'ȕ'
        | 'ȗ' => 'u',
        'ŵ' => 'w',
        'ý' | 'ÿ' | 'ŷ' | 'ȳ' => 'y',
        'ź' | 'ż' | 'ž' => 'z',
        // Latin Extended Additional: the Vietnamese letters, in runs per base letter.
        '\u{1ea0}'..='\u{1eb7}' => 'a',
        '\u{1eb8}'..='\u{1ec7}' => 'e',
        '\u{1ec8}'..='\u{1ecb}' => 'i',
        '\u{1ecc}'..='\u{1ee3}' => 'o',
        '\u{1ee4}'..='\u{1ef1}' => 'u',
        '\u{1ef2}'..='\u{1ef9}' => 'y',
        _ => c,
    }
}
