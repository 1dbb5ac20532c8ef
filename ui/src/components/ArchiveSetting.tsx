import { useEffect, useState } from "react";
import { useAction } from "../hooks/useAction";
import { ipc } from "../lib/ipc";
import type { ConversationId, ConversationSettings } from "../lib/protocol/protocol";

type Props = { conversationId: ConversationId; settings: ConversationSettings };

/** "Archive" or "Unarchive": takes the conversation out of the main list (a new message
 * leaves it archived, with its unread count shown on the list's "Archived" entry); the
 * same on all my devices. */
export function ArchiveSetting({ conversationId, settings }: Props) {
  const { busy, error, run } = useAction();
  // Shown at once; the stored settings arrive a moment later (and win).
  const [wanted, setWanted] = useState<boolean | null>(null);
  useEffect(() => setWanted(null), [settings.archived]);
  const archived = wanted ?? settings.archived;

  function toggle() {
    const next = !archived;
    setWanted(next);
    // The settings are replaced as a whole: keep the rest as it is.
    void run(() =>
      ipc.setConversationSettings(conversationId, { ...settings, archived: next }),
    ).then((ok) => {
      if (!ok) setWanted(null);
    });
  }

  return (
    <div className="archive-setting">
      <button
        type="button"
        className="ghost archive-toggle"
        data-archived={archived}
        disabled={busy}
        onClick={toggle}
      >
        {archived ? "Unarchive" : "Archive"}
      </button>
      <p className="muted small">
        {archived
          ? "Archived: kept out of the main list, even when new messages arrive."
          : "Archiving keeps it out of the main list; it stays in “Archived”."}
      </p>
      {error && (
        <p className="error small" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
