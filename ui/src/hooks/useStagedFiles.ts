import { useCallback, useSyncExternalStore } from "react";
import type { ConversationId } from "../lib/protocol/protocol";
import { getStaging, subscribeStaging, type Staging } from "../lib/stagedFiles";

/** The files staged in a conversation's composer, and notes on those refused, live. */
export function useStagedFiles(conversationId: ConversationId): Staging {
  const snapshot = useCallback(() => getStaging(conversationId), [conversationId]);
  return useSyncExternalStore(subscribeStaging, snapshot);
}
