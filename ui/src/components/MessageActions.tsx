import { useRef, useState } from "react";
import { QUICK_REACTIONS } from "../lib/emoji";
import { EmojiPicker } from "./EmojiPicker";
import { Popover } from "./Popover";

type Props = {
  canEdit: boolean;
  canDelete: boolean;
  onReact: (emoji: string) => void;
  onEdit: () => void;
  onDelete: () => void;
  /** Whether a reaction menu is open (the toolbar then stays shown). */
  onOpenChange: (open: boolean) => void;
};

type Menu = "none" | "quick" | "picker";

/** The toolbar beside a message, shown on hover and on keyboard focus: React (six quick
 * reactions, and "more" for the whole picker), and for my own messages Edit and Delete. */
export function MessageActions({
  canEdit,
  canDelete,
  onReact,
  onEdit,
  onDelete,
  onOpenChange,
}: Props) {
  const [menu, setMenu] = useState<Menu>("none");
  const reactButton = useRef<HTMLButtonElement>(null);

  function open(next: Menu) {
    setMenu(next);
    onOpenChange(next !== "none");
  }
  function close() {
    open("none");
    reactButton.current?.focus();
  }
  function react(emoji: string) {
    onReact(emoji);
    close();
  }

  return (
    <div className="message-actions" role="toolbar" aria-label="Message actions">
      <button
        ref={reactButton}
        type="button"
        className="action-button"
        aria-label="React"
        title="React"
        aria-haspopup="dialog"
        aria-expanded={menu !== "none"}
        onClick={() => (menu === "none" ? open("quick") : close())}
      >
        <svg
          aria-hidden="true"
          viewBox="0 0 20 20"
          width="16"
          height="16"
          fill="none"
          stroke="currentColor"
          strokeWidth="1.6"
          strokeLinecap="round"
        >
          <circle cx="10" cy="10" r="7.5" />
          <path d="M7 12.2c.8 1 1.8 1.5 3 1.5s2.2-.5 3-1.5M7.5 8h.01M12.5 8h.01" />
        </svg>
      </button>
      {canEdit && (
        <button
          type="button"
          className="action-button"
          aria-label="Edit"
          title="Edit"
          onClick={onEdit}
        >
          <svg
            aria-hidden="true"
            viewBox="0 0 20 20"
            width="16"
            height="16"
            fill="none"
            stroke="currentColor"
            strokeWidth="1.6"
            strokeLinejoin="round"
          >
            <path d="M4 16l.7-3.3L13.3 4a1.5 1.5 0 012.1 0l.6.6a1.5 1.5 0 010 2.1L7.3 15.3z" />
          </svg>
        </button>
      )}
      {canDelete && (
        <button
          type="button"
          className="action-button"
          aria-label="Delete"
          title="Delete"
          onClick={onDelete}
        >
          <svg
            aria-hidden="true"
            viewBox="0 0 20 20"
            width="16"
            height="16"
            fill="none"
            stroke="currentColor"
            strokeWidth="1.6"
            strokeLinecap="round"
            strokeLinejoin="round"
          >
            <path d="M4 6h12M8 6V4.5h4V6M5.5 6l.8 10h7.4l.8-10M8.5 9v4.5M11.5 9v4.5" />
          </svg>
        </button>
      )}
      {menu === "quick" && (
        <Popover anchor={reactButton} onClose={close}>
          <div className="quick-reactions" role="dialog" aria-label="Quick reactions">
            {QUICK_REACTIONS.map((r, i) => (
              <button
                key={r.emoji}
                type="button"
                className="quick-reaction"
                data-emoji={r.emoji}
                aria-label={`React with ${r.name.toLowerCase()}`}
                title={r.name}
                autoFocus={i === 0}
                onClick={() => react(r.emoji)}
              >
                {r.emoji}
              </button>
            ))}
            <button
              type="button"
              className="quick-reaction more"
              aria-label="More reactions"
              title="More reactions"
              onClick={() => open("picker")}
            >
              +
            </button>
          </div>
        </Popover>
      )}
      {menu === "picker" && (
        <Popover anchor={reactButton} onClose={close}>
          <EmojiPicker onPick={react} onClose={close} />
        </Popover>
      )}
    </div>
  );
}
