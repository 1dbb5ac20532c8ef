import { useEffect, useState } from "react";
import { errorMessage, ipc } from "../lib/ipc";
import type { SearchHit } from "../lib/protocol/core";
import type { ConversationId } from "../lib/protocol/protocol";
import { SEARCH_DELAY_MS, searchQuery } from "../lib/search";

/** Where a search stands: nothing typed, waiting for the answer, answered, or failed. */
export type SearchState =
  | { status: "idle"; hits: [] }
  | { status: "searching"; hits: SearchHit[] }
  | { status: "done"; hits: SearchHit[] }
  | { status: "failed"; hits: []; error: string };

const IDLE: SearchState = { status: "idle", hits: [] };

/** Searches the cache for `text` (in `conversation`, or everywhere) once typing pauses
 * for `delay` ms. While a new search runs the previous hits stay on screen; an answer
 * to an older query is dropped. */
export function useSearch(
  text: string,
  conversation: ConversationId | null,
  delay: number = SEARCH_DELAY_MS,
): SearchState {
  const [state, setState] = useState<SearchState>(IDLE);
  const trimmed = text.trim();

  useEffect(() => {
    if (!trimmed) {
      setState(IDLE);
      return;
    }
    let current = true;
    setState((before) => ({ status: "searching", hits: before.hits }));
    const timer = setTimeout(() => {
      ipc
        .search(searchQuery(trimmed, conversation))
        .then((hits) => {
          if (current) setState({ status: "done", hits });
        })
        .catch((e) => {
          if (current) setState({ status: "failed", hits: [], error: errorMessage(e) });
        });
    }, delay);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [trimmed, conversation, delay]);

  return state;
}
