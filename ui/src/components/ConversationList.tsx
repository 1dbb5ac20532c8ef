import type { Ref } from "react";
import { usePresence } from "../hooks/usePresence";
import { useToday } from "../hooks/useToday";
import { conversationTitle, presenceFor } from "../lib/people";
import type { ConversationId, ConversationSummary, UserProfile } from "../lib/protocol/protocol";
import { ArchivedToggle } from "./ArchivedToggle";
import { Avatar } from "./Avatar";
import { ConversationRow } from "./ConversationRow";
import { Icon } from "./Icon";
import { NewChat } from "./NewChat";
import { NewGroup } from "./NewGroup";
import { SettingsMenu } from "./SettingsMenu";
import { SyncProgress } from "./SyncProgress";

type Props = {
  me: UserProfile;
  /** The ones shown (the archived ones, or the rest), in the list's order (latest
   * activity first: lib/navigation.ts `byActivity`). */
  conversations: ConversationSummary[];
  /** Showing the archive rather than the main list. */
  showingArchived: boolean;
  /** How many conversations are archived, and their unread messages. */
  archive: { count: number; unread: number };
  onToggleArchived: () => void;
  loaded: boolean;
  openId: ConversationId | null;
  onOpen: (id: ConversationId) => void;
  onSearch: () => void;
  onSignOut: () => void;
  /** The new-chat username field (Ctrl+N focuses it). */
  newChatRef?: Ref<HTMLInputElement>;
};

/** The sidebar: who I am, settings, search, "new chat" and "new group", and my
 * conversations by latest activity; at the bottom, the way into the archived ones (with
 * their unread count) and back. */
export function ConversationList({
  me,
  conversations,
  loaded,
  showingArchived,
  archive,
  onToggleArchived,
  openId,
  onOpen,
  onSearch,
  onSignOut,
  newChatRef,
}: Props) {
  const presence = usePresence();
  const now = useToday();
  return (
    <nav className="sidebar" aria-label="Conversations">
      <header className="sidebar-header">
        <Avatar id={me.id} name={me.display_name} size="small" />
        <div className="me">
          <strong>{me.display_name}</strong>
          <span className="muted">@{me.username}</span>
        </div>
        <SettingsMenu />
        <button type="button" className="ghost" onClick={onSignOut}>
          Sign out
        </button>
      </header>
      <button
        type="button"
        className="search-launcher"
        aria-label="Search messages"
        aria-keyshortcuts="Control+K"
        onClick={onSearch}
      >
        <Icon name="search" size={16} />
        <span>Search messages</span>
        <kbd>Ctrl K</kbd>
      </button>
      <div className="start-row">
        <NewChat onOpened={onOpen} inputRef={newChatRef} />
        <NewGroup onCreated={onOpen} />
      </div>
      <SyncProgress />
      {showingArchived && <h2 className="list-heading">Archived</h2>}
      {loaded && conversations.length === 0 && (
        <p className="muted list-empty">
          {showingArchived
            ? "No archived conversations."
            : archive.count > 0
              ? "Every conversation is archived."
              : "No conversations yet. Start one above."}
        </p>
      )}
      <ul
        className="conversation-list"
        role="list"
        aria-label={showingArchived ? "Archived conversations" : "Your conversations"}
        data-archived={showingArchived}
      >
        {conversations.map((c) => (
          <ConversationRow
            key={c.id}
            conversation={c}
            title={conversationTitle(c, me.id)}
            me={me.id}
            selected={c.id === openId}
            presence={presenceFor(c, me.id, presence)}
            now={now}
            onOpen={() => onOpen(c.id)}
          />
        ))}
      </ul>
      {(showingArchived || archive.count > 0) && (
        <ArchivedToggle showing={showingArchived} archive={archive} onToggle={onToggleArchived} />
      )}
    </nav>
  );
}
