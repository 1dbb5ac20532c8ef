import { useState } from "react";
import { useConnection } from "../hooks/useConnection";
import { useConversations } from "../hooks/useConversations";
import type { ConversationId, UserProfile } from "../lib/protocol/protocol";
import { ConnectionBanner } from "./ConnectionBanner";
import { ConversationList } from "./ConversationList";
import { ConversationView } from "./ConversationView";

type Props = {
  me: UserProfile;
  /** No keychain answered: this sign-in ends when the app closes. */
  sessionNotSaved: boolean;
  onDismissNotice: () => void;
  onSignOut: () => void;
};

/** The signed-in screen: the list on the left, the open conversation on the right. */
export function Main({ me, sessionNotSaved, onDismissNotice, onSignOut }: Props) {
  const { conversations, loaded } = useConversations();
  const [openId, setOpenId] = useState<ConversationId | null>(null);
  const connection = useConnection();
  const open = conversations.find((c) => c.id === openId);

  return (
    <div className="app">
      <ConnectionBanner state={connection} />
      {sessionNotSaved && (
        <div className="notice" role="note">
          <span>No keychain is available, so you will need to sign in again next time.</span>
          <button type="button" className="ghost" onClick={onDismissNotice}>
            Dismiss
          </button>
        </div>
      )}
      <div className="panes">
        <ConversationList
          me={me}
          conversations={conversations}
          loaded={loaded}
          openId={openId}
          onOpen={setOpenId}
          onSignOut={onSignOut}
        />
        {open ? (
          <ConversationView key={open.id} me={me} conversation={open} />
        ) : (
          <section className="empty-view" aria-label="No conversation open">
            <p>Pick a conversation, or start a new one by username.</p>
          </section>
        )}
      </div>
    </div>
  );
}
