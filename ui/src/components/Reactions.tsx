import { reactedByMe, reactorNames } from "../lib/reactions";
import type { ConversationSummary, ReactionSummary, UserId } from "../lib/protocol/protocol";

type Props = {
  reactions: ReactionSummary[];
  me: UserId;
  conversation: ConversationSummary;
  /** Adds (`add`) or takes back my reaction with this emoji. */
  onToggle: (emoji: string, add: boolean) => void;
};

/** The chips under a message: each emoji with its count, pressed when I reacted, naming
 * who reacted in its tooltip; a click adds or takes back mine. */
export function Reactions({ reactions, me, conversation, onToggle }: Props) {
  if (reactions.length === 0) return null;
  return (
    <div className="reactions" role="group" aria-label="Reactions">
      {reactions.map((r) => {
        const mine = reactedByMe(r, me);
        const names = reactorNames(r, conversation);
        return (
          <button
            key={r.emoji}
            type="button"
            className={`reaction${mine ? " mine" : ""}`}
            data-emoji={r.emoji}
            aria-pressed={mine}
            aria-label={`${r.emoji} ${r.users.length}: ${names}`}
            title={names}
            onClick={() => onToggle(r.emoji, !mine)}
          >
            <span className="reaction-emoji" aria-hidden="true">
              {r.emoji}
            </span>
            <span className="reaction-count" aria-hidden="true">
              {r.users.length}
            </span>
          </button>
        );
      })}
    </div>
  );
}
