// Pure helpers for the conversation view: grouping consecutive messages, and what each
// row shows (its text, its tick).
import type { CachedMessage } from "./protocol/core";
import type { UserId } from "./protocol/protocol";
import type { ReceiptState } from "./receipts";
import { dayKey } from "./time";

/** Messages by one sender within this long of each other share one group. */
export const GROUP_GAP_MS = 5 * 60 * 1000;

/** A run of consecutive messages by one sender, or one system event. */
export type MessageGroup = {
  key: string;
  sender: UserId;
  /** A system event (created, renamed, members added…) rather than messages. */
  system: boolean;
  messages: CachedMessage[];
};

/** The key React needs: the client id (stable from pending to sent), else the seq. */
export function messageKey(m: CachedMessage): string {
  return m.client_id ?? `seq-${m.seq ?? "?"}`;
}

/** Splits a page (oldest first) into groups: same sender, same day, no system event
 * between, and no more than GROUP_GAP_MS between neighbours. */
export function groupMessages(page: CachedMessage[]): MessageGroup[] {
  const groups: MessageGroup[] = [];
  for (const m of page) {
    const system = m.event.kind !== "message";
    const last = groups[groups.length - 1];
    const previous = last?.messages[last.messages.length - 1];
    if (
      last &&
      previous &&
      !system &&
      !last.system &&
      last.sender === m.sender &&
      m.ts - previous.ts <= GROUP_GAP_MS &&
      dayKey(m.ts) === dayKey(previous.ts)
    ) {
      last.messages.push(m);
    } else {
      groups.push({ key: messageKey(m), sender: m.sender, system, messages: [m] });
    }
  }
  return groups;
}

/** What the tick next to one of my messages shows: its words (for screen readers and
 * the tooltip) and how many checks it draws (0 for a clock or a warning). */
export type Tick = { label: string; checks: 0 | 1 | 2; state: ReceiptState };

export function tickFor(state: ReceiptState): Tick {
  switch (state) {
    case "pending":
      return { label: "Sending", checks: 0, state };
    case "failed":
      return { label: "Not sent", checks: 0, state };
    case "sent":
      return { label: "Sent", checks: 1, state };
    case "delivered":
      return { label: "Delivered", checks: 2, state };
    case "read":
      return { label: "Read", checks: 2, state };
  }
}

/** The highest seq on a page (to mark it read), if any. */
export function newestSeq(page: CachedMessage[]): number | null {
  let newest: number | null = null;
  for (const m of page) if (m.seq !== null && (newest === null || m.seq > newest)) newest = m.seq;
  return newest;
}

/** The message ↑ in an empty composer edits: my newest one that is sent (a pending one
 * has no seq to edit yet) and not deleted. Null when there is none in the window. */
export function lastEditableSeq(messages: CachedMessage[], me: UserId): number | null {
  for (let i = messages.length - 1; i >= 0; i -= 1) {
    const m = messages[i];
    if (m.sender !== me || m.event.kind !== "message" || m.event.deleted) continue;
    if (m.seq !== null && m.status === "sent") return m.seq;
  }
  return null;
}
