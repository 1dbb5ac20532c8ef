// Moving between conversations from the keyboard, in the list's order.
import type { ConversationId, ConversationSummary } from "./protocol/protocol";

/** The list's order: latest activity first. */
export function byActivity(conversations: ConversationSummary[]): ConversationSummary[] {
  return [...conversations].sort((a, b) => b.last_activity - a.last_activity);
}

/** The conversation `step` away from `current` in `ids`, stopping at the ends; the first
 * (or last, going up) when none is open. Null when the list is empty. */
export function neighbour(
  ids: ConversationId[],
  current: ConversationId | null,
  step: 1 | -1,
): ConversationId | null {
  if (ids.length === 0) return null;
  const at = current === null ? -1 : ids.indexOf(current);
  if (at < 0) return step === 1 ? ids[0] : ids[ids.length - 1];
  return ids[Math.min(ids.length - 1, Math.max(0, at + step))];
}

/** An app-wide keyboard shortcut. */
export type Shortcut = "previous" | "next" | "new-chat" | "search" | "escape";

type Keys = Pick<KeyboardEvent, "key" | "altKey" | "ctrlKey" | "metaKey" | "shiftKey">;

/** Which shortcut a key press is, if any: Alt+↑/↓ and Ctrl+(Shift+)Tab move through the
 * list, Ctrl/⌘+N starts a chat, Ctrl/⌘+K searches, Escape closes. */
export function shortcutOf(e: Keys): Shortcut | null {
  const mod = e.ctrlKey || e.metaKey;
  if (e.altKey && !mod && !e.shiftKey) {
    if (e.key === "ArrowUp") return "previous";
    if (e.key === "ArrowDown") return "next";
  }
  if (e.ctrlKey && !e.altKey && !e.metaKey && e.key === "Tab") {
    return e.shiftKey ? "previous" : "next";
  }
  if (mod && !e.altKey && !e.shiftKey) {
    const key = e.key.toLowerCase();
    if (key === "k") return "search";
    if (key === "n") return "new-chat";
  }
  if (e.key === "Escape" && !mod && !e.altKey && !e.shiftKey) return "escape";
  return null;
}
