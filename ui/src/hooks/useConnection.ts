import { useState } from "react";
import type { ConnectionState } from "../lib/protocol/core";
import { useCoreEvents } from "./useCoreEvents";

/** The socket's latest state, from `connection` events (null until the first one). */
export function useConnection(): ConnectionState | null {
  const [state, setState] = useState<ConnectionState | null>(null);
  useCoreEvents((event) => {
    if (event.type === "connection") {
      const { type: _type, ...connection } = event;
      setState(connection as ConnectionState);
    }
  });
  return state;
}
