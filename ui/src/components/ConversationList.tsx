import { usePresence } from "../hooks/usePresence";
import { conversationTitle, presenceFor } from "../lib/people";
import type { ConversationId, ConversationSummary, UserProfile } from "../lib/protocol/protocol";
import { Avatar } from "./Avatar";
import { ConversationRow } from "./ConversationRow";
import { NewChat } from "./NewChat";

type Props = {
  me: UserProfile;
  conversations: ConversationSummary[];
  loaded: boolean;
  openId: ConversationId | null;
  onOpen: (id: ConversationId) => void;
  onSignOut: () => void;
};

/** The sidebar: who I am, "new chat", and my conversations by latest activity. */
export function ConversationList({ me, conversations, loaded, openId, onOpen, onSignOut }: Props) {
  const sorted = [...conversations].sort((a, b) => b.last_activity - a.last_activity);
  const presence = usePresence();
  return (
    <nav className="sidebar" aria-label="Conversations">
      <header className="sidebar-header">
        <Avatar id={me.id} name={me.display_name} size="small" />
        <div className="me">
          <strong>{me.display_name}</strong>
          <span className="muted">@{me.username}</span>
        </div>
        <button type="button" className="ghost" onClick={onSignOut}>
          Sign out
        </button>
      </header>
      <NewChat onOpened={onOpen} />
      {loaded && sorted.length === 0 && (
        <p className="muted list-empty">No conversations yet. Start one above.</p>
      )}
      <ul className="conversation-list" role="list">
        {sorted.map((c) => (
          <ConversationRow
            key={c.id}
            conversation={c}
            title={conversationTitle(c, me.id)}
            me={me.id}
            selected={c.id === openId}
            presence={presenceFor(c, me.id, presence)}
            onOpen={() => onOpen(c.id)}
          />
        ))}
      </ul>
    </nav>
  );
}
