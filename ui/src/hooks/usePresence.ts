import { useEffect, useState } from "react";
import { ipc } from "../lib/ipc";
import type { PresenceState, UserId } from "../lib/protocol/protocol";
import { useCoreEvents } from "./useCoreEvents";

/** Everyone's presence as the core last heard it: asked once, then followed through
 * `presence` events. */
export function usePresence(): ReadonlyMap<UserId, PresenceState> {
  const [presence, setPresence] = useState<ReadonlyMap<UserId, PresenceState>>(new Map());
  useEffect(() => {
    let live = true;
    ipc
      .presence()
      .then((list) => {
        if (!live) return;
        setPresence((seen) => {
          const next = new Map(list.map((p) => [p.user_id, p.state] as const));
          // Events that arrived first are newer than the snapshot.
          for (const [user, state] of seen) next.set(user, state);
          return next;
        });
      })
      .catch(() => {});
    return () => {
      live = false;
    };
  }, []);
  useCoreEvents((event) => {
    if (event.type === "presence") {
      setPresence((seen) => new Map(seen).set(event.user_id, event.state));
    }
  });
  return presence;
}
