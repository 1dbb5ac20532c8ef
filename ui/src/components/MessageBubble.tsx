import { errorMessage, ipc } from "../lib/ipc";
import type { CachedMessage } from "../lib/protocol/core";
import { StatusTick } from "./StatusTick";

type Props = { message: CachedMessage; mine: boolean };

/** One message: its text, and for mine its tick (with retry and discard when it failed). */
export function MessageBubble({ message: m, mine }: Props) {
  if (m.event.kind !== "message") return null;
  const body = m.event;
  const text = body.deleted ? "This message was deleted" : body.text;
  const clientId = m.client_id;
  return (
    <div
      className={`bubble${body.deleted ? " deleted" : ""}${m.status === "failed" ? " failed" : ""}`}
      data-status={m.status}
      data-client-id={clientId ?? undefined}
    >
      <span className="bubble-text">{text}</span>
      {body.attachments?.map((a) => (
        <span key={a.id} className="attachment">
          📎 {a.name}
        </span>
      ))}
      <span className="bubble-meta">
        {body.edited_at ? <span className="edited">edited</span> : null}
        {mine && <StatusTick status={m.status} />}
      </span>
      {mine && m.status === "failed" && clientId && (
        <span className="failed-actions">
          <span className="error small">{m.error ? errorMessage(m.error) : "Not sent"}</span>
          <button type="button" className="link small" onClick={() => void ipc.retry(clientId)}>
            Retry
          </button>
          <button type="button" className="link small" onClick={() => void ipc.discard(clientId)}>
            Discard
          </button>
        </span>
      )}
    </div>
  );
}
