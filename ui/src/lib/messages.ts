// Pure helpers for the conversation view: grouping consecutive messages, and what each
// row shows (its text, its tick).
import type { CachedMessage, MessageStatus } from "./protocol/core";
import type { UserId } from "./protocol/protocol";

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

/** Splits a page (oldest first) into groups: same sender, no system event between, and
 * no more than GROUP_GAP_MS between neighbours. */
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
      m.ts - previous.ts <= GROUP_GAP_MS
    ) {
      last.messages.push(m);
    } else {
      groups.push({ key: messageKey(m), sender: m.sender, system, messages: [m] });
    }
  }
  return groups;
}

/** What the tick next to one of my messages shows. */
export type Tick = { symbol: string; label: string; status: MessageStatus };

export function tickFor(status: MessageStatus): Tick {
  switch (status) {
    case "pending":
      return { symbol: "🕓", label: "Sending", status };
    case "failed":
      return { symbol: "!", label: "Not sent", status };
    case "sent":
      return { symbol: "✓", label: "Sent", status };
  }
}

/** The highest seq on a page (to mark it read), if any. */
export function newestSeq(page: CachedMessage[]): number | null {
  let newest: number | null = null;
  for (const m of page) if (m.seq !== null && (newest === null || m.seq > newest)) newest = m.seq;
  return newest;
}
