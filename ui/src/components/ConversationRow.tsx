import { avatarIdFor, previewLine } from "../lib/people";
import type { ConversationSummary, PresenceState, UserId } from "../lib/protocol/protocol";
import { shortTime } from "../lib/time";
import { Avatar } from "./Avatar";

type Props = {
  conversation: ConversationSummary;
  title: string;
  me: UserId;
  selected: boolean;
  presence?: PresenceState;
  onOpen: () => void;
};

/** One conversation in the list: avatar, name, time, preview and unread badge. */
export function ConversationRow({
  conversation: c,
  title,
  me,
  selected,
  presence,
  onOpen,
}: Props) {
  const unread = c.unread_count;
  const label = unread > 0 ? `${title}, ${unread} unread` : title;
  return (
    <li>
      <button
        type="button"
        className={`conversation-row${selected ? " selected" : ""}${unread ? " unread" : ""}`}
        aria-current={selected ? "true" : undefined}
        aria-label={label}
        data-conversation-id={c.id}
        onClick={onOpen}
      >
        <Avatar id={avatarIdFor(c, me)} name={title} presence={presence} />
        <span className="row-text">
          <span className="row-top">
            <span className="row-title">{title}</span>
            <time className="row-time">{c.last_message ? shortTime(c.last_activity) : ""}</time>
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
