import { useEffect, useState } from "react";
import { errorMessage, ipc } from "../lib/ipc";
import type { CachedMessage } from "../lib/protocol/core";
import type { ConversationSummary, UserId } from "../lib/protocol/protocol";
import {
  emojiKey,
  findReaction,
  reactedByMe,
  settledKeys,
  withPending,
  type PendingReactions,
} from "../lib/reactions";
import type { ReceiptState } from "../lib/receipts";
import { clockTime, fullTime } from "../lib/time";
import { Attachments } from "./Attachments";
import { MessageActions } from "./MessageActions";
import { MessageEditor } from "./MessageEditor";
import { Reactions } from "./Reactions";
import { StatusTick } from "./StatusTick";
import "../styles/conversation.css";

type Props = {
  message: CachedMessage;
  mine: boolean;
  me: UserId;
  conversation: ConversationSummary;
  /** For mine: the tick (pending, failed, sent, delivered or read). */
  receipt?: ReceiptState;
  /** Just jumped to: highlighted for a moment. */
  focused?: boolean;
  /** Whether the editor is open, when the caller decides (↑ in the composer opens it on
   * my last message); left out, the bubble keeps it itself. */
  editing?: boolean;
  /** Edit was chosen (true), or the edit was saved or cancelled (false). */
  onEditingChange?: (editing: boolean) => void;
};

type Mode = "idle" | "editing" | "confirm-delete";

/**
 * One message: its bubble (text, attachments, time, "edited", and for mine the tick, with
 * Retry and Discard when it failed), the actions toolbar (React; Edit and Delete for my
 * own), the inline editor and delete confirmation, and the reaction chips.
 */
export function MessageBubble({
  message: m,
  mine,
  me,
  conversation,
  receipt,
  focused,
  editing,
  onEditingChange,
}: Props) {
  const controlled = editing !== undefined;
  // Controlled, the editor's state lives with the caller and this keeps only the rest.
  const [ownMode, setOwnMode] = useState<Mode>("idle");
  const mode: Mode = controlled && editing ? "editing" : ownMode;
  function setMode(next: Mode) {
    if (controlled) {
      if ((next === "editing") !== (mode === "editing")) onEditingChange?.(next === "editing");
      setOwnMode(next === "editing" ? "idle" : next);
    } else {
      setOwnMode(next);
    }
  }
  const [menuOpen, setMenuOpen] = useState(false);
  const [pending, setPending] = useState<PendingReactions>(new Map());
  const [error, setError] = useState<string | null>(null);
  const body = m.event.kind === "message" ? m.event : null;
  const reactions = body?.reactions;

  // Forget my reaction echoes once the cache shows them.
  useEffect(() => {
    setPending((p) => {
      const settled = settledKeys(reactions ?? [], p, me);
      if (settled.length === 0) return p;
      const next = new Map(p);
      settled.forEach((k) => next.delete(k));
      return next;
    });
  }, [reactions, me]);

  if (!body) return null;
  const seq = m.seq;
  const deleted = body.deleted === true;
  const sent = seq !== null && m.status === "sent";
  const canReact = sent && !deleted;
  const canChange = canReact && mine;
  const shownReactions = withPending(body.reactions ?? [], pending, me);
  const clientId = m.client_id;
  const state: ReceiptState = receipt ?? (m.status === "sent" ? "sent" : m.status);

  function react(emoji: string, add?: boolean) {
    if (seq === null) return;
    const existing = findReaction(shownReactions, emoji);
    const adding = add ?? !(existing && reactedByMe(existing, me));
    const chosen = existing?.emoji ?? emoji;
    const key = emojiKey(chosen);
    setError(null);
    setPending((p) => new Map(p).set(key, { emoji: chosen, add: adding }));
    ipc.react(conversation.id, seq, chosen, adding).catch((e) => {
      setPending((p) => {
        const next = new Map(p);
        next.delete(key);
        return next;
      });
      setError(errorMessage(e));
    });
  }

  async function saveEdit(text: string) {
    if (seq === null) return;
    await ipc.editMessage(conversation.id, seq, text);
    setMode("idle");
  }

  async function confirmDelete() {
    if (seq === null) return;
    setMode("idle");
    setError(null);
    try {
      await ipc.deleteMessage(conversation.id, seq);
    } catch (e) {
      setError(errorMessage(e));
    }
  }

  const active = menuOpen || mode !== "idle";
  const bubbleClass = [
    "bubble",
    deleted && "deleted",
    m.status === "failed" && "failed",
    mode === "editing" && "editing",
    focused && "focused",
  ]
    .filter(Boolean)
    .join(" ");

  return (
    <div className={`message ${mine ? "mine" : "theirs"}${active ? " active" : ""}`}>
      <div className="bubble-line">
        <div
          className={bubbleClass}
          tabIndex={0}
          role="article"
          data-status={m.status}
          data-client-id={clientId ?? undefined}
          data-seq={seq ?? undefined}
          data-receipt={mine ? state : undefined}
          title={fullTime(m.ts)}
        >
          {!deleted && body.attachments && body.attachments.length > 0 && (
            <Attachments media={body.attachments} />
          )}
          {mode === "editing" ? (
            <MessageEditor initial={body.text} onSave={saveEdit} onCancel={() => setMode("idle")} />
          ) : (
            // Always there (empty for files only): tests find every bubble's text.
            <span className="bubble-text">{deleted ? "This message was deleted" : body.text}</span>
          )}
          <span className="bubble-meta">
            {body.edited_at && !deleted ? (
              <span className="edited" title={`Edited ${fullTime(body.edited_at)}`}>
                edited
              </span>
            ) : null}
            <time dateTime={new Date(m.ts).toISOString()}>{clockTime(m.ts)}</time>
            {mine && <StatusTick state={state} />}
          </span>
          {mine && m.status === "failed" && clientId && (
            <span className="failed-actions">
              <span className="error small">{m.error ? errorMessage(m.error) : "Not sent"}</span>
              <button type="button" className="link small" onClick={() => void ipc.retry(clientId)}>
                Retry
              </button>
              <button
                type="button"
                className="link small"
                onClick={() => void ipc.discard(clientId)}
              >
                Discard
              </button>
            </span>
          )}
        </div>
        {canReact && mode === "idle" && (
          <MessageActions
            canEdit={canChange}
            canDelete={canChange}
            onReact={(emoji) => react(emoji)}
            onEdit={() => setMode("editing")}
            onDelete={() => setMode("confirm-delete")}
            onOpenChange={setMenuOpen}
          />
        )}
      </div>
      {mode === "confirm-delete" && (
        <div
          className="delete-confirm"
          role="alertdialog"
          aria-label="Delete message"
          onKeyDown={(e) => {
            if (e.key === "Escape") {
              e.preventDefault();
              e.stopPropagation();
              setMode("idle");
            }
          }}
        >
          <span>Delete for everyone?</span>
          <button
            type="button"
            className="danger small confirm-delete"
            onClick={() => void confirmDelete()}
          >
            Delete
          </button>
          <button type="button" className="ghost small" autoFocus onClick={() => setMode("idle")}>
            Cancel
          </button>
        </div>
      )}
      <Reactions
        reactions={shownReactions}
        me={me}
        conversation={conversation}
        onToggle={(emoji, add) => react(emoji, add)}
      />
      {error && (
        <p className="message-error error small" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
