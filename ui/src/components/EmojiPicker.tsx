import { useEffect, useMemo, useRef, useState, type KeyboardEvent } from "react";
import {
  loadEmojiCatalog,
  recentEmoji,
  rememberEmoji,
  saveSkinTone,
  savedSkinTone,
  searchEmoji,
  withSkinTone,
  type EmojiCatalog,
  type EmojiEntry,
  type SkinTone,
} from "../lib/emoji";
import { SkinToneChooser } from "./SkinToneChooser";
import "../styles/conversation.css";

/** Emoji per row of the grid (the arrow keys move by this much up and down). */
export const PICKER_COLUMNS = 8;

const RECENT_ID = "recent";

type Props = {
  /** Called with the chosen emoji; the caller closes the picker (or not). */
  onPick: (emoji: string) => void;
  onClose: () => void;
};

/**
 * Search and categories over the bundled emoji data, all by keyboard too: the search box
 * has the focus first, ↓ moves into the grid, arrows move around it, Enter picks, and
 * Escape closes. The skin tone chosen at the bottom (remembered on this device) applies
 * to the emoji that take one, in the grid and in what is picked. No network and no
 * injected styles (the app's CSP forbids both).
 */
export function EmojiPicker({ onPick, onClose }: Props) {
  const [catalog, setCatalog] = useState<EmojiCatalog | null>(null);
  const [failed, setFailed] = useState(false);
  const [query, setQuery] = useState("");
  const [recent] = useState(() => recentEmoji());
  const [categoryId, setCategoryId] = useState<string>(recent.length ? RECENT_ID : "smileys");
  const [active, setActive] = useState(0);
  const [tone, setTone] = useState<SkinTone>(() => savedSkinTone());
  const search = useRef<HTMLInputElement>(null);
  const grid = useRef<HTMLDivElement>(null);

  useEffect(() => {
    let live = true;
    loadEmojiCatalog()
      .then((c) => live && setCatalog(c))
      .catch(() => live && setFailed(true));
    search.current?.focus();
    return () => {
      live = false;
    };
  }, []);

  const categories = useMemo(() => {
    if (!catalog) return [];
    const byEmoji = new Map(catalog.all.map((e) => [e.emoji, e]));
    const recentEntries = recent.flatMap((e) => byEmoji.get(e) ?? []);
    const recentCategory = recentEntries.length
      ? [{ id: RECENT_ID, label: "Recently used", icon: "🕘", emojis: recentEntries }]
      : [];
    return [...recentCategory, ...catalog.categories];
  }, [catalog, recent]);

  const searching = query.trim() !== "";
  const category = categories.find((c) => c.id === categoryId) ?? categories[0];
  const shown: EmojiEntry[] = useMemo(
    () => (searching ? searchEmoji(catalog?.all ?? [], query) : (category?.emojis ?? [])),
    [searching, catalog, query, category],
  );
  const current = shown[Math.min(active, shown.length - 1)];

  function pick(entry: EmojiEntry) {
    // Recent ones are kept plain, so they follow a later change of tone.
    rememberEmoji(entry.emoji);
    onPick(withSkinTone(entry, tone));
  }

  function chooseTone(next: SkinTone) {
    setTone(next);
    saveSkinTone(next);
  }

  function focusEmoji(index: number) {
    const next = Math.max(0, Math.min(index, shown.length - 1));
    setActive(next);
    const button = grid.current?.querySelectorAll<HTMLButtonElement>("button")[next];
    button?.focus();
    button?.scrollIntoView?.({ block: "nearest" });
  }

  function onGridKey(e: KeyboardEvent<HTMLDivElement>) {
    const moves: Record<string, number> = {
      ArrowRight: 1,
      ArrowLeft: -1,
      ArrowDown: PICKER_COLUMNS,
      ArrowUp: -PICKER_COLUMNS,
    };
    if (e.key in moves) {
      e.preventDefault();
      if (e.key === "ArrowUp" && active < PICKER_COLUMNS) search.current?.focus();
      else focusEmoji(active + moves[e.key]);
    } else if (e.key === "Home") {
      e.preventDefault();
      focusEmoji(0);
    } else if (e.key === "End") {
      e.preventDefault();
      focusEmoji(shown.length - 1);
    }
  }

  function onSearchKey(e: KeyboardEvent<HTMLInputElement>) {
    if (e.key === "ArrowDown" && shown.length) {
      e.preventDefault();
      focusEmoji(0);
    } else if (e.key === "Enter" && shown.length) {
      e.preventDefault();
      pick(shown[0]);
    }
  }

  return (
    <div
      className="emoji-picker"
      role="dialog"
      aria-label="Emoji picker"
      onKeyDown={(e) => {
        if (e.key === "Escape") {
          e.preventDefault();
          e.stopPropagation();
          onClose();
        }
      }}
    >
      <input
        ref={search}
        type="search"
        name="emoji-search"
        className="emoji-search"
        aria-label="Search emoji"
        placeholder="Search emoji"
        autoComplete="off"
        value={query}
        onChange={(e) => {
          setQuery(e.target.value);
          setActive(0);
        }}
        onKeyDown={onSearchKey}
      />
      <div className="emoji-categories" role="toolbar" aria-label="Emoji categories">
        {categories.map((c) => (
          <button
            key={c.id}
            type="button"
            className="emoji-category"
            aria-label={c.label}
            title={c.label}
            aria-pressed={!searching && c.id === category?.id}
            onClick={() => {
              setQuery("");
              setCategoryId(c.id);
              setActive(0);
              grid.current?.scrollTo?.({ top: 0 });
            }}
          >
            {c.icon}
          </button>
        ))}
      </div>
      <p className="emoji-section" aria-live="polite">
        {failed
          ? "Emoji could not be loaded."
          : !catalog
            ? "Loading emoji…"
            : searching
              ? shown.length
                ? `Results for “${query.trim()}”`
                : "No emoji found"
              : category?.label}
      </p>
      <div
        ref={grid}
        className="emoji-grid"
        role="group"
        aria-label={searching ? "Search results" : (category?.label ?? "Emoji")}
        onKeyDown={onGridKey}
      >
        {shown.map((entry, i) => (
          <button
            key={entry.emoji}
            type="button"
            className="emoji-option"
            aria-label={entry.name}
            title={entry.name}
            tabIndex={i === Math.min(active, shown.length - 1) ? 0 : -1}
            onFocus={() => setActive(i)}
            onMouseEnter={() => setActive(i)}
            onClick={() => pick(entry)}
          >
            {withSkinTone(entry, tone)}
          </button>
        ))}
      </div>
      <div className="emoji-footer">
        <div className="emoji-preview" aria-hidden="true">
          {current && (
            <>
              <span className="emoji-preview-glyph">{withSkinTone(current, tone)}</span>
              <span className="emoji-preview-name">{current.name}</span>
            </>
          )}
        </div>
        <SkinToneChooser value={tone} onChange={chooseTone} />
      </div>
    </div>
  );
}
