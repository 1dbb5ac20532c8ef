// Builders for the UI tests: messages and conversations as the core hands them over.
import type { CachedMessage } from "../lib/protocol/core";
import type { ConversationSummary, Receipt } from "../lib/protocol/protocol";

let n = 0;

/** A sent text message by `sender` at `ts` (each call gets the next seq). */
export function message(
  sender: string,
  ts: number,
  extra: Partial<CachedMessage> & { text?: string } = {},
): CachedMessage {
  n += 1;
  const { text, ...rest } = extra;
  const clientId = `client-${n}`;
  return {
    conversation_id: "c1",
    seq: n,
    client_id: clientId,
    sender,
    ts,
    status: "sent",
    error: null,
    event: { kind: "message", client_id: clientId, text: text ?? `text ${n}` },
    ...rest,
  };
}

/** Messages with seqs `from`..`to`, one a minute, alternating between two senders. */
export function messages(from: number, to: number, start = 0): CachedMessage[] {
  const out: CachedMessage[] = [];
  for (let seq = from; seq <= to; seq += 1) {
    out.push(message(seq % 2 ? "ana" : "me", start + seq * 60_000, { seq, client_id: `m${seq}` }));
  }
  return out;
}

/** A conversation of me, Ana Lima and Bob Stone (a group unless `kind` says direct). */
export function conversation(
  receipts: Receipt[] = [],
  kind: "group" | "direct" = "group",
): ConversationSummary {
  const members = [
    { id: "me", username: "me", display_name: "Me Myself", role: "owner" as const },
    { id: "ana", username: "ana", display_name: "Ana Lima", role: "member" as const },
    { id: "bob", username: "bob", display_name: "Bob Stone", role: "member" as const },
  ];
  return {
    id: "c1",
    kind,
    title: kind === "group" ? "Friends" : null,
    members: kind === "group" ? members : members.slice(0, 2),
    receipts,
    settings: { muted: false, archived: false },
    created_by: "me",
    created_at: 0,
    head: 0,
    last_activity: 0,
    read_seq: 0,
    unread_count: 0,
  };
}
