import { describe, expect, it } from "vitest";
import { neighbour, shortcutOf } from "./navigation";

const press = (key: string, mods: Partial<Record<"alt" | "ctrl" | "meta" | "shift", boolean>> = {}) => ({
  key,
  altKey: !!mods.alt,
  ctrlKey: !!mods.ctrl,
  metaKey: !!mods.meta,
  shiftKey: !!mods.shift,
});

describe("neighbour", () => {
  const ids = ["a", "b", "c"];

  it("moves one conversation up or down the list", () => {
    expect(neighbour(ids, "b", 1)).toBe("c");
    expect(neighbour(ids, "b", -1)).toBe("a");
  });

  it("stays put at either end", () => {
    expect(neighbour(ids, "c", 1)).toBe("c");
    expect(neighbour(ids, "a", -1)).toBe("a");
  });

  it("starts at the top (or bottom, going up) when nothing is open", () => {
    expect(neighbour(ids, null, 1)).toBe("a");
    expect(neighbour(ids, null, -1)).toBe("c");
    expect(neighbour(ids, "gone", 1)).toBe("a");
    expect(neighbour([], null, 1)).toBeNull();
  });
});

describe("shortcutOf", () => {
  it("moves with Alt+arrows and Ctrl+Tab", () => {
    expect(shortcutOf(press("ArrowDown", { alt: true }))).toBe("next");
    expect(shortcutOf(press("ArrowUp", { alt: true }))).toBe("previous");
    expect(shortcutOf(press("Tab", { ctrl: true }))).toBe("next");
    expect(shortcutOf(press("Tab", { ctrl: true, shift: true }))).toBe("previous");
  });

  it("searches with Ctrl+K or ⌘K and starts a chat with Ctrl+N", () => {
    expect(shortcutOf(press("k", { ctrl: true }))).toBe("search");
    expect(shortcutOf(press("K", { meta: true }))).toBe("search");
    expect(shortcutOf(press("n", { ctrl: true }))).toBe("new-chat");
  });

  it("leaves plain typing and other chords alone", () => {
    expect(shortcutOf(press("ArrowDown"))).toBeNull();
    expect(shortcutOf(press("Tab"))).toBeNull();
    expect(shortcutOf(press("k"))).toBeNull();
    expect(shortcutOf(press("ArrowDown", { alt: true, shift: true }))).toBeNull();
    expect(shortcutOf(press("Escape"))).toBe("escape");
  });
});
