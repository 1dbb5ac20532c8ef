import { useCallback, useEffect, useRef, useState } from "react";
import { ipc } from "../lib/ipc";
import {
  PAGE_SIZE,
  mayHaveOlder,
  mergeNewest,
  mergeOlder,
  oldestSeq,
  refreshLimit,
  shortfall,
} from "../lib/messageWindow";
import { newestSeq } from "../lib/messages";
import type { CachedMessage } from "../lib/protocol/core";
import type { ConversationId } from "../lib/protocol/protocol";
import { useCoreEvents } from "./useCoreEvents";

/** How far back a jump reads in one go (the cache answers; the server sends at most 200). */
const JUMP_PAGE_MAX = 1000;

export type ConversationWindow = {
  /** The loaded rows, oldest first, local echoes last. */
  messages: CachedMessage[];
  /** The first read has answered (until then there is nothing to say "empty" about). */
  loaded: boolean;
  /** Rows older than the oldest loaded may exist. */
  hasOlder: boolean;
  loadingOlder: boolean;
  /** Loads the page before the oldest loaded row (one at a time; repeated calls share it). */
  loadOlder: () => Promise<void>;
  /** Loads older pages until `seq` is in the window (or the start is reached). */
  loadThrough: (seq: number) => Promise<void>;
};

/**
 * One conversation's rows as the view holds them: the newest page first, older pages as
 * the person scrolls up. On every change to the conversation the whole window is read
 * again from the cache (older pages included), so edits, deletions, reactions and sends
 * show wherever they are. While `readingLatest` (the newest row is on screen), what it
 * shows is marked read.
 */
export function useConversation(
  id: ConversationId,
  { readingLatest = true }: { readingLatest?: boolean } = {},
): ConversationWindow {
  const [messages, setMessages] = useState<CachedMessage[]>([]);
  const [loaded, setLoaded] = useState(false);
  const [hasOlder, setHasOlder] = useState(false);
  const [loadingOlder, setLoadingOlder] = useState(false);
  // The latest window, for reads that start from it; always the one just rendered or set.
  const loadedRows = useRef<CachedMessage[]>([]);
  const current = useRef(id);
  current.current = id;
  const reads = useRef(0);
  const older = useRef<Promise<void> | null>(null);
  const readUpTo = useRef(0);

  const apply = useCallback((next: (w: CachedMessage[]) => CachedMessage[]) => {
    loadedRows.current = next(loadedRows.current);
    setMessages(loadedRows.current);
  }, []);

  const reload = useCallback(async () => {
    const asked = id;
    const read = ++reads.current;
    try {
      const from = oldestSeq(loadedRows.current);
      let limit = refreshLimit(loadedRows.current);
      let fresh = await ipc.page(asked, null, limit);
      const missing = shortfall(fresh, limit, from);
      if (missing > 0) {
        limit += missing;
        fresh = await ipc.page(asked, null, limit);
      }
      // A newer read is on its way and will answer for both.
      if (current.current !== asked || read !== reads.current) return;
      // The first rows decide whether there is more above; later reads only add below.
      if (oldestSeq(loadedRows.current) === null) setHasOlder(mayHaveOlder(fresh, limit));
      apply((w) => mergeNewest(w, fresh));
      setLoaded(true);
    } catch (e) {
      console.error("page", e);
    }
  }, [id, apply]);

  /** One older page; resolves to whether it added any rows. */
  const fetchOlder = useCallback(
    async (limit: number): Promise<boolean> => {
      const asked = id;
      const before = oldestSeq(loadedRows.current);
      if (before === null) return false;
      const page = await ipc.page(asked, before, limit);
      if (current.current !== asked) return false;
      const added = page.some((m) => m.seq !== null && m.seq < before);
      apply((w) => mergeOlder(w, page));
      setHasOlder(added && mayHaveOlder(page, limit));
      return added;
    },
    [id, apply],
  );

  const runOlder = useCallback(
    (work: () => Promise<void>): Promise<void> => {
      if (older.current) return older.current;
      setLoadingOlder(true);
      const run = work()
        .catch((e) => console.error("older page", e))
        .finally(() => {
          older.current = null;
          if (current.current === id) setLoadingOlder(false);
        });
      older.current = run;
      return run;
    },
    [id],
  );

  const loadOlder = useCallback(
    () => runOlder(async () => void (await fetchOlder(PAGE_SIZE))),
    [runOlder, fetchOlder],
  );

  const loadThrough = useCallback(
    async (seq: number) => {
      // Let a page already on its way land first, then read back as far as needed.
      await older.current;
      await runOlder(async () => {
        for (;;) {
          const oldest = oldestSeq(loadedRows.current);
          if (oldest === null || oldest <= seq) return;
          const limit = Math.min(JUMP_PAGE_MAX, Math.max(PAGE_SIZE, oldest - seq + PAGE_SIZE));
          if (!(await fetchOlder(limit))) return;
        }
      });
    },
    [runOlder, fetchOlder],
  );

  useEffect(() => {
    loadedRows.current = [];
    setMessages([]);
    setLoaded(false);
    setHasOlder(false);
    older.current = null;
    readUpTo.current = 0;
    void reload();
  }, [reload]);

  useCoreEvents((event) => {
    if (event.type === "messages_changed" && event.conversation_id === id) void reload();
    if (event.type === "message_sent" || event.type === "message_failed") void reload();
  });

  const newest = newestSeq(messages);
  useEffect(() => {
    if (!readingLatest || newest === null || newest <= readUpTo.current) return;
    readUpTo.current = newest;
    ipc.markRead(id, newest).catch(() => {});
  }, [id, newest, readingLatest]);

  return { messages, loaded, hasOlder, loadingOlder, loadOlder, loadThrough };
}
