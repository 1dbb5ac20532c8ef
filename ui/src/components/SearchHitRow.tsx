import type { SearchHit } from "../lib/protocol/core";
import { shortTime } from "../lib/time";
import { Snippet } from "./Snippet";

type Props = {
  hit: SearchHit;
  /** The element id the search field points at while this hit is selected. */
  id: string;
  conversationTitle: string;
  senderName: string;
  selected: boolean;
  onOpen: () => void;
  onHover: () => void;
};

/** One search result: where, who, when, and the excerpt with the matches marked. */
export function SearchHitRow({
  hit,
  id,
  conversationTitle,
  senderName,
  selected,
  onOpen,
  onHover,
}: Props) {
  return (
    <li
      id={id}
      role="option"
      aria-selected={selected}
      className={`search-hit${selected ? " selected" : ""}`}
      data-conversation-id={hit.conversation_id}
      data-seq={hit.seq}
      onClick={onOpen}
      onMouseMove={selected ? undefined : onHover}
    >
      <span className="hit-top">
        <span className="hit-conversation">{conversationTitle}</span>
        <time className="hit-time" dateTime={new Date(hit.ts).toISOString()}>
          {shortTime(hit.ts)}
        </time>
      </span>
      <span className="hit-sender">{senderName}</span>
      <span className="hit-snippet">
        <Snippet parts={hit.snippet} />
      </span>
    </li>
  );
}
