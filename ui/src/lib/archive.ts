// Archived conversations: kept out of the main list (a new message does not bring them
// back, as in Signal), shown on their own behind the list's "Archived" entry.
import type { ConversationSummary } from "./protocol/protocol";

/** Whether I put the conversation in the archive (the same on all my devices). */
export function isArchived(c: ConversationSummary): boolean {
  return c.settings.archived === true;
}

/** The conversations the list shows, in the order given: the archived ones or the rest. */
export function listed(
  conversations: ConversationSummary[],
  archived: boolean,
): ConversationSummary[] {
  return conversations.filter((c) => isArchived(c) === archived);
}

/** What the "Archived" entry says: how many are archived, and their unread messages. */
export function archiveSummary(conversations: ConversationSummary[]): {
  count: number;
  unread: number;
} {
  const archived = listed(conversations, true);
  return { count: archived.length, unread: archived.reduce((n, c) => n + c.unread_count, 0) };
}
