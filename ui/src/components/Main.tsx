import { useMemo, useRef, useState } from "react";
import { useConnection } from "../hooks/useConnection";
import { useConversations } from "../hooks/useConversations";
import { useDesktopEvent } from "../hooks/useDesktopEvent";
import { useFileDrop } from "../hooks/useFileDrop";
import { useKeyboardNavigation } from "../hooks/useKeyboardNavigation";
import { useNotificationSound } from "../hooks/useNotificationSound";
import { useReportOpenConversation } from "../hooks/useReportOpenConversation";
import { useUploadEvents } from "../hooks/useUploadEvents";
import { archiveSummary, isArchived, listed } from "../lib/archive";
import { byActivity, neighbour } from "../lib/navigation";
import { conversationTitle } from "../lib/people";
import type { SearchHit } from "../lib/protocol/core";
import type { ConversationId, UserProfile } from "../lib/protocol/protocol";
import { stageFiles } from "../lib/uploads";
import { ConnectionBanner } from "./ConnectionBanner";
import { ConversationActions } from "./ConversationActions";
import { ConversationList } from "./ConversationList";
import { ConversationView } from "./ConversationView";
import { DropOverlay } from "./DropOverlay";
import { GroupSettings } from "./GroupSettings";
import { SearchPanel } from "./SearchPanel";

type Props = {
  me: UserProfile;
  /** No keychain answered: this sign-in ends when the app closes. */
  sessionNotSaved: boolean;
  onDismissNotice: () => void;
  onSignOut: () => void;
};

/** A message to scroll to and highlight; a new `key` each time, so opening the same hit
 * twice scrolls twice. */
type Focus = { seq: number; key: number };

/** The signed-in screen: the list on the left, the open conversation in the middle, its
 * settings panel on the right; search over all of it. Owns which conversation is open
 * (and tells the shell), takes files dropped on the window, and answers the shell's
 * notification clicks and sounds. */
export function Main({ me, sessionNotSaved, onDismissNotice, onSignOut }: Props) {
  const { conversations, loaded } = useConversations();
  const sorted = useMemo(() => byActivity(conversations), [conversations]);
  const [showingArchived, setShowingArchived] = useState(false);
  // What the list shows, which is also what Alt+↑/↓ moves through.
  const visible = useMemo(() => listed(sorted, showingArchived), [sorted, showingArchived]);
  const archive = useMemo(() => archiveSummary(sorted), [sorted]);
  const [openId, setOpenId] = useState<ConversationId | null>(null);
  const [focus, setFocus] = useState<Focus | null>(null);
  const [settingsOpen, setSettingsOpen] = useState(false);
  const [searchOpen, setSearchOpen] = useState(false);
  const newChat = useRef<HTMLInputElement>(null);
  const connection = useConnection();
  const open = sorted.find((c) => c.id === openId) ?? null;

  function openConversation(id: ConversationId) {
    setOpenId(id);
    setFocus(null);
  }

  /** Opened from outside the list (a notification, a search hit): the list switches to
   * the view that holds it, archived or not, so that its row shows as open. */
  function showListOf(id: ConversationId) {
    const found = sorted.find((c) => c.id === id);
    if (found) setShowingArchived(isArchived(found));
  }

  useReportOpenConversation(open?.id ?? null);
  useUploadEvents();
  useNotificationSound();
  // A notification was clicked: as if its conversation were clicked in the list.
  useDesktopEvent("open-conversation", (id) => {
    setSearchOpen(false);
    showListOf(id);
    openConversation(id);
  });
  const dragging = useFileDrop((paths) => {
    if (open) stageFiles(open.id, paths);
  });

  function openHit(hit: SearchHit) {
    setSearchOpen(false);
    showListOf(hit.conversation_id);
    setOpenId(hit.conversation_id);
    setFocus({ seq: hit.seq, key: Date.now() });
  }

  function closeSettings() {
    const wasInside = document.activeElement?.closest(".group-settings") != null;
    setSettingsOpen(false);
    // Back to the button that opened it, rather than nowhere.
    if (wasInside) {
      requestAnimationFrame(() =>
        document.querySelector<HTMLElement>('[aria-controls="group-settings"]')?.focus(),
      );
    }
  }

  function move(step: 1 | -1) {
    const next = neighbour(
      visible.map((c) => c.id),
      openId,
      step,
    );
    if (next === null || next === openId) return;
    // Moving from the list keeps the keyboard in the list, on the row now open.
    const fromList = document.activeElement?.closest(".conversation-list") != null;
    openConversation(next);
    if (fromList) {
      requestAnimationFrame(() =>
        document
          .querySelector<HTMLElement>(`.conversation-row[data-conversation-id="${next}"]`)
          ?.focus(),
      );
    }
  }

  useKeyboardNavigation({
    // Not behind the search dialog's back.
    previous: () => (searchOpen ? false : move(-1)),
    next: () => (searchOpen ? false : move(1)),
    "new-chat": () => {
      if (searchOpen) return false;
      newChat.current?.focus();
    },
    search: () => setSearchOpen(true),
    escape: () => {
      if (!settingsOpen) return false;
      closeSettings();
    },
  });

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
          conversations={visible}
          loaded={loaded}
          showingArchived={showingArchived}
          archive={archive}
          onToggleArchived={() => setShowingArchived((a) => !a)}
          openId={openId}
          onOpen={openConversation}
          onSearch={() => setSearchOpen(true)}
          onSignOut={onSignOut}
          newChatRef={newChat}
        />
        {open ? (
          <ConversationView
            key={open.id}
            me={me}
            conversation={open}
            focus={focus}
            headerActions={
              <ConversationActions
                kind={open.kind}
                settingsOpen={settingsOpen}
                onSearch={() => setSearchOpen(true)}
                onToggleSettings={() => setSettingsOpen((o) => !o)}
              />
            }
          />
        ) : (
          <section className="empty-view" aria-label="No conversation open">
            <p>Pick a conversation, or start a new one by username.</p>
          </section>
        )}
        {open && settingsOpen && (
          <GroupSettings me={me.id} conversation={open} onClose={closeSettings} />
        )}
      </div>
      {dragging && <DropOverlay conversationTitle={open ? conversationTitle(open, me.id) : null} />}
      {searchOpen && (
        <SearchPanel
          me={me.id}
          conversations={sorted}
          current={open}
          onOpenHit={openHit}
          onClose={() => setSearchOpen(false)}
        />
      )}
    </div>
  );
}
