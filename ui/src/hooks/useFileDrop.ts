import { getCurrentWebview } from "@tauri-apps/api/webview";
import { useEffect, useRef, useState } from "react";
import { stopLater } from "../lib/subscription";

/**
 * Whether files from the OS are being dragged over the window; `onDrop` gets their paths
 * when they are let go. The shell takes OS drops before the page sees any HTML drop
 * event, so this listens to the webview's own drag-and-drop events. Inert outside the
 * shell (tests, a plain browser).
 */
export function useFileDrop(onDrop: (paths: string[]) => void): boolean {
  const [over, setOver] = useState(false);
  const latest = useRef(onDrop);
  latest.current = onDrop;

  useEffect(() => {
    if (!("__TAURI_INTERNALS__" in window)) return;
    let started: Promise<() => void>;
    try {
      started = getCurrentWebview().onDragDropEvent(({ payload }) => {
        if (payload.type === "enter") setOver(payload.paths.length > 0);
        else if (payload.type === "leave") setOver(false);
        else if (payload.type === "drop") {
          setOver(false);
          if (payload.paths.length > 0) latest.current(payload.paths);
        }
      });
    } catch (e) {
      console.warn("file drop unavailable", e);
      return;
    }
    return stopLater(started);
  }, []);

  return over;
}
