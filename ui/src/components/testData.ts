// Builders for the chrome's tests (groups, search, navigation): conversations as the
// core hands them over.
import type { SearchHit } from "../lib/protocol/core";
import type { ConversationSummary, Member, Role } from "../lib/protocol/protocol";

/** Me (u-me), Ana, Bob and Carol with the given roles. */
export function members(roles: Partial<Record<"me" | "ana" | "bob" | "carol", Role>> = {}): Member[] {
  const people = [
    ["me", "Me Myself"],
    ["ana", "Ana Lima"],
    ["bob", "Bob Stone"],
    ["carol", "Carol Ng"],
  ] as const;
  return people.map(([username, display_name]) => ({
    id: `u-${username}`,
    username,
    display_name,
    role: roles[username] ?? "member",
  }));
}

/** A conversation; a group titled "Climbers" unless `kind` says direct. */
export function summary(over: Partial<ConversationSummary> = {}): ConversationSummary {
  const kind = over.kind ?? "group";
  return {
    id: "c1",
    kind,
    title: kind === "group" ? "Climbers" : null,
    members: kind === "group" ? members({ me: "owner" }) : members().slice(0, 2),
    receipts: [],
    settings: { muted: false, archived: false },
    created_by: "u-me",
    created_at: 0,
    head: 1,
    last_activity: 0,
    last_message: null,
    read_seq: 0,
    unread_count: 0,
    ...over,
  };
}

/** A hit for "rope" in conversation `c1`, from Ana. */
export function hit(over: Partial<SearchHit> = {}): SearchHit {
  return {
    conversation_id: "c1",
    seq: 7,
    sender: "u-ana",
    ts: Date.UTC(2025, 0, 1, 12, 0),
    snippet: [
      { text: "bring the ", highlighted: false },
      { text: "rope", highlighted: true },
      { text: " on Sunday", highlighted: false },
    ],
    score: 1,
    ...over,
  };
}
