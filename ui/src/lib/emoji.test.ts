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
  saveSkinTone,
  savedSkinTone,
  searchEmoji,
  withSkinTone,
} from "./emoji";

describe("the emoji catalog", () => {
  it("loads the bundled data, grouped, with skin tones as variants only, no components", async () => {
    const catalog = await loadEmojiCatalog();
    expect(catalog.categories.map((c) => c.label)).toContain("Smileys & emotion");
    expect(catalog.categories.map((c) => c.label)).not.toContain("Component");
    expect(catalog.all.length).toBeGreaterThan(1500);
    expect(catalog.all.some((e) => e.emoji.includes("\u{1F3FB}"))).toBe(false);
    expect(catalog.categories[0].emojis[0]).toMatchObject({ emoji: "😀", name: "Grinning face" });
    const wave = catalog.all.find((e) => e.name === "Waving hand");
    expect(wave?.tones).toEqual(["👋🏻", "👋🏼", "👋🏽", "👋🏾", "👋🏿"]);
    expect(catalog.all.find((e) => e.name === "Pizza")?.tones).toBeUndefined();
  });

  it("keeps only one-tone variants of pairs", () => {
    const tones = ["1F3FB", "1F3FC", "1F3FD", "1F3FE", "1F3FF"];
    const skins = tones.flatMap((a) =>
      tones.map((b) => ({
        hexcode: a === b ? `1F91D-${a}` : `1FAF1-${a}-200D-1FAF2-${b}`,
        unicode: a === b ? `same-${a}` : `mixed-${a}-${b}`,
      })),
    );
    const [category] = compactCatalog([
      { hexcode: "1F91D", label: "handshake", unicode: "🤝", group: 1, order: 1, skins },
    ]).categories;
    expect(category.emojis[0][3].split(" ")).toEqual(tones.map((t) => `same-${t}`));
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

describe("skin tones", () => {
  const wave = { emoji: "👋", name: "Waving hand", tags: [], tones: ["1", "2", "3", "4", "5"] };

  it("apply to emoji that take one, and leave the others", () => {
    expect(withSkinTone(wave, 0)).toBe("👋");
    expect(withSkinTone(wave, 3)).toBe("3");
    expect(withSkinTone({ emoji: "🍕", name: "Pizza", tags: [] }, 3)).toBe("🍕");
  });

  it("are remembered, and anything odd in storage reads as the default", () => {
    localStorage.clear();
    expect(savedSkinTone()).toBe(0);
    saveSkinTone(4);
    expect(savedSkinTone()).toBe(4);
    localStorage.setItem("tidings.skin-tone", "9");
    expect(savedSkinTone()).toBe(0);
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
