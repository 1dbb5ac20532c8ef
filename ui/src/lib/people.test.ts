import { describe, expect, it } from "vitest";
import { avatarIdFor, conversationTitle, initials, presenceFor, previewLine } from "./people";
import type { ConversationSummary } from "./protocol/protocol";

function direct(lastText?: string, sender = "u2"): ConversationSummary {
  return {
    id: "c1",
    kind: "direct",
    members: [
      { id: "u1", username: "ana", display_name: "Ana Lima", role: "member" },
      { id: "u2", username: "bob", display_name: "Bob Stone", role: "member" },
    ],
    receipts: [],
    settings: { muted: false, archived: false },
    created_by: "u1",
    created_at: 0,
    head: 1,
    last_activity: 0,
    last_message: lastText
      ? { seq: 1, ts: 0, sender, kind: "message", client_id: "x", text: lastText }
      : undefined,
    read_seq: 0,
    unread_count: 0,
  };
}

describe("initials", () => {
  it("takes the first and last words", () => {
    expect(initials("Ana Maria Lima")).toBe("AL");
    expect(initials("bob")).toBe("B");
    expect(initials("  ")).toBe("?");
  });
});

describe("conversationTitle", () => {
  it("names a direct conversation after the other person", () => {
    expect(conversationTitle(direct(), "u1")).toBe("Bob Stone");
    expect(conversationTitle(direct(), "u2")).toBe("Ana Lima");
  });
});

describe("previewLine", () => {
  it("says who wrote the last message", () => {
    expect(previewLine(direct("hi", "u1"), "u1")).toBe("You: hi");
    expect(previewLine(direct("hi", "u2"), "u1")).toBe("hi");
    expect(previewLine(direct(), "u1")).toBe("No messages yet");
  });
});

describe("avatarIdFor", () => {
  it("gives a direct conversation the other person's colour", () => {
    expect(avatarIdFor(direct(), "u1")).toBe("u2");
    expect(avatarIdFor(direct(), "u2")).toBe("u1");
  });
});

describe("presenceFor", () => {
  const direct = {
    id: "c1",
    kind: "direct",
    members: [
      { id: "me", username: "me", display_name: "Me" },
      { id: "ana", username: "ana", display_name: "Ana" },
    ],
  } as unknown as ConversationSummary;
  const group = { ...direct, id: "g1", kind: "group" } as ConversationSummary;

  it("shows the other person's presence in a direct chat", () => {
    const presence = new Map([["ana", "online" as const], ["me", "away" as const]]);
    expect(presenceFor(direct, "me", presence)).toBe("online");
  });

  it("shows nothing for a group or for someone not heard of", () => {
    expect(presenceFor(group, "me", new Map([["ana", "online" as const]]))).toBeUndefined();
    expect(presenceFor(direct, "me", new Map())).toBeUndefined();
  });
});
