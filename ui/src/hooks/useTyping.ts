import { useEffect, useState } from "react";
import type { ConversationId, UserId } from "../lib/protocol/protocol";
import { useCoreEvents } from "./useCoreEvents";

/** A typing signal counts for this long unless renewed (a lost "stopped" must not stick). */
export const TYPING_TTL_MS = 6000;

/** Who is typing in `id` right now, from `typing` events. */
export function useTyping(id: ConversationId, me: UserId): UserId[] {
  const [until, setUntil] = useState<Record<UserId, number>>({});
  const [now, setNow] = useState(() => Date.now());

  useEffect(() => setUntil({}), [id]);
  useCoreEvents((event) => {
    if (event.type !== "typing" || event.conversation_id !== id || event.user_id === me) return;
    setNow(Date.now());
    setUntil((prev) => {
      const next = { ...prev };
      if (event.typing) next[event.user_id] = Date.now() + TYPING_TTL_MS;
      else delete next[event.user_id];
      return next;
    });
  });
  const active = Object.keys(until).filter((user) => until[user] > now);
  useEffect(() => {
    if (active.length === 0) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [active.length]);
  return active;
}
