import { describe, expect, it } from "vitest";
import { conversation } from "../test/fixtures";
import { emojiKey, reactorNames, settledKeys, toggleReaction, withPending } from "./reactions";

const thumbs = { emoji: "👍", users: ["ana"] };

describe("toggleReaction", () => {
  it("adds me to an existing chip, or a new chip at the end", () => {
    expect(toggleReaction([thumbs], "👍", "me", true)).toEqual([
      { emoji: "👍", users: ["ana", "me"] },
    ]);
    expect(toggleReaction([thumbs], "🎉", "me", true)).toEqual([
      thumbs,
      { emoji: "🎉", users: ["me"] },
    ]);
  });

  it("treats an emoji with or without its variation selector as the same reaction", () => {
    expect(emojiKey("👍️")).toBe(emojiKey("👍"));
    expect(toggleReaction([thumbs], "👍️", "me", true)).toHaveLength(1);
  });

  it("removes my reaction, and the chip when nobody is left", () => {
    const both = { emoji: "👍", users: ["ana", "me"] };
    expect(toggleReaction([both], "👍", "me", false)).toEqual([thumbs]);
    expect(toggleReaction([{ emoji: "👍", users: ["me"] }], "👍", "me", false)).toEqual([]);
  });
});

describe("unconfirmed toggles", () => {
  it("show at once, and are forgotten once the cache agrees", () => {
    const pending = new Map([["🎉", { emoji: "🎉", add: true }]]);
    expect(withPending([thumbs], pending, "me").map((r) => r.emoji)).toEqual(["👍", "🎉"]);
    expect(settledKeys([thumbs], pending, "me")).toEqual([]);
    expect(settledKeys([thumbs, { emoji: "🎉", users: ["me"] }], pending, "me")).toEqual(["🎉"]);
  });
});

describe("reactorNames", () => {
  it("lists who reacted by name", () => {
    expect(reactorNames({ emoji: "👍", users: ["ana", "bob"] }, conversation())).toBe(
      "Ana Lima, Bob Stone",
    );
  });
});
