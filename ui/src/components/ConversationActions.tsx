import type { ConversationKind } from "../lib/protocol/protocol";
import { Icon } from "./Icon";

type Props = {
  kind: ConversationKind;
  settingsOpen: boolean;
  onSearch: () => void;
  onToggleSettings: () => void;
};

/** The buttons at the right end of the conversation header: search, and the group
 * settings (or, for a direct chat, the conversation info) panel. */
export function ConversationActions({ kind, settingsOpen, onSearch, onToggleSettings }: Props) {
  const settings = kind === "group" ? "Group settings" : "Conversation info";
  return (
    <div className="conversation-actions">
      <button
        type="button"
        className="icon-button"
        aria-label="Search"
        title="Search (Ctrl+K)"
        aria-keyshortcuts="Control+K"
        aria-haspopup="dialog"
        onClick={onSearch}
      >
        <Icon name="search" />
      </button>
      <button
        type="button"
        className={`icon-button${settingsOpen ? " active" : ""}`}
        aria-label={settings}
        title={settings}
        aria-expanded={settingsOpen}
        aria-controls="group-settings"
        onClick={onToggleSettings}
      >
        <Icon name={kind === "group" ? "settings" : "info"} />
      </button>
    </div>
  );
}
