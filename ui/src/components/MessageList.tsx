import { useVirtualizer } from "@tanstack/react-virtual";
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from "react";
import { useDelayedFlag } from "../hooks/useDelayedFlag";
import { oldestSeq } from "../lib/messageWindow";
import { newestSeq } from "../lib/messages";
import { nameOf } from "../lib/people";
import type { CachedMessage } from "../lib/protocol/core";
import type { ConversationSummary, UserId } from "../lib/protocol/protocol";
import { latestOwnSeq, receiptState } from "../lib/receipts";
import { systemEventLine } from "../lib/systemEvents";
import { buildTimeline, rowIndexForSeq, type TimelineRow } from "../lib/timeline";
import { Avatar } from "./Avatar";
import { DateSeparator } from "./DateSeparator";
import { MessageBubble } from "./MessageBubble";
import { SeenBy } from "./SeenBy";
import "../styles/conversation.css";

/** Within this many pixels of the bottom counts as reading the latest. */
export const AT_END_PX = 80;
/** Closer than this to the top starts loading the older page. */
export const LOAD_OLDER_PX = 800;
/** A page from the cache lands in milliseconds; say "loading" only after this long. */
export const LOADING_NOTICE_MS = 300;
/** How long a message jumped to stays highlighted. */
export const FOCUS_HIGHLIGHT_MS = 2000;

type Props = {
  me: UserId;
  conversation: ConversationSummary;
  messages: CachedMessage[];
  loaded: boolean;
  hasOlder: boolean;
  loadingOlder: boolean;
  onLoadOlder: () => void;
  /** A message to bring into the middle and highlight (a new `key` jumps again). */
  focus?: { seq: number; key: number } | null;
  /** Bump to go to the newest message (after I send one). */
  latestKey?: number;
  /** Whether the newest row is on screen, as it changes. */
  onReadingLatestChange?: (reading: boolean) => void;
  /** The message whose editor is open (brought on screen when it opens). */
  editingSeq?: number | null;
  /** Edit was chosen on a message, or its edit was saved or cancelled. With it, the
   * caller keeps which message is being edited. */
  onEditingChange?: (seq: number, editing: boolean) => void;
};

function estimateSize(row: TimelineRow): number {
  if (row.kind === "day") return 44;
  if (row.kind === "system") return 36;
  return (row.first ? 58 : 40) + (row.last ? 8 : 0);
}

/**
 * The conversation's rows in a virtualized list that opens at the newest. Scrolling near
 * the top asks for the older page, and the rows on screen stay where they are when it
 * lands. New rows are followed while the newest is on screen; otherwise a pill offers to
 * jump down.
 */
export function MessageList({
  me,
  conversation,
  messages,
  loaded,
  hasOlder,
  loadingOlder,
  onLoadOlder,
  focus,
  latestKey = 0,
  onReadingLatestChange,
  editingSeq = null,
  onEditingChange,
}: Props) {
  const scroller = useRef<HTMLDivElement>(null);
  const rows = useMemo(() => buildTimeline(messages, me), [messages, me]);
  const [atEnd, setAtEnd] = useState(true);
  const [farFromEnd, setFarFromEnd] = useState(false);
  const [started, setStarted] = useState(false);
  const [highlight, setHighlight] = useState<{ seq: number; key: number } | null>(null);
  const pendingFocus = useRef<{ seq: number; key: number } | null>(null);
  // The newest seq seen while at the bottom: anything newer (not mine) is "new".
  const [seenUpTo, setSeenUpTo] = useState<number | null>(null);

  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: (i) => estimateSize(rows[i]),
    getItemKey: (i) => rows[i].key,
    anchorTo: "end",
    followOnAppend: true,
    scrollEndThreshold: AT_END_PX,
    overscan: 8,
    paddingStart: 12,
    paddingEnd: 8,
  });

  // Open at the newest message, once there is something to show. (In a microtask: after
  // this commit, as the virtualizer renders synchronously, and still before the paint.)
  // Older pages are only asked for once it is there.
  const starting = useRef(false);
  useLayoutEffect(() => {
    if (starting.current || !loaded) return;
    starting.current = true;
    queueMicrotask(() => {
      if (rows.length > 0) virtualizer.scrollToEnd();
      setStarted(true);
    });
  }, [loaded, rows.length, virtualizer]);

  const newest = newestSeq(messages);
  useEffect(() => {
    if (atEnd) setSeenUpTo(newest);
  }, [atEnd, newest]);

  useEffect(() => onReadingLatestChange?.(atEnd), [atEnd, onReadingLatestChange]);

  const maybeLoadOlder = useCallback(() => {
    const el = scroller.current;
    if (!el || !started || !hasOlder || loadingOlder) return;
    if (el.scrollTop < LOAD_OLDER_PX) onLoadOlder();
  }, [started, hasOlder, loadingOlder, onLoadOlder]);

  // After a page lands (or a short first page), the top may still be near: keep going.
  useEffect(maybeLoadOlder, [maybeLoadOlder, rows.length]);

  function onScroll() {
    const el = scroller.current;
    if (!el) return;
    const distance = el.scrollHeight - el.scrollTop - el.clientHeight;
    setAtEnd(distance <= AT_END_PX);
    setFarFromEnd(distance > el.clientHeight);
    maybeLoadOlder();
  }

  const jumpToLatest = useCallback(() => {
    pendingFocus.current = null;
    virtualizer.scrollToEnd();
    setAtEnd(true);
    setFarFromEnd(false);
  }, [virtualizer]);

  useEffect(() => {
    if (latestKey > 0) queueMicrotask(jumpToLatest);
  }, [latestKey, jumpToLatest]);

  // A jump: wait until the message is loaded (the view asks for older pages), then bring
  // it to the middle and highlight it.
  const focusKey = useRef<number | null>(null);
  useLayoutEffect(() => {
    if (focus && focus.key !== focusKey.current) {
      focusKey.current = focus.key;
      pendingFocus.current = focus;
    }
    const target = pendingFocus.current;
    if (!target || !started) return;
    const index = rowIndexForSeq(rows, target.seq);
    const row = rows[index];
    const exact = row !== undefined && row.kind !== "day" && row.message.seq === target.seq;
    const oldest = oldestSeq(messages);
    const stillLoading = loadingOlder || (hasOlder && (oldest === null || oldest > target.seq));
    if (!exact && stillLoading) return;
    pendingFocus.current = null;
    if (index < 0 || row === undefined || row.kind === "day") return;
    queueMicrotask(() => virtualizer.scrollToIndex(index, { align: "center" }));
    if (row.message.seq !== null) setHighlight({ seq: row.message.seq, key: target.key });
  }, [focus, rows, messages, started, loadingOlder, hasOlder, virtualizer]);

  // An editor opened from the keyboard may be on a row scrolled out of view (or not
  // rendered at all): bring it in, as little as needed.
  useEffect(() => {
    if (editingSeq === null) return;
    const index = rowIndexForSeq(rows, editingSeq);
    if (index >= 0) queueMicrotask(() => virtualizer.scrollToIndex(index, { align: "auto" }));
    // Only when the editor opens, not as rows change under it.
  }, [editingSeq]);

  useEffect(() => {
    if (!highlight) return;
    const timer = setTimeout(() => setHighlight(null), FOCUS_HIGHLIGHT_MS);
    return () => clearTimeout(timer);
  }, [highlight]);

  const unseen = useMemo(
    () =>
      seenUpTo === null
        ? 0
        : messages.filter((m) => m.seq !== null && m.seq > seenUpTo && m.sender !== me).length,
    [messages, seenUpTo, me],
  );
  const lastMine = latestOwnSeq(messages, me);
  const group = conversation.kind === "group";

  function renderRow(row: TimelineRow) {
    if (row.kind === "day") return <DateSeparator ts={row.ts} />;
    if (row.kind === "system") {
      return (
        <p className="system-event" data-seq={row.message.seq ?? undefined}>
          {systemEventLine(row.message, conversation, me)}
        </p>
      );
    }
    const m = row.message;
    const seq = m.seq;
    const name = nameOf(conversation, m.sender);
    const showAvatar = group && !row.mine;
    return (
      <div
        className={`message-row ${row.mine ? "mine" : "theirs"}${row.first ? " first" : ""}${row.last ? " last" : ""}`}
      >
        {showAvatar &&
          (row.first ? (
            <Avatar id={m.sender} name={name} size="small" />
          ) : (
            <span className="avatar-spacer" aria-hidden="true" />
          ))}
        <div className="message-column">
          {row.first && group && !row.mine && <div className="sender-name">{name}</div>}
          <MessageBubble
            message={m}
            mine={row.mine}
            me={me}
            conversation={conversation}
            receipt={row.mine ? receiptState(m, me, conversation.receipts) : undefined}
            focused={highlight !== null && highlight.seq === m.seq}
            {...(onEditingChange && seq !== null
              ? {
                  editing: seq === editingSeq,
                  onEditingChange: (on: boolean) => onEditingChange(seq, on),
                }
              : {})}
          />
          {group && row.mine && m.seq !== null && m.seq === lastMine && (
            <SeenBy seq={m.seq} me={me} conversation={conversation} />
          )}
        </div>
      </div>
    );
  }

  const showLoading = useDelayedFlag(loadingOlder, LOADING_NOTICE_MS);
  const items = virtualizer.getVirtualItems();
  return (
    <div className="message-list">
      <div
        ref={scroller}
        className="messages"
        role="log"
        aria-label="Messages"
        aria-busy={!loaded || loadingOlder}
        onScroll={onScroll}
      >
        {loaded && messages.length === 0 && (
          <p className="muted centered empty-log">Say hello 👋</p>
        )}
        <div className="messages-canvas" style={{ height: virtualizer.getTotalSize() }}>
          {items.map((item) => (
            <div
              key={item.key}
              ref={virtualizer.measureElement}
              data-index={item.index}
              className="timeline-item"
              style={{ transform: `translateY(${item.start}px)` }}
            >
              {renderRow(rows[item.index])}
            </div>
          ))}
        </div>
      </div>
      {showLoading && (
        <div className="loading-older" role="status">
          Loading earlier messages…
        </div>
      )}
      {!atEnd && (unseen > 0 || farFromEnd) && (
        <button type="button" className="jump-to-latest" onClick={jumpToLatest}>
          {unseen > 0 ? "↓ New messages" : "↓ Jump to latest"}
        </button>
      )}
    </div>
  );
}
