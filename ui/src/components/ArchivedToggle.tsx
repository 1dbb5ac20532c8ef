import { Icon } from "./Icon";

/** The list's last entry: "Archived (N)", with a badge while archived conversations have
 * unread messages, or "Back to chats" from the archive. */
export function ArchivedToggle({
  showing,
  archive: { count, unread },
  onToggle,
}: {
  showing: boolean;
  archive: { count: number; unread: number };
  onToggle: () => void;
}) {
  if (showing) {
    return (
      <button
        type="button"
        className="ghost archived-toggle"
        data-archived="true"
        onClick={onToggle}
      >
        <Icon name="back" size={16} />
        <span>Back to chats</span>
      </button>
    );
  }
  const label = [`Archived (${count})`, unread > 0 && `${unread} unread`]
    .filter(Boolean)
    .join(", ");
  return (
    <button
      type="button"
      className="ghost archived-toggle"
      data-archived="false"
      aria-label={label}
      onClick={onToggle}
    >
      <Icon name="archive" size={16} />
      <span>Archived ({count})</span>
      {unread > 0 && (
        <span className="badge archived-unread" aria-hidden="true">
          {unread > 99 ? "99+" : unread}
        </span>
      )}
    </button>
  );
}
