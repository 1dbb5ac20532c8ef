/** Declarations for emojiData.gen.mjs (the generator of emoji-data.json). */
export declare const GROUPS: { group: number; id: string; label: string; icon: string }[];
export declare const TONES: string[];
export declare function toneVariants(row: unknown): string;
export declare function compactCatalog(rows: unknown[]): {
  categories: { id: string; label: string; icon: string; emojis: string[][] }[];
};
export declare function emojiDataFile(): string;
export declare const SOURCE: string;
export declare const TARGET: string;
