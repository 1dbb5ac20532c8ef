// Searching every conversation from the search panel.
import type { SearchQuery } from "./protocol/core";
import type { ConversationId } from "./protocol/protocol";

/** How many hits the panel asks for. */
export const SEARCH_LIMIT = 50;

/** How long typing must pause before the panel searches. */
export const SEARCH_DELAY_MS = 150;

/** The query for what was typed, in one conversation or (null) in all of them. */
export function searchQuery(text: string, conversation: ConversationId | null): SearchQuery {
  return {
    text: text.trim(),
    conversation,
    sender: null,
    since: null,
    until: null,
    has_attachment: null,
    limit: SEARCH_LIMIT,
  };
}

/** The hit selected after an arrow key: one step, wrapping at both ends (-1 for none). */
export function stepSelection(current: number, step: 1 | -1, count: number): number {
  if (count === 0) return -1;
  if (current < 0) return step === 1 ? 0 : count - 1;
  return (current + step + count) % count;
}
