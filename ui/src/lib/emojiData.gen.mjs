// Makes lib/emoji-data.json, the emoji picker's catalog, from Emojibase's compact English
// data (the emojibase-data package): grouped, in Unicode's order, with names and search
// tags, and without skin-tone variants, components, code points or shortcodes — about a
// third of the source's size. Run `npm run emoji-data` after updating emojibase-data;
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

/** The catalog from Emojibase compact rows: each category's emoji as
 * [emoji, "Name as a sentence", "space separated tags"]. */
export function compactCatalog(rows) {
  const categories = GROUPS.map(({ id, label, icon }) => ({ id, label, icon, emojis: [] }));
  const sorted = rows
    .filter((row) => GROUPS.some((g) => g.group === row.group))
    .sort((a, b) => (a.order ?? 0) - (b.order ?? 0));
  for (const row of sorted) {
    const at = GROUPS.findIndex((g) => g.group === row.group);
    const name = row.label.charAt(0).toUpperCase() + row.label.slice(1);
    categories[at].emojis.push([row.unicode, name, (row.tags ?? []).join(" ")]);
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
