import { useEffect, useRef } from "react";
import { ipc } from "../lib/ipc";
import type { ConversationId } from "../lib/protocol/protocol";

/** "Still typing" is repeated at most this often; "stopped" follows this long after the
 * last keystroke. */
export const TYPING_RENEW_MS = 3000;
export const TYPING_IDLE_MS = 4000;

/** Returns `typed()` (call on each keystroke) and `stopped()` (call on send). */
export function useTypingSignal(id: ConversationId): { typed: () => void; stopped: () => void } {
  const lastSent = useRef(0);
  const idle = useRef<ReturnType<typeof setTimeout> | null>(null);

  const stopped = () => {
    if (idle.current) clearTimeout(idle.current);
    idle.current = null;
    if (lastSent.current !== 0) {
      lastSent.current = 0;
      void ipc.setTyping(id, false).catch(() => {});
    }
  };
  const typed = () => {
    const now = Date.now();
    if (now - lastSent.current > TYPING_RENEW_MS) {
      lastSent.current = now;
      void ipc.setTyping(id, true).catch(() => {});
    }
    if (idle.current) clearTimeout(idle.current);
    idle.current = setTimeout(stopped, TYPING_IDLE_MS);
  };
  useEffect(() => stopped, [id]);
  return { typed, stopped };
}
