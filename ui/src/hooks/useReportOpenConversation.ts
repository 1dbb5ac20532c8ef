import { useEffect } from "react";
import { ipc } from "../lib/ipc";
import type { ConversationId } from "../lib/protocol/protocol";

/** Tells the shell which conversation is on screen (its messages do not notify), and
 * that none is once this unmounts (sign-out). */
export function useReportOpenConversation(id: ConversationId | null): void {
  useEffect(() => {
    void ipc.setOpenConversation(id).catch(() => {});
  }, [id]);
  useEffect(
    () => () => {
      void ipc.setOpenConversation(null).catch(() => {});
    },
    [],
  );
}
