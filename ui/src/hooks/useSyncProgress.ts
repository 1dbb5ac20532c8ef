import { useState } from "react";
import { useCoreEvents } from "./useCoreEvents";

/** How many messages the current catch-up has fetched, while there are more to come;
 * null when not catching up (also once the connection drops: the next one starts over). */
export function useSyncProgress(): number | null {
  const [fetched, setFetched] = useState<number | null>(null);
  useCoreEvents((event) => {
    if (event.type === "sync_progress") setFetched(event.more ? event.fetched : null);
    if (event.type === "connection" && event.state !== "online") setFetched(null);
  });
  return fetched;
}
