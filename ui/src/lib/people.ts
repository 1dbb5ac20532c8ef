// How people and conversations are named and drawn: initials, avatar colours, titles and
// previews for the list.
import type {
  ConversationSettings,
  ConversationSummary,
  EventBody,
  PresenceState,
  UserId,
} from "./protocol/protocol";

/** Up to two initials: "Ana Lima" → "AL", "bob" → "B". */
export function initials(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) return "?";
  const letters = words.length === 1 ? [words[0]] : [words[0], words[words.length - 1]];
  return letters.map((w) => Array.from(w)[0]?.toUpperCase() ?? "").join("");
}

/** A stable hue (0–359) for a person or conversation id. */
export function hueFor(id: string): number {
  let h = 0;
  for (const c of id) h = (h * 31 + (c.codePointAt(0) ?? 0)) % 360;
  return h;
}

/** The list's name for a conversation: the group's title, or the other person's name. */
export function conversationTitle(c: ConversationSummary, me: UserId): string {
  if (c.kind === "group") return c.title ?? "Untitled group";
  const other = c.members.find((m) => m.id !== me) ?? c.members[0];
  return other?.display_name ?? "Direct conversation";
}

/** Whose colour a conversation's avatar takes: the other person's in a direct one (so they
 * look the same everywhere), else the group's own. */
export function avatarIdFor(c: ConversationSummary, me: UserId): string {
  if (c.kind === "group") return c.id;
  return c.members.find((m) => m.id !== me)?.id ?? c.id;
}

/** The presence to show on a conversation's avatar: the other person's in a direct
 * chat, none for a group (or when nothing has been heard). */
export function presenceFor(
  c: ConversationSummary,
  me: UserId,
  presence: ReadonlyMap<UserId, PresenceState>,
): PresenceState | undefined {
  if (c.kind === "group") return undefined;
  const other = c.members.find((m) => m.id !== me)?.id;
  return other === undefined ? undefined : presence.get(other);
}

/** A member's display name by id, or a fallback. */
export function nameOf(c: ConversationSummary | undefined, user: UserId): string {
  return c?.members.find((m) => m.id === user)?.display_name ?? "Someone";
}

/** One line describing an event, for the list's preview and the view's system rows. */
export function describeEvent(body: EventBody, c: ConversationSummary | undefined): string {
  switch (body.kind) {
    case "message":
      if (body.deleted) return "Message deleted";
      if (body.text) return body.text;
      return body.attachments?.length ? `📎 ${body.attachments[0].name}` : "";
    case "created":
      return c?.kind === "group" ? `Group “${body.title ?? ""}” created` : "Conversation started";
    case "renamed":
      return `Renamed to “${body.title}”`;
    case "members_added":
      return `${body.users.map((u) => nameOf(c, u)).join(", ")} joined`;
    case "member_removed":
      return `${nameOf(c, body.user)} was removed`;
    case "member_left":
      return "A member left";
    case "role_changed":
      return `${nameOf(c, body.user)} is now ${body.role}`;
    case "ownership_transferred":
      return `${nameOf(c, body.to)} is now the owner`;
    default:
      return "";
  }
}

/** The list's preview line: "You: hi", "hi" (direct), "Ana: hi" (group), or nothing yet. */
export function previewLine(c: ConversationSummary, me: UserId): string {
  const last = c.last_message;
  if (!last) return "No messages yet";
  const text = describeEvent(last, c);
  if (last.kind !== "message") return text;
  if (last.sender === me) return `You: ${text}`;
  return c.kind === "group" ? `${nameOf(c, last.sender).split(" ")[0]}: ${text}` : text;
}

/** Whether notifications are off for a conversation now (a timed mute ends by itself). */
export function isMuted(settings: ConversationSettings, now: number = Date.now()): boolean {
  if (!settings.muted) return false;
  return settings.muted_until == null || settings.muted_until > now;
}
