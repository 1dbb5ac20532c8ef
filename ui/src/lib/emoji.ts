// Emoji for reactions and the composer: the quick reactions, and the picker's catalog —
// made from Emojibase's English data (emoji-data.json), bundled with the app and loaded
// from the app's own files, never the network, the first time a picker opens — with
// search, categories, recently used, skin tones, and inserting at the caret.

/** One emoji as the picker shows it. */
export type EmojiEntry = {
  emoji: string;
  /** Its name, as a sentence: "Thumbs up". Also the button's accessible name. */
  name: string;
  /** Words it is also found by: "like", "yes", … */
  tags: string[];
  /** For emoji that take a skin tone: the five variants, light to dark. */
  tones?: string[];
};

export type EmojiCategory = { id: string; label: string; icon: string; emojis: EmojiEntry[] };

export type EmojiCatalog = { categories: EmojiCategory[]; all: EmojiEntry[] };

/** The reactions one click away, under every message's React button. */
export const QUICK_REACTIONS: EmojiEntry[] = [
  { emoji: "👍", name: "Thumbs up", tags: ["like", "yes"] },
  { emoji: "❤️", name: "Red heart", tags: ["love"] },
  { emoji: "😂", name: "Face with tears of joy", tags: ["laugh", "lol"] },
  { emoji: "😮", name: "Face with open mouth", tags: ["wow", "surprise"] },
  { emoji: "😢", name: "Crying face", tags: ["sad"] },
  { emoji: "🙏", name: "Folded hands", tags: ["please", "thanks"] },
];

type CatalogFile = {
  categories: { id: string; label: string; icon: string; emojis: string[][] }[];
};

/** The picker's catalog from lib/emoji-data.json ([emoji, name, tags, tones?] per
 * category). */
export function catalogFrom(file: CatalogFile): EmojiCatalog {
  const categories = file.categories.map(({ id, label, icon, emojis }) => ({
    id,
    label,
    icon,
    emojis: emojis.map(([emoji, name, tags = "", tones = ""]) => ({
      emoji,
      name,
      tags: tags ? tags.split(" ") : [],
      ...(tones ? { tones: tones.split(" ") } : {}),
    })),
  }));
  return { categories, all: categories.flatMap((c) => c.emojis) };
}

let catalog: Promise<EmojiCatalog> | null = null;

/** The catalog, loaded once. Its data is a separate file of the app's bundle (about
 * 150 kB of JSON, 45 kB gzipped; see emojiData.gen.mjs), so the main script stays small. */
export function loadEmojiCatalog(): Promise<EmojiCatalog> {
  catalog ??= import("./emoji-data.json")
    .then((data) => catalogFrom(data.default))
    .catch((e: unknown) => {
      catalog = null;
      throw e;
    });
  return catalog;
}

/** The most results a search shows. */
export const SEARCH_LIMIT = 120;

/** Emoji whose name or tags match every word of `query` (each word the start of one of
 * theirs, or part of the name); the closest names first. */
export function searchEmoji(
  all: readonly EmojiEntry[],
  query: string,
  limit = SEARCH_LIMIT,
): EmojiEntry[] {
  const q = query.trim().toLowerCase();
  if (!q) return [];
  const terms = q.split(/\s+/);
  const scored: { entry: EmojiEntry; score: number; i: number }[] = [];
  all.forEach((entry, i) => {
    const name = entry.name.toLowerCase();
    const words = [...name.split(/[\s:,]+/), ...entry.tags.map((t) => t.toLowerCase())];
    const matches = terms.every((t) => name.includes(t) || words.some((w) => w.startsWith(t)));
    if (!matches && entry.emoji !== query.trim()) return;
    const score =
      name === q
        ? 0
        : name.startsWith(q)
          ? 1
          : name.split(/\s+/).some((w) => w.startsWith(terms[0]))
            ? 2
            : 3;
    scored.push({ entry, score, i });
  });
  scored.sort((a, b) => a.score - b.score || a.i - b.i);
  return scored.slice(0, limit).map((s) => s.entry);
}

/** `text` with `insert` put in place of the selection [start, end), and where the caret
 * goes after it. */
export function insertAtCaret(
  text: string,
  start: number,
  end: number,
  insert: string,
): { text: string; caret: number } {
  const from = Math.max(0, Math.min(start, text.length));
  const to = Math.max(from, Math.min(end, text.length));
  return { text: text.slice(0, from) + insert + text.slice(to), caret: from + insert.length };
}

/** A skin tone: 0 is the default (yellow), 1 to 5 light to dark. */
export type SkinTone = 0 | 1 | 2 | 3 | 4 | 5;

/** The tones the picker offers, with their names and the modifier that makes them. */
export const SKIN_TONES: { tone: SkinTone; label: string; modifier: string }[] = [
  { tone: 0, label: "Default skin tone", modifier: "" },
  { tone: 1, label: "Light skin tone", modifier: "\u{1F3FB}" },
  { tone: 2, label: "Medium-light skin tone", modifier: "\u{1F3FC}" },
  { tone: 3, label: "Medium skin tone", modifier: "\u{1F3FD}" },
  { tone: 4, label: "Medium-dark skin tone", modifier: "\u{1F3FE}" },
  { tone: 5, label: "Dark skin tone", modifier: "\u{1F3FF}" },
];

/** The emoji in `tone`, for those that take one; the others as they are. */
export function withSkinTone(entry: EmojiEntry, tone: SkinTone): string {
  return (tone > 0 && entry.tones?.[tone - 1]) || entry.emoji;
}

const SKIN_TONE_KEY = "tidings.skin-tone";

/** The skin tone chosen last in a picker (kept on this device only). */
export function savedSkinTone(storage: Storage | undefined = safeStorage()): SkinTone {
  let saved: number;
  try {
    saved = Number(storage?.getItem(SKIN_TONE_KEY) ?? 0);
  } catch {
    return 0;
  }
  return Number.isInteger(saved) && saved >= 0 && saved <= 5 ? (saved as SkinTone) : 0;
}

/** Remembers the skin tone for the next picker. */
export function saveSkinTone(tone: SkinTone, storage: Storage | undefined = safeStorage()): void {
  try {
    storage?.setItem(SKIN_TONE_KEY, String(tone));
  } catch {
    // Full or unavailable storage only costs remembering it.
  }
}

const RECENT_KEY = "tidings.recent-emoji";
/** How many recently used emoji the picker keeps. */
export const RECENT_MAX = 24;

/** Recently used emoji, newest first (kept on this device only). */
export function recentEmoji(storage: Storage | undefined = safeStorage()): string[] {
  try {
    const saved = JSON.parse(storage?.getItem(RECENT_KEY) ?? "[]");
    return Array.isArray(saved) ? saved.filter((e) => typeof e === "string") : [];
  } catch {
    return [];
  }
}

/** Puts `emoji` first among the recently used. */
export function rememberEmoji(emoji: string, storage: Storage | undefined = safeStorage()): void {
  const next = [emoji, ...recentEmoji(storage).filter((e) => e !== emoji)].slice(0, RECENT_MAX);
  try {
    storage?.setItem(RECENT_KEY, JSON.stringify(next));
  } catch {
    // Full or unavailable storage only costs the recent row.
  }
}

function safeStorage(): Storage | undefined {
  try {
    return typeof localStorage === "undefined" ? undefined : localStorage;
  } catch {
    return undefined;
  }
}
