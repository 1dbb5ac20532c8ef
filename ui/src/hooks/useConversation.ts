import { useCallback, useEffect, useRef, useState } from "react";
import { ipc } from "../lib/ipc";
import { newestSeq } from "../lib/messages";
import type { CachedMessage } from "../lib/protocol/core";
import type { ConversationId } from "../lib/protocol/protocol";
import { useCoreEvents } from "./useCoreEvents";

/** How many rows the view loads. */
export const PAGE_SIZE = 100;

/** The newest page of one conversation, read again on every change to it; marks what it
 * shows as read. */
export function useConversation(id: ConversationId): {
  messages: CachedMessage[];
  loaded: boolean;
} {
  const [messages, setMessages] = useState<CachedMessage[]>([]);
  const [loaded, setLoaded] = useState(false);
  const current = useRef(id);
  current.current = id;
  const readUpTo = useRef(0);

  const reload = useCallback(() => {
    const asked = id;
    ipc
      .page(asked, null, PAGE_SIZE)
      .then((page) => {
        if (current.current !== asked) return;
        setMessages(page);
        setLoaded(true);
        const newest = newestSeq(page);
        if (newest !== null && newest > readUpTo.current) {
          readUpTo.current = newest;
          ipc.markRead(asked, newest).catch(() => {});
        }
      })
      .catch((e) => console.error("page", e));
  }, [id]);

  useEffect(() => {
    setMessages([]);
    setLoaded(false);
    readUpTo.current = 0;
    reload();
  }, [reload]);

  useCoreEvents((event) => {
    if (event.type === "messages_changed" && event.conversation_id === id) reload();
    if (event.type === "message_sent" || event.type === "message_failed") reload();
  });
  return { messages, loaded };
}
