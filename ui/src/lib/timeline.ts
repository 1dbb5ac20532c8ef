// The conversation view's rows, flat and in order, for the virtualized list: a separator
// for each new day, system events, and messages that know their place in their group.
import { groupMessages, messageKey } from "./messages";
import type { CachedMessage } from "./protocol/core";
import type { UserId } from "./protocol/protocol";
import { dayKey } from "./time";

export type TimelineRow =
  | { kind: "day"; key: string; ts: number }
  | { kind: "system"; key: string; message: CachedMessage }
  | {
      kind: "message";
      key: string;
      message: CachedMessage;
      mine: boolean;
      /** The first of its group: shows the sender's name, avatar and the time. */
      first: boolean;
      /** The last of its group: a little more space follows. */
      last: boolean;
    };

/** Rows for a window of messages (oldest first). Keys are stable as the window grows at
 * either end, so the list keeps its measurements and its place. */
export function buildTimeline(messages: CachedMessage[], me: UserId): TimelineRow[] {
  const rows: TimelineRow[] = [];
  const days = new Set<string>();
  for (const group of groupMessages(messages)) {
    const head = group.messages[0];
    const day = dayKey(head.ts);
    // A local echo written before the newest message's day (a skewed clock) gets none.
    if (!days.has(day)) {
      days.add(day);
      rows.push({ kind: "day", key: `day-${day}`, ts: head.ts });
    }
    if (group.system) {
      rows.push({ kind: "system", key: messageKey(head), message: head });
      continue;
    }
    group.messages.forEach((message, i) => {
      rows.push({
        kind: "message",
        key: messageKey(message),
        message,
        mine: message.sender === me,
        first: i === 0,
        last: i === group.messages.length - 1,
      });
    });
  }
  return rows;
}

/** Where the message with `seq` is among the rows, or else the first message after it
 * (a jump to a seq that is gone lands next to where it was); -1 when none. */
export function rowIndexForSeq(rows: TimelineRow[], seq: number): number {
  let after = -1;
  for (let i = 0; i < rows.length; i += 1) {
    const row = rows[i];
    if (row.kind === "day") continue;
    const s = row.message.seq;
    if (s === seq) return i;
    if (after === -1 && s !== null && s > seq) after = i;
  }
  return after;
}
