import { type KeyboardEvent, useEffect, useMemo, useState } from "react";
import { type SearchState, useSearch } from "../hooks/useSearch";
import { conversationTitle, nameOf } from "../lib/people";
import type { SearchHit } from "../lib/protocol/core";
import type { ConversationSummary, UserId } from "../lib/protocol/protocol";
import { SEARCH_LIMIT, stepSelection } from "../lib/search";
import { Dialog } from "./Dialog";
import { SearchHitRow } from "./SearchHitRow";

type Props = {
  me: UserId;
  conversations: ConversationSummary[];
  /** The open conversation, offered as a filter. */
  current: ConversationSummary | null;
  onOpenHit: (hit: SearchHit) => void;
  onClose: () => void;
};

/** Search every conversation (or only the open one): results as you type, ↑/↓ to move,
 * Enter or a click to open the conversation at that message. */
export function SearchPanel({ me, conversations, current, onOpenHit, onClose }: Props) {
  const [text, setText] = useState("");
  const [onlyHere, setOnlyHere] = useState(false);
  const scope = onlyHere && current ? current : null;
  const search = useSearch(text, scope?.id ?? null);
  const [selected, setSelected] = useState(-1);
  const byId = useMemo(() => new Map(conversations.map((c) => [c.id, c])), [conversations]);

  // New results: the best one is ready for Enter.
  useEffect(() => setSelected(search.hits.length > 0 ? 0 : -1), [search.hits]);
  useEffect(() => {
    if (selected < 0) return;
    document.getElementById(hitId(selected))?.scrollIntoView?.({ block: "nearest" });
  }, [selected]);

  function onKeyDown(e: KeyboardEvent<HTMLInputElement>) {
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      setSelected((s) => stepSelection(s, e.key === "ArrowDown" ? 1 : -1, search.hits.length));
    } else if (e.key === "Enter" && selected >= 0 && search.hits[selected]) {
      e.preventDefault();
      onOpenHit(search.hits[selected]);
    }
  }

  const where = scope ? `“${conversationTitle(scope, me)}”` : "all conversations";
  return (
    <Dialog title="Search messages" className="search-panel" onClose={onClose}>
      <input
        name="search"
        type="search"
        role="combobox"
        aria-label={`Search ${scope ? "this conversation" : "all conversations"}`}
        aria-expanded={search.hits.length > 0}
        aria-controls="search-results"
        aria-autocomplete="list"
        aria-activedescendant={selected >= 0 ? hitId(selected) : undefined}
        placeholder={`Search ${where}`}
        autoComplete="off"
        spellCheck={false}
        value={text}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={onKeyDown}
      />
      {current && (
        <label className="search-scope">
          <input
            type="checkbox"
            name="search-here"
            checked={onlyHere}
            onChange={(e) => setOnlyHere(e.target.checked)}
          />
          Only in {conversationTitle(current, me)}
        </label>
      )}
      <ul id="search-results" className="search-results" role="listbox" aria-label="Results">
        {search.hits.map((hit, i) => {
          const c = byId.get(hit.conversation_id);
          return (
            <SearchHitRow
              key={`${hit.conversation_id}:${hit.seq}`}
              id={hitId(i)}
              hit={hit}
              conversationTitle={c ? conversationTitle(c, me) : "A conversation"}
              senderName={hit.sender === me ? "You" : nameOf(c, hit.sender)}
              selected={i === selected}
              onOpen={() => onOpenHit(hit)}
              onHover={() => setSelected(i)}
            />
          );
        })}
      </ul>
      <SearchStatus search={search} text={text.trim()} where={where} />
    </Dialog>
  );
}

function hitId(index: number): string {
  return `search-hit-${index}`;
}

/** The line under the results: what to do, what is happening, or why there is nothing. */
function SearchStatus({
  search,
  text,
  where,
}: {
  search: SearchState;
  text: string;
  where: string;
}) {
  if (search.status === "failed") {
    return (
      <p className="search-status error" role="alert">
        The search failed: {search.error}
      </p>
    );
  }
  const line = statusLine(search, text, where);
  return (
    <p className="search-status muted" role="status">
      {line}
    </p>
  );
}

function statusLine(search: SearchState, text: string, where: string): string {
  const count = search.hits.length;
  if (search.status === "idle") return `Type to search ${where}. ↑ ↓ to choose, Enter to open.`;
  if (search.status === "searching" && count === 0) return "Searching…";
  if (count === 0) return `No messages match “${text}”. Try fewer or shorter words.`;
  if (count >= SEARCH_LIMIT) return `The first ${SEARCH_LIMIT} results. Add words to narrow it down.`;
  return count === 1 ? "1 result" : `${count} results`;
}
