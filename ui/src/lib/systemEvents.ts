// The conversation view's line for a system event, naming who did it ("Ana added Bob",
// "You renamed the group to “Climbing”"). The list's one-line preview stays with
// describeEvent (lib/people.ts), which this falls back to.
import { describeEvent, nameOf } from "./people";
import type { CachedMessage } from "./protocol/core";
import type { ConversationSummary, Role, UserId } from "./protocol/protocol";

function roleWords(role: Role): string {
  if (role === "owner") return "the owner";
  return role === "admin" ? "an admin" : "a member";
}

/** One sentence for a system event row, from my point of view. */
export function systemEventLine(m: CachedMessage, c: ConversationSummary, me: UserId): string {
  const who = (user: UserId) => (user === me ? "You" : nameOf(c, user));
  const whom = (user: UserId) => (user === me ? "you" : nameOf(c, user));
  const actor = who(m.sender);
  const body = m.event;
  switch (body.kind) {
    case "created":
      return c.kind === "group"
        ? `${actor} created the group${body.title ? ` “${body.title}”` : ""}`
        : "Conversation started";
    case "renamed":
      return `${actor} renamed the group to “${body.title}”`;
    case "members_added":
      if (body.users.length === 1 && body.users[0] === m.sender) return `${actor} joined`;
      return `${actor} added ${body.users.map(whom).join(", ")}`;
    case "member_removed":
      return body.user === m.sender ? `${actor} left` : `${actor} removed ${whom(body.user)}`;
    case "member_left":
      return body.new_owner
        ? `${actor} left; ${whom(body.new_owner)} ${body.new_owner === me ? "are" : "is"} now the owner`
        : `${actor} left`;
    case "role_changed":
      return `${actor} made ${whom(body.user)} ${roleWords(body.role)}`;
    case "ownership_transferred":
      return `${actor} made ${whom(body.to)} the owner`;
    default:
      return describeEvent(body, c);
  }
}
