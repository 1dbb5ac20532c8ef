// The conversation view's loaded window: which rows it holds, how a fresh read of the
// newest rows or an older page joins it, and how much to ask for so that no gap opens.
// The cache is the truth; the window only remembers how far back the person scrolled.
import type { CachedMessage } from "./protocol/core";

/** Rows in one older page (and the first read). The server sends at most 200 a page. */
export const PAGE_SIZE = 60;

/** Room for rows that arrived since the last read, when the window is read again. */
export const NEW_ROWS_MARGIN = 50;

/** The oldest seq held, if any (local echoes have none). */
export function oldestSeq(rows: CachedMessage[]): number | null {
  for (const m of rows) if (m.seq !== null) return m.seq;
  return null;
}

/** Rows that have a place in the log (not local echoes). */
export function loggedCount(rows: CachedMessage[]): number {
  let n = 0;
  for (const m of rows) if (m.seq !== null) n += 1;
  return n;
}

/** How many of the newest rows to ask for to read the whole window again. */
export function refreshLimit(window: CachedMessage[]): number {
  return Math.max(PAGE_SIZE, loggedCount(window) + NEW_ROWS_MARGIN);
}

/** When a fresh newest page came back full but does not reach down to `from` (more rows
 * arrived than the margin), how many more rows to ask for; 0 when it covers the window. */
export function shortfall(fresh: CachedMessage[], limit: number, from: number | null): number {
  if (from === null || loggedCount(fresh) < limit) return 0;
  const oldest = oldestSeq(fresh);
  return oldest !== null && oldest > from ? oldest - from : 0;
}

/** The window after reading the newest rows again: `fresh` is the truth from its oldest
 * seq up (with the echoes); older rows the window already held stay below it, and rows
 * of `fresh` below the window's oldest are left out (the window does not creep upwards
 * with every read). */
export function mergeNewest(window: CachedMessage[], fresh: CachedMessage[]): CachedMessage[] {
  const from = oldestSeq(window);
  const kept = from === null ? fresh : fresh.filter((m) => m.seq === null || m.seq >= from);
  const keptOldest = oldestSeq(kept);
  const below = window.filter((m) => m.seq !== null && (keptOldest === null || m.seq < keptOldest));
  return below.length === 0 ? kept : [...below, ...kept];
}

/** The window after an older page arrived: its rows below the window's oldest go first. */
export function mergeOlder(window: CachedMessage[], older: CachedMessage[]): CachedMessage[] {
  const oldest = oldestSeq(window);
  const add = older.filter((m) => m.seq !== null && (oldest === null || m.seq < oldest));
  return add.length === 0 ? window : [...add, ...window];
}

/** Whether rows older than `page` may exist: it was full, or it starts above seq 1 (the
 * log's first). An empty page means the start was reached. */
export function mayHaveOlder(page: CachedMessage[], limit: number): boolean {
  const oldest = oldestSeq(page);
  if (oldest === null) return false;
  return loggedCount(page) >= limit || oldest > 1;
}
