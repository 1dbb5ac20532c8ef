//! BM25 scores computed as FTS5's `bm25()` computes them, for a bounded set of candidates.
//!
//! Why not call `bm25()`: to weigh each phrase of a query, it first counts every row of the
//! index that contains the phrase, whatever the `LIMIT` or rowid bounds of the query. For
//! a common term in a cache of 1,000,000 messages that count alone reads a third of the
//! index: 60 ms for one term, 300 ms for two (docs/BENCHMARKS.md, "Client cache").
//!
//! So search ranks its candidates (the newest matches, see [`crate::search`]) with the same
//! formula, k1 = 1.2, b = 0.75, the text weighing 1 and the file names 0.75, from:
//! - the number of rows and their average length in tokens, read from the totals FTS5
//!   keeps for its own `bm25()` (the "averages" record, rowid 1 of `message_fts_data`);
//! - each phrase's document frequency, counted exactly up to [`DF_EXACT`] matches, and
//!   above that estimated from the share of the index its newest [`DF_EXACT`] matches span;
//! - the phrase's frequency in each column and the row's length in tokens, computed from
//!   the text the way the trigram tokenizer reads it (every overlapping occurrence of the
//!   folded term is one instance; a column of n characters has n − 2 trigrams).
//!
//! For phrases found in at most [`DF_EXACT`] messages the score is FTS5's (a test compares
//! them); for more common ones only the phrase's weight is estimated, and it is close to
//! FTS5's floor anyway (a phrase in more than half the rows weighs 1e-6).

use super::index::fold;
use super::CacheResult;
use rusqlite::{Connection, OptionalExtension};

/// Matches of a phrase counted exactly before its document frequency is estimated.
pub(crate) const DF_EXACT: u32 = 250;

const K1: f64 = 1.2;
const B: f64 = 0.75;
/// Weights of the index's columns (`text`, `files`), as search always passed to `bm25()`.
const WEIGHTS: [f64; 2] = [1.0, 0.75];
/// FTS5's smallest phrase weight (for phrases in more than half of the rows).
const MIN_IDF: f64 = 1e-6;

/// What the formula needs to know about the whole index.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Corpus {
    /// Rows in the index.
    rows: f64,
    /// Their average length in tokens, all columns together.
    average_length: f64,
    /// The lowest and highest rowid in the index.
    rowids: (i64, i64),
}

impl Corpus {
    /// Reads the index's totals. `None` when the index is empty.
    pub(crate) fn read(conn: &Connection) -> CacheResult<Option<Corpus>> {
        let block: Option<Vec<u8>> = conn
            .prepare_cached("SELECT block FROM message_fts_data WHERE id = 1")?
            .query_row([], |row| row.get(0))
            .optional()?;
        let rowids: (Option<i64>, Option<i64>) = conn
            .prepare_cached(
                "SELECT (SELECT MIN(row_id) FROM message_folded),
                        (SELECT MAX(row_id) FROM message_folded)",
            )?
            .query_row([], |row| Ok((row.get(0)?, row.get(1)?)))?;
        let (Some(low), Some(high)) = rowids else {
            return Ok(None);
        };
        // The averages record: the row count, then the total tokens of each column, as
        // SQLite varints.
        let mut totals = Vec::with_capacity(3);
        let mut rest = block.as_deref().unwrap_or_default();
        while let Some((value, used)) = varint(rest) {
            totals.push(value);
            rest = &rest[used..];
        }
        let rows = totals.first().copied().unwrap_or(0);
        if rows == 0 {
            return Ok(None);
        }
        let tokens: u64 = totals.iter().skip(1).sum();
        Ok(Some(Corpus {
            rows: rows as f64,
            average_length: tokens as f64 / rows as f64,
            rowids: (low, high),
        }))
    }

    /// The weight of a phrase (an FTS5 query string), from how many rows contain it.
    pub(crate) fn idf(&self, conn: &Connection, phrase: &str) -> CacheResult<f64> {
        let (count, oldest): (u32, Option<i64>) = conn
            .prepare_cached(
                "SELECT COUNT(*), MIN(rowid) FROM (
                    SELECT rowid FROM message_fts WHERE message_fts MATCH ?1
                    ORDER BY rowid DESC LIMIT ?2
                 )",
            )?
            .query_row((phrase, DF_EXACT), |row| Ok((row.get(0)?, row.get(1)?)))?;
        let found = match oldest {
            Some(oldest) if count >= DF_EXACT => {
                // The newest DF_EXACT matches span rowids oldest..=high: assume the rest
                // of the index holds matches as densely.
                let (low, high) = self.rowids;
                let whole = (high - low + 1).max(1) as f64;
                let sampled = (high - oldest + 1).max(1) as f64;
                (f64::from(count) * whole / sampled).min(self.rows)
            }
            _ => f64::from(count),
        };
        let idf = ((self.rows - found + 0.5) / (found + 0.5)).ln();
        Ok(if idf > 0.0 { idf } else { MIN_IDF })
    }

    /// The score of a row (higher is better: `bm25()` negated), given its text and file
    /// names and the query's terms, folded, each with its weight from [`Corpus::idf`].
    pub(crate) fn score(&self, text: &str, files: &str, terms: &[(String, f64)]) -> f64 {
        let columns = [fold(text), fold(files)];
        let length: usize = [text, files].iter().map(|c| tokens(c)).sum();
        let norm = K1 * (1.0 - B + B * length as f64 / self.average_length.max(f64::MIN_POSITIVE));
        terms
            .iter()
            .map(|(term, idf)| {
                let frequency: f64 = columns
                    .iter()
                    .zip(WEIGHTS)
                    .map(|(column, weight)| weight * occurrences(column, term) as f64)
                    .sum();
                idf * frequency * (K1 + 1.0) / (frequency + norm)
            })
            .sum()
    }
}

/// Occurrences of `needle` in `haystack`, overlapping ones included (each is a phrase
/// instance for FTS5).
fn occurrences(haystack: &str, needle: &str) -> usize {
    let Some(first) = needle.chars().next() else {
        return 0;
    };
    let step = first.len_utf8();
    let mut count = 0;
    let mut from = 0;
    while let Some(at) = haystack.get(from..).and_then(|rest| rest.find(needle)) {
        count += 1;
        from += at + step;
    }
    count
}

/// Trigrams the tokenizer makes of a column: one per character from the third on, not
/// counting the combining marks `remove_diacritics` drops.
fn tokens(column: &str) -> usize {
    column
        .chars()
        .filter(|&c| c != '\0' && !('\u{300}'..='\u{36f}').contains(&c))
        .count()
        .saturating_sub(2)
}

/// An SQLite varint (big-endian, 7 bits a byte, the ninth byte whole) and its length.
fn varint(bytes: &[u8]) -> Option<(u64, usize)> {
    let mut value: u64 = 0;
    for (i, &byte) in bytes.iter().enumerate().take(9) {
        if i == 8 {
            return Some(((value << 8) | u64::from(byte), 9));
        }
        value = (value << 7) | u64::from(byte & 0x7f);
        if byte & 0x80 == 0 {
            return Some((value, i + 1));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_read_as_sqlite_writes_them() {
        assert_eq!(varint(&[0x05]), Some((5, 1)));
        assert_eq!(varint(&[189, 132, 64, 0]), Some((1_000_000, 3)));
        assert_eq!(varint(&[0x81]), None);
        assert_eq!(varint(&[0xff; 9]), Some((u64::MAX, 9)));
    }

    #[test]
    fn overlapping_occurrences_count() {
        assert_eq!(occurrences("aaaaa", "aaaa"), 2);
        assert_eq!(occurrences("telegram grammar", "gram"), 2);
        assert_eq!(occurrences("東京東京", "東京"), 2);
        assert_eq!(occurrences("abc", "x"), 0);
        assert_eq!(tokens("ab"), 0);
        assert_eq!(tokens("café"), 2);
        assert_eq!(tokens("cafe\u{301}"), 2);
    }
}
