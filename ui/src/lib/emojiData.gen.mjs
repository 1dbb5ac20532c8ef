// Makes lib/emoji-data.json, the emoji picker's catalog, from Emojibase's compact English
// data (the emojibase-data package): grouped, in Unicode's order, with names and search
// tags, and for emoji that take a skin tone just the five one-tone variants (not their
// names, nor the mixed-tone pairs), without components, code points or shortcodes —
// about a third of the source's size. Run `npm run emoji-data` after updating emojibase-data;
// lib/emoji.test.ts fails while the committed file differs from what this makes.
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** Emojibase's groups in its order, as the picker's categories (group 2, skin tone and
 * hair components, is left out: they are not emoji on their own). */
export const GROUPS = [
  { group: 0, id: "smileys", label: "Smileys & emotion", icon: "😀" },
  { group: 1, id: "people", label: "People & body", icon: "👋" },
  { group: 3, id: "nature", label: "Animals & nature", icon: "🐻" },
  { group: 4, id: "food", label: "Food & drink", icon: "🍔" },
  { group: 5, id: "travel", label: "Travel & places", icon: "✈️" },
  { group: 6, id: "activities", label: "Activities", icon: "⚽" },
  { group: 7, id: "objects", label: "Objects", icon: "💡" },
  { group: 8, id: "symbols", label: "Symbols", icon: "🔣" },
  { group: 9, id: "flags", label: "Flags", icon: "🏁" },
];

/** The skin tone modifiers, light to dark, as Emojibase's hexcodes name them. */
export const TONES = ["1F3FB", "1F3FC", "1F3FD", "1F3FE", "1F3FF"];

/** An emoji's five one-tone variants, light to dark, space separated ("" without). For
 * pairs (handshake, people holding hands) only those with one tone for both. */
export function toneVariants(row) {
  const variants = TONES.map((tone) => {
    const single = (row.skins ?? []).find((skin) => {
      const used = skin.hexcode.split("-").filter((code) => TONES.includes(code));
      return used.length > 0 && used.every((code) => code === tone);
    });
    return single?.unicode;
  });
  return variants.every(Boolean) ? variants.join(" ") : "";
}

/** The catalog from Emojibase compact rows: each category's emoji as
 * [emoji, "Name as a sentence", "space separated tags"], and for those that take a skin
 * tone a fourth: their variants (see `toneVariants`). */
export function compactCatalog(rows) {
  const categories = GROUPS.map(({ id, label, icon }) => ({ id, label, icon, emojis: [] }));
  const sorted = rows
    .filter((row) => GROUPS.some((g) => g.group === row.group))
    .sort((a, b) => (a.order ?? 0) - (b.order ?? 0));
  for (const row of sorted) {
    const at = GROUPS.findIndex((g) => g.group === row.group);
    const name = row.label.charAt(0).toUpperCase() + row.label.slice(1);
    const tones = toneVariants(row);
    const entry = [row.unicode, name, (row.tags ?? []).join(" ")];
    categories[at].emojis.push(tones ? [...entry, tones] : entry);
  }
  return { categories: categories.filter((c) => c.emojis.length > 0) };
}

const here = (path) => resolve(dirname(fileURLToPath(import.meta.url)), path);
export const SOURCE = "../../node_modules/emojibase-data/en/compact.json";
export const TARGET = "./emoji-data.json";

/** The file's text for the current emojibase-data. */
export function emojiDataFile() {
  const rows = JSON.parse(readFileSync(here(SOURCE), "utf8"));
  return `${JSON.stringify(compactCatalog(rows))}\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(here(TARGET), emojiDataFile());
  console.log(`wrote ${here(TARGET)}`);
}
