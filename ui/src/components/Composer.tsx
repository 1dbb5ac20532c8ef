import { useLayoutEffect, useRef, useState, type KeyboardEvent } from "react";
import { useDraft } from "../hooks/useDraft";
import { useTypingSignal } from "../hooks/useTypingSignal";
import { insertAtCaret } from "../lib/emoji";
import { errorMessage, ipc } from "../lib/ipc";
import type { ConversationId } from "../lib/protocol/protocol";
import { EmojiPicker } from "./EmojiPicker";
import { Popover } from "./Popover";
import "../styles/conversation.css";

type Props = {
  conversationId: ConversationId;
  /** After a message is handed to the core (the list then jumps to the newest). */
  onSent?: () => void;
};

/** Enter sends, Shift+Enter starts a new line; the emoji button inserts at the caret. The
 * text is kept as a draft per conversation. */
export function Composer({ conversationId, onSent }: Props) {
  const [text, setText] = useDraft(conversationId);
  const [picking, setPicking] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const typing = useTypingSignal(conversationId);
  const box = useRef<HTMLTextAreaElement>(null);
  const emojiButton = useRef<HTMLButtonElement>(null);
  // Where the caret goes once the text with an inserted emoji is on screen.
  const caret = useRef<number | null>(null);

  useLayoutEffect(() => {
    if (caret.current === null || !box.current) return;
    box.current.focus();
    box.current.setSelectionRange(caret.current, caret.current);
    caret.current = null;
  }, [text]);

  function send() {
    const body = text.trim();
    if (!body) return;
    setText("");
    setError(null);
    typing.stopped();
    onSent?.();
    ipc.sendMessage(conversationId, body).catch((e) => {
      setError(errorMessage(e));
      setText(body);
    });
  }

  function onKeyDown(e: KeyboardEvent<HTMLTextAreaElement>) {
    if (e.key === "Enter" && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      send();
    }
  }

  function insertEmoji(emoji: string) {
    const el = box.current;
    const start = el?.selectionStart ?? text.length;
    const end = el?.selectionEnd ?? text.length;
    const next = insertAtCaret(text, start, end, emoji);
    caret.current = next.caret;
    setText(next.text);
    typing.typed();
    setPicking(false);
  }

  function closePicker() {
    setPicking(false);
    box.current?.focus();
  }

  return (
    <div className="composer">
      {error && (
        <p className="composer-error error small" role="alert">
          {error}
        </p>
      )}
      <button
        ref={emojiButton}
        type="button"
        className="emoji-button"
        aria-label="Insert emoji"
        title="Insert emoji"
        aria-haspopup="dialog"
        aria-expanded={picking}
        onClick={() => (picking ? closePicker() : setPicking(true))}
      >
        <svg
          aria-hidden="true"
          viewBox="0 0 20 20"
          width="20"
          height="20"
          fill="none"
          stroke="currentColor"
          strokeWidth="1.6"
          strokeLinecap="round"
        >
          <circle cx="10" cy="10" r="7.5" />
          <path d="M7 12.2c.8 1 1.8 1.5 3 1.5s2.2-.5 3-1.5M7.5 8h.01M12.5 8h.01" />
        </svg>
      </button>
      {picking && (
        <Popover anchor={emojiButton} onClose={closePicker} align="start">
          <EmojiPicker onPick={insertEmoji} onClose={closePicker} />
        </Popover>
      )}
      <textarea
        ref={box}
        name="composer"
        aria-label="Message"
        placeholder="Write a message…"
        rows={Math.min(6, Math.max(1, text.split("\n").length))}
        value={text}
        onChange={(e) => {
          setText(e.target.value);
          if (e.target.value) typing.typed();
          else typing.stopped();
        }}
        onKeyDown={onKeyDown}
      />
      <button
        type="button"
        className="primary send"
        aria-label="Send"
        disabled={!text.trim()}
        onClick={send}
      >
        ➤
      </button>
    </div>
  );
}
