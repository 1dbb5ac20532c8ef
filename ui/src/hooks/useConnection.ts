import { useEffect, useState } from "react";
import { ipc } from "../lib/ipc";
import type { ConnectionState } from "../lib/protocol/core";
import { useCoreEvents } from "./useCoreEvents";

/** The socket's latest state: asked once on mount, then followed through `connection`
 * events (null until either answers). */
export function useConnection(): ConnectionState | null {
  const [state, setState] = useState<ConnectionState | null>(null);
  useEffect(() => {
    let live = true;
    ipc
      .connectionState()
      .then((now) => {
        // An event may have come first; it is newer.
        if (live) setState((seen) => seen ?? now);
      })
      .catch(() => {});
    return () => {
      live = false;
    };
  }, []);
  useCoreEvents((event) => {
    if (event.type === "connection") {
      const { type: _type, ...connection } = event;
      setState(connection as ConnectionState);
    }
  });
  return state;
}
