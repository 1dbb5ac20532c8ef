import { describe, expect, it } from "vitest";
import { GROUP_GAP_MS, groupMessages, lastEditableSeq, newestSeq, tickFor } from "./messages";
import type { CachedMessage } from "./protocol/core";

let n = 0;
function msg(sender: string, ts: number, extra: Partial<CachedMessage> = {}): CachedMessage {
  n += 1;
  return {
    conversation_id: "c1",
    seq: n,
    client_id: `client-${n}`,
    sender,
    ts,
    status: "sent",
    error: null,
    event: { kind: "message", client_id: `client-${n}`, text: `text ${n}` },
    ...extra,
  };
}

describe("groupMessages", () => {
  it("groups consecutive messages by one sender", () => {
    const page = [msg("ana", 0), msg("ana", 1000), msg("bob", 2000), msg("ana", 3000)];
    const groups = groupMessages(page);
    expect(groups.map((g) => [g.sender, g.messages.length])).toEqual([
      ["ana", 2],
      ["bob", 1],
      ["ana", 1],
    ]);
  });

  it("starts a new group after a long pause", () => {
    const groups = groupMessages([msg("ana", 0), msg("ana", GROUP_GAP_MS + 1)]);
    expect(groups).toHaveLength(2);
  });

  it("keeps system events on their own", () => {
    const created = msg("ana", 0, { event: { kind: "created", members: ["ana", "bob"] } });
    const groups = groupMessages([created, msg("ana", 1), msg("ana", 2)]);
    expect(groups.map((g) => [g.system, g.messages.length])).toEqual([
      [true, 1],
      [false, 2],
    ]);
  });

  it("starts a new group on a new day, even within the gap", () => {
    const late = new Date(2024, 2, 11, 23, 59).getTime();
    const early = new Date(2024, 2, 12, 0, 1).getTime();
    expect(groupMessages([msg("ana", late), msg("ana", early)])).toHaveLength(2);
  });

  it("keeps a pending echo in its sender's group", () => {
    const pending = msg("ana", 10, { seq: null, status: "pending" });
    const groups = groupMessages([msg("ana", 0), pending]);
    expect(groups).toHaveLength(1);
    expect(groups[0].messages[1].status).toBe("pending");
  });
});

describe("tickFor", () => {
  it("labels every state, with one check once sent and two once delivered or read", () => {
    expect(tickFor("pending")).toMatchObject({ label: "Sending", checks: 0 });
    expect(tickFor("failed")).toMatchObject({ label: "Not sent", checks: 0 });
    expect(tickFor("sent")).toMatchObject({ label: "Sent", checks: 1 });
    expect(tickFor("delivered")).toMatchObject({ label: "Delivered", checks: 2 });
    expect(tickFor("read")).toMatchObject({ label: "Read", checks: 2 });
  });
});

describe("newestSeq", () => {
  it("ignores echoes without a seq", () => {
    expect(newestSeq([msg("a", 0, { seq: 4 }), msg("a", 1, { seq: null })])).toBe(4);
    expect(newestSeq([])).toBeNull();
  });
});

describe("lastEditableSeq", () => {
  it("is my newest sent message, passing over pending, deleted and others' ones", () => {
    const mine = msg("me", 1, { seq: 10 });
    const deleted = msg("me", 2, {
      seq: 11,
      event: { kind: "message", client_id: "d", text: "", deleted: true },
    });
    const theirs = msg("ana", 3, { seq: 12 });
    const pending = msg("me", 4, { seq: null, status: "pending" });
    expect(lastEditableSeq([mine, deleted, theirs, pending], "me")).toBe(10);
    expect(lastEditableSeq([theirs, pending], "me")).toBeNull();
  });
});
