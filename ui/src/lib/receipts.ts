// Where my messages stand with the other members: the tick on each of mine, and who has
// seen my latest one. Derived from the conversation's receipts (every member's delivered
// and read marks), never stored per message.
import type { CachedMessage } from "./protocol/core";
import type { ConversationSummary, Receipt, UserId } from "./protocol/protocol";

/** What the tick on one of my messages says. */
export type ReceiptState = "pending" | "failed" | "sent" | "delivered" | "read";

/** Read when some other member has read up to its seq, delivered when some other member's
 * device has it, else sent; an echo without a seq is pending (or failed). */
export function receiptState(m: CachedMessage, me: UserId, receipts: Receipt[]): ReceiptState {
  if (m.status === "failed") return "failed";
  if (m.status === "pending" || m.seq === null) return "pending";
  const seq = m.seq;
  const others = receipts.filter((r) => r.user_id !== me);
  if (others.some((r) => r.read_seq >= seq)) return "read";
  if (others.some((r) => r.delivered_seq >= seq)) return "delivered";
  return "sent";
}

/** The names of the members other than me who have read up to `seq`, in member order. */
export function readerNames(seq: number, me: UserId, c: ConversationSummary): string[] {
  const readers = new Set(
    c.receipts.filter((r) => r.user_id !== me && r.read_seq >= seq).map((r) => r.user_id),
  );
  return c.members.filter((m) => readers.has(m.id)).map((m) => m.display_name);
}

/** How many names "Seen by" spells out before "and N others". */
export const SEEN_BY_NAMES = 5;

/** "Seen by Ana Lima, Bob Stone" (or "… and 3 others"); empty when nobody has. */
export function seenByLine(names: string[]): string {
  if (names.length === 0) return "";
  if (names.length <= SEEN_BY_NAMES) return `Seen by ${names.join(", ")}`;
  const rest = names.length - SEEN_BY_NAMES;
  return `Seen by ${names.slice(0, SEEN_BY_NAMES).join(", ")} and ${rest} other${rest === 1 ? "" : "s"}`;
}

/** The seq of my newest sent message (the one "Seen by" goes under), if any. */
export function latestOwnSeq(messages: CachedMessage[], me: UserId): number | null {
  for (let i = messages.length - 1; i >= 0; i -= 1) {
    const m = messages[i];
    if (m.sender === me && m.event.kind === "message" && m.seq !== null) return m.seq;
  }
  return null;
}
