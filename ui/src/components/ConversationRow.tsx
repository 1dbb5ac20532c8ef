import { avatarIdFor, isMuted, previewLine } from "../lib/people";
import type { ConversationSummary, PresenceState, UserId } from "../lib/protocol/protocol";
import { shortTime } from "../lib/time";
import { Avatar } from "./Avatar";
import { Icon } from "./Icon";

type Props = {
  conversation: ConversationSummary;
  title: string;
  me: UserId;
  selected: boolean;
  presence?: PresenceState;
  /** "Now" for the time column (it says "14:05" today, "Mon" after midnight). */
  now?: number;
  onOpen: () => void;
};

/** One conversation in the list: avatar, name, time, preview, unread badge, and a
 * crossed-out bell when muted. */
export function ConversationRow({
  conversation: c,
  title,
  me,
  selected,
  presence,
  now,
  onOpen,
}: Props) {
  const unread = c.unread_count;
  const muted = isMuted(c.settings);
  const label = [title, unread > 0 && `${unread} unread`, muted && "muted"]
    .filter(Boolean)
    .join(", ");
  return (
    <li>
      <button
        type="button"
        className={[
          "conversation-row",
          selected && "selected",
          unread > 0 && "unread",
          muted && "is-muted",
        ]
          .filter(Boolean)
          .join(" ")}
        aria-current={selected ? "true" : undefined}
        aria-label={label}
        data-conversation-id={c.id}
        data-kind={c.kind}
        onClick={onOpen}
      >
        <Avatar id={avatarIdFor(c, me)} name={title} presence={presence} />
        <span className="row-text">
          <span className="row-top">
            <span className="row-title">{title}</span>
            {muted && (
              <span className="muted-icon" title="Muted" data-muted="true">
                <Icon name="bell-off" size={14} />
              </span>
            )}
            <time className="row-time">
              {c.last_message ? shortTime(c.last_activity, now) : ""}
            </time>
          </span>
          <span className="row-bottom">
            <span className="row-preview">{previewLine(c, me)}</span>
            {unread > 0 && (
              <span className="badge" aria-hidden="true">
                {unread > 99 ? "99+" : unread}
              </span>
            )}
          </span>
        </span>
      </button>
    </li>
  );
}
