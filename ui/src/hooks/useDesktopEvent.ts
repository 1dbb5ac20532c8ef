import { useEffect, useRef } from "react";
import { onDesktopEvent, type DesktopEvents } from "../lib/ipc";
import { stopLater } from "../lib/subscription";

/** Calls `handler` (the latest one) with each `name` event from the shell while mounted. */
export function useDesktopEvent<K extends keyof DesktopEvents>(
  name: K,
  handler: (payload: DesktopEvents[K]) => void,
): void {
  const latest = useRef(handler);
  latest.current = handler;
  useEffect(() => stopLater(onDesktopEvent(name, (payload) => latest.current(payload))), [name]);
}
