import { useCallback, useEffect, useState } from "react";
import { ipc } from "../lib/ipc";
import type { ConversationSummary } from "../lib/protocol/protocol";
import { useCoreEvents } from "./useCoreEvents";

/** The conversation list from the cache, read again whenever the core says it changed. */
export function useConversations(): {
  conversations: ConversationSummary[];
  loaded: boolean;
  reload: () => void;
} {
  const [conversations, setConversations] = useState<ConversationSummary[]>([]);
  const [loaded, setLoaded] = useState(false);
  const reload = useCallback(() => {
    ipc
      .conversations()
      .then((list) => {
        setConversations(list);
        setLoaded(true);
      })
      .catch((e) => console.error("conversations", e));
  }, []);
  useEffect(reload, [reload]);
  useCoreEvents((event) => {
    // A new message changes the preview, the order and the unread count too.
    if (event.type === "conversations_changed" || event.type === "messages_changed") reload();
  });
  return { conversations, loaded, reload };
}
