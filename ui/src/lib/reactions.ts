// Reactions as the chips under a message show them, and how my toggle changes them before
// the server confirms (a local echo that the next read of the cache replaces).
import { nameOf } from "./people";
import type { ConversationSummary, ReactionSummary, UserId } from "./protocol/protocol";

/** One emoji with or without its variation selector (👍 / 👍️) is one reaction: the
 * server stores a canonical form, the picker may offer the other. */
export function emojiKey(emoji: string): string {
  return emoji.replace(/\uFE0F/g, "");
}

/** Whether I am among those who reacted with this emoji. */
export function reactedByMe(r: ReactionSummary, me: UserId): boolean {
  return r.users.includes(me);
}

/** The reaction already on the message that `emoji` means, if any. */
export function findReaction(
  reactions: ReactionSummary[],
  emoji: string,
): ReactionSummary | undefined {
  const key = emojiKey(emoji);
  return reactions.find((r) => emojiKey(r.emoji) === key);
}

/** The reactions with mine added to or removed from `emoji`: a new emoji goes last, and
 * an emoji nobody is left on disappears. */
export function toggleReaction(
  reactions: ReactionSummary[],
  emoji: string,
  me: UserId,
  add: boolean,
): ReactionSummary[] {
  const existing = findReaction(reactions, emoji);
  if (!existing) return add ? [...reactions, { emoji, users: [me] }] : reactions;
  return reactions.flatMap((r) => {
    if (r !== existing) return [r];
    const others = r.users.filter((u) => u !== me);
    const users = add ? [...others, me] : others;
    return users.length === 0 ? [] : [{ ...r, users }];
  });
}

/** My toggles the server has not confirmed yet, by emoji key: whether I add or remove. */
export type PendingReactions = ReadonlyMap<string, { emoji: string; add: boolean }>;

/** The reactions as shown: the cache's, with my unconfirmed toggles applied. */
export function withPending(
  reactions: ReactionSummary[],
  pending: PendingReactions,
  me: UserId,
): ReactionSummary[] {
  let shown = reactions;
  for (const { emoji, add } of pending.values()) shown = toggleReaction(shown, emoji, me, add);
  return shown;
}

/** The toggles the cache now agrees with (confirmed), which the echo can forget. */
export function settledKeys(
  reactions: ReactionSummary[],
  pending: PendingReactions,
  me: UserId,
): string[] {
  const settled: string[] = [];
  for (const [key, { emoji, add }] of pending) {
    const r = findReaction(reactions, emoji);
    if ((r !== undefined && reactedByMe(r, me)) === add) settled.push(key);
  }
  return settled;
}

/** Who reacted, in order, for the chip's tooltip: "Ana Lima, Bob Stone". */
export function reactorNames(r: ReactionSummary, c: ConversationSummary): string {
  return r.users.map((u) => nameOf(c, u)).join(", ");
}
