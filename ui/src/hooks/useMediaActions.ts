import { useCallback, useEffect, useState } from "react";
import { errorMessage, ipc } from "../lib/ipc";
import type { MediaInfo } from "../lib/protocol/protocol";

/** How long "Saved" stays after a save. */
export const SAVED_NOTICE_MS = 2500;

/** Open (in the system's app) and Save… for one file: which one is downloading, a short
 * "Saved" after a save, and why the last one failed. */
export function useMediaActions(media: MediaInfo): {
  busy: "open" | "save" | null;
  saved: boolean;
  error: string | null;
  open: () => void;
  save: () => void;
} {
  const [busy, setBusy] = useState<"open" | "save" | null>(null);
  const [saved, setSaved] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    if (!saved) return;
    const timer = setTimeout(() => setSaved(false), SAVED_NOTICE_MS);
    return () => clearTimeout(timer);
  }, [saved]);

  const run = useCallback(async (which: "open" | "save", action: () => Promise<unknown>) => {
    setBusy(which);
    setError(null);
    setSaved(false);
    try {
      return await action();
    } catch (e) {
      setError(errorMessage(e));
      return undefined;
    } finally {
      setBusy(null);
    }
  }, []);

  const open = useCallback(() => void run("open", () => ipc.openMedia(media)), [run, media]);
  const save = useCallback(
    () =>
      void run("save", () => ipc.saveMedia(media)).then((path) => {
        // Null: the save dialog was cancelled.
        if (typeof path === "string") setSaved(true);
      }),
    [run, media],
  );

  return { busy, saved, error, open, save };
}
