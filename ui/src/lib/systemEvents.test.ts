import { describe, expect, it } from "vitest";
import { conversation, message } from "../test/fixtures";
import type { EventBody } from "./protocol/protocol";
import { systemEventLine } from "./systemEvents";

const line = (sender: string, event: EventBody, kind: "group" | "direct" = "group") =>
  systemEventLine(message(sender, 0, { event }), conversation([], kind), "me");

describe("systemEventLine", () => {
  it("names who did it, and says You for me", () => {
    expect(line("ana", { kind: "members_added", users: ["bob"] })).toBe("Ana Lima added Bob Stone");
    expect(line("me", { kind: "renamed", title: "Climbing" })).toBe(
      "You renamed the group to “Climbing”",
    );
    expect(line("ana", { kind: "member_removed", user: "me" })).toBe("Ana Lima removed you");
  });

  it("tells joining and leaving apart from adding and removing", () => {
    expect(line("bob", { kind: "members_added", users: ["bob"] })).toBe("Bob Stone joined");
    expect(line("bob", { kind: "member_left", new_owner: null })).toBe("Bob Stone left");
    expect(line("me", { kind: "member_left", new_owner: "ana" })).toBe(
      "You left; Ana Lima is now the owner",
    );
  });

  it("describes roles and creation", () => {
    expect(line("me", { kind: "role_changed", user: "ana", role: "admin" })).toBe(
      "You made Ana Lima an admin",
    );
    expect(line("ana", { kind: "ownership_transferred", to: "bob" })).toBe(
      "Ana Lima made Bob Stone the owner",
    );
    expect(line("ana", { kind: "created", title: "Friends", members: [] })).toBe(
      "Ana Lima created the group “Friends”",
    );
    expect(line("ana", { kind: "created", members: [] }, "direct")).toBe("Conversation started");
  });
});
