import { describe, expect, it } from "vitest";
import committed from "./emoji-data.json";
import { compactCatalog, emojiDataFile } from "./emojiData.gen.mjs";
import {
  QUICK_REACTIONS,
  catalogFrom,
  insertAtCaret,
  loadEmojiCatalog,
  recentEmoji,
  rememberEmoji,
  searchEmoji,
} from "./emoji";

describe("the emoji catalog", () => {
  it("loads the bundled data, grouped, without skin tone variants or components", async () => {
    const catalog = await loadEmojiCatalog();
    expect(catalog.categories.map((c) => c.label)).toContain("Smileys & emotion");
    expect(catalog.categories.map((c) => c.label)).not.toContain("Component");
    expect(catalog.all.length).toBeGreaterThan(1500);
    expect(catalog.all.some((e) => e.emoji.includes("\u{1F3FB}"))).toBe(false);
    expect(catalog.categories[0].emojis[0]).toMatchObject({ emoji: "😀", name: "Grinning face" });
  });

  it("is made from Emojibase without rows that are no emoji on their own", () => {
    const made = compactCatalog([
      { hexcode: "1F1E6", label: "regional indicator A", unicode: "🇦" },
      { hexcode: "1F3FB", label: "light skin tone", unicode: "🏻", group: 2, order: 2 },
      {
        hexcode: "1F600",
        label: "grinning face",
        unicode: "😀",
        group: 0,
        order: 1,
        tags: ["grin"],
      },
    ]);
    expect(catalogFrom(made).all).toEqual([{ emoji: "😀", name: "Grinning face", tags: ["grin"] }]);
  });

  it("is up to date with the emojibase-data package (else: npm run emoji-data)", () => {
    expect(JSON.parse(emojiDataFile())).toEqual(committed);
  });
});

describe("searchEmoji", () => {
  it("finds by name and by tag, closest names first", async () => {
    const { all } = await loadEmojiCatalog();
    const hearts = searchEmoji(all, "heart");
    expect(hearts[0].name.toLowerCase()).toContain("heart");
    expect(searchEmoji(all, "thumbs up")[0].name).toBe("Thumbs up");
    expect(searchEmoji(all, "like").map((e) => e.name)).toContain("Thumbs up");
    expect(searchEmoji(all, "cat face").every((e) => /cat/i.test(e.name + e.tags.join()))).toBe(
      true,
    );
  });

  it("finds nothing for an empty or unknown query", async () => {
    const { all } = await loadEmojiCatalog();
    expect(searchEmoji(all, "  ")).toEqual([]);
    expect(searchEmoji(all, "qqqzzz")).toEqual([]);
  });
});

describe("insertAtCaret", () => {
  it("inserts at the caret and puts the caret after the emoji", () => {
    expect(insertAtCaret("hello world", 5, 5, " 👋")).toEqual({ text: "hello 👋 world", caret: 8 });
  });

  it("replaces a selection", () => {
    expect(insertAtCaret("I am sad", 5, 8, "😢")).toEqual({ text: "I am 😢", caret: 7 });
  });

  it("appends when the caret is past the end", () => {
    expect(insertAtCaret("hi", 10, 10, "!")).toEqual({ text: "hi!", caret: 3 });
  });
});

describe("recently used", () => {
  it("keeps the newest first, without repeats", () => {
    localStorage.clear();
    rememberEmoji("👍");
    rememberEmoji("🎉");
    rememberEmoji("👍");
    expect(recentEmoji()).toEqual(["👍", "🎉"]);
  });
});

it("offers six quick reactions", () => {
  expect(QUICK_REACTIONS.map((r) => r.emoji)).toEqual(["👍", "❤️", "😂", "😮", "😢", "🙏"]);
});
