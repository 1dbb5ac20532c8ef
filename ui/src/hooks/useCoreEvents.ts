import { useEffect, useRef } from "react";
import { onCoreEvent } from "../lib/ipc";
import type { CoreEvent } from "../lib/protocol/core";
import { stopLater } from "../lib/subscription";

/** Calls `handler` (the latest one) with every core event while mounted. */
export function useCoreEvents(handler: (event: CoreEvent) => void): void {
  const latest = useRef(handler);
  latest.current = handler;
  useEffect(() => stopLater(onCoreEvent((event) => latest.current(event))), []);
}
