import { useEffect, useRef } from "react";
import { onCoreEvent } from "../lib/ipc";
import type { CoreEvent } from "../lib/protocol/core";

/** Calls `handler` (the latest one) with every core event while mounted. */
export function useCoreEvents(handler: (event: CoreEvent) => void): void {
  const latest = useRef(handler);
  latest.current = handler;
  useEffect(() => {
    let unlisten: (() => void) | undefined;
    let gone = false;
    onCoreEvent((event) => latest.current(event)).then((stop) => {
      if (gone) stop();
      else unlisten = stop;
    });
    return () => {
      gone = true;
      unlisten?.();
    };
  }, []);
}
