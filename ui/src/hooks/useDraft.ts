import { useEffect, useRef, useState } from "react";
import { ipc } from "../lib/ipc";
import type { ConversationId } from "../lib/protocol/protocol";

/** Saves a draft this long after the last keystroke (and when the conversation closes). */
export const DRAFT_SAVE_MS = 400;

/** The composer's text for one conversation, kept in the core's cache between visits. */
export function useDraft(id: ConversationId): [string, (text: string) => void] {
  const [text, setText] = useState("");
  const pending = useRef<string | null>(null);

  useEffect(() => {
    let live = true;
    ipc
      .draft(id)
      .then((saved) => {
        if (live && pending.current === null) setText(saved ?? "");
      })
      .catch(() => {});
    return () => {
      live = false;
      if (pending.current !== null) void ipc.setDraft(id, pending.current).catch(() => {});
      pending.current = null;
    };
  }, [id]);

  useEffect(() => {
    if (pending.current === null) return;
    const timer = setTimeout(() => {
      if (pending.current === null) return;
      void ipc.setDraft(id, pending.current).catch(() => {});
      pending.current = null;
    }, DRAFT_SAVE_MS);
    return () => clearTimeout(timer);
  }, [id, text]);

  return [
    text,
    (next: string) => {
      pending.current = next;
      setText(next);
    },
  ];
}
